# PQAP(QACT) and RC 0x42 (docs/ap-instructions.md §4, §5).  A device type beyond CEX8 is
# used by the AP bus as the type QACT maps it to; NQAP to a domain above an adapter's Nd is
# refused with RC 0x42, with which Linux fails the request; it notes the RC in its s390 debug
# feature (AP_DBF_WARN), not in the kernel log, so dmesg at the end shows nothing of it.
# apsim: --lpar ap-qact.json
lszcrypt -V
cat /sys/bus/ap/devices/card07/hwtype /sys/bus/ap/devices/card07/raw_hwtype
# TAPQ: raw type 15 (0x0f).  QACT (GR1 = mode in bits 3-5, cat in bits 32-39) asked for CEX8
# (cat 0x0e) in accelerator mode (2): 0x0e in GR2; in CCA mode (4): 0; for CEX6 (0x0c): 0x0c.
apinsn pqap --gr0 0x00800704
apinsn pqap --gr0 0x05000704 --gr1 0x080000000e000000
apinsn pqap --gr0 0x05000704 --gr1 0x100000000e000000
apinsn pqap --gr0 0x05000704 --gr1 0x080000000c000000
apbench --apqn 07.0004 --op crt-2048 --requests 8 --inflight 2
# 05: no M/C facility bits (ap_functions without 0x60000000): a 4096-bit request gets RC 0x16
# (the conformance suite sends one); 2048-bit requests are served.
cat /sys/bus/ap/devices/card05/ap_functions
apbench --apqn 05.0004 --op mex-2048 --requests 2
# 09: Nd 0x10 — domain 4 is served, domain 0x47 answers NQAP with RC 0x42.
apinsn pqap --gr0 0x00800947
apinsn nqap --gr0 0x40000947
apinsn nqap --gr0 0x40000904
apbench --apqn 09.0047 --requests 1
dmesg | grep -v "Linux version"
