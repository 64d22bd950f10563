# Host storage is a finite resource, and what a guest or a tool gives back is used again.
# The default LPAR has 16 GiB of storage; guests' memory comes from 4 GiB upwards (12 GiB).
qemu-system-s390x -name big -m 20G
qemu-system-s390x -name wrap -m 18446744073709551615M
qemu-system-s390x -name g1 -m 8G
qemu-system-s390x -name g2 -m 8G
# g1's memory returns to the host when its QEMU process ends ...
ssh g1 poweroff
qemu-system-s390x -name g2 -m 8G
ssh g2 uname -r
# ... and a tool's buffers return to its kernel: 3000 DQAPs of 64 KiB in a 64 MiB guest.
qemu-system-s390x -name small -m 64M
i=0
while [ $i -lt 3000 ]; do ssh small apinsn dqap --gr0 0x80000604 --len 65536 > /dev/null; i=$((i + 1)); done
echo $i
ssh small apinsn pqap --gr0 0x0604
