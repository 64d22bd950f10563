// testbench/apsim/cpu_report.h — `apsim run --stats`: the software cost table in force and the
// CPU complex's utilisation (sc/cpu_complex.h, docs/cpu-complex.md).
#pragma once

#include <cstdint>
#include <iosfwd>

#include "sc/cpu.h"

namespace apsim::tb {

/// Print, each line prefixed "apsim: ", the software cost table in force (per step: its cost
/// in ns, "default" or "set" by the LPAR config, how often it ran and the time it took in
/// all), then the CPU complex: per host CPU its busy share of `elapsed_ps` split
/// host/guest/kernel/interruption, and the time steps waited for a CPU.
void print_cpu_complex_stats(const sc::CpuModel& cpu, uint64_t elapsed_ps, std::ostream& err);

}  // namespace apsim::tb
