// testbench/apsim/sweep_dir.h — a sweep's run directory, which describes itself
// (docs/sweeps.md "The run directory"):
//
//   DIR/sweep.json          the manifest: the spec's name, title, grid, x axis, timeout, every
//                           point's parameters, apsim's version and commit and the machine of
//                           each invocation (runs[]: backend, Slurm job, ...)
//   DIR/spec.json           the spec, as it was read
//   DIR/base/scenario.sh, DIR/base/lpar.json   the spec's base files, as they were read
//   DIR/points/NNN/         one folder per point:
//       point.json          its index, label and parameters (the runner reads --mode/--seed here)
//       lpar.json, script.sh   what it runs: `apsim run --lpar lpar.json --results result.json script.sh`
//       result.json         written by `apsim run --results` (run_command.h): figures, machine, version
//       status.json         written by the runner (sweep_task.h) when the point is finished: ok or
//                           failed and why, each attempt, the machine, the wall time
//       running.json        while it runs: the machine, pid, attempt, Slurm job
//       stdout.txt, stderr.txt   of its last attempt
//   DIR/results.csv, DIR/runs.csv, plots   written by collect (sweep_output.h)
//
// A point is finished when its status.json exists; a rerun into the same directory runs the
// points that are not finished or failed, and refuses a directory that holds another sweep.
#pragma once

#include <string>
#include <vector>

#include "testbench/apsim/sweep_spec.h"

namespace apsim::tb {

/// The path of a point's folder, DIR/points/NAME.
std::string point_dir(const std::string& dir, const std::string& name);

/// What prepare_run_dir found and did.
struct Prepared {
  std::vector<unsigned> to_run;  ///< indices of the points to run (not finished, or failed)
  size_t kept_ok = 0;            ///< points already ok, kept
  size_t kept_failed = 0;        ///< points that had failed, to run again
  bool resumed = false;          ///< DIR held this sweep already
};

/// Check, without writing, that `dir` is absent, empty, or holds this very sweep (the same
/// points: parameters, LPARs and scripts); returns the points to run.  Throws SpecError
/// naming what differs.
Prepared check_run_dir(const Spec& spec, const std::vector<Point>& pts, const std::string& dir);

/// Write the manifest, the spec and base copies and every point's files, and clear the
/// previous results of the points about to run.  Throws std::runtime_error on an I/O error.
void write_run_dir(const Spec& spec, const std::vector<Point>& pts, const std::string& dir, const Prepared& prep);

/// The manifest DIR/sweep.json.  Throws std::runtime_error (missing, not a sweep).
Json read_manifest(const std::string& dir);

/// Rewrite DIR/sweep.json (after a run was added to it).
void write_manifest(const std::string& dir, const Json& manifest);

/// Add an invocation to the manifest's runs[] (backend, time, apsim version, machine,
/// `extra` fields) and rewrite it; returns its index.
size_t record_run(const std::string& dir, Json& manifest, const std::string& backend, const Json& extra);

/// A point's state on disk.
struct PointState {
  enum Kind { not_run, running, ok, failed } kind = not_run;
  std::string status;  ///< "ok", "failed: ...", "running", "not run"
  Json status_json;    ///< status.json when finished, running.json when running, else null
};

/// Read a point's state from DIR/points/NAME.
PointState read_point_state(const std::string& dir, const std::string& name);

}  // namespace apsim::tb
