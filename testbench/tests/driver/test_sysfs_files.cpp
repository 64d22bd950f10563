// Regular files in the virtual tree (driver/sysfs.h): normal-filesystem directories
// (mount_tmpfs), O_CREAT through open_write, write/read, mkdir, unlink, and what a reboot
// keeps (reset_keeping); sysfs directories stay closed to all of it.  Also the vfio_ap
// profiles by name (driver/vfio_ap_profile.h).
#define BOOST_TEST_MODULE sysfs_files
#include <boost/test/unit_test.hpp>

#include <cerrno>

#include "driver/sysfs.h"
#include "driver/vfio_ap_profile.h"

using apsim::driver::Sysfs;
using apsim::driver::VfioApProfile;

namespace {
struct Tree {
  Sysfs fs;
  Tree() {
    fs.mount_tmpfs("/etc");
    fs.add_attr("/sys/bus/ap/apmask", [](std::string& o) { o = "0xff\n"; return 0; }, [](const std::string&) { return 0; });
    fs.add_attr("/sys/bus/ap/ap_max_domain_id", [](std::string& o) { o = "255\n"; return 0; }, nullptr);
  }
};
}  // namespace

BOOST_FIXTURE_TEST_CASE(create_write_read_in_tmpfs, Tree) {
  BOOST_TEST(fs.open_write("/", "/etc/foo") == 0);  // O_CREAT
  BOOST_TEST(fs.is_file("/etc/foo"));
  std::string out = "x";
  BOOST_TEST(fs.read("/", "/etc/foo", out) == 0);
  BOOST_TEST(out.empty());
  BOOST_TEST(fs.write("/", "/etc/foo", "hello\n") == 0);
  BOOST_TEST(fs.write("/", "/etc/foo", "bye\n") == 0);  // O_TRUNC: replaced, not appended
  BOOST_TEST(fs.read("/etc", "foo", out) == 0);
  BOOST_TEST(out == "bye\n");
}

BOOST_FIXTURE_TEST_CASE(sysfs_has_no_regular_files, Tree) {
  BOOST_TEST(fs.open_write("/", "/sys/bus/ap/newfile") == -EACCES);
  BOOST_TEST(!fs.exists("/sys/bus/ap/newfile"));
  BOOST_TEST(fs.write_file("/", "/sys/bus/ap/apmask", "x") == -EACCES);
  BOOST_TEST(fs.write_file("/", "/sys/bus/ap/newfile", "x") == -EACCES);
  BOOST_TEST(fs.make_dir("/", "/sys/bus/ap/newdir") == -EPERM);  // vfs_mkdir: no ->mkdir
  BOOST_TEST(fs.rmdir("/", "/sys/bus/ap") == -EPERM);
  BOOST_TEST(fs.unlink("/", "/sys/bus/ap/apmask") == -EPERM);
  BOOST_TEST(fs.exists("/sys/bus/ap/apmask"));
  BOOST_TEST(fs.open_write("/", "/nodir/file") == -ENOENT);
}

BOOST_FIXTURE_TEST_CASE(directories_and_unlink, Tree) {
  BOOST_TEST(fs.make_dir("/", "/etc/mdevctl.d/matrix") == -ENOENT);  // no parent
  BOOST_TEST(fs.make_dir("/", "/etc/mdevctl.d/matrix", true) == 0);  // mkdir -p
  BOOST_TEST(fs.make_dir("/", "/etc/mdevctl.d/matrix", true) == 0);
  BOOST_TEST(fs.make_dir("/", "/etc/mdevctl.d") == -EEXIST);
  BOOST_TEST(fs.write_file("/", "/etc/mdevctl.d/matrix/u1", "{}") == 0);  // new dirs are tmpfs too
  BOOST_TEST(fs.write_file("/", "/etc/mdevctl.d/matrix", "{}") == -EISDIR);
  BOOST_TEST(fs.unlink("/", "/etc/mdevctl.d/matrix") == -EISDIR);
  BOOST_TEST(fs.unlink("/", "/etc/mdevctl.d/matrix/u1") == 0);
  BOOST_TEST(fs.unlink("/", "/etc/mdevctl.d/matrix/u1") == -ENOENT);
  std::vector<std::string> names;
  BOOST_TEST(fs.list("/", "/etc/mdevctl.d/matrix", names) == 0);
  BOOST_TEST(names.empty());
  // rmdir(2): only empty directories; /etc is a mount point.
  BOOST_TEST(fs.write_file("/", "/etc/mdevctl.d/matrix/u2", "{}") == 0);
  BOOST_TEST(fs.rmdir("/", "/etc/mdevctl.d/matrix") == -ENOTEMPTY);
  BOOST_TEST(fs.rmdir("/", "/etc/mdevctl.d/matrix/u2") == -ENOTDIR);
  BOOST_TEST(fs.unlink("/", "/etc/mdevctl.d/matrix/u2") == 0);
  BOOST_TEST(fs.rmdir("/", "/etc/mdevctl.d/matrix") == 0);
  BOOST_TEST(fs.rmdir("/", "/etc/mdevctl.d/matrix") == -ENOENT);
  BOOST_TEST(fs.rmdir("/", "/etc") == -EBUSY);
}

BOOST_FIXTURE_TEST_CASE(reboot_keeps_the_disk, Tree) {
  BOOST_TEST(fs.write_file("/", "/etc/keep", "1") == 0);
  fs.reset_keeping({"/etc", "/root"});  // /root does not exist: skipped
  BOOST_TEST(!fs.exists("/sys/bus/ap/apmask"));
  std::string out;
  BOOST_TEST(fs.read("/", "/etc/keep", out) == 0);
  BOOST_TEST(out == "1");
  BOOST_TEST(fs.open_write("/", "/etc/new") == 0);  // still a normal filesystem
}

BOOST_AUTO_TEST_CASE(vfio_ap_profiles_by_name) {
  VfioApProfile p;
  BOOST_TEST(VfioApProfile::by_name("current", p));
  BOOST_TEST(p.name == "current");
  BOOST_TEST(p.sharing_errno == EADDRINUSE);
  BOOST_TEST(!p.explicit_bind_overrides_masks);
  BOOST_TEST(VfioApProfile::by_name("", p));
  BOOST_TEST(p.name == "seed");
  BOOST_TEST(p.sharing_errno == EBUSY);
  BOOST_TEST(p.remove_busy_while_in_use);
  BOOST_TEST(!VfioApProfile::by_name("4.19", p));
}
