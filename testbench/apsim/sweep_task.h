// testbench/apsim/sweep_task.h — `apsim sweep run-task DIR ...`: run some points of a prepared
// sweep directory, one after the other, on this machine.  Every backend runs points this way:
// the local one forks it per point, GNU parallel starts it per task on its --sshlogin hosts,
// a Slurm array task runs it for its line of the task list.
//
// For each point it runs `apsim run --mode M --seed S --lpar lpar.json --results result.json
// script.sh` in the point's folder (stdout.txt, stderr.txt), kills it after the timeout, judges
// it from its exit and its result file, tries again up to --retries more times if it failed,
// and writes status.json (sweep_dir.h).  A point already ok is skipped (a requeued task).
#pragma once

#include <string>
#include <vector>

namespace apsim::tb {

struct TaskOptions {
  std::string dir;                ///< the sweep's run directory
  std::string points;             ///< "3,7,9-12": the points to run, or
  std::string task_list;          ///< a file whose line K (from 0) lists the points of task K
  long task = -1;                 ///< K; -1 = $SLURM_ARRAY_TASK_ID
  unsigned retries = 0;           ///< further attempts of a failed point
  unsigned timeout_s = 600;       ///< per attempt
};

/// Parse "3,7,9-12" into point indices ("" = none); throws std::invalid_argument naming the
/// bad item.
std::vector<unsigned> parse_point_list(const std::string& text);

/// Run the points; 0 if all are ok, 1 if one failed, 2 for bad arguments (printed).
int run_sweep_task(const TaskOptions& opts);

}  // namespace apsim::tb
