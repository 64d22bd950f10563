// testbench/tests/common/fake_host.h — a small host for the tests of the shell and of the
// utilities, with no hardware model: an AP-like sysfs (ap_tree.h), fake
// programs (lszcrypt, args, fail7, qemu-system-s390x, uuidgen, modprobe) that record what they
// were given, the real utilities of driver/userspace (cat, ls, grep, sleep, ssh, sort, find,
// xargs, lsmod, uname, ...) running on
// a Linux kernel over an untimed CPU, and optional peers reachable by ssh.
#pragma once

#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "driver/linux/kernel.h"
#include "driver/shell/shell.h"
#include "driver/userspace/session.h"
#include "testbench/tests/common/ap_tree.h"
#include "testbench/tests/common/untimed_cpu.h"

namespace apsim::test {

class FakeHost : public driver::ShellHost {
 public:
  explicit FakeHost(std::string name)
      : kernel_(cpu_, options(name)),
        session_(kernel_),
        tree_(kernel_.sysfs()),
        sysfs(kernel_.sysfs()),
        apmask(tree_.apmask),
        stores(tree_.stores),
        name_(std::move(name)) {
    sysfs.mkdir("/root");  // root's home, the shell's first working directory
    // A store that sleeps in the kernel until the command `wake [ERRNO]` completes it.
    sysfs.add_attr("/sys/bus/ap/sleepy", nullptr, [this](const std::string& b) {
      stores.push_back("sleepy:" + b);
      sleeper = std::make_shared<driver::Completion>("a test's wake command");
      sysfs.sleep_on(sleeper);
      return -EIOCBQUEUED;
    });
  }

  driver::FileSystem& fs() override { return session_.fs(); }
  bool wait_for(driver::SleepingCall& call, double timeout_s) override { return session_.wait_for(call, timeout_s); }
  std::string hostname() const override { return name_; }
  std::optional<int> run_command(const std::vector<std::string>& argv, const driver::CommandIo& io,
                                 const std::string& cwd) override {
    static const std::set<std::string> utilities = {"cat",      "ls",       "grep",     "head",  "tail",
                                                    "wc",       "realpath", "readlink", "basename", "dirname",
                                                    "mkdir",    "rm",       "cut",      "sleep", "ssh",
                                                    "sort",     "uniq",     "tr",       "sed",   "awk",
                                                    "find",     "xargs",    "lsmod",    "rmmod", "modinfo",
                                                    "uname",    "journalctl"};
    if (utilities.count(argv[0])) return session_.run_command(argv, io, cwd);
    commands.push_back(argv);
    std::ostream& out = *io.out;
    if (argv[0] == "lszcrypt") {
      out << "CARD.DOM TYPE  MODE        STATUS  REQUESTS\n"
             "05       CEX8P EP11-Coproc online         0\n"
             "05.0004  CEX8P EP11-Coproc online         0\n"
             "06       CEX8A Accelerator online         0\n";
      return 0;
    }
    if (argv[0] == "args") {  // prints its argv, one per line, bracketed
      for (std::size_t i = 1; i < argv.size(); ++i) out << "[" << argv[i] << "]\n";
      return 0;
    }
    if (argv[0] == "fail7") {
      *io.err << "fail7: failing\n";
      return 7;
    }
    if (argv[0] == "uuidgen") {
      char b[40];
      std::snprintf(b, sizeof b, "4b0518fd-9237-493f-93c8-%012d", ++uuids);
      out << b << "\n";
      return 0;
    }
    if (argv[0] == "/usr/bin/qemu-system-s390x") return 0;
    if (argv[0] == "wake") {  // completes the sleeping store: 0, or -ERRNO given as a number
      if (!sleeper) return 1;
      sleeper->complete(argv.size() > 1 ? -std::stoi(argv[1]) : 0);
      return 0;
    }
    return std::nullopt;
  }
  /// `ssh NAME` from this host reaches `peer` (NAME = the peer's host name).
  void add_peer(FakeHost& peer) { session_.add_ssh_host(peer.name_, peer); }
  /// Simulated seconds slept so far (`sleep`).
  double slept() { return static_cast<double>(cpu_.now_ps()) / 1e12; }

 private:
  static driver::KernelOptions options(const std::string& name) {
    driver::KernelOptions ko;
    ko.hostname = name;
    return ko;
  }
  UntimedCpu cpu_;
  driver::LinuxKernel kernel_;
  driver::Session session_;
  ApTree tree_;

 public:
  driver::Sysfs& sysfs;  ///< the host's tree (not booted: only what the constructor made)
  std::string& apmask;   ///< the apmask attribute's value
  std::vector<std::string>& stores;
  std::vector<std::vector<std::string>> commands;
  int uuids = 0;
  std::shared_ptr<driver::Completion> sleeper;  ///< the sleepy store's, once written

 private:
  std::string name_;
};

struct Result {
  std::string out, err;
  int rc;
};

/// Run `script` in a new shell on `h`.
inline Result run(FakeHost& h, const std::string& script, bool echo = false, const std::string& name = "script") {
  std::ostringstream out, err;
  driver::ShellOptions o;
  o.script_name = name;
  o.echo_commands = echo;
  driver::Shell sh(h, out, err, o);
  int rc = sh.run_script(script);
  return {out.str(), err.str(), rc};
}

/// A fake host whose /root is a normal-filesystem directory (as the kernel mounts /etc,
/// /root, /tmp), for the tests of regular files.
struct Disk {
  FakeHost h{"host"};
  Disk() { h.sysfs.mount_tmpfs("/root"); }
  /// The file's contents, or "<missing>".
  std::string file(const std::string& path) {
    std::string out;
    return h.sysfs.read("/", path, out) == 0 ? out : "<missing>";
  }
};

}  // namespace apsim::test
