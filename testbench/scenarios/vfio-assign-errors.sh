# vfio_ap assignment rules, each refusal with its errno (seed 001 "In order to
# successfully assign an adapter/domain/control domain"; spec §4.2-4.4), and the matrix
# read back after each one: a refused write changes nothing.  Default LPAR: adapters 05
# and 06, domains 4, 0x47, 0xab, 0xff; ap_max_adapter_id and ap_max_domain_id are 255.
modprobe vfio_ap
# Adapter 05 and domains 4, 0x47 leave the default drivers: every APQN of adapter 05 or of
# domain 4 or 0x47 is free for vfio_ap; 06.00ab and 06.00ff stay reserved.
echo -5 > /sys/bus/ap/apmask
echo -4,-0x47 > /sys/bus/ap/aqmask
cat /sys/bus/ap/ap_max_adapter_id /sys/bus/ap/ap_max_domain_id
A=11111111-2222-4333-8444-555555555555
B=aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee
echo $A > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo $B > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
cd /sys/devices/vfio_ap/matrix/$A
# Ids are parsed by kstrtoul(buf, 0): decimal, 0x hex, leading-0 octal (020 = 16).
echo 5 > assign_adapter
echo 0x4 > assign_domain
echo 010 > assign_control_domain
cat matrix control_domains
# Malformed ids: EINVAL.
echo abc > assign_adapter
echo 5x > assign_adapter
echo -1 > assign_domain
echo 0x > assign_domain
echo " 4" > assign_domain
echo 08 > assign_control_domain
echo > assign_adapter
# Too large for an unsigned long: ERANGE.
echo 99999999999999999999 > assign_adapter
# Above ap_max_adapter_id / ap_max_domain_id: ENODEV (also for unassign).
echo 256 > assign_adapter
echo 0x100 > assign_domain
echo 256 > assign_control_domain
echo 256 > unassign_adapter
cat matrix control_domains
# 05.00ab is free (adapter 05 is); adding adapter 06 would make 06.00ab, reserved for the
# default drivers by apmask x aqmask: EADDRNOTAVAIL.
echo 0xab > assign_domain
echo 6 > assign_adapter
cat matrix
# B: adapter 05 and domain 0x47 are fine; domain 4 would give B 05.0004, which A has:
# EBUSY, and the log names the queue and the mdev that holds it.
cd /sys/devices/vfio_ap/matrix/$B
echo 5 > assign_adapter
echo 0x47 > assign_domain
echo 4 > assign_domain
cat matrix
dmesg | grep vfio_ap_mdev
# Control domains are not checked for sharing or reservation.
echo 010 > assign_control_domain
echo 0xab > assign_control_domain
cat control_domains
# Assigning what is assigned, or unassigning what is not, succeeds and changes nothing.
echo 5 > assign_adapter
echo 0x10 > unassign_domain
cat matrix
# Once A lets domain 4 go, B may have it.
echo 4 > /sys/devices/vfio_ap/matrix/$A/unassign_domain
echo 4 > assign_domain
cat matrix /sys/devices/vfio_ap/matrix/$A/matrix
# Write-only attributes cannot be read, read-only ones not written: EACCES at open.
cat assign_adapter
echo 5 > matrix
echo 5 > guest_matrix
echo 5 > control_domains
# An mdev that does not exist.
echo 5 > /sys/devices/vfio_ap/matrix/00000000-0000-4000-8000-000000000000/assign_adapter
cat matrix
