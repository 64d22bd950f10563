// driver/kernel.cpp — one Linux instance: boot, printk, page allocation, commands.
#include "driver/kernel.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <set>
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
}  // namespace

LinuxKernel::LinuxKernel(arch::Cpu& cpu, const KernelOptions& opts)
    : cpu_(cpu), opts_(opts), next_page_(opts.alloc_base), next_guest_mem_(opts.guest_mem_base), rng_(opts.seed) {
  ap_bus_ = std::make_unique<ApBus>(*this);
  zcrypt_ = std::make_unique<Zcrypt>(*this);
}

LinuxKernel::~LinuxKernel() {
  guests_.clear();  // QEMU processes release their mdevs before vfio_ap goes away
}

void LinuxKernel::boot() {
  sysfs_.mkdir("/root");
  sysfs_.mkdir("/sys/bus/ap");
  sysfs_.mkdir("/sys/devices");
  printk(std::string("Linux version ") + kUname + " (apsim) on " + (opts_.is_guest ? "KVM" : "LPAR"));
  if (!opts_.cmdline.empty()) printk("Kernel command line: " + opts_.cmdline);
  ap_bus_->init(opts_.cmdline);
  zcrypt_->register_with(*ap_bus_);
}

void LinuxKernel::printk(const std::string& line) {
  const uint64_t us = cpu_.now_ps() / 1'000'000;
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "[%5llu.%06llu] ", static_cast<unsigned long long>(us / 1'000'000),
                static_cast<unsigned long long>(us % 1'000'000));
  log_.push_back(stamp + line);
}

uint64_t LinuxKernel::alloc_pages(unsigned n) {
  const uint64_t addr = next_page_;
  if (addr + n * kPageSize > opts_.alloc_limit) throw std::runtime_error(opts_.hostname + ": out of kernel memory");
  next_page_ += n * kPageSize;
  return addr;  // storage starts out zero; pages are never reused
}

uint64_t LinuxKernel::alloc_guest_memory(uint64_t bytes) {
  const uint64_t origin = next_guest_mem_;
  const uint64_t size = (bytes + (1u << 20) - 1) & ~uint64_t{(1u << 20) - 1};
  if (origin + size > cpu_.storage().size())
    throw std::runtime_error("host storage exhausted: no room for " + std::to_string(bytes >> 20) + " MiB of guest memory");
  next_guest_mem_ += size;
  return origin;
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
  if (seconds > 0) cpu_.delay_ps(static_cast<uint64_t>(std::llround(seconds * 1e12)));
}

ShellHost* LinuxKernel::remote(const std::string& name) {
  auto it = guests_.find(name);
  return it == guests_.end() ? nullptr : &it->second->guest();
}

int LinuxKernel::run_command(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  if (argv.empty()) return 0;
  std::string cmd = argv[0];
  const size_t slash = cmd.rfind('/');
  if (slash != std::string::npos) cmd = cmd.substr(slash + 1);  // /usr/bin/qemu-system-s390x
  if (cmd == "modprobe") return cmd_modprobe(argv, out, err);
  if (cmd == "dmesg") return cmd_dmesg(argv, out, err);
  if (cmd == "lszcrypt") return lszcrypt_main(*this, argv, out, err);
  if (cmd == "apbench") return apbench_main(*this, argv, out, err);
  if (cmd == "uname") {
    out << (argv.size() > 1 && argv[1] == "-r" ? kUname : "Linux") << "\n";
    return 0;
  }
  if (cmd == "hostname") {
    out << opts_.hostname << "\n";
    return 0;
  }
  if (cmd == "qemu-system-s390x" && !opts_.is_guest) return cmd_qemu(argv, out, err);
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
  // Built in or harmless to (re)load on this kernel; vfio_ap is the one with a job here.
  static const std::set<std::string> known = {"vfio_ap", "vfio-ap", "vfio_mdev", "vfio-mdev", "vfio", "mdev",
                                               "kvm", "zcrypt", "ap", "zcrypt_cex4", "vfio_iommu_type1"};
  for (const std::string& m0 : mods) {
    std::string m = m0;
    for (char& c : m)
      if (c == '-') c = '_';
    if (!known.count(m0) || (m == "vfio_ap" && opts_.is_guest)) {
      err << "modprobe: FATAL: Module " << m0 << " not found in directory /lib/modules/" << kUname << "\n";
      return 1;
    }
    if (m != "vfio_ap") {
      remove ? (void)modules_.erase(m) : (void)modules_.insert(m);
      continue;
    }
    if (remove) {
      if (vfio_ap_ && vfio_ap_->exit() != 0) {
        err << "modprobe: FATAL: Module vfio_ap is in use.\n";
        return 1;
      }
      vfio_ap_.reset();
    } else if (!vfio_ap_) {
      vfio_ap_ = std::make_unique<VfioAp>(*this);
      vfio_ap_->init();
    }
  }
  return 0;
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
  guests_[name] = std::move(p);
  return 0;
}

}  // namespace apsim::driver
