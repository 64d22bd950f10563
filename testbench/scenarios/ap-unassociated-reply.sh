# A reply the AP bus did not ask for (its PSMID names no pending request: here a request
# apinsn enqueued behind the driver's back) is dropped, and the bus keeps reading the queue
# (ap_sm_recv keeps queue_count at 1 while the status says the queue is not empty).
# With every software cost at zero (zero-costs.json) the transcript is the one of before the
# CPU complex (docs/cpu-complex.md).
# apsim-variant: zero-costs --lpar zero-costs.json
# apbench starts after its fork+exec (0.5 ms, arch/software_cost.h), when the adapter has
# served apinsn's request: both of its requests find the engine free (146.8 us each); with
# zero costs the first queues behind apinsn's and the median is 152.1 us.
apinsn nqap --gr0 0x40000504 --len 64
apbench --apqn 05.0004 --op rng --requests 2 --inflight 1
cat /sys/bus/ap/devices/05.0004/request_count
apinsn pqap --gr0 0x0504
