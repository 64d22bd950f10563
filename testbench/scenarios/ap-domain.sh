# ap.domain= names the AP bus's default domain.  ap_module_init refuses one above the
# maximum domain id or outside aqmask with a warning in the kernel log, and the bus
# selects the default domain itself: here 4, the only domain ap.aqmask leaves it.
# apsim: --lpar ap-domain.json
cat /sys/bus/ap/aqmask
cat /sys/bus/ap/ap_domain
dmesg
