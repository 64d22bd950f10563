# A checkstopped adapter (docs/ap-instructions.md §7), injected by the simulator
# (apsim-inject is not a Linux command): every instruction answers RC 0x04, TAPQ with its
# info word; the card loses whatever it held, and comes back empty when the checkstop ends.
# The AP bus sees it in the RCs and at its next scan.  Default LPAR.
# (The second status word below shows a reply already waiting: the command before it cost
# its fork+exec, 0.5 ms, arch/software_cost.h, longer than the adapter's service.)
# Requests in flight, issued by instruction:
apinsn nqap --gr0 0x40000504
apinsn nqap --gr0 0x40000504
apsim-inject chkstop card05 on
apinsn pqap --gr0 0x00800504
apinsn nqap --gr0 0x40000504
apinsn dqap --gr0 0x80000504
apinsn pqap --gr0 0x01000504
# Linux has not looked yet; its next scan finds the checkstop.
cat /sys/bus/ap/devices/card05/chkstop
echo 1 > /sys/bus/ap/scans
# Linux 6.1's `online` does not look at the checkstop (zcrypt_queue.c online_show: config
# and the zcrypt flag only), so the queue still reads 1; lszcrypt reads chkstop itself.
cat /sys/bus/ap/devices/card05/chkstop /sys/bus/ap/devices/05.0004/chkstop /sys/bus/ap/devices/05.0004/online
lszcrypt
apbench --apqn 05.0004 --requests 4
apsim-inject chkstop card05 off
# Back, empty: the requests from before are gone.
sleep 0.002
apinsn dqap --gr0 0x80000504
echo 1 > /sys/bus/ap/scans
lszcrypt
cat /sys/bus/ap/devices/05.0004/interrupt
apbench --apqn 05.0004 --op mex-1024 --requests 4
# A checkstop that lands while zcrypt has requests in flight on 06.0047: those fail with
# -EAGAIN (the queue's error state flushes them), the rest with -ENODEV; no request waits
# forever.  800 µs: apbench's fork+exec (0.5 ms, arch/software_cost.h) and 300 µs into its run.
apsim-inject chkstop card06 on --after 800us
apbench --apqn 06.0047 --op mex-1024 --requests 16 --inflight 4
cat /sys/bus/ap/devices/06.0047/chkstop
apsim-inject chkstop card06 off
echo 1 > /sys/bus/ap/scans
apbench --apqn 06.0047 --op mex-1024 --requests 4 --inflight 2
apsim-inject chkstop card07 on
apsim-inject chkstop card06 sideways
# Nothing of this reaches the kernel log: the AP bus notes checkstops, the queues' error
# states and the flushed requests in its s390 debug feature (AP_DBF_*), not with printk.
dmesg
