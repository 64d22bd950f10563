// sc/sie.h — SIE interpretation of a guest's AP instructions, and the APCB mask check it owns.
//
// Sources: ap-facility-spec.md §3.1 (state description fields ECA at 0x4c and CRYCBD at 0xfc,
// CRYCB formats 0/1/2 and their widths, KVM's blocked-vCPU mask update), §3.2 (what is
// interpreted against the APCB), §3.3 (what is intercepted).  Modeling choices are marked
// "apsim" and collected in docs/sie-and-apcb.md.
//
// Per guest AP instruction the CPU (sc/cpu.cpp, CpuModel::execute) calls, in order:
//   1. begin_instruction(sd): waits while KVM has the vCPU blocked; if the vCPU is not in
//      SIE, SIE entry: read ECA and CRYCBD from the state description (2 storage accesses)
//      and find the APCB context that holds this CRYCB — if none, the CRYCB fetch: read the
//      APCB words of the format (format 2: 12 words; format 0/1: 3 words; one storage access
//      each) into a free (else least recently entered) context's shadow registers (1 cycle
//      per word) and commit it (1 cycle).  A vCPU stays in SIE until an intercept, KVM's
//      block, or until the CPU enters SIE for another state description.
//   2. ECA.APIE off, or PQAP(AQIC): intercept() and the host handler (KVM / QEMU).
//   3. Interpreted: for a NQAP whose message modifies a control domain
//      (sc/control_domain_request.h), set_control_domain_target(); then the decode calls
//      check_apqn() — the mask check, 2 cycles in the RTL, whatever the masks hold — for
//      NQAP, DQAP, TAPQ, RAPQ and ZAPQ.  APQN not in APM x AQM, or beyond the format's width:
//      RC 0x01 (spec §3.2, §9.9).  Control domain not in the ADM: adm_denied_rc() (apsim
//      choice: 0x42).  PQAP(QCI) is answered by guest_qci() from the active APCB.
//   4. end_instruction(sd).
// KVM's mask update (arch::HostCpu): block(sd) — waits for an instruction in flight, takes
// the vCPU out of SIE; crycb_changed(sd); unblock(sd) — reloads the APCB context from the
// rewritten CRYCB into the shadow registers and commits it, then lets the vCPU run.  The
// commit is the one point at which the guest's masks change: every check before it sees the
// old APCB, every check after it the new one (rtl/apcb_check.sv "Swap point").
// Nothing here grows with the configuration: an APCB context is found among
// kApcbContexts (4) by its CRYCB designation, a vCPU by a hash lookup.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>

#include <systemc>

#include "arch/ap_mask.h"
#include "arch/crycb.h"
#include "arch/qci.h"
#include "sc/apcb_check.h"
#include "sc/main_storage.h"
#include "sc/timing.h"

namespace apsim::sc {

/// What the SIE unit decided for one guest AP instruction.
enum class SieDecision { interpret, intercept, deny };

/// Which APCB check the SIE unit builds: the Verilated RTL (cycle mode) or the C++ reference
/// (fast mode: same decisions, no RTL cycles).
enum class SieCheckerKind { rtl, reference };

/// The mask check of the instruction in flight (valid after check_apqn()).
struct SieVerdict {
  bool checked = false;
  bool allow = false;       ///< APQN in APM x AQM and within the format's width
  bool cdom_check = false;  ///< the instruction modifies a control domain ...
  int64_t cdom = -1;        ///< ... this one
  bool cdom_allow = true;   ///< ... and the ADM permits it
  uint32_t cycles = 0;      ///< checker cycles
  SieDecision decision() const { return allow && cdom_allow ? SieDecision::interpret : SieDecision::deny; }
};

/// Where the time of the last guest instruction went, in ps of simulated time (for
/// testbench/bench/sie_latency.cpp; a stage not taken has 0).
struct SieStageTimes {
  uint64_t begin_ps = 0;        ///< begin_instruction() called
  uint64_t sd_fetch_ps = 0;     ///< SIE entry: ECA + CRYCBD read
  uint64_t crycb_fetch_ps = 0;  ///< APCB words read, loaded into the shadow, committed
  uint64_t check_begin_ps = 0;  ///< check_apqn() called
  uint64_t check_ps = 0;        ///< the mask check itself
  uint64_t intercept_ps = 0;    ///< intercept() called (0 if the instruction was interpreted)
};

/// Counters (tests, bench_sie_latency).
struct SieStats {
  uint64_t entries = 0;          ///< SIE entries (state description fetched)
  uint64_t crycb_fetches = 0;    ///< APCB loaded into a context at SIE entry
  uint64_t crycb_reloads = 0;    ///< APCB reloaded at the end of a KVM mask update
  uint64_t checks = 0;
  uint64_t denied_apqn = 0;
  uint64_t denied_cdom = 0;
  uint64_t intercepts = 0;
};

class SieUnit : public sc_core::sc_module {
 public:
  /// `timing`: storage_access_cycles and cpu_clock_ps (the checker runs at the CPU clock).
  /// The checker is built here as a child: `<name>.apcb_check` (cycle mode).
  SieUnit(sc_core::sc_module_name name, MainStorage& storage, const TimingTable& timing, SieCheckerKind kind);
  ~SieUnit() override;

