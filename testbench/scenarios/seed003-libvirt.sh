# Seed 003 (Cornelia Huck, "Configuring mediated devices (Part 1)", 2020), its libvirt half,
# on the default LPAR: the article's mdev (669d9b23-..., queues 05.0004 and 05.00ab, set up
# with the sysfs paths the article meant, as seed003-vfio-ap.sh shows), then "For libvirt,
# use the following XML snippet in the <devices> section" — the snippet exactly as the
# article prints it, in a domain definition that virsh defines, starts, lists and stops;
# attach-device/detach-device with --config and --live; and libvirt's refusals.
# Sources: libvirt 9.0.0 (Debian bookworm), driver/userspace/virsh.cpp.
modprobe vfio_ap
echo -5 > /sys/bus/ap/apmask
echo -4,-0xab > /sys/bus/ap/aqmask
echo "669d9b23-fe1b-4ecb-be08-a2fabca99b71" > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
cd /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/devices/669d9b23-fe1b-4ecb-be08-a2fabca99b71
echo 5 > assign_adapter
echo 4 > assign_domain
echo 0xab > assign_domain
cat matrix
cd
# A domain whose <devices> section holds the article's snippet.  Without <cpu>, QEMU runs
# its default model under KVM ("host"), which has the AP feature.
mkdir -p ~/vm
cat > ~/vm/guest.xml <<'EOF2'
<domain type='kvm'>
  <name>guest</name>
  <memory unit='MiB'>1024</memory>
  <vcpu>2</vcpu>
  <os>
    <type arch='s390x' machine='s390-ccw-virtio'>hvm</type>
  </os>
  <devices>
<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ap'>
  <source>
    <address uuid='669d9b23-fe1b-4ecb-be08-a2fabca99b71'/>
  </source>
</hostdev>
  </devices>
</domain>
EOF2
virsh define ~/vm/guest.xml
virsh list --all
virsh domstate guest --reason
ls /etc/libvirt/qemu
virsh dumpxml guest
virsh start guest
virsh list
virsh domstate guest --reason
# The live definition: libvirt named the device hostdev0 (the QEMU id of -device vfio-ap).
virsh dumpxml guest | grep alias
cat /sys/devices/vfio_ap/matrix/669d9b23-fe1b-4ecb-be08-a2fabca99b71/guest_matrix
ssh guest lszcrypt
# virsh's and libvirt's refusals.
virsh start guest
virsh start nosuch
virsh define ~/vm/guest.xml
# A second domain with the same mdev: libvirt knows the mdev is in use (virhostdev.c).
cat > ~/vm/guest2.xml <<'EOF2'
<domain type='kvm'>
  <name>guest2</name>
  <memory unit='GiB'>1</memory>
  <os>
    <type>hvm</type>
  </os>
  <devices>
    <hostdev mode='subsystem' type='mdev' model='vfio-ap'>
      <source>
        <address uuid='669D9B23-FE1B-4ECB-BE08-A2FABCA99B71'/>
      </source>
    </hostdev>
  </devices>
</domain>
EOF2
virsh define ~/vm/guest2.xml
virsh start guest2
virsh undefine guest2
# The device alone, as attach-device and detach-device take it.
virsh detach-device guest ~/vm/hostdev.xml --live
cat > ~/vm/hostdev.xml <<'EOF2'
<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ap'>
  <source>
    <address uuid='669d9b23-fe1b-4ecb-be08-a2fabca99b71'/>
  </source>
</hostdev>
EOF2
# A guest started from a QEMU command line is a transient domain.
qemu-system-s390x -name g1 -cpu host
virsh list --all
virsh undefine g1
virsh attach-device g1 ~/vm/hostdev.xml --config
virsh destroy g1
# Definitions libvirt refuses.
cat > ~/vm/bad.xml <<'EOF2'
<domain type='kvm'>
  <name>bad</name>
  <os>
    <type>hvm</type>
  </os>
</domain>
EOF2
virsh define ~/vm/bad.xml
cat > ~/vm/bad.xml <<'EOF2'
<domain>
  <name>bad</name>
  <memory>1048576
</domain>
EOF2
virsh define ~/vm/bad.xml
# Hot unplug, live only: the persistent definition keeps the device.
virsh detach-device guest ~/vm/hostdev.xml --live
virsh dumpxml guest | grep -c '<hostdev'
virsh dumpxml guest --inactive | grep -c '<hostdev'
virsh attach-device guest ~/vm/hostdev.xml --live
# --config of a running domain: the next boot's definition only.
virsh detach-device guest ~/vm/hostdev.xml --config
virsh dumpxml guest --inactive | grep -c '<hostdev'
virsh dumpxml guest | grep -c '<hostdev'
virsh attach-device guest ~/vm/hostdev.xml --config
virsh attach-device guest ~/vm/hostdev.xml --config
virsh shutdown guest
virsh list --all
virsh domstate guest --reason
virsh shutdown guest
virsh destroy guest
# A shut-off domain: attach-device without options is a live attach.
virsh detach-device guest ~/vm/hostdev.xml
virsh detach-device guest ~/vm/hostdev.xml --current
virsh attach-device guest ~/vm/hostdev.xml --current
virsh start guest
virsh destroy guest
virsh domstate guest --reason
# The definitions are on the host's disk: they survive a reboot; the mdev does not.
reboot
virsh list --all
virsh domstate guest --reason
virsh start guest
virsh undefine guest
virsh list --all
ls /etc/libvirt/qemu
