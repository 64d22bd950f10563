// testbench/apsim/sweep_command.h — `apsim sweep`: run a grid of parameter points, one
// `apsim run` process per point, on this machine, through GNU parallel, or as a Slurm job
// array; resumable; results as data; CSV and plots (docs/sweeps.md).
//
//   apsim sweep SPEC.json --out DIR [--backend local|slurm|parallel] [--jobs N] [--retries N]
//               [--points-per-task N] [--partition P] [--time T] [--mem M] [--account A]
//               [--no-wait] [--sshlogin LIST] | --dry-run
//   apsim sweep collect DIR
//   apsim sweep run-task DIR ...          (what the backends run: sweep_task.h)
//
// The spec (sweep_spec.h) is checked and every point made before anything is written or
// run; bad input is refused naming the spec file and the parameter, exit status 2.  DIR is
// prepared (sweep_dir.h): a new directory, or one holding the same sweep, whose finished ok
// points are kept and the others run.  Each backend runs `apsim sweep run-task` for a task of
// points: `local` forks it per task, --jobs side by side; `parallel` hands the tasks to GNU
// parallel (--sshlogin for other machines, which must see DIR and apsim at the same paths);
// `slurm` submits one job array with sbatch, a task per --points-per-task points.  A progress
// line on stderr shows points done, running, failed (and, for Slurm, pending in the queue)
// and an estimate of the time left.  When all have ended (with --no-wait: when `apsim sweep
// collect DIR` is run), DIR/results.csv, DIR/runs.csv and the plots are written from the
// points' result files (sweep_output.h).
#pragma once

#include <string>

#include "testbench/apsim/sweep_spec.h"

namespace apsim::tb {

struct SweepOptions {
  std::string spec;              ///< the spec file (JSON)
  std::string out;               ///< the run directory
  std::string backend = "local";  ///< local, slurm or parallel
  unsigned jobs = 0;             ///< local: points side by side (default 1); parallel: its --jobs; slurm: the array's %N limit (0 = not given)
  unsigned retries = 0;          ///< further attempts of a failed point
  SlurmSettings slurm;           ///< from the command line; each given setting wins over the spec's
  bool no_wait = false;          ///< slurm: return after submitting
  std::string sshlogin;          ///< parallel: GNU parallel's --sshlogin list
  bool plots = true;             ///< run gnuplot (the template and data are written either way)
  bool dry_run = false;          ///< check the spec and list its points; write and run nothing
};

/// Check the spec and the options, prepare DIR, run the points that need it, collect.
/// Returns 0 (all points ok; with --no-wait: submitted), 1 (some point failed), 2 (bad input:
/// nothing written or run), 3 (a backend or gnuplot failed, or the output could not be written).
int run_sweep(const SweepOptions& opts);

/// `apsim sweep collect DIR`: show the progress of a sweep (for Slurm, from the scheduler's
/// queue), and write results.csv, runs.csv and plots from the points finished so far.
/// Returns 0 (every point ok), 1 (some point failed), 4 (none failed, some not finished yet),
/// 2 (DIR is not a sweep), 3 (the output or the plots could not be written).
int collect_sweep(const std::string& dir, bool plots = true);

}  // namespace apsim::tb
