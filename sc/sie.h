// sc/sie.h — SIE interpretation of a guest's AP instructions.
//
// For each AP instruction a guest executes, the machine reads the guest's SIE state
// description (ECA, CRYCB designation) from host main storage and decides, in order
// (ap-facility-spec.md §3.2, §3.3):
//   1. ECA.APIE off                   -> intercept every AP instruction to the host;
//   2. PQAP(AQIC)                     -> intercept to the host (KVM handle_pqap);
//   3. NQAP/DQAP/TAPQ/RAPQ/ZAPQ       -> fetch the APM/AQM (and ADM) words for the APQN
//      from the CRYCB and ask the mask check (the Verilated RTL in cycle mode): allowed
//      instructions go to the AP bus, others end with RC 0x01 (APQN not available — the
//      choice spec §3.2 and §9.9 support);
//   4. PQAP(QCI)                      -> answered from the CRYCB's APCB (the guest sees its
//      own APM/AQM/ADM).  Modeling choice (spec §10: not public): Na/Nd are those of the
//      host for format 2 and 63/15 for formats 0/1; the APXA flag is set for format 2.
// Costs: TimingTable::storage_access_cycles per state-description/CRYCB word read, plus
// the mask check's own cycles.
#pragma once

#include <cstdint>

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

class SieUnit : public sc_core::sc_module {
 public:
  SieUnit(sc_core::sc_module_name name, MainStorage& storage, const TimingTable& timing, ApcbChecker& checker);

  /// Decide a NQAP/DQAP/TAPQ/RAPQ/ZAPQ for `apqn` of the guest whose state description is at
  /// host absolute `sd_addr`.  Consumes simulated time (storage accesses, mask check).
  SieDecision check_apqn(uint64_t sd_addr, uint8_t apid, uint8_t apqi);
  /// Whether the state description enables AP interpretation (ECA.APIE).
  bool apie(uint64_t sd_addr);
  /// The guest's QCI block, built from its CRYCB.
  arch::QciInfo guest_qci(uint64_t sd_addr, const arch::QciInfo& host);

  void set_checker(ApcbChecker& checker) { checker_ = &checker; }
  void trace(sc_core::sc_trace_file* tf);

 private:
  void storage_delay(unsigned accesses);

  MainStorage& storage_;
  const TimingTable& timing_;
  ApcbChecker* checker_;
  bool tracing_ = false;
  sc_core::sc_signal<bool> sig_req_{"req"};
  sc_core::sc_signal<uint32_t> sig_apqn_{"apqn"};
  sc_core::sc_signal<uint32_t> sig_fmt_{"fmt"};
  sc_core::sc_signal<bool> sig_allow_{"allow"};
  sc_core::sc_signal<bool> sig_deny_{"deny"};
};

}  // namespace apsim::sc
