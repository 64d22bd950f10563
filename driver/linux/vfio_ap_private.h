// driver/linux/vfio_ap_private.h — the vfio_ap device driver (drivers/s390/crypto/
// vfio_ap_private.h; vfio_ap_drv.cpp and vfio_ap_ops.cpp as vfio_ap_drv.c and vfio_ap_ops.c):
// the matrix device, the vfio_ap-passthrough mdev type, each mdev's
// adapter/domain/control-domain assignment with its rules and log lines, the guest_matrix
// filter, hot plug and unplug, and the KVM attach that writes the matrix into the guest's
// CRYCB.
//
// The code follows Linux 6.1.192's vfio_ap_ops.c; what later kernels do differently is a
// field of the kernel's LinuxProfile (driver/linux/profile.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "arch/ap_instructions.h"
#include "arch/ap_mask.h"
#include "arch/crycb.h"
#include "driver/linux/ap_bus.h"
#include "driver/linux/completion.h"
#include "driver/linux/profile.h"

namespace apsim::driver {

class KvmVm;
class LinuxKernel;

/// The matrix device (vfio_ap_matrix_dev_create) and its one mdev type.
inline const std::string kVfioApMatrixPath = "/sys/devices/vfio_ap/matrix";
inline const std::string kVfioApTypePath = kVfioApMatrixPath + "/mdev_supported_types/vfio_ap-passthrough";
/// The mdev driver (vfio_ap_matrix_driver.driver.name) and its directory.
inline const std::string kVfioApMdevDriver = "/sys/bus/mdev/drivers/vfio_ap_mdev";

/// The adapters, domains and control domains of an mdev (struct ap_matrix).
struct ApMatrix {
  arch::ApMask apm, aqm, adm;
  bool operator==(const ApMatrix& o) const { return apm == o.apm && aqm == o.aqm && adm == o.adm; }
  bool operator!=(const ApMatrix& o) const { return !(*this == o); }
};

/// One vfio_ap mediated device (struct ap_matrix_mdev).
struct ApMatrixMdev {
  std::string uuid;
  uint64_t seq = 0;          ///< creation order: the kernel's mdev_list has the newest first
  std::string path;          ///< /sys/devices/vfio_ap/matrix/<uuid>
  ApMatrix matrix;           ///< what was assigned
  ApMatrix shadow_apcb;      ///< what the guest gets (guest_matrix), after filtering
  KvmVm* kvm = nullptr;      ///< the guest using it
  int iommu_group = -1;      ///< its vfio-noiommu group (iommu_group_add_device)
  int vfio_index = -1;       ///< vfio-dev/vfio<N>
  /// Adapters, domains and control domains the host configuration gained during the scan
  /// in progress (apm_add, aqm_add, adm_add): plugged in at on_scan_complete.
  ApMatrix cfg_add;
  /// A `remove` that sleeps until QEMU releases the device (vfio_unregister_group_dev).
  std::shared_ptr<Completion> removing;
  /// QEMU's CFG_CHG eventfd (kernels with LinuxProfile::cfg_chg_eventfd): the guest's AP
  /// configuration changed (hot plug/unplug).
  std::function<void()> cfg_chg;
  /// QEMU's REQ eventfd (LinuxProfile::mdev_request_callback): the host asks QEMU to
  /// release the device; QEMU answers by unplugging it.
  std::function<void()> request;
};

/// A queue device bound to vfio_ap (struct vfio_ap_queue).
struct VfioApQueue {
  arch::Apqn apqn;
  /// The response code of its last reset (q->reset_rc); the filter leaves its adapter out of
  /// the guest when it failed (LinuxProfile::filter_passes_deconfigured).
  uint8_t reset_rc = 0;
};

class VfioAp : public ApDriver {
 public:
  explicit VfioAp(LinuxKernel& kernel);
  ~VfioAp() override;

  /// Module init: the matrix device and mdev type in sysfs, the AP driver registration.
  /// -ENODEV without AP instructions (nothing is created then).
  int init();
  /// Module exit.  Returns -EBUSY while any mdev exists (the module is in use).
  int exit();
  /// The mdev named `uuid` (lower case), or nullptr.
  ApMatrixMdev* mdev(const std::string& uuid);

  // ---- ApDriver ----
  std::string name() const override { return "vfio_ap"; }
  bool is_default() const override { return false; }
  bool for_cards() const override { return false; }
  /// vfio_ap_mdev_probe_queue: the queue's `status`, its link to the mdev that has it, the
  /// guest's APCB re-filtered (unless a configuration change is being scanned).
  int probe_queue(ApQueueDev& q) override;
  /// vfio_ap_mdev_remove_queue: its adapter leaves the guest's APCB; the queue is reset.
  void remove_queue(ApQueueDev& q) override;
  /// vfio_ap_mdev_resource_in_use: -EADDRINUSE (with MDEV_IN_USE_ERR lines) if an mdev has
  /// an APQN of apm x aqm.
  int in_use(const arch::ApMask& apm, const arch::ApMask& aqm) override;
  /// vfio_ap_on_cfg_changed: removed ids are unplugged from the guests now, added ones
  /// recorded for on_scan_complete.
  void on_config_changed(const arch::QciInfo& now, const arch::QciInfo& before) override;
  /// vfio_ap_on_scan_complete: the recorded ids are plugged in (filtered).
  void on_scan_complete() override;

