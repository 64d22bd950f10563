# apsim: --linux 7.3
# What Linux 7.3 does differently from 6.1 on the host (driver/linux/profile.h; the 6.1
# side of each is in the vfio-*, seed* and hotplug-assign scenarios).  Default LPAR.
modprobe vfio_ap
uname -r
# The matrix device advertises its features; the AP bus has `features` (the QCI flags)
# and `bindings_complete_count`; a card's depth is QD + 1 (3317785a8803), which lszcrypt
# 2.43 shows as it is.
cat /sys/devices/vfio_ap/matrix/features
cat /sys/bus/ap/features /sys/bus/ap/bindings_complete_count /sys/bus/ap/devices/card05/depth
lszcrypt -V 05
cat /sys/bus/ap/devices/05.0004/ap_functions
# An explicit bind still follows apmask x aqmask (ENODEV) ...
echo 05.0004 > /sys/bus/ap/drivers/cex4queue/unbind
echo 05.0004 > /sys/bus/ap/drivers/vfio_ap/bind
# ... unless the queue's driver_override names the driver (6.19+).
cat /sys/bus/ap/devices/05.0004/driver_override
echo vfio_ap > /sys/bus/ap/devices/05.0004/driver_override
echo 05.0004 > /sys/bus/ap/drivers/vfio_ap/bind
readlink /sys/bus/ap/devices/05.0004/driver
# While an override is set, mask edits are refused (EINVAL); clearing it allows them again.
echo -6 > /sys/bus/ap/apmask
echo > /sys/bus/ap/devices/05.0004/driver_override
echo 05.0004 > /sys/bus/ap/drivers/vfio_ap/unbind
echo 05.0004 > /sys/bus/ap/drivers/cex4queue/bind
echo -5,-6 > /sys/bus/ap/apmask
# An override is refused once a mask edit left apmask or aqmask not all ones.
echo vfio_ap > /sys/bus/ap/devices/06.0004/driver_override
U1=62177883-f1bb-47f0-914d-32a22e3a8804
U2=cef03c3c-903d-4ecc-9a83-40694cb8aee4
echo $U1 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo $U2 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
ls /sys/devices/vfio_ap/matrix/$U1
echo 5 > /sys/devices/vfio_ap/matrix/$U1/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$U1/assign_domain
# Sharing: EADDRINUSE, logged by the mdev being assigned to (as in 6.1.192).
echo 5 > /sys/devices/vfio_ap/matrix/$U2/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$U2/assign_domain
# Taking adapter 5 back for the host: EBUSY, logged by the mdev that has it.  The in-use
# check looks at every domain (6917f434fda3): aqmask still reserves domain 4 for the host,
# yet the mdev's APQN 05.0004 counts.
echo -4 > /sys/bus/ap/aqmask
echo +5 > /sys/bus/ap/apmask
dmesg | grep vfio_ap_mdev
# ap_config: the three masks at once.
cat /sys/devices/vfio_ap/matrix/$U1/ap_config
echo 0x0600000000000000000000000000000000000000000000000000000000000000,0x0800000000000000000000000000000000000000000000000000000000000000,0x0800000000000000000000000000000000000000000000000000000000000000 > /sys/devices/vfio_ap/matrix/$U1/ap_config
cat /sys/devices/vfio_ap/matrix/$U1/matrix /sys/devices/vfio_ap/matrix/$U1/control_domains
# strsep(",\n") splits the masks: with two masks the third is the empty string after the
# newline, which ap_hex2bitmap takes as all zeros (the control domains go).  A mask longer
# than 256 bits: EINVAL, nothing changes.
echo 0x06,0x08 > /sys/devices/vfio_ap/matrix/$U1/ap_config
cat /sys/devices/vfio_ap/matrix/$U1/ap_config
echo 0x060000000000000000000000000000000000000000000000000000000000000000,0x08,0x08 > /sys/devices/vfio_ap/matrix/$U1/ap_config
cat /sys/devices/vfio_ap/matrix/$U1/ap_config
# remove while a guest runs: the kernel clears the guest's masks, asks QEMU to release the
# device, QEMU unplugs it, and the remove (which would block until then) goes through.
qemu-system-s390x -name guest1 -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$U1,id=hostdev0
ssh guest1 lszcrypt
echo 1 > /sys/devices/vfio_ap/matrix/$U1/remove
dmesg | grep "Relaying\|iommu"
ls /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/devices
ssh guest1 lszcrypt
