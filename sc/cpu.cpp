// sc/cpu.cpp — AP instruction execution (decode, storage, SIE, bus) and CPU contexts.
#include "sc/cpu.h"

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "sc/control_domain_request.h"
#include "sc/signal_trace.h"
#include "sc/sim_time.h"

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
  uint32_t number = 0;                        // 0 the host, N the Nth SIE context (cpu.guest_id)
  uint64_t sd_addr = 0;                       // guest: SIE state description (host absolute)
  arch::SieInterceptHandler* handler = nullptr;
  std::unique_ptr<GuestStorage> guest_storage;
  sc_event irq_event;
  bool irq_pending = false;
  // The host: its own and its guests' irq_events, what it sleeps on while guests exist — kept
  // (and extended when a guest is added; guests_ only grows) rather than built for every sleep,
  // which allocated on every wait of a workload (issue 13).
  sc_event_or_list any_irq;
  size_t any_irq_guests = 0;
  // The context's sleep timer (wait_for_interrupt's timeout) and the time it is armed for
  // (kTimerIdle: none).  Not SystemC's wait(t, e): its timeout is a timed notification that
  // is cancelled when e comes first, and a cancelled notification stays in the kernel's timed
  // queue until its time — with the AP bus's 40 ms poll timeout and an interruption every
  // millisecond, some 40 dead entries that every timed notification of the run sifted through
  // (sc_ppq_base::heapify was 4 % of a guest workload; issue 13).  The timer instead stays
  // armed across sleeps: a sleep whose deadline lies beyond it sleeps on when it fires.
  static constexpr uint64_t kTimerIdle = ~uint64_t{0};
  sc_event timer_ev;
  uint64_t timer_at_ps = kTimerIdle;
  sc_event_or_list irq_or_timer;  // irq_event | timer_ev (built at the first sleep)
  /// A guest's vCPUs (set_vcpus, QEMU's -smp; one until then): the threads of place_software
  /// run on them (docs/cpu-complex.md "Guest vCPUs").
  struct Vcpu {
    uint64_t busy_until_ps = 0;  ///< the end of the last step booked on it; in enabled wait after
    int wave_slot = -1;          ///< its cpu.vcpuK slot while tracing (-1 none yet, -2 none left)
  };
  std::vector<Vcpu> vcpus = std::vector<Vcpu>(1);

  Context(CpuModel& c, std::string n, const arch::Facilities& f) : cpu(c), ctx_name(std::move(n)), fac(f) {}

  // arch::ApInstructions
  InsnOutcome pqap(GeneralRegisters& r) override { return cpu.note_outcome(cpu.execute(*this, arch::kOpPQAP, r, 0, 0)); }
  InsnOutcome nqap(GeneralRegisters& r, unsigned r1, unsigned r2) override {
    return cpu.note_outcome(cpu.execute(*this, arch::kOpNQAP, r, r1, r2));
  }
  InsnOutcome dqap(GeneralRegisters& r, unsigned r1, unsigned r2) override {
    return cpu.note_outcome(cpu.execute(*this, arch::kOpDQAP, r, r1, r2));
  }
  int sclp_configure_ap(unsigned apid, bool on) override { return cpu.sclp_configure_ap(*this, apid, on); }

  // arch::Cpu
  arch::ApInstructions& ap() override { return *this; }
  arch::Storage& storage() override {
    return guest ? static_cast<arch::Storage&>(*guest_storage) : static_cast<arch::Storage&>(cpu.storage_);
  }
  const arch::Facilities& facilities() const override { return fac; }
  // The CPU's clock: SystemC time plus, when loosely timed, the local offset.
  uint64_t now_ps() override { return cpu.lt_ ? cpu.qk_.now_ps() : sim_now_ps(); }
  void delay_ps(uint64_t ps) override { cpu.advance_ps(ps); }
  arch::WakeReason wait_for_interrupt(uint64_t timeout_ps) override {
    // Sleeping is a synchronisation point: first let everything due up to the CPU's local
    // time happen (an interruption among it), then sleep.
    cpu.sync_local_time();
    // The run's clock ends at kSimulatedTimeEndPs (sc/timing.h): sleep at most until then,
    // and if nothing woke the context by then, stop the run with a message.
    const uint64_t now = sim_now_ps(), left = kSimulatedTimeEndPs - now;
    if (timeout_ps > left) {
      const arch::WakeReason r = wait_for_interrupt(left);
      if (r == arch::WakeReason::timeout) throw SimulatedTimeExhausted(now, timeout_ps);
      return r;
    }
    const uint64_t deadline = now + timeout_ps;
    if (guest || cpu.guests_.empty()) {
      if (!irq_pending) {
        if (irq_or_timer.size() == 0) irq_or_timer |= irq_event, irq_or_timer |= timer_ev;
        sleep(irq_or_timer, deadline);
      }
      const bool got = irq_pending;
      irq_pending = false;
      return got ? arch::WakeReason::adapter_interrupt : arch::WakeReason::timeout;
    }
    // The host sleeps while its guests' vCPUs do not run: a guest's adapter interruption
    // arriving meanwhile reaches the host as a GIB alert (spec §6.2, GAL_ISC) and wakes it
    // as its own would.  (The guest's own pending flag stays for the guest's context.)
    bool alerted = false;
    if (!irq_pending) {
      if (any_irq_guests == 0) any_irq |= irq_event, any_irq |= timer_ev;
      for (; any_irq_guests < cpu.guests_.size(); ++any_irq_guests) any_irq |= cpu.guests_[any_irq_guests]->irq_event;
      alerted = sleep(any_irq, deadline);  // woken by an event, not by the timeout
    }
    const bool got = irq_pending || alerted;
    irq_pending = false;
    return got ? arch::WakeReason::adapter_interrupt : arch::WakeReason::timeout;
  }
  /// Sleep until one of `events` (which holds timer_ev) fires or SystemC time reaches
  /// `deadline_ps`; true if woken before the deadline (by an event other than the timer).
  /// A timed notification of time T is triggered before any process runs at T, so a timer
  /// due at or before the time the thread runs has fired.
  bool sleep(const sc_event_or_list& events, uint64_t deadline_ps) {
    if (deadline_ps == sim_now_ps()) {  // a zero timeout: one delta cycle, as wait(SC_ZERO_TIME, e)
      sc_core::wait(SC_ZERO_TIME, events);
      return false;
    }
    for (;;) {
      const uint64_t now = sim_now_ps();
      if (timer_at_ps <= now) timer_at_ps = kTimerIdle;  // it fired
      if (now >= deadline_ps) return false;
      if (timer_at_ps > deadline_ps) {  // idle, or armed beyond this deadline: (re)arm it
        timer_ev.notify(sc_time::from_value(deadline_ps - now));
        timer_at_ps = deadline_ps;
      }
      sc_core::wait(events);
      const uint64_t t = sim_now_ps();
      if (t < timer_at_ps) return true;  // an interruption
      // The timer: this sleep's deadline, or an earlier sleep's (sleep on).
    }
  }
  void run_software(arch::SoftwareStep step) override { cpu.run_software(*this, step); }
  uint64_t place_software(unsigned thread, arch::SoftwareStep step, uint64_t ready_ps) override {
    return cpu.place_software(*this, thread, step, ready_ps);
  }
  uint64_t deliver_interruption(unsigned thread, uint64_t pending_ps) override {
    return cpu.deliver_interruption(*this, thread, pending_ps);
  }
  void set_vcpus(unsigned n) override {
    if (!guest) return;
    if (n < 1 || n > kMaxVcpus) throw std::invalid_argument("set_vcpus: " + std::to_string(n) + " is outside 1..248");
    vcpus.resize(n);
  }
  std::vector<std::array<uint64_t, 4>> cpu_busy_ps() override {
    std::vector<std::array<uint64_t, 4>> v(cpu.complex_.cpus());
    for (unsigned i = 0; i < cpu.complex_.cpus(); ++i) v[i] = cpu.complex_.cpu(i).busy_ps;
    return v;
  }
  std::string name() const override { return ctx_name; }

  // arch::HostCpu
  arch::Cpu& sie_context(uint64_t sd, const std::string& n, const arch::Facilities& f,
                         arch::SieInterceptHandler* h) override {
    if (guest) throw std::logic_error("nested SIE (vSIE) is not modeled");
    auto g = std::make_unique<Context>(cpu, n, f);
    g->guest = true;
    g->number = static_cast<uint32_t>(cpu.guests_.size() + 1);  // guests_ only grows
    g->sd_addr = sd;
    g->handler = h;
    const uint64_t mso = cpu.storage_.read_u64(sd + arch::kSieMsoOffset);
    const uint64_t msl = cpu.storage_.read_u64(sd + arch::kSieMslOffset);
    g->guest_storage = std::make_unique<GuestStorage>(cpu.storage_, mso, msl);
    cpu.guests_.push_back(std::move(g));
    return *cpu.guests_.back();
  }
  // KVM's blocked-vCPU update of a guest's CRYCB (sc/sie.h): the SIE unit keeps the vCPU
  // out of SIE, and reloads and commits the APCB before letting it run again.
  // (Each may wake a vCPU's thread: the CPU forgets what it knew of SystemC's next activity.)
  void sie_block(uint64_t sd) override {
    host_only("sie_block"), cpu.sie_.block(sd);
    cpu.forget_next_activity();
  }
  void sie_crycb_changed(uint64_t sd) override {
    host_only("sie_crycb_changed"), cpu.sie_.crycb_changed(sd);
    cpu.forget_next_activity();
  }
  void sie_unblock(uint64_t sd) override {
    host_only("sie_unblock"), cpu.sie_.unblock(sd);
    cpu.forget_next_activity();
  }
  void host_only(const char* what) const {
    if (guest) throw std::logic_error(std::string(what) + ": nested SIE (vSIE) is not modeled");
  }
};

