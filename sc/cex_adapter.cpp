// sc/cex_adapter.cpp — CEX adapter: AP queues, engines, firmware, interruptions.
#include "sc/cex_adapter.h"

#include <algorithm>
#include <cstring>

namespace apsim::sc {

using arch::ApQueueStatus;
using namespace sc_core;

namespace {

// Facility word of the TAPQ info (spec §2.1, lszcrypt FUNCTIONS column).  Modeling choice,
// matched to the seed documents: CEX6A shows "-MC-A-NF-", CEX6P "-----XNF-"; CCA cards
// show D, N, F (and S, APSC, from CEX7 on, as the spec's CEX8C example "S--D--NF-").
uint32_t facility_word(unsigned gen, firmware::AdapterProfile::Mode mode, bool apxa) {
  using M = firmware::AdapterProfile::Mode;
  uint32_t f = arch::AP_FUNC_FULL | (apxa ? arch::AP_FUNC_APXA : 0);
  switch (mode) {
    case M::accel: f |= arch::AP_FUNC_ACCEL | arch::AP_FUNC_MEX4K | arch::AP_FUNC_CRT4K; break;
    case M::cca: f |= arch::AP_FUNC_COPRO | (gen >= 7 ? arch::AP_FUNC_APSC : 0); break;
    case M::ep11: f |= arch::AP_FUNC_EP11; break;
  }
  return f;
}

// Max message length field (4 KiB units).  Modeling choice: accelerators 12 KiB (ml 3,
// the Linux default when ml is 0), coprocessors 32 KiB (ml 8) for their larger CPRBs.
uint8_t ml_field(firmware::AdapterProfile::Mode mode) {
  return mode == firmware::AdapterProfile::Mode::accel ? 3 : 8;
}

}  // namespace

CexAdapter::CexAdapter(sc_module_name name, const CexAdapterConfig& cfg, const arch::ApMask& usage_domains,
                       const TimingTable& timing, const firmware::ServiceTimeTable& service, MainStorage& storage)
    : sc_module(name),
      socket("socket"),
      cfg_(cfg),
      profile_(firmware::AdapterProfile::make(cfg.generation, cfg.mode)),
      timing_(timing),
      service_(service),
      storage_(storage) {
  info_.functions = facility_word(cfg.generation, cfg.mode, cfg.apxa);
  info_.at = static_cast<uint8_t>(cfg.generation + 6);
  info_.nd = cfg.nd;
  info_.ml = ml_field(cfg.mode);
  info_.qd = cfg.qd;
  profile_.mex4k = info_.functions & arch::AP_FUNC_MEX4K;
  profile_.crt4k = info_.functions & arch::AP_FUNC_CRT4K;

  queues_.resize(256);
  const unsigned slots = cfg.qd_plus_one_slots ? cfg.qd + 1u : std::max<unsigned>(cfg.qd, 1u);
  for (unsigned d : usage_domains.ids()) {
    if (d > cfg.nd) continue;
    queues_[d] = std::make_unique<ApQueue>();
    queues_[d]->slots = slots;
  }
  socket.register_b_transport(this, &CexAdapter::b_transport);
  SC_METHOD(on_completion);
  sensitive << completion_event_;
  dont_initialize();
}

void CexAdapter::set_configured(bool on) {
  if (configured_ == on) return;
  configured_ = on;
  if (!on) {
    // Deconfiguring (SCLP) takes the card away: its queues lose all work.
    for (auto& q : queues_)
      if (q) q->reset();
    arrival_.clear();
    occupancy_ = 0;
  }
  update_signals();
}

void CexAdapter::set_checkstopped(bool on) { checkstopped_ = on; }

uint8_t CexAdapter::queue_rc(const ApQueue& q, uint64_t now_ps) const {
  if (!configured_) return arch::AP_RESPONSE_DECONFIGURED;
  if (checkstopped_) return arch::AP_RESPONSE_CHECKSTOPPED;
  if (now_ps < q.reset_done_ps) return arch::AP_RESPONSE_RESET_IN_PROGRESS;
  return arch::AP_RESPONSE_NORMAL;
}

void CexAdapter::b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  ApCommand* cmd = nullptr;
  gp.get_extension(cmd);
  if (!cmd) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  delay += sc_time(static_cast<double>(timing_.adapter_queue_op_cycles * timing_.adapter_clock_ps), SC_PS);
  const uint64_t now_ps = (sc_time_stamp() + delay).value();  // 1 ps resolution
  const uint8_t apqi = static_cast<uint8_t>(gp.get_address() & 0xff);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);

  ApQueue* q = queues_[apqi].get();
  if (!q) {  // not a usage domain of this LPAR (or beyond the adapter's Nd)
    cmd->status = ApQueueStatus{};
    cmd->status.response_code = arch::AP_RESPONSE_Q_NOT_AVAIL;
    return;
  }
  const uint8_t rc = queue_rc(*q, now_ps);
  // TAPQ answers in every state and its info word stays valid for RC 0x02..0x05.
  if (cmd->function == ApFunction::TAPQ) {
    cmd->status = q->status(rc);
    cmd->info = cmd->t_bit ? info_.pack() : 0;
    return;
  }
  if (rc != arch::AP_RESPONSE_NORMAL) {
    cmd->status = q->status(rc);
    return;
  }
  switch (cmd->function) {
    case ApFunction::NQAP: do_nqap(*q, apqi, *cmd, gp, now_ps); break;
    case ApFunction::DQAP: do_dqap(*q, *cmd, gp); break;
    case ApFunction::RAPQ:
    case ApFunction::ZAPQ: {
      occupancy_ -= q->occupancy();
      arrival_.erase(std::remove(arrival_.begin(), arrival_.end(), apqi), arrival_.end());
      q->reset();
      q->reset_done_ps = now_ps + timing_.adapter_reset_cycles * timing_.adapter_clock_ps;
      cmd->status = q->status(arch::AP_RESPONSE_NORMAL);
      break;
    }
    case ApFunction::AQIC: do_aqic(*q, *cmd); break;
    case ApFunction::TAPQ: break;
  }
  update_signals();
}

