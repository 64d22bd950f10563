// sc/apcb_check_rtl.h — the Verilated rtl/apcb_check.sv as an sc_module and ApcbChecker.
//
// Source: ap-facility-spec.md §3.1/§3.2 (see sc/apcb_check.h for the decision itself).
//
// The RTL is Verilated in C++ mode (--cc, library apsim_rtl) and owned by this module.  No
// sc_clock and no process of its own: check() — called from the requesting SC_THREAD, e.g.
// the CPU in SIE mode — drives the request ports, toggles clk through eval() until the RTL
// answers, and wait()s one clock period of simulated time per cycle, so the check costs
// kLatencyCycles x clock period of simulated time and nothing runs while the checker is idle.
//
// Pipeline (rtl/apcb_check.sv): stage 1 registers the request and selects the mask bits,
// stage 2 combines them into the decision: latency 2 cycles.  Ports: fmt 2 bits, apid/apqi/
// cdom 8 bits, mask words 64 bits each, allow/cdom_allow/rsp_valid 1 bit, reason 2 bits.
//
// One request is in flight at a time; concurrent callers queue (in call order of wake-up)
// and the time spent queued is simulated time but not counted in `cycles`.
//
// Tracing: trace(tf), before sc_start, adds the RTL's ports and stage registers to the
// platform's SystemC trace file as sc_signals named `<module>.clk`, `<module>.s1_valid`, …
// (e.g. `sie.apcb_check.allow`).  Only then does check() spend half a period per clock level
// and update the signals after every eval; untraced, it evaluates both edges of all cycles
// back to back and waits once for the whole latency (same simulated time, same result).
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

  /// `clock_period`: the clock the RTL runs at (DESIGN.md: the CPU clock in cycle mode).
  /// The RTL is reset here (no simulated time is spent on it).
  ApcbCheckRtl(const sc_core::sc_module_name& name, const sc_core::sc_time& clock_period);
  ~ApcbCheckRtl() override;

  /// One check through the RTL.  Must be called from an SC_THREAD (it wait()s);
  /// result.cycles == kLatencyCycles, simulated time advances by cycles x clock period.
  ApcbCheckResult check(const ApcbCheckRequest& req) override;

  /// Make the RTL visible in `tf` (a SystemC trace file, e.g. the platform's VCD).  Call
  /// before the simulation starts.  Overrides sc_object::trace.
  void trace(sc_core::sc_trace_file* tf) const override;

  const sc_core::sc_time& clock_period() const;
  uint64_t checks() const;  ///< checks done so far
  uint64_t cycles() const;  ///< RTL clock cycles spent so far

  const char* kind() const override { return "apsim::sc::ApcbCheckRtl"; }

 private:
  struct Impl;  // the Verilated model and the trace signals (keeps V*.h out of this header)
  std::unique_ptr<Impl> impl_;
};

}  // namespace apsim::sc
