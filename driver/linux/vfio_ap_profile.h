// driver/linux/vfio_ap_profile.h — the behaviour choices where the seed documents and the
// current kernel differ (ap-facility-spec.md §9), in one place.
//
// apsim follows the seed documents by default (VfioApProfile::seed()): seed 001, the
// kernel's vfio-ap document, for the vfio_ap rules and log lines, and seed 002 (the QEMU
// document of 2018) for the older bind/unbind procedure.  VfioApProfile::current_kernel()
// is the behaviour of the 6.17 source the spec quotes.  A host picks one with the
// simulator's kernel parameter `apsim.vfio_ap_profile=seed|current` (LPAR config
// "kernel_cmdline"); docs/vfio-ap.md lists every field with its sources.
#pragma once

#include <cerrno>
#include <string>

namespace apsim::driver {

struct VfioApProfile {
  /// "seed" or "current": what `apsim.vfio_ap_profile=` selects.
  std::string name = "seed";

  // ---- vfio_ap_mdev_verify_no_sharing: an APQN already assigned to another mdev ----
  /// errno of the refused assign_adapter/assign_domain: the seed's EBUSY (seed 001 "the
  /// operation will terminate with an error (EBUSY)"); current kernels: EADDRINUSE.
  int sharing_errno = EBUSY;
  /// The log line, printf-style with (apid, apqi, holder UUID).  Seed 001's text.
  std::string sharing_format = "Userspace may not re-assign queue %02x.%04x already assigned to %s";
  /// Which mdev's dev_warn() prints it: true = the mdev holding the APQN (the kernels the
  /// seed's text comes from: vfio_ap_mdev_log_sharing_err(matrix_mdev = holder)), false =
  /// the mdev being assigned to (current kernels).  Either way %s names the holder.
  bool sharing_logged_by_holder = true;

  // ---- apmask/aqmask edits that would take an APQN from an mdev (the in_use callback) ----
  /// The log line, printf-style with (apid, apqi, holder UUID); printed by the holder.
  /// Seed 001 shows the sharing text here too ("Userspace may not re-assign queue
  /// 05.0054 already assigned to 62177883-..."); current kernels print MDEV_IN_USE_ERR.
  std::string in_use_format = "Userspace may not re-assign queue %02x.%04x already assigned to %s";
  /// Log every mdev holding such an APQN (seed 001's example names two mdevs), or stop at
  /// the first one as vfio_ap_mdev_verify_no_sharing does in the kernel source.
  bool in_use_logs_every_holder = true;

  // ---- mdev lifecycle ----
  /// remove fails with EBUSY while a guest uses the mdev (seed 001: "the remove will fail
  /// if a guest using the vfio_ap mdev is still running").  Current kernels instead send a
  /// device request to QEMU, which unplugs the device, and then remove.
  bool remove_busy_while_in_use = true;
  /// The per-mdev `ap_config` attribute (newest kernel document, §4.6); seed 001 lists
  /// assign_*/unassign_*, matrix, guest_matrix and control_domains only.
  bool ap_config_attr = false;
  /// /sys/bus/ap/drivers/vfio_ap/features.  The seed-era driver has guest_matrix and hot
  /// plug but no ap_config; current kernels advertise "guest_matrix hotplug ap_config".
  std::string features = "guest_matrix hotplug";

  // ---- binding (seed 002's procedure) ----
  /// An explicit `echo APQN > /sys/bus/ap/drivers/DRV/bind` binds even when apmask x aqmask
  /// says the APQN belongs to the other kind of driver (seed 002, written before the masks
  /// existed: "echo 05.0004 > /sys/bus/ap/drivers/vfio_ap/bind ... will store the APQN in
  /// the matrix device").  A queue so bound to vfio_ap counts as given to vfio_ap by the
  /// assignment rule (EADDRNOTAVAIL looks at apmask x aqmask minus such queues).  Current
  /// kernels refuse the bind in ap_device_probe with ENODEV.
  bool explicit_bind_overrides_masks = true;

  /// The seed documents' behaviour (the default).
  static VfioApProfile seed() { return VfioApProfile{}; }

  /// The current kernel's behaviour (6.17, ap-facility-spec.md §4 and §9).
  static VfioApProfile current_kernel() {
    VfioApProfile p;
    p.name = "current";
    p.sharing_errno = EADDRINUSE;
    p.sharing_format = "Userspace may not assign queue %02x.%04x to mdev: already assigned to %s";
    p.sharing_logged_by_holder = false;
    p.in_use_format = "Can not reserve queue %02x.%04x for host driver: in use by mdev";
    p.in_use_logs_every_holder = false;
    p.remove_busy_while_in_use = false;
    p.ap_config_attr = true;
    p.features = "guest_matrix hotplug ap_config";
    p.explicit_bind_overrides_masks = false;
    return p;
  }

  /// The profile named `name` ("seed", "current"); false if there is none by that name.
  static bool by_name(const std::string& name, VfioApProfile& out) {
    if (name == "seed" || name.empty()) out = seed();
    else if (name == "current") out = current_kernel();
    else return false;
    return true;
  }
};

}  // namespace apsim::driver
