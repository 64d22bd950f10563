// driver/linux/ap_card.cpp — AP card devices (drivers/s390/crypto/ap_card.c): creation
// with their attributes, the card's `config` store (SCLP configure/deconfigure), and the
// binding of a card to a card driver.
#include <cctype>
#include <cerrno>
#include <cstdio>

#include "driver/linux/ap_bus.h"
#include "driver/linux/kernel.h"

namespace apsim::driver {

using arch::Apqn;

void ApBus::create_card(unsigned apid, const arch::TapqInfo& info, uint8_t comp_type, bool config, bool chkstop) {
  auto c = std::make_unique<ApCardDev>();
  c->id = static_cast<uint8_t>(apid);
  c->raw_hwtype = info.at;
  c->hwtype = comp_type;
  c->config = config;
  c->chkstop = chkstop;
  c->functions = info.functions;
  c->qd = info.qd;
  c->max_msg_size = info.max_msg_size();
  c->path = "/sys/devices/ap/" + arch::card_name(apid);
  ApCardDev* cp = c.get();
  Sysfs& fs = kernel_.sysfs();
  fs.mkdir(c->path);
  fs.add_attr(c->path + "/hwtype", sysfs_show([cp] { return sysfs_u(cp->hwtype); }), nullptr);
  fs.add_attr(c->path + "/raw_hwtype", sysfs_show([cp] { return sysfs_u(cp->raw_hwtype); }), nullptr);
  // depth: the raw TAPQ QD in 6.1 (ac->queue_depth), QD + 1 since 3317785a8803.
  const bool plus_one = kernel_.profile().depth_qd_plus_one;
  fs.add_attr(c->path + "/depth", sysfs_show([cp, plus_one] { return sysfs_u(cp->qd + (plus_one ? 1 : 0)); }), nullptr);
  fs.add_attr(c->path + "/ap_functions", sysfs_show([cp] {
                char b[16];
                std::snprintf(b, sizeof b, "0x%08X\n", cp->functions);
                return std::string(b);
              }),
              nullptr);
  fs.add_attr(c->path + "/max_msg_size", sysfs_show([cp] { return sysfs_u(cp->max_msg_size); }), nullptr);
  fs.add_attr(c->path + "/request_count", sysfs_show([cp] { return sysfs_u(cp->request_count); }),
              [cp](const std::string&) {
                cp->request_count = 0;
                return 0;
              });
  auto count = [this, apid](bool pending) {
    uint64_t n = 0;
    for (auto& [id, q] : queues_)
      if (q->qid.apid == apid) n += pending ? q->pendingq.size() : q->requestq.size();
    return n;
  };
  fs.add_attr(c->path + "/requestq_count", sysfs_show([=] { return sysfs_u(count(false)); }), nullptr);
  fs.add_attr(c->path + "/pendingq_count", sysfs_show([=] { return sysfs_u(count(true)); }), nullptr);
  // config: RW, SCLP configure/deconfigure (ap_card.c config_store); chkstop: RO.
  fs.add_attr(c->path + "/config", sysfs_show([cp] { return sysfs_u(cp->config); }),
              [this, cp](const std::string& buf) { return card_config_store(*cp, buf); });
  fs.add_attr(c->path + "/chkstop", sysfs_show([cp] { return sysfs_u(cp->chkstop); }), nullptr);
  fs.add_attr(c->path + "/modalias", sysfs_show([cp] {
                char b[16];
                std::snprintf(b, sizeof b, "ap:t%02X\n", cp->hwtype);
                return std::string(b);
              }),
              nullptr);
  fs.add_link(c->path + "/subsystem", "/sys/bus/ap");
  fs.add_link("/sys/bus/ap/devices/" + arch::card_name(apid), c->path);
  cards_[apid] = std::move(c);
  for (ApDriver* d : drivers_)
    if (d->for_cards()) {
      bind_card(*cp, *d);
      break;
    }
}

void ApBus::bind_card(ApCardDev& c, ApDriver& drv) {
  c.driver = &drv;
  kernel_.sysfs().add_link("/sys/bus/ap/drivers/" + drv.name() + "/" + arch::card_name(c.id), c.path);
  kernel_.sysfs().add_link(c.path + "/driver", "/sys/bus/ap/drivers/" + drv.name());
  drv.probe_card(c);
}

void ApBus::unbind_card(ApCardDev& c) {
  if (!c.driver) return;
  kernel_.sysfs().remove("/sys/bus/ap/drivers/" + c.driver->name() + "/" + arch::card_name(c.id));
  kernel_.sysfs().remove(c.path + "/driver");
  c.driver->remove_card(c);
  c.driver = nullptr;
}

int ApBus::card_config_store(ApCardDev& c, const std::string& buf) {
  // ap_card.c config_store: sscanf(buf, "%d\n") must give 0 or 1, else -EINVAL.
  size_t i = 0;
  while (i < buf.size() && std::isspace(static_cast<unsigned char>(buf[i]))) ++i;
  const size_t start = i;
  if (i < buf.size() && (buf[i] == '+' || buf[i] == '-')) ++i;
  const size_t digits = i;
  while (i < buf.size() && std::isdigit(static_cast<unsigned char>(buf[i]))) ++i;
  if (i == digits) return -EINVAL;
  const std::string num = buf.substr(start, i - start);
  if (num.size() > 12) return -EINVAL;
  const long v = std::stol(num);
  if (v < 0 || v > 1) return -EINVAL;
  auto* hcpu = dynamic_cast<arch::HostCpu*>(&kernel_.cpu());
  if (!hcpu) return -EOPNOTSUPP;
  const bool cfg = v == 1;
  int rc = 0;
  if (cfg && !c.config) rc = hcpu->sclp_configure_ap(c.id, true);
  else if (!cfg && c.config) rc = hcpu->sclp_configure_ap(c.id, false);
  if (rc) return rc;
  c.config = cfg;
  // The bus rescans: the queues' config state follows, requests on a deconfigured card are
  // flushed, a configured one is reset and gets its interruptions back, and the drivers'
  // on_scan_complete (vfio_ap re-filters its guests' matrices) runs.
  scan();
  return 0;
}

}  // namespace apsim::driver
