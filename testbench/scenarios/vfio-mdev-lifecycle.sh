# The matrix device, the vfio_ap-passthrough mdev type and an mdev's life: create (UUIDs
# as the mdev core parses them), its sysfs directory and links, remove (refused while a
# guest uses the mdev, seed 001), and what the refusals leave behind.
modprobe vfio_ap
T=/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough
ls /sys/devices/vfio_ap/matrix $T
cat $T/name $T/device_api $T/available_instances
# Type attributes are read-only, create is write-only.
echo 1 > $T/available_instances
cat $T/create
# Malformed UUIDs: EINVAL (36 characters, with or without echo's newline, 8-4-4-4-12 hex).
echo 4b0518fd-9237-493f-93c8 > $T/create
echo 4b0518fd-9237-493f-93c8-c5597f8006a3x > $T/create
echo 4b0518fd+9237-493f-93c8-c5597f8006a3 > $T/create
echo 4b0518fd-9237-493f-93c8-c5597f8006ag > $T/create
ls $T/devices
# Upper case is accepted; the device is named in lower case.  A second create: EEXIST.
echo 4B0518FD-9237-493F-93C8-C5597F8006A3 > $T/create
echo 4b0518fd-9237-493f-93c8-c5597f8006a3 > $T/create
ls $T/devices /sys/bus/mdev/devices
cat $T/available_instances
M=/sys/devices/vfio_ap/matrix/4b0518fd-9237-493f-93c8-c5597f8006a3
ls $M
readlink $M/mdev_type $M/subsystem
cat $M/matrix $M/guest_matrix $M/control_domains
# remove takes kstrtoul input: anything else is EINVAL, 0 does nothing.
echo yes > $M/remove
echo 0 > $M/remove
cat $M/remove
ls $T/devices
# A guest keeps the mdev busy: in Linux 6.1 a remove blocks until the guest's QEMU releases
# the device (vfio_unregister_group_dev), so it runs in the background; its `remove` file
# and the type's link are gone at once, the rest when the guest is gone.
echo -5 > /sys/bus/ap/apmask
echo -4 > /sys/bus/ap/aqmask
echo 5 > $M/assign_adapter
echo 4 > $M/assign_domain
qemu-system-s390x -name guest1 -device vfio-ap,sysfsdev=$M,id=hostdev0
cat /sys/bus/ap/devices/05.0004/status
echo 1 > $M/remove &
jobs
ls $T/devices
cat $M/matrix
ls $M/remove
virsh destroy guest1
wait $!
echo $?
ls $T/devices /sys/bus/mdev/devices
cat $T/available_instances
cat /sys/bus/ap/devices/05.0004/status
