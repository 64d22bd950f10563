# Issue 13 part 2: boot a 256 x 256 LPAR (testbench/bench/lpar-256x256.json), let the AP bus
# bind all 65,536 queues to cex4queue, and list them: 256 cards + 65,536 queues + the two
# header lines = 65794 lines.
#   build/apsim run --lpar testbench/bench/lpar-256x256.json testbench/bench/scale-256x256.sh
lszcrypt | wc -l
