# Completion by adapter interruption vs by polling (docs/ap-instructions.md §8): the AP bus
# enables interruptions with AQIC when facility 65 is there (host ISC 6; a guest's through
# its GISA) and polls every 250 µs otherwise.  Same adapter, same requests: the host
# (interrupts), guest1 (-cpu host: interrupts through KVM and the GISA) and guest2
# (-cpu host,apqi=off: polling).  Default LPAR.
cat /sys/bus/ap/ap_interrupts
cat /sys/bus/ap/devices/06.0047/interrupt
apbench --apqn 06.0047 --op mex-1024 --requests 20 --inflight 1
modprobe vfio_ap
echo -4,-0xab > /sys/bus/ap/aqmask
U1=$(uuidgen)
U2=$(uuidgen)
echo $U1 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo $U2 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 6 > /sys/devices/vfio_ap/matrix/$U1/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$U1/assign_domain
echo 6 > /sys/devices/vfio_ap/matrix/$U2/assign_adapter
echo 0xab > /sys/devices/vfio_ap/matrix/$U2/assign_domain
qemu-system-s390x -name guest1 -cpu host -m 1G -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$U1
qemu-system-s390x -name guest2 -cpu host,apqi=off -m 1G -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$U2
ssh guest1 cat /sys/bus/ap/ap_interrupts /sys/bus/ap/devices/06.0004/interrupt
ssh guest2 cat /sys/bus/ap/ap_interrupts /sys/bus/ap/devices/06.00ab/interrupt
ssh guest1 apbench --apqn 06.0004 --op mex-1024 --requests 20 --inflight 1
ssh guest2 apbench --apqn 06.00ab --op mex-1024 --requests 20 --inflight 1
# Without facility 65 AQIC itself is a specification exception.
ssh guest2 apinsn pqap --gr0 0x030006ab --gr1 0x0000800000000003 --gr2 buf
# With interruptions enabled by the instruction, the NIB is set when the reply lands.
ssh guest1 apinsn pqap --gr0 0x0604
