#!/bin/sh
# `apsim run --vcd-from T --vcd-to T --vcd-scope P,...` (sc/vcd_writer.h): the windowed VCD of
# an apbench run has no timestamp outside [from, to], starts at exactly from with every value
# the full trace has at from (its last value at or before from), holds exactly the full trace's
# changes inside the window and ends at exactly to; the scope filter declares only matching
# signals, with the full trace's values, and its layout names only those; tracing a window
# changes nothing the run prints.  Arguments: APSIM OUT-DIR.
set -eu
apsim=$1 out=$2
here=$(dirname "$0")
rm -rf "$out" && mkdir -p "$out"
fail() { echo "check_vcd_window: $*"; exit 1; }
cat >"$out/lpar.json" <<JSON
{"adapters": [{"id": 6, "type": "CEX5", "mode": "accel"}], "usage_domains": ["0x47"], "cpus": 2}
JSON
echo "apbench --apqn 06.0047 --op mex-1024 --threads 4 --requests 20 --report kv" >"$out/w.sh"
run() {  # NAME OPTIONS...
  name=$1 && shift
  "$apsim" run "$out/w.sh" --lpar "$out/lpar.json" "$@" >"$out/$name.out" 2>"$out/$name.err" ||
    fail "$name run: $(cat "$out/$name.err")"
  [ ! -s "$out/$name.err" ] || fail "$name run said: $(cat "$out/$name.err")"
}
run full --vcd "$out/full.vcd"
# Boot takes about 500 ms of simulated time, apbench the 6 ms after it: a window inside it
# (2.5 ms after the start of apbench), at times no model acts at.
from=502000000000 to=503500000000
run win --vcd "$out/win.vcd" --vcd-from 502ms --vcd-to 503.5ms
cmp -s "$out/full.out" "$out/win.out" || fail "the window changed the run's output"
awk -f "$here/vcd_values.awk" "$out/full.vcd" >"$out/full.vals"
awk -f "$here/vcd_values.awk" "$out/win.vcd" >"$out/win.vals"
# Timestamps: the first is from, the last is to, none outside.
stamps=$(sed -n 's/^#\([0-9]*\)$/\1/p' "$out/win.vcd")
[ "$(echo "$stamps" | head -1)" = $from ] || fail "first timestamp $(echo "$stamps" | head -1), not $from"
[ "$(echo "$stamps" | tail -1)" = $to ] || fail "last timestamp $(echo "$stamps" | tail -1), not $to"
echo "$stamps" | awk -v f=$from -v t=$to '$1 < f || $1 > t { bad = 1 } END { exit bad }' || fail "a timestamp outside [$from, $to]"
[ "$(sed -n '$p' "$out/win.vcd")" = "#$to" ] || fail "the file does not end with #$to"
# The full trace cut to the window: each signal's last value at or before from (at from), then
# its changes in (from, to].
awk -v f=$from -v t=$to '$1 <= f { v[$2] = $3; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
     $1 > f && $1 <= t { later[++m] = $0 }
     END { for (i = 1; i <= n; i++) print f, order[i], v[order[i]]; for (i = 1; i <= m; i++) print later[i] }' \
  "$out/full.vals" >"$out/cut.vals"
sort "$out/cut.vals" >"$out/cut.sorted" && sort "$out/win.vals" >"$out/win.sorted"
cmp -s "$out/cut.sorted" "$out/win.sorted" || fail "the window differs from the full trace cut at [$from, $to]: $(diff "$out/cut.sorted" "$out/win.sorted" | head -5)"
grep -q "^$from cpu.cpu0.state " "$out/win.vals" || fail "no value of cpu.cpu0.state at from"
[ "$(awk -v f=$from '$1 > f' "$out/win.vals" | wc -l)" -gt 0 ] || fail "no change inside the window"
# The scope filter: card06's signals and those under cpu.cpu0, nothing else, same values.
run scope --vcd "$out/scope.vcd" --vcd-scope 'card06.*,cpu.cpu0'
awk -f "$here/vcd_values.awk" "$out/scope.vcd" >"$out/scope.vals"
awk '{ print $2 }' "$out/scope.vals" | sort -u >"$out/scope.names"
printf '%s\n' card06.busy_engines card06.occupancy cpu.cpu0.state cpu.cpu0.thread >"$out/scope.want"
cmp -s "$out/scope.names" "$out/scope.want" || fail "scope filter kept $(tr '\n' ' ' <"$out/scope.names")"
grep -E ' (card06\.|cpu\.cpu0\.)' "$out/full.vals" >"$out/full-scope.vals"
cmp -s "$out/full-scope.vals" "$out/scope.vals" || fail "filtered values differ from the full trace's"
grep '^SystemC\.' "$out/scope.gtkw" | sed 's/\[.*//' | sort >"$out/scope.layout"
printf '%s\n' SystemC.card06.busy_engines SystemC.card06.occupancy SystemC.cpu.cpu0.state SystemC.cpu.cpu0.thread \
  >"$out/layout.want"
cmp -s "$out/scope.layout" "$out/layout.want" || fail "filtered layout names $(tr '\n' ' ' <"$out/scope.layout")"
! grep -q 'SIE interpretation\|AP fabric' "$out/scope.gtkw" || fail "filtered layout keeps an empty group"
echo "check_vcd_window: ok"
