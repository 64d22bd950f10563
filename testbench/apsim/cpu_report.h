// testbench/apsim/cpu_report.h — `apsim run --stats`: the software cost table in force and the
// CPU complex's utilisation (sc/cpu_complex.h, docs/cpu-complex.md); `apsim run --vcd`: the
// guest vCPUs the VCD has no slot for.
#pragma once

#include <cstdint>
#include <iosfwd>

#include "sc/cpu.h"
#include "sc/platform.h"

namespace apsim::tb {

/// Print, each line prefixed "apsim: ", the software cost table in force (per step: its cost
/// in ns, "default" or "set" by the LPAR config, how often it ran and the time it took in
/// all), then the CPU complex: per host CPU its busy share of `elapsed_ps` split
/// host/guest/kernel/interruption, and the time steps waited for a CPU.
void print_cpu_complex_stats(const sc::CpuModel& cpu, uint64_t elapsed_ps, std::ostream& err);

/// After a traced run: if vCPUs found every cpu.vcpuK slot taken (CpuModel::vcpus_not_traced)
/// while the VCD kept some slot (--vcd-scope may leave them all out, --vcd-vcpus 0 makes
/// none: then nobody asked for vCPUs), say so on one line, "apsim: --vcd: N vCPUs not traced
/// (...): raise --vcd-vcpus", instead of leaving them silently out of the waves.
void report_untraced_vcpus(sc::Platform& platform, std::ostream& err);

}  // namespace apsim::tb
