// testbench/apsim/process.cpp — fork/exec with an argument vector; see process.h.
#include "testbench/apsim/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace apsim::tb {

namespace {

bool executable(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

/// In the child: open `path` for writing (truncated, or appended to) onto `fd`.
bool redirect(const std::string& path, int fd, bool append) {
  const int f = open(path.c_str(), O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
  if (f < 0) return false;
  if (f != fd) {
    if (dup2(f, fd) < 0) return false;
    close(f);
  }
  return true;
}

/// In the child: open `path` for reading onto stdin.
bool redirect_in(const char* path) {
  const int f = open(path, O_RDONLY);
  if (f < 0) return false;
  if (f != 0) {
    if (dup2(f, 0) < 0) return false;
    close(f);
  }
  return true;
}

}  // namespace

std::optional<std::string> find_program(const std::string& name) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) return executable(name) ? std::optional<std::string>(name) : std::nullopt;
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  for (;;) {
    const size_t colon = p.find(':', start);
    std::string dir = p.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (dir.empty()) dir = ".";
    const std::string full = dir + "/" + name;
    if (executable(full)) return full;
    if (colon == std::string::npos) return std::nullopt;
    start = colon + 1;
  }
}

pid_t spawn_program(const std::vector<std::string>& argv, const SpawnOptions& o) {
  if (argv.empty()) throw SpawnError("spawn: no program given");
  const std::optional<std::string> exe = find_program(argv[0]);
  if (!exe) throw SpawnError(argv[0] + ": not found" + (argv[0].find('/') == std::string::npos ? " in $PATH" : ""));
  std::vector<std::string> args = argv;
  std::vector<char*> cargs;
  for (std::string& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  int report[2];  // the child writes errno here if it cannot exec; closed on a successful exec
  if (pipe2(report, O_CLOEXEC) != 0) throw SpawnError(argv[0] + ": pipe: " + std::strerror(errno));
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    close(report[0]);
    close(report[1]);
    throw SpawnError(argv[0] + ": fork: " + std::strerror(e));
  }
  if (pid == 0) {
    close(report[0]);
    // The step that failed, then errno: 0 chdir, 1 stdin, 2 stdout, 3 stderr, 4 exec.
    int step = 0;
    bool ok = o.cwd.empty() || chdir(o.cwd.c_str()) == 0;
    if (ok) step = 1, ok = redirect_in("/dev/null");
    if (ok && o.stdout_fd >= 0) step = 2, ok = dup2(o.stdout_fd, 1) == 1;
    if (ok && !o.stdout_path.empty()) step = 2, ok = redirect(o.stdout_path, 1, o.append);
    if (ok && o.stderr_fd >= 0) step = 3, ok = dup2(o.stderr_fd, 2) == 2;
    if (ok && !o.stderr_path.empty()) {
      step = 3;
      ok = o.stderr_path == o.stdout_path ? dup2(1, 2) == 2 : redirect(o.stderr_path, 2, o.append);
    }
    if (ok) {
      signal(SIGPIPE, SIG_DFL);
      step = 4;
      execv(exe->c_str(), cargs.data());
    }
    const int msg[2] = {step, errno};
    if (write(report[1], msg, sizeof msg) < 0) _exit(127);
    _exit(127);
  }
  close(report[1]);
  int msg[2] = {0, 0};
  ssize_t n;
  do n = read(report[0], msg, sizeof msg);
  while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n == static_cast<ssize_t>(sizeof msg)) {
    int st = 0;
    waitpid(pid, &st, 0);
    const std::string why = msg[0] == 0   ? "cannot change to directory " + o.cwd
                            : msg[0] == 1 ? std::string("cannot open /dev/null")
                            : msg[0] == 2 ? "cannot write " + o.stdout_path
                            : msg[0] == 3 ? "cannot write " + o.stderr_path
                                          : std::string("cannot execute");
    throw SpawnError(*exe + ": " + why + ": " + std::strerror(msg[1]));
  }
  return pid;
}

std::string describe_wait_status(int st) {
  if (WIFEXITED(st)) return "exit status " + std::to_string(WEXITSTATUS(st));
  if (WIFSIGNALED(st)) {
    const char* name = sigabbrev_np(WTERMSIG(st));
    return "killed by signal " + std::to_string(WTERMSIG(st)) + (name ? std::string(" (SIG") + name + ")" : "");
  }
  return "ended with wait status " + std::to_string(st);
}

bool ProgramOutput::ok() const { return WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0; }

std::string ProgramOutput::failure() const {
  const std::string why = last_line(err.empty() ? out : err);
  return describe_wait_status(wstatus) + (why.empty() ? "" : ": " + why);
}

ProgramOutput run_program(const std::vector<std::string>& argv, const std::string& cwd) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw SpawnError(argv.at(0) + ": pipe: " + std::strerror(errno));
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    throw SpawnError(argv.at(0) + ": pipe: " + std::strerror(errno));
  }
  SpawnOptions o;  // the pipes' write ends become the child's stdout and stderr
  o.cwd = cwd;
  o.stdout_fd = out[1];
  o.stderr_fd = err[1];
  pid_t pid;
  try {
    pid = spawn_program(argv, o);
  } catch (...) {
    for (int f : {out[0], out[1], err[0], err[1]}) close(f);
    throw;
  }
  close(out[1]);
  close(err[1]);
  ProgramOutput r;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sink[2] = {&r.out, &r.err};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sink[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (const pollfd& f : fds)
    if (f.fd >= 0) close(f.fd);
  while (waitpid(pid, &r.wstatus, 0) < 0 && errno == EINTR) {
  }
  return r;
}

std::string last_line(const std::string& text) {
  size_t end = text.size();
  while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' ')) --end;
  const size_t nl = text.rfind('\n', end == 0 ? 0 : end - 1);
  const size_t start = nl == std::string::npos || end == 0 ? 0 : nl + 1;
  return text.substr(start, end - start);
}

}  // namespace apsim::tb
