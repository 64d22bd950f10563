// sc/timing.h — the one timing table of the hardware models.
//
// Every latency is stated in cycles of a named clock, and every clock by its period in
// picoseconds.  No public source gives the machine's internal latencies; each default below
// carries the reasoning behind it.  All of them can be overridden from the LPAR config's
// "timing" object (field names = member names).  Firmware service times (the cost of the
// cryptographic operation itself) live in firmware/service_time.h.
//
// Each parameter is declared once, in APSIM_TIMING_PARAMETERS below: its name, default,
// unit, allowed range and reasoning.  From that one list come the TimingTable members, the
// LPAR config's "timing" overrides (sc/lpar_config.cpp), the sweep's timing.<member>
// validation (testbench/apsim/sweep_command.cpp) and the parameter listing
// (kTimingParameters, for_each_timing_parameter).
#pragma once

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

#include "arch/ap_registers.h"

namespace apsim::sc {

// ---- what a run can simulate ---------------------------------------------------------------
// SystemC counts time in a uint64_t of its resolution, 1 ps here: its clock ends at 2^64 ps
// (213 days), and past it sc_time wraps without a word.  apsim ends a run's time at 2^63 ps,
// so that "now + any one step" is still exact in uint64_t arithmetic and positive where a
// time is converted to int64_t.  A timing table is accepted only if every step it defines
// lasts at most kTimingStepMaxPs = 2^40 ps (about 1.1 s): a latency parameter times its
// clock's period, and for the per-bytes parameters over the largest message
// (arch::kApMaxMessageBytes).  One AP instruction is at most a dozen such steps (decode,
// storage accesses, the message moved, the fabric's request and data phases, the adapter's
// queue operation, an intercept), below 2^44 ps, so a run reaches kSimulatedTimeEndPs only
// after more than 2^19 (half a million) instructions of the slowest table — or by sleeping
// for months.  Then the CPU stops the run with SimulatedTimeExhausted (sc/cpu.cpp), never a
// wrap or a silent stop.  (Before issue 15 each parameter alone could be 2^40: 2^40 cycles of
// a 2^40 ps clock wrapped to nothing, and a run slept into the end of SystemC's time.)

/// Largest value a timing parameter may take: 2^40 (ps or cycles).
inline constexpr uint64_t kTimingMax = uint64_t{1} << 40;
/// Longest one timed step of the hardware may last, in ps: 2^40 ps ≈ 1.1 s (see above).
inline constexpr uint64_t kTimingStepMaxPs = uint64_t{1} << 40;
/// The end of a run's simulated time, in ps: 2^63 ps ≈ 106.75 days (see above).
inline constexpr uint64_t kSimulatedTimeEndPs = uint64_t{1} << 63;

/// The run would let simulated time pass kSimulatedTimeEndPs (thrown by the CPU model when
/// software waits or an instruction's cost would cross it).  what() says when and by how much.
class SimulatedTimeExhausted : public std::runtime_error {
 public:
  SimulatedTimeExhausted(uint64_t now_ps, uint64_t step_ps) : std::runtime_error(message(now_ps, step_ps)) {}

