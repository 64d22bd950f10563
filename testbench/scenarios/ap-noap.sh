# An LPAR without the AP facility.  Every AP instruction is an operation exception, before
# any other check (docs/ap-instructions.md §2).  Linux 6.1's ap_module_init finds no AP
# instructions, says so in the kernel log and returns -ENODEV before it registers the AP
# bus: no /sys/bus/ap, no /sys/devices/ap, no zcrypt driver, no vfio_ap.
# apsim: --lpar ap-noap.json
# apinsn is apsim's instrument, not a driver: it still executes the instruction.
apinsn pqap --gr0 0x0504
apinsn nqap --gr0 0x40000504 --r1 3 --problem-state
apinsn dqap --gr0 0x80000504
# No AP bus in sysfs: no attributes to read or write, no devices.
ls /sys/bus/ap
cat /sys/bus/ap/ap_adapter_mask
ls /sys/devices/ap
echo -5 > /sys/bus/ap/apmask
echo 1 > /sys/bus/ap/scans
# lszcrypt (s390-tools) looks for /sys/bus/ap first, in every mode.
lszcrypt
lszcrypt -V 05
lszcrypt -b
lszcrypt -d
lszcrypt -c 5
# modprobe: the AP bus is built in (nothing to load); zcrypt loads (zcrypt_api_init needs
# no bus); zcrypt_cex4 cannot register its drivers with a bus that was never registered
# (driver_register: -EINVAL, and a kernel-log line); vfio_ap's init returns -ENODEV.
modprobe ap
modprobe zcrypt
modprobe zcrypt_cex4
modprobe vfio_ap
ls /sys/devices/vfio_ap
modprobe -r vfio_ap
# apbench finds no AP bus.
apbench --apqn 05.0004 --requests 1
# mdevctl: an autostart definition is checked against the AP bus masks (s390-tools'
# ap-check): without a udev rule they come from /sys/bus/ap, which is missing; the rule's
# masks serve (sysfs is read only for a mask the rule lacks).  A start needs vfio_ap.
U1=11111111-1111-4111-8111-111111111111
U2=22222222-2222-4222-8222-222222222222
mdevctl define -u $U1 -p matrix -t vfio_ap-passthrough
mdevctl define -u $U2 -p matrix -t vfio_ap-passthrough --auto
echo 'ACTION=="add", SUBSYSTEM=="ap", KERNEL=="ap0", ATTR{apmask}="0xfbffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", ATTR{aqmask}="0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"' > /etc/udev/rules.d/41-ap.rules
mdevctl define -u $U2 -p matrix -t vfio_ap-passthrough --auto
mdevctl list -d
mdevctl start -u $U2
# A guest on this host has no AP either: the host CPU model has no `ap`, asking for it
# fails, and without it QEMU has no AP bus for a vfio-ap device.
qemu-system-s390x -name g1 -cpu host,ap=on
qemu-system-s390x -name g1 -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$U2
qemu-system-s390x -name g1 -m 512M
ssh g1 lszcrypt
ssh g1 ls /sys/bus/ap
ssh g1 modprobe vfio_ap
ssh g1 apbench --apqns 1
ssh g1 apinsn pqap --gr0 0x0504
ssh g1 dmesg
cat > /tmp/hostdev.xml <<EOF
<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ap'>
  <source>
    <address uuid='$U2'/>
  </source>
</hostdev>
EOF
virsh attach-device g1 /tmp/hostdev.xml --live
virsh list
# The AP bus configuration timer (30 s) has no bus to rescan, on the host or in the guest.
sleep 61
ssh g1 lszcrypt
# dmesg: the AP bus's line and driver_register's, nothing from vfio_ap.
dmesg
# After a reboot the same: udev's 41-ap.rules waits for a bus that never appears,
# modules-load.d's vfio_ap fails (in the journal), the defined mdevs stay defined.
echo vfio_ap > /etc/modules-load.d/vfio_ap.conf
reboot
virsh list
ls /sys/bus/ap
ls /sys/devices/vfio_ap
mdevctl list -d
dmesg
