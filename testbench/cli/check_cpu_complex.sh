#!/bin/sh
# The CPU complex end to end (issue 12 "Checks", docs/cpu-complex.md), with apbench --threads:
#  1. one request on an idle system costs exactly the table's steps on its path: user->kernel
#     = syscall + zcrypt_ioctl + ap_queue_message, wakeup->user = interruption_entry +
#     ap_poll_work + task_wakeup + syscall, and the stages add up to the latency;
#  2. with adapters faster than the CPUs, throughput saturates at cpus / (software cost per
#     request) and grows with cpus (1, 2, 4);
#  3. Little's law: threads = throughput x mean latency (a closed loop);
#  4. with every software cost at zero, --threads T gives the figures of --inflight T;
#  5. in a guest: one request costs exactly its path's steps (GIB alert, vCPU wakeup and SIE
#     re-entry included), a second vCPU is woken for a second thread, the guest's vCPUs
#     bound its throughput, and with every cost at zero --threads T is --inflight T there too.
# The costs are read from the table in force (`apsim run --stats`), not repeated here.
# Arguments: APSIM OUT-DIR.
set -eu
apsim=$1 out=$2
rm -rf "$out" && mkdir -p "$out"
fail() { echo "check_cpu_complex: $*"; exit 1; }
kv() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" "$1" | head -1; }
# cost NAME FILE: the step's cost in µs from --stats' table.
cost() { awk -v n="$1" '$2 == n && $4 == "ns" { printf "%.6f", $3 / 1000 }' "$2"; }
near() { awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= tol * (b < 0 ? -b : b) + 1e-9) }'; }
# same_as_inflight NAME WHAT: in $out/NAME.out, the run with threads=4 and the other apbench
# result (--inflight 4) agree on throughput and latency within 0.1 %.
same_as_inflight() {
  grep 'threads=4' "$out/$1.out" >"$out/$1-threads.out"
  grep -v 'threads=4' "$out/$1.out" | grep 'apbench: result' >"$out/$1-inflight.out"
  for f in throughput lat_mean_us lat_max_us; do
    near "$(kv "$out/$1-threads.out" $f)" "$(kv "$out/$1-inflight.out" $f)" 0.001 ||
      fail "$2: --threads 4 $f $(kv "$out/$1-threads.out" $f), --inflight 4 $(kv "$out/$1-inflight.out" $f)"
  done
}
lpar() {  # lpar FILE CPUS SOFTWARE_COSTS_JSON
  cat >"$1" <<JSON
{"adapters": [{"id": 5, "type": "CEX5", "mode": "cca"}, {"id": 6, "type": "CEX5", "mode": "accel", "engines": 8}],
 "usage_domains": [4, "0x47"], "control_domains": [4, "0x47"], "rating_unit_ps": 1000,
 "cpus": $2, "software_costs": $3}
JSON
}

# 1. One request, idle system, the default table.
echo "apbench --apqn 06.0047 --op mex-1024 --threads 1 --requests 1 --stages --report kv" >"$out/one.sh"
"$apsim" run "$out/one.sh" --stats >"$out/one.out" 2>"$out/one.err" || fail "one request: $(cat "$out/one.err")"
up=$(awk -v a="$(cost syscall "$out/one.err")" -v b="$(cost zcrypt_ioctl "$out/one.err")" \
         -v c="$(cost ap_queue_message "$out/one.err")" 'BEGIN { print a + b + c }')
back=$(awk -v a="$(cost interruption_entry "$out/one.err")" -v b="$(cost ap_poll_work "$out/one.err")" \
           -v c="$(cost task_wakeup "$out/one.err")" -v d="$(cost syscall "$out/one.err")" 'BEGIN { print a + b + c + d }')
near "$(kv "$out/one.out" backlog_mean_us)" "$up" 0.0005 || fail "user->kernel $(kv "$out/one.out" backlog_mean_us) us, the table says $up us"
near "$(kv "$out/one.out" delivery_mean_us)" "$back" 0.0005 || fail "wakeup->user $(kv "$out/one.out" delivery_mean_us) us, the table says $back us"
sum=0
for s in backlog driver siebus qwait service replywait delivery; do
  sum=$(awk -v a="$sum" -v b="$(kv "$out/one.out" ${s}_mean_us)" 'BEGIN { print a + b }')
done
near "$sum" "$(kv "$out/one.out" lat_mean_us)" 0.0001 || fail "stages add up to $sum us, latency $(kv "$out/one.out" lat_mean_us) us"

