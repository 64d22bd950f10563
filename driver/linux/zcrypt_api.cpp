// driver/linux/zcrypt_api.cpp — zcrypt's request dispatch and module init (zcrypt_api.c,
// zcrypt_cex4_init).
#include "driver/linux/zcrypt_api.h"

#include <cerrno>

#include "driver/linux/kernel.h"

namespace apsim::driver {

int Zcrypt::register_with(ApBus& bus) {
  // zcrypt_cex4_init (zcrypt_cex4.c): ap_driver_register(cex4card), return its error if it
  // fails; then cex4queue, unregistering cex4card if that one fails.
  if (int rc = bus.register_driver(card_); rc) return rc;
  if (int rc = bus.register_driver(queue_); rc) {
    bus.unregister_driver(card_);
    return rc;
  }
  return 0;
}

void Zcrypt::unregister_from(ApBus& bus) {
  // zcrypt_cex4_exit: ap_driver_unregister(cex4queue), then cex4card.
  bus.unregister_driver(queue_);
  bus.unregister_driver(card_);
}

void zcrypt_send(ApBus& bus, ApQueueDev& q, ApMessageReq& r) {
  if (!q.online || (q.card && !q.card->online)) {
    r.t_submit_ps = bus.kernel().cpu().now_ps();
    r.complete(-ENODEV, r.t_submit_ps);
    return;
  }
  bus.queue_message(q, r);
}

}  // namespace apsim::driver
