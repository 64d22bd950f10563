// sc/cex_adapter.cpp — CEX adapter: AP queues, engines, firmware, interruptions.
#include "sc/cex_adapter.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "arch/gisa.h"
#include "sc/signal_trace.h"
#include "sc/sim_time.h"

namespace apsim::sc {

using arch::ApQueueStatus;
using namespace sc_core;

namespace {

// Facility word of the TAPQ info (spec §2.1, lszcrypt FUNCTIONS column).  Modeling choice,
// matched to the seed documents: CEX6A shows "-MC-A-NF-", CEX6P "-----XNF-"; CCA cards
// show D, N, F (and S, APSC, from CEX7 on, as the spec's CEX8C example "S--D--NF-").
// The LPAR config may switch M and C (mex4k/crt4k) on or off against the mode's default.
uint32_t facility_word(const CexAdapterConfig& cfg) {
  using M = firmware::AdapterProfile::Mode;
  uint32_t f = arch::AP_FUNC_FULL | (cfg.apxa ? arch::AP_FUNC_APXA : 0);
  switch (cfg.mode) {
    case M::accel: f |= arch::AP_FUNC_ACCEL | arch::AP_FUNC_MEX4K | arch::AP_FUNC_CRT4K; break;
    case M::cca: f |= arch::AP_FUNC_COPRO | (cfg.generation >= 7 ? arch::AP_FUNC_APSC : 0); break;
    case M::ep11: f |= arch::AP_FUNC_EP11; break;
  }
  if (cfg.mex4k) f = *cfg.mex4k ? f | arch::AP_FUNC_MEX4K : f & ~arch::AP_FUNC_MEX4K;
  if (cfg.crt4k) f = *cfg.crt4k ? f | arch::AP_FUNC_CRT4K : f & ~arch::AP_FUNC_CRT4K;
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
      storage_(storage),
      engines_(cfg.engines ? cfg.engines : firmware::default_engines(cfg.generation, cfg.mode)),
      sampler_(cfg.service_seed) {
  info_.functions = facility_word(cfg);
  info_.at = cfg.device_type ? cfg.device_type : static_cast<uint8_t>(cfg.generation + 6);
  info_.nd = cfg.nd;
  info_.ml = ml_field(cfg.mode);
  info_.qd = cfg.qd;
  profile_.mex4k = info_.functions & arch::AP_FUNC_MEX4K;
  profile_.crt4k = info_.functions & arch::AP_FUNC_CRT4K;

  queues_.resize(256);
  // QD 0 read as "QD slots" would be a queue that takes nothing: one slot at least.
  slots_ = cfg.qd_plus_one_slots ? cfg.qd + 1u : std::max<unsigned>(cfg.qd, 1u);
  // Every usage domain of the LPAR has a queue, also one above the adapter's Nd (NQAP there
  // answers RC 0x42; see CexAdapterConfig::nd).
  for (unsigned d : usage_domains.ids()) {
    queues_[d] = std::make_unique<ApQueue>();
    queues_[d]->slots = slots_;
  }
  usage_domains_ = usage_domains;
  configured_ = cfg.configured;
  in_config_ = cfg.in_config;
  firmware_ = std::make_unique<firmware::CexFirmware>(profile_, service_, cfg.apid);
  socket.register_b_transport(this, &CexAdapter::b_transport);
  SC_METHOD(on_completion);
  sensitive << completion_event_;
  dont_initialize();
  SC_METHOD(on_fault);
  sensitive << fault_event_;
  dont_initialize();
}

void CexAdapter::lose_all_work() {
  for (auto& q : queues_)
    if (q) q->reset();
  arrival_.clear();
  occupancy_ = 0;
}

void CexAdapter::set_configured(bool on) {
  if (configured_ == on) return;
  configured_ = on;
  // Deconfiguring (SCLP) takes the card away: its queues lose all work.  Configuring it
  // again brings them back as a reset leaves them (lose_all_work already did it).
  if (!on) lose_all_work();
  update_signals();
}

void CexAdapter::set_checkstopped(bool on) {
  if (checkstopped_ == on) return;
  checkstopped_ = on;
  // A checkstopped card stops: whatever it held is gone, and it recovers empty.
  if (on) lose_all_work();
  update_signals();
}

void CexAdapter::set_in_config(bool on) {
  if (in_config_ == on) return;
  in_config_ = on;
  // Taken out of the LPAR's configuration, the card is gone for this LPAR as when it is
  // deconfigured (docs/ap-instructions.md §7): its queues lose all work.  Added again, they
  // come back as a reset leaves them.
  if (!on) lose_all_work();
  update_signals();
}

void CexAdapter::set_usage_domain(uint8_t apqi, bool on) {
  if (usage_domains_.test(apqi) == on) return;
  ApQueue* q = queues_[apqi].get();
  if (on) {
    usage_domains_.set(apqi);
    // Queues are data: a domain that joins gets its queue now (SystemC modules could not be
    // created after elaboration, a queue can).
    if (!q) {
      queues_[apqi] = std::make_unique<ApQueue>();
      queues_[apqi]->slots = slots_;
    }
    return;
  }
  usage_domains_.clear(apqi);
  // The domain leaves: its work is lost as a reset loses it (requests, work in service — by
  // the generation —, replies, interruptions); the object stays for completions in service.
  occupancy_ -= q->occupancy();
  arrival_.erase(std::remove(arrival_.begin(), arrival_.end(), apqi), arrival_.end());
  q->reset();
  update_signals();
}

void CexAdapter::inject(Fault what, bool on, uint64_t delay_ps) {
  if (delay_ps == 0) {
    what == Fault::checkstop ? set_checkstopped(on) : set_configured(on);
    return;
  }
  const uint64_t now = sim_now_ps();
  faults_.push_back(PendingFault{now + delay_ps, what, on});
  uint64_t next = faults_.front().at_ps;
  for (const PendingFault& f : faults_) next = std::min(next, f.at_ps);
  fault_event_.cancel();
  fault_event_.notify(sc_time(static_cast<double>(next - now), SC_PS));
}

void CexAdapter::on_fault() {
  const uint64_t now = sim_now_ps();
  // Apply the due changes in the order they were injected; re-arm for the rest.
  std::vector<PendingFault> later;
  for (const PendingFault& f : faults_) {
    if (f.at_ps > now) {
      later.push_back(f);
      continue;
    }
    f.what == Fault::checkstop ? set_checkstopped(f.on) : set_configured(f.on);
  }
  faults_ = std::move(later);
  if (!faults_.empty()) {
    uint64_t next = faults_.front().at_ps;
    for (const PendingFault& f : faults_) next = std::min(next, f.at_ps);
    fault_event_.notify(sc_time(static_cast<double>(next - now), SC_PS));
  }
}

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
  serve(gp, delay, *cmd);
  if (!watch_ || cmd->function == ApFunction::SCLP_CONFIG) return;
  ApQueueAccess a;
  a.apqn = static_cast<uint16_t>(gp.get_address());
  a.function = cmd->function;
  a.response_code = cmd->status.response_code;
  if (cmd->function == ApFunction::NQAP) {
    a.psmid = cmd->psmid;
    a.data = gp.get_data_ptr();
    a.len = gp.get_data_length();
  } else if (cmd->function == ApFunction::DQAP) {
    a.psmid = cmd->reply_psmid;
    a.data = gp.get_data_ptr();
    a.len = cmd->reply_len;
  }
  watch_->queue_access(a);
}

void CexAdapter::serve(tlm::tlm_generic_payload& gp, sc_time& delay, ApCommand& command) {
  ApCommand* cmd = &command;
  delay += sc_time::from_value(timing_.adapter_queue_op_cycles * timing_.adapter_clock_ps);  // 1 ps resolution
  const uint64_t now_ps = (sc_time_stamp() + delay).value();  // 1 ps resolution
  const uint8_t apqi = static_cast<uint8_t>(gp.get_address() & 0xff);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);

