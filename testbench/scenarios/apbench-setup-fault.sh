# Regression (issue 15): a fault that lands while apbench is still setting up (here the CCA
# key import into the queue's domain, which a checkstop 1 us later fails with -EAGAIN) used to
# end apbench with the setup's error alone: its --requests went unaccounted (completed +
# failed < sent).  Now every request of the run is reported failed with the setup's error,
# in the text and in the kv line.  Default LPAR (05 CEX5C).
apsim-inject chkstop card05 on --after 1us
apbench --apqn 05.0004 --op cca-seckey --requests 8 --inflight 2 --report kv
echo "apbench: $?"
apsim-inject chkstop card05 off
echo 1 > /sys/bus/ap/scans
# Once the card is back, the same run completes every request.
apbench --apqn 05.0004 --op cca-seckey --requests 8 --inflight 2
