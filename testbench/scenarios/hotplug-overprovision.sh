# Over-provisioning (seed 001): adapters and domains may be assigned to an mdev before
# they are usable on the host; the guest gets them when they are.
#  * Domain 0x10 is not in the LPAR's configuration at all: vfio_ap filters it out of the
#    guest (guest_matrix) while the matrix keeps it.  (hmc-dynamic.sh adds it to the
#    running LPAR, an HMC dynamic change.)
#  * Adapter 07 is in the configuration but deconfigured (SCLP).  vfio_ap passes a
#    deconfigured queue through (_queue_passable: RC 0x00, 0x03 and 0x04 pass), so the
#    guest sees card 07 "deconfig"; after `echo 1 > .../card07/config` on the host the
#    guest's AP bus finds it usable at its next periodic rescan (AP_CONFIG_TIME, 30 s),
#    and deconfigured again after `echo 0`.
# apsim: --lpar hotplug-overprovision.json
modprobe vfio_ap
lszcrypt
echo -5,-7 > /sys/bus/ap/apmask
echo -4,-0x10 > /sys/bus/ap/aqmask
U=62177883-f1bb-47f0-914d-32a22e3a8804
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
echo 1 > /sys/bus/ap/devices/card07/config
lszcrypt -V 07
sleep 30
ssh guest1 lszcrypt
echo 0 > /sys/bus/ap/devices/card07/config
sleep 30
ssh guest1 lszcrypt
