// driver/linux/profile.cpp — the Linux releases apsim models (profile.h).
#include "driver/linux/profile.h"

namespace apsim::driver {

const LinuxProfile& LinuxProfile::v6_1() {
  static const LinuxProfile p = [] {
    LinuxProfile x;
    x.version = "6.1";
    x.release = "6.1.0-apsim";
    x.uts_version = "#1 SMP Debian 6.1.192-1";
    return x;
  }();
  return p;
}

const LinuxProfile& LinuxProfile::v7_3() {
  static const LinuxProfile p = [] {
    LinuxProfile x;
    x.version = "7.3";
    x.release = "7.3.0-apsim";
    x.uts_version = "#1 SMP";
    x.depth_qd_plus_one = true;
    x.bus_features = true;
    x.bindings_complete_count = true;
    x.poll_thread_kstrtobool = true;
    x.poll_timeout_kstrtoul = true;
    x.in_use_all_ones = true;
    x.queue_driver_override = true;
    x.queue_ap_functions = true;
    x.interrupt_by_tapq = true;
    x.scan_inits_new_queues = true;
    x.online_considers_chkstop = true;
    x.zcrypt_info_no_cache = true;
    x.ep11_op_modes_2021 = true;
    x.mdev_request_callback = true;
    x.cfg_chg_eventfd = true;
    x.filter_passes_deconfigured = true;
    x.mdev_ap_config = true;
    x.matrix_features = true;
    return x;
  }();
  return p;
}

const LinuxProfile* LinuxProfile::find(const std::string& version) {
  if (version == "6.1") return &v6_1();
  if (version == "7.3") return &v7_3();
  return nullptr;
}

std::string LinuxProfile::known_names() { return "6.1, 7.3"; }

}  // namespace apsim::driver
