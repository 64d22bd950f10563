#!/bin/sh
# The GTKWave layout `apsim run --vcd` writes (sc/wave_layout.h), for a non-default LPAR:
# the VCD under exactly the name given (x.VCD, not x.VCD.vcd), the layout beside it naming
# every adapter of the LPAR and no other, each translate filter it names present, the idle
# fabric named, per-queue occupancy on request.  With "scoped", the run has --vcd-scope
# card0a.*,cpu.*,ap_fabric (sc/vcd_writer.h): the layout names those signals and no other.
# Arguments: APSIM SCENARIO-DIR OUT-DIR [scoped].
set -eu
apsim=$1 scen=$2 out=$3 scoped=${4:-}
rm -rf "$out" && mkdir -p "$out"
# seed000.json: adapters 00 (CEX6A) and 0a (CEX6P), usage domains 1, 2, 4, 0x1b.
"$apsim" run "$scen/seed000-assign.sh" --vcd "$out/l.VCD" --vcd-queues 0a.001b \
  ${scoped:+--vcd-scope card0a.*,cpu.*,ap_fabric} >/dev/null 2>"$out/err"
fail() { echo "check_layout: $*"; cat "$out/err"; exit 1; }
[ -s "$out/l.VCD" ] || fail "no l.VCD"
[ ! -e "$out/l.VCD.vcd" ] || fail "SystemC's l.VCD.vcd left behind"
[ -s "$out/l.gtkw" ] || fail "no layout l.gtkw"
present="SystemC.card0a.occupancy SystemC.card0a.queue_001b.occupancy 'Adapter 0a CEX6P' SystemC.cpu.guest \
         SystemC.ap_fabric.function SystemC.cpu.cpu0.state SystemC.cpu.cpu0.thread"
filtered="SystemC.card00.occupancy 'Adapter 00 CEX6A' SystemC.sie.state"
if [ -n "$scoped" ]; then absent=$filtered; else present="$present $filtered" absent=; fi
eval "set -- $present"
for s; do grep -qF "$s" "$out/l.gtkw" || fail "layout lacks $s"; done
eval "set -- $absent"
for s; do ! grep -qF "$s" "$out/l.gtkw" || fail "layout names $s, which --vcd-scope left out"; done
! grep -q 'card05\|card06' "$out/l.gtkw" || fail "layout names an adapter the LPAR does not have"
grep -q 'queue_001b' "$out/l.VCD" || fail "the VCD lacks the traced queue"
n=0
for f in $(sed -n 's/^\^[0-9]* //p' "$out/l.gtkw"); do
  [ -s "$f" ] || fail "filter $f missing"
  n=$((n + 1))
done
[ "$n" -ge 5 ] || fail "only $n filters named"
grep -qx '00000000 idle' "$out/l.function.txt" || fail "idle fabric not named"
grep -qx '0000B2AD NQAP' "$out/l.opcode.txt" || fail "NQAP not named"
grep -qx '00000004 guest (SIE)' "$out/l.cpu-state.txt" || fail "guest CPU state not named"
# Every signal the layout names is in the VCD (GTKWave drops the ones it cannot find), by
# its full name ("SystemC.cpu.cpu0.state"); each filter line ("^N") precedes a signal.
awk '$1 == "$scope" { path = path "." $3 } $1 == "$upscope" { sub(/\.[^.]*$/, "", path) }
     $1 == "$var" { print substr(path, 2) "." $5 }' "$out/l.VCD" >"$out/vars"
for sig in $(grep '^SystemC\.' "$out/l.gtkw" | sed 's/\[.*//'); do
  grep -qxF "$sig" "$out/vars" || fail "the VCD has no $sig"
done
awk '/^\^/ { getline next_line; if (next_line !~ /^SystemC\./) exit 1 }' "$out/l.gtkw" ||
  fail "a translate filter line not followed by its signal"
echo "check_layout: ok"
