# Hot plug and unplug of a vfio_ap mdev with libvirt's device XML (default LPAR):
#  * seed 003's <hostdev> snippet, written to a file with a here-document, attached with
#    `virsh attach-device` to a guest that runs without AP devices; the guest's AP bus
#    rescans and `ssh ... lszcrypt` shows the queues;
#  * seed 001 "Limitations": the mdev cannot be removed (`echo 1 > remove`, EBUSY) while
#    the guest uses it; `virsh detach-device my-guest ~/config/my-guest-hostdev.xml` hot
#    unplugs it, and then the remove succeeds;
#  * virsh's errors: a second attach, a detach of what is not attached, an mdev that does
#    not exist, an unknown domain, a missing file, malformed XML, --config on a transient
#    domain;
#  * `lszcrypt -c` (capabilities) of the host's cards and of the card the guest gets.
lszcrypt -c 6
lszcrypt -c 0x10
modprobe vfio_ap
echo -5 > /sys/bus/ap/apmask
echo -4,-0xab > /sys/bus/ap/aqmask
UUID=669d9b23-fe1b-4ecb-be08-a2fabca99b71
echo $UUID > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
cd /sys/devices/vfio_ap/matrix/$UUID
echo 5 > assign_adapter
echo 4 > assign_domain
echo 0xab > assign_domain
cat matrix
cd
# A running guest with the AP facility but no vfio-ap device yet.
qemu-system-s390x -name my-guest -cpu host,ap=on,apqci=on,apft=on,apqi=on
ssh my-guest lszcrypt
# Seed 003's snippet; the here-document expands $UUID.
mkdir -p ~/config
cat > ~/config/my-guest-hostdev.xml <<EOF
<hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ap'>
  <source>
    <address uuid='$UUID'/>
  </source>
</hostdev>
EOF
virsh attach-device my-guest ~/config/my-guest-hostdev.xml --live
# A 6.1 host has no CFG_CHG eventfd: the guest finds the hot-plugged device at its AP bus's
# next configuration scan (AP_CONFIG_TIME, 30 s).
ssh my-guest lszcrypt
sleep 30
ssh my-guest lszcrypt
ssh my-guest lszcrypt | cut -d ' ' -f 1 | grep '\.0'
ssh my-guest lszcrypt -c 5
virsh list
# libvirt knows the mdev is in use.
virsh attach-device my-guest ~/config/my-guest-hostdev.xml
# Seed 001 "Limitations": hot unplug before removing the mdev (a remove of an mdev in use
# blocks in 6.1 until the guest releases it).  The guest sees the unplug at its next scan.
virsh detach-device my-guest ~/config/my-guest-hostdev.xml
ssh my-guest lszcrypt
sleep 30
ssh my-guest lszcrypt
virsh detach-device my-guest ~/config/my-guest-hostdev.xml
echo 1 > /sys/devices/vfio_ap/matrix/$UUID/remove
ls /sys/devices/vfio_ap/matrix/
virsh attach-device my-guest ~/config/my-guest-hostdev.xml
# Errors that change nothing.
virsh attach-device guest2 ~/config/my-guest-hostdev.xml
virsh attach-device my-guest ~/config/missing.xml
cat > ~/config/bad.xml <<'EOF'
<hostdev mode='subsystem' type='mdev' model='vfio-ap'>
  <source>
    <address uuid='$UUID'/>
</hostdev>
EOF
virsh attach-device my-guest ~/config/bad.xml
virsh attach-device my-guest ~/config/my-guest-hostdev.xml --config
virsh attach-device my-guest ~/config/my-guest-hostdev.xml --current --live
rm ~/config/bad.xml
ls ~/config
