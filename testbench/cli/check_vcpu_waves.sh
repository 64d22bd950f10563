#!/bin/sh
# Every guest vCPU in the waves (issue 12 part 5): `apsim run --vcd --vcd-vcpus N` makes N
# cpu.vcpuK slots.  A guest with -smp 12 running apbench --threads 12 (one thread per vCPU):
#   * --vcd-vcpus 12: the VCD has cpu.vcpu0..11 and no cpu.vcpu12, each slot runs in SIE (state
#     1) and holds one vCPU of its own (thread 1 + 1 + v * 2^20, v = 0..11, each once), nothing
#     is reported untraced, the layout lists the 12 slots with the vCPU each went to;
#   * the default 8 slots: 4 vCPUs are reported on stderr ("raise --vcd-vcpus"), not dropped
#     silently; with --vcd-scope leaving every slot out, nothing is reported;
#   * --vcd-scope 'cpu.vcpu1*': the VCD and the layout have exactly slots 1, 10 and 11.
# Arguments: APSIM OUT-DIR.
set -eu
apsim=$1 out=$2 here=$(dirname "$0")
rm -rf "$out" && mkdir -p "$out"
fail() { echo "check_vcpu_waves: $*"; exit 1; }
cat >"$out/lpar.json" <<JSON
{"adapters": [{"id": 6, "type": "CEX5", "mode": "accel"}], "usage_domains": ["0x47"], "cpus": 4}
JSON
sed -e s/@SMP@/12/ -e s/@THREADS@/12/ -e s/@REQUESTS@/24/ "$here/guest-apbench.sh.in" >"$out/g.sh"
run() {  # NAME OPTIONS...: the traced run NAME.vcd, its stderr NAME.err
  name=$1 && shift
  "$apsim" run "$out/g.sh" --lpar "$out/lpar.json" --vcd "$out/$name.vcd" "$@" >"$out/$name.out" 2>"$out/$name.err" ||
    fail "$name: $(cat "$out/$name.err")"
  grep -q 'apbench: result' "$out/$name.out" || fail "$name: no apbench result"
  awk -f "$here/vcd_values.awk" "$out/$name.vcd" >"$out/$name.vals"  # TIME NAME VALUE
}
values() {  # NAME SIGNAL: the values cpu.SIGNAL takes in NAME.vcd, as numbers, sorted
  awk -v n="cpu.$2" '$2 == n && $3 ~ /^b/ { v = 0; s = substr($3, 2); for (i = 1; i <= length(s); i++) v = 2 * v + substr(s, i, 1); print v }' \
    "$out/$1.vals" | sort -un | tr '\n' ' '
}
slots() {  # NAME: the K of the cpu.vcpuK slots in NAME.vcd ($dumpvars writes each once at least)
  awk '{ print $2 }' "$out/$1.vals" | sed -n 's/^cpu\.vcpu\([0-9]*\)\.state$/\1/p' | sort -un | tr '\n' ' '
}

run all --vcd-vcpus 12
[ "$(slots all)" = "0 1 2 3 4 5 6 7 8 9 10 11 " ] || fail "--vcd-vcpus 12: slots $(slots all)"
: >"$out/held"
for k in 0 1 2 3 4 5 6 7 8 9 10 11; do
  case "$(values all "vcpu$k.state")" in *" 1 "* | "1 "*) ;; *) fail "cpu.vcpu$k never runs: $(values all "vcpu$k.state")" ;; esac
  t=$(values all "vcpu$k.thread")
  set -- $t
  [ $# -eq 2 ] && [ "$1" = 0 ] || fail "cpu.vcpu$k.thread takes $t, not 0 and one vCPU"
  # 1 + guest 1 + v * 2^20: the vCPU index.
  echo $((($2 - 2) / 1048576)) $((($2 - 2) % 1048576)) >>"$out/held"
done
[ "$(sort -n "$out/held" | tr '\n' ' ')" = "0 0 1 0 2 0 3 0 4 0 5 0 6 0 7 0 8 0 9 0 10 0 11 0 " ] ||
  fail "the slots do not hold guest 1's vCPUs 0..11 once each: $(tr '\n' ' ' <"$out/held")"
! grep -q 'not traced' "$out/all.err" || fail "--vcd-vcpus 12 reports: $(cat "$out/all.err")"
n=$(grep -c '^-cpu\.vcpu[0-9]*: guest1 vCPU [0-9]*$' "$out/all.gtkw") || true
[ "$n" = 12 ] || fail "the layout names $n slots' vCPUs, not 12"
grep -qF 'SystemC.cpu.vcpu11.thread[63:0]' "$out/all.gtkw" || fail "the layout lacks cpu.vcpu11.thread"
grep -q '^-Guest vCPUs: 12 slots' "$out/all.gtkw" || fail "the layout's vCPU heading does not say 12 slots"

run default
[ "$(slots default)" = "0 1 2 3 4 5 6 7 " ] || fail "default: slots $(slots default)"
grep -qxF 'apsim: --vcd: 4 vCPUs not traced (the 8 cpu.vcpuK slots went to the first vCPUs to run): raise --vcd-vcpus' \
  "$out/default.err" || fail "default: no report of the 4 vCPUs left out: $(cat "$out/default.err")"

run hostonly --vcd-scope 'cpu.cpu*'
[ -z "$(slots hostonly)" ] || fail "--vcd-scope cpu.cpu*: slots $(slots hostonly)"
! grep -q 'not traced' "$out/hostonly.err" || fail "--vcd-scope cpu.cpu* reports: $(cat "$out/hostonly.err")"
! grep -q 'Guest vCPUs' "$out/hostonly.gtkw" || fail "--vcd-scope cpu.cpu*: the layout has a vCPU heading"

run some --vcd-vcpus 12 --vcd-scope 'cpu.vcpu1*'
[ "$(slots some)" = "1 10 11 " ] || fail "--vcd-scope cpu.vcpu1*: slots $(slots some)"
[ "$(sed -n 's/^SystemC\.cpu\.vcpu\([0-9]*\)\.state.*/\1/p' "$out/some.gtkw" | tr '\n' ' ')" = "1 10 11 " ] ||
  fail "--vcd-scope cpu.vcpu1*: the layout lists $(grep '^SystemC' "$out/some.gtkw" | tr '\n' ' ')"
[ "$(grep -c '^-cpu\.vcpu' "$out/some.gtkw")" = 3 ] || fail "--vcd-scope cpu.vcpu1*: slot headings of dropped slots stay"
echo "check_vcpu_waves: ok"
