// driver/ap_bus.cpp — AP bus: scan, devices, driver binding, masks, the request state machine.
#include "driver/ap_bus.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstdint>

#include "driver/ap_asm.h"
#include "driver/kernel.h"
#include "driver/kernel_parse.h"

namespace apsim::driver {

using arch::Apqn;

namespace {

constexpr uint64_t kPollHighTimeoutPs = 250'000'000;   // poll_high_timeout: 250 µs in an LPAR
constexpr uint64_t kPollLowTimeoutPs = 40'000'000'000; // poll_low_timeout: 40 ms
constexpr unsigned kReplyBufPages = 3;                   // 12 KiB: AP_DEFAULT_MAX_MSG_SIZE

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

int ApBus::init(const std::string& cmdline) {
  (void)cmdline;
  const arch::Facilities& fac = kernel_.cpu().facilities();
  if (!ap_instructions_available(kernel_.cpu())) {
    // ap_module_init (drivers/s390/crypto/ap_bus.c, 6.1): ap_instructions_available() is
    // false -> pr_warn("The hardware system does not support AP instructions\n") and
    // -ENODEV, before bus_register(&ap_bus_type) and root_device_register("ap"): no
    // /sys/bus/ap, no /sys/devices/ap, no scan work or config timer.  With CONFIG_AP built
    // in, do_one_initcall says nothing more about the -ENODEV (only with initcall_debug).
    kernel_.printk("ap: The hardware system does not support AP instructions");
    return -ENODEV;
  }
  registered_ = true;
  has_qci_ = fac.qci;
  irq_ = fac.aqic;  // ap.useirq defaults to 1
  qci_buf_ = kernel_.alloc_pages(1);
  lsi_ = kernel_.alloc_pages(1);
  const std::string apm = kernel_.cmdline_param("ap.apmask"), aqm = kernel_.cmdline_param("ap.aqmask");
  // ap_perms_init: a mask given on the command line starts out empty and is then parsed;
  // a parse error is ignored (the mask stays empty).
  if (!apm.empty()) {
    apmask_ = arch::ApMask();
    ap_parse_mask_str(apm, apmask_);
  }
  if (!aqm.empty()) {
    aqmask_ = arch::ApMask();
    ap_parse_mask_str(aqm, aqmask_);
  }
  // ap.domain= (module_param_named(domain, ap_domain_index, int), kstrtoint base 0); it is
  // checked against the QCI's Nd, so at the first scan, right after the QCI.  A value that
  // is no number fails in kernel/params.c, not in the AP bus: not modelled, the parameter
  // is then ignored.
  const std::string dom = kernel_.cmdline_param("ap.domain");
  if (!dom.empty()) {
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(dom.c_str(), &end, 0);
    domain_param_given_ = end && *end == '\0' && errno == 0 && v >= INT32_MIN && v <= INT32_MAX;
    domain_param_ = v;
  }
  bus_attrs();
  scan();
  return 0;
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
  // ap_domain: the valid ap.domain= parameter, else the default usage domain
  // ap_select_domain picks (the first in the config).
  fs.add_attr(b + "ap_domain", show_str([this] {
                if (domain_index_ >= 0) return fmt_u(static_cast<unsigned>(domain_index_));
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
  // bindings_show / ap_calc_bound_apqns: queue devices only.
  fs.add_attr(b + "bindings", show_str([this] {
                unsigned bound = 0, total = 0;
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

int ApBus::register_driver(ApDriver& drv) {
  if (!registered_) {
    // ap_driver_register -> driver_register (drivers/base/driver.c, 6.1): the bus was never
    // registered (drv->bus->p == NULL) -> pr_err (no prefix) and -EINVAL.
    kernel_.printk("Driver '" + drv.name() + "' was unable to register with bus_type 'ap' because the bus was not initialized.");
    return -EINVAL;
  }
  drivers_.push_back(&drv);
  add_driver_dir(drv);
  if (drv.for_cards()) {
    for (auto& [id, c] : cards_)
      if (!c->driver) bind_card(*c, drv);
    return 0;
  }
  for (auto& [id, q] : queues_)
    if (!q->driver) probe_device(*q);
  return 0;
}

void ApBus::unregister_driver(ApDriver& drv) {
  if (std::find(drivers_.begin(), drivers_.end(), &drv) == drivers_.end()) return;  // never registered
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

namespace {
// bus_find_device_by_name compares with sysfs_streq: one trailing newline is ignored.
std::string sysfs_name(const std::string& buf) {
  std::string name = buf;
  if (!name.empty() && name.back() == '\n') name.pop_back();
  return name;
}
}  // namespace

int ApBus::driver_bind_store(ApDriver& drv, const std::string& buf) {
  // bind_store (drivers/base/bus.c): find the device by name, driver_match_device (the
  // driver's id table: queue drivers take queue devices of CEX4 and newer, card drivers
  // card devices), then device_driver_attach: -EBUSY if bound, else ap_device_probe.
  const std::string name = sysfs_name(buf);
  for (auto& [id, c] : cards_) {
    if (arch::card_name(c->id) != name) continue;
    if (!drv.for_cards() || c->hwtype < arch::AP_DEVICE_TYPE_CEX4) return -ENODEV;
    if (c->driver) return -EBUSY;
    bind_card(*c, drv);
    return 0;
  }
  Apqn qid;
  if (drv.for_cards() || !parse_apqn(name, qid) || qid.name() != name) return -ENODEV;
  ApQueueDev* q = queue(qid);
  if (!q) return -ENODEV;
  if (q->driver) return -EBUSY;
  // ap_device_probe: an APQN in apmask x aqmask may only bind to default drivers, any other
  // only to non-default ones -- unless the profile follows seed 002, written before the
  // masks existed, where an explicit bind is the way to give a queue to vfio_ap.
  if (drv.is_default() != apqn_owned_by_default(qid) && !kernel_.vfio_ap_profile().explicit_bind_overrides_masks)
    return -ENODEV;
  if (int rc = drv.probe_queue(*q); rc) return rc;
  bind(*q, drv);
  return 0;
}

int ApBus::driver_unbind_store(ApDriver& drv, const std::string& buf) {
  // unbind_store: the device named, if this driver has it; -ENODEV otherwise.
  const std::string name = sysfs_name(buf);
  for (auto& [id, c] : cards_) {
    if (arch::card_name(c->id) != name) continue;
    if (c->driver != &drv) return -ENODEV;
    unbind_card(*c);
    return 0;
  }
  Apqn qid;
  if (!parse_apqn(name, qid) || qid.name() != name) return -ENODEV;
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
  // config: RW, SCLP configure/deconfigure (ap_card.c config_store); chkstop: RO.
  fs.add_attr(c->path + "/config", show_str([cp] { return fmt_u(cp->config); }),
              [this, cp](const std::string& buf) { return card_config_store(*cp, buf); });
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

void ApBus::unbind_card(ApCardDev& c) {
  if (!c.driver) return;
  kernel_.sysfs().remove("/sys/bus/ap/drivers/" + c.driver->name() + "/" + arch::card_name(c.id));
  kernel_.sysfs().remove(c.path + "/driver");
  c.driver->remove_card(c);
  c.driver = nullptr;
}

void ApBus::create_queue(ApCardDev& card, unsigned apqi, bool config, bool chkstop) {
  auto q = std::make_unique<ApQueueDev>();
  q->qid = Apqn{card.id, static_cast<uint8_t>(apqi)};
  q->card = &card;
  q->config = config;
  q->chkstop = chkstop;
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
  // reset (ap_queue.c reset_show/reset_store): the state of a reset, read from the queue
  // (TAPQ: RC 0x02 while a RAPQ/ZAPQ runs); writing resets the queue.  apsim's own resets
  // complete before the store returns, so no reset timer is ever armed.
  fs.add_attr(q->path + "/reset", show_str([this, qp] {
                const arch::ApQueueStatus st = ap_tapq(kernel_.cpu(), qp->qid, false, nullptr);
                return std::string(st.response_code == arch::AP_RESPONSE_RESET_IN_PROGRESS ? "Reset in progress.\n"
                                                                                           : "No Reset Timer set.\n");
              }),
              [this, qp](const std::string&) { return queue_reset_store(*qp); });
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
  // The machine reads a request at NQAP and writes a reply at DQAP only, so nothing
  // touches these buffers once the device is gone.
  kernel_.free_pages(q.msg_buf, kReplyBufPages);
  kernel_.free_pages(q.reply_buf, kReplyBufPages);
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
  if (!registered_) return;  // no bus: nothing scans (ap_scan_bus_wq/ap_config_timer are set up after bus_register)
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
  if (scans_ == 1 && domain_param_given_) {
    // ap_module_init, after ap_init_qci_info: out of range or not in aqmask ->
    // pr_warn("%d is not a valid cryptographic domain\n"), and the default selection
    // (ap_select_domain) instead.
    const long d = domain_param_;
    if (d < -1 || d > static_cast<long>(max_domain_id()) || (d >= 0 && !aqmask_.test(static_cast<unsigned>(d))))
      kernel_.printk("ap: " + std::to_string(d) + " is not a valid cryptographic domain");
    else
      domain_index_ = static_cast<int>(d);
  }
  if (scans_ > 1 && (before.apm != qci_.apm || before.aqm != qci_.aqm || before.adm != qci_.adm))
    for (ApDriver* d : drivers_) d->on_config_changed(qci_, before);

  const bool apft = cpu.facilities().apft;
  for (unsigned apid = 0; apid <= 255; ++apid) {
    if (apid > max_adapter_id() || !qci_.apm.test(apid)) {
      if (card(apid)) remove_card_dev(apid);
      continue;
    }
    // Find the card's type through the first domain that answers (ap_scan_adapter); the
    // info word is valid with RC 0x00 and 0x02..0x05 (ap_queue_info).
    auto info_valid = [](uint8_t rc) { return rc == arch::AP_RESPONSE_NORMAL || (rc >= 0x02 && rc <= 0x05); };
    arch::TapqInfo info;
    bool found = false;
    uint8_t card_rc = 0;
    Apqn first{};
    for (unsigned dom = 0; dom <= max_domain_id() && !found; ++dom) {
      if (!qci_.aqm.test(dom)) continue;
      first = Apqn{static_cast<uint8_t>(apid), static_cast<uint8_t>(dom)};
      const arch::ApQueueStatus s = ap_tapq(cpu, first, apft, &info);
      if (info_valid(s.response_code)) found = true, card_rc = s.response_code;
    }
    // at == 0 (no APFT: no info word) is unusable; types below CEX4 are not supported, types
    // beyond CEX8 only as what QACT maps them to.  An existing card keeps its type.
    const uint8_t comp = !found ? 0 : card(apid) ? card(apid)->hwtype : compatible_type(first, info);
    if (!found || comp == 0) {
      if (card(apid)) remove_card_dev(apid);
      continue;
    }
    const bool card_decfg = card_rc == arch::AP_RESPONSE_DECONFIGURED;
    const bool card_chkstop = card_rc == arch::AP_RESPONSE_CHECKSTOPPED;
    if (!card(apid)) create_card(apid, info, comp, !card_decfg, card_chkstop);
    ApCardDev& c = *card(apid);
    c.config = !card_decfg;
    c.chkstop = card_chkstop;
    for (unsigned dom = 0; dom <= 255; ++dom) {
      const Apqn qid{static_cast<uint8_t>(apid), static_cast<uint8_t>(dom)};
      const bool in_config = dom <= max_domain_id() && qci_.aqm.test(dom);
      ApQueueDev* q = queue(qid);
      if (!in_config) {
        if (q) remove_queue_dev(*q);
        continue;
      }
      const arch::ApQueueStatus s = ap_tapq(cpu, qid, false, nullptr);
      if (!info_valid(s.response_code)) {
        if (q) remove_queue_dev(*q);
        continue;
      }
      const bool decfg = s.response_code == arch::AP_RESPONSE_DECONFIGURED;
      const bool chkstop = s.response_code == arch::AP_RESPONSE_CHECKSTOPPED;
      if (!q) {
        create_queue(c, dom, !decfg, chkstop);
        continue;
      }
      // ap_scan_domains: config and checkstop changes of an existing queue device.
      const bool was_usable = q->config && !q->chkstop;
      q->config = !decfg;
      q->chkstop = chkstop;
      if (decfg || chkstop) {
        if (was_usable) {
          // Checkstop / config off: the device is in error, its requests are 'received'
          // with -EAGAIN (ap_flush_queue), its interruptions are gone with the adapter's state.
          q->dev_error = true;
          q->last_err_rc = s.response_code;
          q->irq_enabled = false;
          flush_queue(*q, -EAGAIN);
        }
      } else if (!was_usable || q->dev_error) {
        // Checkstop / config on, or another error state: flush and re-init with a reset.
        flush_queue(*q, -EAGAIN);
        queue_init_state(*q);
      }
    }
  }
  for (ApDriver* d : drivers_) d->on_scan_complete();
}

uint8_t ApBus::compatible_type(Apqn qid, const arch::TapqInfo& info) {
  // ap_get_compatible_type: < CEX4 unsupported, up to CEX8 as is, beyond CEX8 what
  // PQAP(QACT) says it is compatible with (QCI flag C), accepted only within CEX4..CEX8.
  if (info.at < arch::AP_DEVICE_TYPE_CEX4) return 0;
  if (info.at <= arch::AP_DEVICE_TYPE_CEX8) return info.at;
  if (!has_qci_ || !(qci_.flags & arch::QCI_FLAG_QACT)) return 0;
  arch::QactInfo apinfo;
  apinfo.mode = arch::qact_mode(info.functions);
  apinfo.cat = arch::AP_DEVICE_TYPE_CEX8;
  const arch::ApQueueStatus s = ap_qact(kernel_.cpu(), qid, false, apinfo);
  if (s.response_code == arch::AP_RESPONSE_NORMAL && apinfo.cat >= arch::AP_DEVICE_TYPE_CEX4 &&
      apinfo.cat <= arch::AP_DEVICE_TYPE_CEX8)
    return apinfo.cat;
  return 0;
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

void ApBus::flush_queue(ApQueueDev& q, int err) {
  arch::Cpu& cpu = kernel_.cpu();
  std::deque<ApMessageReq*> all;
  all.swap(q.pendingq);
  for (ApMessageReq* r : q.requestq) all.push_back(r);
  q.requestq.clear();
  q.queue_count = 0;
  for (ApMessageReq* r : all) {
    r->rc = err;
    r->done = true;
    r->t_reply_ps = cpu.now_ps();
    if (r->on_done) r->on_done(*r);
  }
}

void ApBus::queue_init_state(ApQueueDev& q) {
  q.dev_error = false;
  q.last_err_rc = 0;
  q.irq_enabled = false;
  // Only the AP bus' own (default) drivers run the queue state machine; vfio_ap resets the
  // queues it holds itself.
  if (!q.driver || !q.driver->is_default()) return;
  arch::Cpu& cpu = kernel_.cpu();
  // RESET_START -> RESET_WAIT: RAPQ, then TAPQ until the reset is over.
  arch::ApQueueStatus s = ap_rapq(cpu, q.qid, false);
  for (int i = 0; i < 100 && (s.response_code == arch::AP_RESPONSE_NORMAL ||
                              s.response_code == arch::AP_RESPONSE_RESET_IN_PROGRESS || s.response_code == arch::AP_RESPONSE_BUSY);
       ++i) {
    s = ap_tapq(cpu, q.qid, false, nullptr);
    if (s.response_code == arch::AP_RESPONSE_NORMAL) break;
    cpu.delay_ps(kPollHighTimeoutPs);
  }
  if (s.response_code != arch::AP_RESPONSE_NORMAL) {
    q.dev_error = true;
    q.last_err_rc = s.response_code;
    return;
  }
  if (irq_) enable_irq(q);  // SETIRQ_WAIT -> IDLE
}

int ApBus::queue_reset_store(ApQueueDev& q) {
  // reset_store: flush what the queue holds (-EAGAIN), then a reset as at init.
  flush_queue(q, -EAGAIN);
  const ApDriver* d = q.driver;
  if (d && d->is_default()) {
    queue_init_state(q);
  } else {
    // No AP bus state machine runs the queue: the reset alone.
    ap_rapq(kernel_.cpu(), q.qid, false);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------
// interrupts and the request state machine
void ApBus::enable_irq(ApQueueDev& q) {
  if (!q.config || q.chkstop) return;  // only an operating queue gets interruptions
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
    // SETIRQ_WAIT: the enable is asynchronous; TAPQ until irq_enabled.  A queue that never
    // shows it stays without interruptions, silently (ap_sm_setirq_wait logs nothing).
    for (int i = 0; i < 100; ++i) {
      s = ap_tapq(cpu, q.qid, false, nullptr);
      if (s.irq_enabled) {
        q.irq_enabled = true;
        return;
      }
      cpu.delay_ps(kPollHighTimeoutPs);
    }
    return;
  }
  // ap_queue_enable_irq (ap_queue.c): RC 0x01, 0x03, 0x04, 0x06 ->
  // pr_err("Registering adapter interrupts for AP device %02x.%04x failed\n"), -EOPNOTSUPP;
  // any other RC is -EBUSY (retried at the next poll, no message).
  switch (s.response_code) {
    case arch::AP_RESPONSE_Q_NOT_AVAIL:
    case arch::AP_RESPONSE_DECONFIGURED:
    case arch::AP_RESPONSE_CHECKSTOPPED:
    case arch::AP_RESPONSE_INVALID_ADDRESS:
      kernel_.printk("ap: Registering adapter interrupts for AP device " + q.qid.name() + " failed");
      break;
    default:
      break;
  }
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
  // A queue device in error state takes no requests (ap_queue_message: -ENODEV).
  if (q.dev_error) {
    std::deque<ApMessageReq*> reqs;
    reqs.swap(q.requestq);
    for (ApMessageReq* r : reqs) {
      r->rc = -ENODEV;
      r->done = true;
      r->t_reply_ps = cpu.now_ps();
      if (r->on_done) r->on_done(*r);
    }
    return;
  }
  // Outstanding requests per queue: the raw QD field, as kernels before 3317785a8803 allow.
  const unsigned limit = std::max<unsigned>(q.card ? q.card->qd : 1, 1);
  while (!q.requestq.empty() && q.queue_count < limit) {
    ApMessageReq& req = *q.requestq.front();
    cpu.storage().write(q.msg_buf, req.msg.data(), req.msg.size());
    req.t_nqap_start_ps = cpu.now_ps();
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
        // ap_sm_write: AP_DBF_WARN("%s RESPONSE_INVALID_DOMAIN on NQAP\n") -- the s390 debug
        // feature, not the kernel log: nothing for dmesg.
        [[fallthrough]];
      case arch::AP_RESPONSE_MESSAGE_TOO_BIG:
      case arch::AP_RESPONSE_REQ_FAC_NOT_INST:
        q.requestq.pop_front();
        req.rc = -EINVAL;
        break;
      default:
        // Any other RC (0x01, 0x03, 0x04, ...): AP_DEV_STATE_ERROR, and the queue's requests
        // are flushed with -EAGAIN (what the next scan does in Linux; see queue_error).
        queue_error(q, s.response_code);
        return;
    }
    req.done = true;
    req.t_reply_ps = cpu.now_ps();
    if (req.on_done) req.on_done(req);
  }
}

void ApBus::sm_read(ApQueueDev& q) {
  arch::Cpu& cpu = kernel_.cpu();
  while (q.queue_count > 0 && !q.dev_error) {
    uint64_t psmid = 0, len = 0, reslen = 0, resgr0 = 0;
    arch::ApQueueStatus s;
    // ap_sm_recv: a reply longer than the buffer (pseudo RC 0xFF) is received in parts by
    // re-issuing DQAP with the returned GR0, each part over the last; the request then
    // fails with -EMSGSIZE.
    unsigned parts = 0;
    do {
      s = ap_dqap(cpu, q.qid, psmid, q.reply_buf, kReplyBufPages * 4096, len, nullptr, &reslen, &resgr0);
      ++parts;
    } while (s.response_code == 0xff && resgr0 != 0 && parts < 64);
    switch (s.response_code) {
      case arch::AP_RESPONSE_NORMAL:
        break;
      case arch::AP_RESPONSE_NO_PENDING_REPLY:
        if (s.queue_empty && q.queue_count > 0) {
          // The queue lost requests (e.g. a reset): requeue them ahead of the waiting ones,
          // in order, as ap_sm_read does (list_splice_init(pendingq, requestq)).
          q.requestq.insert(q.requestq.begin(), q.pendingq.begin(), q.pendingq.end());
          q.pendingq.clear();
          q.queue_count = 0;
        }
        return;
      case arch::AP_RESPONSE_RESET_IN_PROGRESS:
      case arch::AP_RESPONSE_BUSY:
        return;  // try again at the next poll
      default:
        queue_error(q, s.response_code);
        return;
    }
    // ap_sm_recv: queue_count = max(0, queue_count - 1), then "if (!status.queue_empty &&
    // !aq->queue_count) aq->queue_count++" -- a reply nobody asked for (an unassociated
    // psmid, e.g. a request apinsn enqueued) must not make the bus stop reading a queue
    // that still holds work.
    if (q.queue_count > 0) --q.queue_count;
    if (!s.queue_empty && q.queue_count == 0) ++q.queue_count;
    auto it = std::find_if(q.pendingq.begin(), q.pendingq.end(), [&](ApMessageReq* r) { return r->psmid == psmid; });
    if (it == q.pendingq.end()) {
      // ap_sm_recv: AP_DBF_WARN("%s unassociated reply psmid=0x%016llx on 0x%02x.%04x\n") --
      // the s390 debug feature, not the kernel log: the reply is dropped silently.
      continue;
    }
    ApMessageReq& req = **it;
    q.pendingq.erase(it);
    if (hw_times_source()) req.hw_valid = hw_times_source()(q.qid.qid(), psmid, req.hw);
    if (parts > 1) {
      req.rc = -EMSGSIZE;
    } else {
      req.reply.resize(len);
      cpu.storage().read(q.reply_buf, req.reply.data(), len);
      req.rc = 0;
    }
    req.done = true;
    req.t_reply_ps = cpu.now_ps();
    if (req.on_done) req.on_done(req);
  }
}

void ApBus::queue_error(ApQueueDev& q, uint8_t rc) {
  // ap_sm_write / ap_sm_read default case: AP_DEV_STATE_ERROR with last_err_rc.  Linux
  // leaves the requests where they are until the next bus scan flushes them (at most
  // AP_CONFIG_TIME, 30 s, later); apsim scans periodically only while a script sleeps, not
  // while a workload waits for replies, so it does that scan's part for this queue at once:
  // config/chkstop follow the RC and the requests get -EAGAIN.
  q.dev_error = true;
  q.last_err_rc = rc;
  if (rc == arch::AP_RESPONSE_DECONFIGURED) q.config = false;
  if (rc == arch::AP_RESPONSE_CHECKSTOPPED) q.chkstop = true;
  if (rc == arch::AP_RESPONSE_DECONFIGURED || rc == arch::AP_RESPONSE_CHECKSTOPPED) q.irq_enabled = false;
  // (Linux reports it in the s390 debug feature, AP_DBF_WARN, not in the kernel log.)
  flush_queue(q, -EAGAIN);
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

ApHwTimesSource& ApBus::hw_times_source() {
  static ApHwTimesSource source;
  return source;
}

void ApBus::set_hw_times_source(ApHwTimesSource source) { hw_times_source() = std::move(source); }

int ApBus::set_use_interrupts(bool on) {
  if (on == irq_) return 0;
  if (on && !kernel_.cpu().facilities().aqic) return -EOPNOTSUPP;
  irq_ = on;
  if (on)  // switched on: the queues the default drivers have get their interruptions
    for (auto& [id, q] : queues_)
      if (q->driver && q->driver->is_default() && !q->irq_enabled && !q->dev_error) enable_irq(*q);
  return 0;
}

bool ApBus::wait_and_poll_until(uint64_t deadline_ps) {
  arch::Cpu& cpu = kernel_.cpu();
  const uint64_t now = cpu.now_ps();
  if (deadline_ps > now) {
    if (irq_) {
      cpu.wait_for_interrupt(std::min(deadline_ps - now, kPollLowTimeoutPs));
      const uint8_t zero = 0;
      cpu.storage().write(lsi_, &zero, 1);
    } else {
      if (next_poll_ps_ <= now) next_poll_ps_ = now + kPollHighTimeoutPs;  // arm the timer
      cpu.delay_ps(std::min(deadline_ps, next_poll_ps_) - now);
      if (cpu.now_ps() >= next_poll_ps_) next_poll_ps_ = 0;  // it fired
    }
  }
  return poll();
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
