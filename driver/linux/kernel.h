// driver/linux/kernel.h — one simulated Linux kernel: the LPAR's host, or a KVM guest's.
//
// It runs on one CPU context (arch::Cpu) and owns what the kernel holds: the sysfs tree, the
// kernel ring buffer (printk/dmesg), a page allocator over its storage, the loaded modules,
// the AP bus with the zcrypt drivers, and on the host the vfio_ap module.  User space — the
// programs, the session a script runs in, init, the QEMU processes of the guests — is not
// here: it lives in driver/userspace and driver/qemu and reaches the kernel through this
// class, as programs reach Linux through system calls and sysfs.
//
// The files of this class, named after the Linux sources whose job they do:
//   main.cpp    start_kernel/kernel_init (init/main.c): construction, boot, reboot, the
//               command line, the AP bus configuration timer
//   printk.cpp  the ring buffer (kernel/printk/printk.c)
//   memory.cpp  pages for the kernel's buffers and the guests' memory (mm/)
//   module.cpp  module loading (kernel/module/, kmod's request_module)
// It links arch/ only: no SystemC, no shell (a configure-time check in driver/CMakeLists.txt).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "arch/ap_instructions.h"
#include "driver/linux/range_allocator.h"
#include "driver/linux/sysfs.h"
#include "driver/linux/profile.h"

namespace apsim::driver {

/// A kernel panicked (LinuxKernel::panic): what() is "HOSTNAME: Kernel panic - not syncing:
/// WHY".  A guest's panic ends that guest (its QEMU exits); the host's ends the run.
class KernelPanic : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ApBus;
class Zcrypt;
class VfioAp;
class LinuxKernel;

/// The init program the kernel starts at the end of every boot (kernel_init →
/// run_init_process): user space's boot-time work (driver/userspace/init.h).
using InitProgram = std::function<void(LinuxKernel&)>;

struct KernelOptions {
  std::string hostname = "host";
  std::string cmdline;             ///< kernel command line (ap.apmask=, ap.aqmask=, ...)
  uint64_t seed = 1;               ///< seed of the kernel's random numbers (UUIDs, workloads)
  bool is_guest = false;
  /// Storage the kernel may allocate pages from: [alloc_base, alloc_limit).
  uint64_t alloc_base = 1u << 20;
  uint64_t alloc_limit = 1ull << 31;  ///< host: below 2 GiB, so CRYCBs have 31-bit origins
  /// Where guest memory is carved from (host only): [guest_mem_base, storage size).
  uint64_t guest_mem_base = 4ull << 30;
  /// /sbin/init, run at the end of every boot; empty: no user space starts.
  InitProgram init;
  /// The Linux release whose behaviour this kernel has (driver/linux/profile.h); the host's
  /// guests run the same.
  const LinuxProfile* profile = &LinuxProfile::v6_1();
  /// Simulated time from the kernel's start to its device initcalls, where ap_module_init
  /// sets up the AP bus (ps; LPAR config "kernel_initcall_ms", default kInitcallPs).  A guest
  /// that probed its queues in zero time would find them still in the reset QEMU's machine
  /// reset started (RC 02) and select no default domain (ap_select_domain wants RC 00).
  uint64_t initcall_ps = kInitcallPs;
  /// 500 ms: the order of a KVM guest's time to its device initcalls; no public source gives
  /// a figure for s390, so it is a choice, and a parameter.
  static constexpr uint64_t kInitcallPs = 500'000'000'000ull;
};

class LinuxKernel {
 public:
  LinuxKernel(arch::Cpu& cpu, const KernelOptions& opts);
  ~LinuxKernel();
  LinuxKernel(const LinuxKernel&) = delete;
  LinuxKernel& operator=(const LinuxKernel&) = delete;

