// sc/cpu.cpp — AP instruction execution (decode, storage, SIE, bus) and CPU contexts.
#include "sc/cpu.h"

#include <stdexcept>

namespace apsim::sc {

using namespace sc_core;
using arch::GeneralRegisters;
using arch::InsnOutcome;

// A CPU context: the host, or one guest vCPU under SIE.  Implements the software seam.
struct CpuModel::Context : public arch::HostCpu, public arch::ApInstructions {
  CpuModel& cpu;
  std::string ctx_name;
  arch::Facilities fac;
  bool guest = false;
  uint64_t sd_addr = 0;                       // guest: SIE state description (host absolute)
  arch::SieInterceptHandler* handler = nullptr;
  std::unique_ptr<GuestStorage> guest_storage;
  sc_event irq_event;
  bool irq_pending = false;

  Context(CpuModel& c, std::string n, const arch::Facilities& f) : cpu(c), ctx_name(std::move(n)), fac(f) {}

  // arch::ApInstructions
  InsnOutcome pqap(GeneralRegisters& r) override { return cpu.execute(*this, arch::kOpPQAP, r, 0, 0); }
  InsnOutcome nqap(GeneralRegisters& r, unsigned r1, unsigned r2) override {
    return cpu.execute(*this, arch::kOpNQAP, r, r1, r2);
  }
  InsnOutcome dqap(GeneralRegisters& r, unsigned r1, unsigned r2) override {
    return cpu.execute(*this, arch::kOpDQAP, r, r1, r2);
  }

  // arch::Cpu
  arch::ApInstructions& ap() override { return *this; }
  arch::Storage& storage() override {
    return guest ? static_cast<arch::Storage&>(*guest_storage) : static_cast<arch::Storage&>(cpu.storage_);
  }
  const arch::Facilities& facilities() const override { return fac; }
  uint64_t now_ps() override { return sc_time_stamp().value(); }
  void delay_ps(uint64_t ps) override { sc_core::wait(sc_time(static_cast<double>(ps), SC_PS)); }
  arch::WakeReason wait_for_interrupt(uint64_t timeout_ps) override {
    if (!irq_pending) sc_core::wait(sc_time(static_cast<double>(timeout_ps), SC_PS), irq_event);
    const bool got = irq_pending;
    irq_pending = false;
    return got ? arch::WakeReason::adapter_interrupt : arch::WakeReason::timeout;
  }
  std::string name() const override { return ctx_name; }

