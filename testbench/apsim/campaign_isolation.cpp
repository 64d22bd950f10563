// testbench/apsim/campaign_isolation.cpp — `apsim campaign isolation` (campaign_isolation.h).
#include "testbench/apsim/campaign_isolation.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <vector>

#include <systemc>

#include "arch/ap_registers.h"
#include "driver/linux/ap_asm.h"
#include "driver/linux/kernel.h"
#include "driver/linux/kvm-s390.h"
#include "driver/userspace/init.h"
#include "sc/platform.h"
#include "testbench/apsim/campaign_isolation_check.h"
#include "testbench/apsim/campaign_lpar.h"
#include "testbench/apsim/campaign_messages.h"
#include "testbench/apsim/campaign_process.h"

namespace apsim::tb {

namespace {

using arch::Apqn;
using arch::GeneralRegisters;
using Bytes = std::vector<uint8_t>;

// Guest storage layout of the campaign (guest absolute addresses; 16 MiB guests).
constexpr uint64_t kGuestMem = 16ull << 20;
constexpr uint64_t kMsgBase = 0x100000;   ///< message slot i at kMsgBase + i * kMsgSlot
constexpr uint64_t kMsgSlot = 0x2000;
constexpr uint64_t kReplyBase = 0x400000; ///< DQAP buffers somewhere in [kReplyBase, + 1 MiB)
constexpr uint64_t kNibBase = 0x600000;   ///< notification bytes
constexpr uint64_t kQciBlock = 0x700000;

/// The messages each guest's storage holds, and what they are.
struct MessageSlot {
  uint64_t addr = 0;
  uint32_t len = 0;
};

// ---- one LPAR ---------------------------------------------------------------------------------

struct Tally {
  uint64_t instructions = 0, host_instructions = 0;
  uint64_t cc[4] = {0, 0, 0, 0};
  uint64_t pgm = 0, denied_rc01 = 0, adm_denied = 0, intercepts = 0;
  uint64_t replies = 0, interruptions = 0, accesses = 0;
  IsolationBreaches breaches;
  double loop_wall_s = 0, wall_s = 0, simulated_ms = 0;
  std::string lpar, first_breaches;
};

class LparRun {
 public:
  LparRun(const CampaignLpar& lpar, const IsolationOptions& o, uint64_t seed, uint64_t instructions)
      : lpar_(lpar), opts_(o), rng_(seed), instructions_(instructions) {}

  Tally run(sc::Platform& platform);

 private:
  void setup(driver::LinuxKernel& host);
  void guest_instruction(unsigned g);
  void host_instruction();
  Apqn pick_apqn(unsigned g);
  unsigned pick_pair(unsigned first_free);
  arch::InsnOutcome aqic_hook(unsigned g, GeneralRegisters& regs);
  bool chance(unsigned percent) { return rng_() % 100 < percent; }

