# apsim: --lpar ap-queue-full.json
# Regression (issue 15): three requests enqueued behind the AP bus' back (apinsn) fill the
# three slots of a queue of QD 2; apbench on that queue then got RC 0x10 (queue full) for
# ever, because the bus read the queue only while it counted requests of its own.  Linux's
# ap_sm_write moves the queue to AP_SM_STATE_QUEUE_FULL, whose poll is ap_sm_read: the DQAPs
# drop the unassociated replies (ap_sm_recv) and free the slots, and the workload completes.
apinsn nqap --gr0 0x40000501
apinsn nqap --gr0 0x40000501
apinsn nqap --gr0 0x40000501
apbench --apqn 05.0001 --op mex-1024 --requests 4 --inflight 2
cat /sys/bus/ap/devices/05.0001/request_count
# The same in a guest: the guest's AP bus is the same code, its NQAPs interpreted under SIE.
modprobe vfio_ap
echo -2 > /sys/bus/ap/aqmask
UUID=$(uuidgen)
echo $UUID > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 5 > /sys/devices/vfio_ap/matrix/$UUID/assign_adapter
echo 2 > /sys/devices/vfio_ap/matrix/$UUID/assign_domain
qemu-system-s390x -name guest1 -cpu host -m 512M \
  -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$UUID,id=hostdev0
ssh guest1 apinsn nqap --gr0 0x40000502
ssh guest1 apinsn nqap --gr0 0x40000502
ssh guest1 apinsn nqap --gr0 0x40000502
ssh guest1 apbench --apqn 05.0002 --op mex-1024 --requests 4 --inflight 2
ssh guest1 cat /sys/bus/ap/devices/05.0002/request_count
