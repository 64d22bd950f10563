// driver/kernel.cpp — one Linux instance: boot, printk, page allocation, commands.
#include "driver/kernel.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "driver/ap_bus.h"
#include "driver/kvm.h"
#include "driver/qemu.h"
#include "driver/tools.h"
#include "driver/vfio_ap.h"
#include "driver/zcrypt.h"

namespace apsim::driver {

namespace {
constexpr uint64_t kPageSize = 4096;
const char* kUname = "6.1.0-apsim";
constexpr uint64_t kApConfigTimePs = 30'000'000'000'000ull;  // AP_CONFIG_TIME: 30 s

// Built in or harmless to (re)load on this kernel; vfio_ap is the one with a job here.
bool known_module(const std::string& m) {
  static const std::set<std::string> known = {"vfio_ap", "vfio_mdev", "vfio", "mdev", "kvm",
                                               "zcrypt", "ap", "zcrypt_cex4", "vfio_iommu_type1"};
  return known.count(m) != 0;
}
}  // namespace

LinuxKernel::LinuxKernel(arch::Cpu& cpu, const KernelOptions& opts)
    : cpu_(cpu), opts_(opts), pages_(opts.alloc_base, std::max(opts.alloc_base, std::min(opts.alloc_limit, cpu.storage().size()))),
      guest_mem_(opts.guest_mem_base, std::max(opts.guest_mem_base, cpu.storage().size())),
      rng_(opts.seed) {
  ap_bus_ = std::make_unique<ApBus>(*this);
  zcrypt_ = std::make_unique<Zcrypt>(*this);
  VfioApProfile::by_name(cmdline_param("apsim.vfio_ap_profile"), vfio_profile_);
}

LinuxKernel::~LinuxKernel() {
  guests_.clear();  // QEMU processes release their mdevs before vfio_ap goes away
}

void LinuxKernel::boot() {
  boot_ps_ = cpu_.now_ps();
  next_config_scan_ps_ = boot_ps_ + kApConfigTimePs;
  sysfs_.mkdir("/root");
  // The disk: configuration under /etc, root's home, /tmp; regular files live there.
  for (const char* dir : {"/etc", "/root", "/tmp"}) sysfs_.mount_tmpfs(dir);
  for (const char* dir : {"/etc/udev/rules.d", "/etc/modules-load.d"}) sysfs_.make_dir("/", dir, true);
  if (!opts_.is_guest) sysfs_.make_dir("/", "/etc/mdevctl.d", true);  // the mdevctl package
  // /sys/bus/ap and /sys/devices/ap are the AP bus's own (ApBus::init registers them).
  sysfs_.mkdir("/sys/bus");
  sysfs_.mkdir("/sys/devices");
  printk(std::string("Linux version ") + kUname + " (apsim) on " + (opts_.is_guest ? "KVM" : "LPAR"));
  if (!opts_.cmdline.empty()) printk("Kernel command line: " + opts_.cmdline);
  // zcrypt_cex4 is loaded by udev for the first AP device's modalias (ap:tXX); without a bus
  // (no AP instructions) there is no device, no uevent and no zcrypt driver.
  if (ap_bus_->init(opts_.cmdline) == 0) zcrypt_->register_with(*ap_bus_);
  const std::string profile = cmdline_param("apsim.vfio_ap_profile");
  VfioApProfile p;
  if (!VfioApProfile::by_name(profile, p))
    printk("apsim: unknown apsim.vfio_ap_profile=" + profile + ", using \"" + vfio_profile_.name + "\"");
  // apsim.kvm_ap=intercept: the what-if in which KVM emulates its guests' AP instructions
  // (driver/kvm.h, KvmVm::emulates_ap); "interpret" (or nothing) is what Linux does.
  const std::string kvm_ap = cmdline_param("apsim.kvm_ap");
  if (!kvm_ap.empty() && kvm_ap != "interpret" && kvm_ap != "intercept")
    printk("apsim: unknown apsim.kvm_ap=" + kvm_ap + ", using \"interpret\"");
  else if (kvm_ap == "intercept")
    printk("apsim: what-if: KVM intercepts and emulates guest AP instructions (APIE off)");
  boot_userspace();
}

void LinuxKernel::printk(const std::string& line) {
  const uint64_t us = (cpu_.now_ps() - boot_ps_) / 1'000'000;  // time since this boot
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "[%5llu.%06llu] ", static_cast<unsigned long long>(us / 1'000'000),
                static_cast<unsigned long long>(us % 1'000'000));
  log_.push_back(stamp + line);
}