  const CampaignLpar& lpar_;
  const IsolationOptions& opts_;
  std::mt19937_64 rng_;
  uint64_t instructions_;
  driver::LinuxKernel* host_ = nullptr;
  std::vector<std::unique_ptr<driver::KvmVm>> vms_;
  std::unique_ptr<IsolationChecker> checker_;
  std::vector<std::vector<MessageSlot>> slots_;  ///< per guest
  std::vector<uint16_t> existing_, host_queues_;  ///< APQNs the LPAR has; those no guest holds
  std::vector<std::vector<uint16_t>> own_;         ///< per guest: its APQNs that exist
  std::vector<MessageSlot> host_slots_;
  uint64_t psmid_ = 0;
  uint8_t adm_denied_rc_ = 0;  ///< what the SIE unit answers a request the ADM forbids
  Tally t_;
};

Apqn LparRun::pick_apqn(unsigned g) {
  const unsigned r = static_cast<unsigned>(rng_() % 100);
  const auto from = [&](const std::vector<uint16_t>& v) { return Apqn::from_qid(v[rng_() % v.size()]); };
  if (r < 55 && !own_[g].empty()) return from(own_[g]);
  if (r < 80) {  // another guest's queue, or the host's
    const unsigned h = static_cast<unsigned>(rng_() % own_.size());
    if (h != g && !own_[h].empty()) return from(own_[h]);
    if (!host_queues_.empty()) return from(host_queues_);
  }
  if (r < 92 && !existing_.empty()) return from(existing_);
  return Apqn::from_qid(static_cast<uint16_t>(rng_()));  // anything, existing or not
}

unsigned LparRun::pick_pair(unsigned first_free) {
  if (chance(1)) return static_cast<unsigned>(rng_() % 16);  // any register: odd, implicit, ...
  return first_free + 2 * static_cast<unsigned>(rng_() % ((16 - first_free) / 2));
}

arch::InsnOutcome LparRun::aqic_hook(unsigned g, GeneralRegisters& regs) {
  // vfio_ap's part of PQAP(AQIC) (vfio_ap_ops.c handle_pqap -> vfio_ap_irq_enable/disable):
  // a queue of the guest's own matrix only (RC 0x01 otherwise), the NIB in guest memory
  // (RC 0x06 otherwise), the host's AQIC with the guest's GISA and guest ISC.
  const Apqn q = arch::gr0_apqn(regs[0]);
  arch::ApQueueStatus st;
  st.response_code = arch::AP_RESPONSE_Q_NOT_AVAIL;
  if (!lpar_.guests[g].holds(q.apid, q.apqi)) {
    regs[1] = st.gr1();
    return {0, arch::PGM_NONE};
  }
  const arch::AqicControl guest = arch::AqicControl::unpack(regs[1]);
  arch::AqicControl ctl;
  uint64_t nib = 0;
  if (guest.ir) {
    if (regs[2] == 0 || regs[2] >= kGuestMem) {
      st.response_code = arch::AP_RESPONSE_INVALID_ADDRESS;
      regs[1] = st.gr1();
      return {0, arch::PGM_NONE};
    }
    nib = vms_[g]->mso() + regs[2];
    ctl.ir = true;
    ctl.gisc = guest.isc;
    ctl.isc = arch::AP_ISC;
    ctl.gisa = static_cast<uint32_t>(vms_[g]->gisa_addr() >> 4);
  }
  st = driver::ap_aqic(host_->cpu(), q, ctl, nib);
  regs[1] = st.gr1();
  return {0, arch::PGM_NONE};
}

void LparRun::setup(driver::LinuxKernel& host) {
  host_ = &host;
  arch::Cpu& hcpu = host.cpu();
  // The LPAR's queues, and vfio_ap's reset of those it takes from the host's drivers (here:
  // every queue, so that no interruption the host's AP bus enabled stays).
  for (const auto& a : lpar_.cfg.adapters)
    for (unsigned d : lpar_.cfg.usage_domains.ids()) {
      const Apqn q{a.apid, static_cast<uint8_t>(d)};
      existing_.push_back(q.qid());
      driver::ap_zapq(hcpu, q, false);
    }
  own_.resize(lpar_.guests.size());
  std::vector<uint32_t> gisas;
  arch::Facilities fac = dynamic_cast<arch::HostCpu&>(hcpu).facilities();
  for (size_t g = 0; g < lpar_.guests.size(); ++g) {
    const CampaignGuest& cg = lpar_.guests[g];
    fac.ap = true;
    fac.msax3 = cg.msax3;
    vms_.push_back(std::make_unique<driver::KvmVm>(host, cg.name, kGuestMem, fac, false));
    driver::KvmVm& vm = *vms_.back();
    vm.set_crypto_masks(cg.apm, cg.aqm, cg.adm);
    vm.pqap_hook = [this, g](GeneralRegisters& regs) { return aqic_hook(static_cast<unsigned>(g), regs); };
    gisas.push_back(static_cast<uint32_t>(vm.gisa_addr() >> 4));
  }
  for (uint16_t q : existing_) {
    bool held = false;
    for (size_t g = 0; g < lpar_.guests.size(); ++g)
      if (lpar_.guests[g].holds(q >> 8, q & 0xff)) own_[g].push_back(q), held = true;
    if (!held) host_queues_.push_back(q);
  }
  if (opts_.plant_mutant && lpar_.guests.size() >= 2) {
    // The negative control: guest 1's APCB also grants guest 2's queues (written through
    // KVM's protocol, so the SIE unit reloads it); the checker's matrices stay as they were.
    const CampaignGuest &a = lpar_.guests[0], &b = lpar_.guests[1];
    vms_[0]->set_crypto_masks(a.apm | b.apm, a.aqm | b.aqm, a.adm | b.adm);
  }
  checker_ = std::make_unique<IsolationChecker>(lpar_, gisas);
  // Each guest's messages: type-50 requests, CCA and EP11 requests — usage, administrative
  // for a domain of its ADM, outside it, and beyond any ADM — and random bytes.
  const auto write_slots = [&](arch::Storage& st, const CampaignGuest* cg, std::vector<MessageSlot>& out) {
    std::vector<Bytes> msgs;
    for (int i = 0; i < 4; ++i) msgs.push_back(type50_request(rng_));
    const std::vector<unsigned> adm = cg ? cg->adm.ids() : std::vector<unsigned>{};
    for (bool ep11 : {false, true}) {
      msgs.push_back(type6_request(ep11, false, static_cast<uint32_t>(rng_() % 256)));
      if (!adm.empty()) msgs.push_back(type6_request(ep11, true, adm[rng_() % adm.size()]));
      msgs.push_back(type6_request(ep11, true, static_cast<uint32_t>(rng_() % 256)));
      msgs.push_back(type6_request(ep11, true, 0x100 + static_cast<uint32_t>(rng_() % 0xff00)));
    }
    for (int i = 0; i < 4; ++i) {
      Bytes m(16 + rng_() % 1024);
      for (auto& b : m) b = static_cast<uint8_t>(rng_());
      msgs.push_back(m);
    }
    for (size_t i = 0; i < msgs.size(); ++i) {
      const uint64_t addr = kMsgBase + i * kMsgSlot;
      st.write(addr, msgs[i].data(), msgs[i].size());
      out.push_back({addr, static_cast<uint32_t>(msgs[i].size())});
    }
  };
  slots_.resize(lpar_.guests.size());
  for (size_t g = 0; g < lpar_.guests.size(); ++g) write_slots(vms_[g]->vcpu().storage(), &lpar_.guests[g], slots_[g]);
  // The host's messages live in a page range of its own.
  const uint64_t host_base = host.alloc_pages(64);
  for (int i = 0; i < 4; ++i) {
    const Bytes m = type50_request(rng_);
    hcpu.storage().write(host_base + i * kMsgSlot, m.data(), m.size());
    host_slots_.push_back({host_base + i * kMsgSlot, static_cast<uint32_t>(m.size())});
  }
}

void LparRun::guest_instruction(unsigned g) {
  arch::Cpu& cpu = vms_[g]->vcpu();
  GeneralRegisters r;
  for (auto& x : r.gr) x = rng_();  // whatever the registers held before
  r.problem_state = chance(1);
  const Apqn q = pick_apqn(g);
  const unsigned kind = static_cast<unsigned>(rng_() % 100);
  const uint64_t junk = chance(2) ? arch::bit64(static_cast<unsigned>(rng_() % 32) + 16) : 0;  // a reserved bit?
  checker_->set_issuer(static_cast<CampaignOwner>(g + 1));
  arch::InsnOutcome o;
  if (kind < 35) {  // NQAP
    const unsigned r1 = pick_pair(2), r2 = pick_pair(2);
    const MessageSlot& m = slots_[g][rng_() % slots_[g].size()];
    r[0] = arch::make_nqap_gr0(q) | (junk & arch::kGr0NqapReserved);
    const uint64_t psmid = IsolationChecker::make_psmid(static_cast<CampaignOwner>(g + 1), ++psmid_);
    if (r1 < 15) r[r1] = psmid >> 32, r[r1 + 1] = psmid & 0xffffffffu;
    if (r2 < 15) {
      r[r2] = chance(2) ? kGuestMem - 8 + rng_() % 64 : m.addr;  // an operand beyond storage
      r[r2 + 1] = chance(2) ? rng_() % 3 * 0x10000 : m.len;       // zero or too long
    }
    o = cpu.ap().nqap(r, r1, r2);
  } else if (kind < 70) {  // DQAP
    const unsigned r1 = pick_pair(4), r2 = pick_pair(4);
    r[0] = (chance(90) ? arch::make_dqap_gr0(q) : q.qid()) | (junk & arch::kGr0DqapReserved);
    if (r2 < 15) {
      r[r2] = kReplyBase + (rng_() % 0x100000 & ~uint64_t{7});
      r[r2 + 1] = chance(80) ? 0x1000 + rng_() % 0x2000 : rng_() % 0x200;
    }
    o = cpu.ap().dqap(r, r1, r2);
  } else {  // PQAP
    static const arch::PqapFc kFcs[] = {arch::PqapFc::TAPQ, arch::PqapFc::RAPQ, arch::PqapFc::ZAPQ,
                                        arch::PqapFc::AQIC, arch::PqapFc::QCI,  arch::PqapFc::QACT};
    const unsigned pick = static_cast<unsigned>(rng_() % 20);
    const uint8_t fc = pick < 6 * 3 ? static_cast<uint8_t>(kFcs[pick % 6]) : static_cast<uint8_t>(rng_());
    // The T bit is TAPQ's and F is RAPQ's/ZAPQ's (and QACT's): elsewhere now and then, a
    // specification exception.
    const bool tapq = fc == static_cast<uint8_t>(arch::PqapFc::TAPQ);
    const bool reset = fc == static_cast<uint8_t>(arch::PqapFc::RAPQ) || fc == static_cast<uint8_t>(arch::PqapFc::ZAPQ);
    r[0] = arch::make_pqap_gr0(static_cast<arch::PqapFc>(fc), q, chance(tapq ? 50 : 2), chance(reset ? 30 : 2)) |
           (junk & arch::kGr0PqapReserved);
    if (fc == static_cast<uint8_t>(arch::PqapFc::AQIC)) {
      arch::AqicControl c;
      c.ir = chance(70);
      c.isc = static_cast<uint8_t>(rng_() % 8);
      r[1] = c.pack();
      r[2] = chance(90) ? kNibBase + rng_() % 4096 : rng_() % (2 * kGuestMem);
    } else if (fc == static_cast<uint8_t>(arch::PqapFc::QCI)) {
      r[2] = chance(90) ? kQciBlock : rng_() % (2 * kGuestMem);
    }
    o = cpu.ap().pqap(r);
  }
  checker_->set_issuer(0);
  ++t_.instructions;
  if (o.interrupted()) ++t_.pgm;
  else ++t_.cc[o.cc & 3];
  if (!o.interrupted() && o.cc == 3) {
    const uint8_t rc = arch::ApQueueStatus::from_gr1(r[1]).response_code;
    t_.denied_rc01 += rc == arch::AP_RESPONSE_Q_NOT_AVAIL;
    t_.adm_denied += rc == adm_denied_rc_;
  }
}

void LparRun::host_instruction() {
  // The host's own traffic on the queues no guest holds: requests and replies a guest must
  // never see.
  if (host_queues_.empty()) return;
  arch::Cpu& cpu = host_->cpu();
  const Apqn q = Apqn::from_qid(host_queues_[rng_() % host_queues_.size()]);
  ++t_.host_instructions;
  if (chance(50)) {
    const MessageSlot& m = host_slots_[rng_() % host_slots_.size()];
    driver::ap_nqap(cpu, q, IsolationChecker::make_psmid(0, ++psmid_), m.addr, m.len);
  } else {
    uint64_t psmid = 0, len = 0;
    driver::ap_dqap(cpu, q, psmid, host_slots_[0].addr + 0x10000, 0x2000, len);
  }
}

Tally LparRun::run(sc::Platform& platform) {
  const auto w0 = std::chrono::steady_clock::now();
  platform.run([&](arch::HostCpu& cpu) {
    driver::KernelOptions ko;
    ko.init = driver::init_main;
    ko.seed = rng_();
    driver::LinuxKernel host(cpu, ko);
    host.boot();
    setup(host);
    adm_denied_rc_ = dynamic_cast<sc::SieUnit&>(*sc_core::sc_find_object("sie")).adm_denied_rc();
    platform.set_watch(checker_.get());
    const auto l0 = std::chrono::steady_clock::now();
    const unsigned guests = static_cast<unsigned>(vms_.size());
    for (uint64_t i = 0; i < instructions_; ++i) {
      guest_instruction(static_cast<unsigned>(rng_() % guests));
      if (i % 32 == 0) host_instruction();
      // Let the adapters work now and then: replies and interruptions arrive in between.
      if (i % 64 == 0) cpu.delay_ps(rng_() % 200'000'000);  // up to 200 us
    }
    t_.loop_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - l0).count();
    platform.set_watch(nullptr);
    t_.intercepts = platform.cpu().stats().intercepts;
    vms_.clear();  // KVM's VMs go before the host kernel that holds their memory
  });
  t_.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  t_.simulated_ms = sc_core::sc_time_stamp().to_seconds() * 1e3;
  t_.breaches = checker_->breaches();
  t_.replies = checker_->replies_taken();
  t_.interruptions = checker_->interruptions();
  t_.accesses = checker_->queue_accesses();
  for (const std::string& b : checker_->first_breaches()) t_.first_breaches += b + "\n";
  t_.lpar = lpar_.describe();
  return t_;
}

// ---- the children's results ---------------------------------------------------------------

std::string encode(const Tally& t) {
  std::ostringstream o;
  o.precision(17);
  o << t.instructions << ' ' << t.host_instructions << ' ' << t.cc[0] << ' ' << t.cc[1] << ' ' << t.cc[2] << ' '
    << t.cc[3] << ' ' << t.pgm << ' ' << t.denied_rc01 << ' ' << t.adm_denied << ' ' << t.intercepts << ' ' << t.replies << ' '
    << t.interruptions << ' ' << t.accesses << ' ' << t.breaches.queue << ' ' << t.breaches.reply << ' '
    << t.breaches.interrupt << ' ' << t.breaches.adm << ' ' << t.loop_wall_s << ' ' << t.wall_s << ' '
    << t.simulated_ms << '\n'
    << t.lpar << '\n'
    << t.first_breaches;
  return o.str();
}

bool decode(const std::string& s, Tally& t) {
  std::istringstream in(s);
  std::string head;
  if (!std::getline(in, head) || !std::getline(in, t.lpar)) return false;
  std::istringstream h(head);
  h >> t.instructions >> t.host_instructions >> t.cc[0] >> t.cc[1] >> t.cc[2] >> t.cc[3] >> t.pgm >> t.denied_rc01 >> t.adm_denied >>
      t.intercepts >> t.replies >> t.interruptions >> t.accesses >> t.breaches.queue >> t.breaches.reply >>
      t.breaches.interrupt >> t.breaches.adm >> t.loop_wall_s >> t.wall_s >> t.simulated_ms;
  if (!h) return false;
  std::ostringstream rest;
  rest << in.rdbuf();
  t.first_breaches = rest.str();
  return true;
}

uint64_t mix(uint64_t seed, uint64_t k) {
  // splitmix64: neighbouring seeds and LPAR numbers give unrelated streams.
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (k + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

int run_isolation_campaign(const IsolationOptions& o) {
  const unsigned lpars = o.lpars ? o.lpars
                                 : static_cast<unsigned>(std::clamp<uint64_t>((o.instructions + 4'999'999) / 5'000'000, 1, 1000));
  std::cout << "isolation campaign: " << o.instructions << " guest instructions over " << lpars << " random LPAR"
            << (lpars == 1 ? "" : "s") << ", seed " << o.seed << ", " << o.mode << " mode ("
            << (o.mode == "cycle" ? "Verilated RTL" : "C++ reference") << " APCB check)"
            << (o.plant_mutant ? ", with a mutant APCB planted in guest1" : "") << "\n";
  const auto w0 = std::chrono::steady_clock::now();
  const auto results = run_in_children(lpars, o.jobs, [&](unsigned k) {
    std::mt19937_64 rng(mix(o.seed, k));
    const CampaignLpar lpar = random_campaign_lpar(rng, o.guests);
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc::Platform platform(lpar.cfg, o.mode == "cycle" ? sc::SimMode::cycle : sc::SimMode::fast);
    const uint64_t share = o.instructions / lpars + (k < o.instructions % lpars ? 1 : 0);
    LparRun run(lpar, o, rng(), share);
    return encode(run.run(platform));
  });
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  Tally sum;
  int status = 0;
  double loop_wall = 0;
  for (size_t k = 0; k < results.size(); ++k) {
    Tally t;
    if (!results[k].ok || !decode(results[k].payload, t)) {
      std::cout << "  LPAR " << k + 1 << ": the process ended with " << results[k].status << "\n";
      status = 70;
      continue;
    }
    char b[160];
    std::snprintf(b, sizeof b, ": %llu instructions, %llu breaches, %.1f ms simulated, %.2f s wall\n",
                  static_cast<unsigned long long>(t.instructions), static_cast<unsigned long long>(t.breaches.total()),
                  t.simulated_ms, t.wall_s);
    std::cout << "  LPAR " << k + 1 << ": " << t.lpar << b;
    std::istringstream fb(t.first_breaches);
    for (std::string line; std::getline(fb, line);) std::cout << "    breach: " << line << "\n";
    sum.instructions += t.instructions, sum.host_instructions += t.host_instructions;
    for (int i = 0; i < 4; ++i) sum.cc[i] += t.cc[i];
    sum.pgm += t.pgm, sum.denied_rc01 += t.denied_rc01, sum.adm_denied += t.adm_denied, sum.intercepts += t.intercepts;
    sum.replies += t.replies, sum.interruptions += t.interruptions, sum.accesses += t.accesses;
    sum.breaches.queue += t.breaches.queue, sum.breaches.reply += t.breaches.reply;
    sum.breaches.interrupt += t.breaches.interrupt, sum.breaches.adm += t.breaches.adm;
    loop_wall += t.loop_wall_s;
  }
  const auto n = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  char b[512];
  std::snprintf(b, sizeof b,
                "  outcomes: cc0 %llu, cc1 %llu, cc2 %llu, cc3 %llu (RC 0x01 %llu, ADM refusals %llu), program "
                "interruptions %llu; intercepts %llu\n"
                "  the adapters saw %llu queue accesses, %llu replies taken, %llu interruptions; host instructions %llu\n"
                "  breaches: queue %llu, reply %llu, interruption %llu, ADM %llu\n",
                n(sum.cc[0]), n(sum.cc[1]), n(sum.cc[2]), n(sum.cc[3]), n(sum.denied_rc01), n(sum.adm_denied), n(sum.pgm), n(sum.intercepts),
                n(sum.accesses), n(sum.replies), n(sum.interruptions), n(sum.host_instructions), n(sum.breaches.queue),
                n(sum.breaches.reply), n(sum.breaches.interrupt), n(sum.breaches.adm));
  std::cout << b;
  std::snprintf(b, sizeof b,
                "  wall %.2f s with %u job%s: %.0f instructions/s; in the instruction loops %.0f instructions/s per "
                "process\n",
                wall, std::max(1u, o.jobs), o.jobs > 1 ? "s" : "", wall > 0 ? sum.instructions / wall : 0.0,
                loop_wall > 0 ? sum.instructions / loop_wall : 0.0);
  std::cout << b;
  std::cout << "isolation: " << sum.instructions << " instructions, " << sum.breaches.total() << " breaches\n";
  if (status) return status;
  return sum.breaches.total() ? 1 : 0;
}

}  // namespace apsim::tb