void CexAdapter::do_nqap(ApQueue& q, uint8_t apqi, ApCommand& cmd, tlm::tlm_generic_payload& gp, uint64_t now_ps) {
  if (q.full()) {
    cmd.status = q.status(arch::AP_RESPONSE_Q_FULL);
    return;
  }
  const uint32_t len = gp.get_data_length();
  if (len > info_.max_msg_size()) {
    cmd.status = q.status(arch::AP_RESPONSE_MESSAGE_TOO_BIG);
    return;
  }
  // The firmware's answer is a pure function of the message, so it is computed now and
  // delivered when the engine that serves it finishes (see start_engines).
  firmware::FirmwareReply fw = firmware::process_request(profile_, gp.get_data_ptr(), len, service_);
  if (fw.op != firmware::Operation::invalid && !firmware::supports(profile_, fw.op)) {
    cmd.status = q.status(arch::AP_RESPONSE_REQ_FAC_NOT_INST);
    return;
  }
  ApMessage m;
  m.psmid = cmd.psmid;
  m.bytes = std::move(fw.reply);
  m.service_ps = fw.service_ps;
  q.requests.push_back(std::move(m));
  arrival_.push_back(apqi);
  ++occupancy_;
  cmd.status = q.status(arch::AP_RESPONSE_NORMAL);
  start_engines(now_ps);
}