  // ---- used by QEMU's vfio-ap device (VFIO open/close) ----
  /// The mdev at a sysfs path (any of the seed's spellings), or nullptr.
  ApMatrixMdev* mdev_by_path(const std::string& path);
  /// open_device + set_kvm: attach `vm` to the mdev and write its shadow APCB.  -EBUSY if
  /// the mdev is in use, -EPERM if another mdev already serves this VM.
  int open_device(ApMatrixMdev& mdev, KvmVm& vm);
  /// The mdevs a guest's QEMU has open (each holds a reference of the vfio_ap module).
  int opened_mdevs() const;
  /// close_device (vfio_ap_mdev_unset_kvm): clear the guest's masks, reset its queues,
  /// detach; a `remove` that waited for this completes (the mdev is gone afterwards).
  void close_device(ApMatrixMdev& mdev);
  /// VFIO_DEVICE_RESET (QEMU on a guest's system reset): reset every queue of the mdev.
  void reset_device(ApMatrixMdev& mdev);

 private:
  /// create_store of the mdev type (mdev core): a UUID, 36 or 37 bytes; EEXIST if taken.
  int create(const std::string& buf);
  void add_mdev_attrs(ApMatrixMdev& m);
  /// remove_store (mdev core) -> vfio_ap_mdev_remove: sleeps (-EIOCBQUEUED) while a guest
  /// uses the mdev.
  int remove(ApMatrixMdev& mdev);
  /// The removal after the device is released: queues reset, sysfs gone, the mdev freed.
  void finish_remove(ApMatrixMdev& mdev);
  /// assign_adapter_store, assign_domain_store, assign_control_domain_store and the
  /// unassign_* counterparts.
  int assign(ApMatrixMdev& m, const std::string& buf, arch::ApcbMask which, bool assign);
  /// ap_config_show / ap_config_store (LinuxProfile::mdev_ap_config).
  std::string ap_config_show(const ApMatrixMdev& m) const;
  int ap_config_store(ApMatrixMdev& m, const std::string& buf);
  /// vfio_ap_mdev_validate_masks: EADDRNOTAVAIL if an APQN of `next` is reserved for the
  /// default drivers, else vfio_ap_mdev_verify_no_sharing.
  int validate_masks(ApMatrixMdev& m, const ApMatrix& next);
  /// vfio_ap_mdev_verify_no_sharing: -EADDRINUSE if another mdev already has an APQN of
  /// apm x aqm, with one log line per shared APQN (the first such mdev only).  `m` is the
  /// assignee, which logs MDEV_SHARING_ERR; nullptr for in_use, where the holder logs
  /// MDEV_IN_USE_ERR.
  int verify_no_sharing(ApMatrixMdev* m, const arch::ApMask& apm, const arch::ApMask& aqm);
  /// vfio_ap_mdev_filter_matrix: the shadow APM/AQM from the matrix, the host
  /// configuration and the queues (an adapter with a queue not bound to vfio_ap, or whose
  /// reset failed, stays out); true if it changed.
  bool filter_matrix(ApMatrixMdev& m);
  /// vfio_ap_mdev_filter_cdoms: the shadow ADM = matrix ADM & host ADM; true if it changed.
  bool filter_cdoms(ApMatrixMdev& m);
  /// vfio_ap_mdev_update_guest_apcb: the guest's CRYCB gets the shadow APCB (and, with the
  /// CFG_CHG eventfd, QEMU is told).
  void update_guest_apcb(ApMatrixMdev& m);
  /// vfio_ap_mdev_hot_unplug_adapter / _domain: the id's queues are unlinked, the id leaves
  /// the shadow APCB, those queues are reset.
  void hot_unplug(ApMatrixMdev& m, arch::ApcbMask which, unsigned id);
  /// The queues bound to vfio_ap of apm x aqm (linked to the mdev that has them).
  std::vector<VfioApQueue*> queues_of(const arch::ApMask& apm, const arch::ApMask& aqm);
  /// vfio_ap_mdev_reset_queue: ZAPQ, wait for it (TAPQ, 20 ms steps), keep the RC.
  void reset_queue(VfioApQueue& q);
  void reset_queues(const std::vector<VfioApQueue*>& qs);
  /// status_show: "in use", "assigned" or "unassigned".
  std::string queue_status(const arch::Apqn& q);
  void log_mdev(const ApMatrixMdev& m, const std::string& text);
  arch::InsnOutcome handle_pqap(ApMatrixMdev& m, arch::GeneralRegisters& regs);
  const LinuxProfile& profile() const;

  LinuxKernel& kernel_;
  std::map<std::string, std::unique_ptr<ApMatrixMdev>> mdevs_;
  std::map<uint16_t, VfioApQueue> queues_;  ///< queue devices bound to vfio_ap, by APQN
  std::set<int> vfio_indices_;              ///< vfio_device_ida
  uint64_t next_seq_ = 0;
  /// The mdevs in the order of matrix_dev->mdev_list (list_add: newest first).
  std::vector<ApMatrixMdev*> mdev_list() const;
  static constexpr unsigned kMaxInstances = 65536;  ///< MAX_ZDEV_ENTRIES_EXT
};

}  // namespace apsim::driver
