// driver/userspace/session.h — the user space of one simulated Linux instance, as the
// scenario shell sees it: the programs an administrator runs (the command table), the
// working directory they run in, the file system through the shell's interface, and on the
// host the QEMU processes of the guests with the user space of each guest (`ssh NAME`).
//
// A Session is the ShellHost (driver/shell/shell.h) of one instance.  It holds no kernel
// state: the kernel (driver/linux/kernel.h) is the one below it, reached as programs reach
// Linux, through sysfs and the kernel's services.  Programs live in their own files
// (programs.h); this file's job is to run them and to keep the process table.
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "driver/linux/kernel.h"
#include "driver/shell/shell.h"
#include "driver/userspace/s390_tools.h"

namespace apsim::driver {

class QemuProcess;
class Session;
struct LibvirtState;

/// The shell's FileSystem over a kernel's sysfs tree (the system calls a process makes).
class SysfsFileSystem : public FileSystem {
 public:
  explicit SysfsFileSystem(Sysfs& fs) : fs_(fs) {}
  /// A kernel completion as the shell's SleepingCall.
  static std::shared_ptr<SleepingCall> sleeping_call(std::shared_ptr<Completion> c);
  int resolve(const std::string& cwd, const std::string& path, std::string& out) const override {
    return fs_.resolve(cwd, path, out);
  }
  int read(const std::string& cwd, const std::string& path, std::string& out) const override {
    return fs_.read(cwd, path, out);
  }
  int open_write(const std::string& cwd, const std::string& path) const override { return fs_.open_write(cwd, path); }
  /// A store that sleeps (-EIOCBQUEUED) gives kWriteSleeps; take_sleeping() has its call.
  int write(const std::string& cwd, const std::string& path, const std::string& data) override;
  std::shared_ptr<SleepingCall> take_sleeping() override { return std::move(sleeping_); }
  int readlink(const std::string& cwd, const std::string& path, std::string& target) const override {
    return fs_.readlink(cwd, path, target);
  }
  int list(const std::string& cwd, const std::string& path, std::vector<std::string>& names) const override {
    return fs_.list(cwd, path, names);
  }
  bool exists(const std::string& abs_path) const override { return fs_.exists(abs_path); }
  bool is_dir(const std::string& abs_path) const override { return fs_.is_dir(abs_path); }
  bool is_file(const std::string& abs_path) const override { return fs_.is_file(abs_path); }

 private:
  Sysfs& fs_;
  std::shared_ptr<SleepingCall> sleeping_;
};

/// A guest started by qemu-system-s390x on the host: the QEMU process and the user space of
/// the guest it runs (destroyed first: it sits on the guest kernel QEMU owns).
struct GuestProcess {
  std::unique_ptr<QemuProcess> qemu;
  std::unique_ptr<Session> session;
  GuestProcess();
  GuestProcess(GuestProcess&&) noexcept;
  GuestProcess& operator=(GuestProcess&&) noexcept;
  ~GuestProcess();
  LinuxKernel& kernel();
};

class Session : public ShellHost {
 public:
  /// The user space of `kernel`.  The kernel's init program (KernelOptions::init) is
  /// usually init_main (driver/userspace/init.h); a Session needs no boot of its own.
  /// `tools`: the s390-tools release installed (lszcrypt, ap-check); nullptr: the release
  /// of the kernel's era (S390ToolsRelease::for_linux).  Guests get the host's.
  explicit Session(LinuxKernel& kernel, const S390ToolsRelease* tools = nullptr);
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  LinuxKernel& kernel() { return kernel_; }
  const S390ToolsRelease& tools() const { return *tools_; }

  // ---- ShellHost ----
  /// The file system; guests that powered off are reaped first (see reap_guests).
  FileSystem& fs() override;
  std::string hostname() const override { return kernel_.hostname(); }
  /// Run the program argv[0] (a path's last component names it: /usr/bin/qemu-system-s390x)
  /// with working directory `cwd`; nothing if there is none by that name.  Programs are those of
  /// programs.h; on the host also qemu-system-s390x, virsh, mdevctl/lsmdev, and whatever the
  /// external-command hook knows (apsim-inject).
  std::optional<int> run_command(const std::vector<std::string>& argv, const CommandIo& io,
                                 const std::string& cwd) override;

