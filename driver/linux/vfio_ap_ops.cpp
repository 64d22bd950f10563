// driver/linux/vfio_ap_ops.cpp — the vfio_ap mdev operations (drivers/s390/crypto/
// vfio_ap_ops.c, with the mdev core's create/remove stores, drivers/vfio/mdev/mdev_sysfs.c):
// mdevs, assignment rules, filtering into the guest's APCB, hot plug and unplug, queue
// probe/remove, KVM attach, and PQAP(AQIC).  Linux 6.1.192's code; later kernels' changes
// are LinuxProfile fields (profile.h).
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

constexpr uint64_t kResetPollPs = 20'000'000'000;  // msleep(20) in vfio_ap_mdev_reset_queue

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

Apqn apqn_of(unsigned apid, unsigned apqi) { return Apqn{static_cast<uint8_t>(apid), static_cast<uint8_t>(apqi)}; }

}  // namespace

const LinuxProfile& VfioAp::profile() const { return kernel_.profile(); }

ApMatrixMdev* VfioAp::mdev(const std::string& uuid) {
  auto it = mdevs_.find(uuid);
  return it == mdevs_.end() ? nullptr : it->second.get();
}

void VfioAp::log_mdev(const ApMatrixMdev& m, const std::string& text) {
  kernel_.printk("vfio_ap_mdev " + m.uuid + ": " + text);
}

std::vector<ApMatrixMdev*> VfioAp::mdev_list() const {
  std::vector<ApMatrixMdev*> v;
  for (auto& [uuid, o] : mdevs_) v.push_back(o.get());
  std::sort(v.begin(), v.end(), [](const ApMatrixMdev* a, const ApMatrixMdev* b) { return a->seq > b->seq; });
  return v;
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
  // vfio_ap_mdev_probe -> vfio_register_emulated_iommu_dev: a vfio-noiommu group for the
  // device, which iommu_group_add_device logs (drivers/iommu/iommu.c, dev_info).
  mp->iommu_group = kernel_.alloc_iommu_group();
  int idx = 0;
  while (vfio_indices_.count(idx)) ++idx;
  vfio_indices_.insert(idx);
  mp->vfio_index = idx;
  log_mdev(*mp, "Adding to iommu group " + std::to_string(mp->iommu_group));
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
  fs.add_attr(p + "/matrix", sysfs_show([mp] { return apqn_lines(mp->matrix.apm, mp->matrix.aqm); }), nullptr);
  fs.add_attr(p + "/guest_matrix",
              sysfs_show([mp] { return apqn_lines(mp->shadow_apcb.apm, mp->shadow_apcb.aqm); }), nullptr);
  fs.add_attr(p + "/control_domains", sysfs_show([mp] {
                std::string o;
                char b[16];
                for (unsigned d : mp->matrix.adm.ids()) {
                  std::snprintf(b, sizeof b, "%04x\n", d);
                  o += b;
                }
                return o;
              }),
              nullptr);
  if (profile().mdev_ap_config)
    fs.add_attr(p + "/ap_config", sysfs_show([this, mp] { return ap_config_show(*mp); }),
                [this, mp](const std::string& b) { return ap_config_store(*mp, b); });
  // remove_store (mdev core): any kstrtoul failure is EINVAL; 0 does nothing.
  fs.add_attr(p + "/remove", nullptr, [this, mp](const std::string& b) {
    unsigned long v = 0;
    if (kstrtoul(b, v) != 0) return -EINVAL;
    return v ? remove(*mp) : 0;
  });
  // The device core's: uevent (dev_uevent's DRIVER, mdev_uevent's MDEV_TYPE), power/ with
  // the runtime-PM attributes of a device whose runtime PM is disabled
  // (drivers/base/power/sysfs.c; autosuspend_delay_ms is -EIO without autosuspend), the
  // vfio-dev class device (vfio_main.c vfio_init_device) and the iommu group link.
  fs.add_attr(p + "/uevent", sysfs_show([] { return std::string("DRIVER=vfio_ap_mdev\nMDEV_TYPE=vfio_ap-passthrough\n"); }),
              [](const std::string&) { return 0; });
  fs.add_attr(p + "/power/control", sysfs_show([] { return std::string("auto\n"); }), [](const std::string&) { return 0; });
  fs.add_attr(p + "/power/runtime_status", sysfs_show([] { return std::string("unsupported\n"); }), nullptr);
  fs.add_attr(p + "/power/runtime_active_time", sysfs_show([] { return std::string("0\n"); }), nullptr);
  fs.add_attr(p + "/power/runtime_suspended_time", sysfs_show([] { return std::string("0\n"); }), nullptr);
  fs.add_attr(p + "/power/autosuspend_delay_ms", [](std::string&) { return -EIO; }, [](const std::string&) { return -EIO; });
  fs.mkdir(p + "/vfio-dev/vfio" + std::to_string(mp->vfio_index));
  const std::string group = "/sys/kernel/iommu_groups/" + std::to_string(mp->iommu_group);
  fs.add_link(group + "/devices/" + uuid, p);
  fs.add_link(p + "/iommu_group", group);
  fs.add_link(p + "/mdev_type", kVfioApTypePath);
  fs.add_link(p + "/subsystem", "/sys/bus/mdev");
  fs.add_link(p + "/driver", kVfioApMdevDriver);
  fs.add_link(kVfioApTypePath + "/devices/" + uuid, p);
  fs.add_link("/sys/bus/mdev/devices/" + uuid, p);
  fs.add_link(kVfioApMdevDriver + "/" + uuid, p);
}

