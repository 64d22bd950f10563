# HMC dynamic change of the LPAR's crypto configuration ("Change LPAR Cryptographic
# Controls"), seen by the host's AP bus and by a guest through vfio_ap's over-provisioning.
#  * Adapter 07 is in the machine but not in the LPAR's configuration, domain 0x10 neither:
#    the mdev holds both (over-provisioned, seed 001), the guest gets neither (guest_matrix).
#  * The HMC adds them (apsim-inject lpar): QCI answers the new masks at once, Linux learns
#    it at the AP bus's next scan (AP_CONFIG_TIME, 30 s): the bus creates the card and queue
#    devices, vfio_ap's on_config_changed/on_scan_complete plug the new APQNs into the guest
#    (CFG_CHG: the guest rescans at once).
#  * The HMC removes domain 0x10 at once and adapter 07 two seconds later (--after); the
#    next scan removes their queue and card devices and vfio_ap unplugs them from the guest.
#  Host lszcrypt -V: the queues bound to vfio_ap show only with -V.
# apsim: --lpar hmc-dynamic.json
modprobe vfio_ap
lszcrypt
cat /sys/bus/ap/ap_adapter_mask
echo -5,-7 > /sys/bus/ap/apmask
echo -4,-0x10 > /sys/bus/ap/aqmask
U=1b0d0c3e-56e8-4d42-9a4e-3ed8d3e1a0f7
M=/sys/devices/vfio_ap/matrix/$U
echo $U > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 5 > $M/assign_adapter
echo 7 > $M/assign_adapter
echo 4 > $M/assign_domain
echo 0x10 > $M/assign_domain
cat $M/matrix
cat $M/guest_matrix
qemu-system-s390x -name guest1 -device vfio-ap,sysfsdev=$M
ssh guest1 lszcrypt
# Bad requests change nothing.
apsim-inject lpar add adapter card09
apsim-inject lpar add domain 256
apsim-inject lpar add domain 4
apsim-inject lpar remove control-domain 0x10
apsim-inject lpar plug adapter card07
apsim-inject lpar add adapter card07
apsim-inject lpar add domain 0x10
apsim-inject lpar add control-domain 0x10
# The instructions see it at once, Linux at its next scan.
apinsn pqap --gr0 0x00800710
lszcrypt -V
sleep 31
lszcrypt -V
cat /sys/bus/ap/ap_adapter_mask
cat $M/guest_matrix
ssh guest1 lszcrypt
apsim-inject lpar remove domain 0x10
apsim-inject lpar remove adapter card07 --after 2s
apinsn pqap --gr0 0x00800710
sleep 31
lszcrypt -V
cat /sys/bus/ap/ap_adapter_mask
cat $M/matrix
cat $M/guest_matrix
ssh guest1 lszcrypt
