#!/bin/sh
# The GTKWave layout `apsim run --vcd` writes (sc/wave_layout.h), for a non-default LPAR:
# the VCD under exactly the name given (x.VCD, not x.VCD.vcd), the layout beside it naming
# every adapter of the LPAR and no other, each translate filter it names present, the idle
# fabric named, per-queue occupancy on request.  Arguments: APSIM SCENARIO-DIR OUT-DIR.
set -eu
apsim=$1 scen=$2 out=$3
rm -rf "$out" && mkdir -p "$out"
# seed000.json: adapters 00 (CEX6A) and 0a (CEX6P), usage domains 1, 2, 4, 0x1b.
"$apsim" run "$scen/seed000-assign.sh" --vcd "$out/l.VCD" --vcd-queues 0a.001b >/dev/null 2>"$out/err"
fail() { echo "check_layout: $*"; cat "$out/err"; exit 1; }
[ -s "$out/l.VCD" ] || fail "no l.VCD"
[ ! -e "$out/l.VCD.vcd" ] || fail "SystemC's l.VCD.vcd left behind"
[ -s "$out/l.gtkw" ] || fail "no layout l.gtkw"
for s in SystemC.card00.occupancy SystemC.card0a.occupancy SystemC.card0a.queue_001b.occupancy \
         'Adapter 00 CEX6A' 'Adapter 0a CEX6P' SystemC.cpu.guest SystemC.ap_fabric.function SystemC.sie.state \
         SystemC.cpu.cpu0.state SystemC.cpu.cpu0.thread; do
  grep -qF "$s" "$out/l.gtkw" || fail "layout lacks $s"
done
! grep -q 'card05\|card06' "$out/l.gtkw" || fail "layout names an adapter the LPAR does not have"
grep -q 'queue_001b' "$out/l.VCD" || fail "the VCD lacks the traced queue"
n=0
for f in $(sed -n 's/^\^[0-9]* //p' "$out/l.gtkw"); do
  [ -s "$f" ] || fail "filter $f missing"
  n=$((n + 1))
done
[ "$n" -ge 7 ] || fail "only $n filters named"
grep -qx '00000000 idle' "$out/l.function.txt" || fail "idle fabric not named"
grep -qx '0000B2AD NQAP' "$out/l.opcode.txt" || fail "NQAP not named"
grep -qx '00000004 guest (SIE)' "$out/l.cpu-state.txt" || fail "guest CPU state not named"
# Every signal the layout names is in the VCD (GTKWave drops the ones it cannot find).
for sig in $(grep '^SystemC\.' "$out/l.gtkw" | sed 's/\[.*//'); do
  leaf=${sig##*.}
  grep -q " $leaf " "$out/l.VCD" || fail "the VCD has no $sig"
done
echo "check_layout: ok"
