# With the slowest timing table apsim accepts (timing-slowest.json), requests, an SCLP
# deconfigure and configure still complete: the run ends (cli/timing-slowest).
apbench --apqn 01.0001 --requests 5
echo 0 > /sys/bus/ap/devices/card01/config
echo 1 > /sys/bus/ap/devices/card01/config
