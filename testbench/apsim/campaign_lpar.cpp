// testbench/apsim/campaign_lpar.cpp — random LPARs and guest matrices (campaign_lpar.h).
#include "testbench/apsim/campaign_lpar.h"

#include <algorithm>
#include <sstream>

namespace apsim::tb {

namespace {

/// `n` distinct ids from `pool`, in random order.
std::vector<unsigned> pick(std::mt19937_64& rng, std::vector<unsigned> pool, size_t n) {
  std::shuffle(pool.begin(), pool.end(), rng);
  pool.resize(std::min(n, pool.size()));
  return pool;
}

std::vector<unsigned> range_ids(unsigned max) {
  std::vector<unsigned> v(max + 1);
  for (unsigned i = 0; i <= max; ++i) v[i] = i;
  return v;
}

unsigned uniform(std::mt19937_64& rng, unsigned lo, unsigned hi) {
  return std::uniform_int_distribution<unsigned>(lo, hi)(rng);
}

}  // namespace

bool matrices_overlap(const CampaignGuest& a, const CampaignGuest& b) {
  return !(a.apm & b.apm).empty() && !(a.aqm & b.aqm).empty();
}

CampaignLpar random_campaign_lpar(std::mt19937_64& rng, unsigned guests) {
  CampaignLpar l;
  sc::LparConfig& c = l.cfg;
  c = sc::LparConfig::default_lpar();
  const bool apxa = uniform(rng, 0, 3) != 0;
  c.facilities.apxa = apxa;
  c.max_adapter_id = apxa ? 255 : 63;
  c.max_domain_id = apxa ? 255 : 15;
  c.adapters.clear();
  static const firmware::AdapterProfile::Mode kModes[] = {firmware::AdapterProfile::Mode::accel,
                                                          firmware::AdapterProfile::Mode::cca,
                                                          firmware::AdapterProfile::Mode::ep11};
  for (unsigned apid : pick(rng, range_ids(c.max_adapter_id), uniform(rng, 3, 8))) {
    sc::CexAdapterConfig a;
    a.apid = static_cast<uint8_t>(apid);
    a.generation = uniform(rng, 4, 8);
    a.mode = kModes[uniform(rng, 0, 2)];
    a.qd = static_cast<uint8_t>(uniform(rng, 1, 7));
    a.nd = static_cast<uint8_t>(c.max_domain_id);
    a.apxa = apxa;
    c.adapters.push_back(a);
  }
  std::sort(c.adapters.begin(), c.adapters.end(), [](const auto& x, const auto& y) { return x.apid < y.apid; });
  const std::vector<unsigned> usage = pick(rng, range_ids(c.max_domain_id), uniform(rng, 6, apxa ? 24 : 14));
  c.usage_domains = arch::ApMask();
  c.control_domains = arch::ApMask();
  for (unsigned d : usage) c.usage_domains.set(d), c.control_domains.set(d);
  for (unsigned d : pick(rng, range_ids(c.max_domain_id), uniform(rng, 0, 4))) c.control_domains.set(d);

  std::vector<unsigned> apids;
  for (const auto& a : c.adapters) apids.push_back(a.apid);
  const unsigned n = guests ? guests : uniform(rng, 3, 16);
  for (unsigned g = 0; g < n; ++g) {
    CampaignGuest cg;
    cg.name = "guest" + std::to_string(g + 1);
    cg.msax3 = uniform(rng, 0, 4) != 0;
    const unsigned max_apid = cg.msax3 ? c.max_adapter_id : 63, max_apqi = cg.msax3 ? c.max_domain_id : 15;
    const auto in_width = [&](std::vector<unsigned> v, unsigned max) {
      v.erase(std::remove_if(v.begin(), v.end(), [max](unsigned i) { return i > max; }), v.end());
      return v;
    };
    const std::vector<unsigned> my_apids = in_width(apids, max_apid), my_usage = in_width(usage, max_apqi);
    const auto fits = [&](const CampaignGuest& x) {
      for (const CampaignGuest& o : l.guests)
        if (matrices_overlap(x, o)) return false;
      return true;
    };
    bool placed = false;
    for (int attempt = 0; attempt < 64 && !placed; ++attempt) {
      CampaignGuest x = cg;
      for (unsigned a : pick(rng, my_apids, uniform(rng, 1, 3))) x.apm.set(a);
      for (unsigned d : pick(rng, my_usage, uniform(rng, 1, 3))) x.aqm.set(d);
      if (!x.apm.empty() && !x.aqm.empty() && fits(x)) cg = x, placed = true;
    }
    // Crowded: one free APQN, if any is left.
    for (unsigned a : my_apids)
      for (unsigned d : my_usage) {
        if (placed) break;
        CampaignGuest x = cg;
        x.apm.set(a);
        x.aqm.set(d);
        if (fits(x)) cg = x, placed = true;
      }
    // ADM: some of the LPAR's control domains (not necessarily the guest's usage domains).
    std::vector<unsigned> cdoms = in_width(c.control_domains.ids(), max_apqi);
    for (unsigned d : pick(rng, cdoms, uniform(rng, 0, 3))) cg.adm.set(d);
    l.guests.push_back(cg);
  }
  return l;
}

std::string CampaignLpar::describe() const {
  std::ostringstream o;
  o << cfg.adapters.size() << " adapters (";
  for (size_t i = 0; i < cfg.adapters.size(); ++i) {
    char b[8];
    std::snprintf(b, sizeof b, "%02x", cfg.adapters[i].apid);
    o << (i ? " " : "") << b;
  }
  unsigned f0 = 0;
  for (const auto& g : guests) f0 += !g.msax3;
  o << "), " << cfg.usage_domains.ids().size() << " usage domains, " << (cfg.facilities.apxa ? "APXA" : "no APXA")
    << ", " << guests.size() << " guests (" << f0 << " with CRYCB format 0)";
  return o.str();
}

}  // namespace apsim::tb
