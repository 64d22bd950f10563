# The SIE path of one guest NQAP, for the waves (docs/sie-and-apcb.md, waves/sie-path-nqap.gtkw):
#   build/apsim run testbench/scenarios/sie-path.sh --vcd waves/sie-path.vcd
#   gtkwave waves/sie-path.vcd waves/sie-path-nqap.gtkw
# Default LPAR (adapters 05 CEX5C and 06 CEX5A, APXA): guest1 (-cpu host: ap and msa3 on)
# gets CRYCB format 2 with APIE on.  Its AP bus finds 06.0004; `apbench --requests 1`
# sends one type-50 request: NQAP -> SIE (guest in SIE: no entry cost) -> the Verilated
# APCB check (2 cycles: sie.apcb_check.req_valid, s1_valid, rsp_valid/allow) -> AP fabric ->
# card06 enqueue (card06.occupancy 0 -> 1) -> reply -> DQAP.
modprobe vfio_ap
echo -4 > /sys/bus/ap/aqmask
UUID=$(uuidgen)
echo $UUID > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 6 > /sys/devices/vfio_ap/matrix/$UUID/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$UUID/assign_domain
echo 4 > /sys/devices/vfio_ap/matrix/$UUID/assign_control_domain
cat /sys/devices/vfio_ap/matrix/$UUID/guest_matrix
qemu-system-s390x -name guest1 -cpu host -m 1G \
  -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$UUID
ssh guest1 lszcrypt -d
# An APQN outside the guest's APM x AQM does not exist for it: its QCI shows only its own
# matrix (and a TAPQ to it would end with RC 0x01 in SIE, without an AP fabric cycle).
ssh guest1 apbench --apqn 05.0004 --requests 1
# The NQAP of the waves: the last guest NQAP of the run.
ssh guest1 apbench --apqn 06.0004 --op mex-1024 --requests 1 --inflight 1
