// driver/kernel.h — one simulated Linux instance: the LPAR's host, or a KVM guest.
//
// It runs on one CPU context (arch::Cpu) and owns what its kernel and user space hold:
// the sysfs tree, the kernel ring buffer (dmesg), a page allocator over its storage, the
// AP bus with the zcrypt drivers, and on the host the vfio_ap module, KVM and the QEMU
// processes of the guests it started.  It is the ShellHost the scenario shell runs
// commands against: modprobe, lszcrypt, dmesg, qemu-system-s390x, apbench, ... .
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "arch/ap_instructions.h"
#include "driver/shell.h"
#include "driver/sysfs.h"

namespace apsim::driver {

class ApBus;
class Zcrypt;
class VfioAp;
class QemuProcess;

struct KernelOptions {
  std::string hostname = "host";
  std::string cmdline;             ///< kernel command line (ap.apmask=, ap.aqmask=, ...)
  uint64_t seed = 1;               ///< uuidgen and workload randomness
  bool is_guest = false;
  /// Storage the kernel may allocate pages from: [alloc_base, alloc_limit).
  uint64_t alloc_base = 1u << 20;
  uint64_t alloc_limit = 1ull << 31;  ///< host: below 2 GiB, so CRYCBs have 31-bit origins
  /// Where guest memory is carved from (host only): [guest_mem_base, storage size).
  uint64_t guest_mem_base = 4ull << 30;
};

class LinuxKernel : public ShellHost {
 public:
  LinuxKernel(arch::Cpu& cpu, const KernelOptions& opts);
  ~LinuxKernel() override;

  /// Boot: sysfs skeleton, AP bus init and scan, zcrypt drivers.
  void boot();

  // ---- ShellHost ----
  Sysfs& sysfs() override { return sysfs_; }
  std::string hostname() const override { return opts_.hostname; }
  int run_command(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) override;
  ShellHost* remote(const std::string& name) override;
  std::string uuidgen() override;
  void sleep_seconds(double seconds) override;

  // ---- kernel services ----
  arch::Cpu& cpu() { return cpu_; }
  const KernelOptions& options() const { return opts_; }
  /// printk: append a line to the ring buffer, stamped with the simulated time.
  void printk(const std::string& line);
  const std::vector<std::string>& log() const { return log_; }
  /// Allocate `n` zeroed 4 KiB pages of this kernel's storage; returns the address.
  uint64_t alloc_pages(unsigned n);
  /// Carve `bytes` of host storage for a guest's memory (host only); returns the origin.
  uint64_t alloc_guest_memory(uint64_t bytes);
  std::mt19937_64& rng() { return rng_; }
  /// The value of a kernel parameter "name=value" on the command line, or "".
  std::string cmdline_param(const std::string& name) const;

  ApBus& ap_bus() { return *ap_bus_; }
  Zcrypt& zcrypt() { return *zcrypt_; }
  VfioAp* vfio_ap() { return vfio_ap_.get(); }
  /// Guests started by qemu-system-s390x on this host, by name.
  std::map<std::string, std::unique_ptr<QemuProcess>>& guests() { return guests_; }

 private:
  int cmd_modprobe(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);
  int cmd_dmesg(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);
  int cmd_qemu(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

  arch::Cpu& cpu_;
  KernelOptions opts_;
  Sysfs sysfs_;
  std::vector<std::string> log_;
  uint64_t next_page_;
  uint64_t next_guest_mem_;
  std::mt19937_64 rng_;
  std::set<std::string> modules_;
  std::unique_ptr<ApBus> ap_bus_;
  std::unique_ptr<Zcrypt> zcrypt_;
  std::unique_ptr<VfioAp> vfio_ap_;
  std::map<std::string, std::unique_ptr<QemuProcess>> guests_;
};

}  // namespace apsim::driver
