// arch/software_cost.h — the one table of what software steps cost (DESIGN.md "Software takes
// time: the CPU complex"; issue 12).
//
// The hardware half is timed by sc/timing.h; this table times the software half: a command's
// fork+exec, a system call, a sysfs access, a printk, QEMU's start.  Both halves need it — the
// driver stack names the step it runs (arch::Cpu::run_software), the CPU model looks the cost
// up and runs the step on a host CPU of the CPU complex (sc/cpu_complex.h) — so it lives in
// arch/ (docs/CONTRIBUTING.md).  Each default is in picoseconds and states its source (a
// published measurement) or the reasoning behind it; every one can be overridden from the
// LPAR config's "software_costs" object ({name: nanoseconds}) and swept
// ("software_costs.NAME" in a sweep spec).
//
// The costs are of the software's own work on a CPU.  The hardware steps the software causes
// (an AP instruction's millicode, the SIE intercept round trip `intercept_cycles`, an SCLP
// call) stay in sc/timing.h and are not counted again here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace apsim::arch {

/// Whose work a step is, for the CPU complex's accounting (busy time split
/// host/guest/kernel/interruption; a step a guest's software runs counts as guest whatever its
/// kind, as `top` in the host shows a vCPU's time as guest time).
enum class SoftwareKind : uint8_t {
  user,          ///< a process in user space (the host's "us" column)
  kernel,        ///< the kernel on a process's behalf (system call, sysfs, printk)
  interruption,  ///< an interruption's entry and handler ("hi"/"si")
  /// KVM in the host kernel on a vCPU's behalf (an intercept's handler, a vCPU's wakeup, SIE
  /// entry): kernel time even when a guest's context runs it — the vCPU is out of SIE then, and
  /// the host's `top` shows it as system time, not guest time.
  hypervisor,
};