CpuModel::CpuModel(sc_module_name name, MainStorage& storage, const TimingTable& timing, SieUnit& sie,
                   const arch::Facilities& facilities, const arch::QciInfo& lpar_qci)
    : sc_module(name), bus_socket("bus_socket"), storage_(storage), timing_(timing), sie_(sie), lpar_qci_(lpar_qci) {
  host_ = std::make_unique<Context>(*this, "host", facilities);
  SC_THREAD(run);
  set_stack_size(kSoftwareStackBytes);
  // Never triggered unless tracing (book_cpu_wave): an untraced run pays nothing for it.
  SC_METHOD(drain_cpu_waves);
  sensitive << cpu_wave_event_;
  dont_initialize();
  set_costs(costs_);
}

void CpuModel::set_costs(const arch::SoftwareCostTable& costs) {
  costs_ = costs;
  for (size_t i = 0; i < arch::kSoftwareStepCount; ++i) cost_time_[i] = sc_time::from_value(costs_.ps[i]);
}

CpuModel::~CpuModel() = default;

arch::HostCpu& CpuModel::host() { return *host_; }

void CpuModel::run() {
  if (software_) software_(*host_);
  sc_stop();
}

void CpuModel::set_cpu_complex(unsigned cpus, const arch::SoftwareCostTable& costs) {
  // trace() made one pair of signals per host CPU of the complex then in force.
  if (tracing_) throw std::logic_error("set_cpu_complex after trace(): the VCD has the old CPUs' signals");
  complex_ = CpuComplex(cpus);
  set_costs(costs);
}