  /// Boot: sysfs skeleton, AP bus init and scan, zcrypt drivers; then the init program
  /// (KernelOptions::init), which applies the AP bus masks of udev's 41-ap.rules and loads
  /// the modules of /etc/modules-load.d/*.conf.
  void boot();
  /// reboot(2) with LINUX_REBOOT_CMD_RESTART, after user space has ended its processes: the
  /// kernel starts afresh on the same CPU and adapters (whose queues keep their hardware
  /// state): sysfs, ring buffer, AP bus, vfio_ap, modules.  The files under /etc and /root
  /// are on disk and stay.  The object stays the same, so whoever holds it carries on.
  void reboot();
  /// reboot(2) with LINUX_REBOOT_CMD_POWER_OFF in a guest: the guest asks its QEMU to end
  /// once the command that asked has returned (the host's user space reaps it).
  void request_poweroff() { poweroff_requested_ = true; }
  /// The guest's QEMU is to end: the guest powered off, or it panicked (QEMU's default panic
  /// action is shutdown: softmmu/runstate.c qemu_system_guest_panicked, -action panic=shutdown).
  bool poweroff_requested() const { return poweroff_requested_ || panicked_; }
  /// panic(): "Kernel panic - not syncing: WHY" into the ring buffer, then nothing more runs in
  /// this kernel: it prints no further line and throws KernelPanic to whoever entered it.
  [[noreturn]] void panic(const std::string& why);
  bool panicked() const { return panicked_; }
  /// In a guest: what QEMU does on a system reset (`reboot` in the guest) before the guest
  /// kernel starts again; QEMU's vfio-ap device resets its queues (VFIO_DEVICE_RESET).
  std::function<void()> on_system_reset;

  // ---- kernel services ----
  arch::Cpu& cpu() { return cpu_; }
  const KernelOptions& options() const { return opts_; }
  /// The sysfs tree with the normal-filesystem mounts /etc, /root, /tmp.
  Sysfs& sysfs() { return sysfs_; }
  /// utsname()->nodename.
  const std::string& hostname() const { return opts_.hostname; }
  /// The release this kernel behaves as (profile.h).
  const LinuxProfile& profile() const { return *opts_.profile; }
  /// utsname()->release, "6.1.0-apsim" (LinuxProfile::release).
  const std::string& release() const { return opts_.profile->release; }
  /// printk: append a line to the ring buffer, stamped with the simulated time since boot
  /// ("[%5lu.%06lu] ").
  void printk(const std::string& line);
  /// The ring buffer (what dmesg prints), oldest first.
  const std::vector<std::string>& log() const { return log_; }
  /// syslog(SYSLOG_ACTION_CLEAR) — `dmesg -c/-C`.
  void clear_log() { log_.clear(); }
  /// Allocate `n` zeroed 4 KiB pages of this kernel's storage; returns the address.  When
  /// the window [alloc_base, alloc_limit) (a guest: its -m memory) has no room the kernel is
  /// out of memory as Linux is when a GFP_KERNEL allocation finds nothing to reclaim and no
  /// process to kill: the OOM report, then panic("System is deadlocked on memory")
  /// (mm/oom_kill.c out_of_memory), KernelPanic.
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
  /// The kernel's random number generator (get_random_bytes), seeded by KernelOptions::seed.
  std::mt19937_64& rng() { return rng_; }
  /// generate_random_uuid (lib/uuid.c), as /proc/sys/kernel/random/uuid reads it: a
  /// version-4 UUID from rng(), lower case, 36 characters.
  std::string random_uuid();
  /// The value of a kernel parameter "name=value" on the command line, or "".
  std::string cmdline_param(const std::string& name) const;
  /// The command line split at blanks, in order.
  std::vector<std::string> cmdline_tokens() const;

  // ---- the AP bus configuration timer (ap_config_timeout, AP_CONFIG_TIME = 30 s) ----
  /// When the AP bus's periodic rescan is due next (simulated ps).
  uint64_t next_config_scan_ps() const { return next_config_scan_ps_; }
  /// The timer fired: rescan the bus and re-arm it (the caller has let time pass to it).
  void config_timer_expired();
  /// config_time_store's mod_timer: the next rescan is config_time seconds from now.
  void rearm_config_timer();

  ApBus& ap_bus() { return *ap_bus_; }
  Zcrypt& zcrypt() { return *zcrypt_; }
  VfioAp* vfio_ap() { return vfio_ap_.get(); }
  /// An iommu group id for a new group (iommu_group_alloc: the lowest free id of the
  /// IDA, from 0) and its release.
  int alloc_iommu_group();
  void free_iommu_group(int id);

