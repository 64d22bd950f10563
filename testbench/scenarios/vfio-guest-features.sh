# QEMU's CPU model features for AP (seed 001 "The CPU model features for AP"; seed 002
# "CPU model features") and what the guest's AP bus and lszcrypt make of them; one mdev
# per guest.  Default LPAR; every queue of adapter 05 and 06 goes to vfio_ap.  The linux73
# variant runs it on 7.3 with s390-tools 2.43: its AP bus has `features` ("-" without QCI),
# which lszcrypt -b shows.
# apsim-variant: linux73 --linux 7.3
modprobe vfio_ap
echo -5,-6 > /sys/bus/ap/apmask
T=/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough
U1=11111111-1111-4111-8111-111111111111
U2=22222222-2222-4222-8222-222222222222
echo $U1 > $T/create
echo $U2 > $T/create
M1=/sys/devices/vfio_ap/matrix/$U1
M2=/sys/devices/vfio_ap/matrix/$U2
echo 5 > $M1/assign_adapter
echo 4 > $M1/assign_domain
echo 0x47 > $M1/assign_domain
echo 4 > $M1/assign_control_domain
echo 0xab > $M1/assign_control_domain
echo 6 > $M2/assign_adapter
echo 0xff > $M2/assign_domain
# Everything on (the host model has every feature the host has): the guest sees its
# matrix, lszcrypt -d shows usage (U), control (C) and both (B).
qemu-system-s390x -name g1 -cpu host,ap=on,apqci=on,apft=on,apqi=on -device vfio-ap,sysfsdev=$M1
ssh g1 lszcrypt -V
ssh g1 lszcrypt -d
ssh g1 lszcrypt -b
ssh g1 cat /sys/bus/ap/ap_interrupts
virsh destroy g1
# apqi=off: no AP queue interruptions, the guest's AP bus polls.
qemu-system-s390x -name g1 -cpu host,apqi=off -device vfio-ap,sysfsdev=$M1
ssh g1 cat /sys/bus/ap/ap_interrupts
ssh g1 lszcrypt
virsh destroy g1
# apqci=off: without QCI the guest's AP bus probes domains 0..15 only: 05.0047 is missing;
# the domain masks are not available.
qemu-system-s390x -name g1 -cpu host,apqci=off -device vfio-ap,sysfsdev=$M1
ssh g1 lszcrypt
ssh g1 lszcrypt -d
ssh g1 cat /sys/bus/ap/ap_usage_domain_mask
ssh g1 lszcrypt -b
virsh destroy g1
# apft=off: TAPQ cannot tell the device type; no AP device for the guest at all.
qemu-system-s390x -name g1 -cpu host,apft=off -device vfio-ap,sysfsdev=$M1
ssh g1 lszcrypt
ssh g1 ls /sys/bus/ap/devices
virsh destroy g1
# ap=off: there is no AP bus for the vfio-ap device; a named CPU model has the features
# only when they are turned on.
qemu-system-s390x -name g1 -cpu host,ap=off -device vfio-ap,sysfsdev=$M1
qemu-system-s390x -name g1 -cpu z13 -device vfio-ap,sysfsdev=$M1
qemu-system-s390x -name g1 -cpu z13,ap=on,apqci=on,apft=on,apqi=on -device vfio-ap,sysfsdev=$M1
ssh g1 lszcrypt
# One mdev per guest, one guest per mdev.
qemu-system-s390x -name g2 -device vfio-ap,sysfsdev=$M1
qemu-system-s390x -name g2 -device vfio-ap,sysfsdev=$M1 -device vfio-ap,sysfsdev=$M2
qemu-system-s390x -name g2 -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/33333333-3333-4333-8333-333333333333
qemu-system-s390x -name g2 -device vfio-ap,sysfsdev=$M2
ssh g2 lszcrypt
virsh list
# Guest shutdown from inside: QEMU ends after the command, the mdev is released (its
# queues are zeroized, the masks cleared) and may be removed.
cat /sys/bus/ap/devices/06.00ff/status
ssh g2 poweroff
cat /sys/bus/ap/devices/06.00ff/status
echo 1 > $M2/remove
virsh shutdown g1
virsh list
ssh g1 lszcrypt
