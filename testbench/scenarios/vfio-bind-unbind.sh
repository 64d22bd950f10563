# bind and unbind under /sys/bus/ap/drivers: the driver links, the refusals, and the seed
# profile's rule for an explicit bind (seed 002: accepted although apmask x aqmask still
# reserves the queue for the default drivers; docs/vfio-ap.md).  Default LPAR.
modprobe vfio_ap
cd /sys/bus/ap/drivers
ls cex4card cex4queue vfio_ap
readlink /sys/bus/ap/devices/05.0004/driver
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
# driver): ENODEV; a bound device: EBUSY.
echo 07.0004 > vfio_ap/bind
echo card05 > vfio_ap/bind
echo 05.0047 > vfio_ap/bind
echo 05.0004 > vfio_ap/bind
readlink /sys/bus/ap/devices/05.0004/driver
cat /sys/bus/ap/bindings
echo 05.0004 > vfio_ap/bind
echo 05.0004 > cex4queue/bind
# The explicitly bound queue is vfio_ap's for the assignment rules too.
U=4b0518fd-9237-493f-93c8-c5597f8006a3
echo $U > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 5 > /sys/devices/vfio_ap/matrix/$U/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$U/assign_domain
echo 0x47 > /sys/devices/vfio_ap/matrix/$U/assign_domain
cat /sys/devices/vfio_ap/matrix/$U/matrix /sys/devices/vfio_ap/matrix/$U/guest_matrix
cat /sys/bus/ap/devices/05.0004/status
# Card devices: cex4card lets go of card05 and takes it back.
echo card05 > cex4card/unbind
ls cex4card
echo card05 > cex4card/bind
ls cex4card
# Back to cex4queue: unbind from vfio_ap, bind to cex4queue.
echo 05.0004 > vfio_ap/unbind
echo 05.0004 > cex4queue/bind
readlink /sys/bus/ap/devices/05.0004/driver
cat /sys/devices/vfio_ap/matrix/$U/guest_matrix