  if (!in_config_) {
    // Not in the LPAR's configuration (HMC): as if the APID had no adapter on the bus (RC
    // 0x01, and the SCLP command's -ENODEV stays as the CPU set it).
    if (cmd->function != ApFunction::SCLP_CONFIG) {
      cmd->status = ApQueueStatus{};
      cmd->status.response_code = arch::AP_RESPONSE_Q_NOT_AVAIL;
    }
    return;
  }
  if (cmd->function == ApFunction::SCLP_CONFIG) {  // the SCLP command, not an AP instruction
    set_configured(cmd->configure);
    cmd->sclp_rc = 0;
    return;
  }
  ApQueue* q = usage_domains_.test(apqi) ? queues_[apqi].get() : nullptr;
  if (!q) {  // not a usage domain of this LPAR
    cmd->status = ApQueueStatus{};
    cmd->status.response_code = arch::AP_RESPONSE_Q_NOT_AVAIL;
    return;
  }
  q->settle(now_ps);
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
    case ApFunction::DQAP: do_dqap(*q, *cmd, gp, apqi, now_ps); break;
    case ApFunction::RAPQ:
    case ApFunction::ZAPQ: {
      // The F bit (full reset) matters only for Secure Execution bindings: same reset here.
      occupancy_ -= q->occupancy();
      arrival_.erase(std::remove(arrival_.begin(), arrival_.end(), apqi), arrival_.end());
      q->reset();
      q->reset_done_ps = now_ps + timing_.adapter_reset_cycles * timing_.adapter_clock_ps;
      cmd->status = q->status(arch::AP_RESPONSE_NORMAL);
      break;
    }
    case ApFunction::AQIC: do_aqic(*q, *cmd, now_ps); break;
    case ApFunction::QACT:
      do_qact(*cmd);
      cmd->status = q->status(arch::AP_RESPONSE_NORMAL);
      break;
    case ApFunction::TAPQ:
    case ApFunction::SCLP_CONFIG: break;
  }
  update_signals();
}

