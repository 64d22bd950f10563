// driver/linux/main.cpp — start_kernel and kernel_init (init/main.c) of one simulated Linux:
// construction, boot, reboot, the command line and the AP bus configuration timer.
#include "driver/linux/kernel.h"

#include <cstdio>

#include "driver/linux/ap_bus.h"
#include "driver/linux/kernel_parse.h"
#include "driver/linux/vfio_ap_private.h"
#include "driver/linux/zcrypt_api.h"

namespace apsim::driver {

namespace {
constexpr uint64_t kApConfigTimePs = 30'000'000'000'000ull;  // AP_CONFIG_TIME: 30 s
}  // namespace

LinuxKernel::LinuxKernel(arch::Cpu& cpu, const KernelOptions& opts)
    : cpu_(cpu), opts_(opts), pages_(opts.alloc_base, std::max(opts.alloc_base, std::min(opts.alloc_limit, cpu.storage().size()))),
      guest_mem_(opts.guest_mem_base, std::max(opts.guest_mem_base, cpu.storage().size())),
      rng_(opts.seed) {
  sysfs_.set_cpu(&cpu_);
  ap_bus_ = std::make_unique<ApBus>(*this);
  zcrypt_ = std::make_unique<Zcrypt>(*this);
}

LinuxKernel::~LinuxKernel() = default;

void LinuxKernel::boot() {
  boot_ps_ = cpu_.now_ps();
  sysfs_.mkdir("/root");
  // The disk: configuration under /etc, root's home, /tmp; regular files live there.
  for (const char* dir : {"/etc", "/root", "/tmp"}) sysfs_.mount_tmpfs(dir);
  for (const char* dir : {"/etc/udev/rules.d", "/etc/modules-load.d"}) sysfs_.make_dir("/", dir, true);
  if (!opts_.is_guest) sysfs_.make_dir("/", "/etc/mdevctl.d", true);  // the mdevctl package
  // /sys/bus/ap and /sys/devices/ap are the AP bus's own (ApBus::init registers them).
  sysfs_.mkdir("/sys/bus");
  sysfs_.mkdir("/sys/devices");
  printk(std::string("Linux version ") + release() + " (apsim) on " + (opts_.is_guest ? "KVM" : "LPAR"));
  if (!opts_.cmdline.empty()) printk("Kernel command line: " + opts_.cmdline);
  // start_kernel .. do_initcalls: the AP bus comes up at its device_initcall and arms the
  // configuration timer then (ap_module_init, ap_config_time).
  if (opts_.initcall_ps) cpu_.delay_ps(opts_.initcall_ps);
  next_config_scan_ps_ = cpu_.now_ps() + kApConfigTimePs;
  // zcrypt_cex4 is loaded by udev for the first AP device's modalias (ap:tXX); without a bus
  // (no AP instructions) there is no device, no uevent and no zcrypt driver.
  if (ap_bus_->init(opts_.cmdline) == 0 && zcrypt_->register_with(*ap_bus_) == 0) {
    insert_module("zcrypt");
    insert_module("zcrypt_cex4");
  }
  // procfs: what `lsmod` and `cat /proc/cpuinfo` read.
  sysfs_.add_proc_file("/proc/modules", sysfs_show([this] { return proc_modules(); }));
  sysfs_.add_proc_file("/proc/cpuinfo", sysfs_show([this] { return proc_cpuinfo(); }));
  // proc_dohung_task_timeout_secs: proc_doulongvec_minmax, 0 .. LONG_MAX / HZ; the value
  // is a decimal number (leading blanks and a trailing newline allowed), else EINVAL.
  sysfs_.add_proc_file("/proc/sys/kernel/hung_task_timeout_secs",
                       sysfs_show([this] { return std::to_string(hung_task_timeout_secs_) + "\n"; }),
                       [this](const std::string& buf) {
                         const std::optional<long long> v = sscanf_number(buf, 10);
                         if (!v || *v < 0 || *v > 9223372036854775807LL / 100) return -EINVAL;
                         hung_task_timeout_secs_ = static_cast<unsigned long>(*v);
                         return 0;
                       });
  // apsim.kvm_ap=intercept: the what-if in which KVM emulates its guests' AP instructions
  // (driver/linux/kvm-s390.h, KvmVm::emulates_ap); "interpret" (or nothing) is what Linux does.
  const std::string kvm_ap = cmdline_param("apsim.kvm_ap");
  if (!kvm_ap.empty() && kvm_ap != "interpret" && kvm_ap != "intercept")
    printk("apsim: unknown apsim.kvm_ap=" + kvm_ap + ", using \"interpret\"");
  else if (kvm_ap == "intercept")
    printk("apsim: what-if: KVM intercepts and emulates guest AP instructions (APIE off)");
  // Any other apsim.* parameter is not apsim's: said once, then ignored.  The Linux release
  // is chosen outside the kernel (LPAR config "linux", apsim run --linux), so the retired
  // apsim.vfio_ap_profile says where its job went.
  for (const std::string& tok : cmdline_tokens()) {
    const std::string name = tok.substr(0, tok.find('='));
    if (name.compare(0, 6, "apsim.") != 0 || name == "apsim.kvm_ap") continue;
    printk("apsim: unknown parameter " + tok + " ignored" +
           (name == "apsim.vfio_ap_profile" ? " (the Linux release is the LPAR config's \"linux\" or --linux)" : ""));
  }
  // kernel_init: run_init_process(/sbin/init).
  if (opts_.init) opts_.init(*this);
}

void LinuxKernel::reboot() {
  // User space has ended its processes (QEMU released its mdevs).  Then the kernel's state
  // goes: devices and drivers, modules, the ring buffer, sysfs.  Pages the old kernel's
  // objects give back on destruction return to the free list (zeroed); the adapters are
  // untouched.
  // A new boot's tools get new pages; the old ones stay allocated, so an adapter that still
  // stores a NIB byte there (its queue's interrupts were never disabled) hits nothing.
  persistent_pages_.clear();
  ap_bus_.reset();
  vfio_ap_.reset();
  zcrypt_.reset();
  modules_.clear();
  log_.clear();
  poweroff_requested_ = false;
  sysfs_.reset_keeping({"/etc", "/root"});
  ap_bus_ = std::make_unique<ApBus>(*this);
  zcrypt_ = std::make_unique<Zcrypt>(*this);
  boot();
}

std::vector<std::string> LinuxKernel::cmdline_tokens() const {
  std::vector<std::string> toks;
  const std::string& c = opts_.cmdline;
  size_t pos = 0;
  while (pos < c.size()) {
    while (pos < c.size() && c[pos] == ' ') ++pos;
    size_t end = c.find(' ', pos);
    if (end == std::string::npos) end = c.size();
    if (end > pos) toks.push_back(c.substr(pos, end - pos));
    pos = end;
  }
  return toks;
}

std::string LinuxKernel::cmdline_param(const std::string& name) const {
  for (const std::string& tok : cmdline_tokens())
    if (tok.compare(0, name.size() + 1, name + "=") == 0) return tok.substr(name.size() + 1);
  return "";
}

std::string LinuxKernel::random_uuid() {
  // generate_random_uuid: 16 random bytes, version 4, variant 1; from the seeded generator,
  // so reproducible per --seed.
  const uint64_t hi = rng_(), lo = rng_();
  uint8_t b[16];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(hi >> (56 - 8 * i)), b[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  char s[40];
  std::snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
                b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return s;
}

void LinuxKernel::config_timer_expired() {
  next_config_scan_ps_ += ap_bus_->config_time_s() * 1'000'000'000'000ull;
  ap_bus_->scan();
}

void LinuxKernel::rearm_config_timer() {
  next_config_scan_ps_ = cpu_.now_ps() + ap_bus_->config_time_s() * 1'000'000'000'000ull;
}

int LinuxKernel::alloc_iommu_group() {
  int id = 0;
  while (iommu_groups_.count(id)) ++id;
  iommu_groups_.insert(id);
  return id;
}

void LinuxKernel::free_iommu_group(int id) { iommu_groups_.erase(id); }

void LinuxKernel::uevent(const std::string& action, const std::string& devpath) {
  if (uevent_listener_) uevent_listener_(*this, action, devpath);
}

}  // namespace apsim::driver
