# apsim: --lpar apsim-params-unknown.json
# apsim's own kernel parameters with values it does not know: each is reported at boot and
# the default is used (KVM interprets; the seed vfio_ap profile).
dmesg | grep apsim:
qemu-system-s390x -name guest1 -cpu host
ssh guest1 apinsn pqap --gr0 0x04000000 --gr2 buf
