# driver/check_layers.cmake — the layering rule of driver/ (DESIGN.md "Layout"), checked at
# configure time.
#
# apsim_layer_violations(DIR dir INCLUDES folder... OUT var): every `#include "..."` in
# DIR/*.h and DIR/*.cpp must name a file under one of the INCLUDES folders (paths from the
# repository root, as apsim writes them), and no file may include SystemC, TLM or Verilator
# (`<systemc...>`, `<tlm...>`, `<verilated...>`).  Sets `var` to the list of offending
# "file:line: include" texts (empty when the folder keeps to its layer).
#
# apsim_check_layer(TARGET t DIR dir LINKS lib... INCLUDES folder...): the include rule for
# DIR, and the rule that target `t` links no apsim library (apsim_*) but LINKS.  Stops the
# configure step with FATAL_ERROR naming each offence.
#
# `cmake -DAPSIM_LAYERS_SELFTEST=ON -P driver/check_layers.cmake` proves the include check
# can fail: it writes a file that breaks each rule into a scratch folder and expects every
# break to be reported (ctest: driver/layering-check).

function(apsim_layer_violations)
  cmake_parse_arguments(L "" "DIR;OUT" "INCLUDES" ${ARGN})
  file(GLOB files ${L_DIR}/*.h ${L_DIR}/*.cpp)
  set(bad "")
  foreach(f ${files})
    file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include")
    foreach(line ${lines})
      if(line MATCHES "<(systemc|tlm|verilated)[^>]*>")
        list(APPEND bad "${f}: ${line}")
      elseif(line MATCHES "\"([^\"]+)\"")
        set(path ${CMAKE_MATCH_1})
        set(ok FALSE)
        foreach(folder ${L_INCLUDES})
          string(LENGTH "${folder}/" n)
          string(SUBSTRING "${path}" 0 ${n} head)
          if(head STREQUAL "${folder}/")
            set(ok TRUE)
          endif()
        endforeach()
        if(NOT ok)
          list(APPEND bad "${f}: ${line}")
        endif()
      endif()
    endforeach()
  endforeach()
  set(${L_OUT} "${bad}" PARENT_SCOPE)
endfunction()

function(apsim_check_layer)
  cmake_parse_arguments(L "" "TARGET;DIR" "LINKS;INCLUDES" ${ARGN})
  apsim_layer_violations(DIR ${L_DIR} INCLUDES ${L_INCLUDES} OUT bad)
  get_target_property(libs ${L_TARGET} LINK_LIBRARIES)
  if(libs)
    foreach(lib ${libs})
      if(lib MATCHES "^apsim_" AND NOT lib IN_LIST L_LINKS)
        list(APPEND bad "${L_TARGET} links ${lib}")
      endif()
    endforeach()
  endif()
  if(bad)
    list(JOIN bad "\n  " text)
    message(FATAL_ERROR "driver layering broken (${L_TARGET} may link: ${L_LINKS}; include: ${L_INCLUDES}):\n  ${text}")
  endif()
endfunction()

if(APSIM_LAYERS_SELFTEST)
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/layers-selftest)
  file(REMOVE_RECURSE ${dir})
  file(WRITE ${dir}/bad.cpp "#include <systemc>\n#include \"driver/shell/shell.h\"\n#include \"sc/cpu.h\"\n"
                            "#include \"arch/apqn.h\"\n#include <vector>\n")
  apsim_layer_violations(DIR ${dir} INCLUDES arch driver/linux OUT bad)
  list(LENGTH bad n)
  if(NOT n EQUAL 3)
    message(FATAL_ERROR "layering check missed a break: expected 3 offences, got ${n}: ${bad}")
  endif()
  file(WRITE ${dir}/bad.cpp "#include \"arch/apqn.h\"\n#include \"driver/linux/kernel.h\"\n")
  apsim_layer_violations(DIR ${dir} INCLUDES arch driver/linux OUT bad)
  if(bad)
    message(FATAL_ERROR "layering check refused a clean file: ${bad}")
  endif()
  file(REMOVE_RECURSE ${dir})
  message(STATUS "layering check: every break found, a clean file accepted")
endif()
