# Seed 001 (the kernel's vfio-ap document), "Example": three guests on the LPAR of
# adapters 05 (CEX5C) and 06 (CEX5A) with domains 4, 0x47, 0xab and 0xff (apsim's default
# LPAR), each guest's lszcrypt as the document shows it.
modprobe vfio_ap
# 2. Secure the AP queues for vfio_ap.
echo -5,-6 > /sys/bus/ap/apmask
echo -4,-0x47,-0xab,-0xff > /sys/bus/ap/aqmask
cat /sys/bus/ap/apmask
cat /sys/bus/ap/aqmask
ls /sys/bus/ap/drivers/vfio_ap
cat /sys/bus/ap/devices/card05/hwtype
# 3. Create the mediated devices.
uuid1=$(uuidgen)
uuid2=$(uuidgen)
uuid3=$(uuidgen)
cd /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough
echo $uuid1 > create
echo $uuid2 > create
echo $uuid3 > create
ls devices
# 4. Configure the matrixes.
cd /sys/devices/vfio_ap/matrix/$uuid1
echo 5 > assign_adapter
echo 6 > assign_adapter
echo 4 > assign_domain
echo 0xab > assign_domain
cat matrix
cat guest_matrix
cd /sys/devices/vfio_ap/matrix/$uuid2
echo 5 > assign_adapter
echo 0x47 > assign_domain
echo 0xff > assign_domain
cd /sys/devices/vfio_ap/matrix/$uuid3
echo 6 > assign_adapter
echo 0x47 > assign_domain
echo 0xff > assign_domain
cat matrix
# 5.-7. Start the guests.
/usr/bin/qemu-system-s390x -name guest1 -cpu host,ap=on,apqci=on,apft=on,apqi=on \
  -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$uuid1
/usr/bin/qemu-system-s390x -name guest2 -cpu host,ap=on,apqci=on,apft=on,apqi=on \
  -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$uuid2
/usr/bin/qemu-system-s390x -name guest3 -cpu host,ap=on,apqci=on,apft=on,apqi=on \
  -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$uuid3
ssh guest1 lszcrypt
ssh guest2 lszcrypt
ssh guest3 lszcrypt
# Removing an mdev a guest uses.  Seed 001 says the remove "will fail"; in Linux 6.1 the
# write blocks until the guest's QEMU releases the device (vfio_unregister_group_dev;
# docs/seed-errata.md).  So: start it in the background, shut the guest down, wait.
echo 1 > /sys/devices/vfio_ap/matrix/$uuid1/remove &
jobs
ls /sys/devices/vfio_ap/matrix/$uuid1
ssh guest1 poweroff
wait $!
echo $?
ls /sys/devices/vfio_ap/matrix
dmesg | grep $uuid1
