// driver/linux/zcrypt_cex4.h — the zcrypt device drivers for CEX4..CEX8 (zcrypt_cex4.c):
// cex4card and cex4queue, the default AP drivers.  They add the zcrypt attributes (`type`,
// `online`) to the devices they bind and are what lszcrypt reports under DRIVER.
#pragma once

#include <string>

#include "driver/linux/ap_bus.h"

namespace apsim::driver {

/// zcrypt's type string for a card: "CEX<n><A|C|P>" (accelerator, CCA, EP11), spec §5.3.
std::string zcrypt_type_string(const ApCardDev& card);

class Cex4CardDriver : public ApDriver {
 public:
  explicit Cex4CardDriver(LinuxKernel& k) : kernel_(k) {}
  std::string name() const override { return "cex4card"; }
  bool is_default() const override { return true; }
  bool for_cards() const override { return true; }
  /// Add the zcrypt card attributes (type, online) to the card device's directory.
  void probe_card(ApCardDev& card) override;

 private:
  LinuxKernel& kernel_;
};

class Cex4QueueDriver : public ApDriver {
 public:
  explicit Cex4QueueDriver(LinuxKernel& k) : kernel_(k) {}
  std::string name() const override { return "cex4queue"; }
  bool is_default() const override { return true; }
  bool for_cards() const override { return false; }
  int probe_queue(ApQueueDev& q) override;
  void remove_queue(ApQueueDev& q) override;

 private:
  LinuxKernel& kernel_;
};

}  // namespace apsim::driver
