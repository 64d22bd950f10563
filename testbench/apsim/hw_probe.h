// testbench/apsim/hw_probe.h — connects the adapters' probe (sc/ap_probe.h) to the AP buses'
// source of hardware timestamps (driver/linux/ap_bus.h ApHwTimesSource), so that apbench can split
// each request's latency into stages without the hardware putting anything into the reply
// message.  The testbench is the only place that knows both sides.
#pragma once

#include "driver/linux/ap_bus.h"
#include "sc/ap_probe.h"
#include "sc/platform.h"

namespace apsim::tb {

/// The adapter reports a request inside the DQAP that takes its reply; the AP bus asks right
/// after that DQAP returns.  So the last report is the one asked for: one slot is enough.
class HwProbe : public sc::ApProbe {
 public:
  ~HwProbe() override { driver::ApBus::set_hw_times_source(nullptr); }

  /// Install on every adapter of `platform` and as the process-wide AP bus source.
  void install(sc::Platform& platform) {
    platform.set_probe(this);
    driver::ApBus::set_hw_times_source(
        [this](uint16_t apqn, uint64_t psmid, driver::ApHwTimes& out) { return lookup(apqn, psmid, out); });
  }

  void request_done(const sc::ApRequestTrace& t) override {
    last_ = t;
    valid_ = true;
  }

 private:
  bool lookup(uint16_t apqn, uint64_t psmid, driver::ApHwTimes& out) {
    if (!valid_ || last_.apqn != apqn || last_.psmid != psmid) return false;
    out = driver::ApHwTimes{last_.enqueue_ps,      last_.start_ps, last_.finish_ps,     last_.dequeue_ps,
                            last_.service_mean_ps, last_.engines,  last_.service_shape, last_.service_cv};
    valid_ = false;
    return true;
  }

  sc::ApRequestTrace last_;
  bool valid_ = false;
};

}  // namespace apsim::tb
