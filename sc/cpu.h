// sc/cpu.h — the CPU model: executes AP instructions for the host and for SIE guests.
//
// One SC_THREAD runs the software (the driver stack and the scenario shell) from start to
// end; every AP instruction it executes decodes its registers, reads and writes main
// storage, goes through the SIE unit when a guest executes it, crosses the AP fabric to an
// adapter, and costs the simulated time of each of those steps (sc/timing.h).  Contexts:
//   * the host context (the LPAR's Linux), an arch::HostCpu;
//   * one SIE context per guest vCPU, described by a state description in host storage.
// Program interruptions (ap-facility-spec.md §1, §3.3; docs/ap-instructions.md): operation
// (no AP facility), privileged operation (problem state), specification (reserved GR0 bits,
// unknown or uninstalled PQAP function, T bit without APFT, APQN beyond 63/15 without APXA,
// odd R1/R2, zero length, a length beyond the adapter's maximum message size, misaligned QCI
// block), addressing (operand outside the context's storage).  Each is counted by code in
// CpuStats and traced as `cpu.pgm`.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "arch/ap_instructions.h"
#include "arch/qci.h"
#include "sc/ap_fabric_protocol.h"
#include "sc/cex_adapter.h"
#include "sc/cpu_complex.h"
#include "sc/main_storage.h"
#include "sc/sie.h"
#include "sc/sim_time.h"
#include "sc/timing.h"

namespace apsim::sc {

class CpuModel;

/// Counters of what the CPU executed (reported by `apsim run --stats`, used by tests).
struct CpuStats {
  uint64_t instructions = 0;
  uint64_t program_interruptions = 0;
  uint64_t intercepts = 0;
  uint64_t sie_denied = 0;
  // Program interruptions by code (also those a guest gets from KVM/QEMU after an intercept).
  uint64_t pgm_operation = 0;       ///< code 0x0001
  uint64_t pgm_privileged_op = 0;   ///< code 0x0002
  uint64_t pgm_addressing = 0;      ///< code 0x0005
  uint64_t pgm_specification = 0;  ///< code 0x0006
  // Software steps run (arch::Cpu::run_software), by step: how many, and their cost in ps.
  std::array<uint64_t, arch::kSoftwareStepCount> software_steps{};
  std::array<uint64_t, arch::kSoftwareStepCount> software_ps{};
  // Guest vCPUs (docs/cpu-complex.md "Guest vCPUs"): wakeups from enabled wait, adapter
  // interruptions the GISA delivered to a vCPU in SIE, and those that took the GIB alert path.
  uint64_t vcpu_wakeups = 0;
  uint64_t gisa_deliveries = 0;
  uint64_t gib_alerts = 0;
};

class CpuModel : public sc_core::sc_module, public AdapterInterruptSink {
 public:
  SC_HAS_PROCESS(CpuModel);
  tlm_utils::simple_initiator_socket<CpuModel> bus_socket;

  CpuModel(sc_core::sc_module_name name, MainStorage& storage, const TimingTable& timing, SieUnit& sie,
           const arch::Facilities& facilities, const arch::QciInfo& lpar_qci);
  ~CpuModel() override;

  /// The software to run; the simulation stops when it returns.
  void set_software(std::function<void(arch::HostCpu&)> sw) { software_ = std::move(sw); }
  arch::HostCpu& host();
  const CpuStats& stats() const { return stats_; }
  /// The LPAR's crypto configuration changed (HMC dynamic change, sc/hmc.h): PQAP(QCI)
  /// answers `qci` from now on.
  void set_lpar_qci(const arch::QciInfo& qci) { lpar_qci_ = qci; }
  /// The CPU complex the software runs on: `cpus` host CPUs (1..256) and the software cost
  /// table in force.  Default: 4 CPUs and the table's defaults.  Call before the simulation
  /// starts.  Throws std::invalid_argument for `cpus` outside 1..256.
  void set_cpu_complex(unsigned cpus, const arch::SoftwareCostTable& costs);
  const CpuComplex& cpu_complex() const { return complex_; }
  const arch::SoftwareCostTable& software_costs() const { return costs_; }
  /// Thread stack for the software (the driver stack and the shell run on it), bytes.
  static constexpr size_t kSoftwareStackBytes = 64u << 20;

