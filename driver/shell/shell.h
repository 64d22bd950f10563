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
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace apsim::driver {

namespace shell_detail {
struct Node;
}
class ShellHost;

/// A system call that sleeps in the kernel (a write to an mdev's `remove` in Linux 6.1 waits
/// until the guest's QEMU releases the device): it has not returned yet.  apsim runs one
/// software thread, so the call comes back at once as this handle, and whoever waits for it
/// lets simulated time pass (ShellHost::wait_for).
class SleepingCall {
 public:
  virtual ~SleepingCall() = default;
  virtual bool done() const = 0;
  /// The call's return value, 0 or -errno; meaningful once done().
  virtual int result() const = 0;
  /// What it waits for, in words ("the mdev's user (QEMU) to release the device").
  virtual std::string waits_for() const = 0;
  /// A signal (Ctrl-C) reaches the sleeping task `comm` with pid `pid`.  False: the call is
  /// interrupted and the command ends (130).  True: the kernel keeps the task waiting, as
  /// vfio_unregister_group_dev does after its warning; further signals change nothing.
  virtual bool signalled(const std::string& comm, long pid) {
    (void)comm, (void)pid;
    return false;
  }
};

/// How long a script may be blocked in the kernel before apsim stops it, by default: 120 s of
/// simulated time, the default of Linux's hung-task detector (kernel/hung_task.c,
/// sysctl_hung_task_timeout_secs); a kernel's /proc/sys/kernel/hung_task_timeout_secs
/// changes it for its shell (ShellHost::hung_task_timeout_s).
inline constexpr double kBlockedForGoodSeconds = 120;

/// Thrown out of ShellHost::run_command when the program it ran is blocked in the kernel and
/// nothing can wake it (kBlockedForGoodSeconds passed): the shell reports it and the script
/// stops.  `command` may be empty (the shell names the command then).
struct BlockedForGood {
  std::string command;
  std::string waits_for;
  bool reported = false;  ///< an inner shell (ssh) has printed the report already
};
/// The exit status of a script stopped because it was blocked for good (as timeout(1)).
inline constexpr int kBlockedForGoodStatus = 124;

/// Thrown out of ShellHost::run_command when the user interrupts the running command (Ctrl-C
/// in `apsim shell`): the command line ends with status 130, as bash's does when its
/// foreground child dies of SIGINT.
struct Interrupted {};
inline constexpr int kInterruptedStatus = 130;
/// $$: a fixed pid keeps transcripts stable.
inline constexpr long kShellPid = 4242;

/// Thrown by a program (ssh without a command) that opens a login shell on another instance
/// when CommandIo::may_login allowed it: the shell runs the following commands there until
/// `exit` (shell.cpp, the session's login stack).  `lookup` finds the instance again before
/// each command (nullptr once it is gone: the guest powered off).
struct LoginShell {
  std::string name;
  std::function<ShellHost*()> lookup;
};

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
  /// 0 or -errno, or kWriteSleeps when the call sleeps in the kernel (take_sleeping()).
  virtual int write(const std::string& cwd, const std::string& path, const std::string& data) = 0;
  /// write() returned this: the call sleeps; take_sleeping() hands it over.  The value is the
  /// kernel's own EIOCBQUEUED ("queued, completion follows").
  static constexpr int kWriteSleeps = -529;
  /// The call of the last write() that returned kWriteSleeps (once); nullptr if none.
  virtual std::shared_ptr<SleepingCall> take_sleeping() { return nullptr; }
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
  /// The command is a whole command line of a session's top-level shell: a program may open
  /// a login shell (throw LoginShell) instead of running to its end.
  bool may_login = false;
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
  /// Let simulated time pass until `call` is done, at most `timeout_s` seconds; true if it is
  /// done.  The default lets no time pass.
  virtual bool wait_for(SleepingCall& call, double timeout_s) { return call.done(); }
  /// How long a command may sleep in the kernel before apsim stops it (seconds of simulated
  /// time): the instance's hung-task timeout.  Default kBlockedForGoodSeconds.
  virtual double hung_task_timeout_s() const { return kBlockedForGoodSeconds; }
};