void CexAdapter::do_dqap(ApQueue& q, ApCommand& cmd, tlm::tlm_generic_payload& gp) {
  if (q.replies.empty()) {
    cmd.status = q.status(arch::AP_RESPONSE_NO_PENDING_REPLY);
    return;
  }
  ApMessage& r = q.replies.front();
  const uint32_t remaining = static_cast<uint32_t>(r.bytes.size()) - q.reply_offset;
  const uint32_t n = std::min<uint32_t>(remaining, gp.get_data_length());
  std::memcpy(gp.get_data_ptr(), r.bytes.data() + q.reply_offset, n);
  cmd.reply_psmid = r.psmid;
  cmd.reply_len = n;
  cmd.residual = remaining - n;
  if (cmd.residual) {
    q.reply_offset += n;  // partial receive: the rest stays on the queue
  } else {
    q.replies.pop_front();
    q.reply_offset = 0;
    --occupancy_;
  }
  cmd.status = q.status(arch::AP_RESPONSE_NORMAL);
}

void CexAdapter::do_aqic(ApQueue& q, ApCommand& cmd) {
  if (cmd.aqic.ir) {
    if (q.irq_enabled) {
      cmd.status = q.status(arch::AP_RESPONSE_OTHERWISE_CHANGED);
      return;
    }
    if (cmd.nib_addr == 0 || cmd.nib_addr >= storage_.size()) {
      cmd.status = q.status(arch::AP_RESPONSE_INVALID_ADDRESS);
      return;
    }
    q.irq_enabled = true;
    q.aqic = cmd.aqic;
    q.nib_addr = cmd.nib_addr;
  } else {
    if (!q.irq_enabled) {
      cmd.status = q.status(arch::AP_RESPONSE_OTHERWISE_CHANGED);
      return;
    }
    q.irq_enabled = false;
    q.aqic = {};
    q.nib_addr = 0;
  }
  cmd.status = q.status(arch::AP_RESPONSE_NORMAL);
}

void CexAdapter::start_engines(uint64_t now_ps) {
  const uint64_t now = std::max<uint64_t>(now_ps, sc_time_stamp().value());
  bool scheduled = false;
  while (busy_engines_ < cfg_.engines && !arrival_.empty()) {
    const uint8_t apqi = arrival_.front();
    arrival_.pop_front();
    ApQueue& q = *queues_[apqi];
    ApMessage m = std::move(q.requests.front());
    q.requests.pop_front();
    ++q.in_service;
    ++busy_engines_;
    const uint64_t done = now + m.service_ps;
    in_flight_.push(Completion{done, apqi, q.generation, std::move(m)});
    scheduled = true;
  }
  if (scheduled || !in_flight_.empty()) {
    const uint64_t next = in_flight_.top().done_ps;
    const uint64_t cur = sc_time_stamp().value();
    completion_event_.cancel();
    completion_event_.notify(sc_time(static_cast<double>(next > cur ? next - cur : 0), SC_PS));
  }
}

void CexAdapter::on_completion() {
  const uint64_t now = sc_time_stamp().value();
  while (!in_flight_.empty() && in_flight_.top().done_ps <= now) {
    Completion c = std::move(const_cast<Completion&>(in_flight_.top()));
    in_flight_.pop();
    --busy_engines_;
    ApQueue& q = *queues_[c.apqi];
    if (c.generation != q.generation) continue;  // reset while in service: discarded
    --q.in_service;
    q.replies.push_back(std::move(c.reply));
    ++completed_;
    if (q.irq_enabled && irq_sink_) {
      const uint8_t one = 1;
      storage_.write(q.nib_addr, &one, 1);  // the notification indicator byte
      irq_sink_->adapter_interrupt(q.aqic);
    }
  }
  start_engines(now);
  update_signals();
}

void CexAdapter::update_signals() {
  if (!tracing_) return;
  sig_busy_.write(busy_engines_);
  sig_occupancy_.write(occupancy_);
}

void CexAdapter::trace(sc_trace_file* tf) {
  tracing_ = true;
  sc_trace(tf, sig_busy_, std::string(name()) + ".busy_engines");
  sc_trace(tf, sig_occupancy_, std::string(name()) + ".occupancy");
}

}  // namespace apsim::sc
