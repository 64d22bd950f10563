// driver/linux/vfio_ap_private.h — the vfio_ap device driver (drivers/s390/crypto/
// vfio_ap_private.h; vfio_ap_drv.cpp and vfio_ap_ops.cpp as vfio_ap_drv.c and vfio_ap_ops.c):
// the matrix device, the vfio_ap-passthrough mdev type, each mdev's
// adapter/domain/control-domain assignment with its rules and log lines, the guest_matrix
// filter, and the KVM attach that writes the matrix into the guest's CRYCB.
//
// Behaviour follows seed 001 (the kernel's vfio-ap document) where it and the current
// kernel differ (ap-facility-spec.md §9); every such choice lives in VfioApProfile
// (driver/linux/vfio_ap_profile.h), which also holds the current kernel's profile.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "arch/ap_instructions.h"
#include "arch/ap_mask.h"
#include "arch/crycb.h"
#include "driver/linux/ap_bus.h"
#include "driver/linux/vfio_ap_profile.h"

namespace apsim::driver {

class KvmVm;
class LinuxKernel;

/// The matrix device (vfio_ap_matrix_dev_create) and its one mdev type.
inline const std::string kVfioApMatrixPath = "/sys/devices/vfio_ap/matrix";
inline const std::string kVfioApTypePath = kVfioApMatrixPath + "/mdev_supported_types/vfio_ap-passthrough";

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
  /// QEMU's CFG_CHG eventfd: the guest's AP configuration changed (hot plug/unplug).
  std::function<void()> cfg_chg;
  /// QEMU's REQ eventfd: the host asks QEMU to release the device (vfio_ap_mdev_request);
  /// QEMU answers by unplugging it.  Used by remove in the current-kernel profile.
  std::function<void()> request;
};

class VfioAp : public ApDriver {
 public:
  VfioAp(LinuxKernel& kernel, VfioApProfile profile = VfioApProfile::seed());
  ~VfioAp() override;

  /// Module init: the matrix device and mdev type in sysfs, the AP driver registration.
  /// -ENODEV without AP instructions (nothing is created then).
  int init();
  /// Module exit.  Returns -EBUSY while any mdev exists (the module is in use).
  int exit();
  const VfioApProfile& profile() const { return profile_; }
  /// The mdev named `uuid` (lower case), or nullptr.
  ApMatrixMdev* mdev(const std::string& uuid);

  // ---- ApDriver ----
  std::string name() const override { return "vfio_ap"; }
  bool is_default() const override { return false; }
  bool for_cards() const override { return false; }
  int probe_queue(ApQueueDev& q) override;
  void remove_queue(ApQueueDev& q) override;
  int in_use(const arch::ApMask& apm, const arch::ApMask& aqm) override;
  void on_config_changed(const arch::QciInfo& now, const arch::QciInfo& before) override;
  void on_scan_complete() override;

  // ---- used by QEMU's vfio-ap device (VFIO open/close) ----
  /// The mdev at a sysfs path (any of the seed's spellings), or nullptr.
  ApMatrixMdev* mdev_by_path(const std::string& path);
  /// open_device + set_kvm: attach `vm` to the mdev.  -EBUSY if the mdev is in use,
  /// -EPERM if another mdev already serves this VM.
  int open_device(ApMatrixMdev& mdev, KvmVm& vm);
  /// close_device: clear the guest's masks, reset its queues, detach.
  void close_device(ApMatrixMdev& mdev);
  /// VFIO_DEVICE_RESET (QEMU on a guest's system reset): reset every queue of the mdev.
  void reset_device(ApMatrixMdev& mdev);

 private:
  /// create_store of the mdev type (mdev core): a UUID, 36 or 37 bytes; EEXIST if taken.
  int create(const std::string& buf);
  void add_mdev_attrs(ApMatrixMdev& m);
  /// remove_store / vfio_ap_mdev_remove.
  int remove(ApMatrixMdev& mdev);
  /// assign_adapter_store, assign_domain_store, assign_control_domain_store and the
  /// unassign_* counterparts.
  int assign(ApMatrixMdev& m, const std::string& buf, arch::ApcbMask which, bool assign);
  /// ap_config_show / ap_config_store (profile.ap_config_attr).
  std::string ap_config_show(const ApMatrixMdev& m) const;
  int ap_config_store(ApMatrixMdev& m, const std::string& buf);
  /// vfio_ap_mdev_validate_masks: EADDRNOTAVAIL if an APQN of `next` is reserved for the
  /// default drivers, else vfio_ap_mdev_verify_no_sharing.
  int validate_masks(ApMatrixMdev& m, const ApMatrix& next);
  /// vfio_ap_mdev_verify_no_sharing: -profile.sharing_errno (with its log lines) if another
  /// mdev already has an APQN of apm x aqm.  `m` is the assignee (nullptr: in_use).
  int verify_no_sharing(ApMatrixMdev* m, const arch::ApMask& apm, const arch::ApMask& aqm);
  /// ap_apqn_in_matrix_owned_by_def_drv, with the profile's explicit-bind rule.
  bool apqn_in_matrix_owned_by_def_drv(const arch::ApMask& apm, const arch::ApMask& aqm);
  /// vfio_ap_mdev_filter_matrix + vfio_ap_mdev_filter_cdoms: recompute the shadow APCB;
  /// true if it changed.
  bool filter_matrix(ApMatrixMdev& m);
  /// Re-filter every mdev and update the guests whose APCB changed (a queue was probed or
  /// removed, a scan completed).
  void refilter_all();
  /// A validated assignment: `next` becomes the mdev's matrix, filtered into its guest.
  void set_matrix(ApMatrixMdev& m, const ApMatrix& next);
  void update_guest(ApMatrixMdev& m, const ApMatrix& old_shadow);
  void reset_queues_of(const arch::ApMask& apm, const arch::ApMask& aqm);
  std::string queue_status(const ApQueueDev& q);
  void log_mdev(const ApMatrixMdev& m, const std::string& text);
  arch::InsnOutcome handle_pqap(ApMatrixMdev& m, arch::GeneralRegisters& regs);

  LinuxKernel& kernel_;
  VfioApProfile profile_;
  ApQueueDev* probing_ = nullptr;   ///< being probed: counts as bound while filtering
  ApQueueDev* removing_ = nullptr;  ///< being removed: counts as unbound while filtering
  /// The host configuration gained adapters or domains (on_config_changed): their queues are
  /// probed during this scan and plugged into the guests together at on_scan_complete.
  bool config_add_pending_ = false;
  std::map<std::string, std::unique_ptr<ApMatrixMdev>> mdevs_;
  uint64_t next_seq_ = 0;
  /// The mdevs in the order of matrix_dev->mdev_list (list_add: newest first).
  std::vector<ApMatrixMdev*> mdev_list() const;
  static constexpr unsigned kMaxInstances = 65536;  ///< MAX_ZDEV_ENTRIES_EXT
};

}  // namespace apsim::driver
