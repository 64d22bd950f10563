// testbench/tests/userspace/test_admin_commands.cpp — the everyday commands of issue 14 on a
// fake host (testbench/tests/common/fake_host.h): ls -l/-a/-d, find, xargs, the filters that
// run the machine's own programs (sort, uniq, tr, sed, awk), kmod's rmmod/lsmod/modinfo and
// the kernel's module rules, uname.  Expected texts are those of GNU coreutils 9.1,
// findutils 4.9.0, sed 4.9, gawk 5.2.1 and kmod 30 (Debian bookworm), run by hand.
#define BOOST_TEST_MODULE admin_commands
#include <boost/test/unit_test.hpp>

#include "testbench/tests/common/fake_host.h"

using namespace apsim::test;

BOOST_AUTO_TEST_SUITE(admin_commands)

BOOST_AUTO_TEST_CASE(ls_long_format) {
  FakeHost h("host");
  h.sysfs.mount_tmpfs("/etc");
  h.sysfs.write_file("/", "/etc/hosts", "127.0.0.1 localhost\n");
  auto r = run(h, "ls -l /sys/bus/ap\nls -ld /sys/devices/ap/card05 /etc /etc/hosts\nls -l /sys/bus/ap/devices/card05\n"
                  "ls -la /sys/devices/ap/card05\nls -l /etc\n");
  BOOST_TEST(r.err == "");
  BOOST_TEST(r.out ==
             "total 0\n"
             "-r--r--r-- 1 root root 4096 Jan  1 00:00 ap_max_domain_id\n"  // RO attribute
             "-rw-r--r-- 1 root root 4096 Jan  1 00:00 apmask\n"            // RW
             "--w------- 1 root root 4096 Jan  1 00:00 busy\n"              // WO
             "drwxr-xr-x 2 root root    0 Jan  1 00:00 devices\n"
             "--w------- 1 root root 4096 Jan  1 00:00 nodev\n"
             "--w------- 1 root root 4096 Jan  1 00:00 sleepy\n"
             // -d: the operands themselves, gauged together, sorted
             "drwxr-xr-x 2 root root 4096 Jan  1 00:00 /etc\n"
             "-rw-r--r-- 1 root root   20 Jan  1 00:00 /etc/hosts\n"
             "drwxr-xr-x 3 root root    0 Jan  1 00:00 /sys/devices/ap/card05\n"
             // -l shows a link operand as the link
             "lrwxrwxrwx 1 root root 0 Jan  1 00:00 /sys/bus/ap/devices/card05 -> ../../../devices/ap/card05\n"
             "total 0\n"
             "drwxr-xr-x 3 root root    0 Jan  1 00:00 .\n"
             "drwxr-xr-x 3 root root    0 Jan  1 00:00 ..\n"
             "drwxr-xr-x 2 root root    0 Jan  1 00:00 05.0004\n"
             "-r--r--r-- 1 root root 4096 Jan  1 00:00 type\n"
             "total 4\n"  // a regular file on the disk: one 4 KiB block
             "-rw-r--r-- 1 root root 20 Jan  1 00:00 hosts\n");
}

BOOST_AUTO_TEST_CASE(find_and_xargs) {
  FakeHost h("host");
  auto r = run(h,
               "find /sys/devices/ap\n"
               "find /sys/bus/ap -maxdepth 1 -type f -name 'a*'\n"
               "find /sys/bus/ap/devices -type l\n"
               "find /nope; echo $?\n"
               "find /sys -bogus\n"
               "find /sys/devices/ap -name online | xargs cat\n"
               "echo a b c | xargs -n 2 echo x\n"
               "printf '05.0004\\n' | xargs -I{} cat /sys/bus/ap/devices/{}/online\n"
               "echo /sys/bus/ap/apmask | xargs nosuch; echo $?\n");
  BOOST_TEST(r.out ==
             "/sys/devices/ap\n/sys/devices/ap/card05\n/sys/devices/ap/card05/05.0004\n"
             "/sys/devices/ap/card05/05.0004/online\n/sys/devices/ap/card05/type\n"
             "/sys/bus/ap/ap_max_domain_id\n/sys/bus/ap/apmask\n"
             "/sys/bus/ap/devices/05.0004\n/sys/bus/ap/devices/card05\n"
             "1\n"
             "1\n"
             "x a b\nx c\n"
             "1\n"
             "127\n");
  BOOST_TEST(r.err ==
             "find: ‘/nope’: No such file or directory\n"
             "find: unknown predicate `-bogus'\n"
             "xargs: nosuch: No such file or directory\n");
}

