# Seed 000 (IBM "Assigning cryptographic adapter resources to vfio_ap"): a KVM host on
# which eight AP queues have been freed from zcrypt; a matrix of two of them is assigned to
# a mediated device.
# apsim: --lpar seed000.json
modprobe vfio_ap
# The seed loads vfio_mdev as well; that module was folded into mdev.ko before 6.1
# (drivers/vfio/mdev/Makefile builds mdev.o only), so Linux 6.1 has none to load
# (docs/seed-errata.md).  vfio_ap pulls in what it needs.
modprobe vfio_mdev
# Free the queues of adapters 00 and 0a (all eight of them) from the default drivers.
echo -0,-0xa > /sys/bus/ap/apmask
# List the eligible AP queues: only queues controlled by vfio_ap are eligible.
# lszcrypt 2.25 shows a vfio_ap queue with the vfio_ap status attribute ("unassigned")
# and "-" where the seed's screenshot has "online 0 0" (docs/seed-errata.md).
lszcrypt -V | grep vfio
uuidgen
echo 4b0518fd-9237-493f-93c8-c5597f8006a3 \
  > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 0x00 > /sys/devices/vfio_ap/matrix/4b0518fd-9237-493f-93c8-c5597f8006a3/assign_adapter
echo 0x0a > /sys/devices/vfio_ap/matrix/4b0518fd-9237-493f-93c8-c5597f8006a3/assign_adapter
cat /sys/devices/vfio_ap/matrix/4b0518fd-9237-493f-93c8-c5597f8006a3/matrix
echo 0x001b > /sys/devices/vfio_ap/matrix/4b0518fd-9237-493f-93c8-c5597f8006a3/assign_domain
cat /sys/devices/vfio_ap/matrix/4b0518fd-9237-493f-93c8-c5597f8006a3/matrix
cat /sys/devices/vfio_ap/matrix/4b0518fd-9237-493f-93c8-c5597f8006a3/control_domains
echo 0x001b > /sys/devices/vfio_ap/matrix/4b0518fd-9237-493f-93c8-c5597f8006a3/assign_control_domain
cat /sys/devices/vfio_ap/matrix/4b0518fd-9237-493f-93c8-c5597f8006a3/control_domains
ls /sys/devices/vfio_ap/matrix/4b0518fd-9237-493f-93c8-c5597f8006a3