  void adapter_interrupt(const arch::AqicControl& ctl) override;
  /// Trace cpu.opcode (0 between instructions), cpu.apqn, cpu.rc, cpu.in_sie, cpu.pgm and
  /// cpu.guest (who executes: 0 the host, N the Nth SIE context created, guest_names()).
  /// Also, per host CPU i of the CPU complex, cpu.cpuI.state (CpuWaveState: 0 idle, 1 user,
  /// 2 kernel, 3 interruption, 4 guest in SIE — the column the complex books the step in) and
  /// cpu.cpuI.thread (0 none, else 1 + the logical thread id running: 1 the host's own
  /// software; N + v * 2^20 + 1 vCPU v of the Nth SIE context (vCPU 0 also runs the guest's
  /// own software, so N + 1 is the Nth guest's); 2^32 + T + 1 thread T a host program runs as
  /// data — apbench --threads; 2^33 the host's GIB alert handler), each written at the
  /// step's start and end as booked.
  /// Call before the simulation starts.
  void trace(sc_core::sc_trace_file* tf);
  /// The values of cpu.cpuI.state: the CpuUse column of the step running (host = user), 0
  /// while the CPU is idle.
  enum class CpuWaveState : uint32_t { idle = 0, user = 1, kernel = 2, interruption = 3, guest = 4 };
  /// Guest vCPUs traced (cpu.vcpuK.*, K = 0..vcpu_wave_slots() - 1): the first vCPUs to run a
  /// step while tracing get a slot each, in that order.  Guests and their -smp are known only
  /// when QEMU starts during the run, when SystemC no longer allows new signals, so trace()
  /// makes the slots before the simulation starts: as many as set_vcpu_wave_slots asked for
  /// (`apsim run --vcd-vcpus N`), else kDefaultVcpuWaveSlots.  Why a count and not the
  /// script's -smp values: a script starts QEMU through the shell (variables, loops, virsh
  /// with a domain XML), so its vCPUs are known only by running it.
  static constexpr unsigned kDefaultVcpuWaveSlots = 8;
  /// Most slots set_vcpu_wave_slots takes: 16 guests of QEMU's 248 vCPUs (3968) fit.  Each
  /// slot is two signals the VCD writer compares at every timestep of its window, so the
  /// bound also keeps a mistyped count from slowing a traced run by orders of magnitude.
  static constexpr unsigned kMaxVcpuWaveSlots = 4096;
  /// The number of cpu.vcpuK slots trace() makes (0..kMaxVcpuWaveSlots; std::invalid_argument
  /// beyond, std::logic_error after trace()).
  void set_vcpu_wave_slots(unsigned n);
  unsigned vcpu_wave_slots() const { return vcpu_wave_slots_; }
  /// The vCPU a slot went to: guest N (the Nth SIE context, guest_names()[N - 1]), its vCPU v.
  struct VcpuWaveHolder {
    uint32_t guest;
    unsigned vcpu;
  };
  /// The slots handed out so far, slot K at [K] (slots beyond its size stayed unused).
  const std::vector<VcpuWaveHolder>& vcpu_wave_holders() const { return vcpu_wave_holders_; }
  /// vCPUs that ran a step while tracing but found every slot taken: they have no cpu.vcpuK
  /// signals (apsim run reports them: "raise --vcd-vcpus").
  uint64_t vcpus_not_traced() const { return vcpus_not_traced_; }
  /// The values of cpu.vcpuK.state: 0 in enabled wait (or the slot unused), 1 running a step in
  /// SIE, 2 being woken by KVM (vcpu_wakeup, sie_entry).  cpu.vcpuK.thread: 0 the slot unused,
  /// else 1 + the vCPU's logical thread id (N + v * 2^20 + 1: vCPU v of the Nth SIE context).
  enum class VcpuWaveState : uint32_t { waiting = 0, running = 1, waking = 2 };
  /// The names of the SIE contexts (the guests' vCPUs) in the order they were created:
  /// cpu.guest N is guest_names()[N - 1].
  std::vector<std::string> guest_names() const;

  /// Loosely-timed execution (`--mode fast`): instead of wait()ing for every cost, the CPU
  /// runs ahead of SystemC time by a local offset kept in a tlm_utils::tlm_quantumkeeper
  /// (global quantum `quantum_ps`), and synchronises (waits the offset) when
  ///   * the offset reaches the quantum and some SystemC activity is due at or before the
  ///     CPU's local time (asked at most once per quantum of the CPU's time; with nothing
  ///     due, nothing can happen before the local time and the CPU runs on),
  ///   * before an AP fabric transaction, if some SystemC activity (an adapter completing a
  ///     request, an interruption) is due at or before the CPU's local time — so the
  ///     adapter is always up to date with everything that happened before the instruction,
  ///     and a DQAP never misses a reply due before it,
  ///   * before sleeping (wait_for_interrupt), and when the software ends.
  /// Bus transactions carry the local offset as their initial delay, so the adapter sees the
  /// same absolute times as in cycle mode.  The functional behaviour and every simulated
  /// time are those of cycle mode; only the RTL mask check's cycles differ (the platform
  /// swaps it for the untimed reference).  Call before the simulation starts.
  void set_loosely_timed(bool on, uint64_t quantum_ps);
  bool loosely_timed() const { return lt_; }
  /// Wait out the local time offset (no-op in cycle mode) and forget what the CPU knew of
  /// SystemC's next activity (activity_due_by).  From the CPU thread only; call it before the
  /// CPU thread starts anything in SystemC outside an instruction (apsim-inject does).
  void sync_local_time();

