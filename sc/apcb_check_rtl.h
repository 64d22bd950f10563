// sc/apcb_check_rtl.h — the Verilated rtl/apcb_check.sv as an sc_module and ApcbChecker.
//
// Source: ap-facility-spec.md §3.1/§3.2 (see sc/apcb_check.h for the registers and the
// decision).
//
// The RTL is Verilated in C++ mode (--cc, library apsim_rtl) and owned by this module.  No
// sc_clock and no process of its own: load(), commit() and check() — called from the
// requesting SC_THREAD, e.g. the CPU in SIE mode — drive the ports, toggle clk through eval()
// and wait() one clock period of simulated time per cycle, so nothing runs while the checker
// is idle.  Costs (rtl/apcb_check.sv): load 1 cycle, commit 1 cycle, check kLatencyCycles = 2
// (stage 1 registers the request and selects the mask bits of the active APCB, stage 2
// combines them into the decision).  Ports: ctx 2 bits, fmt 2, apid/apqi/cdom 8, load data
// 64, allow/cdom_allow/rsp_valid 1, reason 2.
//
// One operation is in flight at a time; concurrent callers queue (in call order of wake-up)
// and the time spent queued is simulated time but not counted in the returned cycles.
//
// Tracing: trace(tf), before sc_start, adds the RTL's ports, stage registers and the active
// formats of all contexts to the platform's SystemC trace file as sc_signals named
// `<module>.clk`, `<module>.s1_valid`, … (e.g. `sie.apcb_check.allow`).  Only then do the
// operations spend half a period per clock level and update the signals after every eval;
// untraced, they evaluate both edges of all cycles back to back and wait once for the whole
// operation (same simulated time, same result).
#pragma once

#include <cstdint>
#include <memory>
#include <systemc>

#include "sc/apcb_check.h"

namespace apsim::sc {

class ApcbCheckRtl : public sc_core::sc_module, public ApcbChecker {
 public:
  /// Pipeline latency of rtl/apcb_check.sv: request to decision, in clock cycles.
  static constexpr uint32_t kLatencyCycles = 2;
  /// Cycles of one load() or commit().
  static constexpr uint32_t kLoadCycles = 1;
  static constexpr uint32_t kCommitCycles = 1;

  /// `clock_period`: the clock the RTL runs at (DESIGN.md: the CPU clock in cycle mode).
  /// The RTL is reset here (no simulated time is spent on it): every context holds no APCB.
  ApcbCheckRtl(const sc_core::sc_module_name& name, const sc_core::sc_time& clock_period);
  ~ApcbCheckRtl() override;

  /// Must be called from an SC_THREAD (they wait()); simulated time advances by the returned
  /// cycles x clock period (plus any time queued behind another caller).
  uint32_t load(unsigned ctx, ApcbLoadSel sel, unsigned word, uint64_t data) override;
  uint32_t commit(unsigned ctx) override;
  ApcbCheckResult check(const ApcbCheckRequest& req) override;
  /// The active APCB of `ctx`, read from the Verilated registers (a debug read, no time).
  Apcb active(unsigned ctx) const override;

  /// Make the RTL visible in `tf` (a SystemC trace file, e.g. the platform's VCD).  Call
  /// before the simulation starts.  Overrides sc_object::trace.
  void trace(sc_core::sc_trace_file* tf) const override;

  const sc_core::sc_time& clock_period() const;
  uint64_t checks() const;  ///< checks done so far
  uint64_t cycles() const;  ///< RTL clock cycles spent so far (loads, commits, checks)

  const char* kind() const override { return "apsim::sc::ApcbCheckRtl"; }

 private:
  struct Impl;  // the Verilated model and the trace signals (keeps V*.h out of this header)
  std::unique_ptr<Impl> impl_;
};

}  // namespace apsim::sc