// X(name, default_ps, kind, source): one row per software step.
// clang-format off
#define APSIM_SOFTWARE_COSTS(X)                                                                          \
  X(fork_exec, 500'000'000, user,                                                                        \
    "fork+execve of a command by the shell, to its main(): 0.5 ms.  lmbench lat_proc 'fork+execve' "     \
    "(McVoy & Staelin, USENIX 1996) measures a few hundred µs to 1 ms for a dynamically linked "         \
    "program on current Linux servers; 0.5 ms is the middle of that range (reasoning, no s390 figure).") \
  X(syscall, 100'000, kernel,                                                                            \
    "System call entry and exit (SVC, pt_regs save, return): 0.1 µs.  lmbench lat_syscall 'null' "       \
    "is 0.05-0.2 µs on current CPUs (reasoning from that published order of magnitude).")                \
  X(zcrypt_ioctl, 2'000'000, kernel,                                                                     \
    "zcrypt's ioctl for one request (zcrypt_unlocked_ioctl -> zcrypt_rsa_modexpo/zcrypt_send_cprb: "    \
    "copy_from_user of the request, the type-50/6 message build, the card and queue selection): 2 µs.  " \
    "Reasoning: a few KiB copied and converted and a walk over the zcrypt card list; no public "        \
    "per-step figure.")                                                                                  \
  X(ap_queue_message, 500'000, kernel,                                                                   \
    "ap_queue_message(): the queue lock, the request list, the AP bus state machine's send step up "    \
    "to the NQAP (the instruction itself is timed by the machine): 0.5 µs.  Reasoning: a spinlock "     \
    "and a few list operations.")                                                                        \
  X(interruption_entry, 500'000, interruption,                                                           \
    "An adapter interruption's entry (the I/O interruption's first-level handler, the AP bus's "        \
    "ap_interrupt_handler scheduling its tasklet): 0.5 µs.  Reasoning: interruption entry and exit "    \
    "on s390 are a few hundred ns.")                                                                     \
  X(ap_poll_work, 1'000'000, interruption,                                                               \
    "The AP bus's tasklet/poll work for one reply (ap_tasklet_fn -> ap_sm_event: DQAP loop, zcrypt's "  \
    "receive callback converting the reply, complete()), the DQAP itself timed by the machine: 1 µs.  " \
    "Reasoning: the reply copy and conversion dominate; no public figure.")                             \
  X(task_wakeup, 2'000'000, kernel,                                                                      \
    "Waking the thread blocked in the ioctl (try_to_wake_up, the context switch to it): 2 µs.  "         \
    "lmbench lat_ctx measures 1-3 µs per context switch on current servers.")                            \
  X(sysfs_read, 3'000'000, kernel,                                                                       \
    "open+read+close of a sysfs attribute (path walk, kernfs_fop_read_iter, the show function, "         \
    "copy-out): 3 µs.  Reasoning: three system calls plus a kernfs lookup and a seq_file page; "         \
    "lmbench lat_syscall 'open' measures 1-2 µs for open+close alone.")                                  \
  X(sysfs_write, 3'000'000, kernel,                                                                      \
    "open+write+close of a sysfs attribute, excluding what the store itself waits for (a queue reset "   \
    "is timed by the machine): 3 µs, as a read (reasoning above).")                                      \
  X(printk, 2'000'000, kernel,                                                                           \
    "printk of one line into the ring buffer (vprintk_emit, log_store; no console attached): 2 µs.  "    \
    "Reasoning: formatting plus the logbuf lock; a serial console would cost far more and is not "       \
    "modelled.")                                                                                         \
  X(qemu_start, 50'000'000'000, user,                                                                    \
    "qemu-system-s390x from exec to the guest's first instruction (option parsing, KVM_CREATE_VM, "      \
    "RAM setup, machine init): 50 ms.  Reasoning: QEMU's own start-up without a guest (qemu -M none) "   \
    "is tens of ms on a server (the QEMU microvm work reports ~50 ms for a stock machine type).")         \
  X(qemu_device_setup, 5'000'000'000, user,                                                              \
    "QEMU's setup of one -device vfio-ap (open the mdev's VFIO group and device, realize, "              \
    "VFIO_DEVICE_GET_INFO/IRQ setup): 5 ms.  Reasoning: a handful of ioctls plus QOM realize; VFIO "     \
    "device open is the dominant part and is in the ms range.")                                  \
  X(kvm_pqap_aqic, 5'000'000, hypervisor,                                                                \
    "KVM's handler of an intercepted PQAP(AQIC), past the SIE exit and re-entry the machine times "      \
    "(intercept_cycles): arch/s390/kvm/priv.c handle_pqap -> vfio_ap_ops.c handle_pqap -> "              \
    "vfio_ap_irq_enable (vfio_pin_pages of the NIB page, kvm_s390_gisc_register, the host's AQIC) or "   \
    "vfio_ap_irq_disable: 5 µs.  Reasoning: pinning one page through VFIO and the GISC registration "    \
    "are a few µs of locked list and page-table work; no public figure.")                               \
  X(kvm_pqap_qci, 2'000'000, hypervisor,                                                                 \
    "KVM's emulation of an intercepted PQAP(QCI) (apsim.kvm_ap=intercept only: with ECA_APIE the SIE "   \
    "interprets QCI and nothing is charged): the host's QCI into a host page, the guest's masks "        \
    "patched in, the block copied to guest storage: 2 µs.  Reasoning: two 128-byte copies and a mask "   \
    "rewrite around the host instruction, which the machine times.")                                    \
  X(gisa_delivery, 200'000, interruption,                                                                \
    "Delivery of a guest's adapter interruption through the GISA to a vCPU that is in SIE: the "         \
    "machine presents it to the running guest without leaving SIE (the guest's own first-level "         \
    "handler is interruption_entry): 0.2 µs.  Reasoning: a firmware path of an interruption's PSW "     \
    "swap and the IPM update, the order of a host interruption's hardware part.")                       \
  X(gib_alert, 1'000'000, interruption,                                                                  \
    "The GIB alert path when no vCPU of the guest is in SIE: the host's adapter interruption for "       \
    "GAL_ISC and KVM's handler (arch/s390/kvm/interrupt.c gib_alert_irq_handler -> "                     \
    "process_gib_alert_list, which picks the GISA's vCPU to kick): 1 µs.  Reasoning: an interruption "  \
    "entry (0.5 µs, interruption_entry) plus the alert list walk and the kick.")                         \
  X(vcpu_wakeup, 2'000'000, hypervisor,                                                                  \
    "Waking a vCPU in enabled wait (kvm_s390_vcpu_wakeup: its halted vCPU thread woken and switched "    \
    "to, kvm_vcpu_block's loop left): 2 µs, as task_wakeup (lmbench lat_ctx: 1-3 µs per context "        \
    "switch).")                                                                                          \
  X(sie_entry, 1'000'000, hypervisor,                                                                    \
    "SIE re-entry of a woken vCPU (vcpu_pre_run: pending interruptions and requests checked, "           \
    "__vcpu_run's guest-state load, the SIE instruction's entry): 1 µs.  Reasoning: KVM's run loop "     \
    "and the SIE entry are about half a context switch; no public s390 figure.")
// clang-format on

/// The software steps, one per row of APSIM_SOFTWARE_COSTS.
enum class SoftwareStep : uint8_t {
#define APSIM_SOFTWARE_STEP(name, def, kind, source) name,
  APSIM_SOFTWARE_COSTS(APSIM_SOFTWARE_STEP)
#undef APSIM_SOFTWARE_STEP
};

/// Number of software steps.
inline constexpr size_t kSoftwareStepCount = 0
#define APSIM_SOFTWARE_COUNT(name, def, kind, source) +1
    APSIM_SOFTWARE_COSTS(APSIM_SOFTWARE_COUNT)
#undef APSIM_SOFTWARE_COUNT
    ;

/// One row of the table as declared: its name (the LPAR config's key), default in ps, kind
/// and the source of the default.
struct SoftwareCostRow {
  const char* name;
  uint64_t default_ps;
  SoftwareKind kind;
  const char* source;
};

/// Every row, in declaration order (index = static_cast<size_t>(SoftwareStep)).
inline constexpr SoftwareCostRow kSoftwareCostRows[kSoftwareStepCount] = {
#define APSIM_SOFTWARE_ROW(name, def, kind, source) {#name, def, SoftwareKind::kind, source},
    APSIM_SOFTWARE_COSTS(APSIM_SOFTWARE_ROW)
#undef APSIM_SOFTWARE_ROW
};

/// The row of `step`.
inline constexpr const SoftwareCostRow& software_cost_row(SoftwareStep step) {
  return kSoftwareCostRows[static_cast<size_t>(step)];
}

/// The step called `name`, or false if there is none.
inline bool find_software_step(std::string_view name, SoftwareStep& out) {
  for (size_t i = 0; i < kSoftwareStepCount; ++i)
    if (name == kSoftwareCostRows[i].name) {
      out = static_cast<SoftwareStep>(i);
      return true;
    }
  return false;
}

/// Largest cost a step may be given: 2^40 ps (about 1.1 s).
inline constexpr uint64_t kSoftwareCostMaxPs = uint64_t{1} << 40;

/// The costs in force, in ps: the defaults, then the LPAR config's overrides.
struct SoftwareCostTable {
  std::array<uint64_t, kSoftwareStepCount> ps = [] {
    std::array<uint64_t, kSoftwareStepCount> a{};
    for (size_t i = 0; i < kSoftwareStepCount; ++i) a[i] = kSoftwareCostRows[i].default_ps;
    return a;
  }();
  uint64_t cost_ps(SoftwareStep s) const { return ps[static_cast<size_t>(s)]; }
  void set_ps(SoftwareStep s, uint64_t v) { ps[static_cast<size_t>(s)] = v; }
  /// Every step costs nothing: the simulator as before the CPU complex (a check of it).
  static SoftwareCostTable zero() {
    SoftwareCostTable t;
    t.ps.fill(0);
    return t;
  }
};

}  // namespace apsim::arch
