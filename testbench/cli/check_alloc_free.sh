#!/bin/sh
# Issue 13: no heap allocation on the steady-state per-request path (instruction, bus
# transaction, adapter, reply, driver, apbench).  apsim runs under the allocation counter
# (alloc_count.cpp, LD_PRELOAD); apbench reports `steady_allocs`, the allocations from the
# moment half of its requests ended to the end of its run, which must be 0:
#   * a guest's mex-2048 requests (SIE interpretation, GISA interruptions), fast and cycle mode;
#   * the host's, polling, and with --threads (the CPU complex's software steps);
#   * CCA secure-key signatures (cca-seckey), EP11 SignSingle (ep11-seckey) and random
#     numbers from a CCA ("RL") and an EP11 (GenerateRandom) card, on the host and in a guest
#     (alloc-free-coprocessors.json), in fast mode, and the guest's in cycle mode too;
# and the counter must see allocations where there are some: each apbench also reports
# `setup_allocs`, the allocations of its set-up (options, keys, the messages it builds),
# which must be > 0 — without the counter loaded there are neither figure, and the test fails.
# Arguments: APSIM ALLOC_COUNT_LIB GUEST_WORKLOAD_SCENARIO OUT-DIR.
set -eu
apsim=$1 lib=$2 scenario=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out" && mkdir -p "$out"
fail() { echo "check_alloc_free: $*"; exit 1; }
kv() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$1" | head -1; }
# The set-up of the runs: the guest workload's (its first 15 lines: adapter 06, a CEX5A, and
# domain 4 to guest1 on the default LPAR), and one with a CCA and an EP11 coprocessor, both
# with domain 4 in guest1 and domain 0x47 on the host.
head -15 "$scenario" >"$out/setup-accel"
cat >"$out/setup-copro" <<EOF
# apsim: --lpar $here/alloc-free-coprocessors.json
modprobe vfio_ap
echo -4 > /sys/bus/ap/aqmask
UUID=\$(uuidgen)
echo \$UUID > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 5 > /sys/devices/vfio_ap/matrix/\$UUID/assign_adapter
echo 6 > /sys/devices/vfio_ap/matrix/\$UUID/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/\$UUID/assign_domain
qemu-system-s390x -name guest1 -cpu host -m 2G -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/\$UUID,id=hostdev0
EOF
setup=accel
# run NAME MODE APBENCH-LINE...: the set-up $setup, then the lines.
run() {
  name=$1 mode=$2
  shift 2
  { cat "$out/setup-$setup"; for l in "$@"; do echo "$l"; done; } >"$out/$name.sh"
  LD_PRELOAD="$lib" "$apsim" run --mode "$mode" "$out/$name.sh" >"$out/$name.out" 2>"$out/$name.err" ||
    fail "$name: apsim failed: $(cat "$out/$name.err")"
}
# expect_zero NAME: every apbench run of NAME reported steady_allocs=0 over > 0 requests, and
# setup_allocs > 0.
expect_zero() {
  n=$(grep -c 'apbench: result' "$out/$1.out") || true
  [ "$n" -ge 1 ] || fail "$1: no apbench result line (is the counter loaded?)"
  grep 'apbench: result' "$out/$1.out" | while read -r line; do
    echo "$line" >"$out/line"
    s=$(kv "$out/line" steady_requests) a=$(kv "$out/line" steady_allocs) u=$(kv "$out/line" setup_allocs)
    [ -n "$s" ] && [ -n "$a" ] && [ -n "$u" ] || fail "$1: apbench reported no steady_allocs/setup_allocs: $line"
    [ "$u" -gt 0 ] || fail "$1: the counter saw no allocation in apbench's set-up: it cannot catch any: $line"
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
setup=copro
h="apbench --apqn 05.0047 --op cca-seckey --requests 200 --inflight 2 --report kv"
run copro-host fast "$h" "apbench --apqn 06.0047 --op ep11-seckey --requests 200 --inflight 2 --report kv" \
  "apbench --apqns 05.0047,06.0047 --op rng --requests 200 --inflight 2 --report kv" \
  "apbench --apqns 05.0047,06.0047 --op rng --requests 200 --threads 2 --mode polling --report kv"
expect_zero copro-host
g="ssh guest1 apbench --apqn 05.0004 --op cca-seckey --requests 200 --inflight 2 --report kv"
for mode in fast cycle; do
  run "copro-guest-$mode" "$mode" "$g" "ssh guest1 apbench --apqn 06.0004 --op ep11-seckey --requests 200 --inflight 2 --report kv" \
    "ssh guest1 apbench --apqn 05.0004 --op rng --requests 200 --inflight 2 --report kv" \
    "ssh guest1 apbench --apqn 06.0004 --op rng --requests 200 --inflight 2 --report kv"
  expect_zero "copro-guest-$mode"
done
n=$(cat "$out"/*.out | grep -c 'apbench: result')
echo "check_alloc_free: steady state allocation-free on every path ($n apbench runs: mex, crt, cca-seckey, ep11-seckey, rng)"
