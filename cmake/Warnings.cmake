# Interface target with the warning flags every project target links privately.
add_library(aigw_warnings INTERFACE)
target_compile_options(aigw_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  -Wno-missing-field-initializers)
# GCC 12 takes the sized operator delete of Asio's coroutine frames for a mismatch with the
# frame's allocation (a false positive in GCC's coroutine lowering).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(aigw_warnings INTERFACE -Wno-mismatched-new-delete)
endif()
if(AIGW_SANITIZE)
  target_compile_options(aigw_warnings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(aigw_warnings INTERFACE -fsanitize=address,undefined)
endif()
