// testbench/apsim/process.h — starting programs with an argument vector (fork/exec, never a
// shell): the points' `apsim run` processes, gnuplot, GNU parallel, and Slurm's sbatch,
// squeue and scontrol.
#pragma once

#include <sys/types.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace apsim::tb {

/// A program could not be started (not found, not executable, fork failed): what() names it
/// and the reason.
struct SpawnError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Where a started program's output goes and where it runs.
struct SpawnOptions {
  std::string stdout_path;  ///< "" = inherit; else created/truncated
  std::string stderr_path;  ///< "" = inherit; the same path as stdout_path = one file for both
  bool append = false;      ///< open stdout_path/stderr_path for appending instead of truncating
  std::string cwd;          ///< "" = ours
  int stdout_fd = -1;       ///< >= 0: this descriptor of ours becomes the child's stdout (before stdout_path)
  int stderr_fd = -1;       ///< >= 0: this descriptor of ours becomes the child's stderr
};

/// The full path of `name` as execvp would find it in $PATH (a name with a '/' is taken as
/// it is if executable), or nothing.
std::optional<std::string> find_program(const std::string& name);

/// Start argv[0] (searched in $PATH unless it has a '/') with `argv`, in a new process; returns
/// its pid.  Its stdin is /dev/null.  Throws SpawnError when the program cannot be started — also when exec fails in
/// the child (reported back through a close-on-exec pipe), so a pid means it is running.
pid_t spawn_program(const std::vector<std::string>& argv, const SpawnOptions& opts = {});

/// The end of a waited-for process, in words: "exit status N", "killed by signal N (NAME)".
std::string describe_wait_status(int wstatus);

/// What a program printed and how it ended.
struct ProgramOutput {
  int wstatus = 0;  ///< as waitpid reports it
  std::string out, err;
  bool ok() const;  ///< exited with status 0
  /// "exit status N: LAST LINE OF STDERR" (or of stdout when stderr is empty).
  std::string failure() const;
};

/// Run `argv` to completion, capturing stdout and stderr (for short-lived tools: sbatch,
/// squeue, scontrol).  Throws SpawnError when it cannot be started.
ProgramOutput run_program(const std::vector<std::string>& argv, const std::string& cwd = "");

/// The last non-empty line of `text`, without its newline.
std::string last_line(const std::string& text);

}  // namespace apsim::tb
