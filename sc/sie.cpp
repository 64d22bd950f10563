// sc/sie.cpp — SIE interpretation: SIE entry, APCB contexts loaded from the CRYCB, the mask
// check, KVM's blocked-vCPU update.  See sc/sie.h.
#include "sc/sie.h"

#include <stdexcept>
#include <string>

#include "sc/apcb_check_rtl.h"
#include "sc/signal_trace.h"
#include "sc/sim_time.h"

namespace apsim::sc {

using namespace sc_core;
using arch::ApcbMask;

struct SieUnit::Vcpu {
  bool in_sie = false;       ///< the CPU runs this vCPU in SIE (state description fetched)
  bool in_flight = false;    ///< an interpreted instruction of it is executing
  bool blocked = false;      ///< KVM keeps it out of SIE
  bool crycb_stale = false;  ///< KVM reported its CRYCB rewritten (reload at unblock)
  uint32_t eca = 0, crycbd = 0;
  int ctx = -1;              ///< APCB context of the current SIE entry (-1: none, APIE off)
  int64_t cdom = -1;         ///< control domain the instruction in flight modifies
  unsigned idle_waiters = 0; ///< processes in block() waiting for the instruction boundary
  SieVerdict verdict;
  sc_event unblocked_ev, idle_ev;
  /// The instruction in flight ended.  idle_ev is notified only when block() waits for it:
  /// a delta notification nobody waits for still costs a delta cycle, and in fast mode it is
  /// pending activity that makes the CPU's next bus transaction sync its local time — two
  /// SystemC round trips per guest instruction for nothing (bench_sim_speed, issue 13).
  void end_flight() {
    in_flight = false;
    if (idle_waiters) idle_ev.notify(SC_ZERO_TIME);
  }
};

SieUnit::SieUnit(sc_module_name name, MainStorage& storage, const TimingTable& timing, SieCheckerKind kind)
    : sc_module(name), storage_(storage), timing_(timing) {
  if (kind == SieCheckerKind::rtl)
    checker_ = std::make_unique<ApcbCheckRtl>("apcb_check", sc_time(static_cast<double>(timing_.cpu_clock_ps), SC_PS));
  else
    checker_ = std::make_unique<ApcbCheckRef>();
}

SieUnit::~SieUnit() = default;

SieUnit::Vcpu& SieUnit::vcpu(uint64_t sd_addr) {
  if (last_vcpu_ && sd_addr == last_sd_) return *last_vcpu_;
  auto [it, inserted] = vcpus_.try_emplace(sd_addr);
  if (inserted) it->second = std::make_unique<Vcpu>();
  last_sd_ = sd_addr;
  last_vcpu_ = it->second.get();
  return *last_vcpu_;
}

const SieUnit::Vcpu* SieUnit::find_vcpu(uint64_t sd_addr) const {
  if (last_vcpu_ && sd_addr == last_sd_) return last_vcpu_;
  auto it = vcpus_.find(sd_addr);
  if (it == vcpus_.end()) return nullptr;
  last_sd_ = sd_addr;
  last_vcpu_ = it->second.get();
  return last_vcpu_;
}

void SieUnit::storage_delay(unsigned accesses) {
  wait(sc_time::from_value(accesses * timing_.storage_access_cycles * timing_.cpu_clock_ps));  // 1 ps resolution
}

void SieUnit::set_state(State s) {
  if (tracing_) sig_state_.write(static_cast<uint32_t>(s));
}

int SieUnit::context_of(uint64_t sd_addr) const {
  const Vcpu* v = find_vcpu(sd_addr);
  return v && v->in_sie ? v->ctx : -1;
}

// ---- APCB contexts -------------------------------------------------------------------------

int SieUnit::find_context(uint32_t crycbd) const {
  for (unsigned c = 0; c < kApcbContexts; ++c)
    if (contexts_[c].valid && contexts_[c].crycbd == crycbd) return static_cast<int>(c);
  return -1;
}

int SieUnit::allocate_context() {
  int best = -1;
  for (unsigned c = 0; c < kApcbContexts; ++c) {
    const Context& x = contexts_[c];
    if (!x.valid) return static_cast<int>(c);
    if (x.in_sie == 0 && (best < 0 || x.last_entry < contexts_[best].last_entry)) best = static_cast<int>(c);
  }
  if (best < 0)
    SC_REPORT_ERROR(name(), ("all " + std::to_string(kApcbContexts) + " APCB contexts are held by vCPUs in SIE").c_str());
  return best;
}

void SieUnit::load_apcb(unsigned c, uint32_t crycbd) {
  const uint32_t fmt = crycbd & arch::CRYCB_FORMAT_MASK;
  const uint64_t crycb = crycbd & arch::CRYCB_ORIGIN_MASK;
  contexts_[c].valid = false;  // while its shadow fills, no SIE entry may pick it
  checker_->load(c, ApcbLoadSel::FMT, 0, fmt);
  // Format 2: APCB1, four words per mask.  Format 0/1: APCB0, one word per mask; the ids it
  // cannot carry (APID > 63, APQI/domain > 15) are excluded by the check's width test, so
  // the other words of the context are not loaded.
  const unsigned words = fmt == arch::CRYCB_FORMAT2 ? 4 : 1;
  for (ApcbMask m : {ApcbMask::APM, ApcbMask::AQM, ApcbMask::ADM})
    for (unsigned w = 0; w < words; ++w) {
      storage_delay(1);
      const uint64_t data = storage_.read_u64(crycb + arch::crycb_mask_word_offset(fmt, m, 64 * w));
      checker_->load(c, static_cast<ApcbLoadSel>(m), w, data);
    }
  checker_->commit(c);
  contexts_[c].valid = true;
  contexts_[c].crycbd = crycbd;
}

// ---- SIE entry and exit ----------------------------------------------------------------------

void SieUnit::leave_sie(Vcpu& v) {
  if (!v.in_sie) return;
  v.in_sie = false;
  if (v.ctx >= 0 && contexts_[v.ctx].in_sie > 0) --contexts_[v.ctx].in_sie;
}

void SieUnit::enter_sie(uint64_t sd_addr, Vcpu& v) {
  set_state(State::sd_fetch);
  const uint64_t t0 = sim_now_ps();
  storage_delay(2);
  v.eca = storage_.read_u32(sd_addr + arch::kSieEcaOffset);
  v.crycbd = storage_.read_u32(sd_addr + arch::kSieCrycbdOffset);
  ++stats_.entries;
  const uint64_t t1 = sim_now_ps();
  stages_.sd_fetch_ps = t1 - t0;
  v.ctx = -1;
  if (v.eca & arch::ECA_APIE) {  // without interpretation the CRYCB is not used for AP
    int c = find_context(v.crycbd);
    if (c < 0) {
      set_state(State::crycb_fetch);
      c = allocate_context();
      load_apcb(static_cast<unsigned>(c), v.crycbd);
      ++stats_.crycb_fetches;
      stages_.crycb_fetch_ps = sim_now_ps() - t1;
    }
    contexts_[c].last_entry = ++entry_count_;
    ++contexts_[c].in_sie;
    v.ctx = c;
    if (tracing_) sig_ctx_.write(static_cast<uint32_t>(c));
  }
  v.in_sie = true;
  current_sd_ = sd_addr;
  set_state(State::idle);
}

void SieUnit::begin_instruction(uint64_t sd_addr) {
  Vcpu& v = vcpu(sd_addr);
  stages_ = SieStageTimes{};
  stages_.begin_ps = sim_now_ps();
  while (v.blocked) wait(v.unblocked_ev);
  // In flight from here: KVM's block() waits for this instruction, SIE entry included (a
  // CRYCB fetch must not read a CRYCB that KVM is rewriting).
  v.in_flight = true;
  v.cdom = -1;
  v.verdict = SieVerdict{};
  if (current_sd_ != sd_addr && current_sd_ != 0) {
    // The CPU leaves the SIE of another vCPU to run this one (unless that one is executing an
    // instruction on another thread, i.e. another CPU).
    Vcpu& other = vcpu(current_sd_);
    if (!other.in_flight) leave_sie(other);
  }
  if (!v.in_sie) enter_sie(sd_addr, v);
  current_sd_ = sd_addr;
}

bool SieUnit::apie(uint64_t sd_addr) const {
  const Vcpu* v = find_vcpu(sd_addr);
  return v && (v->eca & arch::ECA_APIE);
}

void SieUnit::intercept(uint64_t sd_addr) {
  Vcpu& v = vcpu(sd_addr);
  stages_.intercept_ps = sim_now_ps();
  set_state(State::intercept);
  ++stats_.intercepts;
  leave_sie(v);  // SIE exit: the host handles it, the vCPU re-enters SIE afterwards
  v.end_flight();
}

void SieUnit::set_control_domain_target(uint64_t sd_addr, int64_t cdom) { vcpu(sd_addr).cdom = cdom; }

SieDecision SieUnit::check_apqn(uint64_t sd_addr, uint8_t apid, uint8_t apqi) {
  Vcpu& v = vcpu(sd_addr);
  if (!v.in_flight || !v.in_sie || v.ctx < 0)
    throw std::logic_error("SieUnit::check_apqn: no interpreted instruction in flight for this state description");
  set_state(State::check);
  stages_.check_begin_ps = sim_now_ps();
  ApcbCheckRequest req;
  req.ctx = static_cast<uint8_t>(v.ctx);
  req.apid = apid;
  req.apqi = apqi;
  req.cdom_check = v.cdom >= 0;
  req.cdom = static_cast<uint8_t>(v.cdom & 0xff);
  if (tracing_) {
    sig_req_.write(true);
    sig_apqn_.write(static_cast<uint32_t>(apid) << 8 | apqi);
    sig_fmt_.write(contexts_[v.ctx].crycbd & arch::CRYCB_FORMAT_MASK);
    sig_allow_.write(false);
    sig_deny_.write(false);
    sig_cdom_check_.write(req.cdom_check);
    sig_cdom_.write(static_cast<uint32_t>(v.cdom < 0 ? 0 : v.cdom));
    sig_cdom_deny_.write(false);
  }
  const ApcbCheckResult r = checker_->check(req);
  SieVerdict& vd = v.verdict;
  vd.checked = true;
  vd.allow = r.allow;
  vd.cdom_check = req.cdom_check;
  vd.cdom = v.cdom;
  vd.cdom_allow = !req.cdom_check || (r.cdom_allow && v.cdom <= 255);  // no ADM holds a domain > 255
  vd.cycles = r.cycles;
  stages_.check_ps = sim_now_ps() - stages_.check_begin_ps;
  ++stats_.checks;
  if (!vd.allow) ++stats_.denied_apqn;
  else if (!vd.cdom_allow) ++stats_.denied_cdom;
  if (tracing_) {
    sig_req_.write(false);
    sig_allow_.write(vd.decision() == SieDecision::interpret);
    sig_deny_.write(vd.decision() != SieDecision::interpret);
    sig_cdom_deny_.write(vd.allow && !vd.cdom_allow);
  }
  set_state(State::idle);
  return vd.decision();
}

const SieVerdict& SieUnit::verdict(uint64_t sd_addr) const {
  static const SieVerdict none;
  const Vcpu* v = find_vcpu(sd_addr);
  return v ? v->verdict : none;
}

void SieUnit::end_instruction(uint64_t sd_addr) {
  Vcpu& v = vcpu(sd_addr);
  v.end_flight();
  set_state(State::idle);
}

arch::QciInfo SieUnit::guest_qci(uint64_t sd_addr, const arch::QciInfo& host) {
  arch::QciInfo q;
  const Vcpu* v = find_vcpu(sd_addr);
  if (!v || v->ctx < 0) return q;  // no APCB: nothing configured
  const Apcb a = checker_->active(static_cast<unsigned>(v->ctx));
  if (a.fmt == arch::CRYCB_FORMAT2) {
    q.apm = a.apm;
    q.aqm = a.aqm;
    q.adm = a.adm;
    q.flags = arch::QCI_FLAG_APXA;
    q.na = host.na;
    q.nd = host.nd;
  } else if (a.fmt == arch::CRYCB_FORMAT0 || a.fmt == arch::CRYCB_FORMAT1) {
    // APCB0: APIDs 0–63, APQIs and control domains 0–15 (the format's width).
    q.apm.set_word64(0, a.apm.word64(0));
    q.aqm.set_word64(0, a.aqm.word64(0) & 0xffff000000000000ull);
    q.adm.set_word64(0, a.adm.word64(0) & 0xffff000000000000ull);
    q.na = 63;
    q.nd = 15;
  }
  return q;
}

// ---- KVM's blocked-vCPU update -----------------------------------------------------------------

void SieUnit::block(uint64_t sd_addr) {
  Vcpu& v = vcpu(sd_addr);
  v.blocked = true;
  if (tracing_) sig_blocked_.write(true);
  while (v.in_flight) {  // the instruction boundary
    ++v.idle_waiters;
    wait(v.idle_ev);
    --v.idle_waiters;
  }
  leave_sie(v);
}

void SieUnit::crycb_changed(uint64_t sd_addr) { vcpu(sd_addr).crycb_stale = true; }

void SieUnit::unblock(uint64_t sd_addr) {
  Vcpu& v = vcpu(sd_addr);
  if (v.crycb_stale) {
    v.crycb_stale = false;
    const int c = v.crycbd ? find_context(v.crycbd) : -1;
    if (c >= 0) {
      // The context still holds the old APCB: refill its shadow from the rewritten CRYCB
      // and commit — the guest's masks change here, before the vCPU runs again.  (If the
      // CRYCB designation itself changed, the old context is dropped; the next SIE entry
      // fetches the new one.)
      set_state(State::reload);
      storage_delay(1);
      const uint32_t crycbd = storage_.read_u32(sd_addr + arch::kSieCrycbdOffset);
      if (crycbd == v.crycbd) {
        load_apcb(static_cast<unsigned>(c), crycbd);
        ++stats_.crycb_reloads;
      } else {
        contexts_[c].valid = false;
      }
      set_state(State::idle);
    }
  }
  v.blocked = false;
  if (tracing_) sig_blocked_.write(false);
  v.unblocked_ev.notify(SC_ZERO_TIME);
}

// ---- tracing ---------------------------------------------------------------------------------

void SieUnit::trace(sc_trace_file* tf) {
  tracing_ = true;
  trace_signals(tf, sig_state_, sig_ctx_, sig_req_, sig_apqn_, sig_fmt_, sig_allow_, sig_deny_, sig_cdom_check_,
                sig_cdom_, sig_cdom_deny_, sig_blocked_);
  if (auto* rtl = dynamic_cast<ApcbCheckRtl*>(checker_.get())) rtl->trace(tf);
}

}  // namespace apsim::sc