int VfioAp::remove(ApMatrixMdev& m) {
  // remove_store: device_remove_file_self (the `remove` file goes at once), then
  // mdev_device_remove -> mdev_remove_sysfs_files (the mdev_type link and the type's
  // devices/<uuid> link), then device_del -> vfio_ap_mdev_remove ->
  // vfio_unregister_group_dev, which waits until the device's user (QEMU) has released it.
  Sysfs& fs = kernel_.sysfs();
  fs.remove(m.path + "/remove");
  fs.remove(m.path + "/mdev_type");
  fs.remove(kVfioApTypePath + "/devices/" + m.uuid);
  if (m.kvm && profile().mdev_request_callback) {
    // vfio_ap_mdev_request (the .request op, 6.5+): the guest loses its masks and is told,
    // then the request goes to QEMU, which unplugs the device (count 0: "#0" is logged).
    m.kvm->clear_crypto_masks();
    if (m.cfg_chg) m.cfg_chg();
    if (m.request) {
      log_mdev(m, "Relaying device request to user (#0)");
      const auto request = m.request;
      request();
    } else {
      log_mdev(m, "No device request registered, blocked until released by user");
    }
  }
  if (m.kvm) {
    // Released later (close_device): the write(2) sleeps until then.  6.1 has no .request
    // op and says nothing.  A signal (Ctrl-C) does not end the wait: vfio_unregister_group_dev
    // (vfio_main.c) warns once (dev_warn on the mdev) and waits on uninterruptibly.
    m.removing = std::make_shared<Completion>("the guest's QEMU to release the mdev's VFIO device");
    ApMatrixMdev* mp = &m;
    m.removing->on_signal = [this, mp](const std::string& comm, long pid) {
      log_mdev(*mp, "Device is currently in use, task \"" + comm + "\" (" + std::to_string(pid) +
                        ") blocked until device is released");
    };
    fs.sleep_on(m.removing);
    return -EIOCBQUEUED;
  }
  finish_remove(m);
  return 0;
}

void VfioAp::finish_remove(ApMatrixMdev& m) {
  // vfio_ap_mdev_remove after vfio_unregister_group_dev: reset and unlink the queues; then
  // vfio_device_remove_group (iommu_group_remove_device logs) and device_del's sysfs.
  reset_queues(queues_of(m.matrix.apm, m.matrix.aqm));
  log_mdev(m, "Removing from iommu group " + std::to_string(m.iommu_group));
  const std::string uuid = m.uuid;
  Sysfs& fs = kernel_.sysfs();
  fs.remove("/sys/kernel/iommu_groups/" + std::to_string(m.iommu_group));
  kernel_.free_iommu_group(m.iommu_group);
  vfio_indices_.erase(m.vfio_index);
  fs.remove("/sys/bus/mdev/devices/" + uuid);
  fs.remove(kVfioApMdevDriver + "/" + uuid);
  fs.remove(m.path);
  mdevs_.erase(uuid);  // m is gone from here on
}

ApMatrixMdev* VfioAp::mdev_by_path(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t slash = p.rfind('/');
  const std::string uuid = p.substr(slash + 1), dir = p.substr(0, slash);
  auto it = mdevs_.find(uuid);
  if (it == mdevs_.end() || it->second->removing) return nullptr;
  // The seed's spellings of the same device (seed 002 "sysfsdev"): matrix/<uuid>,
  // /sys/bus/mdev/devices/<uuid>, the type's devices/<uuid>.
  if (dir == kVfioApMatrixPath || dir == "/sys/bus/mdev/devices" || dir == kVfioApTypePath + "/devices" ||
      dir == kVfioApMdevDriver)
    return it->second.get();
  return nullptr;
}

