# zcrypt's online attributes: a request is dispatched only to a card and queue that are both
# online (zcrypt_rsa_modexpo skips the others and ends with -ENODEV); the AP bus never sees it.
echo 0 > /sys/bus/ap/devices/06.0004/online
lszcrypt 06.0004
apbench --apqn 06.0004 --requests 4
cat /sys/bus/ap/devices/06.0004/request_count
echo 1 > /sys/bus/ap/devices/06.0004/online
echo 0 > /sys/bus/ap/devices/card06/online
apbench --apqn 06.0004 --requests 4
echo 1 > /sys/bus/ap/devices/card06/online
apbench --apqn 06.0004 --requests 4
