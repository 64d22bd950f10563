// driver/shell.h — the scenario shell: a bash subset that runs an administrator's command
// sequence against one simulated Linux instance (the LPAR host, or a guest via `ssh NAME`).
//
// Language (what the seed documents use): comments, `\` line continuation, `;`, `&&`, `||`,
// `VAR=value`, `$VAR`, `${VAR}`, `$?`, `$(command)`, single/double quotes, `cmd > PATH`,
// `cmd >> PATH` (appends to a regular file; a store to a sysfs attribute), here-documents
// (`<<EOF`, `<<'EOF'` without expansion, `<<-EOF` without leading tabs),
// `cmd | grep [-v|-i|-c|-E|-q] PATTERN` (pipelines of builtins),
// `for V in WORDS; do ...; done`, `set -e` / `set +e`, `cd`, `pwd`, `echo [-n|-e]`, `cat`,
// `ls`, `grep`, `true`, `false`, `exit [N]`, `sleep SECONDS`, `uuidgen`, `ssh NAME COMMAND...`,
// and GNU `mkdir [-p]`, `rm [-f] [-r]`, `cut -d -f` on the regular-file mounts (sysfs
// refuses them as the kernel does: EPERM).
// Every other command goes to ShellHost::run_command().
//
// Errors print what bash prints when running a script file, on the error stream:
//   SCRIPT: line N: echo: write error: No such device     (a failed write(2) to sysfs)
//   SCRIPT: line N: /sys/x: Permission denied             (a failed open of a redirection)
//   SCRIPT: line N: foo: command not found                (status 127)
//   cat: /sys/x: No such file or directory                (tool errors name the tool)
// and set `$?`.  The exit status of a script is the last command's.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "driver/sysfs.h"

namespace apsim::driver {

/// What the shell runs against: one Linux instance.
class ShellHost {
 public:
  virtual ~ShellHost() = default;
  virtual Sysfs& sysfs() = 0;
  /// Host name, used in the prompt of echoed commands ("host", a guest's name).
  virtual std::string hostname() const = 0;
  /// Run a non-builtin command.  Writes to `out`/`err`; returns its exit status, or 127
  /// if there is no such command (the shell then prints "command not found").
  virtual int run_command(const std::vector<std::string>& argv, std::ostream& out,
                          std::ostream& err) = 0;
  /// The instance `ssh NAME` reaches, or nullptr if none is running under that name.
  virtual ShellHost* remote(const std::string& name) = 0;
  /// A new random UUID (deterministic for a given --seed), lower case, 36 characters.
  virtual std::string uuidgen() = 0;
  /// Let `seconds` of simulated time pass.
  virtual void sleep_seconds(double seconds) = 0;
  /// The shell's working directory, set before each run_command(): a program resolves
  /// relative file operands from it (virsh attach-device FILE), as from its process's cwd.
  virtual void set_cwd(const std::string& cwd) {}
};

struct ShellOptions {
  std::string script_name = "script";  ///< $0 as bash shows it in error messages
  bool echo_commands = false;          ///< print "[root@HOST ~]# COMMAND" before each command
};

class Shell {
 public:
  Shell(ShellHost& host, std::ostream& out, std::ostream& err, ShellOptions opts = {});
  /// Run a whole script.  Returns the exit status of the last command run (or of `exit`).
  int run_script(const std::string& text);
  /// Variables (initially empty); scenarios may preset some.
  std::map<std::string, std::string>& variables() { return vars_; }

 private:
  struct Impl;
  ShellHost& host_;
  std::ostream& out_;
  std::ostream& err_;
  ShellOptions opts_;
  std::map<std::string, std::string> vars_;
  std::string cwd_ = "/root";
  int last_status_ = 0;
  bool errexit_ = false;
  // Private additions (shell.cpp): more `set` options, $OLDPWD, and a step budget that
  // stops runaway loops (`while :; do :; done`) instead of hanging the simulator.
  bool pipefail_ = false;
  bool xtrace_ = false;
  bool nounset_ = false;
  std::string oldpwd_;
  long steps_ = 0;
  friend struct Impl;
};

}  // namespace apsim::driver
