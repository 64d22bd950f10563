// driver/linux/zcrypt_api.cpp — zcrypt's request dispatch and module init (zcrypt_api.c,
// zcrypt_cex4_init).
#include "driver/linux/zcrypt_api.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <functional>
#include <vector>

#include "arch/ap_registers.h"
#include "arch/msgtype6.h"
#include "driver/linux/kernel.h"

namespace apsim::driver {

namespace {

/// The requests of a queue not yet answered: the model of zq->load (zcrypt_queue.c `load`).
uint64_t queue_load(const ApQueueDev& q) { return q.pendingq.size() + q.requestq.size(); }

/// The search of _zcrypt_send_cprb / _zcrypt_send_ep11_cprb: zcrypt's cards in list order
/// (registered by cex4card, usable, with function bit `func`, chosen by `want_card`, the
/// message of `msg_len` bytes within max_msg_size), their queues in list order (bound to
/// cex4queue, usable, chosen by `want_queue`); the preferred one by zcrypt_card_compare and
/// zcrypt_queue_compare with weight 0 (see zcrypt_send_cprb).  nullptr: none.
ApQueueDev* zcrypt_pick_queue(LinuxKernel& k, uint32_t func, size_t msg_len,
                              const std::function<bool(const ApCardDev&)>& want_card,
                              const std::function<bool(const ApQueueDev&)>& want_queue) {
  ApBus& bus = k.ap_bus();
  Zcrypt& z = k.zcrypt();
  // Linux walks zcrypt_card_list and each card's zqueues: O(cards + queues) per request,
  // with zc->load and zq->load kept by the request path.  apsim derives the lists from the
  // bus (in registration order, zcrypt_seq) and the loads from the queues in one pass each,
  // so a request costs O(queues log queues), not O(cards x queues) as a card-by-card
  // search of the whole list would (16.7e6 steps on a 256 x 256 LPAR; issue 13 part 2).
  std::vector<ApQueueDev*> zqueues;
  for (ApQueueDev* q : bus.queues())
    if (q->driver == &z.queue_driver() && q->card) zqueues.push_back(q);
  const auto by_seq = [](const auto* a, const auto* b) { return a->zcrypt_seq < b->zcrypt_seq; };
  // The cards with a zcrypt queue, bound to cex4card, first met in queue-ID order.
  std::vector<ApCardDev*> cards;
  std::array<bool, 256> card_seen{};
  for (ApQueueDev* q : zqueues)
    if (q->card->driver == &z.card_driver() && !card_seen[q->card->id]) {
      card_seen[q->card->id] = true;
      cards.push_back(q->card);
    }
  std::stable_sort(cards.begin(), cards.end(), by_seq);
  std::stable_sort(zqueues.begin(), zqueues.end(), by_seq);
  // Per card ID (0..255): its queues in zcrypt order and their summed load (zc->load).
  std::array<std::vector<ApQueueDev*>, 256> card_queues;
  std::array<uint64_t, 256> card_load{};
  for (ApQueueDev* q : zqueues) {
    card_queues[q->card->id].push_back(q);
    card_load[q->card->id] += queue_load(*q);
  }
  ApCardDev* pref_zc = nullptr;
  ApQueueDev* pref_zq = nullptr;
  for (ApCardDev* zc : cards) {
    // "Check for usable CCA/EP11 card", the user's choice, the card's max message size.
    if (!zc->online || !zc->config || zc->chkstop || !(zc->functions & func) || !want_card(*zc)) continue;
    if (msg_len > zc->max_msg_size) continue;
    // zcrypt_card_compare (weight + load, then the card's request count).
    if (pref_zc) {
      const uint64_t w = card_load[zc->id], pw = card_load[pref_zc->id];
      if (w == pw ? !(zc->request_count < pref_zc->request_count) : w > pw) continue;
    }
    for (ApQueueDev* zq : card_queues[zc->id]) {
      if (!zq->online || !zq->config || zq->chkstop || !want_queue(*zq)) continue;
      // zcrypt_queue_compare (weight + load, then the queue's request count).
      if (pref_zq) {
        const uint64_t w = queue_load(*zq), pw = queue_load(*pref_zq);
        if (w == pw ? !(zq->request_count < pref_zq->request_count) : w > pw) continue;
      }
      pref_zc = zc;
      pref_zq = zq;
    }
  }
  return pref_zq;
}

/// The queue's reply buffer less the type-86 headers (zq->reply.bufsize - sizeof(struct
/// type86_fmt2_msg)): zcrypt_queue_alloc sizes the buffer by the card's max_msg_size.
uint32_t reply_payload_limit(const ApQueueDev& q) {
  const uint32_t buf = q.card ? q.card->max_msg_size : 0;
  return buf > arch::T86_FMT2_SIZE ? buf - static_cast<uint32_t>(arch::T86_FMT2_SIZE) : 0;
}

}  // namespace

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

namespace apsim::driver {

int zcrypt_send_sync(ApBus& bus, ApQueueDev& q, Bytes msg, Bytes& reply) {
  ApMessageReq r;
  r.msg = std::move(msg);
  zcrypt_send(bus, q, r);
  while (!r.done) bus.wait_and_poll();  // wait_for_completion: the bus's tasklet completes it
  reply = std::move(r.reply);
  return r.rc;
}

int zcrypt_send_cprb(LinuxKernel& k, ica_xcRB& xcrb) {
  xcrb.status = 0;
  // prep_cca_ap_msg -> xcrb_msg_to_type6cprb_msgx: the message, its function code and the
  // CPRB's domain.
  Bytes msg;
  unsigned fc = 0;
  uint16_t dom = 0;
  if (int rc = xcrb_msg_to_type6cprb_msgx(xcrb, msg, fc, dom); rc) return rc;
  ApQueueDev* q = zcrypt_pick_queue(
      k, arch::AP_FUNC_COPRO, msg.size(),
      [&](const ApCardDev& c) { return xcrb.user_defined == AUTOSELECT || xcrb.user_defined == c.id; },
      [&](const ApQueueDev& zq) { return dom == AUTOSEL_DOM || dom == zq.qid.apqi; });
  if (!q) return -ENODEV;  // "no match for address %02x.%04x => ENODEV"
  // "in case of auto select, provide the correct domain"
  if (dom == AUTOSEL_DOM) set_cprb_domain(msg, q->qid.apqi);
  // zcrypt_msgtype6_send_cprb
  if (int rc = zcrypt_msgtype6_limit_reply(msg, reply_payload_limit(*q)); rc) return rc;
  Bytes reply;
  if (int rc = zcrypt_send_sync(k.ap_bus(), *q, std::move(msg), reply); rc) return rc;
  return convert_response_xcrb(reply.data(), reply.size(), xcrb);
}

int zcrypt_send_ep11_cprb(LinuxKernel& k, ep11_urb& urb) {
  Bytes msg;
  unsigned fc = 0, dom = 0;
  if (int rc = xcrb_msg_to_type6_ep11cprb_msgx(urb, msg, fc, dom); rc) return rc;
  ApQueueDev* q = zcrypt_pick_queue(
      k, arch::AP_FUNC_EP11, msg.size(),
      [&](const ApCardDev& c) { return urb.ap_id == AUTOSEL_AP || urb.ap_id == c.id; },
      [&](const ApQueueDev& zq) { return urb.dom_id == AUTOSEL_DOM || urb.dom_id == zq.qid.apqi; });
  if (!q) return -ENODEV;
  // zcrypt_msgtype6_send_ep11_cprb
  if (int rc = ep11_set_queue_domain(msg, q->qid.apqi); rc) return rc;
  zcrypt_msgtype6_set_ep11_reply_limit(msg, reply_payload_limit(*q));
  Bytes reply;
  if (int rc = zcrypt_send_sync(k.ap_bus(), *q, std::move(msg), reply); rc) return rc;
  return convert_response_ep11_xcrb(reply.data(), reply.size(), urb);
}

int zcrypt_device_status_ext(LinuxKernel& k, unsigned card, unsigned queue, int& hwtype) {
  hwtype = 0;
  // One lookup of the APQN, not a walk over every queue device (issue 13 part 2).
  if (card > 0xff || queue > 0xff) return -ENODEV;
  const ApQueueDev* q = k.ap_bus().queue(arch::Apqn{static_cast<uint8_t>(card), static_cast<uint8_t>(queue)});
  if (!q || q->driver != &k.zcrypt().queue_driver() || !q->card) return -ENODEV;
  hwtype = q->card->hwtype;
  return 0;
}

}  // namespace apsim::driver
