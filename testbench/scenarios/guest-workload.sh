# A guest workload: RSA requests from a KVM guest travel through SIE interpretation, the
# Verilated APCB mask check, the AP fabric and a CEX5A adapter, and back; every reply is
# checked against OpenSSL.  Default LPAR (adapters 05 CEX5C, 06 CEX5A; domains 4, 0x47,
# 0xab, 0xff).
modprobe vfio_ap
# Domain 4 of every adapter goes to vfio_ap; the host keeps domains 0x47, 0xab, 0xff.
echo -4 > /sys/bus/ap/aqmask
lszcrypt -V
UUID=$(uuidgen)
echo $UUID > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 6 > /sys/devices/vfio_ap/matrix/$UUID/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$UUID/assign_domain
cat /sys/devices/vfio_ap/matrix/$UUID/guest_matrix
qemu-system-s390x -name guest1 -cpu host -m 2G \
  -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$UUID,id=hostdev0
ssh guest1 lszcrypt -V
ssh guest1 apbench --apqn 06.0004 --op mex-2048 --requests 200 --inflight 4
ssh guest1 apbench --apqn 06.0004 --op crt-2048 --requests 100 --inflight 8
ssh guest1 lszcrypt -V
# An APQN outside the guest's matrix does not exist for it.
ssh guest1 apbench --apqn 05.0004 --requests 1
# The host keeps its other queues for zcrypt and can use them itself ...
apbench --apqn 06.0047 --op mex-1024 --requests 50 --inflight 2
# ... but not a queue it gave to vfio_ap.
apbench --apqn 06.0004 --requests 1
# The guest holds exactly what its mdev gives it.
cat /sys/devices/vfio_ap/matrix/$UUID/guest_matrix
