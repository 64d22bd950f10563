# Helpers of the sweep tests' scripts (cmake -P), included by each check_*.cmake with
# NO_POLICY_SCOPE (the policies of 3.25: list() keeps the empty CSV fields, among others).
cmake_minimum_required(VERSION 3.25)

# expect("<if() condition>" "message"): fail the test unless the condition holds.
function(expect cond what)
  set(_ok FALSE)
  cmake_language(EVAL CODE "if(${cond})\n  set(_ok TRUE)\nendif()")
  if(NOT _ok)
    message(FATAL_ERROR "sweep test: ${what}")
  endif()
endfunction()

# expect_match(TEXT REGEX what): fail unless TEXT matches REGEX (which may hold quotes).
function(expect_match text regex what)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "sweep test: ${what}")
  endif()
endfunction()

# apsim(ARGS...): run the apsim under test; sets rc, out and err in the caller.
macro(apsim)
  execute_process(COMMAND ${APSIM} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
endmacro()

# expect_same_csv(A B what): the two files are equal; else name the first line that differs.
function(expect_same_csv a b what)
  file(READ "${a}" ta)
  file(READ "${b}" tb)
  if(ta STREQUAL tb)
    return()
  endif()
  file(STRINGS "${a}" la)
  file(STRINGS "${b}" lb)
  list(LENGTH la na)
  list(LENGTH lb nb)
  expect("na EQUAL nb" "${what}: ${a} has ${na} lines, ${b} ${nb}")
  math(EXPR last "${na} - 1")
  foreach(i RANGE ${last})
    list(GET la ${i} x)
    list(GET lb ${i} y)
    expect("x STREQUAL y" "${what}: line ${i} differs:\n  ${a}: ${x}\n  ${b}: ${y}")
  endforeach()
endfunction()

# csv_column(ROWS NAME VAR): the index of column NAME in the header (first element of ROWS).
function(csv_column rows name var)
  list(GET rows 0 header)
  string(REPLACE "," ";" cols "${header}")
  list(FIND cols ${name} i)
  expect("i GREATER -1" "column ${name} missing in ${header}")
  set(${var} ${i} PARENT_SCOPE)
endfunction()
