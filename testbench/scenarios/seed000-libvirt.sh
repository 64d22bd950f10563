# Seed 000 (IBM, "Assigning cryptographic adapter resources to vfio_ap"): "For information
# about creating a persistent or transient mediated device with libvirt, see KVM Virtual
# Server Management".  The seed's mediated device (4b0518fd-..., adapters 0x00 and 0x0a,
# usage and control domain 0x001b) made persistent the libvirt way: a node device XML with
# parent ap_matrix and the seed's assignments as <attr>s, nodedev-define (libvirt runs
# `mdevctl define`), nodedev-start (`mdevctl start`); then a domain that uses it, and a
# reboot, after which both definitions are still there and the mdev starts again on request.
# apsim: --lpar seed000.json
# Sources: libvirt 9.0.0 node_device_driver.c, virsh-nodedev.c; driver/userspace/virsh.cpp.
modprobe vfio_ap
echo -0,-0xa > /sys/bus/ap/apmask
virsh nodedev-list --cap ap_matrix
virsh nodedev-list --cap mdev --all
cat > mdev.xml <<'EOF2'
<device>
  <parent>ap_matrix</parent>
  <capability type='mdev'>
    <type id='vfio_ap-passthrough'/>
    <uuid>4b0518fd-9237-493f-93c8-c5597f8006a3</uuid>
    <attr name='assign_adapter' value='0x00'/>
    <attr name='assign_adapter' value='0x0a'/>
    <attr name='assign_domain' value='0x001b'/>
    <attr name='assign_control_domain' value='0x001b'/>
  </capability>
</device>
EOF2
virsh nodedev-define mdev.xml
# Defined, not started: libvirt lists it with --all (or --inactive) only.
virsh nodedev-list --cap mdev
virsh nodedev-list --cap mdev --inactive
virsh nodedev-dumpxml mdev_4b0518fd_9237_493f_93c8_c5597f8006a3_matrix
mdevctl list -d
cat /etc/mdevctl.d/matrix/4b0518fd-9237-493f-93c8-c5597f8006a3; echo
virsh nodedev-start mdev_4b0518fd_9237_493f_93c8_c5597f8006a3_matrix
virsh nodedev-list --cap mdev
virsh nodedev-dumpxml mdev_4b0518fd_9237_493f_93c8_c5597f8006a3_matrix
cat /sys/devices/vfio_ap/matrix/4b0518fd-9237-493f-93c8-c5597f8006a3/matrix
cat /sys/devices/vfio_ap/matrix/4b0518fd-9237-493f-93c8-c5597f8006a3/control_domains
virsh nodedev-start mdev_4b0518fd_9237_493f_93c8_c5597f8006a3_matrix
virsh nodedev-start mdev_nosuch
virsh nodedev-define mdev.xml
# A device XML libvirt refuses before mdevctl runs.
cat > bad-mdev.xml <<'EOF2'
<device>
  <parent>css_0_0_0023</parent>
  <capability type='mdev'>
    <type id='vfio_ap-passthrough'/>
  </capability>
</device>
EOF2
virsh nodedev-define bad-mdev.xml
# The domain that uses the mdev.
cat > guest1.xml <<'EOF2'
<domain type='kvm'>
  <name>guest1</name>
  <uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>
  <memory unit='KiB'>2097152</memory>
  <os>
    <type arch='s390x'>hvm</type>
  </os>
  <cpu mode='host-model'/>
  <devices>
    <hostdev mode='subsystem' type='mdev' model='vfio-ap'>
      <source>
        <address uuid='4b0518fd-9237-493f-93c8-c5597f8006a3'/>
      </source>
    </hostdev>
  </devices>
</domain>
EOF2
virsh define guest1.xml
virsh start guest1
virsh list --all
ssh guest1 lszcrypt
# After a reboot: the mdev is defined but not active (start "manual"), the domain shut off.
reboot
modprobe vfio_ap
echo -0,-0xa > /sys/bus/ap/apmask
virsh nodedev-list --cap mdev --all
virsh nodedev-list --cap mdev
virsh start guest1
virsh nodedev-start mdev_4b0518fd_9237_493f_93c8_c5597f8006a3_matrix
virsh start guest1
ssh guest1 lszcrypt
virsh list --all
