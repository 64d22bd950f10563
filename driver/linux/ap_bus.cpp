// driver/linux/ap_bus.cpp — the AP bus (drivers/s390/crypto/ap_bus.c): module init, the
// bus attributes and apmask/aqmask, driver registration and binding (ap_device_probe), the
// configuration scan (ap_scan_bus), and the poll work that runs the queues.
#include "driver/linux/ap_bus.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstdint>

#include "driver/linux/ap_asm.h"
#include "driver/linux/kernel.h"
#include "driver/linux/kernel_parse.h"

namespace apsim::driver {

using arch::Apqn;

ApBus::ApBus(LinuxKernel& kernel) : kernel_(kernel) {}

ApBus::~ApBus() {
  // The kernel goes (reboot, a guest's QEMU ending): the processes waiting in zcrypt are
  // killed, and each one's wait_for_completion_interruptible returns -ERESTARTSYS and
  // ap_cancel_message takes its request off the queue (zcrypt_msgtype50.c / msgtype6.c).
  // Every request still on a queue device ends so, once, instead of never.
  constexpr int kErestartsys = 512;  // ERESTARTSYS, include/linux/errno.h (kernel-internal)
  for (auto& [id, q] : queues_) flush_queue(*q, -kErestartsys);
}

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

// sysfs: /sys/bus/ap
void ApBus::bus_attrs() {
  Sysfs& fs = kernel_.sysfs();
  const std::string b = "/sys/bus/ap/";
  fs.mkdir(b + "devices");
  fs.mkdir(b + "drivers");
  fs.mkdir("/sys/devices/ap");
  auto mask_show = [this](const arch::ApMask& m) { return m.to_hex() + "\n"; };
  fs.add_attr(b + "apmask", sysfs_show([=] { return mask_show(apmask_); }),
              [this](const std::string& buf) { return store_mask(buf, true); });
  fs.add_attr(b + "aqmask", sysfs_show([=] { return mask_show(aqmask_); }),
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
  fs.add_attr(b + "ap_adapter_mask", sysfs_show([=] { return qci_mask(0); }), nullptr);
  fs.add_attr(b + "ap_usage_domain_mask", sysfs_show([=] { return qci_mask(1); }), nullptr);
  fs.add_attr(b + "ap_control_domain_mask", sysfs_show([=] { return qci_mask(2); }), nullptr);
  fs.add_attr(b + "ap_max_adapter_id", sysfs_show([this] { return sysfs_u(max_adapter_id()); }), nullptr);
  fs.add_attr(b + "ap_max_domain_id", sysfs_show([this] { return sysfs_u(max_domain_id()); }), nullptr);
  // ap_domain (RW): the ap.domain= parameter or ap_select_domain's choice, -1 while none;
  // ap_domain_store: sscanf("%i\n"), 0..ap_max_domain_id and in aqmask, else EINVAL.
  fs.add_attr(b + "ap_domain", sysfs_show([this] { return std::to_string(domain_index_) + "\n"; }),
              [this](const std::string& buf) {
                const std::optional<long long> d = sscanf_number(buf, 0);
                if (!d || *d < 0 || *d > static_cast<long long>(max_domain_id()) ||
                    !aqmask_.test(static_cast<unsigned>(*d)))
                  return -EINVAL;
                domain_index_ = static_cast<int>(*d);
                return 0;
              });
  fs.add_attr(b + "ap_interrupts", sysfs_show([this] { return sysfs_u(irq_ ? 1 : 0); }), nullptr);
  // config_time (RW): sscanf("%d\n"), 5..120 s, else EINVAL; the timer is re-armed.
  fs.add_attr(b + "config_time", sysfs_show([this] { return sysfs_u(config_time_s_); }),
              [this](const std::string& buf) {
                const std::optional<long long> t = sscanf_number(buf, 10);
                if (!t || *t < 5 || *t > 120) return -EINVAL;
                config_time_s_ = static_cast<unsigned>(*t);
                kernel_.rearm_config_timer();
                return 0;
              });
  // poll_timeout (RW, ns): 6.1 sscanf("%llu\n"), 1..120e9; newest kstrtoul(buf, 0), up to
  // 120e9 (0 accepted).  It is the poll timer's period.
  fs.add_attr(b + "poll_timeout", sysfs_show([this] { return sysfs_u(poll_timeout_ns_); }),
              [this](const std::string& buf) {
                unsigned long long t = 0;
                if (kernel_.profile().poll_timeout_kstrtoul) {
                  unsigned long v = 0;
                  if (int rc = kstrtoul(buf, v); rc) return rc;
                  t = v;
                } else {
                  const std::optional<long long> v = sscanf_number(buf, 10);
                  if (!v) return -EINVAL;
                  t = static_cast<unsigned long long>(*v);
                  if (t < 1) return -EINVAL;
                }
                if (t > 120'000'000'000ull) return -EINVAL;
                poll_timeout_ns_ = t;
                return 0;
              });
  // poll_thread (RW): 6.1 sscanf("%d\n"), newest kstrtobool; starting it does nothing while
  // interruptions are in use (ap_poll_thread_start), so it then still reads 0.
  fs.add_attr(b + "poll_thread", sysfs_show([this] { return sysfs_u(poll_thread_ ? 1 : 0); }),
              [this](const std::string& buf) {
                bool on = false;
                if (kernel_.profile().poll_thread_kstrtobool) {
                  if (int rc = kstrtobool(buf, on); rc) return rc;
                } else {
                  const std::optional<long long> v = sscanf_number(buf, 10);
                  if (!v) return -EINVAL;
                  on = *v != 0;
                }
                poll_thread_ = on && !irq_;
                return 0;
              });
  fs.add_attr(b + "scans", sysfs_show([this] { return sysfs_u(scans_); }), [this](const std::string&) {
    scan();
    return 0;
  });
  // bindings_show / ap_calc_bound_apqns: queue devices only.
  fs.add_attr(b + "bindings", sysfs_show([this] {
                const std::size_t bound = bound_queues_, total = queues_.size();
                return std::to_string(bound) + "/" + std::to_string(total) + (bound == total ? " (complete)" : "") + "\n";
              }),
              nullptr);
  // features (newer kernels only): the QCI flags as words, "-" without QCI; nothing at
  // all when QCI has none of them (features_show writes no byte then).
  if (kernel_.profile().bus_features)
    fs.add_attr(b + "features", sysfs_show([this] {
                  if (!has_qci_) return std::string("-\n");
                  std::string f;
                  if (qci_.flags & arch::QCI_FLAG_APSC) f += "APSC ";
                  if (qci_.flags & arch::QCI_FLAG_APXA) f += "APXA ";
                  if (qci_.flags & arch::QCI_FLAG_QACT) f += "QACT ";
                  if (qci_.flags & arch::QCI_FLAG_RC8A) f += "RC8A ";
                  if (qci_.flags & arch::QCI_FLAG_APSB) f += "APSB ";
                  if (!f.empty()) f.back() = '\n';
                  return f;
                }),
                nullptr);
  // bindings_complete_count (6.19+): how often every queue device has become bound.
  if (kernel_.profile().bindings_complete_count)
    fs.add_attr(b + "bindings_complete_count", sysfs_show([this] { return sysfs_u(bindings_complete_count_); }),
                nullptr);
}

int ApBus::store_mask(const std::string& buf, bool adapters) {
  // Newer kernels refuse mask edits while a queue has a driver_override (46030379f13c).
  if (kernel_.profile().queue_driver_override)
    for (auto& [id, q] : queues_)
      if (!q->driver_override.empty()) return -EINVAL;
  arch::ApMask& cur = adapters ? apmask_ : aqmask_;
  arch::ApMask next = cur;
  if (int rc = ap_parse_mask_str(buf, next); rc) return rc;
  // Bits newly set take APQNs back for the default drivers: ask the other drivers first
  // (apmask_store / aqmask_store -> __verify_card_reservations / __verify_queue_reservations:
  // in_use(new adapters, aqmask), or in newer kernels in_use(new adapters, all domains)).
  const arch::ApMask newly = next & ~cur;
  if (!newly.empty()) {
    const arch::ApMask other = kernel_.profile().in_use_all_ones ? arch::ApMask::all() : adapters ? aqmask_ : apmask_;
    for (ApDriver* d : drivers_) {
      if (d->is_default()) continue;
      const int rc = adapters ? d->in_use(newly, other) : d->in_use(other, newly);
      if (rc) return -EBUSY;
    }
  }
  cur = next;
  masks_edited_ = !(apmask_ == arch::ApMask::all() && aqmask_ == arch::ApMask::all());
  revise_bindings();
  return 0;
}

bool ApBus::may_bind(const ApQueueDev& q, const ApDriver& drv) const {
  // ap_device_probe: an APQN in apmask x aqmask binds only to default drivers, any other
  // only to non-default ones; a driver_override (newer kernels) names the one driver.
  if (!q.driver_override.empty()) return q.driver_override == drv.name();
  return drv.is_default() == apqn_owned_by_default(q.qid);
}

void ApBus::check_bindings_complete() {
  // ap_check_bindings_complete: counted each time every queue device has become bound.
  // ap_calc_bound_apqns walks the bus's devices; the count of bound ones is kept instead.
  const bool all = bound_queues_ == queues_.size();
  if (all && !bindings_complete_) ++bindings_complete_count_;
  bindings_complete_ = all;
}

void ApBus::select_domain() {
  // ap_select_domain: keep a choice once made; else the first usage domain (QCI and aqmask)
  // with an adapter (QCI and apmask) whose queue answers TAPQ with RC 0.
  if (domain_index_ >= 0) return;
  const bool apft = kernel_.cpu().facilities().apft;
  for (unsigned dom = 0; dom <= max_domain_id(); ++dom) {
    if (!qci_.aqm.test(dom) || !aqmask_.test(dom)) continue;
    for (unsigned card = 0; card <= max_adapter_id(); ++card) {
      if (!qci_.apm.test(card) || !apmask_.test(card)) continue;
      const arch::ApQueueStatus s = ap_tapq(kernel_.cpu(), Apqn{static_cast<uint8_t>(card), static_cast<uint8_t>(dom)},
                                            apft, nullptr);
      if (s.response_code == arch::AP_RESPONSE_NORMAL) {
        domain_index_ = static_cast<int>(dom);
        return;
      }
    }
  }
}

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
  driver_links_.erase(&drv);
  kernel_.sysfs().remove("/sys/bus/ap/drivers/" + drv.name());
}

void ApBus::probe_device(ApQueueDev& q) {
  if (q.driver) return;
  for (ApDriver* d : drivers_) {
    if (d->for_cards() || !may_bind(q, *d)) continue;
    if (d->probe_queue(q) == 0) {
      bind(q, *d);
      return;
    }
  }
}

void ApBus::bind(ApQueueDev& q, ApDriver& drv) {
  q.driver = &drv;
  ++bound_queues_;
  Sysfs& fs = kernel_.sysfs();
  fs.add_link("/sys/bus/ap/drivers/" + drv.name() + "/" + q.qid.name(), q.path);
  fs.add_group(q.path, driver_link_group(drv), &q);
  // A default driver's probe starts the queue's state machine (ap_queue_init_state):
  // dev_state OPERATING; apsim's reset of it is the interruption set-up alone.
  if (drv.is_default()) {
    q.initiated = true;
    q.reset_start = false;
    if (irq_) enable_irq(q);
  }
  check_bindings_complete();
}

std::shared_ptr<const Sysfs::Group> ApBus::driver_link_group(const ApDriver& drv) {
  // driver_sysfs_add: the device's `driver` link to its driver's directory.  Its target
  // is the same for every device of the driver: one group per driver holds it.
  std::shared_ptr<const Sysfs::Group>& g = driver_links_[&drv];
  if (!g) {
    auto link = std::make_shared<Sysfs::Group>();
    link->add_link("driver", "/sys/bus/ap/drivers/" + drv.name());
    g = std::move(link);
  }
  return g;
}

void ApBus::unbind(ApQueueDev& q) {
  if (!q.driver) return;
  ApDriver& drv = *q.driver;
  // ap_device_remove -> ap_queue_prepare_remove: the requests still on the queue are
  // 'received' with -EAGAIN (__ap_flush_queue) before the driver lets go of it, so no waiter
  // waits forever and none of them reaches the queue's next owner.
  flush_queue(q, -EAGAIN);
  drv.remove_queue(q);
  q.initiated = false;  // ap_queue_remove: ZAPQ (the drivers' own), dev_state UNINITIATED
  Sysfs& fs = kernel_.sysfs();
  fs.remove("/sys/bus/ap/drivers/" + drv.name() + "/" + q.qid.name());
  fs.remove_group(q.path, *driver_link_group(drv));
  q.driver = nullptr;
  --bound_queues_;
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
  // ap_device_probe: -ENODEV, silently (call_driver_probe: pr_debug only), for a driver the
  // masks (or the driver_override) do not allow.
  if (!may_bind(*q, drv)) return -ENODEV;
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
  if (!registered_ || kernel_.panicked()) return;  // no bus: nothing scans (ap_scan_bus_wq/ap_config_timer are set up after bus_register)
  // A guest whose memory cannot hold its matrix's queues runs out of memory here and panics
  // (LinuxKernel::alloc_pages): the guest ends (its QEMU exits), the host goes on.  The
  // host's panic ends the run.
  try {
    scan_bus();
  } catch (const KernelPanic&) {
    if (!kernel_.options().is_guest) throw;
  }
}

void ApBus::scan_bus() {
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
  select_domain();
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

bool ApBus::poll() {
  // ap_tasklet_fn (ap_bus.c, 6.1) runs ap_sm_event_loop(aq, AP_SM_EVENT_POLL) on every queue
  // of the ap_queues hashtable; on an idle queue (no request waiting, none on the hardware)
  // that is ap_sm_nop: no instruction, nothing observable.  apsim's choice: visit only the
  // queues on the poll list -- every queue that got work since a poll last found it idle,
  // a superset of the busy ones -- so that a poll costs O(busy queues), not O(queue
  // devices) (65,536 on a 256 x 256 LPAR; issue 13 part 2).  The list is ordered by queue
  // ID, the order apsim has always polled in (a choice too: Linux's is the hash order), so
  // the NQAPs and DQAPs come in the same order as a walk over all queues skipping idle ones.
  // A request completed during the walk may give another queue work (queue_message adds it
  // to the list): one with a higher ID is visited by this poll, one with a lower ID by the
  // next, as in a walk over all queues.
  // The walk goes by key, not by a held iterator: a completion callback may change the
  // list (queue work elsewhere, wait for a reply in a nested poll, remove a queue device).
  const auto busy = [](const ApQueueDev& q) { return q.queue_count > 0 || !q.requestq.empty(); };
  bool outstanding = false;
  for (auto it = poll_list_.begin(); it != poll_list_.end();) {
    const uint16_t qid = it->qid.qid();
    ++poll_visits_;
    if (ApQueueDev& q = *it; busy(q)) {
      sm_read(q);
      sm_write(q);
    }
    it = poll_list_.find(qid);  // gone if its device went during the visit
    if (it != poll_list_.end()) {
      if (busy(*it)) {
        outstanding = true;
      } else {  // idle: only queue_message gives it work again, and puts it back on the list
        it->on_poll_list = false;
        poll_list_.erase(it);
      }
    }
    it = poll_list_.upper_bound(qid);
  }
  return outstanding;
}

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
      cpu.wait_for_interrupt(std::min(deadline_ps - now, AP_POLL_LOW_TIMEOUT_PS));
      const uint8_t zero = 0;
      cpu.storage().write(lsi_, &zero, 1);
    } else {
      if (next_poll_ps_ <= now) next_poll_ps_ = now + poll_timeout_ns_ * 1000;  // arm the timer
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
    cpu.wait_for_interrupt(AP_POLL_LOW_TIMEOUT_PS);
    const uint8_t zero = 0;
    cpu.storage().write(lsi_, &zero, 1);
  } else {
    cpu.delay_ps(poll_timeout_ns_ * 1000);  // ap_poll_timeout hrtimer
  }
  return poll();
}

}  // namespace apsim::driver