 private:
  static std::string message(uint64_t now_ps, uint64_t step_ps) {
    char b[320];
    std::snprintf(b, sizeof b,
                  "simulated time ran out: at %.6g s a step of %.6g s would pass the end of the run's clock, 2^63 ps "
                  "(%.2f days; sc/timing.h)",
                  static_cast<double>(now_ps) * 1e-12, static_cast<double>(step_ps) * 1e-12,
                  static_cast<double>(kSimulatedTimeEndPs) * 1e-12 / 86400);
    return b;
  }
};

// X(name, default, unit, min, max, reason): one row per parameter.  `unit` names the clock a
// latency counts in ("ps" for a clock's own period); a clock's period is at least 1 ps.  The
// AP fabric's parameters keep the names they had when it was called the AP bus
// (ap_bus_clock_ps, bus_*): LPAR configs and sweep specs use them.
// clang-format off
#define APSIM_TIMING_PARAMETERS(X)                                                                     \
  /* ---- clocks (period in ps) ---- */                                                                \
  X(cpu_clock_ps, 192, "ps", 1, kTimingMax,                                                            \
    "CPU clock: 192 ps ≈ 5.2 GHz, the z15/z16 processor frequency.")                                   \
  X(ap_bus_clock_ps, 1000, "ps", 1, kTimingMax,                                                        \
    "AP fabric clock: 1 GHz.  Modeling choice: the AP fabric sits behind the PCIe adapter link.")      \
  X(adapter_clock_ps, 1000, "ps", 1, kTimingMax,                                                       \
    "Adapter clock: 1 GHz.  Modeling choice for the CEX card's own control logic.")                    \
                                                                                                       \
  /* ---- CPU (millicode) costs, cpu_clock cycles ---- */                                              \
  X(insn_base_cycles, 60, "cpu_clock cycles", 0, kTimingMax,                                           \
    "Decode and dispatch of any AP instruction (millicode entry/exit).")                               \
  X(storage_access_cycles, 12, "cpu_clock cycles", 0, kTimingMax,                                      \
    "One access to main storage (CRYCB word, QCI block line): an L2-hit-like latency.")                \
  X(move_cycles_per_256b, 16, "cpu_clock cycles per 256 bytes", 0, kTimingMax,                         \
    "Moving a message between storage and the AP fabric: cycles per 256 bytes.")                       \
  X(intercept_cycles, 10000, "cpu_clock cycles", 0, kTimingMax,                                        \
    "SIE intercept round trip: SIE exit, KVM/vfio_ap handler entry, SIE re-entry.  Order of "          \
    "magnitude of a KVM exit on s390 (a few µs); a parameter so that interpreted and intercepted "     \
    "execution can be compared.")                                                                      \
                                                                                                       \
  /* ---- AP fabric (sc/ap_fabric.h), ap_bus_clock cycles ---- */                                      \
  X(bus_request_cycles, 20, "ap_bus_clock cycles", 0, kTimingMax,                                      \
    "Arbitration and address phase of one AP fabric transaction.")                                     \
  X(bus_cycles_per_16b, 1, "ap_bus_clock cycles per 16 bytes", 0, kTimingMax,                          \
    "Data phase: cycles per 16 bytes of message transferred.")                                         \
                                                                                                       \
  /* ---- adapter, adapter_clock cycles ---- */                                                        \
  X(adapter_queue_op_cycles, 40, "adapter_clock cycles", 0, kTimingMax,                                \
    "Accepting an NQAP (queue lookup, slot allocation) or answering a DQAP/TAPQ.")                     \
  X(adapter_reset_cycles, 200000, "adapter_clock cycles", 0, kTimingMax,                               \
    "Duration of RAPQ/ZAPQ (asynchronous reset; RC 0x02 while it runs).")                              \
  X(adapter_aqic_cycles, 10000, "adapter_clock cycles", 0, kTimingMax,                                 \
    "Time until an AQIC enable or disable takes effect (spec §1.6: \"Enabling is asynchronous\"; "     \
    "Linux waits in SETIRQ_WAIT and kvm-unit-tests polls TAPQ until the status word's irq_enabled "    \
    "flips).  While it runs TAPQ shows the old irq_enabled and a further AQIC answers RC 0x05 "        \
    "(busy).  10 µs: modeling choice, shorter than any poll interval of the software (Linux "          \
    "250 µs, kvm-unit-tests 20 ms) so that one poll sees it done.")                                    \
                                                                                                       \
  /* ---- SCLP, cpu_clock cycles ---- */                                                               \
  X(sclp_ap_config_cycles, 5200000, "cpu_clock cycles", 0, kTimingMax,                                 \
    "One SCLP \"configure/deconfigure AP\" command (the card's sysfs `config`): an SCLP service "      \
    "call round trip through the service element.  ~1 ms at 5.2 GHz, modeling choice (SCLP "           \
    "commands complete in milliseconds; no public figure for this one).")
// clang-format on

/// The timing parameters, one member each (see APSIM_TIMING_PARAMETERS for each one's unit
/// and reasoning).
struct TimingTable {
#define APSIM_TIMING_MEMBER(name, def, unit, min, max, reason) uint64_t name = def;
  APSIM_TIMING_PARAMETERS(APSIM_TIMING_MEMBER)
#undef APSIM_TIMING_MEMBER
};

/// One row of the parameter listing: what APSIM_TIMING_PARAMETERS declares, and the member
/// it declares.
struct TimingParameter {
  const char* name;        ///< the member's name = the LPAR config's "timing" field
  uint64_t default_value;  ///< in `unit`
  const char* unit;        ///< "ps" (a clock's period) or "<clock> cycles[ per N bytes]"
  uint64_t min, max;       ///< the range an override may take
  const char* reason;      ///< the source of the default, or the reasoning behind it
  uint64_t TimingTable::*member;
};

/// Every timing parameter, in declaration order.
inline constexpr TimingParameter kTimingParameters[] = {
#define APSIM_TIMING_ROW(name, def, unit, min, max, reason) {#name, def, unit, min, max, reason, &TimingTable::name},
    APSIM_TIMING_PARAMETERS(APSIM_TIMING_ROW)
#undef APSIM_TIMING_ROW
};

/// The parameter called `name`, or nullptr if there is none.
inline const TimingParameter* find_timing_parameter(std::string_view name) {
  for (const TimingParameter& p : kTimingParameters)
    if (name == p.name) return &p;
  return nullptr;
}

/// The clock whose cycles `p` counts (cpu_clock_ps for "cpu_clock cycles ..."), or nullptr
/// for a clock itself (unit "ps").
inline const TimingParameter* clock_of(const TimingParameter& p) {
  const std::string_view unit = p.unit;
  const size_t sp = unit.find(' ');
  if (sp == std::string_view::npos) return nullptr;
  return find_timing_parameter(std::string(unit.substr(0, sp)) + "_ps");
}

/// How many of `p`'s units the longest step has: for "... per N bytes" the N-byte units of
/// the largest message (arch::kApMaxMessageBytes), else 1.
inline uint64_t units_in_longest_step(const TimingParameter& p) {
  const std::string_view unit = p.unit;
  const size_t per = unit.find(" per ");
  if (per == std::string_view::npos) return 1;
  const uint64_t n = std::strtoull(std::string(unit.substr(per + 5)).c_str(), nullptr, 10);
  return n ? (arch::kApMaxMessageBytes + n - 1) / n : 1;
}

/// The longest step `p` yields in table `t`, in ps, saturated at UINT64_MAX.
inline uint64_t longest_step_ps(const TimingTable& t, const TimingParameter& p) {
  const TimingParameter* clock = clock_of(p);
  const unsigned __int128 ps = static_cast<unsigned __int128>(t.*(p.member)) * units_in_longest_step(p) *
                               (clock ? t.*(clock->member) : 1);
  return ps > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(ps);
}

/// The first parameter of `t` whose longest step exceeds kTimingStepMaxPs, or nullptr; `why`
/// gets the reason ("2^40 adapter_clock cycles of 1000 ps = ... ps, more than ...").
inline const TimingParameter* timing_step_too_long(const TimingTable& t, std::string& why) {
  for (const TimingParameter& p : kTimingParameters) {
    const uint64_t ps = longest_step_ps(t, p);
    if (ps <= kTimingStepMaxPs) continue;
    const TimingParameter* clock = clock_of(p);  // non-null: a clock alone is at most kTimingMax
    const uint64_t units = units_in_longest_step(p), period = clock ? t.*(clock->member) : 1;
    char b[400];
    std::snprintf(b, sizeof b, "%llu %s%s at %llu ps a cycle = %.4g ps, more than the 2^40 ps (about 1.1 s) one step may last (sc/timing.h)",
                  static_cast<unsigned long long>(t.*(p.member)), p.unit,
                  units > 1 ? (" (x " + std::to_string(units) + " in the largest message)").c_str() : "",
                  static_cast<unsigned long long>(period),
                  static_cast<double>(t.*(p.member)) * static_cast<double>(units) * static_cast<double>(period));
    why = b;
    return &p;
  }
  return nullptr;
}

/// Calls f(const TimingParameter&) for each parameter, in declaration order.
template <class F>
void for_each_timing_parameter(F&& f) {
  for (const TimingParameter& p : kTimingParameters) f(p);
}

}  // namespace apsim::sc
