# Bad input to `apsim sweep` is refused before anything runs or is written, naming what is
# wrong (exit status 2).  Inputs: APSIM, SRC (this folder), OUT (scratch dir).
include(${CMAKE_CURRENT_LIST_DIR}/sweep_test_lib.cmake NO_POLICY_SCOPE)
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})

# refused(NAME NEEDLE ARGS...): `apsim ARGS... --out OUT/NAME` exits 2, says NEEDLE (a regex)
# on stderr, and writes no OUT/NAME.
function(refused name needle)
  apsim(${ARGN} --out ${OUT}/${name})
  expect("rc EQUAL 2" "${name}: exit status ${rc}, expected 2 (stdout: ${out} stderr: ${err})")
  expect_match("${err}" "${needle}" "${name}: the message does not say '${needle}': ${err}")
  expect("NOT EXISTS ${OUT}/${name}" "${name}: refused, but ${OUT}/${name} was written")
endfunction()

# ---- specs ---------------------------------------------------------------------------------
refused(bad-param "bad-param.json: 'grid.queue_size': unknown parameter" sweep ${SRC}/bad-param.json)
refused(bad-value "bad-value.json: 'grid.qd.1.': expected an integer 0..15, got 16" sweep ${SRC}/bad-value.json)
refused(bad-type "bad-type.json: 'grid.inflight.1.': expected an integer, got \"four\"" sweep ${SRC}/bad-type.json)
refused(no-points "no-points.json: 'grid.irq': expected a non-empty list of values, got \\[\\]" sweep ${SRC}/no-points.json)
# An LPAR that cannot hold the guests asked for is refused, not widened.
refused(too-many-guests "point 2 .guests=4.: 'guests': 4 guests need usage domains 1..4 .*missing: 4.*'domains' to at least 5"
        sweep ${SRC}/too-many-guests.json)

# A grid beyond the stated maximum is refused from its lists' lengths, before a point is made
# (a 1000 x 1000 grid once took 49 s and 3.6 GB to expand): this test's timeout is 30 s.
foreach(i RANGE 1 1000)
  list(APPEND values ${i})
endforeach()
string(REPLACE ";" ", " values "${values}")
file(WRITE ${OUT}/huge.json "{\"name\": \"huge\", \"base\": {\"scenario\": \"${SRC}/../../sweeps/base.sh\", \"lpar\": \"${SRC}/../../sweeps/lpar-cex7a.json\"},
  \"grid\": {\"requests\": [${values}], \"seed\": [${values}]}}\n")
refused(huge "huge.json: 'grid': 1000 .requests. x 1000 .seed. = 1000000 points is more than the 100000 a sweep may have"
        sweep ${OUT}/huge.json)
apsim(sweep ${OUT}/huge.json --dry-run)
expect("rc EQUAL 2 AND err MATCHES \"1000000 points is more than\"" "huge --dry-run: exit status ${rc}: ${err}")

# A spec or a base LPAR nested 10^5 deep is refused by its depth, before it is parsed (the
# error message once dumped it recursively and overflowed the stack).
string(REPEAT "[" 100000 open)
string(REPEAT "]" 100000 close)
file(WRITE ${OUT}/deep.json "{\"name\": \"deep\", \"grid\": {\"qd\": ${open}${close}}}\n")
refused(deep "deep.json: nested deeper than 64 levels of arrays and objects .byte 95." sweep ${OUT}/deep.json)
file(WRITE ${OUT}/deep-lpar.json "{\"adapters\": ${open}${close}}\n")
file(WRITE ${OUT}/deep-base.json "{\"name\": \"deep\", \"base\": {\"scenario\": \"${SRC}/../../sweeps/base.sh\", \"lpar\": \"${OUT}/deep-lpar.json\"},
  \"grid\": {\"qd\": [1]}}\n")
refused(deep-base "deep-base.json: 'base.lpar': .*deep-lpar.json: nested deeper than 64 levels" sweep ${OUT}/deep-base.json)

# ---- options -------------------------------------------------------------------------------
refused(backend "--backend: .*slurm" sweep ${SRC}/tiny.json --backend pbs)
refused(no-wait "--no-wait: only with --backend slurm" sweep ${SRC}/tiny.json --no-wait)
refused(time "--time: expected a Slurm time limit.*got \"ten minutes\"" sweep ${SRC}/tiny.json --backend slurm --time "ten minutes")
refused(mem "--mem: expected a memory size.*got \"lots\"" sweep ${SRC}/tiny.json --backend slurm --mem lots)
refused(sshlogin "--sshlogin: only with --backend parallel" sweep ${SRC}/tiny.json --sshlogin host1)
file(WRITE ${OUT}/bad-slurm.json "{\"name\": \"bad-slurm\", \"base\": {\"scenario\": \"${SRC}/../../sweeps/base.sh\", \"lpar\": \"${SRC}/../../sweeps/lpar-cex7a.json\"},
  \"grid\": {\"qd\": [1]}, \"slurm\": {\"partition\": \"a b\"}}\n")
refused(bad-slurm "bad-slurm.json: 'slurm.partition': expected a Slurm partition name" sweep ${OUT}/bad-slurm.json --backend slurm)
message(STATUS "bad specs refused")