  // ---- modules (module.cpp) ----
  /// request_module + init: load `name` as modprobe does.  0, or modprobe's exit status
  /// with kmod's message on `err` (module not found, could not insert).
  int load_module(const std::string& name, std::ostream& err);
  /// `modprobe -r NAME`: kmod 30's rmmod_do_module rules (tools/modprobe.c): an unknown
  /// name "not found", a built-in one "is builtin", one not loaded nothing, one with a
  /// reference "is in use."; else it goes, and so do its dependencies nobody uses any more.
  /// 0 or 1, with kmod's message on `err`.
  int unload_module(const std::string& name, std::ostream& err);
  /// `rmmod NAME` (kmod 30 tools/rmmod.c check_module_inuse): "is builtin.", "is not
  /// currently loaded", "is in use by: HOLDERS", "is in use"; no dependency goes with it.
  int rmmod(const std::string& name, std::ostream& err);
  /// A module apsim knows (module.cpp's table: the AP stack's and what vfio_ap needs).
  struct ModuleInfo {
    std::string name;
    unsigned long size = 0;             ///< bytes, as /proc/modules shows them
    std::vector<std::string> depends;   ///< modules.dep
    std::string file;                   ///< path below /lib/modules/RELEASE/
    std::vector<std::pair<std::string, std::string>> modinfo;  ///< .modinfo, in modinfo's order
  };
  /// The module named `name` ('-' and '_' alike), or nullptr; `builtin` if it is built in.
  static const ModuleInfo* find_module(const std::string& name, bool* builtin = nullptr);
  /// Loaded modules, the most recently loaded first (as /proc/modules lists them).
  std::vector<std::string> loaded_modules() const;
  /// module_refcount: holders (modules using its symbols) + open files and devices it owns.
  int module_refcount(const std::string& name) const;
  /// The loaded modules that use `name`'s symbols (its holders), in load order.
  std::vector<std::string> module_holders(const std::string& name) const;
  /// /proc/modules (kernel/module/procfs.c m_show).
  std::string proc_modules() const;
  /// /proc/sys/kernel/hung_task_timeout_secs (kernel/hung_task.c, default
  /// CONFIG_DEFAULT_HUNG_TASK_TIMEOUT = 120; 0 switches the detector off).  apsim stops a
  /// command blocked in the kernel for longer (ShellHost::hung_task_timeout_s).
  unsigned long hung_task_timeout_secs() const { return hung_task_timeout_secs_; }
  /// /proc/cpuinfo (arch/s390/kernel/processor.c show_cpuinfo).
  std::string proc_cpuinfo() const;
  /// KVM's VMs: QEMU opened /dev/kvm, a VM and its vCPU (each file holds a reference of
  /// kvm, whose fops owner kvm_init sets); the first loads kvm (alias devname:kvm).
  void kvm_vm_created();
  void kvm_vm_destroyed();

  /// kobject_uevent: user space's listener (udevd) for device events; called with the action
  /// ("add") and the sysfs path of the device.  Empty: nobody listens.
  using UeventListener = std::function<void(LinuxKernel&, const std::string& action, const std::string& devpath)>;
  void set_uevent_listener(UeventListener l) { uevent_listener_ = std::move(l); }

 private:
  void uevent(const std::string& action, const std::string& devpath);

  arch::Cpu& cpu_;
  KernelOptions opts_;
  Sysfs sysfs_;
  std::vector<std::string> log_;
  RangeAllocator pages_;                      ///< [alloc_base, alloc_limit)
  RangeAllocator guest_mem_;                  ///< [guest_mem_base, storage size)
  std::map<std::string, uint64_t> persistent_pages_;
  std::mt19937_64 rng_;
  std::vector<std::string> modules_;  ///< loaded modules, in load order
  bool module_loaded(const std::string& m) const;
  void insert_module(const std::string& m);
  int kvm_vms_ = 0;
  std::unique_ptr<ApBus> ap_bus_;
  std::unique_ptr<Zcrypt> zcrypt_;
  std::unique_ptr<VfioAp> vfio_ap_;
  std::set<int> iommu_groups_;  ///< ids in use (iommu_group_ida)
  bool poweroff_requested_ = false;
  bool panicked_ = false;
  uint64_t boot_ps_ = 0;  ///< simulated time of the last boot: dmesg stamps count from it
  unsigned long hung_task_timeout_secs_ = 120;
  uint64_t next_config_scan_ps_ = 0;  ///< when the AP bus's periodic rescan is due next
  UeventListener uevent_listener_;
};

}  // namespace apsim::driver
