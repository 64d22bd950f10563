// driver/userspace/host_program.cpp — run_host_program (host_program.h): fork, execv, and a
// poll loop that feeds the program's standard input while it reads its output and errors.
#include "driver/userspace/host_program.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

namespace apsim::driver {

int run_host_program(const std::string& path, const std::vector<std::string>& argv, const std::string& input,
                     std::string& out, std::string& err) {
  // A program may stop reading before the end of its input (grep -q, sed q, head): the write
  // then fails with EPIPE, and the SIGPIPE that comes with it must not end apsim.  It is
  // blocked for the exchange and a pending one discarded before the old mask returns.
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  struct Restore {
    const sigset_t& set;
    const sigset_t& old;
    ~Restore() {
      const timespec zero{0, 0};
      while (sigtimedwait(&set, nullptr, &zero) > 0) {
      }
      pthread_sigmask(SIG_SETMASK, &old, nullptr);
    }
  } restore{pipe_set, old_set};
  int in_p[2], out_p[2], err_p[2];
  if (pipe2(in_p, O_CLOEXEC) != 0) return -errno;
  if (pipe2(out_p, O_CLOEXEC) != 0 || pipe2(err_p, O_CLOEXEC) != 0) return -errno;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -errno;
  if (pid == 0) {
    dup2(in_p[0], 0);
    dup2(out_p[1], 1);
    dup2(err_p[1], 2);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    pthread_sigmask(SIG_SETMASK, &old_set, nullptr);  // the mask is inherited across execv
    setenv("LC_ALL", "C", 1);  // the C locale, as apsim's own tools
    execv(path.c_str(), args.data());
    _exit(127);
  }
  close(in_p[0]);
  close(out_p[1]);
  close(err_p[1]);
  // The input end does not block: a blocking write of the whole rest waited for the program
  // to read it while the program waited for apsim to read its output (a 256 KiB `tr` hung
  // for ever); POLLOUT only promises room for some of it.
  fcntl(in_p[1], F_SETFL, fcntl(in_p[1], F_GETFL) | O_NONBLOCK);
  std::size_t written = 0;
  bool in_open = true;
  if (input.empty()) {
    close(in_p[1]);
    in_open = false;
  }
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open) {
    pollfd fds[3];
    int n = 0;
    int iw = -1, io = -1, ie = -1;
    if (in_open) fds[iw = n++] = {in_p[1], POLLOUT, 0};
    if (out_open) fds[io = n++] = {out_p[0], POLLIN, 0};
    if (err_open) fds[ie = n++] = {err_p[0], POLLIN, 0};
    if (poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (iw >= 0 && fds[iw].revents) {
      const ssize_t w = (fds[iw].revents & POLLOUT) ? write(in_p[1], input.data() + written, input.size() - written) : -1;
      if (w > 0) written += static_cast<std::size_t>(w);
      const bool again = w < 0 && (errno == EAGAIN || errno == EINTR) && (fds[iw].revents & POLLOUT);
      if ((w < 0 && !again) || written == input.size()) {
        close(in_p[1]);
        in_open = false;
      }
    }
    for (auto [idx, fd, open, dst] : {std::tuple<int, int, bool*, std::string*>{io, out_p[0], &out_open, &out},
                                      std::tuple<int, int, bool*, std::string*>{ie, err_p[0], &err_open, &err}}) {
      if (idx < 0 || !fds[idx].revents) continue;
      const ssize_t r = read(fd, buf, sizeof buf);
      if (r > 0) dst->append(buf, static_cast<std::size_t>(r));
      else if (r == 0 || errno != EINTR) {
        close(fd);
        *open = false;
      }
    }
  }
  if (in_open) close(in_p[1]);
  int ws = 0;
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(ws)) return 128 + WTERMSIG(ws);
  return WEXITSTATUS(ws);
}

}  // namespace apsim::driver