namespace {
// Logical threads of the CPU complex: a context's own software is thread N (0 the host, N
// the Nth SIE context, as cpu.guest numbers them) — for a guest that is its vCPU 0, and its
// vCPU v is N + v * 2^20; the threads a program runs as data on the host (place_software) are
// above 2^32, and the host's GIB alert handler is the last of them.
constexpr uint64_t kPlacedThreadBase = uint64_t{1} << 32;
constexpr uint64_t kVcpuThreadStride = uint64_t{1} << 20;
constexpr uint64_t kGibAlertThread = 2 * kPlacedThreadBase - 1;
}  // namespace

CpuComplex::Placement CpuModel::book_step(uint64_t thread, arch::SoftwareStep step, uint64_t ready_ps, bool in_guest) {
  const size_t i = static_cast<size_t>(step);
  const uint64_t cost = costs_.cost_ps(step);
  ++stats_.software_steps[i];
  stats_.software_ps[i] += cost;
  const CpuUse use = cpu_use(arch::software_cost_row(step).kind, in_guest);
  const CpuComplex::Placement at = complex_.run(thread, ready_ps, cost, use);
  if (tracing_ && cost != 0) book_cpu_wave(at.cpu, at.start_ps, at.end_ps, use, thread);
  return at;
}

uint64_t CpuModel::place_software(Context& ctx, unsigned thread, arch::SoftwareStep step, uint64_t ready_ps) {
  if (ctx.guest) {
    // A guest thread runs on its vCPU (thread % vCPUs: the guest's scheduler keeps a thread
    // on one vCPU); the context's own software on vCPU 0.
    const bool own = thread == kOwnThread;
    return place_on_vcpu(ctx, own ? 0 : thread % static_cast<unsigned>(ctx.vcpus.size()), step, ready_ps, !own);
  }
  return book_step(thread == kOwnThread ? ctx.number : kPlacedThreadBase * (ctx.number + 1) + thread, step, ready_ps,
                   false)
      .end_ps;
}

uint64_t CpuModel::place_on_vcpu(Context& g, unsigned v, arch::SoftwareStep step, uint64_t ready_ps, bool queued) {
  Context::Vcpu& vc = g.vcpus[v];
  const uint64_t id = g.number + v * kVcpuThreadStride;
  uint64_t start = ready_ps;
  // While tracing, the vCPU's cpu.vcpuK slot (the first vcpu_wave_slots_ vCPUs to run get one;
  // the others are counted, vcpus_not_traced).
  int slot = -2;
  if (tracing_) {
    if (vc.wave_slot == -1) {
      vc.wave_slot = vcpu_wave_holders_.size() < vcpu_wave_slots_ ? int(vcpu_wave_holders_.size()) : -2;
      if (vc.wave_slot >= 0) vcpu_wave_holders_.push_back(VcpuWaveHolder{g.number, v});
      else ++vcpus_not_traced_;
    }
    slot = vc.wave_slot;
  }
  const unsigned wave = complex_.cpus() + static_cast<unsigned>(slot);
  if (queued) {
    // A program's thread waits for its vCPU (the guest's run queue, FIFO as the host's).  A vCPU
    // idle since its last step was in enabled wait and gave its host CPU up: KVM wakes it
    // (kvm_s390_vcpu_wakeup) and it re-enters SIE before the step runs — on the host CPU the
    // vCPU gets, as kernel time.
    start = std::max(ready_ps, vc.busy_until_ps);
    if (vc.busy_until_ps < start) {
      const CpuComplex::Placement w = book_step(id, arch::SoftwareStep::vcpu_wakeup, start, true);
      start = book_step(id, arch::SoftwareStep::sie_entry, w.end_ps, true).end_ps;
      ++stats_.vcpu_wakeups;
      if (slot >= 0 && start > w.start_ps)
        book_wave(wave, w.start_ps, start, static_cast<uint32_t>(VcpuWaveState::waking), id + 1,
                  static_cast<uint32_t>(VcpuWaveState::waiting), id + 1);
    }
  }
  // (The context's own software is not queued: its clock is the one software thread's, and
  // when its vCPU last waited is not known — it keeps its behaviour of before the vCPUs.)
  const CpuComplex::Placement at = book_step(id, step, start, true);
  if (slot >= 0 && at.end_ps > at.start_ps)
    book_wave(wave, at.start_ps, at.end_ps, static_cast<uint32_t>(VcpuWaveState::running), id + 1,
              static_cast<uint32_t>(VcpuWaveState::waiting), id + 1);
  vc.busy_until_ps = std::max(vc.busy_until_ps, at.end_ps);
  return at.end_ps;
}

uint64_t CpuModel::deliver_interruption(Context& ctx, unsigned thread, uint64_t pending_ps) {
  if (!ctx.guest) return pending_ps;  // the host: its interruption_entry is the caller's step
  const unsigned v = thread % static_cast<unsigned>(ctx.vcpus.size());
  // The vCPU is in SIE (busy past the moment the interruption became pending): the GISA
  // presents it directly (spec §6.2), after the step it runs (no preemption in the model).
  if (ctx.vcpus[v].busy_until_ps > pending_ps) {
    ++stats_.gisa_deliveries;
    return place_on_vcpu(ctx, v, arch::SoftwareStep::gisa_delivery, pending_ps, true);
  }
  // In enabled wait: the GISA's alert raises a host interruption (GAL_ISC) whose handler kicks
  // the vCPU (arch/s390/kvm/interrupt.c gib_alert_irq_handler); the vCPU's next step pays its
  // wakeup and SIE re-entry (place_on_vcpu).
  ++stats_.gib_alerts;
  return book_step(kGibAlertThread, arch::SoftwareStep::gib_alert, pending_ps, false).end_ps;
}

