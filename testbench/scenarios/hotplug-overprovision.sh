# Over-provisioning (seed 001): adapters and domains may be assigned to an mdev before
# they are usable on the host; the guest gets them when they are.
#  * Domain 0x10 is not in the LPAR's configuration at all: vfio_ap filters it out of the
#    guest (guest_matrix) while the matrix keeps it.  (hmc-dynamic.sh adds it to the
#    running LPAR, an HMC dynamic change.)
#  * Adapter 07 is in the configuration but deconfigured (SCLP).  vfio_ap's filter looks at
#    whether each queue is bound to vfio_ap and whether vfio_ap's last reset of it failed
#    (vfio_ap_mdev_filter_matrix, q->reset_rc); 07's queues were never reset by vfio_ap, so
#    the guest gets card 07 and sees it "deconfig".  After `echo 1 > .../card07/config` on
#    the host the guest's AP bus finds it usable at its next periodic rescan
#    (AP_CONFIG_TIME, 30 s), and deconfigured again after `echo 0`.
#  * Then a failed reset: unassigning 07 resets its queues, and ZAPQ answers RC 0x03 on the
#    deconfigured card.  Assigned again, 6.1 leaves the adapter out of the guest (any
#    non-zero reset_rc), 7.3 passes it (_queue_passable: 0x00, 0x03 and 0x04 pass): the
#    linux73 variant.
# apsim: --lpar hotplug-overprovision.json
# apsim-variant: linux73 --linux 7.3
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
echo 7 > $M/unassign_adapter
echo 7 > $M/assign_adapter
cat $M/matrix $M/guest_matrix
