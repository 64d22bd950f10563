# /sys/bus/ap: apmask and aqmask in both write forms (seed 001 step 2), the queues moving
# between cex4queue and vfio_ap after each change, the refusals (EINVAL for bad syntax,
# EBUSY with vfio_ap's "Can not reserve queue" line, for the first mdev holding one -- the
# newest first -- when a change would take an APQN from an mdev) with the masks read back
# after each, and the read-only bus attributes.  Default LPAR, Linux 6.1 (no bus `features`:
# linux73-vfio.sh shows it).
modprobe vfio_ap
cd /sys/bus/ap
cat apmask aqmask
# Read-only attributes: their values, and EACCES for a write.
cat ap_max_adapter_id ap_max_domain_id ap_adapter_mask ap_usage_domain_mask ap_control_domain_mask
cat bindings
for a in ap_max_adapter_id ap_max_domain_id ap_adapter_mask ap_usage_domain_mask ap_control_domain_mask bindings; do echo 1 > $a; done
# Relative form: +N/-N/+A-B, comma separated, numbers in any base.
echo -5,-6 > apmask
echo -4,-0x47,-0xab,-0xff > aqmask
cat apmask aqmask
ls drivers/cex4queue drivers/vfio_ap
cat bindings
# Absolute form (seed 001's values): the same masks.
echo 0xf9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff > apmask
echo 0xf7fffffffffffffffeffffffffffffffffffffffffeffffffffffffffffffffe > aqmask
cat apmask aqmask
# A short absolute string is padded with zeros on the right: 0x41 is adapters 1 and 7.
echo 0x41 > apmask
cat apmask
ls drivers/cex4queue
echo +0-255 > apmask
cat apmask
# Malformed: EINVAL, the mask stays.  (seed 003's "-4, -0xab" among them: no blank may
# follow the comma.)
echo 0x1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff > apmask
echo +256 > apmask
echo -4, -0xab > aqmask
echo +4-2 > aqmask
echo 0xfg > aqmask
echo +x > aqmask
cat apmask aqmask
# Every APQN of adapters 05 and 06 goes to vfio_ap; two mdevs take 05.0004 and 06.0004.
echo +0-255 > aqmask
echo -5,-6 > apmask
U1=62177883-f1bb-47f0-914d-32a22e3a8804
U2=cef03c3c-903d-4ecc-9a83-40694cb8aee4
echo $U1 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo $U2 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 5 > /sys/devices/vfio_ap/matrix/$U1/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$U1/assign_domain
echo 6 > /sys/devices/vfio_ap/matrix/$U2/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$U2/assign_domain
# Giving the adapters back to the host would take those APQNs from the mdevs: EBUSY, one
# log line per APQN and mdev (seed 001's example), and nothing changes.
echo +5,+6 > apmask
echo 0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff > apmask
cat apmask aqmask
dmesg | grep vfio_ap_mdev
ls drivers/vfio_ap
# Once domain 4 is out of aqmask the adapters can go back: only 05.0004 and 06.0004 stay
# with vfio_ap, the other queues return to cex4queue.
echo -4 > aqmask
echo +5,+6 > apmask
cat apmask aqmask
ls drivers/vfio_ap drivers/cex4queue
lszcrypt -V