// ---------------------------------------------------------------------------------------
// assignment
int VfioAp::verify_no_sharing(ApMatrixMdev* m, const ApMask& apm, const ApMask& aqm) {
  // vfio_ap_mdev_verify_no_sharing: the first other mdev (mdev_list, newest first) that has
  // an APQN of apm x aqm; one dev_warn per shared APQN, then -EADDRINUSE.  An assignment is
  // logged by the assignee (vfio_ap_mdev_log_sharing_err, MDEV_SHARING_ERR, as 6.1.192 has
  // it since the backport of d33d729afcc8), a mask edit by the holder
  // (vfio_ap_mdev_log_in_use_err, MDEV_IN_USE_ERR).
  for (ApMatrixMdev* o : mdev_list()) {
    if (o == m) continue;
    const ApMask a = apm & o->matrix.apm, q = aqm & o->matrix.aqm;
    if (a.empty() || q.empty()) continue;
    for (unsigned x : a.ids())
      for (unsigned y : q.ids()) {
        char b[160];
        if (m)
          std::snprintf(b, sizeof b, "Userspace may not assign queue %02x.%04x to mdev: already assigned to %s", x, y,
                        o->uuid.c_str());
        else
          std::snprintf(b, sizeof b, "Can not reserve queue %02x.%04x for host driver: in use by mdev", x, y);
        log_mdev(m ? *m : *o, b);
      }
    return -EADDRINUSE;
  }
  return 0;
}

int VfioAp::validate_masks(ApMatrixMdev& m, const ApMatrix& next) {
  // ap_apqn_in_matrix_owned_by_def_drv: any APQN of apm x aqm in apmask x aqmask (the masks
  // alone decide), no log line.
  ApBus& bus = kernel_.ap_bus();
  if (!(next.apm & bus.apmask()).empty() && !(next.aqm & bus.aqmask()).empty()) return -EADDRNOTAVAIL;
  return verify_no_sharing(&m, next.apm, next.aqm);
}

int VfioAp::assign(ApMatrixMdev& m, const std::string& buf, ApcbMask which, bool assign) {
  unsigned long id = 0;
  if (int rc = kstrtoul(buf, id); rc) return rc;
  ApBus& bus = kernel_.ap_bus();
  const unsigned long max = which == ApcbMask::APM ? bus.max_adapter_id() : bus.max_domain_id();
  if (id > max) return -ENODEV;
  const unsigned bit = static_cast<unsigned>(id);
  ApMask& mask = which == ApcbMask::APM ? m.matrix.apm : which == ApcbMask::AQM ? m.matrix.aqm : m.matrix.adm;
  if (mask.test(bit) == assign) return 0;  // already so: no-op success
  if (which == ApcbMask::ADM) {
    // assign_control_domain_store: no sharing or reservation check; the shadow ADM follows
    // (filter_cdoms).  unassign_control_domain_store: out of the shadow if it was there.
    mask.assign(bit, assign);
    if (assign) {
      if (filter_cdoms(m)) update_guest_apcb(m);
    } else if (m.shadow_apcb.adm.test(bit)) {
      m.shadow_apcb.adm.clear(bit);
      update_guest_apcb(m);
    }
    return 0;
  }
  if (!assign) {
    // unassign_adapter_store / unassign_domain_store: hot unplug, no re-filter.
    mask.clear(bit);
    hot_unplug(m, which, bit);
    return 0;
  }
  // assign_adapter_store / assign_domain_store: set, validate (cleared again on error),
  // link the queues, filter, update the guest.
  ApMatrix next = m.matrix;
  (which == ApcbMask::APM ? next.apm : next.aqm).set(bit);
  if (int rc = validate_masks(m, next); rc) return rc;
  const ApMask old_apm = m.shadow_apcb.apm;
  m.matrix = next;
  if (filter_matrix(m)) {
    update_guest_apcb(m);
    // Newer kernels reset the queues of adapters the filter took out of the guest
    // (reset_queues_for_apids(apm_filtered)).
    if (profile().filter_passes_deconfigured)
      reset_queues(queues_of(old_apm & ~m.shadow_apcb.apm, m.matrix.aqm));
  }
  return 0;
}

