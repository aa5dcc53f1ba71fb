# Interface target with the warning flags every project target links privately.
add_library(aigw_warnings INTERFACE)
target_compile_options(aigw_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  -Wno-missing-field-initializers)
if(AIGW_SANITIZE)
  target_compile_options(aigw_warnings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(aigw_warnings INTERFACE -fsanitize=address,undefined)
endif()
