// testbench/apsim/campaign_isolation.h — `apsim campaign isolation`: random guest AP
// instructions across random LPARs and guest matrices, each checked for an isolation breach.
//
// In process, no shell: each LPAR (campaign_lpar.h) runs in a child process of its own
// (SystemC elaborates once per process): the platform is built, the host's Linux boots, its
// queues are zeroized (vfio_ap resets the queues it takes from the host's drivers), and one
// KVM VM per guest gets its matrix through kvm_arch_crypto_set_masks (driver/linux/kvm-s390.h).
// Then the guests' vCPUs execute random NQAP, DQAP and PQAP (TAPQ, RAPQ, ZAPQ, AQIC, QCI,
// QACT, undefined codes) with APQNs inside their own matrix, inside another guest's and
// anywhere, random register numbers, reserved GR0 bits, lengths and storage addresses; each
// goes through SIE and the APCB check (the Verilated RTL in cycle mode, the C++ reference in
// fast mode).  The host enqueues requests on its own queues meanwhile, and the guests' PQAP(AQIC)
// goes to a hook that does vfio_ap's part (vfio_ap_irq_enable: its matrix only, the guest's
// GISA).  An IsolationChecker (campaign_isolation_check.h) on the adapters judges every
// instruction by what reached the hardware.
#pragma once

#include <cstdint>
#include <string>

namespace apsim::tb {

struct IsolationOptions {
  uint64_t instructions = 100000;  ///< guest instructions in all (split over the LPARs)
  unsigned guests = 0;             ///< guests per LPAR; 0: 3..16 at random
  uint64_t seed = 1;
  std::string mode = "fast";       ///< fast (C++ reference check) or cycle (Verilated RTL)
  unsigned lpars = 0;              ///< LPARs (processes); 0: one per 5 million instructions, at least 1
  unsigned jobs = 1;               ///< LPAR processes at once
  /// Negative control: guest 1's APCB gets guest 2's adapters and domains too (KVM writes a
  /// wrong mask: the campaign's matrices do not change), so breaches must be found.
  bool plant_mutant = false;
};

/// Run the campaign and print its report, ending with `isolation: N instructions, B
/// breaches`.  Exit status 0 without breaches, 1 with, 70 when an LPAR process failed.
int run_isolation_campaign(const IsolationOptions& opts);

}  // namespace apsim::tb
