#!/usr/bin/env bash
# Quick start, step 1: install what is missing (Debian bookworm packages), build apsim, and
# run the default scenario with a VCD of the hardware path in waves/default.vcd.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make pkg-config libsystemc-dev verilator libboost-test-dev nlohmann-json3-dev
          libcli11-dev libgmp-dev libssl-dev gnuplot-nox libxml2-dev)
packages+=(yosys)  # formal proofs of rtl/ (testbench/tests/formal/)
# apsim sweep's other backends, and the single-node Slurm cluster its tests start
# (testbench/tests/sweep/slurm_cluster.sh): GNU parallel, Slurm's daemons and clients, munge.
packages+=(parallel slurmctld slurmd slurm-client munge)
packages+=(libreadline-dev tmux)  # apsim shell (GNU readline) and its terminal test (tmux)
packages+=(libboost-dev)  # Boost.Random and Boost.Math headers: service-time draws (firmware/service_time.h); Boost.CircularBuffer: arch/fifo.h
packages+=(gawk)  # awk runs GNU awk with --sandbox (driver/userspace/filters.cpp)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

cmake --preset default
cmake --build --preset default
if [ "${APSIM_BOOTSTRAP_NO_RUN:-0}" != 1 ]; then
  ./build/apsim run --echo testbench/scenarios/default.sh --vcd waves/default.vcd
fi
