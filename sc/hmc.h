// sc/hmc.h — the HMC's dynamic change of the LPAR's crypto configuration ("Change LPAR
// Cryptographic Controls"): an adapter, usage domain or control domain joins or leaves the
// running LPAR's configuration.
//
// The model (docs/ap-instructions.md §7, README "LPAR config"): the machine holds every
// adapter the LPAR config lists — each one elaborated at start, as SystemC creates no module
// after elaboration and as the card is in the CEC — and the LPAR's configuration is the
// subset QCI reports: APM = the adapters with "in_config", AQM = usage_domains, ADM =
// control_domains.  A change here is what the firmware's LPAR table does at once: PQAP(QCI)
// answers the new masks; an adapter or usage domain that left answers RC 0x01 (as an APQN
// outside the configuration always did) and its queues' work is lost as on a deconfigure; one
// that joined answers with empty, reset queues.  A control domain only changes the ADM.
// Any domain up to max_domain_id may join (apsim models one LPAR: no other LPAR holds a
// domain); an adapter must be one the LPAR config lists.  Linux is not told: its AP bus
// sees the new QCI at its next scan (periodic, `scans`, a card's `config` store), as it does
// on real machines (spec §5.1: "If the config differs from the previous one, the
// on_config_changed callbacks of the drivers are called").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

#include "arch/qci.h"
#include "sc/cex_adapter.h"
#include "sc/cpu.h"

namespace apsim::sc {

struct LparChange {
  enum class What { adapter, usage_domain, control_domain };
  What what = What::adapter;
  bool add = true;
  unsigned id = 0;
};

class Hmc : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Hmc);
  /// `qci` is the LPAR's configuration at activation (LparConfig::qci()).
  Hmc(sc_core::sc_module_name name, CpuModel& cpu, std::vector<CexAdapter*> adapters, const arch::QciInfo& qci);

  /// Why `c` cannot be made, or "" when it can: the id must be in range (Na/Nd), an adapter
  /// must be in the machine, and the change must change something — checked against the
  /// configuration as it will be once every change already scheduled has been made.
  std::string check(const LparChange& c) const;
  /// Make `c` `delay_ps` picoseconds from now (0: now).  Call check() first.
  void schedule(const LparChange& c, uint64_t delay_ps);
  /// The LPAR's configuration now (what PQAP(QCI) answers).
  const arch::QciInfo& qci() const { return qci_; }

 private:
  struct Pending {
    uint64_t at_ps;
    LparChange change;
  };
  void apply(const LparChange& c);
  void on_due();
  /// The QCI mask a change of kind `w` edits (APM, AQM or ADM).
  static arch::ApMask& mask_of(arch::QciInfo& q, LparChange::What w);
  static void apply_to(arch::QciInfo& q, const LparChange& c);
  /// Notify due_event_ for the earliest pending change, if any.
  void arm(uint64_t now_ps);
  CexAdapter* adapter(unsigned apid) const;

  CpuModel& cpu_;
  std::vector<CexAdapter*> adapters_;
  arch::QciInfo qci_;
  std::vector<Pending> pending_;  ///< in the order scheduled
  sc_core::sc_event due_event_;
};

}  // namespace apsim::sc
