// driver/ap_bus.cpp — AP bus: scan, devices, driver binding, masks, the request state machine.
#include "driver/ap_bus.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "driver/ap_asm.h"
#include "driver/kernel.h"
#include "driver/kernel_parse.h"

namespace apsim::driver {

using arch::Apqn;

namespace {

constexpr uint64_t kPollHighTimeoutPs = 250'000'000;   // poll_high_timeout: 250 µs in an LPAR
constexpr uint64_t kPollLowTimeoutPs = 40'000'000'000; // poll_low_timeout: 40 ms
constexpr unsigned kReplyBufPages = 3;                   // 12 KiB: AP_DEFAULT_MAX_MSG_SIZE

std::string hex02(unsigned v) {
  char b[8];
  std::snprintf(b, sizeof b, "%02x", v);
  return b;
}

std::string fmt_u(uint64_t v) { return std::to_string(v) + "\n"; }

ShowFn show_str(std::function<std::string()> f) {
  return [f](std::string& out) {
    out = f();
    return 0;
  };
}

}  // namespace

ApBus::ApBus(LinuxKernel& kernel) : kernel_(kernel) {}
ApBus::~ApBus() = default;

void ApBus::init(const std::string& cmdline) {
  (void)cmdline;
  const arch::Facilities& fac = kernel_.cpu().facilities();
  has_qci_ = fac.qci;
  irq_ = fac.aqic;  // ap.useirq defaults to 1
  qci_buf_ = kernel_.alloc_pages(1);
  lsi_ = kernel_.alloc_pages(1);
  const std::string apm = kernel_.cmdline_param("ap.apmask"), aqm = kernel_.cmdline_param("ap.aqmask");
  if (!apm.empty() && ap_parse_mask_str(apm, apmask_) != 0) kernel_.printk("ap: Invalid ap.apmask= parameter");
  if (!aqm.empty() && ap_parse_mask_str(aqm, aqmask_) != 0) kernel_.printk("ap: Invalid ap.aqmask= parameter");
  bus_attrs();
  scan();
}

// ---------------------------------------------------------------------------------------
// sysfs: /sys/bus/ap
void ApBus::bus_attrs() {
  Sysfs& fs = kernel_.sysfs();
  const std::string b = "/sys/bus/ap/";
  fs.mkdir(b + "devices");
  fs.mkdir(b + "drivers");
  fs.mkdir("/sys/devices/ap");
  auto mask_show = [this](const arch::ApMask& m) { return m.to_hex() + "\n"; };
  fs.add_attr(b + "apmask", show_str([=] { return mask_show(apmask_); }),
              [this](const std::string& buf) { return store_mask(buf, true); });
  fs.add_attr(b + "aqmask", show_str([=] { return mask_show(aqmask_); }),
              [this](const std::string& buf) { return store_mask(buf, false); });
  auto qci_mask = [this](int which) {
    if (!has_qci_) return std::string("not supported\n");
    const arch::ApMask& m = which == 0 ? qci_.apm : which == 1 ? qci_.aqm : qci_.adm;
    std::string s = "0x";
    for (unsigned i = 0; i < 8; ++i) {
      char w[12];
      std::snprintf(w, sizeof w, "%08x", m.word32(i));
      s += w;
    }
    return s + "\n";
  };
  fs.add_attr(b + "ap_adapter_mask", show_str([=] { return qci_mask(0); }), nullptr);
  fs.add_attr(b + "ap_usage_domain_mask", show_str([=] { return qci_mask(1); }), nullptr);
  fs.add_attr(b + "ap_control_domain_mask", show_str([=] { return qci_mask(2); }), nullptr);
  fs.add_attr(b + "ap_max_adapter_id", show_str([this] { return fmt_u(max_adapter_id()); }), nullptr);
  fs.add_attr(b + "ap_max_domain_id", show_str([this] { return fmt_u(max_domain_id()); }), nullptr);
  // ap_domain: the default usage domain ap_select_domain picks (the first in the config).
  fs.add_attr(b + "ap_domain", show_str([this] {
                const auto ids = qci_.aqm.limited_to(max_domain_id()).ids();
                return ids.empty() ? std::string("-1\n") : fmt_u(ids.front());
              }),
              nullptr);
  fs.add_attr(b + "ap_interrupts", show_str([this] { return fmt_u(irq_ ? 1 : 0); }), nullptr);
  fs.add_attr(b + "config_time", show_str([] { return fmt_u(30); }), nullptr);
  fs.add_attr(b + "poll_timeout", show_str([] { return fmt_u(kPollHighTimeoutPs / 1000); }), nullptr);
  fs.add_attr(b + "scans", show_str([this] { return fmt_u(scans_); }), [this](const std::string&) {
    scan();
    return 0;
  });
  fs.add_attr(b + "bindings", show_str([this] {
                unsigned bound = 0, total = 0;
                for (auto& [id, c] : cards_) total++, bound += c->driver != nullptr;
                for (auto& [id, q] : queues_) total++, bound += q->driver != nullptr;
                return std::to_string(bound) + "/" + std::to_string(total) + (bound == total ? " (complete)" : "") + "\n";
              }),
              nullptr);
  fs.add_attr(b + "features", show_str([this] {
                std::string f;
                if (qci_.flags & arch::QCI_FLAG_APSC) f += "APSC ";
                if (qci_.flags & arch::QCI_FLAG_APXA) f += "APXA ";
                if (qci_.flags & arch::QCI_FLAG_QACT) f += "QACT ";
                if (qci_.flags & arch::QCI_FLAG_RC8A) f += "RC8A ";
                if (qci_.flags & arch::QCI_FLAG_APSB) f += "APSB ";
                if (!f.empty()) f.pop_back();
                return f + "\n";
              }),
              nullptr);
}

int ApBus::store_mask(const std::string& buf, bool adapters) {
  arch::ApMask& cur = adapters ? apmask_ : aqmask_;
  arch::ApMask next = cur;
  if (int rc = ap_parse_mask_str(buf, next); rc) return rc;
  // Bits newly set take APQNs back for the default drivers: ask the other drivers first
  // (apmask_store / aqmask_store -> ap_apids_in_use / ap_aqids_in_use).
  const arch::ApMask newly = next & ~cur;
  if (!newly.empty()) {
    for (ApDriver* d : drivers_) {
      if (d->is_default()) continue;
      const int rc = adapters ? d->in_use(newly, aqmask_) : d->in_use(apmask_, newly);
      if (rc) return -EBUSY;
    }
  }
  cur = next;
  revise_bindings();
  return 0;
}

// ---------------------------------------------------------------------------------------
// drivers
void ApBus::add_driver_dir(ApDriver& drv) {
  Sysfs& fs = kernel_.sysfs();
  const std::string d = "/sys/bus/ap/drivers/" + drv.name();
  fs.mkdir(d);
  fs.add_attr(d + "/bind", nullptr, [this, &drv](const std::string& buf) { return driver_bind_store(drv, buf); });
  fs.add_attr(d + "/unbind", nullptr, [this, &drv](const std::string& buf) { return driver_unbind_store(drv, buf); });
}

void ApBus::register_driver(ApDriver& drv) {
  drivers_.push_back(&drv);
  add_driver_dir(drv);
  if (drv.for_cards()) {
    for (auto& [id, c] : cards_)
      if (!c->driver) bind_card(*c, drv);
    return;
  }
  for (auto& [id, q] : queues_)
    if (!q->driver) probe_device(*q);
}

void ApBus::unregister_driver(ApDriver& drv) {
  for (auto& [id, q] : queues_)
    if (q->driver == &drv) unbind(*q);
  drivers_.erase(std::remove(drivers_.begin(), drivers_.end(), &drv), drivers_.end());
  kernel_.sysfs().remove("/sys/bus/ap/drivers/" + drv.name());
}

void ApBus::probe_device(ApQueueDev& q) {
  if (q.driver) return;
  const bool owned_by_default = apqn_owned_by_default(q.qid);
  for (ApDriver* d : drivers_) {
    if (d->for_cards() || d->is_default() != owned_by_default) continue;
    if (d->probe_queue(q) == 0) {
      bind(q, *d);
      return;
    }
  }
}

void ApBus::bind(ApQueueDev& q, ApDriver& drv) {
  q.driver = &drv;
  Sysfs& fs = kernel_.sysfs();
  fs.add_link("/sys/bus/ap/drivers/" + drv.name() + "/" + q.qid.name(), q.path);
  fs.add_link(q.path + "/driver", "/sys/bus/ap/drivers/" + drv.name());
  if (drv.is_default() && irq_) enable_irq(q);
}

void ApBus::unbind(ApQueueDev& q) {
  if (!q.driver) return;
  ApDriver& drv = *q.driver;
  drv.remove_queue(q);
  Sysfs& fs = kernel_.sysfs();
  fs.remove("/sys/bus/ap/drivers/" + drv.name() + "/" + q.qid.name());
  fs.remove(q.path + "/driver");
  q.driver = nullptr;
}

void ApBus::revise_bindings() {
  for (auto& [id, q] : queues_) {
    if (q->driver && q->driver->is_default() != apqn_owned_by_default(q->qid)) unbind(*q);
  }
  for (auto& [id, q] : queues_) probe_device(*q);
}

int ApBus::driver_bind_store(ApDriver& drv, const std::string& buf) {
  std::string name = buf;
  if (!name.empty() && name.back() == '\n') name.pop_back();
  Apqn qid;
  if (drv.for_cards() || !parse_apqn(name, qid)) return -ENODEV;
  ApQueueDev* q = queue(qid);
  if (!q) return -ENODEV;
  if (q->driver) return -EBUSY;
  // ap_device_probe: an APQN in apmask x aqmask may only bind to default drivers, any other
  // only to non-default ones.
  if (drv.is_default() != apqn_owned_by_default(qid)) return -ENODEV;
  if (int rc = drv.probe_queue(*q); rc) return rc;
  bind(*q, drv);
  return 0;
}

int ApBus::driver_unbind_store(ApDriver& drv, const std::string& buf) {
  std::string name = buf;
  if (!name.empty() && name.back() == '\n') name.pop_back();
  Apqn qid;
  if (!parse_apqn(name, qid)) return -ENODEV;
  ApQueueDev* q = queue(qid);
  if (!q || q->driver != &drv) return -ENODEV;
  unbind(*q);
  return 0;
}

// ---------------------------------------------------------------------------------------
// devices
ApQueueDev* ApBus::queue(Apqn q) {
  auto it = queues_.find(q.qid());
  return it == queues_.end() ? nullptr : it->second.get();
}

ApCardDev* ApBus::card(unsigned apid) {
  auto it = cards_.find(apid);
  return it == cards_.end() ? nullptr : it->second.get();
}

std::vector<ApQueueDev*> ApBus::queues() {
  std::vector<ApQueueDev*> v;
  for (auto& [id, q] : queues_) v.push_back(q.get());
  return v;
}

void ApBus::create_card(unsigned apid, const arch::TapqInfo& info) {
  auto c = std::make_unique<ApCardDev>();
  c->id = static_cast<uint8_t>(apid);
  c->raw_hwtype = info.at;
  c->hwtype = std::min<uint8_t>(info.at, arch::AP_DEVICE_TYPE_CEX8);
  c->functions = info.functions;
  c->qd = info.qd;
  c->max_msg_size = info.max_msg_size();
  c->path = "/sys/devices/ap/" + arch::card_name(apid);
  ApCardDev* cp = c.get();
  Sysfs& fs = kernel_.sysfs();
  fs.mkdir(c->path);
  fs.add_attr(c->path + "/hwtype", show_str([cp] { return fmt_u(cp->hwtype); }), nullptr);
  fs.add_attr(c->path + "/raw_hwtype", show_str([cp] { return fmt_u(cp->raw_hwtype); }), nullptr);
  // depth: the raw QD field, as kernels before commit 3317785a8803 (the seeds' era) show it.
  fs.add_attr(c->path + "/depth", show_str([cp] { return fmt_u(cp->qd); }), nullptr);
  fs.add_attr(c->path + "/ap_functions", show_str([cp] {
                char b[16];
                std::snprintf(b, sizeof b, "0x%08X\n", cp->functions);
                return std::string(b);
              }),
              nullptr);
  fs.add_attr(c->path + "/max_msg_size", show_str([cp] { return fmt_u(cp->max_msg_size); }), nullptr);
  fs.add_attr(c->path + "/request_count", show_str([cp] { return fmt_u(cp->request_count); }),
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
  fs.add_attr(c->path + "/requestq_count", show_str([=] { return fmt_u(count(false)); }), nullptr);
  fs.add_attr(c->path + "/pendingq_count", show_str([=] { return fmt_u(count(true)); }), nullptr);
  fs.add_attr(c->path + "/config", show_str([cp] { return fmt_u(cp->config); }), nullptr);
  fs.add_attr(c->path + "/chkstop", show_str([cp] { return fmt_u(cp->chkstop); }), nullptr);
  fs.add_attr(c->path + "/modalias", show_str([cp] {
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

void ApBus::create_queue(ApCardDev& card, unsigned apqi) {
  auto q = std::make_unique<ApQueueDev>();
  q->qid = Apqn{card.id, static_cast<uint8_t>(apqi)};
  q->card = &card;
  q->path = card.path + "/" + q->qid.name();
  q->msg_buf = kernel_.alloc_pages(kReplyBufPages);
  q->reply_buf = kernel_.alloc_pages(kReplyBufPages);
  ApQueueDev* qp = q.get();
  Sysfs& fs = kernel_.sysfs();
  fs.mkdir(q->path);
  fs.add_attr(q->path + "/request_count", show_str([qp] { return fmt_u(qp->request_count); }),
              [qp](const std::string&) {
                qp->request_count = 0;
                return 0;
              });
  fs.add_attr(q->path + "/requestq_count", show_str([qp] { return fmt_u(qp->requestq.size()); }), nullptr);
  fs.add_attr(q->path + "/pendingq_count", show_str([qp] { return fmt_u(qp->pendingq.size()); }), nullptr);
  fs.add_attr(q->path + "/config", show_str([qp] { return fmt_u(qp->config); }), nullptr);
  fs.add_attr(q->path + "/chkstop", show_str([qp] { return fmt_u(qp->chkstop); }), nullptr);
  fs.add_attr(q->path + "/interrupt", show_str([qp] {
                return std::string(qp->irq_enabled ? "Interrupts enabled.\n" : "Interrupts disabled.\n");
              }),
              nullptr);
  fs.add_link(q->path + "/subsystem", "/sys/bus/ap");
  fs.add_link("/sys/bus/ap/devices/" + q->qid.name(), q->path);
  queues_[q->qid.qid()] = std::move(q);
  probe_device(*qp);
}

void ApBus::remove_queue_dev(ApQueueDev& q) {
  unbind(q);
  // Removing a queue device zeroizes the queue (ap_queue_remove -> ZAPQ).
  ap_zapq(kernel_.cpu(), q.qid, false);
  kernel_.sysfs().remove("/sys/bus/ap/devices/" + q.qid.name());
  kernel_.sysfs().remove(q.path);
  queues_.erase(q.qid.qid());
}

void ApBus::remove_card_dev(unsigned apid) {
  std::vector<ApQueueDev*> qs;
  for (auto& [id, q] : queues_)
    if (q->qid.apid == apid) qs.push_back(q.get());
  for (ApQueueDev* q : qs) remove_queue_dev(*q);
  ApCardDev* c = card(apid);
  if (!c) return;
  if (c->driver) kernel_.sysfs().remove("/sys/bus/ap/drivers/" + c->driver->name() + "/" + arch::card_name(apid));
  kernel_.sysfs().remove("/sys/bus/ap/devices/" + arch::card_name(apid));
  kernel_.sysfs().remove(c->path);
  cards_.erase(apid);
}

void ApBus::scan() {
  ++scans_;
  arch::Cpu& cpu = kernel_.cpu();
  const arch::QciInfo before = qci_;
  if (has_qci_ && ap_qci(cpu, qci_buf_, qci_) == 0) {
    // configuration from the machine
  } else {
    // No QCI: every id up to the default maxima is a candidate; TAPQ tells which exist.
    has_qci_ = false;
    qci_ = arch::QciInfo{};
    for (unsigned i = 0; i <= 63; ++i) qci_.apm.set(i);
    for (unsigned i = 0; i <= 15; ++i) qci_.aqm.set(i);
  }
  if (scans_ > 1 && (before.apm != qci_.apm || before.aqm != qci_.aqm || before.adm != qci_.adm))
    for (ApDriver* d : drivers_) d->on_config_changed(qci_, before);

  const bool apft = cpu.facilities().apft;
  for (unsigned apid = 0; apid <= 255; ++apid) {
    if (apid > max_adapter_id() || !qci_.apm.test(apid)) {
      if (card(apid)) remove_card_dev(apid);
      continue;
    }
    // Find the card's type through the first domain that answers (ap_scan_adapter).
    arch::TapqInfo info;
    bool found = false;
    for (unsigned dom = 0; dom <= max_domain_id() && !found; ++dom) {
      if (!qci_.aqm.test(dom)) continue;
      const arch::ApQueueStatus s = ap_tapq(cpu, Apqn{static_cast<uint8_t>(apid), static_cast<uint8_t>(dom)}, apft, &info);
      if (s.response_code <= arch::AP_RESPONSE_BUSY && s.response_code != arch::AP_RESPONSE_Q_NOT_AVAIL) found = true;
    }
    // at == 0 (no APFT: no info word) is unusable; types below CEX4 are not supported.
    if (!found || info.at < arch::AP_DEVICE_TYPE_CEX4) {
      if (card(apid)) remove_card_dev(apid);
      continue;
    }
    if (!card(apid)) create_card(apid, info);
    ApCardDev& c = *card(apid);
    for (unsigned dom = 0; dom <= 255; ++dom) {
      const Apqn qid{static_cast<uint8_t>(apid), static_cast<uint8_t>(dom)};
      const bool in_config = dom <= max_domain_id() && qci_.aqm.test(dom);
      ApQueueDev* q = queue(qid);
      if (!in_config) {
        if (q) remove_queue_dev(*q);
        continue;
      }
      const arch::ApQueueStatus s = ap_tapq(cpu, qid, false, nullptr);
      if (s.response_code == arch::AP_RESPONSE_Q_NOT_AVAIL) {
        if (q) remove_queue_dev(*q);
        continue;
      }
      if (!q) create_queue(c, dom);
      if ((q = queue(qid))) {
        q->config = s.response_code != arch::AP_RESPONSE_DECONFIGURED;
        q->chkstop = s.response_code == arch::AP_RESPONSE_CHECKSTOPPED;
      }
    }
  }
  for (ApDriver* d : drivers_) d->on_scan_complete();
}

// ---------------------------------------------------------------------------------------
// interrupts and the request state machine
void ApBus::enable_irq(ApQueueDev& q) {
  arch::AqicControl ctl;
  ctl.ir = true;
  ctl.isc = arch::AP_ISC;
  arch::Cpu& cpu = kernel_.cpu();
  // ap_queue_enable_irq: RC 0 or 0x07 is success; 0x02/0x05 (a reset still running, busy)
  // mean "try again" (-EBUSY, the state machine retries at the next poll).
  arch::ApQueueStatus s;
  for (int tries = 0; tries < 1000; ++tries) {
    s = ap_aqic(cpu, q.qid, ctl, lsi_);
    if (s.response_code != arch::AP_RESPONSE_RESET_IN_PROGRESS && s.response_code != arch::AP_RESPONSE_BUSY) break;
    cpu.delay_ps(kPollHighTimeoutPs);
  }
  if (s.response_code == arch::AP_RESPONSE_NORMAL || s.response_code == arch::AP_RESPONSE_OTHERWISE_CHANGED) {
    // SETIRQ_WAIT: the enable is asynchronous; TAPQ until irq_enabled.
    for (int i = 0; i < 100; ++i) {
      s = ap_tapq(cpu, q.qid, false, nullptr);
      if (s.irq_enabled) {
        q.irq_enabled = true;
        return;
      }
      cpu.delay_ps(kPollHighTimeoutPs);
    }
  }
  kernel_.printk("ap: Registering adapter interrupts for AP device " + q.qid.name() + " failed");
}

void ApBus::queue_message(ApQueueDev& q, ApMessageReq& req) {
  req.psmid = (uint64_t{1} << 32) + ++q.psmid_counter;  // zcrypt: (pid << 32) + counter
  req.t_submit_ps = kernel_.cpu().now_ps();
  req.done = false;
  q.requestq.push_back(&req);
  ++q.request_count;
  if (q.card) ++q.card->request_count;
  sm_write(q);
}

void ApBus::sm_write(ApQueueDev& q) {
  arch::Cpu& cpu = kernel_.cpu();
  // Outstanding requests per queue: the raw QD field, as kernels before 3317785a8803 allow.
  const unsigned limit = std::max<unsigned>(q.card ? q.card->qd : 1, 1);
  while (!q.requestq.empty() && q.queue_count < limit) {
    ApMessageReq& req = *q.requestq.front();
    cpu.storage().write(q.msg_buf, req.msg.data(), req.msg.size());
    const arch::ApQueueStatus s = ap_nqap(cpu, q.qid, req.psmid, q.msg_buf, req.msg.size());
    switch (s.response_code) {
      case arch::AP_RESPONSE_NORMAL:
        q.requestq.pop_front();
        q.pendingq.push_back(&req);
        ++q.queue_count;
        req.t_nqap_ps = cpu.now_ps();
        continue;
      case arch::AP_RESPONSE_Q_FULL:
      case arch::AP_RESPONSE_RESET_IN_PROGRESS:
      case arch::AP_RESPONSE_BUSY:
        return;  // QUEUE_FULL / RESET_WAIT: try again at the next poll
      case arch::AP_RESPONSE_INVALID_DOMAIN:
        kernel_.printk("ap: RESPONSE_INVALID_DOMAIN on NQAP");
        [[fallthrough]];
      case arch::AP_RESPONSE_MESSAGE_TOO_BIG:
      case arch::AP_RESPONSE_REQ_FAC_NOT_INST:
        q.requestq.pop_front();
        req.rc = -EINVAL;
        break;
      default:
        q.requestq.pop_front();
        q.last_err_rc = s.response_code;
        req.rc = -ENODEV;
        break;
    }
    req.done = true;
    req.t_reply_ps = cpu.now_ps();
    if (req.on_done) req.on_done(req);
  }
}

void ApBus::sm_read(ApQueueDev& q) {
  arch::Cpu& cpu = kernel_.cpu();
  while (q.queue_count > 0) {
    uint64_t psmid = 0, len = 0;
    const arch::ApQueueStatus s = ap_dqap(cpu, q.qid, psmid, q.reply_buf, kReplyBufPages * 4096, len);
    if (s.response_code != arch::AP_RESPONSE_NORMAL) {
      if (s.response_code == arch::AP_RESPONSE_NO_PENDING_REPLY && s.queue_empty && q.queue_count > 0) {
        // The queue lost requests (e.g. a reset): requeue them, as ap_sm_read does.
        for (ApMessageReq* r : q.pendingq) q.requestq.push_front(r);
        q.pendingq.clear();
        q.queue_count = 0;
      }
      return;
    }
    --q.queue_count;
    auto it = std::find_if(q.pendingq.begin(), q.pendingq.end(), [&](ApMessageReq* r) { return r->psmid == psmid; });
    if (it == q.pendingq.end()) {
      kernel_.printk("ap: Received reply with unknown psmid 0x" + hex02(static_cast<unsigned>(psmid)));
      continue;
    }
    ApMessageReq& req = **it;
    q.pendingq.erase(it);
    req.reply.resize(len);
    cpu.storage().read(q.reply_buf, req.reply.data(), len);
    req.rc = 0;
    req.done = true;
    req.t_reply_ps = cpu.now_ps();
    if (req.on_done) req.on_done(req);
  }
}

bool ApBus::poll() {
  bool outstanding = false;
  for (auto& [id, q] : queues_) {
    if (q->queue_count == 0 && q->requestq.empty()) continue;
    sm_read(*q);
    sm_write(*q);
    outstanding |= q->queue_count > 0 || !q->requestq.empty();
  }
  return outstanding;
}

bool ApBus::wait_and_poll() {
  arch::Cpu& cpu = kernel_.cpu();
  if (irq_) {
    // Interrupt-driven: sleep until the adapter interruption (with the low-frequency poll
    // as a safety net), then clear the summary indicator and run every queue (tasklet).
    cpu.wait_for_interrupt(kPollLowTimeoutPs);
    const uint8_t zero = 0;
    cpu.storage().write(lsi_, &zero, 1);
  } else {
    cpu.delay_ps(kPollHighTimeoutPs);  // ap_poll_timeout hrtimer
  }
  return poll();
}

}  // namespace apsim::driver
