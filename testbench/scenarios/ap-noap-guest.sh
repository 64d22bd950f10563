# A guest without the AP facility on an LPAR that has it (default LPAR): QEMU's
# `-cpu host,ap=off`.  Its AP instructions are operation exceptions (no APIE: KVM hands
# them to QEMU, which has no handler), and the guest kernel's ap_module_init returns
# -ENODEV as on an LPAR without AP (ap-noap.sh): no AP bus in the guest, no zcrypt driver;
# QEMU has no AP bus for a vfio-ap device.  The host is untouched.
modprobe vfio_ap
echo -5 > /sys/bus/ap/apmask
U1=11111111-1111-4111-8111-111111111111
echo $U1 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 5 > /sys/devices/vfio_ap/matrix/$U1/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$U1/assign_domain
qemu-system-s390x -name g1 -cpu host,ap=off -m 512M
ssh g1 apinsn pqap --gr0 0x0504
ssh g1 ls /sys/bus/ap
ssh g1 ls /sys/devices/ap
ssh g1 lszcrypt
ssh g1 lszcrypt -b
ssh g1 modprobe zcrypt
ssh g1 modprobe zcrypt_cex4
ssh g1 modprobe vfio_ap
ssh g1 apbench --apqns 1
cat > /tmp/hostdev.xml <<EOF
<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ap'>
  <source>
    <address uuid='$U1'/>
  </source>
</hostdev>
EOF
virsh attach-device g1 /tmp/hostdev.xml --live
cat /sys/devices/vfio_ap/matrix/$U1/matrix
# The AP bus configuration timers fire on the host; the guest has no bus to rescan.
sleep 31
ssh g1 dmesg
# A reboot of the guest boots the same kernel on the same CPU model.
ssh g1 reboot
ssh g1 lszcrypt
ssh g1 dmesg
# The host and its AP bus are unchanged.
lszcrypt
cat /sys/bus/ap/bindings
virsh destroy g1
dmesg
