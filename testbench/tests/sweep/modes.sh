# apsim: --lpar ../../sweeps/lpar-cex7a.json
# The same workloads in --mode cycle and --mode fast (check_modes.cmake compares the two
# transcripts): host closed and open loop, polling and interruptions, three guests sharing
# the adapter under SIE interpretation, and a guest on its own.
apbench --apqns 2 --op mex-2048 --requests 120 --inflight 6 --stages
apbench --apqns 4 --op crt-1024 --requests 150 --rate 30000 --mode polling --stages
apbench --apqn 06.0000 --op mex-1024 --requests 60 --inflight 3 --mode polling
modprobe vfio_ap
i=1
while [ $i -le 3 ]; do
  echo -$i > /sys/bus/ap/aqmask
  U=$(uuidgen)
  echo $U > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
  echo 0x06 > /sys/devices/vfio_ap/matrix/$U/assign_adapter
  echo $i > /sys/devices/vfio_ap/matrix/$U/assign_domain
  qemu-system-s390x -name guest$i -cpu host -m 128M -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$U
  i=$((i + 1))
done
apbench --guests guest1,guest2,guest3 --apqns 1 --op mex-2048 --requests 90 --inflight 4 --stages
apbench --guests guest1,guest2,guest3 --apqns 1 --op mex-2048 --requests 90 --inflight 4 --mode polling
ssh guest2 apbench --apqn 06.0002 --op crt-2048 --requests 40 --inflight 8
ssh guest3 lszcrypt -V