void CpuModel::book_cpu_wave(unsigned cpu, uint64_t start_ps, uint64_t end_ps, CpuUse use, uint64_t thread) {
  CpuWaveState state = CpuWaveState::user;
  switch (use) {
    case CpuUse::host: state = CpuWaveState::user; break;
    case CpuUse::guest: state = CpuWaveState::guest; break;
    case CpuUse::kernel: state = CpuWaveState::kernel; break;
    case CpuUse::interruption: state = CpuWaveState::interruption; break;
  }
  book_wave(cpu, start_ps, end_ps, static_cast<uint32_t>(state), thread + 1, 0, 0);
}

void CpuModel::book_wave(unsigned wave, uint64_t start_ps, uint64_t end_ps, uint32_t state, uint64_t thread,
                         uint32_t end_state, uint64_t end_thread) {
  // A step is booked when its thread is ready, which for apbench's threads may lie behind
  // SystemC time (they are data on the one software thread): such a change is written now.
  const uint64_t now = sim_now_ps();
  cpu_wave_changes_.emplace(std::max(start_ps, now), CpuWaveChange{wave, state, thread});
  cpu_wave_changes_.emplace(std::max(end_ps, now), CpuWaveChange{wave, end_state, end_thread});
  // An earlier notification replaces a later pending one; a later one is ignored.
  cpu_wave_event_.notify(sc_time::from_value(std::max(cpu_wave_changes_.begin()->first, now) - now));
}

void CpuModel::drain_cpu_waves() {
  const uint64_t now = sim_now_ps();
  auto it = cpu_wave_changes_.begin();
  for (; it != cpu_wave_changes_.end() && it->first <= now; ++it) {
    CpuWave& w = *cpu_waves_[it->second.cpu];
    w.state.write(it->second.state);  // the last write of a delta wins: booking order
    w.thread.write(it->second.thread);
  }
  cpu_wave_changes_.erase(cpu_wave_changes_.begin(), it);
  if (!cpu_wave_changes_.empty()) cpu_wave_event_.notify(sc_time::from_value(cpu_wave_changes_.begin()->first - now));
}

void CpuModel::run_software(Context& ctx, arch::SoftwareStep step) {
  // The CPU's clock is read once per step (issue 12 part 7: a step's bookkeeping is what the
  // cost model adds to every request).
  const uint64_t now = lt_ ? qk_.now_ps() : ctx.now_ps();
  const uint64_t end = place_software(ctx, kOwnThread, step, now);
  const uint64_t ps = end - now;
  if (!lt_ || ps == 0) return advance_ps(ps);
  // Loosely timed: a software step touches no hardware, so the CPU need not give SystemC a
  // turn at every quantum while nothing else is due before its local time (an adapter's
  // completion, an interruption): it syncs then, as before an AP fabric transaction.  Without
  // this, a request's software steps (µs) cost a quantum sync each and halve fast mode's speed
  // (bench_sim_speed).  The next instruction or sleep syncs in any case.
  // (The step's cost as an sc_time made once per table: sc_time::from_value is a library call.)
  qk_.inc(ps == costs_.cost_ps(step) ? cost_time_[static_cast<size_t>(step)] : sc_time::from_value(ps));
  sync_if_due(end);
}

// sync_if_due (sc/cpu.h): nothing due — nothing in SystemC can happen before the CPU's local
// time, so a sync would only cost two thread switches, and one at every quantum boundary a
// request's instructions cross was most of a guest round trip's timed waits (issue 13).
//
// activity_due_by (sc/cpu.h): SystemC's answer (the time to its next pending activity) stays
// true while no other process runs — a new delta cycle — and this thread starts nothing:
// asking the kernel costs more than a software step's bookkeeping, and a request's software
// steps cross a quantum boundary several times (issue 12 part 7).  Instructions, KVM's SIE
// calls and sync_local_time (apsim-inject calls it before it schedules a change) forget the
// answer; what else this thread starts are timed notifications of the VCD's CPU changes, which
// happen at their time all the same, at the latest when the CPU next syncs, as every
// instruction and every sleep does first.
void CpuModel::ask_next_activity() {
  const uint64_t sc_now = sim_now_ps(), to_next = sc_time_to_pending_activity().value();
  next_activity_ps_ = to_next > ~uint64_t{0} - sc_now ? ~uint64_t{0} : sc_now + to_next;
  next_activity_delta_ = sc_core::sc_delta_count();
  next_activity_known_ = true;
}

void CpuModel::cycles(uint64_t n) { advance_ps(n * timing_.cpu_clock_ps); }

void CpuModel::advance_ps(uint64_t ps) {
  if (ps == 0) return;  // no wait (and no delta cycle) for a zero cost
  // The run's clock ends at kSimulatedTimeEndPs (sc/timing.h): stop with a message there
  // rather than let sc_time wrap.
  const uint64_t now = lt_ ? qk_.now_ps() : sim_now_ps();
  if (ps > kSimulatedTimeEndPs - now) throw SimulatedTimeExhausted(now, ps);
  if (!lt_) {
    wait(sc_time::from_value(ps));  // 1 ps resolution: value == ps
    return;
  }
  qk_.inc(sc_time::from_value(ps));
  sync_if_due(now + ps);
}

void CpuModel::set_loosely_timed(bool on, uint64_t quantum_ps) {
  lt_ = on;
  if (on) tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time::from_value(std::max<uint64_t>(quantum_ps, 1)));
  qk_.reset();
}

void CpuModel::sync_local_time() {
  if (lt_ && qk_.get_local_time() != SC_ZERO_TIME) qk_.sync();
  // Its callers are about to start something (apsim-inject schedules an HMC change or a
  // fault): what the CPU knew of SystemC's next activity is not to be trusted after it.
  forget_next_activity();
}