void CexAdapter::do_nqap(ApQueue& q, uint8_t apqi, ApCommand& cmd, tlm::tlm_generic_payload& gp, uint64_t now_ps) {
  const uint32_t len = gp.get_data_length();
  const uint32_t max = info_.max_msg_size();
  // One NQAP naming more than the adapter takes is an invalid operand: specification
  // exception, nothing changes (docs/ap-instructions.md).
  if (len > max) {
    cmd.pgm = arch::PGM_SPECIFICATION;
    return;
  }
  // The adapter serves domains 0..Nd; a usage domain of the LPAR above that has a queue but
  // no domain on the card to run the request in.
  if (apqi > cfg_.nd) {
    cmd.status = q.status(arch::AP_RESPONSE_INVALID_DOMAIN);
    return;
  }
  // Multi-part messages (GR0 bit 33, L, off = more parts follow): a part carrying the PSMID of
  // the open message continues it; any other NQAP starts a new message, and an open message
  // the program left unfinished is dropped (it was never accepted: it got cc 1 only).
  const bool continuation = q.open && cmd.psmid == q.open_psmid;
  if (q.open && !continuation) {
    q.open = false;
    q.open_bytes.clear();
    --occupancy_;
  }
  if (!continuation && q.full()) {
    cmd.status = q.status(arch::AP_RESPONSE_Q_FULL);
    return;
  }
  if (continuation && q.open_bytes.size() + len > max) {
    // The whole message is too big: refused, and the parts taken so far are dropped.
    q.open = false;
    q.open_bytes.clear();
    --occupancy_;
    cmd.status = q.status(arch::AP_RESPONSE_MESSAGE_TOO_BIG);
    return;
  }
  if (!cmd.last_part || continuation) {
    if (!continuation) {
      q.open = true;
      q.open_psmid = cmd.psmid;
      ++occupancy_;
    }
    q.open_bytes.insert(q.open_bytes.end(), gp.get_data_ptr(), gp.get_data_ptr() + len);
    if (!cmd.last_part) {
      cmd.message_open = true;
      cmd.status = q.status(arch::AP_RESPONSE_NORMAL);
      return;
    }
  }
  // The message is complete: `msg` is the whole of it.
  std::vector<uint8_t> whole;
  const uint8_t* msg = gp.get_data_ptr();
  uint32_t msg_len = len;
  if (continuation) {
    whole = std::move(q.open_bytes);
    q.open_bytes.clear();
    q.open = false;
    --occupancy_;
    msg = whole.data();
    msg_len = static_cast<uint32_t>(whole.size());
  }
  // The firmware's answer is a pure function of the message, so it is computed now and
  // delivered when the engine that serves it finishes (see start_engines).
  // A reply buffer a DQAP gave back (spare_replies_) takes the reply: no allocation once the
  // workload's replies are in circulation.
  std::vector<uint8_t> buffer;
  if (!spare_replies_.empty()) {
    buffer = std::move(spare_replies_.back());
    spare_replies_.pop_back();
  }
  firmware::FirmwareReply fw = firmware_->process(apqi, msg, msg_len, &buffer);
  if (fw.op != firmware::Operation::invalid && !firmware::supports(profile_, fw.op)) {
    cmd.status = q.status(arch::AP_RESPONSE_REQ_FAC_NOT_INST);
    return;
  }
  ApMessage m;
  m.psmid = cmd.psmid;
  m.t_enqueue_ps = now_ps;
  m.bytes = std::move(fw.reply);
  m.service_ps = fw.service_ps;
  m.op = static_cast<uint8_t>(fw.op);
  q.requests.push_back(std::move(m));
  arrival_.push_back(apqi);
  ++occupancy_;
  cmd.status = q.status(arch::AP_RESPONSE_NORMAL);
  start_engines(now_ps);
}

