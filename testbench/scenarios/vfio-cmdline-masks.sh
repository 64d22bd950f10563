# The AP bus masks from the kernel command line (seed 001 step 2: "ap.apmask=0xffff
# ap.aqmask=0x40" gives the "default drivers pool: adapter 0-15, domain 1" and the
# "alternate drivers pool: adapter 16-255, domains 0, 2-255").  The LPAR's domains are 4,
# 0x47, 0xab and 0xff, none of them domain 1: every queue is vfio_ap's from boot on.
# apsim: --lpar vfio-cmdline-masks.json
dmesg | grep 'command line'
cat /sys/bus/ap/apmask /sys/bus/ap/aqmask
lszcrypt -V
ls /sys/bus/ap/drivers/cex4queue
modprobe vfio_ap
ls /sys/bus/ap/drivers/vfio_ap
cat /sys/bus/ap/bindings
