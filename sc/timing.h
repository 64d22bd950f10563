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
#include <string>
#include <string_view>

namespace apsim::sc {

/// Largest value a timing parameter may take: 2^40 (ps or cycles).
inline constexpr uint64_t kTimingMax = uint64_t{1} << 40;

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

/// Calls f(const TimingParameter&) for each parameter, in declaration order.
template <class F>
void for_each_timing_parameter(F&& f) {
  for (const TimingParameter& p : kTimingParameters) f(p);
}

}  // namespace apsim::sc
