// driver/userspace/session.cpp — running programs, the process table of guests, sleep.
#include "driver/userspace/session.h"

#include <cerrno>
#include <algorithm>
#include <cmath>
#include <map>
#include <ostream>

#include "driver/linux/ap_bus.h"
#include "driver/qemu/qemu.h"
#include "driver/userspace/init.h"
#include "driver/userspace/libvirtd.h"
#include "driver/userspace/programs.h"

namespace apsim::driver {

GuestProcess::GuestProcess() = default;
GuestProcess::GuestProcess(GuestProcess&&) noexcept = default;
GuestProcess& GuestProcess::operator=(GuestProcess&&) noexcept = default;
GuestProcess::~GuestProcess() {
  session.reset();  // the guest's user space goes before the kernel QEMU holds
  qemu.reset();
}
LinuxKernel& GuestProcess::kernel() { return qemu->guest(); }

namespace {
class CompletionCall : public SleepingCall {
 public:
  explicit CompletionCall(std::shared_ptr<Completion> c) : c_(std::move(c)) {}
  bool done() const override { return c_->done(); }
  int result() const override { return c_->result(); }
  std::string waits_for() const override { return c_->waits_for(); }
  bool signalled(const std::string& comm, long pid) override { return c_->signal(comm, pid); }

 private:
  std::shared_ptr<Completion> c_;
};
}  // namespace

std::shared_ptr<SleepingCall> SysfsFileSystem::sleeping_call(std::shared_ptr<Completion> c) {
  return c ? std::make_shared<CompletionCall>(std::move(c)) : nullptr;
}

int SysfsFileSystem::write(const std::string& cwd, const std::string& path, const std::string& data) {
  const int rc = fs_.write(cwd, path, data);
  if (rc != -EIOCBQUEUED) return rc;
  sleeping_ = sleeping_call(fs_.take_sleeping());
  return kWriteSleeps;
}

Session::Session(LinuxKernel& kernel, const S390ToolsRelease* tools)
    : kernel_(kernel), tools_(tools ? tools : &S390ToolsRelease::for_linux(kernel.profile().version)), fs_(kernel.sysfs()) {}

Session::~Session() {
  guests_.clear();  // QEMU processes release their mdevs while the kernel is still there
}

FileSystem& Session::fs() {
  reap_guests();
  return fs_;
}

namespace {

// The utilities a script names by their bare name (coreutils, util-linux's uuidgen, ssh;
// programs.h).  A path to one of them (/bin/cat) is not known: the shell says "No such file
// or directory", as before the split (apsim has no /bin).
const std::map<std::string, ProgramMain>& utilities() {
  static const std::map<std::string, ProgramMain> table = {
      {"cat", cat_main},           {"ls", ls_main},             {"grep", grep_main},
      {"sleep", sleep_main},       {"uuidgen", uuidgen_main},   {"ssh", ssh_main},
      {"head", head_main},         {"tail", tail_main},         {"wc", wc_main},
      {"realpath", realpath_main}, {"readlink", readlink_main}, {"basename", basename_main},
      {"dirname", dirname_main},   {"mkdir", mkdir_main},       {"rm", rm_main},
      {"cut", cut_main},           {"sort", filter_main},       {"uniq", filter_main},
      {"tr", filter_main},         {"sed", filter_main},        {"awk", filter_main},
      {"find", find_main},         {"xargs", xargs_main},
  };
  return table;
}

// The system programs of every instance, by name or by a path ending in the name.
const std::map<std::string, ProgramMain>& programs() {
  static const std::map<std::string, ProgramMain> table = {
      {"modprobe", modprobe_main}, {"dmesg", dmesg_main},   {"lszcrypt", lszcrypt_main},
      {"apbench", apbench_main},   {"apinsn", apinsn_main}, {"uname", uname_main},
      {"hostname", hostname_main}, {"reboot", reboot_main}, {"poweroff", reboot_main},
      {"shutdown", reboot_main},   {"halt", reboot_main},   {"rmmod", rmmod_main},
      {"lsmod", lsmod_main},       {"modinfo", modinfo_main}, {"journalctl", journalctl_main},
  };
  return table;
}

// The host's own: the virtualization stack (QEMU, libvirt, mdevctl).
const std::map<std::string, ProgramMain>& host_programs() {
  static const std::map<std::string, ProgramMain> table = {
      {"qemu-system-s390x", qemu_system_s390x_main}, {"virsh", virsh_main},
      {"mdevctl", mdevctl_main},                     {"lsmdev", mdevctl_main},
  };
  return table;
}

}  // namespace

std::optional<int> Session::run_command(const std::vector<std::string>& argv, const CommandIo& io,
                                        const std::string& cwd) {
  reap_guests();
  if (argv.empty()) return 0;
  cwd_ = cwd;
  // The shell forks and execs the program (the table's fork_exec, which includes the
  // execve system call and the dynamic loader), whatever program it turns out to be.
  kernel_.cpu().run_software(arch::SoftwareStep::fork_exec);
  if (auto u = utilities().find(argv[0]); u != utilities().end()) return u->second(*this, argv, io);
  std::string cmd = argv[0];
  const size_t slash = cmd.rfind('/');
  if (slash != std::string::npos) cmd = cmd.substr(slash + 1);  // /usr/bin/qemu-system-s390x
  if (auto p = programs().find(cmd); p != programs().end()) return p->second(*this, argv, io);
  if (!kernel_.options().is_guest) {
    auto h = host_programs().find(cmd);
    if (h != host_programs().end()) return h->second(*this, argv, io);
  }
  if (external_command_) return external_command_(*this, argv, io);
  return std::nullopt;
}

ShellHost* Session::remote(const std::string& name) {
  reap_guests();
  if (auto it = guests_.find(name); it != guests_.end()) return it->second.session.get();
  auto it = ssh_hosts_.find(name);
  return it == ssh_hosts_.end() ? nullptr : it->second;
}

void Session::reap_guests() {
  for (auto it = guests_.begin(); it != guests_.end();) {
    if (it->second.kernel().poweroff_requested()) it = guests_.erase(it);  // QEMU exits
    else ++it;
  }
}

int Session::start_guest(const std::vector<std::string>& argv, std::ostream& err) {
  QemuLaunch launch;
  launch.name_taken = [this](const std::string& name) { return guests_.count(name) != 0; };
  launch.guest_init = init_main;
  auto p = QemuProcess::start(kernel_, argv, err, launch);
  if (!p) return 1;
  const std::string name = p->name();
  p->set_domain_id(take_domain_id());
  GuestProcess g;
  g.session = std::make_unique<Session>(p->guest(), tools_);
  g.session->set_pacer(pacer_);
  g.qemu = std::move(p);
  guests_[name] = std::move(g);
  return 0;
}

void Session::end_all_guests() { guests_.clear(); }

LibvirtState& Session::libvirt() {
  if (!libvirt_) libvirt_ = std::make_unique<LibvirtState>();
  return *libvirt_;
}

void Session::reboot() {
  // Guests end with their QEMU processes (releasing their mdevs); then the kernel.
  end_all_guests();
  next_domain_id_ = 1;  // libvirtd starts afresh too
  libvirt_.reset();
  kernel_.reboot();
}

double Session::hung_task_timeout_s() const {
  const unsigned long t = kernel_.hung_task_timeout_secs();
  return t ? static_cast<double>(t) : kBlockedForGoodSeconds;
}

bool Session::wait_for(SleepingCall& call, double timeout_s) {
  reap_guests();  // a guest that powered off releases what it held first
  for (double waited = 0; !call.done() && waited < timeout_s; waited += 1) sleep_seconds(1);
  return call.done();
}

int Session::write_sysfs(const std::string& path, const std::string& data) {
  const int rc = kernel_.sysfs().write(cwd_, path, data);
  if (rc != -EIOCBQUEUED) return rc;
  auto call = SysfsFileSystem::sleeping_call(kernel_.sysfs().take_sleeping());
  if (!call || !wait_for(*call, hung_task_timeout_s())) throw BlockedForGood{"", call ? call->waits_for() : ""};
  return call->result();
}

void Session::sleep_seconds(double seconds) {
  reap_guests();
  if (seconds <= 0) return;
  if (pacer_) {  // at a terminal: in steps the user can interrupt
    Pacer pace = std::move(pacer_);
    struct Back {
      Pacer& slot;
      Pacer& p;
      ~Back() { slot = std::move(p); }
    } back{pacer_, pace};
    for (double left = seconds; left > 0;) {
      const double step = std::min(left, 0.1);
      if (!pace(step)) throw Interrupted{};
      sleep_seconds(step);
      left -= step;
    }
    return;
  }
  arch::Cpu& cpu = kernel_.cpu();
  // Saturating: `sleep 2e7` is 2e19 ps, past uint64_t (and llround's long long).  The CPU
  // model stops the run where its clock ends (sc/timing.h kSimulatedTimeEndPs).
  const double ps = std::round(seconds * 1e12);
  const uint64_t now = cpu.now_ps(), step = ps >= 0x1p64 ? UINT64_MAX : static_cast<uint64_t>(ps);
  const uint64_t end = step > UINT64_MAX - now ? UINT64_MAX : now + step;
  // While time passes, the AP bus configuration timers (AP_CONFIG_TIME) of this kernel
  // and of its guests fire: each rescans its bus, in time order.
  for (;;) {
    LinuxKernel* k = &kernel_;
    for (auto& [name, g] : guests_)
      if (g.kernel().next_config_scan_ps() < k->next_config_scan_ps()) k = &g.kernel();
    const uint64_t t = k->next_config_scan_ps();
    if (t > end) break;
    if (t > cpu.now_ps()) cpu.delay_ps(t - cpu.now_ps());
    k->config_timer_expired();
  }
  if (end > cpu.now_ps()) cpu.delay_ps(end - cpu.now_ps());
}

std::vector<std::string> Session::login_environment(const std::string& program) const {
  return {"SHELL=/bin/bash",
          "PWD=" + cwd_,
          "LOGNAME=root",
          "HOME=/root",
          "LANG=C.UTF-8",
          "TERM=xterm-256color",
          "USER=root",
          "SHLVL=1",
          "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "_=" + program};
}

}  // namespace apsim::driver