InsnOutcome CpuModel::program_interruption(uint16_t code) {
  ++stats_.program_interruptions;
  return InsnOutcome{0, code};
}

void CpuModel::adapter_interrupt(const arch::AqicControl& ctl) {
  // Host: the AP bus' ISC.  Guest: the GISA named in the AQIC control (see driver/linux/kvm-s390.cpp,
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

namespace {
/// The control domain a guest NQAP's message modifies (sc/control_domain_request.h), -1 if
/// none or if the operands cannot be read (nqap() then raises the exception).
int64_t peek_control_domain(arch::Storage& st, const GeneralRegisters& regs, unsigned r2) {
  if (r2 % 2 || r2 > 14 || regs[r2 + 1] == 0) return -1;
  uint8_t head[kControlDomainPeekBytes];
  const size_t n = static_cast<size_t>(std::min<uint64_t>(regs[r2 + 1], sizeof head));
  if (!st.read(regs[r2], head, n)) return -1;
  return control_domain_target(head, n);
}

// Condition codes (docs/ap-instructions.md; spec §1.3 has no public cc table).  Every
// instruction that ends with a status word sets cc 0 for RC 0 and cc 3 otherwise, as KVM's
// emulated PQAP does and kvm-unit-tests expects (cc 3 with RC 6/7, cc 0 with RC 0).  NQAP
// sets cc 1 when it took a part of a multi-part message (GR0 bit 33 off) and waits for the
// rest; the Linux wrapper's comment "cc 1 can't happen because the L bit is 1" agrees.  DQAP
// ends with cc 0 also when the buffer was used up before the reply: GR2 (residual) != 0 and
// the odd R2 register = 0 tell it, as Linux' ap_dqap tests.  apsim moves a whole operand in
// one execution, so cc 2 (segment boundary) and DQAP's cc 1 (partial, re-execute) never
// occur; the Linux wrappers' brc loops work unchanged.  QCI: cc 0.
int cc_for(const arch::ApQueueStatus& s) { return s.response_code == 0 ? 0 : 3; }

/// The end of an instruction that leaves a status word: GR1 and its condition code.
InsnOutcome with_status(GeneralRegisters& regs, const arch::ApQueueStatus& s) {
  regs[1] = s.gr1();
  return InsnOutcome{cc_for(s), arch::PGM_NONE};
}

/// A status word that says nothing but the response code `rc`.
arch::ApQueueStatus rc_status(uint8_t rc) {
  arch::ApQueueStatus s;
  s.response_code = rc;
  return s;
}

InsnOutcome with_rc(GeneralRegisters& regs, uint8_t rc) { return with_status(regs, rc_status(rc)); }

// An APQN beyond what the configuration can name: without APXA only APIDs 0..63 and APQIs
// 0..15 exist, and naming a larger one is a specification exception (KVM's handle_pqap makes
// the same check for the AQIC it intercepts, spec §3.3).
bool apqn_beyond_range(const arch::Facilities& fac, arch::Apqn q) { return !fac.apxa && (q.apid > 63 || q.apqi > 15); }

// An R field names an even-odd pair that does not overlap the instruction's implicit
// registers GR0 .. GR(first_free - 1).
bool even_pair(unsigned r, unsigned first_free) { return r % 2 == 0 && r <= 14 && r >= first_free; }

/// The register checks NQAP and DQAP share, each a specification exception when it fails:
/// R1 and R2 name two distinct even-odd pairs clear of the implicit registers (NQAP: GR0,
/// GR1; DQAP: GR0, GR1, GR2, so `first_free` is 2 or 4), GR0 has none of the `reserved`
/// bits, the APQN can exist.  **Choice** (docs/ap-instructions.md §2): no public source
/// says what the machine does when R1 or R2 names an implicit register or both name one
/// pair; apsim recognizes a specification exception rather than let the instruction
/// overwrite its own operands.
bool queue_operands_valid(const arch::Facilities& fac, const GeneralRegisters& regs, unsigned r1, unsigned r2,
                          unsigned first_free, uint64_t reserved) {
  return even_pair(r1, first_free) && even_pair(r2, first_free) && r1 != r2 && !(regs[0] & reserved) &&
         !apqn_beyond_range(fac, arch::gr0_apqn(regs[0]));
}
}  // namespace

InsnOutcome CpuModel::execute(Context& ctx, uint16_t opcode, GeneralRegisters& regs, unsigned r1, unsigned r2) {
  ++stats_.instructions;
  cycles(timing_.insn_base_cycles);
  // A guest's instruction is decoded by the machine, which has AP whatever the guest's CPU
  // model says: without interpretation (ECA.APIE off) it intercepts, below.
  if (!(ctx.guest ? host_->fac.ap : ctx.fac.ap)) return program_interruption(arch::PGM_OPERATION);
  // Host: privileged operation before anything else.  Guest: after the intercept decision
  // below — without APIE, KVM answers -EOPNOTSUPP before it looks at the PSW (spec §3.3).
  if (!ctx.guest && regs.problem_state) return program_interruption(arch::PGM_PRIVILEGED_OP);
  if (tracing_) {
    sig_opcode_.write(opcode);
    sig_apqn_.write(static_cast<uint32_t>(regs[0] & 0xffff));
    sig_guest_.write(ctx.guest);
    sig_guest_id_.write(ctx.number);
  }
  InsnOutcome out;
  if (ctx.guest) {
    // SIE (sc/sie.h): entry if the vCPU is not in SIE (waits while KVM blocks it), then
    // intercept or interpretation against the APCB of its CRYCB.
    sie_.begin_instruction(ctx.sd_addr);
    const uint8_t fc = arch::gr0_fc(regs[0]);
    const bool aqic = opcode == arch::kOpPQAP && fc == static_cast<uint8_t>(arch::PqapFc::AQIC);
    if (!sie_.apie(ctx.sd_addr) || aqic) {
      // SIE exit, the host handler (KVM's handle_pqap, or QEMU), SIE re-entry at the next
      // instruction.  Without APIE every AP instruction comes here (spec §3.3).
      sie_.intercept(ctx.sd_addr);
      ++stats_.intercepts;
      cycles(timing_.intercept_cycles);
      out = ctx.handler ? ctx.handler->handle_ap_intercept(opcode, regs, r1, r2) : InsnOutcome{0, arch::PGM_OPERATION};
      if (out.interrupted()) ++stats_.program_interruptions;
      sie_.end_instruction(ctx.sd_addr);
      return out;
    }
    if (regs.problem_state) {  // interpreted: the machine's own check
      sie_.end_instruction(ctx.sd_addr);
      return program_interruption(arch::PGM_PRIVILEGED_OP);
    }
    // Interpreted: the decode below asks sie_.check_apqn(); a NQAP that modifies a control
    // domain is checked against the ADM as well.
    if (opcode == arch::kOpNQAP) sie_.set_control_domain_target(ctx.sd_addr, peek_control_domain(ctx.storage(), regs, r2));
  }
  switch (opcode) {
    case arch::kOpPQAP: out = pqap(ctx, regs); break;
    case arch::kOpNQAP: out = nqap(ctx, regs, r1, r2); break;
    case arch::kOpDQAP: out = dqap(ctx, regs, r1, r2); break;
    default: out = program_interruption(arch::PGM_OPERATION); break;
  }
  if (ctx.guest) {
    // The decode reports every SIE denial as RC 0x01 (APQN not available); a request the
    // ADM forbids (APQN valid, control domain not) ends with the SIE unit's adm_denied_rc().
    const SieVerdict& vd = sie_.verdict(ctx.sd_addr);
    if (!out.interrupted() && vd.checked && vd.allow && !vd.cdom_allow) {
      // cc 3 whatever RC the SIE unit is set to give: the request was refused.
      regs[1] = rc_status(sie_.adm_denied_rc()).gr1();
      out = InsnOutcome{3, arch::PGM_NONE};
    }
    sie_.end_instruction(ctx.sd_addr);
  }
  if (tracing_) {
    sig_opcode_.write(0);
    sig_rc_.write(static_cast<uint32_t>(arch::ApQueueStatus::from_gr1(regs[1]).response_code));
  }
  return out;
}

// The transfer buffer of one instruction.  An instruction holds it across waits (the move
// cycles, the bus transaction), and the software may run on more than one SC_THREAD (tests
// drive vCPUs from threads of their own): an instruction that finds the CPU's buffer taken
// gets one of its own, as every instruction used to.
class CpuModel::TransferBuffer {
 public:
  TransferBuffer(CpuModel& cpu, size_t n) : cpu_(cpu), shared_(!cpu.transfer_buf_busy_) {
    buf_ = shared_ ? &cpu.transfer_buf_ : &own_;
    if (buf_->size() < n) buf_->resize(n);  // grows to the largest operand seen, then stays
    if (shared_) cpu.transfer_buf_busy_ = true;
  }
  ~TransferBuffer() {
    if (shared_) cpu_.transfer_buf_busy_ = false;
  }
  TransferBuffer(const TransferBuffer&) = delete;
  TransferBuffer& operator=(const TransferBuffer&) = delete;
  uint8_t* data() { return buf_->data(); }

 private:
  CpuModel& cpu_;
  const bool shared_;
  std::vector<uint8_t> own_;
  std::vector<uint8_t>* buf_;
};

namespace {

/// Lends the CPU's reused payload to one transaction: when the transaction ends, also by an
/// exception out of b_transport (a probe, the firmware, SystemC's sc_unwind_exception when a
/// process is killed), the payload lets go of the transaction's command extension and data.
/// Both live on the caller's stack; a payload left pointing at them hands a dead object to
/// the next transaction, and tlm_generic_payload's destructor calls free() (delete) on every
/// extension still set — a stack ApCommand — at teardown (issue 15: internal error, then a
/// segfault).
class PayloadLease {
 public:
  PayloadLease(tlm::tlm_generic_payload& gp, ApCommand& cmd, uint8_t* data, uint32_t len) : gp_(gp), cmd_(cmd) {
    gp_.set_data_ptr(data);
    gp_.set_data_length(len);
    gp_.set_streaming_width(len);
    gp_.set_extension(&cmd_);
  }
  ~PayloadLease() {
    gp_.clear_extension(&cmd_);
    gp_.set_data_ptr(nullptr);
    gp_.set_data_length(0);
  }
  PayloadLease(const PayloadLease&) = delete;
  PayloadLease& operator=(const PayloadLease&) = delete;

 private:
  tlm::tlm_generic_payload& gp_;
  ApCommand& cmd_;
};

}  // namespace

void CpuModel::bus_transaction(ApCommand& cmd, uint16_t qid, uint8_t* data, uint32_t len, tlm::tlm_command dir) {
  // One payload object for every transaction (constructing and destroying a generic payload
  // per instruction was a measurable share of a round trip): b_transport is synchronous, so
  // it is free again when this returns.
  tlm::tlm_generic_payload& gp = gp_;
  gp.set_command(dir);
  gp.set_address(qid);
  gp.set_byte_enable_ptr(nullptr);
  gp.set_dmi_allowed(false);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_time delay = SC_ZERO_TIME;
  if (lt_) {
    // Anything due at or before the CPU's local time (an adapter finishing a request, an
    // interruption) must have happened before the adapter sees this instruction.
    const sc_time local = qk_.get_local_time();
    if (local != SC_ZERO_TIME && sc_time_to_pending_activity() <= local) qk_.sync();
    delay = qk_.get_local_time();  // the transaction starts at the CPU's local time
  }
  {
    PayloadLease lease(gp, cmd, data, len);
    bus_socket->b_transport(gp, delay);
  }
  forget_next_activity();  // the adapter may have scheduled something
  if (!lt_) {
    if (delay != SC_ZERO_TIME) wait(delay);
    return;
  }
  qk_.set(delay);
  sync_if_due(qk_.now_ps());
}

InsnOutcome CpuModel::note_outcome(const InsnOutcome& out) {
  forget_next_activity();  // the instruction's SIE unit may have woken KVM's thread
  switch (out.pgm) {
    case arch::PGM_OPERATION: ++stats_.pgm_operation; break;
    case arch::PGM_PRIVILEGED_OP: ++stats_.pgm_privileged_op; break;
    case arch::PGM_ADDRESSING: ++stats_.pgm_addressing; break;
    case arch::PGM_SPECIFICATION: ++stats_.pgm_specification; break;
    default: break;
  }
  if (tracing_) sig_pgm_.write(out.pgm);
  return out;
}

int CpuModel::sclp_configure_ap(Context& ctx, unsigned apid, bool on) {
  if (ctx.guest) return -EOPNOTSUPP;  // KVM offers its guests no SCLP AP configuration
  if (apid > arch::kMaxApid) return -ENODEV;
  cycles(timing_.sclp_ap_config_cycles);
  ApCommand cmd;
  cmd.function = ApFunction::SCLP_CONFIG;
  cmd.configure = on;
  cmd.sclp_rc = -ENODEV;  // stays so when no adapter has this APID (the AP fabric answers)
  bus_transaction(cmd, static_cast<uint16_t>(apid << 8), nullptr, 0, tlm::TLM_IGNORE_COMMAND);
  return cmd.sclp_rc;
}

bool CpuModel::sie_denies(Context& ctx, arch::Apqn apqn) {
  if (!ctx.guest || sie_.check_apqn(ctx.sd_addr, apqn.apid, apqn.apqi) == SieDecision::interpret) return false;
  ++stats_.sie_denied;
  return true;
}

InsnOutcome CpuModel::pqap(Context& ctx, GeneralRegisters& regs) {
  using arch::PqapFc;
  const uint64_t gr0 = regs[0];
  const uint8_t fc = arch::gr0_fc(gr0);
  const arch::Apqn apqn = arch::gr0_apqn(gr0);
  const bool t = gr0 & arch::kGr0TBit, f = gr0 & arch::kGr0FBit;
  const auto is = [fc](PqapFc x) { return fc == static_cast<uint8_t>(x); };
  // Specification exceptions: reserved GR0 bits; T (bit 40) only with TAPQ; bit 41 only with
  // RAPQ/ZAPQ (F) and QACT (ifbit); functions not installed or not defined.
  if (gr0 & arch::kGr0PqapReserved) return program_interruption(arch::PGM_SPECIFICATION);
  if (t && !is(PqapFc::TAPQ)) return program_interruption(arch::PGM_SPECIFICATION);
  if (f && !is(PqapFc::RAPQ) && !is(PqapFc::ZAPQ) && !is(PqapFc::QACT))
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
      cmd.function = is(PqapFc::RAPQ) ? ApFunction::RAPQ : ApFunction::ZAPQ;
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
      arch::QciInfo qci = lpar_qci_;
      if (ctx.guest) {
        // The guest's masks and Na/Nd come from its CRYCB (sc/sie.h); the facilities of the
        // machine that are not about id ranges (QACT, APSC, RC8A, APSB) are the LPAR's.
        qci = sie_.guest_qci(ctx.sd_addr, lpar_qci_);
        qci.flags |= lpar_qci_.flags & (arch::QCI_FLAG_QACT | arch::QCI_FLAG_APSC | arch::QCI_FLAG_RC8A |
                                         arch::QCI_FLAG_APSB);
      }
      uint8_t block[arch::kQciBlockSize];
      qci.to_bytes(block);
      if (!ctx.storage().write(addr, block, sizeof block)) return program_interruption(arch::PGM_ADDRESSING);
      cycles(8 * timing_.storage_access_cycles);
      return InsnOutcome{0, arch::PGM_NONE};
    }
    case PqapFc::QACT:
      if (!(lpar_qci_.flags & arch::QCI_FLAG_QACT)) return program_interruption(arch::PGM_SPECIFICATION);
      cmd.function = ApFunction::QACT;
      cmd.qact_in = regs[1];
      break;
    default:
      // fc 6 and above 8 are not defined; BAPQ/AAPQ (7, 8) need Secure Execution ("may cause
      // a specification exception" in a non-SE environment, ap.h).
      return program_interruption(arch::PGM_SPECIFICATION);
  }
  if (apqn_beyond_range(ctx.fac, apqn)) return program_interruption(arch::PGM_SPECIFICATION);
  if (sie_denies(ctx, apqn)) return with_rc(regs, arch::AP_RESPONSE_Q_NOT_AVAIL);
  bus_transaction(cmd, apqn.qid(), nullptr, 0, tlm::TLM_IGNORE_COMMAND);
  // TAPQ without T leaves GR2 as it was (Linux zeroes it before; apsim's choice).
  if (cmd.function == ApFunction::TAPQ && t) regs[2] = cmd.info;
  if (cmd.function == ApFunction::QACT && cmd.status.response_code == arch::AP_RESPONSE_NORMAL) regs[2] = cmd.info;
  return with_status(regs, cmd.status);
}

