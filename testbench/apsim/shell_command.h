// testbench/apsim/shell_command.h — `apsim shell`: the scenario shell, interactive, on a
// simulated LPAR (README "Running scenarios", docs/shell.md).
#pragma once

#include <cstdint>
#include <string>

namespace apsim::tb {

struct ShellCommandOptions {
  std::string lpar;           ///< LPAR config JSON ("" = the default LPAR)
  std::string linux_version;  ///< --linux ("" = the LPAR config's, else 6.1)
  std::string s390_tools;     ///< --s390-tools ("" = the LPAR config's, else the kernel's era)
  uint64_t seed = 1;          ///< uuidgen, workloads, $RANDOM
  std::string record;         ///< write the session as a script `apsim run --echo` replays ("" = none)
  std::string mode = "cycle";
};

/// Run the session on this process's terminal (GNU readline: line editing, history, Ctrl-C,
/// Ctrl-D), or, when standard input is not a terminal, on its lines read plainly with each
/// command echoed after its prompt.  Returns the last command's status, 2 for bad input.
int run_shell(const ShellCommandOptions& opts);

}  // namespace apsim::tb
