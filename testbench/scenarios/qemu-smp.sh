# QEMU's -smp (hw/core/machine-smp.c machine_parse_smp_config, QEMU 7.2): the guest's vCPUs,
# 1..248 on s390x (S390_MAX_CPUS); more vCPUs than the LPAR's host CPUs is allowed (KVM
# overcommits).  Out of range, QEMU names the limit of the machine; an explicit 0 is refused
# (apsim's choice, as QEMU 9.0 does; 7.2 only warned, driver/qemu/machine_smp.cpp).
qemu-system-s390x -name g0 -smp 249 -m 1G
echo $?
qemu-system-s390x -name g0 -smp cpus=2,maxcpus=300 -m 1G
qemu-system-s390x -name g0 -smp 0 -m 1G
qemu-system-s390x -name g0 -smp two -m 1G
qemu-system-s390x -name g0 -smp 4,maxcpus=2 -m 1G
qemu-system-s390x -name g0 -smp 4,bogus=1 -m 1G
# Accepted: 8 vCPUs on the LPAR's 4 host CPUs, and the full 248.
qemu-system-s390x -name g8 -smp 8 -m 1G
qemu-system-s390x -name g248 -smp 248,sockets=248 -m 1G
ssh g8 hostname
