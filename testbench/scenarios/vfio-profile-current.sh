# The current kernel's profile (VfioApProfile::current_kernel, apsim.vfio_ap_profile=current
# on the kernel command line): where it differs from the seed documents (spec §9).
# apsim: --lpar vfio-current.json
modprobe vfio_ap
cat /sys/bus/ap/drivers/vfio_ap/features
# Seed 002's procedure: ap_device_probe refuses vfio_ap for a queue apmask x aqmask still
# reserves for the default drivers: ENODEV, and the queue stays unbound.
echo 05.0004 > /sys/bus/ap/drivers/cex4queue/unbind
echo 05.0004 > /sys/bus/ap/drivers/vfio_ap/bind
readlink /sys/bus/ap/devices/05.0004/driver
echo 05.0004 > /sys/bus/ap/drivers/cex4queue/bind
echo -5,-6 > /sys/bus/ap/apmask
U1=62177883-f1bb-47f0-914d-32a22e3a8804
U2=cef03c3c-903d-4ecc-9a83-40694cb8aee4
echo $U1 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo $U2 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
ls /sys/devices/vfio_ap/matrix/$U1
echo 5 > /sys/devices/vfio_ap/matrix/$U1/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$U1/assign_domain
# Sharing: EADDRINUSE, logged by the mdev being assigned to.
echo 5 > /sys/devices/vfio_ap/matrix/$U2/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$U2/assign_domain
# Taking the APQN back for the host: EBUSY, logged by the mdev that has it.
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
# remove while a guest runs: the kernel asks QEMU to release the device, QEMU unplugs
# it, and the remove goes through.
qemu-system-s390x -name guest1 -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$U1,id=hostdev0
ssh guest1 lszcrypt
echo 1 > /sys/devices/vfio_ap/matrix/$U1/remove
dmesg | grep Relaying
ls /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/devices
ssh guest1 lszcrypt
