// driver/linux/zcrypt_cex4.cpp — cex4card / cex4queue (zcrypt_cex4.c).
#include "driver/linux/zcrypt_cex4.h"

#include <cerrno>
#include <optional>

#include "driver/linux/ap_asm.h"
#include "driver/linux/kernel.h"
#include "driver/linux/kernel_parse.h"
#include "driver/linux/zcrypt_api.h"

namespace apsim::driver {

std::string zcrypt_type_string(const ApCardDev& card) {
  const unsigned gen = card.hwtype >= 10 ? card.hwtype - 6u : 0u;
  char mode = 'A';
  if (card.functions & arch::AP_FUNC_COPRO) mode = 'C';
  else if (card.functions & arch::AP_FUNC_EP11) mode = 'P';
  return "CEX" + std::to_string(gen) + mode;
}

namespace {

// online_store (zcrypt_card.c, zcrypt_queue.c): sscanf(buf, "%d\n") must give 0 or 1.
int parse_online(const std::string& buf, bool& v) {
  const std::optional<long long> n = sscanf_number(buf, 10);
  if (!n || *n < 0 || *n > 1) return -EINVAL;
  v = *n == 1;
  return 0;
}

}  // namespace

void Cex4CardDriver::probe_card(ApCardDev& card) {
  Sysfs& fs = kernel_.sysfs();
  ApCardDev* c = &card;
  const bool chk = kernel_.profile().online_considers_chkstop;
  fs.add_attr(card.path + "/type", sysfs_show([c] { return zcrypt_type_string(*c) + "\n"; }), nullptr);
  // online (RW): shows config && online (newer kernels also !chkstop).  Storing it forces
  // every queue of the card the zcrypt layer drives to the same state
  // (zcrypt_queue_force_online); online=1 on a deconfigured (newer: or checkstopped) card is
  // ENODEV.
  fs.add_attr(card.path + "/online", sysfs_show([c, chk] {
                return std::string(c->online && c->config && !(chk && c->chkstop) ? "1\n" : "0\n");
              }),
              [this, c, chk](const std::string& buf) {
                bool on = false;
                if (int rc = parse_online(buf, on); rc) return rc;
                if (on && (!c->config || (chk && c->chkstop))) return -ENODEV;
                c->online = on;
                for (ApQueueDev* q : kernel_.ap_bus().queues())
                  if (q->card == c && q->driver == &kernel_.zcrypt().queue_driver()) q->online = on;
                return 0;
              });
  // load: the card's share of requests in flight (zcrypt_card.c load_show).
  fs.add_attr(card.path + "/load", sysfs_show([this, c] {
                uint64_t n = 0;
                for (ApQueueDev* q : kernel_.ap_bus().queues())
                  if (q->card == c) n += q->pendingq.size() + q->requestq.size();
                return sysfs_u(n);
              }),
              nullptr);
}

int Cex4QueueDriver::probe_queue(ApQueueDev& q) {
  // zcrypt_cex4_queue_probe: the device types of cex4queue's id table are CEX4..CEX8.
  if (!q.card || q.card->hwtype < arch::AP_DEVICE_TYPE_CEX4) return -ENODEV;
  ApQueueDev* qp = &q;
  const bool chk = kernel_.profile().online_considers_chkstop;
  // online (RW): config && online; online=1 needs the queue and its card configured
  // (ENODEV) and the card online (EINVAL).
  kernel_.sysfs().add_attr(q.path + "/online", sysfs_show([qp, chk] {
                             return std::string(qp->online && qp->config && !(chk && qp->chkstop) ? "1\n" : "0\n");
                           }),
                           [qp](const std::string& buf) {
                             bool on = false;
                             if (int rc = parse_online(buf, on); rc) return rc;
                             if (on && (!qp->config || (qp->card && !qp->card->config))) return -ENODEV;
                             if (on && qp->card && !qp->card->online) return -EINVAL;
                             qp->online = on;
                             return 0;
                           });
  kernel_.sysfs().add_attr(q.path + "/load", sysfs_show([qp] { return sysfs_u(qp->pendingq.size() + qp->requestq.size()); }),
                           nullptr);
  return 0;
}

void Cex4QueueDriver::remove_queue(ApQueueDev& q) {
  // ap_queue_remove -> ZAPQ: the queue leaves zcrypt empty; aq->interrupt stays as it was
  // (the `interrupt` attribute of 6.1 goes on saying "Interrupts enabled.").
  ap_zapq(kernel_.cpu(), q.qid, false);
  kernel_.sysfs().remove(q.path + "/online");
  kernel_.sysfs().remove(q.path + "/load");
}

}  // namespace apsim::driver
