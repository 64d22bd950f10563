// driver/linux/zcrypt_api.h — the zcrypt module (zcrypt_api.c): the dispatch of a request to
// an AP queue, and the registration of the CEX4+ drivers (driver/linux/zcrypt_cex4.h) with
// the AP bus.
#pragma once

#include <cstdint>

#include "driver/linux/ap_bus.h"
#include "driver/linux/zcrypt_ccamisc.h"
#include "driver/linux/zcrypt_cex4.h"
#include "driver/linux/zcrypt_ep11misc.h"
#include "driver/linux/zcrypt_msgtype6.h"

namespace apsim::driver {

/// zcrypt's dispatch of one request to queue q (zcrypt_rsa_modexpo, zcrypt_send_cprb, ...):
/// a card or queue whose zcrypt `online` attribute is 0 is skipped, and a request with no
/// eligible queue ends with -ENODEV (r.done, r.on_done called) before it reaches the AP bus.
/// Otherwise ApBus::queue_message.  (Deconfigured and checkstopped queues fail with -ENODEV
/// in the AP bus, ap_queue_message.)
void zcrypt_send(ApBus& bus, ApQueueDev& q, ApMessageReq& r);

/// One request `msg` on queue `q`, waited for as a zcrypt caller sleeps in
/// wait_for_completion: zcrypt_send, then the AP bus's interruption or poll timer until the
/// reply is in (simulated time passes).  Returns the request's result (0 or -errno) and the
/// reply bytes in `reply`.
int zcrypt_send_sync(ApBus& bus, ApQueueDev& q, Bytes msg, Bytes& reply);

/// zcrypt_send_cprb for a kernel caller (zcrypt_api.c _zcrypt_send_cprb with &ap_perms: no
/// admission checks), e.g. zcrypt_ccamisc.c: the type-6 message of `xcrb`
/// (xcrb_msg_to_type6cprb_msgx), zcrypt's choice of a queue — a CCA card with zcrypt
/// `online`, configured, not checkstopped, the one xcrb.user_defined names unless
/// AUTOSELECT, the message within its max_msg_size; a queue of it with zcrypt `online`,
/// configured, not checkstopped, of the CPRB's domain unless AUTOSEL_DOM; lowest load,
/// then lowest request count, then zcrypt's list order (zcrypt_card_compare,
/// zcrypt_queue_compare) — the CPRB's AUTOSEL_DOM replaced by the queue's domain, the reply
/// limit of zcrypt_msgtype6_send_cprb, the request sent and waited for
/// (zcrypt_send_sync), the reply read by convert_response_xcrb.  -ENODEV without a queue.
/// The load is the number of the queue's requests not yet answered (the model of zcrypt's
/// `load`); zcrypt's speed-rating weight of a card is left out (the driver model has no
/// rating table; it only orders different cards under AUTOSELECT).  Not modelled: the
/// switch from a control-only CPRB domain to AUTOSEL_DOM.
int zcrypt_send_cprb(LinuxKernel& k, ica_xcRB& xcrb);

/// zcrypt_send_ep11_cprb for a kernel caller (_zcrypt_send_ep11_cprb with &ap_perms), e.g.
/// zcrypt_ep11misc.c: the message of `urb` (xcrb_msg_to_type6_ep11cprb_msgx), the queue
/// chosen as in zcrypt_send_cprb among EP11 cards and the target urb.ap_id/dom_id
/// (AUTOSEL_AP/AUTOSEL_DOM: any; is_desired_ep11_card/_queue), zcrypt_msgtype6_send_ep11_cprb
/// (the queue's domain into a non-admin CPRB, fromcardlen1 = the reply buffer less the
/// type-86 headers), the reply read by convert_response_ep11_xcrb.  -ENODEV without a queue.
int zcrypt_send_ep11_cprb(LinuxKernel& k, ep11_urb& urb);

/// zcrypt_device_status_ext(card, queue): 0 and the card's device type in `hwtype` if
/// APQN card.queue is a zcrypt queue (bound to cex4queue), else -ENODEV.
int zcrypt_device_status_ext(LinuxKernel& k, unsigned card, unsigned queue, int& hwtype);

/// The zcrypt module: both drivers, registered with the AP bus at boot, and what
/// zcrypt_ccamisc.c and zcrypt_ep11misc.c keep (6.1's info caches).
class Zcrypt {
 public:
  explicit Zcrypt(LinuxKernel& k) : card_(k), queue_(k) {}
  /// zcrypt_cex4_init: cex4card, then cex4queue; 0, or the first registration's error.
  int register_with(ApBus& bus);
  /// zcrypt_cex4_exit: both drivers leave the AP bus (their devices stay, unbound).
  void unregister_from(ApBus& bus);
  Cex4CardDriver& card_driver() { return card_; }
  Cex4QueueDriver& queue_driver() { return queue_; }
  /// zcrypt_ccamisc.c cca_info_list (6.1).
  CcaInfoCache& cca_info_cache() { return cca_info_cache_; }
  /// zcrypt_ep11misc.c card_list (6.1).
  Ep11CardCache& ep11_card_cache() { return ep11_card_cache_; }
  /// The next position on zcrypt's card and queue lists (ApCardDev/ApQueueDev::zcrypt_seq).
  uint64_t next_seq() { return ++seq_; }

 private:
  Cex4CardDriver card_;
  Cex4QueueDriver queue_;
  CcaInfoCache cca_info_cache_;
  Ep11CardCache ep11_card_cache_;
  uint64_t seq_ = 0;
};

}  // namespace apsim::driver
