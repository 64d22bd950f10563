#!/bin/sh
# Issue 13: no heap allocation on the steady-state per-request path (instruction, bus
# transaction, adapter, reply, driver, apbench).  apsim runs under the allocation counter
# (alloc_count.cpp, LD_PRELOAD); apbench reports `steady_allocs`, the allocations from the
# moment half of its requests ended to the end of its run, which must be 0:
#   * a guest's mex-2048 requests (SIE interpretation, GISA interruptions), fast and cycle mode;
#   * the host's, polling, and with --threads (the CPU complex's software steps);
# and the counter must see allocations where there are some: cca-seckey parses each reply
# into new buffers.
# Arguments: APSIM ALLOC_COUNT_LIB GUEST_WORKLOAD_SCENARIO OUT-DIR.
set -eu
apsim=$1 lib=$2 scenario=$3 out=$4
rm -rf "$out" && mkdir -p "$out"
fail() { echo "check_alloc_free: $*"; exit 1; }
kv() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$1" | head -1; }
# run NAME MODE APBENCH-LINE...: the guest workload's set-up (its first 15 lines), then the lines.
run() {
  name=$1 mode=$2
  shift 2
  { head -15 "$scenario"; for l in "$@"; do echo "$l"; done; } >"$out/$name.sh"
  LD_PRELOAD="$lib" "$apsim" run --mode "$mode" "$out/$name.sh" >"$out/$name.out" 2>"$out/$name.err" ||
    fail "$name: apsim failed: $(cat "$out/$name.err")"
}
# expect_zero NAME: every apbench run of NAME reported steady_allocs=0 over > 0 requests.
expect_zero() {
  n=$(grep -c 'apbench: result' "$out/$1.out") || true
  [ "$n" -ge 1 ] || fail "$1: no apbench result line (is the counter loaded?)"
  grep 'apbench: result' "$out/$1.out" | while read -r line; do
    echo "$line" >"$out/line"
    s=$(kv "$out/line" steady_requests) a=$(kv "$out/line" steady_allocs)
    [ -n "$s" ] && [ -n "$a" ] || fail "$1: apbench reported no steady_allocs: $line"
    [ "$s" -gt 0 ] || fail "$1: no steady-state requests: $line"
    [ "$a" -eq 0 ] || fail "$1: $a heap allocations over $s steady-state requests: $line"
  done
}
g="ssh guest1 apbench --apqn 06.0004 --op mex-2048 --requests 4000 --inflight 8 --report kv"
run guest-fast fast "$g"
expect_zero guest-fast
run guest-cycle cycle "$g"
expect_zero guest-cycle
run host fast "apbench --apqn 06.0047 --op crt-1024 --requests 4000 --inflight 4 --mode polling --report kv" \
  "apbench --apqn 06.0047 --op mex-1024 --requests 2000 --threads 4 --stages --report kv"
expect_zero host
run cca fast "apbench --apqn 05.0047 --op cca-seckey --requests 200 --inflight 2 --report kv"
a=$(kv "$out/cca.out" steady_allocs)
[ -n "$a" ] && [ "$a" -gt 0 ] || fail "cca-seckey: the counter saw no allocation (steady_allocs=$a): it cannot catch any"
echo "check_alloc_free: steady state allocation-free on every path; cca-seckey: $a allocations"
