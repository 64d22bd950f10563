// driver/zcrypt.h — the zcrypt device drivers for CEX4..CEX8 (zcrypt_cex4.c): cex4card and
// cex4queue, the default AP drivers.  They add the zcrypt attributes (`type`, `online`) to
// the devices they bind and are what lszcrypt reports under DRIVER.
#pragma once

#include <string>

#include "driver/ap_bus.h"

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

/// The zcrypt module: both drivers, registered with the AP bus at boot.
/// zcrypt's dispatch of one request to queue q (zcrypt_rsa_modexpo, zcrypt_send_cprb, ...):
/// a card or queue whose zcrypt `online` attribute is 0 is skipped, and a request with no
/// eligible queue ends with -ENODEV (r.done, r.on_done called) before it reaches the AP bus.
/// Otherwise ApBus::queue_message.  (Deconfigured and checkstopped queues fail with -ENODEV
/// in the AP bus, ap_queue_message.)
void zcrypt_send(ApBus& bus, ApQueueDev& q, ApMessageReq& r);

class Zcrypt {
 public:
  explicit Zcrypt(LinuxKernel& k) : card_(k), queue_(k) {}
  /// zcrypt_cex4_init: cex4card, then cex4queue; 0, or the first registration's error.
  int register_with(ApBus& bus);
  Cex4CardDriver& card_driver() { return card_; }
  Cex4QueueDriver& queue_driver() { return queue_; }

 private:
  Cex4CardDriver card_;
  Cex4QueueDriver queue_;
};

}  // namespace apsim::driver
