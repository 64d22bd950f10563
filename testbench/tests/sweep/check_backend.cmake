# One spec (backends.json) through each backend: the local backend writes the reference;
# GNU parallel and a real Slurm must write the same results.csv, row for row.
# Inputs: APSIM, SRC (this folder), OUT (this backend's scratch dir), BACKEND (local, parallel,
# slurm), REF (the local run's directory).  slurm: SLURM_CONF names the test cluster
# (slurm_cluster.sh: partitions debug and parked, MaxArraySize 4).
include(${CMAKE_CURRENT_LIST_DIR}/sweep_test_lib.cmake NO_POLICY_SCOPE)
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
set(spec ${SRC}/backends.json)

if(BACKEND STREQUAL local)
  file(REMOVE_RECURSE ${REF})  # the reference is this run's, not a build's before
  apsim(sweep ${spec} --out ${REF} --jobs 2)
  expect("rc EQUAL 0" "local: exit status ${rc}\n${out}\n${err}")
  expect("out MATCHES \"6 points, 6 ok, 0 failed\"" "local: ${out}")
  return()
endif()

if(BACKEND STREQUAL parallel)
  # --sshlogin 2/: is this machine, two at a time, through GNU parallel's remote-login path;
  # the directory has a space and a ';', which parallel --quote must keep in one word.
  set(dir "${OUT}/par dir;x")
  execute_process(COMMAND ${APSIM} sweep ${spec} --out "${dir}" --backend parallel --sshlogin 2/:
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  expect("rc EQUAL 0" "parallel: exit status ${rc}\n${out}\n${err}")
  expect("out MATCHES \"parallel --will-cite --quote .* --sshlogin 2/: \"" "parallel: the command is not shown: ${out}")
  expect("err MATCHES \"6/6 points done\"" "parallel: progress: ${err}")
  expect_same_csv(${REF}/results.csv "${dir}/results.csv" "parallel against local")
  file(STRINGS "${dir}/parallel/joblog-0.txt" joblog)
  list(LENGTH joblog n)
  expect("n EQUAL 7" "parallel: the job log has ${n} lines, expected a header and 6 tasks")
  return()
endif()

expect("BACKEND STREQUAL slurm" "BACKEND ${BACKEND}: expected local, parallel or slurm")
expect("DEFINED ENV{SLURM_CONF} AND EXISTS $ENV{SLURM_CONF}" "slurm: SLURM_CONF does not name the test cluster's slurm.conf")

# 6 points, one per array task, are more than MaxArraySize 4: refused, with the fix named.
apsim(sweep ${spec} --out ${OUT}/too-big --backend slurm)
expect("rc EQUAL 2 AND err MATCHES \"6 array tasks of 1 points are more than this cluster's MaxArraySize 4 allows; use --points-per-task 2\""
       "slurm: an array bigger than MaxArraySize: exit status ${rc}: ${err}")
expect("NOT EXISTS ${OUT}/too-big" "slurm: the refused sweep wrote ${OUT}/too-big")

# Submit and wait: 3 array tasks of 2 points; the spec's time limit and memory reach sbatch.
apsim(sweep ${spec} --out ${OUT}/wait --backend slurm --points-per-task 2)
expect("rc EQUAL 0" "slurm: exit status ${rc}\n${out}\n${err}")
expect("out MATCHES \"sbatch --parsable --job-name=apsim-backends --array=0-2 .*--time=10 --mem=256M \""
       "slurm: the sbatch command: ${out}")
expect("err MATCHES \"Slurm queue: \" AND err MATCHES \"6/6 points done\"" "slurm: progress: ${err}")
expect_same_csv(${REF}/results.csv ${OUT}/wait/results.csv "slurm against local")
file(STRINGS ${OUT}/wait/runs.csv runs)
list(GET runs 1 r)
expect("r MATCHES \"^0,ok,1,[^,]+,[0-9.]+,[^,]+,[^,]+,[0-9]+_0,\"" "slurm: runs.csv names no array task: ${r}")

# --no-wait into the parked partition (down: the job stays queued): collect shows it pending,
# a rerun is refused while it is queued; cancelled, its points are failed and a rerun runs them.
apsim(sweep ${spec} --out ${OUT}/nowait --backend slurm --points-per-task 2 --partition parked --no-wait)
expect("rc EQUAL 0" "slurm --no-wait: exit status ${rc}\n${out}\n${err}")
string(REGEX MATCH "submitted job array ([0-9]+)" m "${out}")
set(job ${CMAKE_MATCH_1})
expect("NOT job STREQUAL \"\"" "slurm --no-wait: no job id in ${out}")
apsim(sweep collect ${OUT}/nowait)
expect("rc EQUAL 4" "collect of a queued sweep: exit status ${rc}, expected 4\n${out}\n${err}")
expect("err MATCHES \"0/6 points done, 0 failed, 0 running; Slurm queue: 0 running, 3 pending; .*ETA unknown\""
       "collect of a queued sweep: progress: ${err}")
expect("out MATCHES \"6 points, 0 ok, 0 failed, 6 not finished\"" "collect of a queued sweep: ${out}")
apsim(sweep ${spec} --out ${OUT}/nowait --backend slurm --points-per-task 2)
expect("rc EQUAL 2 AND err MATCHES \"Slurm job ${job} of an earlier run still has tasks in the queue\""
       "a rerun while the job is queued: exit status ${rc}: ${err}")
execute_process(COMMAND scancel ${job} RESULT_VARIABLE src ERROR_VARIABLE serr)
expect("src EQUAL 0" "scancel ${job}: ${serr}")
apsim(sweep collect ${OUT}/nowait)
expect("rc EQUAL 1 AND out MATCHES \"point 5 .qd=8 irq=polling. failed: Slurm task ${job}_2 ended without a result\""
       "collect of a cancelled job: exit status ${rc}\n${out}\n${err}")
apsim(sweep ${spec} --out ${OUT}/nowait --backend slurm --points-per-task 2)
expect("rc EQUAL 0 AND out MATCHES \"6 points .0 ok kept, 0 failed to run again., 6 to run\""
       "the rerun after the cancel: exit status ${rc}\n${out}\n${err}")
expect_same_csv(${REF}/results.csv ${OUT}/nowait/results.csv "slurm (rerun after a cancel) against local")
message(STATUS "slurm backend checked")
