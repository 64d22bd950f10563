# Bytes that are not UTF-8 reaching mdevctl (issue 15): a byte 0xC0 in `mdevctl define -t`
# ended the whole simulation with "apsim: internal error: [json.exception.type_error.316]
# invalid UTF-8 byte", exit 70.  mdevctl is Rust: clap refuses an argument that is not UTF-8
# before anything runs (exit 2), std::fs::read_to_string refuses a file that is not UTF-8
# ("stream did not contain valid UTF-8"), and a parent directory under /etc/mdevctl.d whose
# name is not UTF-8 panics in `to_str().unwrap()` (exit 101, the location of that unwrap in
# each release).  Sources: mdevctl 1.2.0 src/main.rs, 1.4.0 src/environment.rs; clap 4.
# apsim-variant: tools243 --s390-tools 2.43
modprobe vfio_ap
U=11111111-2222-3333-4444-555555555555
mdevctl define -u $U -p matrix -t $'vfio_ap\xc0'
mdevctl define -u $U -p $'matrix\xc0' -t vfio_ap-passthrough
mdevctl modify -u $U --addattr=assign_adapter --value=$'\xc0'
printf '{"mdev_type":"vfio_ap-passthrough","start":"manual","attrs":[{"assign_adapter":"\xc0"}]}' > /root/bad.json
mdevctl define -u $U -p matrix --jsonfile /root/bad.json
mdevctl define -u $U -p matrix -t vfio_ap-passthrough
printf '{"mdev_type":"vfio_ap-passthrough","start":"manual\xc0"}' > /etc/mdevctl.d/matrix/$U
mdevctl list -d
rm /etc/mdevctl.d/matrix/$U
mkdir /etc/mdevctl.d/$'\xc0'
mdevctl list -d --dumpjson
echo "status $?"
