// testbench/apsim/campaign_process.cpp — forked children with a result pipe (campaign_process.h).
#include "testbench/apsim/campaign_process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <iostream>
#include <map>
#include <stdexcept>

#include "testbench/apsim/process.h"

namespace apsim::tb {

namespace {

struct Running {
  unsigned k;
  int fd;
  std::string data;
};

/// Read what is left of the child's pipe (it is finished writing when it exits).
void drain(Running& r) {
  char buf[4096];
  for (;;) {
    const ssize_t n = read(r.fd, buf, sizeof buf);
    if (n > 0) {
      r.data.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  close(r.fd);
}

}  // namespace

std::vector<ChildResult> run_in_children(unsigned count, unsigned jobs, const std::function<std::string(unsigned)>& body) {
  std::vector<ChildResult> results(count);
  std::map<pid_t, Running> running;
  unsigned next = 0;
  std::cout.flush();
  std::cerr.flush();
  while (next < count || !running.empty()) {
    while (next < count && running.size() < std::max(1u, jobs)) {
      int fds[2];
      if (pipe(fds) != 0) throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
      const pid_t pid = fork();
      if (pid < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
      if (pid == 0) {
        close(fds[0]);
        int status = 0;
        try {
          const std::string out = body(next);
          for (size_t off = 0; off < out.size();) {
            const ssize_t n = write(fds[1], out.data() + off, out.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            off += static_cast<size_t>(n);
          }
        } catch (const std::exception& e) {
          std::cerr << "apsim: internal error: " << e.what() << "\n";
          status = 70;
        }
        std::cout.flush();
        std::cerr.flush();
        close(fds[1]);
        _exit(status);  // no atexit handlers, no SystemC teardown of the parent's kernel
      }
      close(fds[1]);
      running[pid] = Running{next++, fds[0], {}};
    }
    // Children may write more than a pipe holds: read each running child's pipe until it
    // closes (its body returned), then reap it.
    auto it = running.begin();
    drain(it->second);
    int ws = 0;
    while (waitpid(it->first, &ws, 0) < 0 && errno == EINTR) {
    }
    ChildResult& r = results[it->second.k];
    r.ok = WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
    r.status = describe_wait_status(ws);
    r.payload = std::move(it->second.data);
    running.erase(it);
  }
  return results;
}

}  // namespace apsim::tb
