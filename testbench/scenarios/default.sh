# apsim's default scenario (README Quick start): the three-guest example of seed 001 (the
# kernel's vfio-ap document) on the default LPAR, then an RSA workload in guest3.
modprobe vfio_ap
echo -5,-6 > /sys/bus/ap/apmask
echo -4,-0x47,-0xab,-0xff > /sys/bus/ap/aqmask
lszcrypt -V
uuid1=$(uuidgen)
uuid2=$(uuidgen)
uuid3=$(uuidgen)
echo $uuid1 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo $uuid2 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo $uuid3 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
cd /sys/devices/vfio_ap/matrix/$uuid1
echo 5 > assign_adapter
echo 6 > assign_adapter
echo 4 > assign_domain
echo 0xab > assign_domain
cat matrix
cd /sys/devices/vfio_ap/matrix/$uuid2
echo 5 > assign_adapter
echo 0x47 > assign_domain
echo 0xff > assign_domain
cat matrix
cd /sys/devices/vfio_ap/matrix/$uuid3
echo 6 > assign_adapter
echo 0x47 > assign_domain
echo 0xff > assign_domain
cat matrix
# Assigning an APQN another mdev already has is refused.
echo 0x47 > /sys/devices/vfio_ap/matrix/$uuid1/assign_domain
dmesg | grep vfio_ap_mdev
cd
qemu-system-s390x -name guest1 -cpu host,ap=on,apqci=on,apft=on,apqi=on \
  -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$uuid1
qemu-system-s390x -name guest2 -cpu host,ap=on,apqci=on,apft=on,apqi=on \
  -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$uuid2
qemu-system-s390x -name guest3 -cpu host,ap=on,apqci=on,apft=on,apqi=on \
  -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$uuid3
ssh guest1 lszcrypt
ssh guest2 lszcrypt
ssh guest3 lszcrypt
ssh guest3 apbench --apqn 06.0047 --op mex-2048 --requests 100 --inflight 4
# With every software cost at zero (zero-costs.json) the transcript is the one of before the
# CPU complex (docs/cpu-complex.md); here at the end, so that the script's line numbers stay.
# apsim-variant: zero-costs --lpar zero-costs.json
