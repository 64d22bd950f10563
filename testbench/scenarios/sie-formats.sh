# CRYCB formats and APIE as QEMU's CPU model chooses them (ap-facility-spec.md §3.1, §3.3;
# driver/linux/kvm-s390.h, driver/qemu/qemu.h).  Default LPAR: the host has APXA.
#   -cpu host            msa3 on, ap on   -> CRYCB format 2 (APIDs/domains 0..255), APIE on
#   -cpu host,msa3=off   no facility 76   -> CRYCB format 0 (APIDs 0..63, domains 0..15)
#   -cpu z10EC,ap=on,..  model without msa3 (QEMU: MSA3 from z196 on) -> format 0
#   -cpu host,ap=off     QEMU never sets KVM_S390_VM_CRYPTO_ENABLE_APIE: APIE off, every AP
#                        instruction intercepts and ends in an operation exception
# (tests: testbench/tests/sie/ check the formats KVM writes; sie-format1.sh: format 1.)
modprobe vfio_ap
echo -4,-0x47,-0xab > /sys/bus/ap/aqmask
T=/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough
U1=11111111-1111-4111-8111-111111111111
U2=22222222-2222-4222-8222-222222222222
echo $U1 > $T/create
echo $U2 > $T/create
M1=/sys/devices/vfio_ap/matrix/$U1
M2=/sys/devices/vfio_ap/matrix/$U2
echo 6 > $M1/assign_adapter
echo 4 > $M1/assign_domain
echo 0xab > $M1/assign_domain
echo 5 > $M2/assign_adapter
echo 4 > $M2/assign_domain
echo 0xab > $M2/assign_domain
# Format 2: the whole matrix.
qemu-system-s390x -name fmt2 -cpu host -device vfio-ap,sysfsdev=$M1
ssh fmt2 lszcrypt
ssh fmt2 cat /sys/bus/ap/ap_max_adapter_id
ssh fmt2 cat /sys/bus/ap/ap_max_domain_id
# Format 0: KVM's APCB0 holds domains 0..15 only, so 05.00ab does not exist for the guest
# although its mdev has it.
qemu-system-s390x -name fmt0 -cpu host,msa3=off -device vfio-ap,sysfsdev=$M2
ssh fmt0 lszcrypt
ssh fmt0 cat /sys/bus/ap/ap_max_domain_id
ssh fmt0 apbench --apqn 05.0004 --op mex-1024 --requests 2
virsh destroy fmt0
qemu-system-s390x -name fmt0 -cpu z10EC,ap=on,apqci=on,apft=on,apqi=on -device vfio-ap,sysfsdev=$M2
ssh fmt0 lszcrypt
qemu-system-s390x -name x -cpu z99
# APIE off: the guest's AP instructions all intercept; there is no AP bus device for QEMU.
qemu-system-s390x -name noapie -cpu host,ap=off
ssh noapie lszcrypt
# A guest running while its matrix changes: KVM rewrites the CRYCB with the vCPU blocked
# (kvm_arch_crypto_set_masks) at once; a 6.1 guest's AP bus finds the change at its next
# configuration scan (30 s), so it sees the new domain only after that.
echo 0x47 > $M1/assign_domain
ssh fmt2 lszcrypt
sleep 30
ssh fmt2 lszcrypt
ssh fmt2 apbench --apqn 06.0047 --op mex-1024 --requests 2
echo 0xab > $M1/unassign_domain
ssh fmt2 lszcrypt
# Taking a domain away works the same way round: 06.00ab stays listed until the next scan.
sleep 30
ssh fmt2 lszcrypt
