# The man page and the shell completions, written by the built aigw-setup from its own
# command line each time it links (`completion bash|zsh|fish`, and the hidden
# `completion man --template packaging/aigw-setup.1.in`), so they always match the binary.
# They land in ${CMAKE_BINARY_DIR}/share/, where the install rules pick them up.
#
# Included from the top-level CMakeLists.txt. The build step runs this same file as a
# script, so that a failing run leaves no half-written file behind:
#   cmake -DPROGRAM=<aigw-setup> "-DARGS=<arg|arg>" -DOUTPUT=<file> -P packaging/generated.cmake
if(CMAKE_SCRIPT_MODE_FILE)
  string(REPLACE "|" ";" args "${ARGS}")
  execute_process(COMMAND "${PROGRAM}" ${args}
    OUTPUT_FILE "${OUTPUT}.tmp" ERROR_VARIABLE error RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    file(REMOVE "${OUTPUT}.tmp")
    message(FATAL_ERROR "${PROGRAM} ${args} failed (${result}): ${error}")
  endif()
  file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
  return()
endif()

# A binary built for another machine cannot be run here to write them.
if(CMAKE_CROSSCOMPILING)
  message(STATUS "cross-compiling: no man page or completions are generated")
  return()
endif()

set(aigw_share ${CMAKE_BINARY_DIR}/share)
set(aigw_man_template ${CMAKE_SOURCE_DIR}/packaging/aigw-setup.1.in)
set(aigw_generated_outputs)

# Write `output` from `aigw-setup <ARGN>`. The home is named, so that a build without $HOME
# works too; nothing is read or written there.
function(aigw_generate output)
  list(JOIN ARGN "|" args)
  set(args "--home|${CMAKE_BINARY_DIR}|${args}")
  get_filename_component(folder ${output} DIRECTORY)
  add_custom_command(OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${folder}
    COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:aigw-setup> "-DARGS=${args}"
            -DOUTPUT=${output} -P ${CMAKE_SOURCE_DIR}/packaging/generated.cmake
    DEPENDS aigw-setup ${aigw_man_template} ${CMAKE_SOURCE_DIR}/packaging/generated.cmake
    COMMENT "Writing ${output}" VERBATIM)
  set(aigw_generated_outputs ${aigw_generated_outputs} ${output} PARENT_SCOPE)
endfunction()

aigw_generate(${aigw_share}/man/man1/aigw-setup.1 completion man --template ${aigw_man_template})
aigw_generate(${aigw_share}/bash-completion/completions/aigw-setup completion bash)
aigw_generate(${aigw_share}/zsh/site-functions/_aigw-setup completion zsh)
aigw_generate(${aigw_share}/fish/vendor_completions.d/aigw-setup.fish completion fish)
add_custom_target(aigw_generated_docs ALL DEPENDS ${aigw_generated_outputs})
