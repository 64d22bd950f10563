# An administrator's everyday commands around vfio_ap, on the default LPAR (adapters 05 CEX5C
# and 06 CEX5A, domains 4, 0x47, 0xab, 0xff), on the host and inside a guest: what the kernel
# is (uname, /proc/cpuinfo's AP facility bits 12, 15 and 65), its modules (lsmod, modinfo,
# kmod's refusals: a module in use cannot go), sysfs as ls -l shows it (attribute modes from
# RO/RW/WO, links), the kernel log as journalctl shows it, and the filters administrators
# pipe into (find, xargs, sort, awk, sed, tr, uniq).
# apsim-variant: linux73 --linux 7.3
uname -a
grep -o ' 12 \| 15 \| 65 ' /proc/cpuinfo | tr -d ' '
grep '^features' /proc/cpuinfo | tr ' ' '\n' | grep -x sie
lsmod
# kmod 30: zcrypt is held by zcrypt_cex4; the AP bus is built in.
rmmod zcrypt
modprobe -r zcrypt
modprobe -r ap
modinfo zcrypt_cex4 | grep -v '^alias'
modprobe vfio_ap
lsmod
ls -l /sys/bus/ap | head -6
ls -l /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough
ls -l /sys/bus/ap/devices | head -4
# Split the queues: domain 4 of adapter 06 goes to vfio_ap.
echo -4 > /sys/bus/ap/aqmask
find /sys/bus/ap/drivers/vfio_ap -maxdepth 1 -type l | sort
find /sys/devices/ap -name online | xargs cat | sort | uniq -c | awk '{print $1 " queues and cards with online=" $2}'
find /sys/devices/ap -mindepth 3 -name online | sed 's|.*/\(..\.....\)/online|\1|' | xargs echo zcrypt queues:
UUID=$(uuidgen)
echo $UUID > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
for a in assign_adapter assign_domain; do
  case $a in
    *adapter) v=6 ;;
    *domain) v=4 ;;
  esac
  echo $v > /sys/devices/vfio_ap/matrix/$UUID/$a
done
[[ $(cat /sys/devices/vfio_ap/matrix/$UUID/matrix) == 06.* ]] && echo "matrix ok"
qemu-system-s390x -name guest1 -cpu host -m 2G \
  -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$UUID
# The guest's QEMU holds vfio_ap, kvm and vfio: none of them can go.
lsmod | head -6
rmmod vfio_ap
modprobe -r vfio_ap
ssh guest1 uname -r
ssh guest1 lsmod
ssh guest1 'ls -l /sys/bus/ap/devices/; grep -c . /proc/cpuinfo | sed "s/^/cpuinfo lines: /"'
ssh guest1 'grep ^features /proc/cpuinfo | tr " " "\n" | grep -cx sie'
journalctl -k | grep -i 'vfio_ap\|mdev' | head -3