void CexAdapter::do_dqap(ApQueue& q, ApCommand& cmd, tlm::tlm_generic_payload& gp, uint8_t apqi, uint64_t now_ps) {
  // GR0 bit 32 off asks to continue a partially received reply (arch kGr0DqapFirstPart).
  if (!cmd.first_part && q.reply_offset == 0) {
    cmd.status = q.status(arch::AP_RESPONSE_NO_FIRST_PART);
    return;
  }
  if (q.replies.empty()) {
    cmd.status = q.status(arch::AP_RESPONSE_NO_PENDING_REPLY);
    return;
  }
  if (cmd.first_part) q.reply_offset = 0;  // from the first byte of the reply at the head
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
    if (probe_)
      probe_->request_done(ApRequestTrace{static_cast<uint16_t>(cfg_.apid << 8 | apqi), r.psmid, r.t_enqueue_ps,
                                          r.t_start_ps, r.t_finish_ps, now_ps, r.service_ps, engines_,
                                          firmware::to_string(cfg_.service[r.op].shape),
                                          cfg_.service[r.op].effective_cv()});
    if (spare_replies_.capacity() == 0) spare_replies_.reserve(kSpareReplies);  // once, at the first reply
    if (spare_replies_.size() < kSpareReplies) spare_replies_.push_back(std::move(r.bytes));
    q.replies.pop_front();
    q.reply_offset = 0;
    --occupancy_;
  }
  cmd.status = q.status(arch::AP_RESPONSE_NORMAL);
}

void CexAdapter::do_aqic(ApQueue& q, ApCommand& cmd, uint64_t now_ps) {
  // One change at a time: while an enable or disable is on its way, RC 0x05 (busy).
  if (q.aqic_pending) {
    cmd.status = q.status(arch::AP_RESPONSE_BUSY);
    return;
  }
  if (cmd.aqic.ir == q.irq_enabled) {  // enable while enabled, disable while disabled
    cmd.status = q.status(arch::AP_RESPONSE_OTHERWISE_CHANGED);
    return;
  }
  if (cmd.aqic.ir) {
    // The NIB must be a byte of storage; address 0 is refused like KVM refuses it for a
    // guest (kvm-unit-tests expects RC 0x06 for 0 and for -1).
    if (cmd.nib_addr == 0 || cmd.nib_addr >= storage_.size()) {
      cmd.status = q.status(arch::AP_RESPONSE_INVALID_ADDRESS);
      return;
    }
    // A guest's GISA (origin = gisa << 4) must lie in storage.
    const uint64_t gisa = uint64_t{cmd.aqic.gisa} << 4;
    if (cmd.aqic.gisa != 0 && gisa + arch::kGisaSize > storage_.size()) {
      cmd.status = q.status(arch::AP_RESPONSE_INVALID_GISA);
      return;
    }
  }
  q.aqic_pending = true;
  q.aqic_done_ps = now_ps + timing_.adapter_aqic_cycles * timing_.adapter_clock_ps;
  q.aqic_next_enabled = cmd.aqic.ir;
  q.aqic_next = cmd.aqic;
  q.aqic_next_nib = cmd.nib_addr;
  q.settle(now_ps);  // a zero delay takes effect at once
  cmd.status = q.status(arch::AP_RESPONSE_NORMAL);
}

void CexAdapter::do_qact(ApCommand& cmd) const {
  // PQAP(QACT): "is this adapter compatible with device type cat in mode `mode`?"  Answer: the
  // highest type up to the asked one that the adapter can stand in for, 0 when none or when
  // the mode differs (apsim's reading of ap_get_compatible_type, spec §2.1).
  const arch::QactInfo in = arch::QactInfo::unpack(cmd.qact_in);
  arch::QactInfo out;
  out.mode = arch::qact_mode(info_.functions);
  const uint8_t compat = static_cast<uint8_t>(cfg_.generation + 6);
  if (in.mode == out.mode && in.cat >= arch::AP_DEVICE_TYPE_CEX4)
    out.cat = std::min<uint8_t>(in.cat, std::min<uint8_t>(compat, info_.at));
  cmd.info = out.pack();
}

