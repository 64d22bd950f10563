// testbench/apsim/vcd_options.h — `apsim run --vcd-from T --vcd-to T --vcd-scope P,...`:
// the window and the scope filter of the VCD (sc/vcd_writer.h), checked before anything runs.
#pragma once

#include <cstdint>
#include <string>

#include "sc/vcd_writer.h"

namespace apsim::tb {

/// A simulated time with its unit: a decimal number and one of ps, ns, us, ms, s ("1.5ms",
/// "200us", "10ns", "123ps"; "0" alone is 0).  A number without a unit is refused: VCD
/// timestamps count ps while apsim-inject --after reads a bare number as µs, so a bare number
/// would mean one thing here and another there.  The value must be a whole number of ps, at
/// most the end of the run's clock (sc/timing.h kSimulatedTimeEndPs).  "" or why not.
std::string parse_sim_time(const std::string& text, uint64_t& ps);

/// The VCD options of `apsim run` (each "" = not given) into `out`; "" or the error, naming
/// the option: "--vcd-from 5: ..." (see parse_sim_time), "--vcd-to 1ms: not after --vcd-from
/// 2ms", "--vcd-scope: empty pattern in 'a,,b'", "--vcd-from: only with --vcd".
std::string parse_vcd_options(bool vcd, const std::string& from, const std::string& to, const std::string& scope,
                              sc::VcdOptions& out);

/// `--vcd-vcpus N` (`given` false: `slots` keeps its default) into `slots`: a decimal count
/// of cpu.vcpuK slots, 0..CpuModel::kMaxVcpuWaveSlots.  "" or the error, naming the option:
/// "--vcd-vcpus: only with --vcd", "--vcd-vcpus 12x: not a number of vCPU slots (0 to 4096)",
/// "--vcd-vcpus 5000: more than 4096 slots ...".
std::string parse_vcd_vcpus(bool vcd, bool given, const std::string& text, unsigned& slots);

}  // namespace apsim::tb
