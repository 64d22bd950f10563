// arch/ap_instructions.h — the seam between software (driver/) and hardware (sc/).
//
// The driver stack reaches the machine only through these interfaces, exactly as Linux
// reaches it through the NQAP/DQAP/PQAP instructions and main storage (DESIGN.md "Two
// seams").  Registers go in, registers and a condition code or a program interruption come
// out; messages, QCI blocks and NIBs live in the context's main storage and are named by
// address.  In the simulator the CPU model implements `Cpu` (each call costs simulated
// time and goes through SIE, the RTL mask check, the AP bus and the adapter).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include "arch/software_cost.h"

namespace apsim::arch {

/// The 16 general registers of the CPU context that executes an instruction, and the one
/// PSW bit the AP instructions look at.
struct GeneralRegisters {
  std::array<uint64_t, 16> gr{};
  /// PSW bit 15 (P): the program runs in problem state.  NQAP, DQAP and PQAP are privileged:
  /// executed with P = 1 they end in a privileged-operation exception (kvm-unit-tests' AP
  /// test [U-v4] "privileged"; KVM's handle_pqap, spec §3.3).  Default false: supervisor state.
  bool problem_state = false;
  uint64_t& operator[](size_t i) { return gr[i]; }
  uint64_t operator[](size_t i) const { return gr[i]; }
};

/// Program-interruption codes the AP instructions can raise (z/Architecture PoP).
enum ProgramInterruptionCode : uint16_t {
  PGM_NONE = 0x0000,
  PGM_OPERATION = 0x0001,
  PGM_PRIVILEGED_OP = 0x0002,
  PGM_ADDRESSING = 0x0005,
  PGM_SPECIFICATION = 0x0006,
};

inline const char* program_interruption_name(uint16_t code) {
  switch (code) {
    case PGM_OPERATION: return "operation";
    case PGM_PRIVILEGED_OP: return "privileged-operation";
    case PGM_ADDRESSING: return "addressing";
    case PGM_SPECIFICATION: return "specification";
    default: return "none";
  }
}

/// What one AP instruction did: either a condition code, or a program interruption (the
/// instruction was suppressed or nullified and `cc` is meaningless).
struct InsnOutcome {
  int cc = 0;                 ///< PSW condition code 0..3
  uint16_t pgm = PGM_NONE;    ///< program-interruption code, PGM_NONE if none
  bool interrupted() const { return pgm != PGM_NONE; }
};

/// The architected AP instructions of one CPU context (host, or a guest under SIE).
/// Registers are read and written in `regs` as the instruction defines (ap-facility-spec.md
/// §1.1): PQAP uses GR0/GR1/GR2 implicitly; NQAP and DQAP name even/odd pairs R1 (PSMID)
/// and R2 (message address/length in the context's storage), status in GR1, and DQAP's
/// residual length in GR2.
class ApInstructions {
 public:
  virtual ~ApInstructions() = default;
  virtual InsnOutcome pqap(GeneralRegisters& regs) = 0;
  virtual InsnOutcome nqap(GeneralRegisters& regs, unsigned r1, unsigned r2) = 0;
  virtual InsnOutcome dqap(GeneralRegisters& regs, unsigned r1, unsigned r2) = 0;
};

/// Main storage as one CPU context sees it (guest absolute addresses for a guest), in bytes.
/// Out-of-range accesses are reported (false), never undefined.
class Storage {
 public:
  virtual ~Storage() = default;
  virtual bool read(uint64_t addr, void* dst, size_t len) = 0;
  virtual bool write(uint64_t addr, const void* src, size_t len) = 0;
  /// Size of this context's storage in bytes (addresses 0 .. size-1 are valid).
  virtual uint64_t size() const = 0;
  /// Return [addr, addr + len) to zeros, as freshly allocated storage reads (the kernel
  /// frees pages it hands out again).  The default writes zeros; sparse storage drops the
  /// pages.  Out-of-range parts are ignored.
  virtual void discard(uint64_t addr, uint64_t len) {
    static const uint8_t zeros[4096] = {};
    while (len && addr < size()) {
      const uint64_t n = std::min<uint64_t>({len, sizeof zeros, size() - addr});
      write(addr, zeros, static_cast<size_t>(n));
      addr += n, len -= n;
    }
  }
};

/// Facilities the machine (or, for a guest, the CPU model) offers, as STFLE bits would say.
struct Facilities {
  bool ap = true;     ///< AP instructions installed (QEMU feature `ap`)
  bool qci = true;    ///< STFLE 12: PQAP(QCI)            (`apqci`)
  bool apft = true;   ///< STFLE 15: TAPQ with the T bit  (`apft`)
  bool aqic = true;   ///< STFLE 65: AP queue interruption control (`apqi`)
  bool apxa = true;   ///< APXA: ids up to 255 (reported through QCI)
  /// STFLE 76: message-security-assist extension 3 (QEMU `msa3`).  Not an AP facility, but
  /// KVM picks the guest's CRYCB format by it (spec §3.1): without it format 0.
  bool msax3 = true;
};

/// Why a CPU context stopped waiting (see Cpu::wait_for_interrupt).
enum class WakeReason { timeout, adapter_interrupt };

/// One CPU context as software sees it: its AP instructions, its storage, its clock.
class Cpu {
 public:
  virtual ~Cpu() = default;
  virtual ApInstructions& ap() = 0;
  virtual Storage& storage() = 0;
  virtual const Facilities& facilities() const = 0;
  /// Simulated time now, in picoseconds.
  virtual uint64_t now_ps() = 0;
  /// Let `ps` picoseconds of simulated time pass on this CPU (software busy or sleeping).
  virtual void delay_ps(uint64_t ps) = 0;
  /// Sleep until an adapter interruption for this context's ISC, or `timeout_ps` passes.
  virtual WakeReason wait_for_interrupt(uint64_t timeout_ps) = 0;
  /// Run one software step of this context's software (a command's fork+exec, a system call,
  /// a sysfs access, a printk, QEMU's start...; arch/software_cost.h): it costs the step's
  /// entry of the software cost table in force, on a host CPU of the CPU complex (a guest's
  /// step on the host CPU its vCPU runs on), plus any wait for a free CPU
  /// (sc/cpu_complex.h).  Returns when the step has ended: the clock is at its end.
  virtual void run_software(SoftwareStep step) = 0;
  /// Book one software step of logical thread `thread` of this context's software (an
  /// apbench thread: 0, 1, ...; distinct from the context's own thread that run_software
  /// uses) ready at `ready_ps`, without letting time pass: the caller keeps that thread's clock
  /// and the step's end is returned (ready + any wait for a CPU + the cost).  For software
  /// that runs several threads on this one context as data (apbench --threads).
  virtual uint64_t place_software(unsigned thread, SoftwareStep step, uint64_t ready_ps) = 0;
  /// An adapter interruption for this context, pending from `pending_ps`, is presented to the
  /// CPU logical thread `thread` (as place_software) runs on; returns when that CPU can start
  /// the interruption's first-level handler.  The host: at once (the handler's entry is the
  /// caller's interruption_entry step).  A guest (docs/cpu-complex.md "Guest vCPUs"): the GISA
  /// delivers it directly if the thread's vCPU is in SIE then (gisa_delivery on that vCPU);
  /// otherwise the host takes a GIB alert (gib_alert on a host CPU) and the vCPU's next step
  /// pays its wakeup and SIE re-entry.  Books steps like place_software; no time passes.
  virtual uint64_t deliver_interruption(unsigned thread, uint64_t pending_ps) {
    (void)thread;
    return pending_ps;
  }
  /// A SIE context: the guest has `n` vCPUs (QEMU's -smp, 1..248); the threads of
  /// place_software run on them.  Ignored by a CPU without guests.
  virtual void set_vcpus(unsigned n) { (void)n; }
  /// Busy time so far of each host CPU of the CPU complex, by column (host user, guest,
  /// kernel, interruption), ps, including steps booked ahead of the clock.  Empty for a CPU
  /// model without a CPU complex.
  virtual std::vector<std::array<uint64_t, 4>> cpu_busy_ps() { return {}; }
  /// Context name for traces ("host", or the guest's name).
  virtual std::string name() const = 0;
};

/// Where an intercepted guest AP instruction goes (KVM's handle_pqap and, for everything
/// KVM does not handle, userspace/QEMU).  Installed per guest by the host's KVM.
class SieInterceptHandler {
 public:
  virtual ~SieInterceptHandler() = default;
  /// Handle an intercepted instruction `opcode` (kOpPQAP/kOpNQAP/kOpDQAP) with the guest's
  /// registers.  Returns the outcome the guest sees.
  virtual InsnOutcome handle_ap_intercept(uint16_t opcode, GeneralRegisters& regs, unsigned r1,
                                          unsigned r2) = 0;
};

/// The host CPU: what KVM needs to run a guest under SIE.
class HostCpu : public Cpu {
 public:
  /// SCLP "configure/deconfigure adjunct processor" (Linux sclp_ap_configure /
  /// sclp_ap_deconfigure, behind the card's sysfs `config` attribute): puts adapter `apid` in
  /// the configured (`on`) or standby state.  Returns 0, -ENODEV when no adapter has that
  /// APID, or -EOPNOTSUPP where SCLP cannot do it (this default; a guest context).
  virtual int sclp_configure_ap(unsigned apid, bool on) { return -EOPNOTSUPP; }
  /// The guest CPU context described by the SIE state description at host absolute address
  /// `sd_addr`.  Its AP instructions are interpreted against the CRYCB the state description
  /// designates, and intercepts go to `handler`.  The context lives as long as the HostCpu.
  virtual Cpu& sie_context(uint64_t sd_addr, const std::string& name, const Facilities& fac,
                           SieInterceptHandler* handler) = 0;

  // ---- KVM's blocked-vCPU update of a running guest (ap-facility-spec.md §3.1:
  // kvm_arch_crypto_set_masks = kvm_s390_vcpu_block_all; write the CRYCB;
  // kvm_s390_sync_request_broadcast(KVM_REQ_VSIE_RESTART); kvm_s390_vcpu_unblock_all) ----

  /// kvm_s390_vcpu_block: take the vCPU of the state description at `sd_addr` out of SIE at
  /// its next instruction boundary and keep it out until sie_unblock().  Returns once no
  /// instruction of it is in flight (waits for one that is).
  virtual void sie_block(uint64_t sd_addr) = 0;
  /// The CRYCB the state description designates has been rewritten (the KVM_REQ_VSIE_RESTART
  /// broadcast): the machine must not use any APCB it took from it before.
  virtual void sie_crycb_changed(uint64_t sd_addr) = 0;
  /// kvm_s390_vcpu_unblock: the vCPU may enter SIE again.  A CRYCB reported changed is
  /// reloaded and made active (atomically) before the vCPU's next instruction is checked.
  virtual void sie_unblock(uint64_t sd_addr) = 0;
};

}  // namespace apsim::arch
