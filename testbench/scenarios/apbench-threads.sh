# apbench --threads (docs/cpu-complex.md): synchronous requests as libica issues them, one per
# thread, each blocked in the kernel until its reply, the software's steps on the LPAR's host
# CPUs.  One request on an idle system: user->kernel is the system call's entry, zcrypt's
# ioctl and ap_queue_message() (0.1 + 2 + 0.5 us), wakeup->user the interruption's entry, the
# tasklet's poll work, the wakeup and the system call's exit (0.5 + 1 + 2 + 0.1 us); the
# stages add up to the latency.  Default LPAR.
apbench --apqn 06.0047 --op mex-1024 --threads 1 --requests 1 --stages
# Four threads on one engine: they queue at the adapter; with the poll timer the way back has
# no interruption entry.
apbench --apqn 06.0047 --op mex-1024 --threads 4 --requests 40 --stages
apbench --apqn 06.0047 --op mex-1024 --threads 4 --requests 40 --stages --mode polling
# --threads is the closed loop of this instance: not with --inflight, --rate or --guests.
apbench --apqn 06.0047 --threads 2 --inflight 2
apbench --apqn 06.0047 --threads 2 --rate 100
apbench --apqn 06.0047 --threads 0