void VfioAp::hot_unplug(ApMatrixMdev& m, ApcbMask which, unsigned id) {
  // The queues linked through the id (its APQNs with the other mask), before unlinking.
  ApMask one;
  one.set(id);
  const std::vector<VfioApQueue*> qs =
      which == ApcbMask::APM ? queues_of(one, m.matrix.aqm) : queues_of(m.matrix.apm, one);
  ApMask& shadow = which == ApcbMask::APM ? m.shadow_apcb.apm : m.shadow_apcb.aqm;
  if (shadow.test(id)) {
    shadow.clear(id);
    update_guest_apcb(m);
  }
  reset_queues(qs);
}

std::string VfioAp::ap_config_show(const ApMatrixMdev& m) const {
  // "0x%016lx%016lx%016lx%016lx" for APM, AQM, ADM, separated by commas.
  return m.matrix.apm.to_hex() + "," + m.matrix.aqm.to_hex() + "," + m.matrix.adm.to_hex() + "\n";
}

int VfioAp::ap_config_store(ApMatrixMdev& m, const std::string& buf) {
  // kstrndup(buf, AP_CONFIG_STRLEN), then three masks split by strsep(",\n"), each parsed
  // by ap_hex2bitmap (the absolute apmask syntax).
  constexpr size_t kApConfigStrlen = 3 * (256 / 4 + 3);
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
  // ap_config_store: unplug what left, then the new matrix, filtered into the guest.
  for (unsigned a : (m.matrix.apm & ~next.apm).ids()) {
    m.matrix.apm.clear(a);
    hot_unplug(m, ApcbMask::APM, a);
  }
  for (unsigned d : (m.matrix.aqm & ~next.aqm).ids()) {
    m.matrix.aqm.clear(d);
    hot_unplug(m, ApcbMask::AQM, d);
  }
  const ApMask old_apm = m.shadow_apcb.apm;
  m.matrix = next;
  bool changed = filter_matrix(m);
  changed |= filter_cdoms(m);
  if (changed) {
    update_guest_apcb(m);
    reset_queues(queues_of(old_apm & ~m.shadow_apcb.apm, m.matrix.aqm));
  }
  return 0;
}

// ---------------------------------------------------------------------------------------
// filtering and the guest's APCB
bool VfioAp::filter_matrix(ApMatrixMdev& m) {
  ApBus& bus = kernel_.ap_bus();
  const arch::QciInfo& host = bus.qci();
  const ApMatrix before = m.shadow_apcb;
  ApMask apm = (m.matrix.apm & host.apm).limited_to(bus.max_adapter_id());
  const ApMask aqm = (m.matrix.aqm & host.aqm).limited_to(bus.max_domain_id());
  // "The AP architecture won't allow filtering of a single APQN, so let's filter the APID":
  // an adapter with a queue not bound to vfio_ap, or whose last reset failed, stays out.
  for (unsigned a : apm.ids())
    for (unsigned d : aqm.ids()) {
      auto it = queues_.find(apqn_of(a, d).qid());
      const uint8_t rc = it == queues_.end() ? 0 : it->second.reset_rc;
      const bool passable = profile().filter_passes_deconfigured
                                ? rc == arch::AP_RESPONSE_NORMAL || rc == arch::AP_RESPONSE_DECONFIGURED ||
                                      rc == arch::AP_RESPONSE_CHECKSTOPPED
                                : rc == arch::AP_RESPONSE_NORMAL;
      if (it == queues_.end() || !passable) {
        apm.clear(a);
        break;
      }
    }
  m.shadow_apcb.apm = apm;
  m.shadow_apcb.aqm = aqm;
  return before.apm != apm || before.aqm != aqm;
}

bool VfioAp::filter_cdoms(ApMatrixMdev& m) {
  ApBus& bus = kernel_.ap_bus();
  const ApMask adm = (m.matrix.adm & bus.qci().adm).limited_to(bus.max_domain_id());
  const bool changed = adm != m.shadow_apcb.adm;
  m.shadow_apcb.adm = adm;
  return changed;
}

void VfioAp::update_guest_apcb(ApMatrixMdev& m) {
  if (!m.kvm) return;
  m.kvm->set_crypto_masks(m.shadow_apcb.apm, m.shadow_apcb.aqm, m.shadow_apcb.adm);
  // signal_guest_ap_cfg_changed (6.15+): QEMU tells the guest at once.  Without it the
  // guest's AP bus finds the change at its next configuration scan.
  if (profile().cfg_chg_eventfd && m.cfg_chg) m.cfg_chg();
}