  // ---- used by the contexts (sc/cpu.cpp) ----
  struct Context;
  arch::InsnOutcome execute(Context& ctx, uint16_t opcode, arch::GeneralRegisters& regs, unsigned r1, unsigned r2);
  /// Count and trace what an instruction ended with (per-code CpuStats, `cpu.pgm`).
  arch::InsnOutcome note_outcome(const arch::InsnOutcome& out);
  /// Run software step `step` of context `ctx` on the CPU complex (arch::Cpu::run_software):
  /// place it (sc/cpu_complex.h), count it, and let the clock reach its end.
  void run_software(Context& ctx, arch::SoftwareStep step);
  /// place_software's `thread` for the context's own software (run_software).
  static constexpr unsigned kOwnThread = ~0u;
  /// Book software step `step` of logical thread `thread` of context `ctx`'s software, ready
  /// at `ready_ps`, on the CPU complex; count it; return its end (arch::Cpu::place_software).
  uint64_t place_software(Context& ctx, unsigned thread, arch::SoftwareStep step, uint64_t ready_ps);
  /// arch::Cpu::deliver_interruption of context `ctx`.
  uint64_t deliver_interruption(Context& ctx, unsigned thread, uint64_t pending_ps);
  /// Most vCPUs a guest may have (QEMU's S390_MAX_CPUS; driver/qemu/machine_smp.cpp checks first).
  static constexpr unsigned kMaxVcpus = 248;
  /// SCLP configure/deconfigure of adapter `apid` for context `ctx` (arch::HostCpu).
  int sclp_configure_ap(Context& ctx, unsigned apid, bool on);

 private:
  void run();
  arch::InsnOutcome pqap(Context& ctx, arch::GeneralRegisters& regs);
  arch::InsnOutcome nqap(Context& ctx, arch::GeneralRegisters& regs, unsigned r1, unsigned r2);
  arch::InsnOutcome dqap(Context& ctx, arch::GeneralRegisters& regs, unsigned r1, unsigned r2);
  /// One AP fabric transaction for APQN `qid`; waits for its annotated delay.
  void bus_transaction(ApCommand& cmd, uint16_t qid, uint8_t* data, uint32_t len, tlm::tlm_command dir);
  arch::InsnOutcome program_interruption(uint16_t code);
  /// A guest's interpreted instruction names `apqn` outside its APCB: count it (the decode
  /// then ends the instruction with RC 0x01).  False for the host and for a permitted APQN.
  bool sie_denies(Context& ctx, arch::Apqn apqn);
  void cycles(uint64_t n);
  /// Place step `step` of CPU complex logical thread `thread` ready at `ready_ps`, accounted as
  /// a guest's (`in_guest`) or the host's; count it, trace it; return its end.
  CpuComplex::Placement book_step(uint64_t thread, arch::SoftwareStep step, uint64_t ready_ps, bool in_guest);
  /// The cpu.vcpuK slots trace() makes, the vCPUs they went to (at most vcpu_wave_slots_),
  /// and the vCPUs that found none left.
  unsigned vcpu_wave_slots_ = kDefaultVcpuWaveSlots;
  std::vector<VcpuWaveHolder> vcpu_wave_holders_;
  uint64_t vcpus_not_traced_ = 0;
  /// Place a step of guest `g` on its vCPU `v`.  `queued`: a program's thread, which waits for
  /// the vCPU and wakes it from enabled wait first (vcpu_wakeup, sie_entry); else the
  /// context's own software, placed at `ready_ps` as before the vCPUs.
  uint64_t place_on_vcpu(Context& g, unsigned v, arch::SoftwareStep step, uint64_t ready_ps, bool queued);
  /// While tracing: queue the wave changes of a step booked on host CPU `cpu` from `start_ps`
  /// to `end_ps` (steps are booked ahead of SystemC time) for drain_cpu_waves.
  void book_cpu_wave(unsigned cpu, uint64_t start_ps, uint64_t end_ps, CpuUse use, uint64_t thread);
  /// While tracing: queue wave `wave` (cpu_waves_: the host CPUs, then the vCPU slots) to take
  /// `state`/`thread` at `start_ps` and `end_state`/`end_thread` at `end_ps`.
  void book_wave(unsigned wave, uint64_t start_ps, uint64_t end_ps, uint32_t state, uint64_t thread, uint32_t end_state,
                 uint64_t end_thread);
  /// SC_METHOD on cpu_wave_event_: write the queued changes due now, wake at the next one.
  void drain_cpu_waves();
  /// Let `ps` of simulated time pass on the CPU: wait (cycle mode) or add to the local
  /// offset and sync_if_due (loosely timed).
  void advance_ps(uint64_t ps);
  /// Loosely timed, the CPU's time being `now_ps`: once the local offset passed the quantum,
  /// sync if some SystemC activity is due at or before the local time (activity_due_by).
  /// Inline: it runs after every software step and instruction.
  void sync_if_due(uint64_t now_ps) {
    if (qk_.need_sync_at(now_ps) && activity_due_by(now_ps)) qk_.sync();
  }