struct ShellOptions {
  std::string script_name = "script";  ///< $0 as bash shows it in error messages
  bool echo_commands = false;          ///< print "[root@HOST ~]# COMMAND" before each command
  /// An interactive login shell (apsim shell, or a recorded session replayed): diagnostics
  /// say "-bash: TEXT" without a line number, as bash's do at a terminal.
  bool interactive = false;
  /// The seed of $RANDOM (bash's sbrand; `RANDOM=N` reseeds); apsim run/shell pass --seed.
  unsigned long random_seed = 1;
};

class Shell {
 public:
  Shell(ShellHost& host, std::ostream& out, std::ostream& err, ShellOptions opts = {});
  /// Run a whole script.  Returns the exit status of the last command run (or of `exit`).
  int run_script(const std::string& text);
  /// Variables (initially empty); scenarios may preset some.
  std::map<std::string, std::string>& variables() { return vars_; }

  // ---- a session, one command line at a time (apsim shell) ----
  /// Whether `text` is complete: false if a quote, a compound command, a here-document or a
  /// `\` continuation is still open (the terminal asks for more with "> ").
  static bool is_complete(const std::string& text);
  /// Run one or more complete command lines typed at the prompt; the shell keeps its state
  /// (variables, functions, working directory, jobs, the ssh login stack) between calls.
  /// Returns the last status; exited() tells whether `exit` ended the session.
  int run_line(const std::string& text);
  bool exited() const { return exited_; }
  /// The prompt of the shell the next command runs in: "[root@HOST DIR]# " (a guest's after
  /// `ssh NAME`).
  std::string prompt() const;
  /// Names of the instances the login stack has entered, innermost last (empty: the host).
  std::vector<std::string> logins() const;
  /// Ctrl-D at the prompt: leave the innermost login shell as `exit` would ("logout",
  /// "Connection to NAME closed."); at the top level, the session ends.
  void logout();
  /// $? of the shell the next command runs in; set_status: after a Ctrl-C at the prompt (130).
  int status() const;
  void set_status(int st);

 private:
  struct Impl;
  ShellHost& host_;
  std::ostream& out_;
  std::ostream& err_;
  ShellOptions opts_;
  std::map<std::string, std::string> vars_;
  std::map<std::string, std::shared_ptr<const shell_detail::Node>> functions_;  // name() { ...; }
  std::vector<std::string> positional_;  // $1 ... while a function runs
  int function_depth_ = 0;
  unsigned long random_state_ = 1;       // bash's rseed
  int last_random_ = 0;                  // bash's last_random_value
  std::string cwd_ = "/root";
  int last_status_ = 0;
  bool exited_ = false;
  // The login stack: `ssh NAME` without a command at a session's top level enters NAME's
  // shell; commands run in the innermost one until its `exit`.
  struct Login {
    std::string name;
    std::function<ShellHost*()> lookup;
    ShellHost* host = nullptr;
    std::unique_ptr<Shell> shell;
  };
  std::vector<Login> logins_;
  Shell& innermost();
  const Shell& innermost() const;
  std::string prompt_dir() const;
  void leave_login(bool gone);
  void prune_logins();
  bool errexit_ = false;
  // Private additions (shell.cpp): more `set` options, $OLDPWD, and a step budget that
  // stops runaway loops (`while :; do :; done`) instead of hanging the simulator.
  bool pipefail_ = false;
  bool xtrace_ = false;
  bool nounset_ = false;
  std::string oldpwd_;
  long steps_ = 0;
  // Background jobs (`cmd &`).  A job runs to its end when it is started (one software
  // thread), unless its write(2) sleeps in the kernel: then it stays Running until the call
  // completes; `wait` waits for it, `jobs` lists it, `$!` is its process id.
  struct Job {
    int id = 0;
    long pid = 0;
    std::string text;                    // the command as bash prints it, with " &"
    std::shared_ptr<SleepingCall> call;  // the sleeping write, while the job runs
    std::string who;                     // the writer, for a write error at the end
    bool builtin = false;
    int line = 0;
    int status = 0;                      // the command's status before the write ended
  };
  std::vector<Job> jobs_;                // running jobs, in the order started
  std::map<long, int> job_status_;       // pid -> exit status of every job that ended
  long last_pid_ = kShellPid;            // each job takes the next number
  long last_bg_pid_ = 0;                 // $!
  friend struct Impl;
};

}  // namespace apsim::driver
