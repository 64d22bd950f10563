# apsim: --lpar kvm-ap-intercept.json
# What-if (not Linux): KVM without the AP interpretation facility.  With apsim.kvm_ap=intercept
# KVM leaves ECA.APIE off for a guest with `ap` and emulates every AP instruction (docs/
# sie-and-apcb.md): each one exits SIE, is checked against the guest's matrix and re-issued
# on the host.  The guest sees the same queues and results; only the time differs.
dmesg | grep what-if
modprobe vfio_ap
echo -6 > /sys/bus/ap/apmask
echo -4 > /sys/bus/ap/aqmask
UUID=$(uuidgen)
echo $UUID > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 6 > /sys/devices/vfio_ap/matrix/$UUID/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$UUID/assign_domain
qemu-system-s390x -name guest1 -cpu host -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$UUID
ssh guest1 lszcrypt -V
# QCI shows the guest's own masks; outside the matrix: RC 0x01; beyond guest memory: addressing.
ssh guest1 lszcrypt -d
ssh guest1 apinsn pqap --gr0 0x0504
ssh guest1 apinsn nqap --gr0 0x40000604 --gr1 0 --len 64
ssh guest1 apinsn dqap --gr0 0x80000604 --len 4096
ssh guest1 apinsn pqap --gr0 0x04000000 --gr2 0xfffffff8
# Exceptions come in the machine's order: a length beyond any message is a specification
# exception before the operand's addressing exception, as when interpreted.
ssh guest1 apinsn nqap --gr0 0x40000604 --len 0xffffffff
ssh guest1 apinsn dqap --gr0 0x80000604 --len 0x80000000
# The same workload as an interpreted guest runs (guest-workload.sh): every NQAP and DQAP
# now pays an SIE exit, KVM's emulation and the re-entry.
ssh guest1 apbench --apqn 06.0004 --op mex-2048 --requests 200 --inflight 4
ssh guest1 apbench --apqn 06.0004 --op mex-2048 --requests 200 --inflight 4 --mode polling