  MainStorage& storage_;
  const TimingTable& timing_;
  SieUnit& sie_;
  arch::QciInfo lpar_qci_;
  std::function<void(arch::HostCpu&)> software_;
  std::unique_ptr<Context> host_;
  std::vector<std::unique_ptr<Context>> guests_;
  CpuStats stats_;
  CpuComplex complex_{4};
  arch::SoftwareCostTable costs_;
  std::array<sc_core::sc_time, arch::kSoftwareStepCount> cost_time_;  ///< costs_ as sc_time
  void set_costs(const arch::SoftwareCostTable& costs);
  tlm::tlm_generic_payload gp_;      ///< reused by every bus_transaction
  /// NQAP's message and DQAP's reply on their way between storage and the AP fabric, reused by
  /// every instruction (TransferBuffer) so that a round trip does not allocate.
  std::vector<uint8_t> transfer_buf_;
  bool transfer_buf_busy_ = false;  ///< an instruction in progress holds transfer_buf_
  class TransferBuffer;
  bool lt_ = false;                  ///< loosely timed (set_loosely_timed)
  /// The quantum keeper, with need_sync() for a caller that has the CPU's time already
  /// (need_sync() asks SystemC for its time again: a library call per software step).
  struct QuantumKeeper : tlm_utils::tlm_quantumkeeper {
    bool need_sync_at(uint64_t now_ps) const { return now_ps >= m_next_sync_point.value(); }
    /// get_current_time() in ps without its library call (sc/sim_time.h).
    uint64_t now_ps() const { return sim_now_ps() + m_local_time.value(); }
  };
  QuantumKeeper qk_;  ///< the local time offset in loosely-timed mode
  /// Loosely timed (activity_due_by): SystemC's next pending activity (absolute ps, ~0 for
  /// none), as the kernel answered in delta cycle next_activity_delta_; valid while
  /// next_activity_known_ and no other delta cycle ran.
  uint64_t next_activity_ps_ = 0;
  uint64_t next_activity_delta_ = 0;
  bool next_activity_known_ = false;
  /// Whether anything in SystemC is due at or before the CPU's time `now_ps` (ps); asks the
  /// kernel (ask_next_activity) only when its last answer may be stale (sc/cpu.cpp says when).
  bool activity_due_by(uint64_t now_ps) {
    if (!next_activity_known_ || sc_core::sc_delta_count() != next_activity_delta_) ask_next_activity();
    return now_ps >= next_activity_ps_;
  }
  void ask_next_activity();
  /// After the CPU thread may have started something in SystemC (an instruction's bus
  /// transaction or SIE calls, KVM's SIE calls, sync_local_time's callers).
  void forget_next_activity() { next_activity_known_ = false; }

  bool tracing_ = false;
  sc_core::sc_signal<uint32_t> sig_opcode_{"opcode"};
  sc_core::sc_signal<uint32_t> sig_apqn_{"apqn"};
  sc_core::sc_signal<uint32_t> sig_rc_{"rc"};
  sc_core::sc_signal<bool> sig_guest_{"in_sie"};
  sc_core::sc_signal<uint32_t> sig_guest_id_{"guest"};
  /// Program-interruption code of the last AP instruction, 0 = none.
  sc_core::sc_signal<uint32_t> sig_pgm_{"pgm"};
  /// Per host CPU: cpu.cpuI.state and cpu.cpuI.thread (trace()); created only while tracing.
  struct CpuWave {
    sc_core::sc_signal<uint32_t> state;
    sc_core::sc_signal<uint64_t> thread;
    explicit CpuWave(const std::string& name);
  };
  std::vector<std::unique_ptr<CpuWave>> cpu_waves_;
  /// A pending value change of one host CPU's signals.
  struct CpuWaveChange {
    unsigned cpu;
    uint32_t state;
    uint64_t thread;
  };
  /// Pending changes by time (ps); equal times keep booking order, so a step starting as the
  /// previous one ends on the same CPU overwrites its idle in the same delta.
  std::multimap<uint64_t, CpuWaveChange> cpu_wave_changes_;
  sc_core::sc_event cpu_wave_event_;
};

}  // namespace apsim::sc
