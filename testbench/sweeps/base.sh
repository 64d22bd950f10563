# Base scenario of the sweeps in testbench/sweeps/ (docs/sweeps.md).  `apsim sweep` writes
# SWEEP_<PARAM>=value lines above this script and the apbench command below it.
#
# Without guests the workload runs on the LPAR's host, whose zcrypt owns every APQN (the
# kernel's default apmask/aqmask).  With SWEEP_GUESTS=G, guests guest1..guestG share the
# first adapter (SWEEP_GUEST_ADAPTER): the host gives domain i up to vfio_ap, an mdev gets
# that adapter and domain i, and QEMU starts guest i with it.
if [ "$SWEEP_GUESTS" -gt 0 ]; then
  modprobe vfio_ap
  i=1
  while [ $i -le $SWEEP_GUESTS ]; do
    echo -$i > /sys/bus/ap/aqmask
    U=$(uuidgen)
    echo $U > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
    echo 0x$SWEEP_GUEST_ADAPTER > /sys/devices/vfio_ap/matrix/$U/assign_adapter
    echo $i > /sys/devices/vfio_ap/matrix/$U/assign_domain
    qemu-system-s390x -name guest$i -cpu host -m 128M \
      -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$U
    i=$((i + 1))
  done
fi
