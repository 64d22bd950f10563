// sc/cpu.h — the CPU model: executes AP instructions for the host and for SIE guests.
//
// One SC_THREAD runs the software (the driver stack and the scenario shell) from start to
// end; every AP instruction it executes decodes its registers, reads and writes main
// storage, goes through the SIE unit when a guest executes it, crosses the AP bus to an
// adapter, and costs the simulated time of each of those steps (sc/timing.h).  Contexts:
//   * the host context (the LPAR's Linux), an arch::HostCpu;
//   * one SIE context per guest vCPU, described by a state description in host storage.
// Program interruptions (ap-facility-spec.md §1, §3.3): operation (no AP facility),
// specification (reserved GR0 bits, unknown PQAP function, T bit without APFT, odd R1/R2,
// zero length, misaligned QCI block), addressing (operand outside the context's storage).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "arch/ap_instructions.h"
#include "arch/qci.h"
#include "sc/ap_bus_protocol.h"
#include "sc/cex_adapter.h"
#include "sc/main_storage.h"
#include "sc/sie.h"
#include "sc/timing.h"

namespace apsim::sc {

class CpuModel;

/// Counters of what the CPU executed (reported by `apsim run --stats`, used by tests).
struct CpuStats {
  uint64_t instructions = 0;
  uint64_t program_interruptions = 0;
  uint64_t intercepts = 0;
  uint64_t sie_denied = 0;
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
  /// Thread stack for the software (the driver stack and the shell run on it), bytes.
  static constexpr size_t kSoftwareStackBytes = 64u << 20;

  void adapter_interrupt(const arch::AqicControl& ctl) override;
  void trace(sc_core::sc_trace_file* tf);

  // ---- used by the contexts (sc/cpu.cpp) ----
  struct Context;
  arch::InsnOutcome execute(Context& ctx, uint16_t opcode, arch::GeneralRegisters& regs, unsigned r1, unsigned r2);

 private:
  void run();
  arch::InsnOutcome pqap(Context& ctx, arch::GeneralRegisters& regs);
  arch::InsnOutcome nqap(Context& ctx, arch::GeneralRegisters& regs, unsigned r1, unsigned r2);
  arch::InsnOutcome dqap(Context& ctx, arch::GeneralRegisters& regs, unsigned r1, unsigned r2);
  /// One AP bus transaction for APQN `qid`; waits for its annotated delay.
  void bus_transaction(ApCommand& cmd, uint16_t qid, uint8_t* data, uint32_t len, tlm::tlm_command dir);
  arch::InsnOutcome program_interruption(uint16_t code);
  void cycles(uint64_t n);

  MainStorage& storage_;
  const TimingTable& timing_;
  SieUnit& sie_;
  arch::QciInfo lpar_qci_;
  std::function<void(arch::HostCpu&)> software_;
  std::unique_ptr<Context> host_;
  std::vector<std::unique_ptr<Context>> guests_;
  CpuStats stats_;

  bool tracing_ = false;
  sc_core::sc_signal<uint32_t> sig_opcode_{"opcode"};
  sc_core::sc_signal<uint32_t> sig_apqn_{"apqn"};
  sc_core::sc_signal<uint32_t> sig_rc_{"rc"};
  sc_core::sc_signal<bool> sig_guest_{"in_sie"};
};

}  // namespace apsim::sc
