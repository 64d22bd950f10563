// testbench/tests/linux/test_sysfs.cpp — the kernel's virtual file system
// (driver/linux/sysfs.h): path resolution with links, the errno of each refused access,
// attribute registration and removal, listing order; regular files in the normal-filesystem
// directories (mount_tmpfs), O_CREAT through open_write, write/read, mkdir, unlink, and what a
// reboot keeps (reset_keeping), while sysfs directories stay closed to all of it.
#define BOOST_TEST_MODULE sysfs
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>

#include "driver/linux/sysfs.h"
#include "testbench/tests/common/ap_tree.h"

using apsim::driver::Sysfs;

namespace {
using apsim::test::kCreate;
using apsim::test::kMatrix;

// The AP-like tree of testbench/tests/common/ap_tree.h in a tree of its own.
struct ApHost {
  Sysfs fs;
  apsim::test::ApTree tree{fs};
  std::vector<std::string>& stores = tree.stores;
};

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

// An empty path is ENOENT for every call (fs/namei.c getname_flags), also in a directory that
// could create files, and nothing is created (found by testbench/fuzz/fuzz_sysfs_store.cpp:
// open_write read the last character of the empty name).
BOOST_FIXTURE_TEST_CASE(empty_path_is_enoent, Tree) {
  for (const char* cwd : {"/", "/etc", "/sys/bus/ap"}) {
    BOOST_TEST(fs.open_write(cwd, "") == -ENOENT);
    BOOST_TEST(fs.write(cwd, "", "1") == -ENOENT);
    BOOST_TEST(fs.write_file(cwd, "", "1") == -ENOENT);
    BOOST_TEST(fs.make_dir(cwd, "") == -ENOENT);
    BOOST_TEST(fs.make_dir(cwd, "", true) == -ENOENT);
    BOOST_TEST(fs.unlink(cwd, "") == -ENOENT);
    BOOST_TEST(fs.rmdir(cwd, "") == -ENOENT);
  }
  std::vector<std::string> names;
  BOOST_TEST(fs.list("/", "/etc", names) == 0);
  BOOST_TEST(names.empty());
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

// ============================================================================ sysfs
BOOST_AUTO_TEST_SUITE(sysfs)

BOOST_AUTO_TEST_CASE(resolve_dots_and_links) {
  ApHost h;
  std::string out;
  BOOST_TEST(h.fs.resolve("/", "/sys/bus/ap/devices/05.0004", out) == 0);
  BOOST_TEST(out == "/sys/devices/ap/card05/05.0004");
  BOOST_TEST(h.fs.resolve("/sys/bus/ap", "devices/card05/../card05/./type", out) == 0);
  BOOST_TEST(out == "/sys/devices/ap/card05/type");
  // ".." after a link is taken in the link's target, as the VFS does.
  BOOST_TEST(h.fs.resolve("/", "/sys/bus/ap/devices/card05/..", out) == 0);
  BOOST_TEST(out == "/sys/devices/ap");
  BOOST_TEST(h.fs.resolve("/", "/../../sys/./bus//ap/", out) == 0);
  BOOST_TEST(out == "/sys/bus/ap");
  BOOST_TEST(h.fs.resolve("/", "/", out) == 0);
  BOOST_TEST(out == "/");
  std::string untouched = "keep";
  BOOST_TEST(h.fs.resolve("/", "/sys/nope/x", untouched) == -ENOENT);
  BOOST_TEST(untouched == "keep");
  BOOST_TEST(h.fs.resolve("/", "/sys/bus/ap/apmask/x", out) == -ENOTDIR);
  BOOST_TEST(h.fs.resolve("/", "/sys/bus/ap/apmask/", out) == -ENOTDIR);
  BOOST_TEST(h.fs.resolve("/", "", out) == -ENOENT);
}

BOOST_AUTO_TEST_CASE(link_loops_and_relative_targets) {
  Sysfs fs;
  fs.add_link("/a/l1", "/a/l2");
  fs.add_link("/a/l2", "/a/l1");
  fs.add_link("/a/self", "/a/self");
  std::string out;
  BOOST_TEST(fs.resolve("/", "/a/l1", out) == -ELOOP);
  BOOST_TEST(fs.read("/", "/a/self", out) == -ELOOP);
  fs.mkdir("/b/c");
  fs.add_link("/b/rel", "c");  // relative target: from the link's directory
  BOOST_TEST(fs.resolve("/", "/b/rel", out) == 0);
  BOOST_TEST(out == "/b/c");
  fs.add_link("/b/dangling", "/nowhere");
  BOOST_TEST(fs.resolve("/", "/b/dangling", out) == -ENOENT);
  std::string t;
  BOOST_TEST(fs.readlink("/", "/b/dangling", t) == 0);
  // kernfs stores a symlink's target relative to the link's directory (fs/sysfs/symlink.c,
  // kernfs_get_target_path), so readlink prints "../…" as on a real machine.
  BOOST_TEST(t == "../nowhere");
  fs.add_link("/b/c/deep", "/b/x/y");
  BOOST_TEST(fs.readlink("/", "/b/c/deep", t) == 0);
  BOOST_TEST(t == "../x/y");
  BOOST_TEST(fs.readlink("/", "/b/rel", t) == 0);
  BOOST_TEST(t == "c");
  BOOST_TEST(fs.readlink("/", "/b/c", t) == -EINVAL);
  // A chain of 40 links resolves; 41 do not (MAXSYMLINKS).
  fs.mkdir("/chain/end");
  for (int i = 0; i < 41; ++i)
    fs.add_link("/chain/l" + std::to_string(i), i == 0 ? "/chain/end" : "/chain/l" + std::to_string(i - 1));
  BOOST_TEST(fs.resolve("/", "/chain/l39", out) == 0);
  BOOST_TEST(fs.resolve("/", "/chain/l40", out) == -ELOOP);
}

BOOST_AUTO_TEST_CASE(errno_rules) {
  ApHost h;
  std::string out;
  BOOST_TEST(h.fs.read("/", "/sys/bus/ap/apmask", out) == 0);
  BOOST_TEST(out == "0xff\n");
  BOOST_TEST(h.fs.read("/", "/sys/bus/ap", out) == -EISDIR);
  BOOST_TEST(h.fs.read("/", "/sys/bus/ap/busy", out) == -EACCES);  // write-only
  BOOST_TEST(h.fs.read("/", "/sys/bus/ap/missing", out) == -ENOENT);
  BOOST_TEST(h.fs.write("/", "/sys/bus/ap/ap_max_domain_id", "1\n") == -EACCES);  // read-only
  BOOST_TEST(h.fs.write("/", "/sys/bus/ap/newfile", "1\n") == -EACCES);            // no create
  BOOST_TEST(h.fs.write("/", "/sys/bus/nodir/newfile", "1\n") == -ENOENT);
  BOOST_TEST(h.fs.write("/", "/sys/bus/ap", "1\n") == -EISDIR);
  BOOST_TEST(h.fs.write("/", "/sys/bus/ap/apmask/x", "1\n") == -ENOTDIR);
  BOOST_TEST(h.fs.write("/", "/sys/bus/ap/apmask", "5\n") == -EINVAL);  // callback's own
  BOOST_TEST(h.fs.write("/sys/bus/ap", "apmask", "0x0a\n") == 0);
  BOOST_TEST(h.stores.back() == "apmask:0x0a\n");  // the bytes exactly as written
  BOOST_TEST(h.fs.write("/", "/sys/bus/ap/busy", "") == 0);  // zero-length: store not called
  BOOST_TEST(h.stores.back() == "apmask:0x0a\n");
  BOOST_TEST(h.fs.open_write("/", "/sys/bus/ap/busy") == 0);
  BOOST_TEST(h.fs.open_write("/", "/sys/bus/ap/ap_max_domain_id") == -EACCES);
}

BOOST_AUTO_TEST_CASE(list_sorted_c_locale) {
  Sysfs fs;
  for (const char* n : {"b", "B", "a", "10", "9", "_x", "card0a", "card05"}) fs.add_attr(std::string("/d/") + n, nullptr, nullptr);
  std::vector<std::string> names;
  BOOST_TEST(fs.list("/", "/d", names) == 0);
  std::vector<std::string> want{"10", "9", "B", "_x", "a", "b", "card05", "card0a"};
  BOOST_TEST(names == want, boost::test_tools::per_element());
  BOOST_TEST(fs.list("/", "/d/a", names) == -ENOTDIR);
  BOOST_TEST(fs.list("/", "/nope", names) == -ENOENT);
}

BOOST_AUTO_TEST_CASE(registration_and_removal) {
  Sysfs fs;
  fs.add_attr("/x/y/z", [](std::string& o) { o = "1\n"; return 0; }, nullptr);  // parents created
  BOOST_TEST(fs.is_dir("/x/y"));
  BOOST_TEST(fs.exists("/x/y/z"));
  BOOST_TEST(!fs.is_dir("/x/y/z"));
  fs.add_attr("/x/y/z", [](std::string& o) { o = "2\n"; return 0; }, nullptr);  // replaced
  std::string out;
  BOOST_TEST(fs.read("/", "/x/y/z", out) == 0);
  BOOST_TEST(out == "2\n");
  fs.add_link("/l", "/x");
  fs.add_attr("/l/y/w", nullptr, nullptr);  // registration through a link
  BOOST_TEST(fs.exists("/x/y/w"));
  fs.remove("/l");  // removes the link, not its target
  BOOST_TEST(!fs.exists("/l"));
  BOOST_TEST(fs.exists("/x/y/z"));
  fs.remove("/x");
  BOOST_TEST(!fs.exists("/x/y/z"));
  fs.remove("/never/there");
  fs.mkdir("/m");
  fs.mkdir("/m");
  BOOST_TEST(fs.is_dir("/m"));
}

BOOST_AUTO_TEST_CASE(store_may_remove_its_own_directory) {
  ApHost h;
  std::string uuid = "4b0518fd-9237-493f-93c8-c5597f8006a3";
  BOOST_TEST(h.fs.write("/", kCreate, uuid + "\n") == 0);
  BOOST_TEST(h.fs.is_dir(kMatrix + uuid));
  BOOST_TEST(h.fs.write("/", kCreate, uuid + "\n") == -EEXIST);
  BOOST_TEST(h.fs.write(kMatrix + uuid, "remove", "1\n") == 0);
  BOOST_TEST(!h.fs.exists(kMatrix + uuid));
}

BOOST_AUTO_TEST_SUITE_END()

// Attribute groups (Sysfs::Group, sysfs_create_group): one set of entries shared by many
// directories, each show/store getting its directory's object.
namespace {
struct Dev {
  int value = 0;
};

std::shared_ptr<Sysfs::Group> dev_group() {
  auto g = std::make_shared<Sysfs::Group>();
  g->add_attr("value", apsim::driver::sysfs_group_show<Dev>([](Dev& d) { return std::to_string(d.value) + "\n"; }),
              [](void* obj, const std::string& buf) {
                static_cast<Dev*>(obj)->value = std::stoi(buf);
                return 0;
              });
  g->add_attr("ro", apsim::driver::sysfs_group_show<Dev>([](Dev&) { return std::string("ro\n"); }), nullptr);
  g->add_attr("wo", nullptr, [](void*, const std::string&) { return 0; });
  g->add_link("subsystem", "/sys/bus/x");
  return g;
}
}  // namespace

BOOST_AUTO_TEST_CASE(group_entries_read_write_list_stat_per_directory) {
  Sysfs fs;
  fs.mkdir("/sys/bus/x");
  Dev a{1}, b{2};
  auto g = dev_group();
  fs.add_group("/sys/devices/a", g, &a);
  fs.add_group("/sys/devices/b", g, &b);
  fs.add_attr("/sys/devices/a/own", [](std::string& o) { o = "own\n"; return 0; }, nullptr);
  std::string out;
  BOOST_TEST(fs.read("/", "/sys/devices/a/value", out) == 0);
  BOOST_TEST(out == "1\n");
  BOOST_TEST(fs.read("/sys/devices/b", "value", out) == 0);
  BOOST_TEST(out == "2\n");
  BOOST_TEST(fs.write("/", "/sys/devices/b/value", "7\n") == 0);
  BOOST_TEST(b.value == 7);
  BOOST_TEST(a.value == 1);
  // The errno contract holds for a group's entries as for a directory's own.
  BOOST_TEST(fs.write("/", "/sys/devices/a/ro", "1") == -EACCES);
  BOOST_TEST(fs.read("/", "/sys/devices/a/wo", out) == -EACCES);
  apsim::driver::SysfsStat st;
  BOOST_TEST(fs.stat("/", "/sys/devices/a/value", true, st) == 0);
  BOOST_TEST(st.mode == 0644u);
  BOOST_TEST(fs.stat("/", "/sys/devices/a/wo", true, st) == 0);
  BOOST_TEST(st.mode == 0200u);
  BOOST_TEST(fs.stat("/", "/sys/devices/a/subsystem", false, st) == 0);
  BOOST_TEST(st.type == 'l');
  BOOST_TEST(fs.readlink("/", "/sys/devices/a/subsystem", out) == 0);
  BOOST_TEST(out == "../../bus/x");
  BOOST_TEST(fs.resolve("/", "/sys/devices/a/subsystem", out) == 0);
  BOOST_TEST(out == "/sys/bus/x");
  std::vector<std::string> names;
  BOOST_TEST(fs.list("/", "/sys/devices/a", names) == 0);
  BOOST_TEST(names == (std::vector<std::string>{"own", "ro", "subsystem", "value", "wo"}), boost::test_tools::per_element());
  // remove() of one entry of a group does nothing; remove_group takes them all.
  fs.remove("/sys/devices/a/value");
  BOOST_TEST(fs.exists("/sys/devices/a/value"));
  fs.remove_group("/sys/devices/a", *g);
  BOOST_TEST(fs.read("/", "/sys/devices/a/value", out) == -ENOENT);
  BOOST_TEST(fs.list("/", "/sys/devices/a", names) == 0);
  BOOST_TEST(names == (std::vector<std::string>{"own"}), boost::test_tools::per_element());
  BOOST_TEST(fs.read("/", "/sys/devices/b/value", out) == 0);
  BOOST_TEST(out == "7\n");
}

// A directory's own entry hides a group's entry of the same name, and is listed once.
BOOST_AUTO_TEST_CASE(own_entry_hides_group_entry) {
  Sysfs fs;
  Dev a{3};
  fs.add_group("/d", dev_group(), &a);
  fs.add_attr("/d/value", [](std::string& o) { o = "own\n"; return 0; }, nullptr);
  std::string out;
  BOOST_TEST(fs.read("/", "/d/value", out) == 0);
  BOOST_TEST(out == "own\n");
  std::vector<std::string> names;
  BOOST_TEST(fs.list("/", "/d", names) == 0);
  BOOST_TEST(std::count(names.begin(), names.end(), "value") == 1);
}

// What the tree's memory grows with: a 256 x 256 AP bus's queue directories with a shared
// group cost one node per directory, however many attributes the group has (issue 13: a node
// per attribute per queue was most of 529 MB).  Counted, not timed.
BOOST_AUTO_TEST_CASE(group_entries_cost_no_node_per_directory) {
  Sysfs fs;
  auto g = dev_group();
  for (int i = 0; i < 20; ++i) g->add_attr("extra" + std::to_string(i), nullptr, [](void*, const std::string&) { return 0; });
  fs.mkdir("/sys/devices/ap");
  const std::size_t before = fs.node_count();
  Dev dev;
  char name[16];
  for (unsigned apid = 0; apid < 256; ++apid)
    for (unsigned apqi = 0; apqi < 256; ++apqi) {
      std::snprintf(name, sizeof name, "%02x.%04x", apid, apqi);
      fs.add_group(std::string("/sys/devices/ap/") + name, g, &dev);
    }
  BOOST_TEST(fs.node_count() - before == 65536u);
  std::vector<std::string> names;
  BOOST_TEST(fs.list("/", "/sys/devices/ap/ff.00ff", names) == 0);
  BOOST_TEST(names.size() == 24u);  // value, ro, wo, subsystem, extra0..extra19
}
