# apsim: --lpar ap-reset.json
# RAPQ and ZAPQ (docs/ap-instructions.md §5): asynchronous resets that answer RC 0x02 while
# they run (adapter_reset_cycles: 200 µs by default, 10 ms in this LPAR so that commands
# typed meanwhile see it), discard the queue's requests and replies and leave
# interruptions disabled; the AP bus' sysfs `reset` does the same and brings the queue back
# into use.  The default LPAR's adapters (05 CEX5C, 06 CEX5A; domains 4, 0x47, 0xab, 0xff), all queues with
# zcrypt, which enabled their interruptions at boot.
cat /sys/bus/ap/devices/05.0004/interrupt
# TAPQ: empty, irq_enabled (GR1 0x81000000).
apinsn pqap --gr0 0x0504
# Three requests (a zeroed 4 KiB message each: the card answers with a type-82 error reply).
apinsn nqap --gr0 0x40000504
sleep 0.001
apinsn nqap --gr0 0x40000504
apinsn nqap --gr0 0x40000504
# One reply waiting, one request in service, one waiting for the engine.
apinsn pqap --gr0 0x0504
# RAPQ: accepted at once, the queue is empty and its interruptions are off ...
apinsn pqap --gr0 0x01000504
# ... but the reset takes its time: TAPQ (with T, the info word stays valid), DQAP and AQIC
# answer RC 0x02 meanwhile.  sysfs `reset` shows the AP bus' state machine for the queue
# (ap_queue.c reset_show), which did not start this reset: apinsn went around the driver.
apinsn pqap --gr0 0x00800504
apinsn dqap --gr0 0x80000504
apinsn pqap --gr0 0x03000504 --gr1 0x0000800000000006 --gr2 buf
cat /sys/bus/ap/devices/05.0004/reset
sleep 0.01
# Done: nothing of the three requests comes back.
apinsn pqap --gr0 0x0504
sleep 0.01
apinsn dqap --gr0 0x80000504
# ZAPQ with the F bit (full reset): the same.
apinsn nqap --gr0 0x40000504
apinsn pqap --gr0 0x02400504
apinsn pqap --gr0 0x0504
# The F bit belongs to RAPQ and ZAPQ only: with TAPQ it is a specification exception.
apinsn pqap --gr0 0x00400504
sleep 0.01
# The queue's interruptions stay off until someone enables them; the AP bus does when its
# sysfs reset is written: flush, RAPQ, wait, AQIC.  (Linux returns from the write after the
# RAPQ and finishes from its poll timer; apsim's state machine finishes inside the write.)
apinsn pqap --gr0 0x0504
echo 1 > /sys/bus/ap/devices/05.0004/reset
cat /sys/bus/ap/devices/05.0004/interrupt
apinsn pqap --gr0 0x0504
apbench --apqn 05.0004 --op mex-1024 --requests 8 --inflight 2
