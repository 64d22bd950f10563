// driver/vfio_ap.h — the vfio_ap device driver (drivers/s390/crypto/vfio_ap_drv.c,
// vfio_ap_ops.c): the matrix device, the vfio_ap-passthrough mdev type, each mdev's
// adapter/domain/control-domain assignment with its rules and log lines, the guest_matrix
// filter, and the KVM attach that writes the matrix into the guest's CRYCB.
//
// Behaviour follows seed 001 (the kernel's vfio-ap document) where it and the current
// kernel differ (ap-facility-spec.md §9); every such choice lives in VfioApProfile so a
// second profile (the current kernel's) can be added in one place.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "arch/ap_instructions.h"
#include "arch/ap_mask.h"
#include "arch/crycb.h"
#include "driver/ap_bus.h"

namespace apsim::driver {

class KvmVm;
class LinuxKernel;

/// The behaviour choices where the seed documents and the current kernel differ (spec §9).
struct VfioApProfile {
  /// errno when an APQN is already assigned to another mdev: the seed's EBUSY (current
  /// kernels: EADDRINUSE).
  int sharing_errno = 16;  // EBUSY
  /// The log line for it (seed 001): "%02lx.%04lx" queue, "%s" the other mdev's UUID.
  std::string sharing_format = "Userspace may not re-assign queue %02x.%04x already assigned to %s";
  /// remove fails with EBUSY while a guest uses the mdev (seed 001; current kernels block).
  bool remove_busy_while_in_use = true;
  /// /sys/bus/ap/drivers/vfio_ap features attribute (the code's text; the doc says "dyn").
  std::string features = "guest_matrix hotplug ap_config";

  static VfioApProfile seed() { return VfioApProfile{}; }
};

/// The adapters, domains and control domains of an mdev (struct ap_matrix).
struct ApMatrix {
  arch::ApMask apm, aqm, adm;
  bool operator==(const ApMatrix& o) const { return apm == o.apm && aqm == o.aqm && adm == o.adm; }
  bool operator!=(const ApMatrix& o) const { return !(*this == o); }
};

/// One vfio_ap mediated device (struct ap_matrix_mdev).
struct ApMatrixMdev {
  std::string uuid;
  std::string path;          ///< /sys/devices/vfio_ap/matrix/<uuid>
  ApMatrix matrix;           ///< what was assigned
  ApMatrix shadow_apcb;      ///< what the guest gets (guest_matrix), after filtering
  KvmVm* kvm = nullptr;      ///< the guest using it
  /// QEMU's CFG_CHG eventfd: the guest's AP configuration changed (hot plug/unplug).
  std::function<void()> cfg_chg;
};

class VfioAp : public ApDriver {
 public:
  VfioAp(LinuxKernel& kernel, VfioApProfile profile = VfioApProfile::seed());
  ~VfioAp() override;

  /// Module init: the matrix device and mdev type in sysfs, the AP driver registration.
  void init();
  /// Module exit.  Returns -EBUSY while any mdev exists (the module is in use).
  int exit();

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

 private:
  int create(const std::string& buf);
  int remove(ApMatrixMdev& mdev);
  int assign(ApMatrixMdev& m, const std::string& buf, arch::ApcbMask which, bool assign);
  int validate_new_matrix(ApMatrixMdev& m, const ApMatrix& next);
  bool filter_matrix(ApMatrixMdev& m);
  void update_guest(ApMatrixMdev& m, const ApMatrix& old_shadow);
  void reset_queues_of(const arch::ApMask& apm, const arch::ApMask& aqm);
  std::string queue_status(const ApQueueDev& q);
  void log_mdev(const ApMatrixMdev& m, const std::string& text);
  arch::InsnOutcome handle_pqap(ApMatrixMdev& m, arch::GeneralRegisters& regs);

  LinuxKernel& kernel_;
  VfioApProfile profile_;
  ApQueueDev* probing_ = nullptr;   ///< being probed: counts as bound while filtering
  ApQueueDev* removing_ = nullptr;  ///< being removed: counts as unbound while filtering
  std::map<std::string, std::unique_ptr<ApMatrixMdev>> mdevs_;
  static constexpr unsigned kMaxInstances = 65536;  ///< MAX_ZDEV_ENTRIES_EXT
};

}  // namespace apsim::driver
