#!/bin/sh
# The CPU complex in the waves (issue 12 part 5): `apsim run --vcd` of apbench --threads work
# has each host CPU's cpu.cpuI.state and cpu.cpuI.thread, cpu0.state leaves 0 (idle) for the
# kinds a host-only run books (1 user, 2 kernel, 3 interruption; never 4 guest) and returns
# to it, and tracing does not change what the run measures (the traced and the untraced run
# print the same apbench result).  Arguments: APSIM OUT-DIR.
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
echo "check_cpu_waves: ok"