  // arch::HostCpu
  arch::Cpu& sie_context(uint64_t sd, const std::string& n, const arch::Facilities& f,
                         arch::SieInterceptHandler* h) override {
    if (guest) throw std::logic_error("nested SIE (vSIE) is not modeled");
    auto g = std::make_unique<Context>(cpu, n, f);
    g->guest = true;
    g->sd_addr = sd;
    g->handler = h;
    const uint64_t mso = cpu.storage_.read_u64(sd + arch::kSieMsoOffset);
    const uint64_t msl = cpu.storage_.read_u64(sd + arch::kSieMslOffset);
    g->guest_storage = std::make_unique<GuestStorage>(cpu.storage_, mso, msl);
    cpu.guests_.push_back(std::move(g));
    return *cpu.guests_.back();
  }
};

CpuModel::CpuModel(sc_module_name name, MainStorage& storage, const TimingTable& timing, SieUnit& sie,
                   const arch::Facilities& facilities, const arch::QciInfo& lpar_qci)
    : sc_module(name), bus_socket("bus_socket"), storage_(storage), timing_(timing), sie_(sie), lpar_qci_(lpar_qci) {
  host_ = std::make_unique<Context>(*this, "host", facilities);
  SC_THREAD(run);
  set_stack_size(kSoftwareStackBytes);
}

CpuModel::~CpuModel() = default;

arch::HostCpu& CpuModel::host() { return *host_; }

void CpuModel::run() {
  if (software_) software_(*host_);
  sc_stop();
}

void CpuModel::cycles(uint64_t n) { wait(sc_time(static_cast<double>(n * timing_.cpu_clock_ps), SC_PS)); }

InsnOutcome CpuModel::program_interruption(uint16_t code) {
  ++stats_.program_interruptions;
  return InsnOutcome{0, code};
}

void CpuModel::adapter_interrupt(const arch::AqicControl& ctl) {
  // Host: the AP bus' ISC.  Guest: the GISA named in the AQIC control (see driver/kvm.cpp,
  // which enables guest interruptions with the guest's GISA origin).  A guest whose GISA
  // matches is woken directly (adapter-interruption virtualization).
  if (ctl.gisa == 0) {
    host_->irq_pending = true;
    host_->irq_event.notify(SC_ZERO_TIME);
    return;
  }
  for (auto& g : guests_) {
    const uint64_t gisa = storage_.read_u64(g->sd_addr + arch::kSieGisaOffset);
    if (gisa != 0 && (gisa >> 4) == ctl.gisa) {
      g->irq_pending = true;
      g->irq_event.notify(SC_ZERO_TIME);
    }
  }
}

InsnOutcome CpuModel::execute(Context& ctx, uint16_t opcode, GeneralRegisters& regs, unsigned r1, unsigned r2) {
  ++stats_.instructions;
  cycles(timing_.insn_base_cycles);
  if (!ctx.fac.ap) return program_interruption(arch::PGM_OPERATION);
  if (tracing_) {
    sig_opcode_.write(opcode);
    sig_apqn_.write(static_cast<uint32_t>(regs[0] & 0xffff));
    sig_guest_.write(ctx.guest);
  }
  InsnOutcome out;
  if (ctx.guest) {
    const uint8_t fc = arch::gr0_fc(regs[0]);
    const bool aqic = opcode == arch::kOpPQAP && fc == static_cast<uint8_t>(arch::PqapFc::AQIC);
    if (!sie_.apie(ctx.sd_addr) || aqic) {
      // SIE exit, the host handler, SIE re-entry.
      ++stats_.intercepts;
      cycles(timing_.intercept_cycles);
      if (!ctx.handler) return program_interruption(arch::PGM_OPERATION);
      out = ctx.handler->handle_ap_intercept(opcode, regs, r1, r2);
      if (out.interrupted()) ++stats_.program_interruptions;
      return out;
    }
  }
  switch (opcode) {
    case arch::kOpPQAP: out = pqap(ctx, regs); break;
    case arch::kOpNQAP: out = nqap(ctx, regs, r1, r2); break;
    case arch::kOpDQAP: out = dqap(ctx, regs, r1, r2); break;
    default: out = program_interruption(arch::PGM_OPERATION); break;
  }
  if (tracing_) {
    sig_opcode_.write(0);
    sig_rc_.write(static_cast<uint32_t>(arch::ApQueueStatus::from_gr1(regs[1]).response_code));
  }
  return out;
}

void CpuModel::bus_transaction(ApCommand& cmd, uint16_t qid, uint8_t* data, uint32_t len, tlm::tlm_command dir) {
  tlm::tlm_generic_payload gp;
  gp.set_command(dir);
  gp.set_address(qid);
  gp.set_data_ptr(data);
  gp.set_data_length(len);
  gp.set_streaming_width(len);
  gp.set_byte_enable_ptr(nullptr);
  gp.set_dmi_allowed(false);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  gp.set_extension(&cmd);
  sc_time delay = SC_ZERO_TIME;
  bus_socket->b_transport(gp, delay);
  gp.clear_extension(&cmd);
  wait(delay);
}

namespace {
// Condition code for a completed instruction.  The Linux wrappers use only GR1 (and NQAP
// loops on cc 2, DQAP on cc 1/2); KVM's emulated PQAP sets cc 3 when the RC is non-zero.
// Modeling choice (no public cc table, spec §1.3): cc 0 for RC 0, cc 3 otherwise.
int cc_for(const arch::ApQueueStatus& s) { return s.response_code == 0 ? 0 : 3; }
}  // namespace

InsnOutcome CpuModel::pqap(Context& ctx, GeneralRegisters& regs) {
  using arch::PqapFc;
  const uint64_t gr0 = regs[0];
  const uint8_t fc = arch::gr0_fc(gr0);
  const arch::Apqn apqn = arch::gr0_apqn(gr0);
  const bool t = gr0 & arch::kGr0TBit, f = gr0 & arch::kGr0FBit;
  // Reserved GR0 bits: 0–31 and 42–47 always; bit 40 (T) only for TAPQ, 41 (F) only for RAPQ/ZAPQ.
  if ((gr0 >> 32) != 0 || (gr0 & 0x003f0000) != 0) return program_interruption(arch::PGM_SPECIFICATION);
  if (t && fc != static_cast<uint8_t>(PqapFc::TAPQ)) return program_interruption(arch::PGM_SPECIFICATION);
  if (f && fc != static_cast<uint8_t>(PqapFc::RAPQ) && fc != static_cast<uint8_t>(PqapFc::ZAPQ))
    return program_interruption(arch::PGM_SPECIFICATION);

  ApCommand cmd;
  switch (static_cast<PqapFc>(fc)) {
    case PqapFc::TAPQ:
      if (t && !ctx.fac.apft) return program_interruption(arch::PGM_SPECIFICATION);
      cmd.function = ApFunction::TAPQ;
      cmd.t_bit = t;
      break;
    case PqapFc::RAPQ:
    case PqapFc::ZAPQ:
      cmd.function = fc == static_cast<uint8_t>(PqapFc::RAPQ) ? ApFunction::RAPQ : ApFunction::ZAPQ;
      cmd.f_bit = f;
      break;
    case PqapFc::AQIC: {
      if (!ctx.fac.aqic) return program_interruption(arch::PGM_SPECIFICATION);
      cmd.function = ApFunction::AQIC;
      cmd.aqic = arch::AqicControl::unpack(regs[1]);
      // The NIB address is a host absolute address here (the host context, or KVM issuing
      // the AQIC on a guest's behalf with the guest NIB's host address).
      cmd.nib_addr = regs[2];
      break;
    }
    case PqapFc::QCI: {
      if (!ctx.fac.qci) return program_interruption(arch::PGM_SPECIFICATION);
      const uint64_t addr = regs[2];
      if (addr % 8 != 0) return program_interruption(arch::PGM_SPECIFICATION);
      const arch::QciInfo qci = ctx.guest ? sie_.guest_qci(ctx.sd_addr, lpar_qci_) : lpar_qci_;
      uint8_t block[arch::kQciBlockSize];
      qci.to_bytes(block);
      if (!ctx.storage().write(addr, block, sizeof block)) return program_interruption(arch::PGM_ADDRESSING);
      cycles(8 * timing_.storage_access_cycles);
      return InsnOutcome{0, arch::PGM_NONE};
    }
    default:
      // QACT (fc 5) is not offered (QCI flag C is off) and BAPQ/AAPQ need Secure Execution.
      return program_interruption(arch::PGM_SPECIFICATION);
  }
  if (ctx.guest && sie_.check_apqn(ctx.sd_addr, apqn.apid, apqn.apqi) != SieDecision::interpret) {
    ++stats_.sie_denied;
    arch::ApQueueStatus s;
    s.response_code = arch::AP_RESPONSE_Q_NOT_AVAIL;
    regs[1] = s.gr1();
    return InsnOutcome{cc_for(s), arch::PGM_NONE};
  }
  bus_transaction(cmd, apqn.qid(), nullptr, 0, tlm::TLM_IGNORE_COMMAND);
  regs[1] = cmd.status.gr1();
  if (cmd.function == ApFunction::TAPQ && t) regs[2] = cmd.info;
  return InsnOutcome{cc_for(cmd.status), arch::PGM_NONE};
}

InsnOutcome CpuModel::nqap(Context& ctx, GeneralRegisters& regs, unsigned r1, unsigned r2) {
  if (r1 % 2 || r2 % 2 || r1 > 14 || r2 > 14) return program_interruption(arch::PGM_SPECIFICATION);
  const uint64_t gr0 = regs[0];
  const arch::Apqn apqn = arch::gr0_apqn(gr0);
  const uint64_t addr = regs[r2], len = regs[r2 + 1];
  if (len == 0 || len > (1u << 20)) return program_interruption(arch::PGM_SPECIFICATION);
  std::vector<uint8_t> msg(len);
  if (!ctx.storage().read(addr, msg.data(), len)) return program_interruption(arch::PGM_ADDRESSING);
  cycles((len + 255) / 256 * timing_.move_cycles_per_256b);
  if (ctx.guest && sie_.check_apqn(ctx.sd_addr, apqn.apid, apqn.apqi) != SieDecision::interpret) {
    ++stats_.sie_denied;
    arch::ApQueueStatus s;
    s.response_code = arch::AP_RESPONSE_Q_NOT_AVAIL;
    regs[1] = s.gr1();
    return InsnOutcome{cc_for(s), arch::PGM_NONE};
  }
  ApCommand cmd;
  cmd.function = ApFunction::NQAP;
  cmd.psmid = (regs[r1] << 32) | (regs[r1 + 1] & 0xffffffffull);
  bus_transaction(cmd, apqn.qid(), msg.data(), static_cast<uint32_t>(len), tlm::TLM_WRITE_COMMAND);
  regs[1] = cmd.status.gr1();
  if (cmd.status.response_code == arch::AP_RESPONSE_NORMAL) {
    regs[r2] = addr + len;  // the whole message was taken
    regs[r2 + 1] = 0;
  }
  return InsnOutcome{cc_for(cmd.status), arch::PGM_NONE};
}

InsnOutcome CpuModel::dqap(Context& ctx, GeneralRegisters& regs, unsigned r1, unsigned r2) {
  if (r1 % 2 || r2 % 2 || r1 > 14 || r2 > 14) return program_interruption(arch::PGM_SPECIFICATION);
  const arch::Apqn apqn = arch::gr0_apqn(regs[0]);
  const uint64_t addr = regs[r2], len = regs[r2 + 1];
  if (len == 0 || len > (1u << 20)) return program_interruption(arch::PGM_SPECIFICATION);
  if (!ctx.storage().write(addr, nullptr, 0) || addr + len > ctx.storage().size())
    return program_interruption(arch::PGM_ADDRESSING);
  if (ctx.guest && sie_.check_apqn(ctx.sd_addr, apqn.apid, apqn.apqi) != SieDecision::interpret) {
    ++stats_.sie_denied;
    arch::ApQueueStatus s;
    s.response_code = arch::AP_RESPONSE_Q_NOT_AVAIL;
    regs[1] = s.gr1();
    return InsnOutcome{cc_for(s), arch::PGM_NONE};
  }
  std::vector<uint8_t> buf(len);
  ApCommand cmd;
  cmd.function = ApFunction::DQAP;
  bus_transaction(cmd, apqn.qid(), buf.data(), static_cast<uint32_t>(len), tlm::TLM_READ_COMMAND);
  regs[1] = cmd.status.gr1();
  regs[2] = 0;
  if (cmd.status.response_code != arch::AP_RESPONSE_NORMAL) return InsnOutcome{cc_for(cmd.status), arch::PGM_NONE};
  ctx.storage().write(addr, buf.data(), cmd.reply_len);
  cycles((cmd.reply_len + 255) / 256 * timing_.move_cycles_per_256b);
  regs[r1] = cmd.reply_psmid >> 32;
  regs[r1 + 1] = cmd.reply_psmid & 0xffffffffull;
  regs[r2] = addr + cmd.reply_len;
  regs[r2 + 1] = len - cmd.reply_len;
  regs[2] = cmd.residual;  // bytes of the reply still on the queue
  return InsnOutcome{cmd.residual ? 1 : 0, arch::PGM_NONE};
}

void CpuModel::trace(sc_trace_file* tf) {
  tracing_ = true;
  const std::string n = name();
  sc_trace(tf, sig_opcode_, n + ".opcode");
  sc_trace(tf, sig_apqn_, n + ".apqn");
  sc_trace(tf, sig_rc_, n + ".rc");
  sc_trace(tf, sig_guest_, n + ".in_sie");
}

}  // namespace apsim::sc
