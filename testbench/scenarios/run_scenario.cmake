# Runs one scenario and compares its transcript with the golden file.
# Inputs: APSIM, SCRIPT, GOLDEN, ACTUAL; OPTIONS: a variant's `apsim run` options, blank
# separated (CMakeLists.txt, "# apsim-variant:").  Extra apsim options may follow "# apsim:"
# lines in the script itself (read by apsim; the command line's win).
# The script runs by its file name from its own folder, so bash-style messages that name it
# ("NAME.sh: line N: ...") do not depend on where the tree is checked out.
get_filename_component(script_dir ${SCRIPT} DIRECTORY)
get_filename_component(script_name ${SCRIPT} NAME)
separate_arguments(options UNIX_COMMAND "${OPTIONS}")
execute_process(
  COMMAND sh -c "exec \"$0\" run --echo \"$@\" 2>&1" ${APSIM} ${options} ${script_name}
  WORKING_DIRECTORY ${script_dir}
  OUTPUT_VARIABLE out
  RESULT_VARIABLE rc)
set(out "${out}--- exit status ${rc}\n")
file(WRITE ${ACTUAL} "${out}")
if(DEFINED ENV{APSIM_UPDATE_GOLDEN} AND "$ENV{APSIM_UPDATE_GOLDEN}" STREQUAL "1")
  file(WRITE ${GOLDEN} "${out}")
  message(STATUS "updated ${GOLDEN}")
  return()
endif()
if(NOT EXISTS ${GOLDEN})
  message(FATAL_ERROR "no golden transcript ${GOLDEN}; the actual one is ${ACTUAL}")
endif()
file(READ ${GOLDEN} golden)
if(NOT golden STREQUAL out)
  execute_process(COMMAND diff -u ${GOLDEN} ${ACTUAL} OUTPUT_VARIABLE d)
  message(FATAL_ERROR "transcript differs from ${GOLDEN}:\n${d}")
endif()