InsnOutcome CpuModel::nqap(Context& ctx, GeneralRegisters& regs, unsigned r1, unsigned r2) {
  if (!queue_operands_valid(ctx.fac, regs, r1, r2, 2, arch::kGr0NqapReserved))
    return program_interruption(arch::PGM_SPECIFICATION);
  const uint64_t gr0 = regs[0];
  const arch::Apqn apqn = arch::gr0_apqn(gr0);
  const uint64_t addr = regs[r2], len = regs[r2 + 1];
  // Zero, or longer than any adapter takes (the adapter refuses beyond its own ML the same way).
  if (len == 0 || len > arch::kApMaxMessageBytes) return program_interruption(arch::PGM_SPECIFICATION);
  TransferBuffer msg(*this, len);
  if (!ctx.storage().read(addr, msg.data(), len)) return program_interruption(arch::PGM_ADDRESSING);
  cycles((len + 255) / 256 * timing_.move_cycles_per_256b);
  if (sie_denies(ctx, apqn)) return with_rc(regs, arch::AP_RESPONSE_Q_NOT_AVAIL);
  ApCommand cmd;
  cmd.function = ApFunction::NQAP;
  cmd.psmid = (regs[r1] << 32) | (regs[r1 + 1] & 0xffffffffull);
  cmd.last_part = gr0 & arch::kGr0NqapLast;
  bus_transaction(cmd, apqn.qid(), msg.data(), static_cast<uint32_t>(len), tlm::TLM_WRITE_COMMAND);
  if (cmd.pgm) return program_interruption(cmd.pgm);  // beyond the adapter's maximum message size
  regs[1] = cmd.status.gr1();
  if (cmd.status.response_code != arch::AP_RESPONSE_NORMAL) return InsnOutcome{3, arch::PGM_NONE};
  regs[r2] = addr + len;  // the whole operand was taken
  regs[r2 + 1] = 0;
  return InsnOutcome{cmd.message_open ? 1 : 0, arch::PGM_NONE};
}