uint64_t LinuxKernel::alloc_pages(unsigned n) {
  const auto addr = pages_.alloc(uint64_t{n} * kPageSize, kPageSize);
  if (!addr) throw std::runtime_error(opts_.hostname + ": out of kernel memory");
  return *addr;  // zeros: storage starts out zero and free_pages discards what it takes back
}

void LinuxKernel::free_pages(uint64_t addr, unsigned n) {
  cpu_.storage().discard(addr, uint64_t{n} * kPageSize);
  pages_.free(addr, uint64_t{n} * kPageSize);
}

uint64_t LinuxKernel::persistent_page(const std::string& tag) {
  auto it = persistent_pages_.find(tag);
  if (it == persistent_pages_.end()) it = persistent_pages_.emplace(tag, alloc_pages(1)).first;
  return it->second;
}

namespace {
constexpr uint64_t kGuestMemAlign = 1ull << 20;  // QEMU's s390x RAM is a multiple of 1 MiB
uint64_t guest_mem_size(uint64_t bytes) {
  return bytes > UINT64_MAX - (kGuestMemAlign - 1) ? 0 : (bytes + kGuestMemAlign - 1) & ~(kGuestMemAlign - 1);
}
}  // namespace

bool LinuxKernel::guest_memory_fits(uint64_t bytes) const {
  const uint64_t size = guest_mem_size(bytes);
  return size != 0 && guest_mem_.fits(size, kGuestMemAlign);
}

uint64_t LinuxKernel::alloc_guest_memory(uint64_t bytes) {
  const auto origin = guest_mem_.alloc(guest_mem_size(bytes), kGuestMemAlign);
  if (!origin) throw std::logic_error("alloc_guest_memory: " + std::to_string(bytes >> 20) + " MiB do not fit");
  return *origin;
}

void LinuxKernel::free_guest_memory(uint64_t origin, uint64_t bytes) {
  const uint64_t size = guest_mem_size(bytes);
  cpu_.storage().discard(origin, size);
  guest_mem_.free(origin, size);
}

std::string LinuxKernel::cmdline_param(const std::string& name) const {
  const std::string& c = opts_.cmdline;
  size_t pos = 0;
  while (pos < c.size()) {
    while (pos < c.size() && c[pos] == ' ') ++pos;
    size_t end = c.find(' ', pos);
    if (end == std::string::npos) end = c.size();
    const std::string tok = c.substr(pos, end - pos);
    if (tok.compare(0, name.size() + 1, name + "=") == 0) return tok.substr(name.size() + 1);
    pos = end;
  }
  return "";
}

