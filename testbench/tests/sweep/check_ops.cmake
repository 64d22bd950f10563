# Runs ops.sh (fast mode) and checks apbench's answers.  Inputs: APSIM, SCRIPT.
get_filename_component(dir ${SCRIPT} DIRECTORY)
execute_process(COMMAND ${APSIM} run --echo --mode fast ${SCRIPT} WORKING_DIRECTORY ${dir}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
foreach(expect
    "apbench: 2 APQNs cca-seckey, 24 requests, 4 in flight"
    "completed 24, failed 0, wrong 0"
    "card 03: 2 engines, service 388.8 us per request \\(deterministic\\), measured mean 388.8 us"
    "service +388.8 +388.8"
    "apbench: 2 APQNs ep11-seckey, 12 requests, 2 in flight"
    "completed 12, failed 0, wrong 0"
    "apbench: 2 APQNs rng, 10 requests, 2 in flight, polling"
    "completed 10, failed 0, wrong 0"
    "apbench: 05.0001 crt-4096, 6 requests, 3 in flight"
    "completed 6, failed 0, wrong 0"
    "APQN 05.0001 cannot run cca-seckey: it is not a CCA coprocessor"
    "--apqns 5: only 2 APQNs bound to cex4queue can run ep11-seckey"
    "--guests: no guest named 'guest1' runs on host")
  if(NOT all MATCHES "${expect}")
    message(FATAL_ERROR "apbench-ops: expected '${expect}' in:\n${all}")
  endif()
endforeach()
# The last command failed (no such guest): exit status 1.
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "apbench-ops: exit status ${rc}, expected 1 (the last command's)\n${all}")
endif()
message(STATUS "apbench-ops: ok")
