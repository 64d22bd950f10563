// testbench/tests/linux/test_profile.cpp — the Linux releases apsim models
// (driver/linux/profile.h): found by name, unknown names refused, and the fields that make
// 6.1 and 7.3 differ set the way the kernels' code has them.
#define BOOST_TEST_MODULE linux_profile
#include <boost/test/unit_test.hpp>

#include "driver/linux/profile.h"

using apsim::driver::LinuxProfile;

BOOST_AUTO_TEST_CASE(releases_by_name) {
  BOOST_TEST(LinuxProfile::find("6.1") == &LinuxProfile::v6_1());
  BOOST_TEST(LinuxProfile::find("7.3") == &LinuxProfile::v7_3());
  for (const char* bad : {"", "6", "6.1.0", "4.19", "7.3 ", "latest"}) BOOST_TEST(LinuxProfile::find(bad) == nullptr);
  BOOST_TEST(LinuxProfile::known_names() == "6.1, 7.3");
  BOOST_TEST(LinuxProfile::v6_1().release == "6.1.0-apsim");
  BOOST_TEST(LinuxProfile::v7_3().release == "7.3.0-apsim");
}

BOOST_AUTO_TEST_CASE(six_one_has_none_of_the_later_changes) {
  const LinuxProfile& p = LinuxProfile::v6_1();
  BOOST_TEST(!p.depth_qd_plus_one);
  BOOST_TEST(!p.bus_features);
  BOOST_TEST(!p.in_use_all_ones);
  BOOST_TEST(!p.mdev_request_callback);
  BOOST_TEST(!p.cfg_chg_eventfd);
  BOOST_TEST(!p.mdev_ap_config);
  BOOST_TEST(!p.matrix_features);
  BOOST_TEST(!p.queue_driver_override);
  BOOST_TEST(!p.filter_passes_deconfigured);
  BOOST_TEST(!p.zcrypt_info_no_cache);
  BOOST_TEST(!p.ep11_op_modes_2021);
}

BOOST_AUTO_TEST_CASE(seven_three_has_them_all) {
  const LinuxProfile& p = LinuxProfile::v7_3();
  BOOST_TEST(p.depth_qd_plus_one);
  BOOST_TEST(p.bus_features);
  BOOST_TEST(p.bindings_complete_count);
  BOOST_TEST(p.in_use_all_ones);
  BOOST_TEST(p.mdev_request_callback);
  BOOST_TEST(p.cfg_chg_eventfd);
  BOOST_TEST(p.mdev_ap_config);
  BOOST_TEST(p.matrix_features);
  BOOST_TEST(p.queue_driver_override);
  BOOST_TEST(p.queue_ap_functions);
  BOOST_TEST(p.interrupt_by_tapq);
  BOOST_TEST(p.filter_passes_deconfigured);
  BOOST_TEST(p.online_considers_chkstop);
  BOOST_TEST(p.zcrypt_info_no_cache);
  BOOST_TEST(p.ep11_op_modes_2021);
}
