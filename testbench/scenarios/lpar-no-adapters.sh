# apsim: --lpar lpar-no-adapters.json
# An LPAR without crypto adapters: the AP bus is empty, every APQN answers RC 0x01, and an
# mdev can still be defined with ids the configuration may gain later (over-provisioning).
lszcrypt
cat /sys/bus/ap/ap_adapter_mask
apinsn pqap --gr0 0x0504
apinsn pqap --gr0 0x04000000 --gr2 buf
modprobe vfio_ap
echo -5 > /sys/bus/ap/apmask
UUID=$(uuidgen)
echo $UUID > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 5 > /sys/devices/vfio_ap/matrix/$UUID/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$UUID/assign_domain
cat /sys/devices/vfio_ap/matrix/$UUID/matrix
cat /sys/devices/vfio_ap/matrix/$UUID/guest_matrix
qemu-system-s390x -name guest1 -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$UUID
ssh guest1 lszcrypt
ssh guest1 apinsn pqap --gr0 0x0504
