# apsim: --lpar sie-format1.json
# CRYCB format 1: an LPAR without APXA (ids 0..63 / 0..15), a guest whose CPU model has
# MSAX3 (facility 76): kvm_s390_set_crycb_format picks format 1 (APCB0, like format 0).
# With msa3=off the same guest gets format 0.  Either way the guest's QCI shows no APXA and
# domain ids up to 15.
modprobe vfio_ap
echo -4,-7 > /sys/bus/ap/aqmask
T=/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough
U=33333333-3333-4333-8333-333333333333
echo $U > $T/create
M=/sys/devices/vfio_ap/matrix/$U
echo 6 > $M/assign_adapter
echo 7 > $M/assign_domain
echo 7 > $M/assign_control_domain
qemu-system-s390x -name fmt1 -cpu host -device vfio-ap,sysfsdev=$M
ssh fmt1 lszcrypt -d
ssh fmt1 cat /sys/bus/ap/ap_max_adapter_id /sys/bus/ap/ap_max_domain_id
ssh fmt1 apbench --apqn 06.0007 --op mex-1024 --requests 2
virsh destroy fmt1
qemu-system-s390x -name fmt0 -cpu host,msa3=off -device vfio-ap,sysfsdev=$M
ssh fmt0 lszcrypt
