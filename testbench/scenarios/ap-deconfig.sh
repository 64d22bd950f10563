# Deconfigure and configure an adapter through SCLP, as the card's sysfs `config` does
# (docs/ap-instructions.md §7): RC 0x03 for every instruction, TAPQ with its info word; the
# card's queues lose their requests and replies; configured again they come back empty, and
# the AP bus resets them and enables their interruptions.  A card that starts in standby is
# configured the same way, also while it is assigned to a guest (over-provisioning).
# apsim: --lpar ap-deconfig.json
lszcrypt
cat /sys/bus/ap/devices/card07/config
# Requests in flight on 05.0004, one of them answered already.
apinsn nqap --gr0 0x40000504
sleep 0.001
apinsn nqap --gr0 0x40000504
echo 0 > /sys/bus/ap/devices/card05/config
cat /sys/bus/ap/devices/card05/config /sys/bus/ap/devices/05.0004/config /sys/bus/ap/devices/05.0004/online
apinsn pqap --gr0 0x00800504
apinsn dqap --gr0 0x80000504
apinsn pqap --gr0 0x03000504 --gr1 0x0000800000000006 --gr2 buf
lszcrypt
apbench --apqn 05.0004 --requests 2
echo 2 > /sys/bus/ap/devices/card05/config
echo 1 > /sys/bus/ap/devices/card05/config
lszcrypt
cat /sys/bus/ap/devices/05.0004/interrupt
# Nothing of before comes back.
apinsn pqap --gr0 0x0504
apinsn dqap --gr0 0x80000504
apbench --apqn 05.0004 --op mex-1024 --requests 4
# A card in standby assigned to a guest: its queues exist, deconfigured, for host and guest.
modprobe vfio_ap
echo -7 > /sys/bus/ap/apmask
echo -4 > /sys/bus/ap/aqmask
UUID=$(uuidgen)
echo $UUID > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 7 > /sys/devices/vfio_ap/matrix/$UUID/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$UUID/assign_domain
cat /sys/devices/vfio_ap/matrix/$UUID/guest_matrix
qemu-system-s390x -name guest1 -cpu host -m 1G -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$UUID
ssh guest1 lszcrypt
ssh guest1 apinsn pqap --gr0 0x0704
# The guest enables interruptions on the deconfigured queue: vfio_ap's AQIC for it answers
# RC 0x03, which vfio_ap_irq_enable reports in the host's kernel log (dmesg below).
ssh guest1 apinsn pqap --gr0 0x03000704 --gr1 0x0000800000000006 --gr2 buf
echo 1 > /sys/bus/ap/devices/card07/config
cat /sys/devices/vfio_ap/matrix/$UUID/guest_matrix
ssh guest1 apinsn pqap --gr0 0x0704
ssh guest1 'echo 1 > /sys/bus/ap/scans'
ssh guest1 lszcrypt
ssh guest1 apbench --apqn 07.0004 --op mex-1024 --requests 8 --inflight 2
# Deconfigured while the guest has requests in flight (an SCLP command from elsewhere):
# the guest's AP bus fails them instead of waiting for them forever.  1200 µs: the fork+exec
# of ssh on the host and of apbench in the guest (0.5 ms each, arch/software_cost.h), then
# 200 µs into the run.
apsim-inject config card07 off --after 1200us
ssh guest1 apbench --apqn 07.0004 --op mex-1024 --requests 8 --inflight 4
ssh guest1 cat /sys/bus/ap/devices/07.0004/config
echo 1 > /sys/bus/ap/scans
cat /sys/bus/ap/devices/card07/config
echo 1 > /sys/bus/ap/devices/card07/config
ssh guest1 'echo 1 > /sys/bus/ap/scans'
ssh guest1 apbench --apqn 07.0004 --op mex-1024 --requests 4
# The kernel log: the AP bus reports checkstops and SCLP changes only in its s390 debug
# feature; vfio_ap's AQIC failure is a pr_warn.
dmesg
