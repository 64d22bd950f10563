// driver/kernel.h — one simulated Linux instance: the LPAR's host, or a KVM guest.
//
// It runs on one CPU context (arch::Cpu) and owns what its kernel and user space hold:
// the sysfs tree, the kernel ring buffer (dmesg), a page allocator over its storage, the
// AP bus with the zcrypt drivers, and on the host the vfio_ap module, KVM and the QEMU
// processes of the guests it started.  It is the ShellHost the scenario shell runs
// commands against: modprobe, lszcrypt, dmesg, qemu-system-s390x, apbench, ... .
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "arch/ap_instructions.h"
#include "driver/range_allocator.h"
#include "driver/shell.h"
#include "driver/sysfs.h"
#include "driver/vfio_ap_profile.h"

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

  /// Boot: sysfs skeleton, AP bus init and scan, zcrypt drivers; then what user space
  /// does at boot: the AP bus masks of /etc/udev/rules.d/41-ap.rules and the modules of
  /// /etc/modules-load.d/*.conf (which may start mdevctl's autostart mdevs).
  void boot();
  /// `reboot`: every guest is destroyed, and the kernel starts afresh on the same CPU and
  /// adapters (whose queues keep their hardware state): sysfs, ring buffer, AP bus,
  /// vfio_ap, modules.  The files under /etc and /root are on disk and stay.  The object
  /// stays the same, so a Shell running against it carries on.
  void reboot();
  /// `poweroff` / `shutdown` in a guest: the guest asks its QEMU to end once the command
  /// that asked has returned (LinuxKernel::reap_guests on the host).
  bool poweroff_requested() const { return poweroff_requested_; }
  /// In a guest: what QEMU does on a system reset (`reboot` in the guest) before the guest
  /// kernel starts again; QEMU's vfio-ap device resets its queues (VFIO_DEVICE_RESET).
  std::function<void()> on_system_reset;

  // ---- ShellHost ----
  /// The tree; powered-off guests are reaped first (see reap_guests).
  Sysfs& sysfs() override {
    reap_guests();
    return sysfs_;
  }
  std::string hostname() const override { return opts_.hostname; }
  int run_command(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) override;
  ShellHost* remote(const std::string& name) override;
  std::string uuidgen() override;
  /// Let simulated time pass; the AP bus rescans of this kernel and its guests that fall
  /// due meanwhile (every AP_CONFIG_TIME, 30 s) run at their time.
  void sleep_seconds(double seconds) override;
  void set_cwd(const std::string& cwd) override { cwd_ = cwd; }
  /// Working directory of the command running now (what the shell set): relative paths
  /// a tool opens start there.
  const std::string& cwd() const { return cwd_; }

  // ---- kernel services ----
  arch::Cpu& cpu() { return cpu_; }
  const KernelOptions& options() const { return opts_; }
  /// printk: append a line to the ring buffer, stamped with the simulated time.
  void printk(const std::string& line);
  const std::vector<std::string>& log() const { return log_; }
  /// Allocate `n` zeroed 4 KiB pages of this kernel's storage; returns the address.
  /// Throws std::runtime_error ("HOST: out of kernel memory") when the window
  /// [alloc_base, alloc_limit) has no room: an apsim limit, reported as an internal error.
  uint64_t alloc_pages(unsigned n);
  /// Give back `n` pages from alloc_pages; they read as zeros when handed out again.
  void free_pages(uint64_t addr, unsigned n);
  /// A page that stays allocated for this boot under `tag` (the same address every call):
  /// tools whose buffers outlive one command, e.g. apinsn's NIB after AQIC.
  uint64_t persistent_page(const std::string& tag);
  /// Whether `bytes` of guest memory (rounded up to 1 MiB) fit in host storage now.
  bool guest_memory_fits(uint64_t bytes) const;
  /// Carve `bytes` (rounded up to 1 MiB, 1 MiB aligned) of host storage for a guest's
  /// memory (host only); returns the origin.  Throws std::logic_error if it does not fit
  /// (callers check guest_memory_fits first, as QEMU fails its own allocation).
  uint64_t alloc_guest_memory(uint64_t bytes);
  /// Give back a guest's memory (its QEMU process ended); it reads as zeros afterwards.
  void free_guest_memory(uint64_t origin, uint64_t bytes);
  std::mt19937_64& rng() { return rng_; }
  /// The value of a kernel parameter "name=value" on the command line, or "".
  std::string cmdline_param(const std::string& name) const;

  ApBus& ap_bus() { return *ap_bus_; }
  Zcrypt& zcrypt() { return *zcrypt_; }
  VfioAp* vfio_ap() { return vfio_ap_.get(); }
  /// Guests started by qemu-system-s390x on this host, by name.
  std::map<std::string, std::unique_ptr<QemuProcess>>& guests() { return guests_; }
  /// End the QEMU processes whose guests powered off (called before the host does
  /// anything else, so a guest's own command is never cut short).
  void reap_guests();
  /// The vfio_ap behaviour profile this host runs (kernel parameter apsim.vfio_ap_profile).
  const VfioApProfile& vfio_ap_profile() const { return vfio_profile_; }
  /// Load a module as modprobe does; 0 or a modprobe exit status (messages on `err`).
  int load_module(const std::string& name, std::ostream& err);

  /// A command of the simulator itself rather than of Linux (`apsim-inject`): run_command
  /// hands it every command it does not know.  The hook returns the exit status, or 127 when
  /// it does not know the command either ("command not found").  The testbench installs it
  /// on the host (testbench/apsim/run_command.cpp), so that driver/ needs no SystemC.
  using ExternalCommand =
      std::function<int(LinuxKernel&, const std::vector<std::string>& argv, std::ostream& out, std::ostream& err)>;
  void set_external_command(ExternalCommand hook) { external_command_ = std::move(hook); }

 private:
  int cmd_modprobe(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);
  int cmd_dmesg(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);
  int cmd_qemu(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);
  int cmd_reboot(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);
  /// The boot-time user space: udev's AP bus masks and modules-load.d.
  void boot_userspace();

  arch::Cpu& cpu_;
  KernelOptions opts_;
  Sysfs sysfs_;
  std::vector<std::string> log_;
  RangeAllocator pages_;                      ///< [alloc_base, alloc_limit)
  RangeAllocator guest_mem_;                  ///< [guest_mem_base, storage size)
  std::map<std::string, uint64_t> persistent_pages_;
  std::mt19937_64 rng_;
  std::set<std::string> modules_;
  std::unique_ptr<ApBus> ap_bus_;
  std::unique_ptr<Zcrypt> zcrypt_;
  std::unique_ptr<VfioAp> vfio_ap_;
  std::map<std::string, std::unique_ptr<QemuProcess>> guests_;
  VfioApProfile vfio_profile_;
  bool poweroff_requested_ = false;
  uint64_t boot_ps_ = 0;  ///< simulated time of the last boot: dmesg stamps count from it
  uint64_t next_config_scan_ps_ = 0;  ///< when the AP bus's periodic rescan is due next
  int next_domain_id_ = 1;            ///< libvirt's id for the next guest started
  ExternalCommand external_command_;
  std::string cwd_ = "/root";  ///< set by the shell before each command
};

}  // namespace apsim::driver
