#!/bin/sh
# Bad --vcd-from / --vcd-to / --vcd-scope / --vcd-vcpus (testbench/apsim/vcd_options.h): each ends the run
# with exit status 2 and an error naming the option and what was wrong, and writes no file
# (no VCD, no layout).  Arguments: APSIM SCRIPT OUT-DIR.
set -eu
apsim=$1 script=$2 out=$3
rm -rf "$out" && mkdir -p "$out"
n=0
check() {  # EXPECTED-MESSAGE OPTIONS...
  want=$1 && shift
  n=$((n + 1))
  rc=0
  "$apsim" run "$script" "$@" >"$out/$n.out" 2>"$out/$n.err" || rc=$?
  [ $rc -eq 2 ] || { echo "check_vcd_bad_options: $*: exit $rc, not 2"; cat "$out/$n.err"; exit 1; }
  grep -qF "apsim: $want" "$out/$n.err" || { echo "check_vcd_bad_options: $*: no '$want' in:"; cat "$out/$n.err"; exit 1; }
  left=$(find "$out" -name 'w.*')
  [ -z "$left" ] || { echo "check_vcd_bad_options: $*: wrote $left"; exit 1; }
}
v="--vcd $out/w.vcd"
check "--vcd-to 1ms: not after --vcd-from 2ms" $v --vcd-from 2ms --vcd-to 1ms
check "--vcd-to 2ms: not after --vcd-from 2000us" $v --vcd-from 2000us --vcd-to 2ms
check "--vcd-to 123ps: not after --vcd-from 0.000001s" $v --vcd-from 0.000001s --vcd-to 123ps
check "--vcd-to 0: not after --vcd-from 0" $v --vcd-to 0
check "--vcd-from 5xs: unknown unit 'xs' (ps, ns, us, ms or s)" $v --vcd-from 5xs
check "--vcd-to 12: no unit (ps, ns, us, ms or s; e.g. 1.5ms)" $v --vcd-to 12
check "--vcd-from 1.5ps: not a whole number of ps" $v --vcd-from 1.5ps
check "--vcd-from ms: not a time" $v --vcd-from ms
check "--vcd-to 200000000s: past the end of the run's simulated time" $v --vcd-to 200000000s
check "--vcd-from: only with --vcd" --vcd-from 1ms
check "--vcd-to: only with --vcd" --vcd-to 1ms
check "--vcd-scope: only with --vcd" --vcd-scope 'cpu.*'
check "--vcd-scope: empty pattern in 'cpu.*,,sie'" $v --vcd-scope 'cpu.*,,sie'
check "--vcd-scope: empty pattern in 'cpu.*,'" $v --vcd-scope 'cpu.*,'
check "--vcd-scope: 'card07.*' matches no signal (the signals are under ap_fabric, card00, card0a, cpu, sie)" $v --vcd-scope 'cpu.*,card07.*'
check "--vcd-vcpus: only with --vcd" --vcd-vcpus 12
check "--vcd-vcpus 12x: not a number of vCPU slots (0 to 4096)" $v --vcd-vcpus 12x
check "--vcd-vcpus '': not a number of vCPU slots (0 to 4096)" $v --vcd-vcpus ''
check "--vcd-vcpus 0x10: not a number of vCPU slots (0 to 4096)" $v --vcd-vcpus 0x10
check "--vcd-vcpus 4097: more than 4096 slots" $v --vcd-vcpus 4097
check "--vcd-vcpus 99999999999999999999: more than 4096 slots" $v --vcd-vcpus 99999999999999999999
echo "check_vcd_bad_options: ok ($n cases)"
