// driver/linux/vfio_ap_ops.cpp — the vfio_ap mdev operations (drivers/s390/crypto/
// vfio_ap_ops.c, with the mdev core's create/remove stores): mdevs, assignment rules,
// filtering into the guest's APCB, queue probe/remove, KVM attach, and PQAP(AQIC).
#include "driver/linux/vfio_ap_private.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>

#include "driver/linux/ap_asm.h"
#include "driver/linux/kernel.h"
#include "driver/linux/kernel_parse.h"
#include "driver/linux/kvm-s390.h"

namespace apsim::driver {

using arch::ApcbMask;
using arch::ApMask;
using arch::Apqn;

namespace {

std::string apqn_lines(const ApMask& apm, const ApMask& aqm) {
  // vfio_ap_mdev_matrix_show: "%02lx.%04lx\n" per APQN, "%02lx.\n" with no domains,
  // ".%04lx\n" with no adapters.
  std::string out;
  char b[16];
  const auto apids = apm.ids(), apqis = aqm.ids();
  if (!apids.empty() && !apqis.empty()) {
    for (unsigned a : apids)
      for (unsigned q : apqis) {
        std::snprintf(b, sizeof b, "%02x.%04x\n", a, q);
        out += b;
      }
  } else if (!apids.empty()) {
    for (unsigned a : apids) {
      std::snprintf(b, sizeof b, "%02x.\n", a);
      out += b;
    }
  } else {
    for (unsigned q : apqis) {
      std::snprintf(b, sizeof b, ".%04x\n", q);
      out += b;
    }
  }
  return out;
}

}  // namespace



ApMatrixMdev* VfioAp::mdev(const std::string& uuid) {
  auto it = mdevs_.find(uuid);
  return it == mdevs_.end() ? nullptr : it->second.get();
}


void VfioAp::log_mdev(const ApMatrixMdev& m, const std::string& text) {
  kernel_.printk("vfio_ap_mdev " + m.uuid + ": " + text);
}

// ---------------------------------------------------------------------------------------
// mdev lifecycle
int VfioAp::create(const std::string& buf) {
  // create_store (mdev core): 36 or 37 bytes (UUID_STRING_LEN, + echo's newline), the
  // first 36 of which guid_parse() takes; the device is named "%pUl" (lower case).
  if (buf.size() < 36 || buf.size() > 37) return -EINVAL;
  std::string uuid;
  if (!uuid_parse(buf.substr(0, 36), uuid)) return -EINVAL;
  if (mdevs_.count(uuid)) return -EEXIST;
  if (mdevs_.size() >= kMaxInstances) return -EUSERS;
  auto m = std::make_unique<ApMatrixMdev>();
  m->uuid = uuid;
  m->seq = next_seq_++;
  m->path = kVfioApMatrixPath + "/" + uuid;
  ApMatrixMdev* mp = m.get();
  mdevs_[uuid] = std::move(m);
  filter_matrix(*mp);
  add_mdev_attrs(*mp);
  return 0;
}

void VfioAp::add_mdev_attrs(ApMatrixMdev& mdev) {
  ApMatrixMdev* mp = &mdev;
  const std::string uuid = mdev.uuid;
  Sysfs& fs = kernel_.sysfs();
  const std::string& p = mp->path;
  fs.mkdir(p);
  auto w = [&](const char* name, ApcbMask which, bool assign) {
    fs.add_attr(p + "/" + name, nullptr,
                [this, mp, which, assign](const std::string& b) { return this->assign(*mp, b, which, assign); });
  };
  w("assign_adapter", ApcbMask::APM, true);
  w("unassign_adapter", ApcbMask::APM, false);
  w("assign_domain", ApcbMask::AQM, true);
  w("unassign_domain", ApcbMask::AQM, false);
  w("assign_control_domain", ApcbMask::ADM, true);
  w("unassign_control_domain", ApcbMask::ADM, false);
  fs.add_attr(p + "/matrix", [mp](std::string& o) {
    o = apqn_lines(mp->matrix.apm, mp->matrix.aqm);
    return 0;
  }, nullptr);
  fs.add_attr(p + "/guest_matrix", [mp](std::string& o) {
    o = apqn_lines(mp->shadow_apcb.apm, mp->shadow_apcb.aqm);
    return 0;
  }, nullptr);
  fs.add_attr(p + "/control_domains", [mp](std::string& o) {
    o.clear();
    char b[16];
    for (unsigned d : mp->matrix.adm.ids()) {
      std::snprintf(b, sizeof b, "%04x\n", d);
      o += b;
    }
    return 0;
  }, nullptr);
  if (profile_.ap_config_attr)
    fs.add_attr(p + "/ap_config", [this, mp](std::string& o) {
      o = ap_config_show(*mp);
      return 0;
    }, [this, mp](const std::string& b) { return ap_config_store(*mp, b); });
  // remove_store (mdev core): any kstrtoul failure is EINVAL; 0 does nothing.
  fs.add_attr(p + "/remove", nullptr, [this, mp](const std::string& b) {
    unsigned long v = 0;
    if (kstrtoul(b, v) != 0) return -EINVAL;
    return v ? remove(*mp) : 0;
  });
  fs.add_link(p + "/mdev_type", kVfioApTypePath);
  fs.add_link(p + "/subsystem", "/sys/bus/mdev");
  fs.add_link(p + "/driver", "/sys/bus/mdev/drivers/vfio_mdev");
  fs.add_link(kVfioApTypePath + "/devices/" + uuid, p);
  fs.add_link("/sys/bus/mdev/devices/" + uuid, p);
  fs.add_link("/sys/bus/mdev/drivers/vfio_mdev/" + uuid, p);
}

int VfioAp::remove(ApMatrixMdev& m) {
  if (m.kvm) {
    // Seed 001: "the remove will fail if a guest using the vfio_ap mdev is still running".
    if (profile_.remove_busy_while_in_use) return -EBUSY;
    // Current kernels: vfio_unregister_group_dev blocks and relays a device request to
    // QEMU (vfio_ap_mdev_request), which unplugs the device and so releases it.
    if (m.request) {
      // vfio_ap_mdev_request (current kernels) with QEMU's request eventfd registered:
      // dev_notice_ratelimited(dev, "Relaying device request to user (#%u)\n", count) for
      // count % 10 == 0.  QEMU unplugs at the first request, so only #0 is ever logged.
      log_mdev(m, "Relaying device request to user (#0)");
      const auto request = m.request;
      request();
    }
    if (m.kvm) {
      // vfio_ap_mdev_request without a request eventfd, count 0: dev_notice(dev, "No device
      // request registered, blocked until released by user\n").
      log_mdev(m, "No device request registered, blocked until released by user");
      return -EBUSY;  // the simulated writer cannot block forever
    }
  }
  const std::string uuid = m.uuid;
  Sysfs& fs = kernel_.sysfs();
  fs.remove(kVfioApTypePath + "/devices/" + uuid);
  fs.remove("/sys/bus/mdev/devices/" + uuid);
  fs.remove("/sys/bus/mdev/drivers/vfio_mdev/" + uuid);
  // vfio_ap_mdev_remove: reset the queues of the matrix and unlink them.
  reset_queues_of(m.matrix.apm, m.matrix.aqm);
  fs.remove(m.path);
  mdevs_.erase(uuid);  // m is gone from here on
  return 0;
}

ApMatrixMdev* VfioAp::mdev_by_path(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t slash = p.rfind('/');
  const std::string uuid = p.substr(slash + 1), dir = p.substr(0, slash);
  auto it = mdevs_.find(uuid);
  if (it == mdevs_.end()) return nullptr;
  // The seed's spellings of the same device (seed 002 "sysfsdev"): matrix/<uuid>,
  // /sys/bus/mdev/devices/<uuid>, the type's devices/<uuid>.
  if (dir == kVfioApMatrixPath || dir == "/sys/bus/mdev/devices" || dir == kVfioApTypePath + "/devices" ||
      dir == "/sys/bus/mdev/drivers/vfio_mdev")
    return it->second.get();
  return nullptr;
}

// ---------------------------------------------------------------------------------------
// assignment
bool VfioAp::apqn_in_matrix_owned_by_def_drv(const ApMask& apm, const ApMask& aqm) {
  ApBus& bus = kernel_.ap_bus();
  const ApMask a = apm & bus.apmask(), q = aqm & bus.aqmask();
  if (a.empty() || q.empty()) return false;
  if (!profile_.explicit_bind_overrides_masks) return true;
  // Seed 002: a queue the administrator bound to vfio_ap explicitly is vfio_ap's although
  // apmask x aqmask still names it.
  for (unsigned x : a.ids())
    for (unsigned y : q.ids()) {
      ApQueueDev* dev = bus.queue(Apqn{static_cast<uint8_t>(x), static_cast<uint8_t>(y)});
      if (!dev || dev->driver != this) return true;
    }
  return false;
}

std::vector<ApMatrixMdev*> VfioAp::mdev_list() const {
  std::vector<ApMatrixMdev*> v;
  for (auto& [uuid, o] : mdevs_) v.push_back(o.get());
  std::sort(v.begin(), v.end(), [](const ApMatrixMdev* a, const ApMatrixMdev* b) { return a->seq > b->seq; });
  return v;
}

int VfioAp::verify_no_sharing(ApMatrixMdev* m, const ApMask& apm, const ApMask& aqm) {
  // The first other mdev that has an APQN of apm x aqm: one log line per shared APQN
  // (for in_use, every such mdev if the profile says so).
  int rc = 0;
  for (ApMatrixMdev* o : mdev_list()) {
    if (o == m) continue;
    const std::string& uuid = o->uuid;
    const ApMask a = apm & o->matrix.apm, q = aqm & o->matrix.aqm;
    if (a.empty() || q.empty()) continue;
    const std::string& fmt = m ? profile_.sharing_format : profile_.in_use_format;
    const ApMatrixMdev& logger = (!m || profile_.sharing_logged_by_holder) ? *o : *m;
    for (unsigned x : a.ids())
      for (unsigned y : q.ids()) {
        char b[256];
        std::snprintf(b, sizeof b, fmt.c_str(), x, y, uuid.c_str());
        log_mdev(logger, b);
      }
    rc = m ? -profile_.sharing_errno : -EADDRINUSE;
    if (m || !profile_.in_use_logs_every_holder) break;
  }
  return rc;
}

int VfioAp::validate_masks(ApMatrixMdev& m, const ApMatrix& next) {
  if (apqn_in_matrix_owned_by_def_drv(next.apm, next.aqm)) return -EADDRNOTAVAIL;
  return verify_no_sharing(&m, next.apm, next.aqm);
}

int VfioAp::assign(ApMatrixMdev& m, const std::string& buf, ApcbMask which, bool assign) {
  unsigned long id = 0;
  if (int rc = kstrtoul(buf, id); rc) return rc;
  ApBus& bus = kernel_.ap_bus();
  const unsigned long max = which == ApcbMask::APM ? bus.max_adapter_id() : bus.max_domain_id();
  if (id > max) return -ENODEV;
  ApMatrix next = m.matrix;
  ApMask& mask = which == ApcbMask::APM ? next.apm : which == ApcbMask::AQM ? next.aqm : next.adm;
  if (mask.test(static_cast<unsigned>(id)) == assign) return 0;  // already so: no-op success
  mask.assign(static_cast<unsigned>(id), assign);
  // Control domains are not checked for sharing (vfio_ap_mdev_assign_control_domain).
  if (assign && which != ApcbMask::ADM)
    if (int rc = validate_masks(m, next); rc) return rc;
  set_matrix(m, next);
  return 0;
}

void VfioAp::set_matrix(ApMatrixMdev& m, const ApMatrix& next) {
  m.matrix = next;
  const ApMatrix old_shadow = m.shadow_apcb;
  filter_matrix(m);
  update_guest(m, old_shadow);
}

std::string VfioAp::ap_config_show(const ApMatrixMdev& m) const {
  // "0x%016lx%016lx%016lx%016lx" for APM, AQM, ADM, separated by commas.
  return m.matrix.apm.to_hex() + "," + m.matrix.aqm.to_hex() + "," + m.matrix.adm.to_hex() + "\n";
}

int VfioAp::ap_config_store(ApMatrixMdev& m, const std::string& buf) {
  // kstrndup(buf, AP_CONFIG_STRLEN), then three masks split by strsep(",\n"), each parsed
  // by ap_hex2bitmap (the absolute apmask syntax).
  constexpr size_t kApConfigStrlen = 67 + 2 * 67;
  std::string rest = buf.substr(0, kApConfigStrlen);
  ApMatrix next;
  ApMask* masks[3] = {&next.apm, &next.aqm, &next.adm};
  size_t pos = 0;
  for (ApMask* mask : masks) {
    if (pos == std::string::npos) return -EINVAL;  // strsep ran out of tokens
    const size_t end = rest.find_first_of(",\n", pos);
    const std::string tok = rest.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? std::string::npos : end + 1;
    if (!tok.empty() && (tok[0] == '+' || tok[0] == '-')) return -EINVAL;
    ApMask parsed;
    if (ap_parse_mask_str(tok, parsed) != 0) return -EINVAL;
    *mask = parsed;
  }
  if (int rc = validate_masks(m, next); rc) return rc;
  // ap_matrix_overflow_check: no id above the machine's maxima.
  ApBus& bus = kernel_.ap_bus();
  if (next.apm != next.apm.limited_to(bus.max_adapter_id()) || next.aqm != next.aqm.limited_to(bus.max_domain_id()) ||
      next.adm != next.adm.limited_to(bus.max_domain_id()))
    return -ENODEV;
  set_matrix(m, next);
  return 0;
}

// ---------------------------------------------------------------------------------------
// filtering and the guest's APCB
bool VfioAp::filter_matrix(ApMatrixMdev& m) {
  ApBus& bus = kernel_.ap_bus();
  const arch::QciInfo& host = bus.qci();
  ApMatrix s;
  s.apm = (m.matrix.apm & host.apm).limited_to(bus.max_adapter_id());
  s.aqm = (m.matrix.aqm & host.aqm).limited_to(bus.max_domain_id());
  s.adm = (m.matrix.adm & host.adm).limited_to(bus.max_domain_id());
  // "The AP architecture won't allow filtering of a single APQN, so let's filter the APID":
  // an adapter any of whose APQNs is not a queue bound to vfio_ap stays out of the guest.
  for (unsigned a : s.apm.ids())
    for (unsigned q : s.aqm.ids()) {
      ApQueueDev* dev = bus.queue(Apqn{static_cast<uint8_t>(a), static_cast<uint8_t>(q)});
      const bool bound = dev && dev != removing_ && (dev->driver == this || dev == probing_);
      if (!bound) {
        s.apm.clear(a);
        break;
      }
    }
  const bool changed = s != m.shadow_apcb;
  m.shadow_apcb = s;
  return changed;
}

void VfioAp::update_guest(ApMatrixMdev& m, const ApMatrix& old) {
  if (!m.kvm || m.shadow_apcb == old) return;
  m.kvm->set_crypto_masks(m.shadow_apcb.apm, m.shadow_apcb.aqm, m.shadow_apcb.adm);
  // Queues that left the guest are reset (vfio_ap_mdev_hot_unplug_* / apm_filtered).
  const ApMask gone_apm = old.apm & ~m.shadow_apcb.apm, gone_aqm = old.aqm & ~m.shadow_apcb.aqm;
  reset_queues_of(gone_apm, old.aqm);
  reset_queues_of(old.apm & m.shadow_apcb.apm, gone_aqm);
  if (m.cfg_chg) m.cfg_chg();
}

void VfioAp::reset_queues_of(const ApMask& apm, const ApMask& aqm) {
  if (apm.empty() || aqm.empty()) return;
  ApBus& bus = kernel_.ap_bus();
  for (unsigned a : apm.ids())
    for (unsigned q : aqm.ids()) {
      const Apqn qid{static_cast<uint8_t>(a), static_cast<uint8_t>(q)};
      ApQueueDev* dev = bus.queue(qid);
      if (dev && dev->driver == this) ap_zapq(kernel_.cpu(), qid, false);
    }
}

void VfioAp::on_config_changed(const arch::QciInfo& now, const arch::QciInfo& before) {
  // vfio_ap_on_cfg_changed (spec §4.8): adapters, domains and control domains that left the
  // host configuration (an HMC dynamic change, sc/hmc.h) are unplugged from every guest now;
  // the ones that joined are recorded and plugged at on_scan_complete, once the scan has
  // created and probed their queue devices (until then an adapter of the guest would be
  // filtered out for want of its new queues).
  for (auto& [uuid, m] : mdevs_) {
    const ApMatrix old = m->shadow_apcb;
    m->shadow_apcb.apm = old.apm & now.apm;
    m->shadow_apcb.aqm = old.aqm & now.aqm;
    m->shadow_apcb.adm = old.adm & now.adm;
    update_guest(*m, old);
  }
  const auto added = [](const ApMask& n, const ApMask& b) { return !(n & ~b).empty(); };
  config_add_pending_ = added(now.apm, before.apm) || added(now.aqm, before.aqm) || added(now.adm, before.adm);
}

void VfioAp::on_scan_complete() {
  // Adapters and domains that (dis)appeared in the host configuration are plugged into or
  // unplugged from every guest (over-provisioning, seed 001).
  config_add_pending_ = false;
  refilter_all();
}

void VfioAp::refilter_all() {
  for (auto& [uuid, m] : mdevs_) {
    const ApMatrix old = m->shadow_apcb;
    if (filter_matrix(*m)) update_guest(*m, old);
  }
}

// ---------------------------------------------------------------------------------------
// queue devices
std::string VfioAp::queue_status(const ApQueueDev& q) {
  for (auto& [uuid, m] : mdevs_)
    if (m->matrix.apm.test(q.qid.apid) && m->matrix.aqm.test(q.qid.apqi))
      return m->kvm && m->shadow_apcb.apm.test(q.qid.apid) && m->shadow_apcb.aqm.test(q.qid.apqi) ? "in use"
                                                                                                 : "assigned";
  return "unassigned";
}

int VfioAp::probe_queue(ApQueueDev& q) {
  // vfio_ap's id table: queue devices of type 10 (CEX4) and newer only.
  if (!q.card || q.card->hwtype < arch::AP_DEVICE_TYPE_CEX4) return -ENODEV;
  ApQueueDev* qp = &q;
  kernel_.sysfs().add_attr(q.path + "/status", [this, qp](std::string& o) {
    o = queue_status(*qp) + "\n";
    return 0;
  }, nullptr);
  // vfio_ap_mdev_probe_queue: link to its mdev and hot plug it if that completes an adapter
  // — unless a configuration change added ids: on_scan_complete plugs them all at once.
  if (config_add_pending_) return 0;
  probing_ = &q;
  refilter_all();
  probing_ = nullptr;
  return 0;
}

void VfioAp::remove_queue(ApQueueDev& q) {
  // vfio_ap_mdev_remove_queue: the queue's adapter leaves the guest; the queue is reset.
  removing_ = &q;
  refilter_all();
  removing_ = nullptr;
  ap_zapq(kernel_.cpu(), q.qid, false);
  kernel_.sysfs().remove(q.path + "/status");
}

int VfioAp::in_use(const ApMask& apm, const ApMask& aqm) {
  // vfio_ap_mdev_resource_in_use: the APQNs the host wants back must not be in an mdev.
  return verify_no_sharing(nullptr, apm, aqm);
}

// ---------------------------------------------------------------------------------------
// the guest
int VfioAp::open_device(ApMatrixMdev& m, KvmVm& vm) {
  if (m.kvm) return -EBUSY;
  for (auto& [uuid, o] : mdevs_)
    if (o->kvm == &vm) return -EPERM;  // one mdev per guest (vfio_ap_mdev_set_kvm)
  m.kvm = &vm;
  vm.pqap_hook = [this, &m](arch::GeneralRegisters& regs) { return handle_pqap(m, regs); };
  filter_matrix(m);
  vm.set_crypto_masks(m.shadow_apcb.apm, m.shadow_apcb.aqm, m.shadow_apcb.adm);
  return 0;
}

void VfioAp::close_device(ApMatrixMdev& m) {
  if (!m.kvm) return;
  // vfio_ap_mdev_unset_kvm: clear the masks, reset every queue of the mdev, drop the hook.
  m.kvm->clear_crypto_masks();
  m.kvm->pqap_hook = nullptr;
  reset_queues_of(m.matrix.apm, m.matrix.aqm);
  m.kvm = nullptr;
  m.cfg_chg = nullptr;
  m.request = nullptr;
}

void VfioAp::reset_device(ApMatrixMdev& m) { reset_queues_of(m.matrix.apm, m.matrix.aqm); }

arch::InsnOutcome VfioAp::handle_pqap(ApMatrixMdev& m, arch::GeneralRegisters& regs) {
  // handle_pqap -> vfio_ap_irq_enable / vfio_ap_irq_disable (spec §6.2).
  const Apqn qid = arch::gr0_apqn(regs[0]);
  arch::ApQueueStatus st;
  st.response_code = arch::AP_RESPONSE_Q_NOT_AVAIL;
  ApQueueDev* dev = kernel_.ap_bus().queue(qid);
  const bool linked = dev && dev->driver == this && m.matrix.apm.test(qid.apid) && m.matrix.aqm.test(qid.apqi);
  if (!m.kvm || !linked) {
    regs[1] = st.gr1();
    return arch::InsnOutcome{0, arch::PGM_NONE};
  }
  KvmVm& vm = *m.kvm;
  const arch::AqicControl guest = arch::AqicControl::unpack(regs[1]);
  arch::AqicControl host;
  uint64_t nib = 0;
  if (guest.ir) {
    const uint64_t gnib = regs[2];
    if (gnib == 0 || gnib >= vm.mem_bytes()) {  // no memslot backs it
      st.response_code = arch::AP_RESPONSE_INVALID_ADDRESS;
      regs[1] = st.gr1();
      return arch::InsnOutcome{0, arch::PGM_NONE};
    }
    // Pin the guest page (its host address), register the guest ISC in the GISA, and enable
    // with the GISA so the adapter's interruption reaches the guest directly.
    nib = vm.mso() + gnib;
    host.ir = true;
    host.gisc = guest.isc;
    host.isc = arch::AP_ISC;
    host.gisa = static_cast<uint32_t>(vm.gisa_addr() >> 4);
  }
  st = ap_aqic(kernel_.cpu(), qid, host, nib);
  if (guest.ir && st.response_code != arch::AP_RESPONSE_NORMAL &&
      st.response_code != arch::AP_RESPONSE_OTHERWISE_CHANGED) {
    // vfio_ap_irq_enable (vfio_ap_ops.c), the default case of the host AQIC's RC:
    // pr_warn("%s: apqn %04x: response: %02x\n", __func__, q->apqn, rc).  vfio_ap_ops.c
    // defines no pr_fmt, so the line has no "vfio_ap: " prefix.  The vfio_ap_irq_disable
    // that follows ends in a WARN_ONCE splat for RC 0x01/0x03/0x04/0x06 (stack trace and
    // registers), which apsim does not reproduce (docs/kernel-log.md).
    char b[64];
    std::snprintf(b, sizeof b, "vfio_ap_irq_enable: apqn %04x: response: %02x", qid.qid(), st.response_code);
    kernel_.printk(b);
  }
  regs[1] = st.gr1();
  return arch::InsnOutcome{0, arch::PGM_NONE};
}

}  // namespace apsim::driver
