#!/bin/sh
# The CPU complex in the waves (issue 12 part 5): `apsim run --vcd` of apbench --threads work
# has each host CPU's cpu.cpuI.state and cpu.cpuI.thread, cpu0.state leaves 0 (idle) for the
# kinds a host-only run books (1 user, 2 kernel, 3 interruption; never 4 guest) and returns
# to it, and tracing does not change what the run measures (the traced and the untraced run
# print the same apbench result); a guest's vCPUs show in cpu.vcpuK.state/thread.
# Arguments: APSIM OUT-DIR.
set -eu
apsim=$1 out=$2
rm -rf "$out" && mkdir -p "$out"
fail() { echo "check_cpu_waves: $*"; exit 1; }
cat >"$out/lpar.json" <<JSON
{"adapters": [{"id": 6, "type": "CEX5", "mode": "accel"}], "usage_domains": ["0x47"], "cpus": 2}
JSON
echo "apbench --apqn 06.0047 --op mex-1024 --threads 4 --requests 20 --report kv" >"$out/w.sh"
"$apsim" run "$out/w.sh" --lpar "$out/lpar.json" --vcd "$out/w.vcd" >"$out/traced.out" 2>"$out/traced.err" ||
  fail "traced run: $(cat "$out/traced.err")"
"$apsim" run "$out/w.sh" --lpar "$out/lpar.json" >"$out/untraced.out" 2>"$out/untraced.err" ||
  fail "untraced run: $(cat "$out/untraced.err")"
grep -q 'apbench: result' "$out/untraced.out" || fail "no apbench result"
cmp -s "$out/traced.out" "$out/untraced.out" || fail "tracing changed the result: $(cat "$out/traced.out") vs $(cat "$out/untraced.out")"
# var IDs of scope SystemC.cpu.cpuI's signals, by "cpuI.NAME".
awk '$1 == "$scope" { path = path "." $3 } $1 == "$upscope" { sub(/\.[^.]*$/, "", path) }
     $1 == "$var" { print path "." $5, $4 }' "$out/w.vcd" >"$out/vars"
for v in cpu0.state cpu0.thread cpu1.state cpu1.thread; do
  grep -q "^\.SystemC\.cpu\.$v " "$out/vars" || fail "the VCD has no cpu.$v"
done
! grep -q '^\.SystemC\.cpu\.cpu2\.' "$out/vars" || fail "cpu.cpu2 traced for a 2-CPU LPAR"
id=$(awk '$1 == ".SystemC.cpu.cpu0.state" { print $2 }' "$out/vars")
# The values cpu0.state takes ("bVALUE ID" lines), as numbers.
awk -v id="$id" '$2 == id && $1 ~ /^b/ { v = 0; s = substr($1, 2); for (i = 1; i <= length(s); i++) v = 2 * v + substr(s, i, 1); print v }' \
  "$out/w.vcd" | sort -un >"$out/states"
grep -qx '[1-4]' "$out/states" || fail "cpu0.state never leaves idle: $(tr '\n' ' ' <"$out/states")"
grep -qx 0 "$out/states" || fail "cpu0.state never idle"
# A host-only run: no step is guest time (4); apbench's threads run user and kernel steps.
! grep -qvx '[0-3]' "$out/states" || fail "cpu0.state outside 0..3 (idle..interruption): $(tr '\n' ' ' <"$out/states")"
grep -qx 1 "$out/states" && grep -qx 2 "$out/states" || fail "cpu0.state lacks user or kernel: $(tr '\n' ' ' <"$out/states")"
grep -qx '00000001 user' "$out/w.cpu-state.txt" || fail "state filter lacks 1 user"
grep -qF 'SystemC.cpu.cpu1.state' "$out/w.gtkw" || fail "layout lacks cpu1.state"
# Guest vCPUs: apbench --threads 2 in a guest with two vCPUs.  cpu.vcpu0 and cpu.vcpu1 show the
# guest's vCPUs (thread 1 + N + v * 2^20 of the first SIE context, N = 1): each is woken by KVM
# (2), runs in SIE (1) and waits (0); no third vCPU ran.
sed -e s/@SMP@/2/ -e s/@THREADS@/2/ -e s/@REQUESTS@/10/ "$(dirname "$0")/guest-apbench.sh.in" >"$out/g.sh"
"$apsim" run "$out/g.sh" --lpar "$out/lpar.json" --vcd "$out/g.vcd" >"$out/g.out" 2>"$out/g.err" ||
  fail "guest traced run: $(cat "$out/g.err")"
"$apsim" run "$out/g.sh" --lpar "$out/lpar.json" >"$out/g-untraced.out" 2>"$out/g-untraced.err" ||
  fail "guest untraced run: $(cat "$out/g-untraced.err")"
grep -q 'apbench: result' "$out/g-untraced.out" || fail "no apbench result in the guest"
cmp -s "$out/g.out" "$out/g-untraced.out" || fail "tracing changed the guest's result"
awk '$1 == "$scope" { path = path "." $3 } $1 == "$upscope" { sub(/\.[^.]*$/, "", path) }
     $1 == "$var" { print path "." $5, $4 }' "$out/g.vcd" >"$out/gvars"
values() {  # values SIGNAL: the values the signal takes, as numbers, sorted
  vid=$(awk -v n=".SystemC.cpu.$1" '$1 == n { print $2 }' "$out/gvars")
  [ -n "$vid" ] || fail "the VCD has no cpu.$1"
  awk -v id="$vid" '$2 == id && $1 ~ /^b/ { v = 0; s = substr($1, 2); for (i = 1; i <= length(s); i++) v = 2 * v + substr(s, i, 1); print v }' \
    "$out/g.vcd" | sort -un | tr '\n' ' '
}
[ "$(values vcpu0.state)" = "0 1 2 " ] || fail "cpu.vcpu0.state takes $(values vcpu0.state), not 0 1 2"
[ "$(values vcpu1.state)" = "0 1 2 " ] || fail "cpu.vcpu1.state takes $(values vcpu1.state), not 0 1 2"
[ "$(values vcpu0.thread)" = "0 2 " ] || [ "$(values vcpu0.thread)" = "0 1048578 " ] ||
  fail "cpu.vcpu0.thread takes $(values vcpu0.thread)"
[ "$(values vcpu0.thread) $(values vcpu1.thread)" != "$(values vcpu1.thread) $(values vcpu0.thread)" ] ||
  fail "cpu.vcpu0 and cpu.vcpu1 show the same vCPU"
[ "$(values vcpu2.state)" = "0 " ] || [ -z "$(values vcpu2.state)" ] || fail "cpu.vcpu2 used: $(values vcpu2.state)"
grep -qx '00000002 waking (KVM)' "$out/g.vcpu-state.txt" || fail "vCPU state filter lacks 2 waking (KVM)"
grep -qF 'SystemC.cpu.vcpu1.state' "$out/g.gtkw" || fail "layout lacks vcpu1.state"
echo "check_cpu_waves: ok"
