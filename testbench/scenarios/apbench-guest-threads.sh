# apbench --threads in a guest (docs/cpu-complex.md "Guest vCPUs"): the guest's threads run on
# its -smp vCPUs, each vCPU a logical thread on the LPAR's host CPUs.  Default LPAR.
modprobe vfio_ap
echo -4 > /sys/bus/ap/aqmask
UUID=$(uuidgen)
echo $UUID > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 6 > /sys/devices/vfio_ap/matrix/$UUID/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$UUID/assign_domain
qemu-system-s390x -name guest1 -cpu host -m 2G -smp 2 \
  -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$UUID,id=hostdev0
# One request on an idle system: user->kernel as on the host (apbench runs on vCPU 0, in SIE:
# 0.1 + 2 + 0.5 us).  The reply's interruption finds vCPU 0 in enabled wait: the GIB alert
# (a host interruption, 1 us), KVM's wakeup of the vCPU (2 us) and its SIE re-entry (1 us),
# then the guest's interruption entry, poll work, wakeup and system call exit (0.5 + 1 + 2 +
# 0.1 us) -- wakeup->user 7.6 us.  The CPUs' busy shares: guest time for the guest's steps,
# kernel for KVM's, interruption for the GIB alert.
ssh guest1 apbench --apqn 06.0004 --op mex-1024 --threads 1 --requests 1 --stages
# Four threads on the two vCPUs (threads 0 and 2 on vCPU 0, 1 and 3 on vCPU 1): vCPU 1 is woken
# for thread 1, threads 2 and 3 wait for their vCPU.  With the poll timer the way back has no
# interruption, but a vCPU in enabled wait is woken all the same.
ssh guest1 apbench --apqn 06.0004 --op mex-1024 --threads 4 --requests 40 --stages
ssh guest1 apbench --apqn 06.0004 --op mex-1024 --threads 4 --requests 40 --stages --mode polling
# From the host with --guests: T threads in each guest, on its vCPUs; the host sleeps until a
# GIB alert and runs the guests' AP bus tasklets, as for the --inflight window.
apbench --apqn 06.0004 --op mex-1024 --guests guest1 --threads 2 --requests 20 --stages
# --threads is a closed loop: not with --rate.
ssh guest1 apbench --apqn 06.0004 --threads 2 --rate 100
