# A guest whose memory cannot hold its matrix's AP queues runs out of memory at boot and
# panics, as Linux does when a GFP_KERNEL allocation finds nothing to reclaim and no process
# to kill (mm/oom_kill.c out_of_memory: "Out of memory and no killable processes...", then
# panic "System is deadlocked on memory"); QEMU's default panic action is shutdown, so QEMU
# exits 0 and the guest is gone.  The host and the other guests go on (issue 15: this ended
# the whole simulation with an internal error).  g1: 15 adapters x 256 domains = 3840 queues
# at -m 64M (QEMU's least; 63 MiB for the kernel's pages, 24 KiB per queue in apsim: room
# for about 2,600); g2: one queue.  Then g1 again, on the same mdev (the panicked QEMU let it
# go) with 100 domains, which fit; the host assigns the other 156 while it runs, and the
# guest's AP bus runs out of memory at its next periodic rescan (AP_CONFIG_TIME, 30 s): g1
# is gone, g2 goes on.
# apsim: --lpar guest-oom.json
modprobe vfio_ap
echo 0x0 > /sys/bus/ap/apmask
echo 0x0 > /sys/bus/ap/aqmask
U1=$(uuidgen)
echo $U1 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
i=0
while [ $i -lt 15 ]; do echo $i > /sys/devices/vfio_ap/matrix/$U1/assign_adapter; i=$((i + 1)); done
i=0
while [ $i -lt 256 ]; do echo $i > /sys/devices/vfio_ap/matrix/$U1/assign_domain; i=$((i + 1)); done
U2=$(uuidgen)
echo $U2 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 0xf > /sys/devices/vfio_ap/matrix/$U2/assign_adapter
echo 0 > /sys/devices/vfio_ap/matrix/$U2/assign_domain
qemu-system-s390x -name g2 -cpu host -m 64M -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$U2
qemu-system-s390x -name g1 -cpu host -m 64M -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$U1
echo $?
ssh g1 true
ssh g2 lszcrypt
ssh g2 apbench --apqn 0f.0000 --requests 3 | grep completed
lszcrypt | wc -l
i=100
while [ $i -lt 256 ]; do echo $i > /sys/devices/vfio_ap/matrix/$U1/unassign_domain; i=$((i + 1)); done
qemu-system-s390x -name g1 -cpu host -m 64M -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$U1
ssh g1 lszcrypt | wc -l
i=100
while [ $i -lt 256 ]; do echo $i > /sys/devices/vfio_ap/matrix/$U1/assign_domain; i=$((i + 1)); done
sleep 31
ssh g1 true
ssh g2 apbench --apqn 0f.0000 --requests 3 | grep completed
