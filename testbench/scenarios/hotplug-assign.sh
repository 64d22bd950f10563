# Hot plug and unplug into a running guest (seed 001 "Hot plug/unplug support") on Linux
# 6.1: by assigning/unassigning adapters, domains and control domains, and by the QEMU
# monitor's device_del/device_add (virsh qemu-monitor-command --hmp).  KVM changes the
# guest's APCB at once, but a 6.1 host has no channel to tell the guest (no CFG_CHG
# eventfd before 6.15): the guest's AP bus finds the change at its next configuration scan,
# AP_CONFIG_TIME (30 s) later -- hence `sleep 30` before each look from inside, and a look
# before the sleep where it shows.  The linux73 variant runs the same on 7.3 (s390-tools
# 2.43), where the CFG_CHG eventfd (6.15+) makes QEMU tell the guest and its AP bus rescans
# at once: the look before the sleep already shows the change.  Also the guest_matrix
# filter: an adapter any of whose APQNs is not bound to vfio_ap stays out of the guest.
# Default LPAR.
# apsim-variant: linux73 --linux 7.3
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
# Plug a domain and an adapter, then a control domain.
echo 0x47 > $M/assign_domain
echo 6 > $M/assign_adapter
echo 0xab > $M/assign_control_domain
cat $M/matrix
cat $M/guest_matrix
ssh my-guest lszcrypt
sleep 30
ssh my-guest lszcrypt
ssh my-guest lszcrypt -d | grep '^    [04a]0'
# Unplug the adapter again; its queues are reset as they leave the guest.
echo 6 > $M/unassign_adapter
cat $M/guest_matrix
ssh my-guest lszcrypt
sleep 30
ssh my-guest lszcrypt
# Filtering: with 06.0047 unbound from vfio_ap, assigning adapter 06 leaves the adapter
# out of the guest (the APCB cannot leave out one APQN): matrix has it, guest_matrix not.
echo 06.0047 > /sys/bus/ap/drivers/vfio_ap/unbind
echo 6 > $M/assign_adapter
cat $M/matrix
cat $M/guest_matrix
sleep 30
ssh my-guest lszcrypt
# Binding the queue to vfio_ap again completes adapter 06: it is plugged in.
echo 06.0047 > /sys/bus/ap/drivers/vfio_ap/bind
cat $M/guest_matrix
sleep 30
ssh my-guest lszcrypt
# The QEMU monitor: unplug the whole device (the guest loses its AP configuration), then
# plug it again.  Errors are HMP's ("Error: ..."), virsh itself succeeds.
virsh qemu-monitor-command my-guest --hmp "device_del hostdev1"
virsh qemu-monitor-command my-guest --hmp "device_del hostdev0"
ssh my-guest lszcrypt
sleep 30
ssh my-guest lszcrypt
cat /sys/bus/ap/devices/05.0004/status
# With no guest holding it, the mdev could be removed now; here it goes back in.
virsh qemu-monitor-command my-guest --hmp "device_add vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/00000000-0000-4000-8000-000000000000,id=hostdev0"
virsh qemu-monitor-command my-guest --hmp "device_add vfio-ap,sysfsdev=$M,id=hostdev0"
virsh qemu-monitor-command my-guest --hmp "device_add vfio-ap,sysfsdev=$M,id=hostdev1"
sleep 30
ssh my-guest lszcrypt
cat /sys/bus/ap/devices/05.0004/status
virsh qemu-monitor-command no-guest --hmp "device_del hostdev0"