InsnOutcome CpuModel::dqap(Context& ctx, GeneralRegisters& regs, unsigned r1, unsigned r2) {
  if (!queue_operands_valid(ctx.fac, regs, r1, r2, 4, arch::kGr0DqapReserved))
    return program_interruption(arch::PGM_SPECIFICATION);
  const uint64_t gr0 = regs[0];
  const arch::Apqn apqn = arch::gr0_apqn(gr0);
  const uint64_t addr = regs[r2], len = regs[r2 + 1];
  if (len == 0) return program_interruption(arch::PGM_SPECIFICATION);
  const uint64_t size = ctx.storage().size();
  if (addr > size || len > size - addr) return program_interruption(arch::PGM_ADDRESSING);
  if (sie_denies(ctx, apqn)) {
    regs[2] = 0;  // no reply bytes were left on the queue
    return with_rc(regs, arch::AP_RESPONSE_Q_NOT_AVAIL);
  }
  // No reply is longer than the largest message: the transfer buffer is bounded by that,
  // not by the program's buffer length.
  const uint32_t buf_len = static_cast<uint32_t>(std::min<uint64_t>(len, arch::kApMaxMessageBytes));
  TransferBuffer buf(*this, buf_len);
  ApCommand cmd;
  cmd.function = ApFunction::DQAP;
  cmd.first_part = gr0 & arch::kGr0DqapFirstPart;
  bus_transaction(cmd, apqn.qid(), buf.data(), buf_len, tlm::TLM_READ_COMMAND);
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
  // Part of the reply stays on the queue: the returned GR0 continues it when re-executed.
  if (cmd.residual) regs[0] = gr0 & ~arch::kGr0DqapFirstPart;
  return InsnOutcome{0, arch::PGM_NONE};
}

