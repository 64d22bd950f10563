// driver/linux/zcrypt_api.h — the zcrypt module (zcrypt_api.c): the dispatch of a request to
// an AP queue, and the registration of the CEX4+ drivers (driver/linux/zcrypt_cex4.h) with
// the AP bus.
#pragma once

#include "driver/linux/ap_bus.h"
#include "driver/linux/zcrypt_cex4.h"

namespace apsim::driver {

/// zcrypt's dispatch of one request to queue q (zcrypt_rsa_modexpo, zcrypt_send_cprb, ...):
/// a card or queue whose zcrypt `online` attribute is 0 is skipped, and a request with no
/// eligible queue ends with -ENODEV (r.done, r.on_done called) before it reaches the AP bus.
/// Otherwise ApBus::queue_message.  (Deconfigured and checkstopped queues fail with -ENODEV
/// in the AP bus, ap_queue_message.)
void zcrypt_send(ApBus& bus, ApQueueDev& q, ApMessageReq& r);

/// The zcrypt module: both drivers, registered with the AP bus at boot.
class Zcrypt {
 public:
  explicit Zcrypt(LinuxKernel& k) : card_(k), queue_(k) {}
  /// zcrypt_cex4_init: cex4card, then cex4queue; 0, or the first registration's error.
  int register_with(ApBus& bus);
  /// zcrypt_cex4_exit: both drivers leave the AP bus (their devices stay, unbound).
  void unregister_from(ApBus& bus);
  Cex4CardDriver& card_driver() { return card_; }
  Cex4QueueDriver& queue_driver() { return queue_; }

 private:
  Cex4CardDriver card_;
  Cex4QueueDriver queue_;
};

}  // namespace apsim::driver
