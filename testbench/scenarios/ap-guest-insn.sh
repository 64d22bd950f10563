# AP instructions executed by a guest (docs/ap-instructions.md): interpreted under SIE against
# its CRYCB (TAPQ, NQAP, DQAP, RAPQ, ZAPQ, QCI), AQIC intercepted to KVM and vfio_ap, program
# interruptions delivered to the guest.  The default LPAR's adapters, with an AQIC that takes
# 5 ms to take effect (ap-guest-insn.json) so that the commands typed meanwhile see it run;
# guest1 gets 06.0004.
# apsim: --lpar ap-guest-insn.json
modprobe vfio_ap
echo -4 > /sys/bus/ap/aqmask
UUID=$(uuidgen)
echo $UUID > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 6 > /sys/devices/vfio_ap/matrix/$UUID/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$UUID/assign_domain
echo 4 > /sys/devices/vfio_ap/matrix/$UUID/assign_control_domain
qemu-system-s390x -name guest1 -cpu host -m 1G -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$UUID
qemu-system-s390x -name guest2 -cpu host,ap=off -m 1G
# TAPQ with T on its queue; an APQN outside its matrix is not available (RC 0x01).
ssh guest1 apinsn pqap --gr0 0x00800604
ssh guest1 apinsn pqap --gr0 0x00800504
# QCI: the guest's own configuration (APM 06, AQM/ADM 0004).
ssh guest1 apinsn pqap --gr0 0x04000000 --gr2 buf
ssh guest1 apinsn pqap --gr0 0x04000000 --gr2 buf+4
# AQIC through KVM: cc 3 with RC 0x06 for NIB 0 and -1, RC 0x07 for a redundant enable
# (the guest's AP bus enabled the queue at boot); disable, enable, TAPQ until irq_enabled.
ssh guest1 apinsn pqap --gr0 0x03000604 --gr1 0x0000800000000003 --gr2 0
ssh guest1 apinsn pqap --gr0 0x03000604 --gr1 0x0000800000000003 --gr2 0xffffffffffffffff
ssh guest1 apinsn pqap --gr0 0x03000604 --gr1 0x0000800000000003 --gr2 buf
ssh guest1 apinsn pqap --gr0 0x03000604 --gr1 0x0000000000000003
sleep 0.01
ssh guest1 apinsn pqap --gr0 0x03000604 --gr1 0x0000000000000003
ssh guest1 apinsn pqap --gr0 0x03000604 --gr1 0x0000800000000003 --gr2 buf
ssh guest1 apinsn pqap --gr0 0x03000604 --gr1 0x0000800000000003 --gr2 buf
ssh guest1 apinsn pqap --gr0 0x0604
sleep 0.01
ssh guest1 apinsn pqap --gr0 0x0604
# NQAP (a zeroed 4 KiB message: an 8-byte type-82 reply) and DQAP, the reply received in two
# parts: the first DQAP stops with 4 bytes in the buffer, GR2 = what is left, GR0 bit 32 off;
# continuing with that GR0 gets the rest; continuing again finds nothing (RC 0x13).
ssh guest1 apinsn nqap --gr0 0x40000604
sleep 0.001
ssh guest1 apinsn dqap --gr0 0x80000604 --len 4
ssh guest1 apinsn dqap --gr0 0x00000604
ssh guest1 apinsn dqap --gr0 0x00000604
ssh guest1 apinsn dqap --gr0 0x80000604
# Program interruptions: privileged operation, specification, addressing.
ssh guest1 apinsn pqap --gr0 0x0604 --problem-state
ssh guest1 apinsn nqap --gr0 0x40000604 --problem-state
ssh guest1 apinsn pqap --gr0 0x06000604
ssh guest1 apinsn pqap --gr0 0x00200604
ssh guest1 apinsn nqap --gr0 0x40000604 --r1 5
ssh guest1 apinsn nqap --gr0 0x40000604 --len 0
ssh guest1 apinsn nqap --gr0 0x40000604 --len 12289
ssh guest1 apinsn dqap --gr0 0x80000604 --len 0x80000000
# No AP facility in the CPU model: operation exception.
ssh guest2 apinsn pqap --gr0 0x0604
ssh guest2 lszcrypt
apinsn pqap --gr0 0x0604 --bogus