# 2. and 3. Saturation: zcrypt's ioctl at 100 µs, adapters far faster (8 engines, ~54 ns per
# request), 16 threads.
echo "apbench --apqn 06.0047 --op mex-1024 --threads 16 --requests 2000 --report kv" >"$out/sat.sh"
prev=0
for c in 1 2 4; do
  lpar "$out/sat$c.json" $c '{"zcrypt_ioctl": 100000}'
  "$apsim" run "$out/sat.sh" --lpar "$out/sat$c.json" --mode fast --stats >"$out/sat$c.out" 2>"$out/sat$c.err" ||
    fail "saturation, $c CPUs: $(cat "$out/sat$c.err")"
  per=0
  for st in syscall syscall zcrypt_ioctl ap_queue_message interruption_entry ap_poll_work task_wakeup; do
    per=$(awk -v a="$per" -v b="$(cost $st "$out/sat$c.err")" 'BEGIN { print a + b }')
  done
  x=$(kv "$out/sat$c.out" throughput)
  bound=$(awk -v c=$c -v p="$per" 'BEGIN { print c / (p * 1e-6) }')
  near "$x" "$bound" 0.01 || fail "$c CPUs: throughput $x/s, cpus / cost = $bound/s"
  awk -v a="$x" -v b="$prev" 'BEGIN { exit !(a > 1.9 * b) }' || fail "$c CPUs: throughput $x/s does not grow from $prev/s"
  prev=$x
  little=$(awk -v x="$x" -v r="$(kv "$out/sat$c.out" lat_mean_us)" 'BEGIN { print x * r * 1e-6 }')
  near "$little" 16 0.01 || fail "$c CPUs: Little's law: throughput x latency = $little, 16 threads"
done

# 4. Zero costs: --threads 4 is the --inflight 4 window of before.
zero='{"fork_exec": 0, "syscall": 0, "zcrypt_ioctl": 0, "ap_queue_message": 0, "interruption_entry": 0,
       "ap_poll_work": 0, "task_wakeup": 0, "sysfs_read": 0, "sysfs_write": 0, "printk": 0, "qemu_start": 0,
       "qemu_device_setup": 0, "kvm_pqap_aqic": 0, "kvm_pqap_qci": 0, "gisa_delivery": 0, "gib_alert": 0,
       "vcpu_wakeup": 0, "sie_entry": 0}'
# The adapters' own speed here (1 engine, 291.6 µs per request): the one software thread's
# poll, which --threads waits for before a woken thread issues again, is then far below 0.1 %.
cat >"$out/zero.json" <<JSON
{"adapters": [{"id": 6, "type": "CEX5", "mode": "accel"}], "usage_domains": ["0x47"], "software_costs": $zero}
JSON
printf '%s\n' "apbench --apqn 06.0047 --op mex-1024 --threads 4 --requests 200 --report kv" \
  "apbench --apqn 06.0047 --op mex-1024 --inflight 4 --requests 200 --report kv" >"$out/zero.sh"
"$apsim" run "$out/zero.sh" --lpar "$out/zero.json" >"$out/zero.out" 2>"$out/zero.err" || fail "zero costs: $(cat "$out/zero.err")"
same_as_inflight zero "zero costs"
# 5. Guests (docs/cpu-complex.md "Guest vCPUs").  One request from a guest with one vCPU on an
# idle system: user->kernel as on the host (apbench runs on vCPU 0, in SIE); the reply's
# interruption finds the vCPU in enabled wait: the GIB alert, the vCPU's wakeup and SIE
# re-entry, then the guest's interruption entry, poll work, wakeup and system call exit.
guest() {  # guest FILE SMP DOMAIN COMMAND...: start guest1 (-smp SMP) with 06.DOMAIN, run COMMAND in it
  f=$1 smp=$2 dom=$3
  shift 3
  cat >"$f" <<EOF
modprobe vfio_ap
echo -$dom > /sys/bus/ap/aqmask
UUID=\$(uuidgen)
echo \$UUID > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 6 > /sys/devices/vfio_ap/matrix/\$UUID/assign_adapter
echo $dom > /sys/devices/vfio_ap/matrix/\$UUID/assign_domain
qemu-system-s390x -name guest1 -cpu host -m 2G -smp $smp -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/\$UUID
ssh guest1 $*
EOF
}
sum_costs() {  # sum_costs STATS-FILE STEP...: the steps' costs in µs
  f=$1
  shift
  t=0
  for st in "$@"; do t=$(awk -v a="$t" -v b="$(cost "$st" "$f")" 'BEGIN { print a + b }'); done
  echo "$t"
}
lpar "$out/guest.json" 4 '{}'
guest "$out/guest1.sh" 1 4 apbench --apqn 06.0004 --op mex-1024 --threads 1 --requests 1 --stages --report kv
"$apsim" run "$out/guest1.sh" --lpar "$out/guest.json" --stats >"$out/guest1.out" 2>"$out/guest1.err" ||
  fail "guest, one request: $(cat "$out/guest1.err")"
up=$(sum_costs "$out/guest1.err" syscall zcrypt_ioctl ap_queue_message)
back=$(sum_costs "$out/guest1.err" gib_alert vcpu_wakeup sie_entry interruption_entry ap_poll_work task_wakeup syscall)
near "$(kv "$out/guest1.out" backlog_mean_us)" "$up" 0.0005 ||
  fail "guest user->kernel $(kv "$out/guest1.out" backlog_mean_us) us, the table says $up us"
