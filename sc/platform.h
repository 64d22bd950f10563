// sc/platform.h — one simulated LPAR: storage, CPU with its SIE unit and the Verilated
// APCB check, the AP fabric and the CEX adapters of the LPAR config.
//
// Elaborates once (SystemC allows one elaboration per process).  `--mode cycle` puts the
// Verilated RTL mask check in the SIE path and the CPU waits for every cost; `--mode fast`
// puts the C++ reference check (sc/apcb_check.h; same decisions, no RTL cycles) there and
// runs the CPU loosely timed with a quantum keeper (CpuModel::set_loosely_timed; quantum =
// LparConfig::quantum_ps).  Both modes give the same functional transcript; simulated times
// differ only by the RTL check's cycles (2 CPU cycles per guest instruction checked, and 1
// per APCB word loaded and per commit when SIE loads a guest's APCB, sc/sie.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "firmware/service_time.h"
#include "sc/ap_fabric.h"
#include "sc/ap_probe.h"
#include "sc/ap_watch.h"
#include "sc/apcb_check.h"
#include "sc/cex_adapter.h"
#include "sc/cpu.h"
#include "sc/hmc.h"
#include "sc/lpar_config.h"
#include "sc/main_storage.h"
#include "sc/sie.h"
#include "sc/vcd_writer.h"

namespace apsim::sc {

enum class SimMode { cycle, fast };

class Platform {
 public:
  Platform(const LparConfig& cfg, SimMode mode);
  ~Platform();

  /// Write a VCD of the hardware signals to `path`, exactly that name (sc/vcd_writer.h: the
  /// window and the scope filter of `options`).  `queues` (APQN = APID << 8 | APQI) adds each
  /// queue's occupancy (CexAdapter::trace_queue).  Call before run().  "" or why not: a
  /// scope pattern that keeps no signal ("'card07.*' matches no signal (the signals are under ap_fabric, ...)"; no file is
  /// created then), or "PATH: REASON" when the file cannot be created.
  std::string open_vcd(const std::string& path, const std::vector<uint16_t>& queues = {},
                       const VcdOptions& options = {});
  /// The VCD open_vcd opened, or nullptr.
  VcdWriter* vcd() { return vcd_.get(); }
  /// Close the VCD (its last changes and final timestamp): "" or "PATH: REASON".  The
  /// destructor closes it too, silently.
  std::string close_vcd();
  /// Run `software` on the CPU until it returns.  Returns the simulated time in ps.
  uint64_t run(std::function<void(arch::HostCpu&)> software);

  const LparConfig& config() const { return cfg_; }
  CpuModel& cpu() { return *cpu_; }
  MainStorage& storage() { return *storage_; }
  /// The adapter with APID `apid`, or nullptr.
  CexAdapter* adapter(unsigned apid);
  /// Every adapter, in the LPAR config's order.
  const std::vector<std::unique_ptr<CexAdapter>>& adapters() const { return adapters_; }
  /// The firmware's service-time table (scale, ME model) the adapters share.
  const firmware::ServiceTimeTable& service_times() const { return service_; }
  /// The HMC: dynamic changes of the LPAR's crypto configuration (sc/hmc.h).
  Hmc& hmc() { return *hmc_; }
  /// Every adapter reports each dequeued request to `probe` (sc/ap_probe.h); nullptr: none.
  void set_probe(ApProbe* probe);
  /// Every adapter reports each instruction that reaches a queue and each interruption to
  /// `watch` (sc/ap_watch.h); nullptr: none.
  void set_watch(ApQueueWatch* watch);
  SimMode mode() const { return mode_; }

 private:
  LparConfig cfg_;
  SimMode mode_;
  firmware::ServiceTimeTable service_;
  std::unique_ptr<MainStorage> storage_;
  std::unique_ptr<SieUnit> sie_;
  std::unique_ptr<CpuModel> cpu_;
  std::unique_ptr<ApFabric> fabric_;
  std::vector<std::unique_ptr<CexAdapter>> adapters_;
  std::unique_ptr<Hmc> hmc_;
  std::unique_ptr<VcdWriter> vcd_;
};

}  // namespace apsim::sc