  /// The working directory of the program running now: relative paths it opens start there.
  const std::string& cwd() const { return cwd_; }
  /// The environment a program started from this session receives (envp), in order: root's
  /// login shell on Debian as `env` lists it after an ssh login, with PWD the working
  /// directory and `_` the program.  A choice (bash orders its export list by its own
  /// hashing); only a program that reads past argv sees it (lszcrypt 2.25, s390_tools.h).
  std::vector<std::string> login_environment(const std::string& program) const;

  // ---- processes ----
  /// Guests started by qemu-system-s390x on this host, by name.
  std::map<std::string, GuestProcess>& guests() { return guests_; }
  /// What `ssh NAME` reaches: the user space of the guest NAME, else a host made known by
  /// add_ssh_host; nullptr if neither (ssh: "Could not resolve hostname").
  ShellHost* remote(const std::string& name);
  /// Another machine `ssh NAME` reaches (a second LPAR, a test's fake host); it must outlive
  /// this session.  A guest of the same name takes precedence.
  void add_ssh_host(const std::string& name, ShellHost& host) { ssh_hosts_[name] = &host; }
  /// End the QEMU processes whose guests powered off (called before the host does anything
  /// else, so a guest's own command is never cut short).
  void reap_guests();
  /// qemu-system-s390x: start a guest (QemuProcess::start) named by its -name; 0 or 1 with
  /// QEMU's message on `err`.
  int start_guest(const std::vector<std::string>& argv, std::ostream& err);
  /// End every guest's QEMU process, as a shutdown of the host does.
  void end_all_guests();
  /// The domain id libvirt shows for the next guest (virsh list): 1, 2, ... since boot.
  int take_domain_id() { return next_domain_id_++; }
  /// `reboot` of this instance: user space ends (every guest's QEMU), the kernel reboots
  /// (LinuxKernel::reboot, which runs init again), libvirt starts afresh.
  void reboot();
  /// libvirtd's memory of the domains it runs (driver/userspace/libvirtd.h); virsh's.
  LibvirtState& libvirt();

  // ---- time ----
  /// Let simulated time pass; the AP bus rescans (every AP_CONFIG_TIME, 30 s) of this
  /// kernel and its guests' kernels that fall due meanwhile run at their time, in order.
  void sleep_seconds(double seconds);
  /// A session at a terminal (apsim shell) paces simulated sleeps to the wall clock so that
  /// Ctrl-C can stop them: sleep_seconds calls `pace(seconds)` before each step of at most
  /// 0.1 s; it waits that long and returns false when the user interrupted (then
  /// sleep_seconds throws Interrupted).  Guests started later inherit it.  Empty: no pacing.
  using Pacer = std::function<bool(double seconds)>;
  void set_pacer(Pacer p) { pacer_ = std::move(p); }
  /// ShellHost: sleep (as sleep_seconds, in steps of a second) until `call` is done or
  /// `timeout_s` has passed; true if it is done.
  bool wait_for(SleepingCall& call, double timeout_s) override;
  /// ShellHost: the kernel's hung_task_timeout_secs; 0 (Linux: the detector off) gives
  /// kBlockedForGoodSeconds, as apsim must end a script that nothing can wake.
  double hung_task_timeout_s() const override;
  /// A program's write to sysfs (Sysfs::write): a store that sleeps is waited for as a process
  /// would be; one that nothing wakes within hung_task_timeout_s() throws BlockedForGood.
  int write_sysfs(const std::string& path, const std::string& data);

  /// A command of the simulator itself rather than of Linux (`apsim-inject`): run_command
  /// hands it every command it does not know.  The hook returns the exit status, or nothing
  /// when it does not know the command either ("command not found").  The testbench installs it
  /// on the host (testbench/apsim/run_command.cpp), so that driver/ needs no SystemC.
  using ExternalCommand =
      std::function<std::optional<int>(Session&, const std::vector<std::string>& argv, const CommandIo& io)>;
  void set_external_command(ExternalCommand hook) { external_command_ = std::move(hook); }

 private:
  LinuxKernel& kernel_;
  const S390ToolsRelease* tools_;
  SysfsFileSystem fs_;
  std::string cwd_ = "/root";  ///< set by run_command for the program it runs
  std::map<std::string, GuestProcess> guests_;
  std::map<std::string, ShellHost*> ssh_hosts_;
  int next_domain_id_ = 1;  ///< libvirt's id for the next guest started
  std::unique_ptr<LibvirtState> libvirt_;
  ExternalCommand external_command_;
  Pacer pacer_;
};

}  // namespace apsim::driver