std::vector<VfioApQueue*> VfioAp::queues_of(const ApMask& apm, const ApMask& aqm) {
  std::vector<VfioApQueue*> qs;
  if (apm.empty() || aqm.empty()) return qs;
  for (unsigned a : apm.ids())
    for (unsigned d : aqm.ids())
      if (auto it = queues_.find(apqn_of(a, d).qid()); it != queues_.end()) qs.push_back(&it->second);
  return qs;
}

void VfioAp::reset_queue(VfioApQueue& q) {
  // vfio_ap_mdev_reset_queue(q, 1): ZAPQ, once more after 20 ms if a reset is still running;
  // on success wait for the queue to be empty with interruptions off (TAPQ, twice at most,
  // 20 ms apart).  q->reset_rc keeps the ZAPQ's response code.  The WARN splats of the
  // failure cases are not reproduced (docs/kernel-log.md).
  arch::Cpu& cpu = kernel_.cpu();
  unsigned retry = 1;
  arch::ApQueueStatus s;
  for (;;) {
    s = ap_zapq(cpu, q.apqn, false);
    q.reset_rc = s.response_code;
    if (s.response_code == arch::AP_RESPONSE_RESET_IN_PROGRESS && retry--) {
      cpu.delay_ps(kResetPollPs);
      continue;
    }
    break;
  }
  if (s.response_code != arch::AP_RESPONSE_NORMAL) return;
  for (int retry2 = 2; retry2-- > 0;) {
    if (s.queue_empty && !s.irq_enabled) break;
    cpu.delay_ps(kResetPollPs);
    s = ap_tapq(cpu, q.apqn, false, nullptr);
  }
}

void VfioAp::reset_queues(const std::vector<VfioApQueue*>& qs) {
  for (VfioApQueue* q : qs) reset_queue(*q);
}

void VfioAp::on_config_changed(const arch::QciInfo& now, const arch::QciInfo& before) {
  // vfio_ap_on_cfg_changed: vfio_ap_mdev_on_cfg_remove unplugs what left the host
  // configuration from every guest now (vfio_ap_mdev_hot_unplug_cfg); vfio_ap_mdev_on_cfg_add
  // records what joined (adapters older than CEX4 left out, vfio_ap_filter_apid_by_qtype)
  // for on_scan_complete, once the scan has created and probed the new queue devices.
  for (ApMatrixMdev* m : mdev_list()) {
    const ApMatrix old = m->shadow_apcb;
    m->shadow_apcb.apm = old.apm & now.apm;
    m->shadow_apcb.aqm = old.aqm & now.aqm;
    m->shadow_apcb.adm = old.adm & now.adm;
    if (m->shadow_apcb != old) update_guest_apcb(*m);
  }
  ApMask apm_add = now.apm & ~before.apm;
  const ApMask aqm_add = now.aqm & ~before.aqm, adm_add = now.adm & ~before.adm;
  if (apm_add.empty() && aqm_add.empty() && adm_add.empty()) return;
  for (unsigned a : apm_add.ids())
    for (unsigned d : aqm_add.ids()) {
      arch::TapqInfo info;
      const arch::ApQueueStatus s = ap_tapq(kernel_.cpu(), apqn_of(a, d), true, &info);
      const uint8_t rc = s.response_code;
      const bool info_valid = rc == arch::AP_RESPONSE_NORMAL || (rc >= 0x02 && rc <= 0x05);
      if (!info_valid || info.at < arch::AP_DEVICE_TYPE_CEX4) apm_add.clear(a);
    }
  for (ApMatrixMdev* m : mdev_list()) {
    m->cfg_add.apm = m->matrix.apm & apm_add;
    m->cfg_add.aqm = m->matrix.aqm & aqm_add;
    m->cfg_add.adm = m->matrix.adm & adm_add;
  }
}

void VfioAp::on_scan_complete() {
  // vfio_ap_on_scan_complete -> vfio_ap_mdev_hot_plug_cfg for each mdev that gained ids.
  for (ApMatrixMdev* m : mdev_list()) {
    const ApMatrix add = m->cfg_add;
    if (add.apm.empty() && add.aqm.empty() && add.adm.empty()) continue;
    bool hotplug = false;
    if (!add.apm.empty() || !add.aqm.empty()) hotplug = filter_matrix(*m);
    if (!add.adm.empty()) hotplug |= filter_cdoms(*m);
    if (hotplug) update_guest_apcb(*m);
    m->cfg_add = ApMatrix{};
  }
}

