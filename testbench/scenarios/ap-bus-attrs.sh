# The AP bus's writable attributes, zcrypt's online switches and the attributes of a queue
# that vfio_ap holds, as Linux 6.1 has them (ap_bus.c, ap_queue.c, zcrypt_card.c,
# zcrypt_queue.c); the variant runs the same on 7.3, whose parsers and queue attributes
# differ (driver/linux/profile.h).  Default LPAR.
# apsim-variant: linux73 --linux 7.3
cd /sys/bus/ap
cat ap_domain config_time poll_timeout poll_thread ap_interrupts
# ap_domain: any domain up to ap_max_domain_id that aqmask leaves to the host (sscanf "%i").
echo 0x47 > ap_domain
cat ap_domain
echo 256 > ap_domain
echo four > ap_domain
echo -4 > aqmask
echo 4 > ap_domain
echo +4 > aqmask
cat ap_domain
# config_time: 5..120 seconds; a write re-arms the configuration timer.
echo 4 > config_time
echo 60 > config_time
cat config_time
# poll_timeout: nanoseconds, 1 up to 120 s on 6.1 (0 is refused); 7.3 takes 0 too.
echo 0 > poll_timeout
echo 500000 > poll_timeout
cat poll_timeout
# poll_thread: with interruptions on there is no poll thread to start, so it reads 0.
echo 1 > poll_thread
echo yes > poll_thread
cat poll_thread
# zcrypt: a card's online switch takes its queues along; a queue cannot go online under an
# offline card; only 0 and 1.
cd devices
echo 0 > card05/online
cat card05/online 05.0004/online 05.0047/online
echo 1 > 05.0004/online
echo 2 > card05/online
echo 1 > card05/online
cat card05/online 05.0004/online
echo 0 > card06/config
echo 1 > card06/online
echo 1 > 06.0004/online
echo 1 > card06/config
cat card06/online 06.0004/online
# A queue vfio_ap holds: the AP bus's state machine does not run it, so request_count is
# "-" and a sysfs reset only marks it; 6.1's `interrupt` still shows the flag the AP bus
# set while cex4queue had the queue, 7.3 asks the hardware.
modprobe vfio_ap
echo -5 > /sys/bus/ap/apmask
cat 05.0004/request_count 05.0004/interrupt 05.0004/reset
echo 1 > 05.0004/reset
cat 05.0004/reset
lszcrypt -V 05
