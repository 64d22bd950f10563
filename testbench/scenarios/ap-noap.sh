# Without the AP facility every AP instruction is an operation exception, before any other
# check (docs/ap-instructions.md §2); the AP bus finds no devices.
# apsim: --lpar ap-noap.json
apinsn pqap --gr0 0x0504
apinsn nqap --gr0 0x40000504 --r1 3 --problem-state
apinsn dqap --gr0 0x80000504
cat /sys/bus/ap/ap_adapter_mask
ls /sys/bus/ap/devices
lszcrypt
# The AP bus's init finds no AP instructions and says so in the kernel log.
dmesg