// ---------------------------------------------------------------------------------------
// queue devices
std::string VfioAp::queue_status(const Apqn& q) {
  // status_show (6.1.192): "in use" when the mdev that has the APQN has a guest and the APQN
  // is in its shadow APCB, "assigned" when an mdev has it, else "unassigned".
  for (auto& [uuid, m] : mdevs_)
    if (m->matrix.apm.test(q.apid) && m->matrix.aqm.test(q.apqi))
      return m->kvm && m->shadow_apcb.apm.test(q.apid) && m->shadow_apcb.aqm.test(q.apqi) ? "in use" : "assigned";
  return "unassigned";
}

int VfioAp::probe_queue(ApQueueDev& q) {
  // vfio_ap's id table: queue devices of type 10 (CEX4) and newer only.
  if (!q.card || q.card->hwtype < arch::AP_DEVICE_TYPE_CEX4) return -ENODEV;
  const Apqn qid = q.qid;
  kernel_.sysfs().add_attr(q.path + "/status", sysfs_show([this, qid] { return queue_status(qid) + "\n"; }), nullptr);
  queues_[qid.qid()] = VfioApQueue{qid, 0};
  // Link to the mdev that has it and re-filter its guest's APCB -- unless the host's
  // configuration gained ids: on_scan_complete plugs them all at once.
  for (ApMatrixMdev* m : mdev_list()) {
    if (!m->matrix.apm.test(qid.apid) || !m->matrix.aqm.test(qid.apqi)) continue;
    if (!m->cfg_add.apm.empty() || !m->cfg_add.aqm.empty()) break;
    if (filter_matrix(*m)) update_guest_apcb(*m);
    break;
  }
  return 0;
}

void VfioAp::remove_queue(ApQueueDev& q) {
  // vfio_ap_mdev_remove_queue: the queue's adapter leaves the guest's APCB if the APQN was
  // in it (no re-filter); the queue is reset and forgotten.
  kernel_.sysfs().remove(q.path + "/status");
  for (ApMatrixMdev* m : mdev_list()) {
    if (!m->matrix.apm.test(q.qid.apid) || !m->matrix.aqm.test(q.qid.apqi)) continue;
    if (m->shadow_apcb.apm.test(q.qid.apid) && m->shadow_apcb.aqm.test(q.qid.apqi)) {
      m->shadow_apcb.apm.clear(q.qid.apid);
      update_guest_apcb(*m);
    }
    break;
  }
  auto it = queues_.find(q.qid.qid());
  if (it != queues_.end()) {
    reset_queue(it->second);
    queues_.erase(it);
  }
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
  // vfio_ap_mdev_set_kvm: the hook, then the shadow APCB as it is.
  m.kvm = &vm;
  vm.pqap_hook = [this, &m](arch::GeneralRegisters& regs) { return handle_pqap(m, regs); };
  vm.set_crypto_masks(m.shadow_apcb.apm, m.shadow_apcb.aqm, m.shadow_apcb.adm);
  return 0;
}

void VfioAp::close_device(ApMatrixMdev& m) {
  if (!m.kvm) return;
  // vfio_ap_mdev_unset_kvm: clear the masks, reset every queue of the mdev, drop the hook.
  m.kvm->clear_crypto_masks();
  m.kvm->pqap_hook = nullptr;
  reset_queues(queues_of(m.matrix.apm, m.matrix.aqm));
  m.kvm = nullptr;
  m.cfg_chg = nullptr;
  m.request = nullptr;
  // The device is released: a `remove` that waited goes on now.
  if (const std::shared_ptr<Completion> c = m.removing) {
    finish_remove(m);  // m is gone from here on
    c->complete(0);
  }
}

void VfioAp::reset_device(ApMatrixMdev& m) { reset_queues(queues_of(m.matrix.apm, m.matrix.aqm)); }

arch::InsnOutcome VfioAp::handle_pqap(ApMatrixMdev& m, arch::GeneralRegisters& regs) {
  // handle_pqap -> vfio_ap_irq_enable / vfio_ap_irq_disable (spec §6.2).
  const Apqn qid = arch::gr0_apqn(regs[0]);
  arch::ApQueueStatus st;
  st.response_code = arch::AP_RESPONSE_Q_NOT_AVAIL;
  const bool linked = queues_.count(qid.qid()) && m.matrix.apm.test(qid.apid) && m.matrix.aqm.test(qid.apqi);
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
