// testbench/apsim/campaign_isolation_check.cpp — the breach detector (campaign_isolation_check.h).
#include "testbench/apsim/campaign_isolation_check.h"

#include <cstdio>

#include "sc/control_domain_request.h"

namespace apsim::tb {

namespace {
std::string apqn_name(uint16_t apqn) {
  char b[16];
  std::snprintf(b, sizeof b, "%02x.%04x", apqn >> 8, apqn & 0xff);
  return b;
}
constexpr size_t kFirstBreaches = 8;
}  // namespace

IsolationChecker::IsolationChecker(const CampaignLpar& lpar, std::vector<uint32_t> gisa_of)
    : lpar_(lpar), gisa_of_(std::move(gisa_of)) {
  for (size_t g = 0; g < lpar.guests.size(); ++g)
    for (unsigned apid : lpar.guests[g].apm.ids())
      for (unsigned apqi : lpar.guests[g].aqm.ids()) owner_[apid << 8 | apqi] = static_cast<CampaignOwner>(g + 1);
}

std::string IsolationChecker::who(CampaignOwner o) const {
  return o == 0 ? std::string("the host") : lpar_.guests[o - 1].name;
}

void IsolationChecker::breach(uint64_t& counter, const std::string& what) {
  ++counter;
  if (first_.size() < kFirstBreaches) first_.push_back(what);
}

void IsolationChecker::queue_access(const sc::ApQueueAccess& a) {
  ++accesses_;
  const char* fn = sc::ap_function_name(a.function);
  // The host reaches every queue (it owns the machine); a guest only its own.
  if (issuer_ != 0 && owner_[a.apqn] != issuer_)
    breach(breaches_.queue, who(issuer_) + "'s " + fn + " reached queue " + apqn_name(a.apqn) + " of " +
                                who(owner_[a.apqn]));
  if (a.function == sc::ApFunction::DQAP && a.len > 0) {
    ++replies_;
    const auto sender = static_cast<CampaignOwner>(a.psmid >> 48);
    if (sender != issuer_)
      breach(breaches_.reply, who(issuer_) + " received a reply of " + (sender <= lpar_.guests.size() ? who(sender) : "nobody") +
                                  " from queue " + apqn_name(a.apqn));
  }
  if (a.function == sc::ApFunction::NQAP && issuer_ != 0) {
    const int64_t cdom = sc::control_domain_target(a.data, a.len);
    const CampaignGuest& g = lpar_.guests[issuer_ - 1];
    if (cdom >= 0 && (cdom > 255 || !g.adm.test(static_cast<unsigned>(cdom))))
      breach(breaches_.adm, g.name + "'s request to modify control domain " + std::to_string(cdom) +
                                " (not in its ADM) reached queue " + apqn_name(a.apqn));
  }
}

void IsolationChecker::interruption(uint16_t apqn, uint32_t gisa) {
  ++interruptions_;
  const CampaignOwner o = owner_[apqn];
  const uint32_t expect = o == 0 ? 0 : gisa_of_[o - 1];
  if (gisa != expect) {
    std::string to = "GISA " + std::to_string(gisa);
    for (size_t g = 0; g < gisa_of_.size(); ++g)
      if (gisa_of_[g] == gisa) to = lpar_.guests[g].name;
    if (gisa == 0) to = "the host";
    breach(breaches_.interrupt, "the interruption of queue " + apqn_name(apqn) + " (" + who(o) + "'s) went to " + to);
  }
}

}  // namespace apsim::tb