near "$(kv "$out/guest1.out" delivery_mean_us)" "$back" 0.0005 ||
  fail "guest wakeup->user $(kv "$out/guest1.out" delivery_mean_us) us, the table says $back us"
sum=0
for s in backlog driver siebus qwait service replywait delivery; do
  sum=$(awk -v a="$sum" -v b="$(kv "$out/guest1.out" ${s}_mean_us)" 'BEGIN { print a + b }')
done
near "$sum" "$(kv "$out/guest1.out" lat_mean_us)" 0.0001 ||
  fail "guest: stages add up to $sum us, latency $(kv "$out/guest1.out" lat_mean_us) us"
grep -q "guest vCPUs: 1 wakeups from enabled wait, 0 interruptions through the GISA, 1 through the GIB alert" \
  "$out/guest1.err" || fail "guest, one request: --stats does not count one wakeup and one GIB alert"
# Two threads on two vCPUs at once: thread 0 runs on vCPU 0, where apbench runs; thread 1 on
# vCPU 1, which was in enabled wait: KVM wakes it and it re-enters SIE before the system call.
guest "$out/guest2.sh" 2 4 apbench --apqn 06.0004 --op mex-1024 --threads 2 --requests 2 --stages --report kv
"$apsim" run "$out/guest2.sh" --lpar "$out/guest.json" --stats >"$out/guest2.out" 2>"$out/guest2.err" ||
  fail "guest, -smp 2: $(cat "$out/guest2.err")"
up2=$(awk -v u="$up" -v w="$(sum_costs "$out/guest2.err" vcpu_wakeup sie_entry)" 'BEGIN { print u + w / 2 }')
near "$(kv "$out/guest2.out" backlog_mean_us)" "$up2" 0.0005 ||
  fail "guest -smp 2 user->kernel mean $(kv "$out/guest2.out" backlog_mean_us) us, the table says $up2 us"
# Saturation in a guest: adapters far faster than the software (zcrypt_ioctl 100 µs), 16 threads,
# 4 host CPUs: the guest's vCPUs are the bottleneck.  One vCPU is always in SIE, so every reply's
# interruption goes through the GISA and no vCPU is woken: throughput = 1 / (the steps of a
# request); two vCPUs nearly double it.
lpar "$out/guestsat.json" 4 '{"zcrypt_ioctl": 100000}'
prev=0
for smp in 1 2; do
  guest "$out/guestsat$smp.sh" $smp 0x47 apbench --apqn 06.0047 --op mex-1024 --threads 16 --requests 2000 --report kv
  "$apsim" run "$out/guestsat$smp.sh" --lpar "$out/guestsat.json" --mode fast --stats >"$out/guestsat$smp.out" \
    2>"$out/guestsat$smp.err" || fail "guest saturation, -smp $smp: $(cat "$out/guestsat$smp.err")"
  x=$(kv "$out/guestsat$smp.out" throughput)
  if [ $smp = 1 ]; then
    per=$(sum_costs "$out/guestsat1.err" syscall zcrypt_ioctl ap_queue_message gisa_delivery interruption_entry \
            ap_poll_work task_wakeup syscall)
    bound=$(awk -v p="$per" 'BEGIN { print 1 / (p * 1e-6) }')
    near "$x" "$bound" 0.01 || fail "guest -smp 1: throughput $x/s, 1 / the steps of a request = $bound/s"
  else
    awk -v a="$x" -v b="$prev" 'BEGIN { exit !(a > 1.9 * b) }' || fail "guest -smp 2: throughput $x/s does not double $prev/s"
  fi
  little=$(awk -v x="$x" -v r="$(kv "$out/guestsat$smp.out" lat_mean_us)" 'BEGIN { print x * r * 1e-6 }')
  near "$little" 16 0.01 || fail "guest -smp $smp: Little's law: throughput x latency = $little, 16 threads"
  prev=$x
done
# With every software cost at zero, --threads 4 in a guest with two vCPUs gives the figures of
# --inflight 4 there (no wakeup, re-entry, GISA or GIB step costs anything).
cat >"$out/gzero.json" <<JSON
{"adapters": [{"id": 6, "type": "CEX5", "mode": "accel"}], "usage_domains": ["0x47"], "software_costs": $zero}
JSON
guest "$out/gzero.sh" 2 0x47 apbench --apqn 06.0047 --op mex-1024 --threads 4 --requests 200 --report kv
echo "ssh guest1 apbench --apqn 06.0047 --op mex-1024 --inflight 4 --requests 200 --report kv" >>"$out/gzero.sh"
"$apsim" run "$out/gzero.sh" --lpar "$out/gzero.json" >"$out/gzero.out" 2>"$out/gzero.err" ||
  fail "guest, zero costs: $(cat "$out/gzero.err")"
same_as_inflight gzero "guest, zero costs"
echo "check_cpu_complex: ok"
