# Runs one yosys proof of rtl/ and checks its outcome (testbench/tests/formal/CMakeLists.txt).
# Inputs: YOSYS, RTL (the rtl/ directory), PROOF (decision | commit), DEFINES (';'-list of
# Verilog macros, e.g. a mutant), EXPECT (proven | refuted), LOG (file for yosys' output).
#   proven : yosys exits 0 and reports "Induction step proven: SUCCESS".
#   refuted: yosys exits non-zero with a counterexample from a base case (a real trace from
#            reset), not merely an inconclusive induction — so a broken RTL, not a broken
#            script, makes a negative test pass.
set(defs "")
foreach(d ${DEFINES})
  string(APPEND defs " -D${d}")
endforeach()
if(PROOF STREQUAL "decision")
  # P0–P3 (rtl/formal/apcb_check_props.svh) on apcb_check with the active APCB registers
  # cut free: the decisions are right whatever the contexts hold.
  set(script "read_verilog -formal -sv -DAPCB_FORMAL_NO_P4${defs} -I${RTL} ${RTL}/apcb_ctx.sv ${RTL}/apcb_check.sv; prep -top apcb_check; flatten; cutpoint w:act_apm w:act_aqm w:act_adm w:act_fmt; opt_clean; sat -tempinduct -prove-asserts -set-assumes -maxsteps 6 -verify")
elseif(PROOF STREQUAL "commit")
  # P4 (rtl/formal/apcb_ctx_props.svh) on one APCB context: the active APCB changes only by
  # a whole commit.  apcb_check instantiates this module for each of its contexts.
  set(script "read_verilog -formal -sv${defs} -I${RTL} ${RTL}/apcb_ctx.sv; prep -top apcb_ctx; sat -tempinduct -prove-asserts -set-assumes -maxsteps 6 -verify")
else()
  message(FATAL_ERROR "PROOF must be decision or commit, got '${PROOF}'")
endif()
execute_process(COMMAND ${YOSYS} -p "${script}" OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
file(WRITE ${LOG} "yosys -p \"${script}\"\n${out}")
string(REGEX MATCHALL "\\[induction step [0-9]+\\]" steps "${out}")
list(LENGTH steps k)
if(EXPECT STREQUAL "proven")
  if(NOT rc EQUAL 0 OR NOT out MATCHES "Induction step proven: SUCCESS")
    message(FATAL_ERROR "the ${PROOF} proof did not succeed (yosys exit ${rc}); log: ${LOG}")
  endif()
  message(STATUS "${PROOF}: proven by temporal induction, length ${k}")
elseif(EXPECT STREQUAL "refuted")
  if(rc EQUAL 0)
    message(FATAL_ERROR "the ${PROOF} proof of a broken design (${DEFINES}) succeeded: the properties are vacuous; log: ${LOG}")
  endif()
  if(NOT out MATCHES "\\[base case [0-9]+\\][^\n]*\n[^\n]*(model found for base case: FAIL|Called with -verify and proof did fail)"
     OR out MATCHES "Reached maximum number of time steps")
    message(FATAL_ERROR "yosys failed without a counterexample (exit ${rc}); log: ${LOG}")
  endif()
  message(STATUS "${PROOF} with ${DEFINES}: counterexample found, as it must be")
else()
  message(FATAL_ERROR "EXPECT must be proven or refuted, got '${EXPECT}'")
endif()
