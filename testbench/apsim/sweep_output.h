// testbench/apsim/sweep_output.h — what a sweep's finished points add up to: results.csv,
// runs.csv and the plots (docs/sweeps.md "Output").
//
// results.csv has one row per finished point: point, status, every parameter (its effective
// value: the spec's, else the default, else the LPAR's own) and every figure of the point's
// result file (apbench's, in simulated time) — nothing that depends on where or when it ran,
// so every backend writes the same file.  runs.csv has the rest: the machine, the attempts,
// the wall time, the Slurm job, apsim's commit.  The plots: a fixed gnuplot template
// (DIR/plot.gp), data files (DIR/plot-data/) and the sweep's title, name and axis passed to
// gnuplot as arguments — no text of the spec is ever gnuplot code — and gnuplot started with
// an argument vector in DIR.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "testbench/apsim/sweep_spec.h"

namespace apsim::tb {

/// What collect_dir found and wrote.
struct Collection {
  size_t points = 0, ok = 0, failed = 0, running = 0, not_run = 0;
  struct Failure {
    unsigned index;
    std::string label, status;
  };
  std::vector<Failure> failures;                           ///< the failed points
  std::string csv, runs_csv;                               ///< the files written
  std::vector<std::string> plots;                          ///< the plot files drawn
  std::string plot_problem;                                ///< why the plots were not drawn ("" = they were, or nothing to draw)
};

/// Gather the finished points of the sweep in `dir` (absolute; manifest: sweep_dir.h) into results.csv
/// and runs.csv, and draw the plots of its ok points when `plots`.  `lost`: points whose
/// Slurm task ended without writing a status, with the reason — written and counted as
/// failed.  Throws std::runtime_error when a file cannot be written.
Collection collect_dir(const std::string& dir, const Json& manifest, const std::map<unsigned, std::string>& lost, bool plots);

}  // namespace apsim::tb
