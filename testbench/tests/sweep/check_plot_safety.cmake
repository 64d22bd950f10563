# Nothing of a spec reaches a shell or gnuplot as code (issue 15): a title with backquotes,
# $(...), a quote, ';', a gnuplot system() call and newlines followed by gnuplot's shell escape
# `!` and a `set output` is drawn as text and runs nothing; an --out with a space
# and a ';' is one directory.  Inputs: APSIM, SRC (this folder), OUT (scratch dir).
include(${CMAKE_CURRENT_LIST_DIR}/sweep_test_lib.cmake NO_POLICY_SCOPE)
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})

set(title "Evil `touch ${OUT}/ran-backquote` $(touch ${OUT}/ran-dollar) \\\"; system('touch ${OUT}/ran-system') #\\n! touch ${OUT}/ran-bang\\nset output '${OUT}/ran-output'")
file(WRITE ${OUT}/evil.json "{
  \"name\": \"evil\",
  \"title\": \"${title}\",
  \"base\": {\"scenario\": \"${SRC}/../../sweeps/base.sh\", \"lpar\": \"${SRC}/../../sweeps/lpar-cex7a.json\"},
  \"fixed\": {\"op\": \"mex-1024\", \"requests\": 20},
  \"grid\": {\"qd\": [1, 4]},
  \"timeout_s\": 120
}\n")
set(dir "${OUT}/plots dir;x")
# (execute_process directly: a quoted argument keeps its ';', a macro's ARGN would split it)
execute_process(COMMAND ${APSIM} sweep ${OUT}/evil.json --out "${dir}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
expect("rc EQUAL 0" "evil: exit status ${rc}\n${out}\n${err}")
foreach(ran ran-backquote ran-dollar ran-system ran-bang ran-output)
  expect("NOT EXISTS ${OUT}/${ran}" "evil: the title ran a command (${OUT}/${ran} exists)")
  expect("NOT EXISTS \"${dir}/${ran}\"" "evil: the title ran a command (${dir}/${ran} exists)")
endforeach()
foreach(f evil-throughput.png evil-latency.svg results.csv)
  expect("EXISTS \"${dir}/${f}\"" "--out with a space and ';': ${dir}/${f} missing")
endforeach()
expect("NOT EXISTS ${OUT}/plots" "--out with a space and ';' was split at the space")
# The title is drawn as it is written.
file(READ "${dir}/evil-throughput.svg" svg)
string(FIND "${svg}" "Evil `touch ${OUT}/ran-backquote` $(touch ${OUT}/ran-dollar)" at)
expect("at GREATER -1" "evil: the SVG does not show the title as written")
# The gnuplot script is the fixed template: no text of the spec in it.
file(READ "${dir}/plot.gp" gp)
string(FIND "${gp}" "touch" at)
expect("at EQUAL -1" "evil: plot.gp holds text of the spec")
message(STATUS "plots safe")
