// driver/linux/zcrypt_cex4.cpp — cex4card / cex4queue (zcrypt_cex4.c).
#include "driver/linux/zcrypt_cex4.h"

#include <cerrno>

#include "driver/linux/ap_asm.h"
#include "driver/linux/kernel.h"

namespace apsim::driver {

std::string zcrypt_type_string(const ApCardDev& card) {
  const unsigned gen = card.hwtype >= 10 ? card.hwtype - 6u : 0u;
  char mode = 'A';
  if (card.functions & arch::AP_FUNC_COPRO) mode = 'C';
  else if (card.functions & arch::AP_FUNC_EP11) mode = 'P';
  return "CEX" + std::to_string(gen) + mode;
}

namespace {
int parse_online(const std::string& buf, bool& v) {
  std::string s = buf;
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (s == "0") v = false;
  else if (s == "1") v = true;
  else return -EINVAL;
  return 0;
}
}  // namespace

void Cex4CardDriver::probe_card(ApCardDev& card) {
  Sysfs& fs = kernel_.sysfs();
  ApCardDev* c = &card;
  fs.add_attr(card.path + "/type", [c](std::string& out) {
    out = zcrypt_type_string(*c) + "\n";
    return 0;
  }, nullptr);
  fs.add_attr(card.path + "/online", [c](std::string& out) {
    out = c->online && c->config && !c->chkstop ? "1\n" : "0\n";
    return 0;
  }, [c](const std::string& buf) { return parse_online(buf, c->online); });
}

int Cex4QueueDriver::probe_queue(ApQueueDev& q) {
  // zcrypt_cex4_queue_probe: the device types of cex4queue's id table are CEX4..CEX8.
  if (!q.card || q.card->hwtype < arch::AP_DEVICE_TYPE_CEX4) return -ENODEV;
  ApQueueDev* qp = &q;
  kernel_.sysfs().add_attr(q.path + "/online", [qp](std::string& out) {
    out = qp->online && qp->config && !qp->chkstop ? "1\n" : "0\n";
    return 0;
  }, [qp](const std::string& buf) { return parse_online(buf, qp->online); });
  return 0;
}

void Cex4QueueDriver::remove_queue(ApQueueDev& q) {
  // ap_queue_remove -> ZAPQ: the queue leaves zcrypt empty and with interruptions off.
  ap_zapq(kernel_.cpu(), q.qid, false);
  q.irq_enabled = false;
  kernel_.sysfs().remove(q.path + "/online");
}

}  // namespace apsim::driver