// The filters are the machine's programs: what they print is theirs; apsim feeds them the
// simulated files and says what the program says of a file it cannot read.
BOOST_AUTO_TEST_CASE(filters_run_the_real_programs) {
  FakeHost h("host");
  auto r = run(h,
               "printf 'b\\na\\nb\\n' | sort | uniq -c\n"
               "ls /sys/bus/ap | sort -r | head -2\n"
               "sed 's/0x/0X/' /sys/bus/ap/apmask\n"
               "awk '{print \"max=\" $1}' /sys/bus/ap/ap_max_domain_id\n"
               "cat /sys/devices/ap/card05/type | tr A-Z a-z\n"
               "sort /sys/bus/ap/nope; echo $?\n"
               "sed p /sys/bus/ap/nope; echo $?\n"
               "sed -i s/a/b/ /sys/bus/ap/apmask; echo $?\n");
  BOOST_TEST(r.out == "      1 a\n      2 b\nsleepy\nnodev\n0Xff\nmax=255\ncex8p\n2\n2\n4\n");
  BOOST_TEST(r.err ==
             "sort: cannot read: /sys/bus/ap/nope: No such file or directory\n"
             "sed: can't read /sys/bus/ap/nope: No such file or directory\n"
             "sed: -i: apsim's sed does not edit the simulated instance's files in place (docs/shell.md)\n");
}

BOOST_AUTO_TEST_CASE(kmod_rules_and_messages) {
  FakeHost h("host");  // no AP instructions on the untimed CPU: vfio_ap cannot load
  h.sysfs.mount_tmpfs("/proc");
  auto r = run(h,
               "lsmod\n"
               "rmmod vfio_ap; rmmod ap; rmmod nosuch\n"
               "modinfo -F license vfio_ap; modinfo -F depends vfio_ap; modinfo nosuch; modinfo -n ap\n"
               "lsmod extra\n"
               "rmmod --version\n");
  BOOST_TEST(r.out ==
             "Module                  Size  Used by\n"
             "GPL v2\nkvm,vfio,mdev\n(builtin)\n"
             "kmod version 30\n+ZSTD +XZ -ZLIB +LIBCRYPTO -EXPERIMENTAL\n");
  BOOST_TEST(r.err ==
             "rmmod: ERROR: Module vfio_ap is not currently loaded\n"
             "rmmod: ERROR: Module ap is builtin.\n"
             "rmmod: ERROR: Module nosuch is not currently loaded\n"
             "modinfo: ERROR: Module nosuch not found.\n"
             "Usage: lsmod\n");
}

BOOST_AUTO_TEST_CASE(uname_fields) {
  FakeHost h("host");
  auto r = run(h, "uname; uname -a; uname -rm; uname -n -s; uname -p; uname -x\n");
  BOOST_TEST(r.out ==
             "Linux\n"
             "Linux host 6.1.0-apsim #1 SMP Debian 6.1.192-1 s390x GNU/Linux\n"
             "6.1.0-apsim s390x\n"
             "Linux host\n"
             "unknown\n");
  BOOST_TEST(r.err == "uname: invalid option -- 'x'\nTry 'uname --help' for more information.\n");
}

BOOST_AUTO_TEST_SUITE_END()
