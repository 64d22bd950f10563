# Queue depth (docs/ap-instructions.md §6): the TAPQ QD field per adapter or per type, and
# whether a queue has QD+1 or QD slots.  NQAP answers RC 0x10 (queue full) exactly when every
# slot is occupied — by a request waiting, in service, or its reply not yet dequeued — and
# DQAP answers RC 0x10 (no pending reply) on an empty queue.
# apsim: --lpar ap-queue-full.json
lszcrypt -V
cat /sys/bus/ap/devices/card05/depth /sys/bus/ap/devices/card06/depth
# TAPQ with T: QD 2 in the low bits of the info word.
apinsn pqap --gr0 0x00800501
apinsn dqap --gr0 0x80000501
# Each apinsn costs its fork+exec (0.5 ms, arch/software_cost.h fork_exec), longer than the
# adapter's service: the reply of the NQAP before is already there when the next one runs, so
# its status word shows replies waiting (GR1 0x41000000 / 0x61000000, docs/cpu-complex.md).
# 05: QD 2, three slots.
apinsn nqap --gr0 0x40000501
apinsn nqap --gr0 0x40000501
apinsn nqap --gr0 0x40000501
apinsn nqap --gr0 0x40000501
sleep 0.002
# Every reply is there; the slots stay occupied until DQAP takes them.
apinsn nqap --gr0 0x40000501
apinsn dqap --gr0 0x80000501
apinsn nqap --gr0 0x40000501
apinsn nqap --gr0 0x40000501
apinsn pqap --gr0 0x02000501
# 06: QD 3 (its type's default here) read as three slots.
apinsn pqap --gr0 0x00800601
apinsn nqap --gr0 0x40000601
apinsn nqap --gr0 0x40000601
apinsn nqap --gr0 0x40000601
apinsn nqap --gr0 0x40000601
apinsn pqap --gr0 0x02000601
sleep 0.001
# The ZAPQ above also switched the queue's interruptions off behind the AP bus' back; its sysfs
# reset re-initialises the queue.  The AP bus keeps at most QD requests on a queue (kernels
# before 3317785a8803) and queues the rest itself: eight in flight through a queue of depth 2.
echo 1 > /sys/bus/ap/devices/05.0001/reset
apbench --apqn 05.0001 --op mex-1024 --requests 16 --inflight 8
# Without APXA an APID above 63 or an APQI above 15 is a specification exception; with QCI
# flag C off, so is QACT.
apinsn pqap --gr0 0x4001
apinsn pqap --gr0 0x0510
apinsn pqap --gr0 0x05000501