std::string LinuxKernel::uuidgen() {
  // A random (version 4, variant 1) UUID from the seeded generator: reproducible per --seed.
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

void LinuxKernel::sleep_seconds(double seconds) {
  reap_guests();
  if (seconds <= 0) return;
  const uint64_t end = cpu_.now_ps() + static_cast<uint64_t>(std::llround(seconds * 1e12));
  // While time passes, the AP bus configuration timers (AP_CONFIG_TIME) of this kernel
  // and of its guests fire: each rescans its bus, in time order.
  for (;;) {
    LinuxKernel* k = this;
    for (auto& [name, q] : guests_)
      if (q->guest().next_config_scan_ps_ < k->next_config_scan_ps_) k = &q->guest();
    const uint64_t t = k->next_config_scan_ps_;
    if (t > end) break;
    if (t > cpu_.now_ps()) cpu_.delay_ps(t - cpu_.now_ps());
    k->next_config_scan_ps_ = t + kApConfigTimePs;
    k->ap_bus().scan();
  }
  if (end > cpu_.now_ps()) cpu_.delay_ps(end - cpu_.now_ps());
}

ShellHost* LinuxKernel::remote(const std::string& name) {
  reap_guests();
  auto it = guests_.find(name);
  return it == guests_.end() ? nullptr : &it->second->guest();
}

int LinuxKernel::run_command(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  reap_guests();
  if (argv.empty()) return 0;
  std::string cmd = argv[0];
  const size_t slash = cmd.rfind('/');
  if (slash != std::string::npos) cmd = cmd.substr(slash + 1);  // /usr/bin/qemu-system-s390x
  if (cmd == "modprobe") return cmd_modprobe(argv, out, err);
  if (cmd == "dmesg") return cmd_dmesg(argv, out, err);
  if (cmd == "lszcrypt") return lszcrypt_main(*this, argv, out, err);
  if (cmd == "apbench") return apbench_main(*this, argv, out, err);
  if (cmd == "apinsn") return apinsn_main(*this, argv, out, err);
  if (cmd == "uname") {
    out << (argv.size() > 1 && argv[1] == "-r" ? kUname : "Linux") << "\n";
    return 0;
  }
  if (cmd == "hostname") {
    out << opts_.hostname << "\n";
    return 0;
  }
  if (cmd == "qemu-system-s390x" && !opts_.is_guest) return cmd_qemu(argv, out, err);
  if (cmd == "virsh" && !opts_.is_guest) return virsh_main(*this, argv, out, err);
  if ((cmd == "mdevctl" || cmd == "lsmdev") && !opts_.is_guest) return mdevctl_main(*this, argv, out, err);
  if (cmd == "reboot" || cmd == "poweroff" || cmd == "shutdown" || cmd == "halt") return cmd_reboot(argv, out, err);
  if (external_command_) return external_command_(*this, argv, out, err);
  return 127;
}

int LinuxKernel::cmd_modprobe(const std::vector<std::string>& argv, std::ostream&, std::ostream& err) {
  bool remove = false;
  std::vector<std::string> mods;
  for (size_t i = 1; i < argv.size(); ++i) {
    if (argv[i] == "-r" || argv[i] == "--remove") remove = true;
    else if (!argv[i].empty() && argv[i][0] == '-') continue;  // -v, -q, ...
    else mods.push_back(argv[i]);
  }
  if (mods.empty()) {
    err << "modprobe: ERROR: missing module name.\n";
    return 1;
  }
  for (const std::string& m0 : mods) {
    if (!remove) {
      if (int rc = load_module(m0, err); rc) return rc;
      continue;
    }
    std::string m = m0;
    for (char& c : m)
      if (c == '-') c = '_';
    if (!known_module(m) || (m == "vfio_ap" && opts_.is_guest)) {
      err << "modprobe: FATAL: Module " << m0 << " not found in directory /lib/modules/" << kUname << "\n";
      return 1;
    }
    if (m != "vfio_ap") {
      modules_.erase(m);
      continue;
    }
    if (vfio_ap_ && vfio_ap_->exit() != 0) {
      err << "modprobe: FATAL: Module vfio_ap is in use.\n";
      return 1;
    }
    vfio_ap_.reset();
  }
  return 0;
}

int LinuxKernel::load_module(const std::string& name, std::ostream& err) {
  std::string m = name;
  for (char& c : m)
    if (c == '-') c = '_';
  if (!known_module(m) || (m == "vfio_ap" && opts_.is_guest)) {
    err << "modprobe: FATAL: Module " << name << " not found in directory /lib/modules/" << kUname << "\n";
    return 1;
  }
  if (m == "zcrypt_cex4" && !ap_bus_->registered()) {
    // zcrypt_cex4_init -> ap_driver_register -> driver_register: the AP bus was never
    // registered (ap_module_init returned -ENODEV), so -EINVAL with driver_register's
    // kernel-log line.  Its dependency zcrypt loads: zcrypt_api_init needs no AP bus.
    // kmod (tools/modprobe.c, insmod): "could not insert '%s': %s" with strerror(-err).
    modules_.insert("zcrypt");
    if (zcrypt_->register_with(*ap_bus_) != 0) {
      err << "modprobe: ERROR: could not insert 'zcrypt_cex4': Invalid argument\n";
      return 1;
    }
  }
  if (m != "vfio_ap") {
    modules_.insert(m);
    return 0;
  }
  if (vfio_ap_) return 0;
  auto vfio = std::make_unique<VfioAp>(*this, vfio_profile_);
  if (vfio->init() != 0) {
    // vfio_ap_init: no AP instructions -> -ENODEV (the only error its init returns here);
    // the module is not loaded.  kmod's insmod: "could not insert '%s': %s", strerror(ENODEV).
    err << "modprobe: ERROR: could not insert 'vfio_ap': No such device\n";
    return 1;
  }
  vfio_ap_ = std::move(vfio);
  // The matrix parent device registered: udev's 60-mdevctl.rules runs
  // "mdevctl start-parent-mdevs matrix", which starts the mdevs defined with start=auto.
  // Its output goes to the journal, not to the terminal of whoever loaded the module.
  std::ostringstream journal;
  mdevctl_start_parent_mdevs(*this, "matrix", journal);
  return 0;
}

void LinuxKernel::reap_guests() {
  for (auto it = guests_.begin(); it != guests_.end();) {
    if (it->second->guest().poweroff_requested()) it = guests_.erase(it);  // QEMU exits
    else ++it;
  }
}

void LinuxKernel::reboot() {
  // Guests end with their QEMU processes (releasing their mdevs); then the kernel's state
  // goes: devices and drivers, modules, the ring buffer, sysfs.  Pages the old kernel's
  // objects give back on destruction return to the free list (zeroed); the adapters are
  // untouched.
  guests_.clear();
  // A new boot's tools get new pages; the old ones stay allocated, so an adapter that still
  // stores a NIB byte there (its queue's interrupts were never disabled) hits nothing.
  persistent_pages_.clear();
  ap_bus_.reset();
  vfio_ap_.reset();
  zcrypt_.reset();
  modules_.clear();
  log_.clear();
  poweroff_requested_ = false;
  next_domain_id_ = 1;  // libvirtd starts afresh too
  sysfs_.reset_keeping({"/etc", "/root"});
  ap_bus_ = std::make_unique<ApBus>(*this);
  zcrypt_ = std::make_unique<Zcrypt>(*this);
  boot();
}

int LinuxKernel::cmd_reboot(const std::vector<std::string>& argv, std::ostream&, std::ostream& err) {
  std::string cmd = argv[0];
  const size_t slash = cmd.rfind('/');
  if (slash != std::string::npos) cmd = cmd.substr(slash + 1);
  bool restart = cmd == "reboot";
  if (cmd == "shutdown")
    for (size_t i = 1; i < argv.size(); ++i)
      if (argv[i] == "-r" || argv[i] == "--reboot") restart = true;
  if (!opts_.is_guest && !restart) {
    err << cmd << ": powering off the LPAR is not simulated; use reboot\n";
    return 1;
  }
  if (!restart) {
    poweroff_requested_ = true;  // QEMU ends once this command has returned
    return 0;
  }
  if (on_system_reset) on_system_reset();
  reboot();
  return 0;
}

void LinuxKernel::boot_userspace() {
  // udev applies the persistent AP bus masks (s390-tools writes them as ATTR{apmask}= and
  // ATTR{aqmask}= in 41-ap.rules) when the ap bus appears: the rule matches the bus's "add"
  // uevent, which a system without AP instructions never sends (ap_module_init returns
  // before bus_register), so the rule does not run there.
  std::string rules;
  if (ap_bus_->registered() && sysfs_.read("/", "/etc/udev/rules.d/41-ap.rules", rules) == 0) {
    for (const char* attr : {"apmask", "aqmask"}) {
      const std::string key = std::string("ATTR{") + attr + "}=\"";
      const size_t at = rules.find(key);
      if (at == std::string::npos) continue;
      const size_t begin = at + key.size(), end = rules.find('"', begin);
      if (end == std::string::npos) continue;
      // A failed write is logged by systemd-udevd to the journal, not the kernel ring buffer
      // (apsim has no journal), and the mask stays as the kernel had it.
      sysfs_.write("/", std::string("/sys/bus/ap/") + attr, rules.substr(begin, end - begin));
    }
  }
  // systemd-modules-load: one module name per line in /etc/modules-load.d/*.conf.
  std::vector<std::string> confs;
  if (sysfs_.list("/", "/etc/modules-load.d", confs) == 0) {
    for (const std::string& f : confs) {
      if (f.size() < 5 || f.compare(f.size() - 5, 5, ".conf") != 0) continue;
      std::string text;
      if (sysfs_.read("/", "/etc/modules-load.d/" + f, text) != 0) continue;
      size_t pos = 0;
      while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        const size_t b = line.find_first_not_of(" \t"), e = line.find_last_not_of(" \t\r");
        if (b == std::string::npos || line[b] == '#' || line[b] == ';') continue;
        std::ostringstream ignored;  // systemd-modules-load reports to the journal
        load_module(line.substr(b, e - b + 1), ignored);
      }
    }
  }
}

int LinuxKernel::cmd_dmesg(const std::vector<std::string>& argv, std::ostream& out, std::ostream&) {
  for (const std::string& l : log_) out << l << "\n";
  if (argv.size() > 1 && (argv[1] == "-c" || argv[1] == "-C")) log_.clear();
  return 0;
}

int LinuxKernel::cmd_qemu(const std::vector<std::string>& argv, std::ostream&, std::ostream& err) {
  auto p = QemuProcess::start(*this, argv, err);
  if (!p) return 1;
  const std::string name = p->name();
  p->set_domain_id(next_domain_id_++);
  guests_[name] = std::move(p);
  return 0;
}

}  // namespace apsim::driver