  // ---- one guest instruction (called by the CPU, from its SC_THREAD) ----
  /// See the header comment, step 1.  Consumes simulated time on SIE entry.
  void begin_instruction(uint64_t sd_addr);
  /// ECA.APIE of the vCPU's current SIE entry.
  bool apie(uint64_t sd_addr) const;
  /// The vCPU leaves SIE for an intercept (the instruction is no longer in SIE).
  void intercept(uint64_t sd_addr);
  /// The instruction in flight modifies control domain `cdom` (-1: none).  Reset by
  /// begin_instruction().
  void set_control_domain_target(uint64_t sd_addr, int64_t cdom);
  /// The mask check of the instruction in flight for `apqn` (called by the decode of
  /// NQAP/DQAP/TAPQ/RAPQ/ZAPQ).  Consumes the checker's cycles.  interpret or deny.
  SieDecision check_apqn(uint64_t sd_addr, uint8_t apid, uint8_t apqi);
  /// The verdict of the instruction in flight.
  const SieVerdict& verdict(uint64_t sd_addr) const;
  void end_instruction(uint64_t sd_addr);

  /// The guest's QCI block, from the active APCB of its context (the guest sees its own
  /// APM/AQM/ADM).  apsim: Na/Nd are the host's for format 2 and 63/15 for formats 0/1; the
  /// APXA flag is set for format 2; other flags are 0.  No simulated time beyond the
  /// caller's (the CPU charges the QCI block store).
  arch::QciInfo guest_qci(uint64_t sd_addr, const arch::QciInfo& host);

  // ---- KVM's blocked-vCPU update (arch::HostCpu::sie_block/...) ----
  void block(uint64_t sd_addr);
  void crycb_changed(uint64_t sd_addr);
  void unblock(uint64_t sd_addr);

  /// AP response code of an NQAP whose control domain the ADM forbids.  apsim choice (no
  /// public source): 0x42 AP_RESPONSE_INVALID_DOMAIN, the architected code for an NQAP to a
  /// domain that is not valid, which Linux handles by failing that one request with -EINVAL
  /// and keeping the queue usable.  0x01 (APQN not available) is the alternative.
  uint8_t adm_denied_rc() const { return adm_denied_rc_; }
  void set_adm_denied_rc(uint8_t rc) { adm_denied_rc_ = rc; }

  ApcbChecker& checker() { return *checker_; }
  const SieStats& stats() const { return stats_; }
  const SieStageTimes& last_stages() const { return stages_; }
  /// The APCB context (0..kApcbContexts-1) of the vCPU, -1 if it holds none.
  int context_of(uint64_t sd_addr) const;

  /// Trace the SIE signals (sie.state, sie.req, ...) and the checker's into `tf`.
  void trace(sc_core::sc_trace_file* tf);

  /// sie.state values in the VCD.
  enum class State : uint32_t { idle = 0, sd_fetch = 1, crycb_fetch = 2, check = 3, intercept = 4, reload = 5 };

 private:
  struct Vcpu;
  struct Context {
    bool valid = false;
    uint32_t crycbd = 0;   ///< tag: CRYCB origin | format
    uint64_t last_entry = 0;
    unsigned in_sie = 0;   ///< vCPUs in SIE with this context
  };

  Vcpu& vcpu(uint64_t sd_addr);
  const Vcpu* find_vcpu(uint64_t sd_addr) const;
  void leave_sie(Vcpu& v);
  void enter_sie(uint64_t sd_addr, Vcpu& v);
  int find_context(uint32_t crycbd) const;
  int allocate_context();
  /// Copy the APCB designated by `crycbd` into context `c`'s shadow registers and commit it.
  void load_apcb(unsigned c, uint32_t crycbd);
  void storage_delay(unsigned accesses);
  void set_state(State s);

  MainStorage& storage_;
  const TimingTable& timing_;
  std::unique_ptr<ApcbChecker> checker_;
  std::unordered_map<uint64_t, std::unique_ptr<Vcpu>> vcpus_;  ///< never erased: a Vcpu stays put
  // The last vCPU looked up: an interpreted instruction looks its vCPU up five to eight
  // times (begin, checks, verdict, end), and the hash lookups were ~5 % of a guest
  // workload (issue 13).
  mutable uint64_t last_sd_ = 0;
  mutable Vcpu* last_vcpu_ = nullptr;
  std::array<Context, kApcbContexts> contexts_{};
  uint64_t current_sd_ = 0;  ///< the vCPU the CPU runs in SIE (0: none)
  uint64_t entry_count_ = 0;
  uint8_t adm_denied_rc_ = 0x42;
  SieStats stats_;
  SieStageTimes stages_;

  bool tracing_ = false;
  sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS> sig_state_{"state"};
  sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS> sig_ctx_{"ctx"};
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> sig_req_{"req"};
  sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS> sig_apqn_{"apqn"};
  sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS> sig_fmt_{"fmt"};
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> sig_allow_{"allow"};
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> sig_deny_{"deny"};
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> sig_cdom_check_{"cdom_check"};
  sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS> sig_cdom_{"cdom"};
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> sig_cdom_deny_{"cdom_deny"};
  sc_core::sc_signal<bool, sc_core::SC_MANY_WRITERS> sig_blocked_{"blocked"};
};

}  // namespace apsim::sc
