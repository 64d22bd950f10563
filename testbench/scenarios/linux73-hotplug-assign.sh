# apsim: --linux 7.3
# Hot plug and unplug into a running guest on Linux 7.3, beside hotplug-assign.sh (the whole
# story, on 6.1): here every change of the guest's APCB is signalled through the CFG_CHG
# eventfd (6.15+), QEMU tells the guest, and its AP bus rescans at once -- the guest sees
# each change with no `sleep 30` for its next configuration scan.  lszcrypt is 2.43's (the
# release of 7.3's era), which warns when the default domain goes away.  Default LPAR.
modprobe vfio_ap
echo -5,-6 > /sys/bus/ap/apmask
echo -4,-0x47 > /sys/bus/ap/aqmask
U=62177883-f1bb-47f0-914d-32a22e3a8804
M=/sys/devices/vfio_ap/matrix/$U
echo $U > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 5 > $M/assign_adapter
echo 4 > $M/assign_domain
qemu-system-s390x -name my-guest -cpu host -device vfio-ap,sysfsdev=$M,id=hostdev0
ssh my-guest lszcrypt
# Plug a domain and an adapter: the guest has them at once.
echo 0x47 > $M/assign_domain
echo 6 > $M/assign_adapter
ssh my-guest lszcrypt
# Unplug the adapter again.
echo 6 > $M/unassign_adapter
ssh my-guest lszcrypt
# The QEMU monitor: unplug the whole device, then plug it again.
virsh qemu-monitor-command my-guest --hmp "device_del hostdev0"
ssh my-guest lszcrypt
ssh my-guest cat /sys/bus/ap/ap_domain
virsh qemu-monitor-command my-guest --hmp "device_add vfio-ap,sysfsdev=$M,id=hostdev0"
ssh my-guest lszcrypt
