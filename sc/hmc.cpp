// sc/hmc.cpp — the HMC's dynamic change of the LPAR's crypto configuration (sc/hmc.h).
#include "sc/hmc.h"
#include "sc/sim_time.h"

#include <algorithm>
#include <cstdio>

namespace apsim::sc {

using namespace sc_core;

Hmc::Hmc(sc_module_name name, CpuModel& cpu, std::vector<CexAdapter*> adapters, const arch::QciInfo& qci)
    : sc_module(name), cpu_(cpu), adapters_(std::move(adapters)), qci_(qci) {
  SC_METHOD(on_due);
  sensitive << due_event_;
  dont_initialize();
}

CexAdapter* Hmc::adapter(unsigned apid) const {
  for (CexAdapter* a : adapters_)
    if (a->config().apid == apid) return a;
  return nullptr;
}

arch::ApMask& Hmc::mask_of(arch::QciInfo& q, LparChange::What w) {
  return w == LparChange::What::adapter ? q.apm : w == LparChange::What::usage_domain ? q.aqm : q.adm;
}

void Hmc::apply_to(arch::QciInfo& q, const LparChange& c) { mask_of(q, c.what).assign(c.id, c.add); }

void Hmc::arm(uint64_t now_ps) {
  if (pending_.empty()) return;
  uint64_t next = pending_.front().at_ps;
  for (const Pending& p : pending_) next = std::min(next, p.at_ps);
  due_event_.cancel();
  due_event_.notify(sc_time::from_value(next - now_ps));
}

std::string Hmc::check(const LparChange& c) const {
  char id[8];
  const bool adapter_change = c.what == LparChange::What::adapter;
  std::snprintf(id, sizeof id, adapter_change ? "%02x" : "0x%04x", c.id);
  const char* kind = adapter_change ? "adapter" : c.what == LparChange::What::usage_domain ? "domain" : "control domain";
  const unsigned max = adapter_change ? qci_.na : qci_.nd;
  if (c.id > max)
    return std::string(kind) + " " + std::to_string(c.id) + " is beyond the machine's highest " +
           (adapter_change ? "adapter id (Na " : "domain id (Nd ") + std::to_string(max) + ")";
  if (adapter_change && !adapter(c.id))
    return std::string("no adapter ") + id + " in this machine (the LPAR config lists every adapter that may join)";
  arch::QciInfo projected = qci_;
  for (const Pending& p : pending_) apply_to(projected, p.change);
  if (mask_of(projected, c.what).test(c.id) == c.add)
    return std::string(kind) + " " + id + (c.add ? " is already" : " is not") + " in the LPAR's configuration";
  return "";
}

void Hmc::apply(const LparChange& c) {
  apply_to(qci_, c);
  cpu_.set_lpar_qci(qci_);
  switch (c.what) {
    case LparChange::What::adapter: adapter(c.id)->set_in_config(c.add); break;
    case LparChange::What::usage_domain:
      for (CexAdapter* a : adapters_) a->set_usage_domain(static_cast<uint8_t>(c.id), c.add);
      break;
    case LparChange::What::control_domain: break;  // the ADM only: no queue behind it
  }
}

void Hmc::schedule(const LparChange& c, uint64_t delay_ps) {
  if (delay_ps == 0) {
    apply(c);
    return;
  }
  const uint64_t now = sim_now_ps();
  pending_.push_back(Pending{now + delay_ps, c});
  arm(now);
}

void Hmc::on_due() {
  const uint64_t now = sim_now_ps();
  // Make the due changes in the order they were scheduled; re-arm for the rest.
  std::vector<Pending> later;
  for (const Pending& p : pending_) {
    if (p.at_ps > now) later.push_back(p);
    else apply(p.change);
  }
  pending_ = std::move(later);
  arm(now);
}

}  // namespace apsim::sc
