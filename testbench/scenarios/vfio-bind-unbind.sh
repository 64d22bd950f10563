# bind and unbind under /sys/bus/ap/drivers (Linux 6.1): the driver links (relative, as
# sysfs writes them), the refusals, and ap_device_probe's rule that apmask x aqmask decide
# which kind of driver a queue may bind to -- an explicit bind to the other kind is ENODEV
# (seed 002's bind procedure predates the masks; docs/seed-errata.md).  Default LPAR.
modprobe vfio_ap
cd /sys/bus/ap/drivers
ls cex4card cex4queue vfio_ap
readlink /sys/bus/ap/devices/05.0004/driver
readlink /sys/bus/ap/devices/05.0004
# The driver must have the device: ENODEV otherwise; the name is the device's name.
echo 05.0004 > vfio_ap/unbind
echo 5.4 > cex4queue/unbind
echo 05.0005 > cex4queue/unbind
echo 05.0004 > cex4queue/unbind
ls cex4queue
ls /sys/bus/ap/devices/05.0004
cat /sys/bus/ap/bindings
lszcrypt -V 05.0004
# bind: unknown device or a device type the driver does not take (a card to a queue
# driver): ENODEV; a bound device: EBUSY.  05.0004 is still in apmask x aqmask: vfio_ap
# may not have it (ENODEV), cex4queue may.
echo 07.0004 > vfio_ap/bind
echo card05 > vfio_ap/bind
echo 05.0047 > vfio_ap/bind
echo 05.0004 > vfio_ap/bind
echo 05.0004 > cex4queue/bind
readlink /sys/bus/ap/devices/05.0004/driver
cat /sys/bus/ap/bindings
echo 05.0004 > cex4queue/bind
# Take domain 4 from the default drivers: the AP bus re-probes, 05.0004 and 06.0004 go to
# vfio_ap; now an explicit bind to cex4queue is the refused one.
echo -4 > /sys/bus/ap/aqmask
readlink /sys/bus/ap/devices/05.0004/driver
echo 05.0004 > vfio_ap/unbind
echo 05.0004 > cex4queue/bind
echo 05.0004 > vfio_ap/bind
U=4b0518fd-9237-493f-93c8-c5597f8006a3
echo $U > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 5 > /sys/devices/vfio_ap/matrix/$U/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$U/assign_domain
cat /sys/devices/vfio_ap/matrix/$U/matrix /sys/devices/vfio_ap/matrix/$U/guest_matrix
cat /sys/bus/ap/devices/05.0004/status
# An unbound queue leaves the guest_matrix (vfio_ap_mdev_remove_queue).
echo 05.0004 > vfio_ap/unbind
cat /sys/devices/vfio_ap/matrix/$U/guest_matrix
# Card devices: cex4card lets go of card05 and takes it back.
echo card05 > cex4card/unbind
ls cex4card
echo card05 > cex4card/bind
ls cex4card
