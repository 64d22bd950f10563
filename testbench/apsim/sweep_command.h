// testbench/apsim/sweep_command.h — `apsim sweep SPEC.json --out DIR [--jobs N]`: run a grid
// of parameter points, one `apsim run` process per point, and collect the figures into one
// CSV and gnuplot plots (docs/sweeps.md).
//
// A spec names a base scenario script and a base LPAR config, fixed parameters and a grid
// (every combination of the grid's values is a point).  Per point the sweep writes
// DIR/points/NNN/{lpar.json,script.sh}: the LPAR with the point's hardware parameters
// applied, and the script = SWEEP_<PARAM>=value lines + the base scenario + one apbench
// command line built from the workload parameters (with --report kv).  It runs
// `apsim run --mode M --seed S --lpar lpar.json script.sh` (SystemC elaborates once per
// process: every point is a fresh process, --jobs of them side by side), reads apbench's
// `apbench: result k=v ...` line, and writes DIR/results.csv (one row per point: every
// parameter, status, every figure, wall time), DIR/plot.gp and, with gnuplot,
// DIR/NAME-throughput.{png,svg} and DIR/NAME-latency.{png,svg} (throughput, p50 and p99
// latency against the spec's x parameter, one curve per combination of the other grid
// parameters).
//
// Bad input (unknown key or parameter, a value of the wrong type or out of range, an LPAR
// the point's parameters make invalid) is refused before anything runs or is written, with
// the spec file and the offending parameter named; exit status 2.  A point that fails
// (non-zero exit, no result line, failed or wrong requests, timeout) is recorded as such in
// the CSV and the summary, and the other points still run; exit status 1 if any failed.
#pragma once

#include <string>

namespace apsim::tb {

struct SweepOptions {
  std::string spec;          ///< the spec file (JSON)
  std::string out;           ///< output directory (created; existing files are overwritten)
  unsigned jobs = 1;         ///< points run side by side, 1..64
  std::string self;          ///< the apsim executable to run points with ("" = /proc/self/exe)
  bool plots = true;         ///< run gnuplot (the plot script is written either way)
  bool dry_run = false;      ///< validate the spec and list its points; write and run nothing
};

/// Validate the spec, run every point, write the CSV and plots.  Returns 0 (all points ok),
/// 1 (some point failed), 2 (bad input: nothing ran), 3 (the output could not be written, or
/// gnuplot failed).
int run_sweep(const SweepOptions& opts);

}  // namespace apsim::tb
