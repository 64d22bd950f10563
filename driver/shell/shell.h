// driver/shell/shell.h — the scenario shell: a bash subset that runs an administrator's
// command sequence against one simulated Linux instance (the LPAR host, or a guest via
// `ssh NAME`).  It depends on nothing else of apsim: it reaches the instance through the two
// interfaces declared here, FileSystem (paths, redirections, globbing, `cd`, `test`) and
// ShellHost (every command that is not a bash builtin), which driver/userspace implements.
//
// Language (what the seed documents use): comments, `\` line continuation, `;`, `&&`, `||`,
// `VAR=value`, `$VAR`, `${VAR}`, `$?`, `$(command)`, single/double quotes, `cmd > PATH`,
// `cmd >> PATH` (appends to a regular file; a store to a sysfs attribute), here-documents
// (`<<EOF`, `<<'EOF'` without expansion, `<<-EOF` without leading tabs),
// `cmd | grep [-v|-i|-c|-E|-q] PATTERN` (pipelines of builtins),
// `for V in WORDS; do ...; done`, `set -e` / `set +e`, and bash's own builtins (`cd`, `pwd`,
// `echo [-n|-e]`, `printf`, `read`, `test`/`[`, `true`, `false`, `exit [N]`, `export`, ...).
// Every other command — the programs of the instance: cat, ls, grep, sleep, uuidgen, ssh,
// lszcrypt, ... (driver/userspace) — goes to ShellHost::run_command().
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
#include <optional>
#include <string>
#include <vector>


namespace apsim::driver {

/// The file system as the shell uses it: the system calls behind redirections, pathname
/// expansion, `cd` and `test`.  Paths are absolute or relative to `cwd` (an absolute
/// path); errors are negative errno values, as the system calls return them (bash prints
/// strerror of them).  Symbolic links are followed except where a call says otherwise.
class FileSystem {
 public:
  virtual ~FileSystem() = default;
  /// realpath(3): the canonical absolute path into `out`; -ENOENT, -ENOTDIR, -ELOOP.
  virtual int resolve(const std::string& cwd, const std::string& path, std::string& out) const = 0;
  /// open + read(2) of the whole file into `out`; -ENOENT, -EISDIR, -EACCES, or the
  /// error a sysfs attribute's show returns.
  virtual int read(const std::string& cwd, const std::string& path, std::string& out) const = 0;
  /// The checks of open(O_WRONLY|O_CREAT|O_TRUNC) before any write: 0 if a write would
  /// reach the file, else -ENOENT, -ENOTDIR, -EACCES, -EISDIR.
  virtual int open_write(const std::string& cwd, const std::string& path) const = 0;
  /// One write(2) of `data` (a regular file is replaced by it, a sysfs attribute stores it);
  /// 0 or -errno.
  virtual int write(const std::string& cwd, const std::string& path, const std::string& data) = 0;
  /// readlink(2) of the final component: -EINVAL if it is not a symbolic link.
  virtual int readlink(const std::string& cwd, const std::string& path, std::string& target) const = 0;
  /// The names in a directory, sorted as `ls` does in the C locale; -ENOTDIR for a file.
  virtual int list(const std::string& cwd, const std::string& path, std::vector<std::string>& names) const = 0;
  /// Whether the absolute, canonical `abs_path` exists / is a directory / a regular file.
  virtual bool exists(const std::string& abs_path) const = 0;
  virtual bool is_dir(const std::string& abs_path) const = 0;
  virtual bool is_file(const std::string& abs_path) const = 0;
};

/// A command's standard streams: `in` is consumed as the command reads it (nullptr: no
/// input, reads see end of file).
struct CommandIo {
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
};

/// What the shell runs against: one Linux instance.
class ShellHost {
 public:
  virtual ~ShellHost() = default;
  /// The instance's file system.
  virtual FileSystem& fs() = 0;
  /// Host name, used in the prompt of echoed commands ("host", a guest's name) and $HOSTNAME.
  virtual std::string hostname() const = 0;
  /// Run a command that is not a bash builtin, as the shell's child process with working
  /// directory `cwd` and the streams `io`.  Returns its exit status (0..255), or nothing if
  /// there is no such command (the shell then prints "command not found" and sets 127).
  virtual std::optional<int> run_command(const std::vector<std::string>& argv, const CommandIo& io,
                                         const std::string& cwd) = 0;
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
