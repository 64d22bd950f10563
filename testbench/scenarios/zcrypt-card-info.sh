# apsim: --lpar zcrypt-card-info.json
# apsim-variant: linux73 --linux 7.3
# zcrypt's CCA and EP11 attributes (zcrypt_cex4.c): each read sends a query to the card --
# CCA "FQ" STATICSA and STATICSB (zcrypt_ccamisc.c cca_get_info), EP11 get_xcp_info module
# or domain information (zcrypt_ep11misc.c) -- through zcrypt, NQAP and DQAP, and prints
# what the card's reply says.  The values are the firmware model's (firmware/type6.cpp,
# "What a card says about itself").  LPAR: 05 CEX8C, 06 CEX8P, 07 CEX8A; domains 4, 0x47.
# What 6.1 and 7.3 print differently: 6.1 keeps each answer and shows it for an offline
# card or queue, 7.3 asks every time (LinuxProfile::zcrypt_info_no_cache); 7.3 knows the
# FIPS2021 mode bit (ep11_op_modes_2021).
cd /sys/bus/ap/devices
# CCA card: serialnr; CCA queue: mkvps (AES, APKA, ASYM master-key registers).
cat card05/serialnr
cat 05.0004/mkvps
# EP11 card: API ordinal, firmware version, serial number, operational modes; EP11 queue:
# the wrapping key's verification pattern and the domain's modes.
cat card06/API_ordinalnr card06/FW_version card06/serialnr card06/op_modes
cat 06.0004/mkvps 06.0004/op_modes
# An accelerator has none of these files.
cat card07/serialnr 07.0004/mkvps
# lszcrypt -s reads serialnr (the first 8 characters); every query above is a request the
# queues count.
lszcrypt -s
lszcrypt
# Cards offline (zcrypt `online` 0, their queues too): zcrypt sends them nothing.  6.1 shows
# what it kept from the last answer (verify = zc->online / zq->online) and, for a queue it
# never asked, nothing; 7.3 asks and finds no queue.  An EP11 queue asks only while online.
echo 0 > card05/online
echo 0 > card06/online
cat card05/serialnr
cat 05.0004/mkvps
cat 05.0047/mkvps
cat card06/API_ordinalnr card06/FW_version card06/serialnr card06/op_modes
cat 06.0004/mkvps 06.0004/op_modes
lszcrypt -s
echo 1 > card05/online
echo 1 > card06/online
# Every queue of cards 05 and 06 to vfio_ap: the queues lose zcrypt's files; the cards stay
# with cex4card, online, and find no queue to ask.  6.1's ep11_get_card_info takes the cached
# answer, fails with ENODEV, scrubs the cache and shows the copy once; then nothing.
modprobe vfio_ap
echo -5,-6 > /sys/bus/ap/apmask
ls 05.0004 06.0004
cat card05/serialnr
cat card06/serialnr
cat card06/serialnr card06/API_ordinalnr
lszcrypt -s
# A guest with APQNs 05.0004 and 06.0004 asks the same cards through SIE: the same master-key
# and wrapping-key patterns, the same serial numbers.
U=5d8e2b54-7a0c-4b1e-9d3f-2c6a1e0f4b77
echo $U > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 5 > /sys/devices/vfio_ap/matrix/$U/assign_adapter
echo 6 > /sys/devices/vfio_ap/matrix/$U/assign_adapter
echo 4 > /sys/devices/vfio_ap/matrix/$U/assign_domain
qemu-system-s390x -name guest -cpu host -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$U
ssh guest cat /sys/bus/ap/devices/05.0004/mkvps /sys/bus/ap/devices/06.0004/mkvps
# lszcrypt -c of a queue (s390-tools 2.28+, so the linux73 variant's 2.43 only) lists the
# current wrapping key from the EP11 queue's mkvps; 2.25 refuses the id.
ssh guest lszcrypt -c 06.0004
ssh guest lszcrypt -s
