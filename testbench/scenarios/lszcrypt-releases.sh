# lszcrypt and ap-check as each s390-tools release prints them, on one machine: this script
# runs three times -- as it is (Linux 6.1 with s390-tools 2.25, bookworm's pair), with the
# newer tools on the same kernel, and on Linux 7.3 with 2.43 (its era) -- each against its
# golden (lszcrypt-releases.golden, lszcrypt-releases@NAME.golden).  What differs:
#  * FUNCTIONS: nine letters up to 2.25, ten from 2.26 (H, stateless filtering);
#  * QDEPTH: 2.25 prints the card's depth + 1; 2.43 prints depth as it is, so on 6.1 (depth
#    = the raw QD 7) it shows 07, on 7.3 (depth = QD + 1) 08;
#  * -c of a queue (with its master keys, 2.28+), -b's features and default domain lines,
#    the default-domain warning, and the empty list (2.42+);
#  * ap-check's "AQPN" (sic) became "APQN" in 2.41.
# apsim-variant: tools243 --s390-tools 2.43
# apsim-variant: linux73 --linux 7.3
# Default LPAR: adapters 05 CEX5C and 06 CEX5A, domains 4, 0x47, 0xab, 0xff.
lszcrypt --version
lszcrypt -V 05
lszcrypt -c 5
# A queue's capabilities (2.28+): a CCA queue lists its current master keys from zcrypt's
# mkvps ("MK AES CUR: valid 0x...").
lszcrypt -c 05.0004
lszcrypt -b
# Queues given to vfio_ap: the vfio_ap status and "-" for the counts.
modprobe vfio_ap
echo -6 > /sys/bus/ap/apmask
lszcrypt -V 06
# The HMC takes the default domain 4 from the LPAR: the AP bus keeps ap_domain (4), and
# 2.42+ warn that it is no usage domain any more.
apsim-inject lpar remove domain 4
echo 1 > /sys/bus/ap/scans
lszcrypt
lszcrypt -b
# A guest without AP devices: no cards.
qemu-system-s390x -name empty -cpu host
ssh empty lszcrypt
echo $?
# ap-check refuses an autostart mdev whose APQNs the AP bus masks keep for the host.
U=11111111-2222-4333-8444-555555555555
cat > /tmp/ap.json <<'JSON'
{"mdev_type": "vfio_ap-passthrough", "start": "auto",
 "attrs": [{"assign_adapter": "5"}, {"assign_domain": "0x47"}]}
JSON
mdevctl define -u $U -p matrix --jsonfile /tmp/ap.json
