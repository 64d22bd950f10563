// testbench/apsim/campaign_isolation_check.h — the isolation campaign's breach detector: a
// watch on the adapters (sc/ap_watch.h) that judges what the hardware did against the
// matrices the campaign meant each guest to have (campaign_lpar.h), never against the APCB
// the SIE unit checks.  So a wrong mask in the machine — a broken check, a mutant APCB — shows
// as a breach.
//
// Breaches, each counted once per event:
//   queue      an instruction of guest G reached a queue outside G's matrix (the adapter saw
//              it: any function, any response code);
//   reply      a reply whose PSMID names another owner reached G's DQAP (PSMIDs carry their
//              sender in bits 0..15 of the high word: make_psmid);
//   interrupt  an adapter interruption for queue Q went to a GISA other than Q's owner's
//              (the host's queues: no GISA);
//   adm        an administrative request of G for a control domain outside G's ADM reached
//              an adapter (sc/control_domain_request.h tells which domain a message modifies).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sc/ap_watch.h"
#include "testbench/apsim/campaign_lpar.h"

namespace apsim::tb {

/// Who issues an instruction: 0 the host, G + 1 guest G.
using CampaignOwner = uint16_t;

struct IsolationBreaches {
  uint64_t queue = 0, reply = 0, interrupt = 0, adm = 0;
  uint64_t total() const { return queue + reply + interrupt + adm; }
};

class IsolationChecker final : public sc::ApQueueWatch {
 public:
  /// `gisa_of[G]`: guest G's GISA origin >> 4 (what AQIC names).
  IsolationChecker(const CampaignLpar& lpar, std::vector<uint32_t> gisa_of);

  /// A PSMID that names its sender: owner in bits 48..63, `low` below.
  static uint64_t make_psmid(CampaignOwner owner, uint64_t low) {
    return (uint64_t{owner} << 48) | (low & 0xffffffffffffull);
  }
  /// Who owns queue `apqn` by the campaign's matrices: G + 1, or 0 (the host: no guest's).
  CampaignOwner owner_of(uint16_t apqn) const { return owner_[apqn]; }

  /// The instruction about to run is `owner`'s (until the next call).
  void set_issuer(CampaignOwner owner) { issuer_ = owner; }

  void queue_access(const sc::ApQueueAccess& a) override;
  void interruption(uint16_t apqn, uint32_t gisa) override;

  const IsolationBreaches& breaches() const { return breaches_; }
  uint64_t replies_taken() const { return replies_; }
  uint64_t interruptions() const { return interruptions_; }
  uint64_t queue_accesses() const { return accesses_; }
  /// The first few breaches, in words (for the report).
  const std::vector<std::string>& first_breaches() const { return first_; }

 private:
  void breach(uint64_t& counter, const std::string& what);
  std::string who(CampaignOwner o) const;

  const CampaignLpar& lpar_;
  std::vector<uint32_t> gisa_of_;
  std::array<CampaignOwner, 65536> owner_{};
  CampaignOwner issuer_ = 0;
  IsolationBreaches breaches_;
  uint64_t replies_ = 0, interruptions_ = 0, accesses_ = 0;
  std::vector<std::string> first_;
};

}  // namespace apsim::tb
