# Seed 003 (Cornelia Huck, "Configuring mediated devices (Part 1)", 2020), its vfio-ap
# half, typed as the article prints it, on the default LPAR (adapters 05 CEX5C and 06
# CEX5A, domains 4, 0x47, 0xab, 0xff).  Two of its commands fail on a real host, and apsim
# keeps those failures:
#  * "echo -4, -0xab > aqmask" writes "-4, -0xab": after the comma modify_bitmap expects
#    '+' or '-' and finds a space, so the write fails with EINVAL and aqmask stays as it
#    was.  (The queues of adapter 05 are vfio_ap's anyway, as "-5" took the adapter.)
#  * the assign_*/matrix paths lack "devices/" under vfio_ap-passthrough, so bash cannot
#    open them ("No such file or directory").
# The last part uses the paths the article meant, and the matrix then reads as it shows.
modprobe vfio_ap
echo -5 > /sys/bus/ap/apmask
echo -4, -0xab > /sys/bus/ap/aqmask
cat /sys/bus/ap/aqmask
ls /sys/bus/ap/drivers/vfio_ap/
uuidgen
echo "669d9b23-fe1b-4ecb-be08-a2fabca99b71" > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 5 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/669d9b23-fe1b-4ecb-be08-a2fabca99b71/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/669d9b23-fe1b-4ecb-be08-a2fabca99b71/assign_domain
echo 0xab > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/669d9b23-fe1b-4ecb-be08-a2fabca99b71/assign_domain
cat /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/669d9b23-fe1b-4ecb-be08-a2fabca99b71/matrix
# With the paths corrected ("devices/" after vfio_ap-passthrough):
echo 5 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/devices/669d9b23-fe1b-4ecb-be08-a2fabca99b71/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/devices/669d9b23-fe1b-4ecb-be08-a2fabca99b71/assign_domain
echo 0xab > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/devices/669d9b23-fe1b-4ecb-be08-a2fabca99b71/assign_domain
cat /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/devices/669d9b23-fe1b-4ecb-be08-a2fabca99b71/matrix
# The QEMU command line of the article.
qemu-system-s390x -name guest -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/669d9b23-fe1b-4ecb-be08-a2fabca99b71
ssh guest lszcrypt
