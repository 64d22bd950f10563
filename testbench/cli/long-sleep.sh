# Sleeping past the end of the run's clock (2^63 ps, 106.75 days; sc/timing.h) stops the run
# with a message (cli/simulated-time-ends): once it wrapped or stopped at the end in silence.
sleep 200000000
echo never reached
