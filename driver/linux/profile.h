// driver/linux/profile.h — what differs between the Linux releases apsim models, in one table.
//
// apsim shows what a host running a given release prints (DESIGN.md "Fidelity").  The
// release is chosen by the LPAR config's "linux" field or `apsim run --linux` (default
// "6.1") and holds for the host and its guests.  Behaviour that is the same in every modelled
// release is simply the code (each place cites its Linux function); what differs is a field
// here, and each field cites the code it comes from.
//
// The releases:
//  * "6.1": the 6.1.y LTS line as Debian bookworm ships it, 6.1.192 (linux-source-6.1).  Where
//    a text changed within 6.1.y, apsim prints 6.1.192's (e.g. the vfio_ap sharing message,
//    changed after 6.1.136 by the backport of d33d729afcc8).
//  * "7.3": the newest kernel.  The newest AP code whose source could be read is of the 7.2
//    (vfio_ap_ops.c, 917f509bfb88) and 7.1 (ap_bus.c, 81d6f7c3a70b) development cycles; no
//    change to drivers/s390/crypto is known between them and 7.3.
// The notes behind every field, with the code quoted, are in docs/seed-errata.md and
// docs/vfio-ap.md.
#pragma once

#include <string>
#include <vector>

namespace apsim::driver {

struct LinuxProfile {
  /// "6.1" or "7.3": the name the LPAR config and --linux use.
  std::string version;
  /// utsname()->release, as `uname -r` and the boot banner print it.
  std::string release;
  /// utsname()->version (UTS_VERSION), as `uname -v` prints it: Debian's "#1 SMP Debian
  /// 6.1.192-1" for 6.1 (its build date left out: apsim does not know it); "#1 SMP" for 7.3.
  std::string uts_version;

  // ---- AP bus (drivers/s390/crypto/ap_bus.c, ap_card.c, ap_queue.c) ----
  /// A card's `depth` shows QD + 1 and the request state machine fills QD + 1 slots:
  /// 3317785a8803 "s390/ap: Fix wrong APQN fill calculation" (6.19-rc7; 6.12.y).  6.1.192:
  /// ap_card.c depth_show prints ac->queue_depth (the raw TAPQ QD), ap_queue.c ap_sm_write
  /// fills while queue_count < queue_depth.
  bool depth_qd_plus_one = false;
  /// /sys/bus/ap/features (features_show: "APSC APXA QACT RC8A APSB" of the QCI flags, "-"
  /// without QCI).  Not in 6.1.192.
  bool bus_features = false;
  /// /sys/bus/ap/bindings_complete_count: 51d921a613b1 (6.19).
  bool bindings_complete_count = false;
  /// poll_thread_store: kstrtobool (newest); 6.1.192: sscanf("%d\n").
  bool poll_thread_kstrtobool = false;
  /// poll_timeout_store: kstrtoul(buf, 0), 0 accepted (newest); 6.1.192: sscanf("%llu\n"),
  /// below 1 refused with EINVAL.
  bool poll_timeout_kstrtoul = false;
  /// apmask/aqmask stores check the newly reserved adapters against all 256 domains (and
  /// domains against all adapters) in the in_use() callback: 6917f434fda3 (6.19).  6.1.192:
  /// against the other mask as it is (__verify_card_reservations: ap_perms.aqm).
  bool in_use_all_ones = false;
  /// Queue `driver_override` (d38a87d7c064, 46030379f13c, 6.19), with its exclusion against
  /// apmask/aqmask; queue `ap_functions` (TAPQ facility bits).
  bool queue_driver_override = false;
  bool queue_ap_functions = false;
  /// Queue `interrupt` shows the hardware's state by TAPQ (newest interrupt_show); 6.1.192
  /// shows the AP bus's software flag aq->interrupt, which ap_queue_remove does not clear.
  bool interrupt_by_tapq = false;
  /// ap_scan_domains calls ap_queue_init_state for every new usable queue device whatever
  /// driver binds it (newest: "nudge the queue's state machine"); 6.1.192 leaves a queue that
  /// vfio_ap probed first UNINITIATED (request_count "-").
  bool scan_inits_new_queues = false;

  // ---- zcrypt (zcrypt_card.c, zcrypt_queue.c, zcrypt_cex4.c, zcrypt_ccamisc.c, zcrypt_ep11misc.c) ----
  /// Card `online` shows config && !chkstop && online, and online=1 on a checkstopped card is
  /// ENODEV (newest, 6.17); 6.1.192 ignores chkstop.
  bool online_considers_chkstop = false;
  /// The CCA and EP11 attributes (`serialnr`, `mkvps`, `API_ordinalnr`, `FW_version`, the
  /// card's `op_modes`) ask the card at every read: "s390/zcrypt: Remove CCA and EP11 card
  /// and domain info caches" (the 2025 xflags series; 6.17's zcrypt_ccamisc.c has no cache).
  /// 6.1.192 keeps the last answer per card (EP11) and per card and domain (CCA) and, for a
  /// card or queue whose zcrypt `online` is 0, shows it without asking (cca_get_info /
  /// ep11_get_card_info with verify = zc->online or zq->online).
  bool zcrypt_info_no_cache = false;
  /// EP11 `op_modes` names bits 4 SIGG-IMPORT, 5 SIGG, 7 FIPS2021 and 8 FIPS2024 as well
  /// (zcrypt_cex4.c ep11_op_modes[] of 6.17); 6.1.192 names bits 0, 1, 2, 3 and 6 only.
  bool ep11_op_modes_2021 = false;

  // ---- vfio_ap (drivers/s390/crypto/vfio_ap_drv.c, vfio_ap_ops.c) ----
  /// The mdev's VFIO request callback (vfio_ap_mdev_request, 2e3d8d71e285, 6.5): a `remove`
  /// of an mdev in use clears the guest's masks, signals CFG_CHG and relays the request to
  /// QEMU ("Relaying device request to user (#%u)"), or says "No device request registered,
  /// blocked until released by user".  6.1.192 has no .request: the remove sleeps silently
  /// until QEMU releases the device (vfio_unregister_group_dev).  Either way it blocks.
  bool mdev_request_callback = false;
  /// The CFG_CHG eventfd (07d89045bffe, 6.15): every APCB change is signalled to QEMU, which
  /// tells the guest at once.  6.1.192 has no IRQs (num_irqs 0): a guest learns of a change
  /// at its AP bus's next configuration scan (AP_CONFIG_TIME, 30 s).
  bool cfg_chg_eventfd = false;
  /// vfio_ap_mdev_filter_matrix drops an adapter for a queue whose last reset failed: 6.1.192
  /// for any non-zero reset response code (q->reset_rc); newest only for a code other than
  /// 0x00, 0x03 and 0x04 (_queue_passable).
  bool filter_passes_deconfigured = false;
  /// The mdev attribute `ap_config` (e12aa0b5b2fb, 6.10).
  bool mdev_ap_config = false;
  /// /sys/devices/vfio_ap/matrix/features: "guest_matrix hotplug ap_config" (vfio_ap_drv.c
  /// features_show, "s390/vfio-ap: Driver feature advertisement").  Not in 6.1.
  bool matrix_features = false;

  /// Linux 6.1.192 (the default).
  static const LinuxProfile& v6_1();
  /// The newest kernel, "7.3".
  static const LinuxProfile& v7_3();
  /// The profile named `version` ("6.1", "7.3"); nullptr if apsim does not model it.
  static const LinuxProfile* find(const std::string& version);
  /// "6.1, 7.3": the names find() accepts, for error messages.
  static std::string known_names();
};

}  // namespace apsim::driver
