// sc/timing.h — the one timing table of the hardware models.
//
// Every latency is stated in cycles of a named clock, and every clock by its period in
// picoseconds.  No public source gives the machine's internal latencies; each default below
// carries the reasoning behind it.  All of them can be overridden from the LPAR config's
// "timing" object (field names = member names).  Firmware service times (the cost of the
// cryptographic operation itself) live in firmware/service_time.h.
#pragma once

#include <cstdint>
#include <string>

namespace apsim::sc {

struct TimingTable {
  // ---- clocks (period in ps) ----
  /// CPU clock: 192 ps ≈ 5.2 GHz, the z15/z16 processor frequency.
  uint64_t cpu_clock_ps = 192;
  /// AP bus clock: 1 GHz.  Modeling choice: the AP bus sits behind the PCIe adapter link.
  uint64_t ap_bus_clock_ps = 1000;
  /// Adapter clock: 1 GHz.  Modeling choice for the CEX card's own control logic.
  uint64_t adapter_clock_ps = 1000;

  // ---- CPU (millicode) costs, cpu_clock cycles ----
  /// Decode and dispatch of any AP instruction (millicode entry/exit).
  uint64_t insn_base_cycles = 60;
  /// One access to main storage (CRYCB word, QCI block line): an L2-hit-like latency.
  uint64_t storage_access_cycles = 12;
  /// Moving a message between storage and the AP bus: cycles per 256 bytes.
  uint64_t move_cycles_per_256b = 16;
  /// SIE intercept round trip: SIE exit, KVM/vfio_ap handler entry, SIE re-entry.  Order of
  /// magnitude of a KVM exit on s390 (a few µs); a parameter so that interpreted and
  /// intercepted execution can be compared.
  uint64_t intercept_cycles = 10000;

  // ---- AP bus, ap_bus_clock cycles ----
  /// Arbitration and address phase of one AP bus transaction.
  uint64_t bus_request_cycles = 20;
  /// Data phase: cycles per 16 bytes of message transferred.
  uint64_t bus_cycles_per_16b = 1;

  // ---- adapter, adapter_clock cycles ----
  /// Accepting an NQAP (queue lookup, slot allocation) or answering a DQAP/TAPQ.
  uint64_t adapter_queue_op_cycles = 40;
  /// Duration of RAPQ/ZAPQ (asynchronous reset; RC 0x02 while it runs).
  uint64_t adapter_reset_cycles = 200000;
  /// Time until an AQIC enable or disable takes effect (spec §1.6: "Enabling is
  /// asynchronous"; Linux waits in SETIRQ_WAIT and kvm-unit-tests polls TAPQ until the status
  /// word's irq_enabled flips).  While it runs TAPQ shows the old irq_enabled and a further
  /// AQIC answers RC 0x05 (busy).  10 µs: modeling choice, shorter than any poll interval of
  /// the software (Linux 250 µs, kvm-unit-tests 20 ms) so that one poll sees it done.
  uint64_t adapter_aqic_cycles = 10000;

  // ---- SCLP, cpu_clock cycles ----
  /// One SCLP "configure/deconfigure AP" command (the card's sysfs `config`): an SCLP service
  /// call round trip through the service element.  ~1 ms at 5.2 GHz, modeling choice (SCLP
  /// commands complete in milliseconds; no public figure for this one).
  uint64_t sclp_ap_config_cycles = 5200000;
};

}  // namespace apsim::sc