void CexAdapter::start_engines(uint64_t now_ps) {
  const uint64_t now = std::max<uint64_t>(now_ps, sim_now_ps());
  bool scheduled = false;
  while (busy_engines_ < engines_ && !arrival_.empty()) {
    const uint8_t apqi = arrival_.front();
    arrival_.pop_front();
    ApQueue& q = *queues_[apqi];
    ApMessage m = std::move(q.requests.front());
    q.requests.pop_front();
    ++q.in_service;
    ++busy_engines_;
    // The engine's time: a draw around the firmware's mean from the operation's distribution.
    // An engine that frees up inside the NQAP's bus-transaction delay cannot start the request
    // before the adapter accepted it (t_enqueue_ps = the transaction's time plus its delay).
    m.drawn_ps = sampler_.sample(m.service_ps, cfg_.service[m.op]);
    const uint64_t start = std::max(now, m.t_enqueue_ps);
    const uint64_t done = start + m.drawn_ps;
    m.t_start_ps = start;
    m.t_finish_ps = done;
    in_flight_.push(Completion{done, apqi, q.generation, std::move(m)});
    scheduled = true;
  }
  if (scheduled || !in_flight_.empty()) {
    // The event is already due at the earliest completion unless that changed: a request
    // that queues behind the engine (the common case under load) leaves it alone rather than
    // cancel and re-notify it — a timed-queue removal and insertion per NQAP (issue 13).
    const uint64_t next = in_flight_.top().done_ps;
    const uint64_t cur = sim_now_ps();
    if (next == completion_at_ps_ && next > cur) return;
    completion_event_.cancel();
    completion_event_.notify(sc_time::from_value(next > cur ? next - cur : 0));
    completion_at_ps_ = next;
  }
}

void CexAdapter::on_completion() {
  const uint64_t now = sim_now_ps();
  completion_at_ps_ = kNoCompletion;  // the notification fired
  while (!in_flight_.empty() && in_flight_.top().done_ps <= now) {
    Completion c = std::move(const_cast<Completion&>(in_flight_.top()));
    in_flight_.pop();
    --busy_engines_;
    ApQueue& q = *queues_[c.apqi];
    if (c.generation != q.generation) continue;  // reset while in service: discarded
    --q.in_service;
    OpStats& st = op_stats_[{static_cast<firmware::Operation>(c.reply.op), c.reply.service_ps}];
    ++st.count;
    st.drawn_sum_ps += c.reply.drawn_ps;
    q.replies.push_back(std::move(c.reply));
    ++completed_;
    q.settle(now);
    if (q.irq_enabled && irq_sink_) {
      const uint8_t one = 1;
      storage_.write(q.nib_addr, &one, 1);  // the notification indicator byte
      if (q.aqic.gisa != 0) {
        // A guest's queue: the interruption becomes pending in its GISA, IPM bit of the
        // guest ISC (spec §6.2); the CPU delivers it to the vCPU (CpuModel::adapter_interrupt).
        const uint64_t ipm_addr = (uint64_t{q.aqic.gisa} << 4) + arch::kGisaIpmOffset;
        uint8_t ipm = 0;
        storage_.read(ipm_addr, &ipm, 1);
        ipm |= arch::gisa_isc_bit(q.aqic.gisc);
        storage_.write(ipm_addr, &ipm, 1);
      }
      irq_sink_->adapter_interrupt(q.aqic);
      if (watch_) watch_->interruption(static_cast<uint16_t>(cfg_.apid << 8 | c.apqi), q.aqic.gisa);
    }
  }
  start_engines(now);
  update_signals();
}

void CexAdapter::update_signals() {
  if (!tracing_) return;
  sig_busy_.write(busy_engines_);
  sig_occupancy_.write(occupancy_);
  for (auto& [apqi, value] : traced_queues_) *value = queues_[apqi] ? queues_[apqi]->occupancy() : 0;
}

void CexAdapter::trace(sc_trace_file* tf) {
  tracing_ = true;
  trace_signals(tf, sig_busy_, sig_occupancy_);
}

void CexAdapter::trace_queue(sc_trace_file* tf, uint8_t apqi) {
  tracing_ = true;
  auto& v = traced_queues_[apqi];
  if (v) return;
  v = std::make_unique<unsigned>(queues_[apqi] ? queues_[apqi]->occupancy() : 0);
  char name[64];
  std::snprintf(name, sizeof name, "%s.queue_%04x.occupancy", this->name(), apqi);
  sc_core::sc_trace(tf, *v, name);
}

}  // namespace apsim::sc