// Top-level channels (trace() runs outside the module's construction) under unique names; the
// VCD names them cpu.cpuI.* (trace()).
CpuModel::CpuWave::CpuWave(const std::string& name)
    : state((name + "_state").c_str()), thread((name + "_thread").c_str()) {}

void CpuModel::set_vcpu_wave_slots(unsigned n) {
  if (tracing_) throw std::logic_error("set_vcpu_wave_slots after trace(): the VCD has its slots already");
  if (n > kMaxVcpuWaveSlots)
    throw std::invalid_argument("set_vcpu_wave_slots: " + std::to_string(n) + " is more than " +
                                std::to_string(kMaxVcpuWaveSlots));
  vcpu_wave_slots_ = n;
}

void CpuModel::trace(sc_trace_file* tf) {
  tracing_ = true;
  trace_signals(tf, sig_opcode_, sig_apqn_, sig_rc_, sig_guest_, sig_pgm_, sig_guest_id_);
  const std::string base = name();
  for (unsigned i = 0; i < complex_.cpus(); ++i) {
    cpu_waves_.push_back(std::make_unique<CpuWave>("cpu_complex_cpu" + std::to_string(i)));
    const std::string cpu = base + ".cpu" + std::to_string(i);
    sc_core::sc_trace(tf, cpu_waves_.back()->state, cpu + ".state");
    sc_core::sc_trace(tf, cpu_waves_.back()->thread, cpu + ".thread");
  }
  // The guest vCPU slots follow the host CPUs in cpu_waves_ (book_wave's index).
  for (unsigned k = 0; k < vcpu_wave_slots_; ++k) {
    cpu_waves_.push_back(std::make_unique<CpuWave>("cpu_vcpu" + std::to_string(k)));
    const std::string v = base + ".vcpu" + std::to_string(k);
    sc_core::sc_trace(tf, cpu_waves_.back()->state, v + ".state");
    sc_core::sc_trace(tf, cpu_waves_.back()->thread, v + ".thread");
  }
}

std::vector<std::string> CpuModel::guest_names() const {
  std::vector<std::string> names;
  for (const auto& g : guests_) names.push_back(g->ctx_name);
  return names;
}

}  // namespace apsim::sc
