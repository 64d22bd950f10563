# apsim: --lpar apsim-params-unknown.json
# apsim's own kernel parameters with values it does not know: each is reported at boot and
# the default is used (KVM interprets); an apsim.* parameter apsim does not have is named
# and ignored (apsim.vfio_ap_profile is retired: the LPAR config's "linux" chooses the release).
dmesg | grep apsim:
qemu-system-s390x -name guest1 -cpu host
ssh guest1 apinsn pqap --gr0 0x04000000 --gr2 buf
