# Persistent mdevs with mdevctl (seed 001: "The vfio_ap mdevs do not persist across
# reboots unless the mdevctl tool is used to create and persist them"): definitions in
# /etc/mdevctl.d/matrix/<uuid>, start=auto mdevs started again when the matrix device
# registers after a reboot, and s390-tools' ap-check callout refusing overlapping
# autostart definitions (spec §4.10).  The persistent AP bus masks come from udev's
# 41-ap.rules, the vfio_ap module from modules-load.d.  Default LPAR.
echo 'ACTION=="add", SUBSYSTEM=="ap", KERNEL=="ap0", ATTR{apmask}="0xf9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", ATTR{aqmask}="0xf7fffffffffffffffeffffffffffffffffffffffffeffffffffffffffffffffe"' > /etc/udev/rules.d/41-ap.rules
echo vfio_ap > /etc/modules-load.d/vfio_ap.conf
modprobe vfio_ap
echo -5,-6 > /sys/bus/ap/apmask
echo -4,-0x47,-0xab,-0xff > /sys/bus/ap/aqmask
mdevctl types
# Define an mdev by parent and type, give it attributes, look at it.
U1=783e6dbb-ea0e-411f-94e2-717eaad438bf
mdevctl define -u $U1 -p matrix -t vfio_ap-passthrough
mdevctl modify -u $U1 --addattr=assign_adapter --value=5
mdevctl modify -u $U1 --addattr=assign_adapter --value=6
mdevctl modify -u $U1 --addattr=assign_domain --value=0xab
mdevctl modify -u $U1 --addattr=assign_control_domain --value=0xab
mdevctl modify -u $U1 --addattr=assign_domain --value=4
mdevctl modify -u $U1 --addattr=assign_control_domain --value=4
mdevctl list -dv
mdevctl list -d -u $U1 --dumpjson
mdevctl modify -u $U1 --delattr --index=5
mdevctl modify -u $U1 --delattr --index=4
mdevctl modify -u $U1 --delattr --index=9
mdevctl modify -u $U1 --auto
mdevctl list -dv
ls /etc/mdevctl.d/matrix
cat /etc/mdevctl.d/matrix/$U1; echo
# Define one from a JSON file: mdevctl prints the UUID it made up.
echo '{"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": [{"assign_adapter": "5"}, {"assign_domain": "0x47"}, {"assign_domain": "0xff"}]}' > /root/vfio_ap_device.json
U2=$(mdevctl define -p matrix --jsonfile /root/vfio_ap_device.json)
echo $U2
mdevctl list -d -u $U2 --dumpjson
# An autostart definition may not overlap another one: ap-check refuses 5.171 (05.00ab).
echo '{"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": [{"assign_adapter": "5"}, {"assign_domain": "0xab"}]}' > /root/overlap.json
mdevctl define -u 11111111-2222-4333-8444-555555555555 -p matrix --jsonfile /root/overlap.json
# A manual one may; it just cannot be started while the other is active.
echo '{"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": [{"assign_adapter": "5"}, {"assign_domain": "0xab"}]}' > /root/overlap.json
mdevctl define -u 11111111-2222-4333-8444-555555555555 -p matrix --jsonfile /root/overlap.json
mdevctl list -d
# Start the definitions; list the active mdevs (attributes as ap-check reads them back).
mdevctl start -u $U1
mdevctl start -u 11111111-2222-4333-8444-555555555555
mdevctl list
mdevctl list -v -u $U1
cat /sys/devices/vfio_ap/matrix/$U1/matrix
# A transient mdev: started without a definition.
mdevctl start -u 4b0518fd-9237-493f-93c8-c5597f8006a3 -p matrix -t vfio_ap-passthrough
mdevctl list
mdevctl stop -u 4b0518fd-9237-493f-93c8-c5597f8006a3
# Errors.
mdevctl define -u $U1 -p matrix -t vfio_ap-passthrough
mdevctl start -u $U1
mdevctl stop -u 4b0518fd-9237-493f-93c8-c5597f8006a3
mdevctl modify -u 4b0518fd-9237-493f-93c8-c5597f8006a3 --auto
mdevctl undefine -u 4b0518fd-9237-493f-93c8-c5597f8006a3
mdevctl define -u not-a-uuid -p matrix -t vfio_ap-passthrough
mdevctl start -p matrix --jsonfile /root/missing.json
# A guest uses U1 across the reboot that follows.
qemu-system-s390x -name guest1 -device vfio-ap,sysfsdev=/sys/bus/mdev/devices/$U1
ssh guest1 lszcrypt
# The host reboots: guests, mdevs and the sysfs state are gone, /etc stays; at boot udev
# sets the masks, vfio_ap is loaded, and mdevctl starts both autostart mdevs.
reboot
cat /sys/bus/ap/apmask /sys/bus/ap/aqmask
mdevctl list
cat /sys/devices/vfio_ap/matrix/$U1/matrix
ssh guest1 lszcrypt
qemu-system-s390x -name guest1 -device vfio-ap,sysfsdev=/sys/bus/mdev/devices/$U1
ssh guest1 lszcrypt
# Undefine leaves the running mdev alone; after the next reboot it is gone.
mdevctl undefine -u $U2
mdevctl list
mdevctl list -d
reboot
mdevctl list
