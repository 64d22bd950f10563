// sc/wave_layout.h — a GTKWave save file (.gtkw) for the VCD of one run, laid out for the
// LPAR at hand: the CPU (host and the guests it ran under SIE), the SIE unit and, in cycle
// mode, the Verilated APCB check, the AP fabric, and every adapter of the configuration with
// the queues traced on request.  Enumerated signals get GTKWave translate filter files (one
// "VALUE NAME" per line, VALUE as GTKWave shows the signal in hex: 8 digits for 32 bits),
// written beside the layout and named in it by absolute path ("^N PATH" before the trace):
//
//   STEM.opcode.txt    cpu.opcode        0 -, B2AF PQAP, B2AD NQAP, B2AE DQAP
//   STEM.guest.txt     cpu.guest         0 host, N the Nth guest vCPU (its QEMU -name)
//   STEM.rc.txt        cpu.rc            the AP response codes (arch/ap_registers.h)
//   STEM.pgm.txt       cpu.pgm           the program-interruption codes
//   STEM.sie-state.txt sie.state         SieUnit::State
//   STEM.function.txt  ap_fabric.function  0 idle, 1 + ApFunction (sc/ap_fabric.h)
//   STEM.cpu-state.txt cpu.cpuN.state    CpuModel::CpuWaveState (0 idle, 1 user, 2 kernel,
//                                        3 interruption, 4 guest in SIE)
//   STEM.vcpu-state.txt cpu.vcpuK.state  CpuModel::VcpuWaveState (0 enabled wait, 1 running in
//                                        SIE, 2 being woken by KVM)
//
// Each guest vCPU slot (cpu.vcpuK, apsim run --vcd-vcpus) is a group of its own, headed by the
// vCPU it went to ("cpu.vcpu3: guest1 vCPU 2") or "unused".
//
// where STEM is the layout's path without ".gtkw".  The layout is written after the run, when
// the guests are known.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace apsim::sc {

class Platform;

struct WaveLayout {
  std::string vcd;               ///< the VCD, as written
  std::string gtkw;              ///< the layout to write
  std::string title;             ///< first comment line (what ran)
  std::vector<uint16_t> queues;  ///< APQNs traced per queue (Platform::open_vcd)
};

/// The layout's path for a VCD: its extension (the last ".xxx" of the file name) replaced by
/// ".gtkw", or ".gtkw" appended when it has none.
std::string wave_layout_path(const std::string& vcd);
/// The filter files write_wave_layout writes for a layout at `gtkw`.
std::vector<std::string> wave_filter_paths(const std::string& gtkw);
/// Whether the VCD of `p` has some guest vCPU slot (cpu.vcpuK.state or .thread): not with
/// apsim run --vcd-vcpus 0, nor with a --vcd-scope that keeps none, nor without a VCD.
bool vcpu_slots_in_vcd(Platform& p);
/// Write the layout and its filter files; "" or "PATH: REASON".
std::string write_wave_layout(Platform& p, const WaveLayout& w);

}  // namespace apsim::sc
