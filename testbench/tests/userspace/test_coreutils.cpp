// testbench/tests/userspace/test_coreutils.cpp — the utilities of driver/userspace as a
// script uses them (cat, ls, grep, wc, head, tail, sleep, ssh, mkdir, rm, cut), through the
// shell on a fake host (testbench/tests/common/fake_host.h).  Expected texts are what GNU
// coreutils 9.1 and grep 3.8 print in the C locale.
#define BOOST_TEST_MODULE coreutils
#include <unistd.h>
#include <boost/test/unit_test.hpp>

#include "testbench/tests/common/fake_host.h"

using namespace apsim::test;

BOOST_AUTO_TEST_SUITE(utilities)

BOOST_AUTO_TEST_CASE(cat_errors) {
  FakeHost h("host");
  auto r = run(h,
               "cat /sys/bus/ap/apmask /sys/bus/ap/missing /sys/bus/ap /sys/bus/ap/busy /sys/devices/ap/card05/type\n"
               "echo $?\n"
               "echo piped | cat\n"
               "echo piped | cat - /sys/bus/ap/ap_max_domain_id\n");
  BOOST_TEST(r.out == "0xff\nCEX8P\n1\npiped\npiped\n255\n");
  BOOST_TEST(r.err ==
             "cat: /sys/bus/ap/missing: No such file or directory\n"
             "cat: /sys/bus/ap: Is a directory\n"
             "cat: /sys/bus/ap/busy: Permission denied\n");
}

BOOST_AUTO_TEST_CASE(ls_like_gnu) {
  FakeHost h("host");
  auto r = run(h, "ls /sys/bus/ap/devices\nls -1 /sys/bus/ap/devices/\n");
  BOOST_TEST(r.out == "05.0004\ncard05\n05.0004\ncard05\n");
  r = run(h, "ls /sys/bus/ap/devices/card05\n");  // a link to a directory is followed
  BOOST_TEST(r.out == "05.0004\ntype\n");
  r = run(h, "ls /sys/bus/ap/apmask /sys/bus/ap/devices /sys/devices/ap /nope\necho $?\n");
  BOOST_TEST(r.out ==
             "/sys/bus/ap/apmask\n"
             "\n"
             "/sys/bus/ap/devices:\n05.0004\ncard05\n"
             "\n"
             "/sys/devices/ap:\ncard05\n"
             "2\n");
  BOOST_TEST(r.err == "ls: cannot access '/nope': No such file or directory\n");
  r = run(h, "ls /nope /sys/devices/ap\n");
  BOOST_TEST(r.out == "/sys/devices/ap:\ncard05\n");
  r = run(h, "ls -d /sys/devices/ap /sys/bus/ap/devices/card05\n");
  BOOST_TEST(r.out == "/sys/bus/ap/devices/card05\n/sys/devices/ap\n");
  r = run(h, "cd /sys/devices/ap/card05; ls; ls 05.0004 type\n");
  BOOST_TEST(r.out == "05.0004\ntype\ntype\n\n05.0004:\nonline\n");
  r = run(h, "ls -z\necho $?\n");
  BOOST_TEST(r.err == "ls: invalid option -- 'z'\nTry 'ls --help' for more information.\n");
  BOOST_TEST(r.out == "2\n");
}

BOOST_AUTO_TEST_CASE(grep_in_pipelines) {
  FakeHost h("host");
  auto r = run(h,
               "lszcrypt | grep CEX8P\n"
               "lszcrypt | grep -c online\n"
               "lszcrypt | grep -v online\n"
               "lszcrypt | grep -i accel\n"
               "lszcrypt | grep -E '^05\\.|^06 '\n"
               "lszcrypt | grep -w 05\n"
               "lszcrypt | grep -q nothing; echo $?\n"
               "lszcrypt | grep -q 05.0004 && echo found\n"
               "lszcrypt | grep 'CEX8[AP]' | grep -c Acc\n"
               "grep 0x /sys/bus/ap/apmask; echo $?\n"
               "grep x /sys/bus/ap/missing; echo $?\n"
               "grep ff /sys/bus/ap/apmask /sys/bus/ap/ap_max_domain_id\n"
               "lszcrypt | grep '[' ; echo $?\n"
               "lszcrypt | grep -n EP11 | grep -o '^[0-9]*'\n");
  BOOST_TEST(r.out ==
             "05       CEX8P EP11-Coproc online         0\n"
             "05.0004  CEX8P EP11-Coproc online         0\n"
             "3\n"
             "CARD.DOM TYPE  MODE        STATUS  REQUESTS\n"
             "06       CEX8A Accelerator online         0\n"
             "05.0004  CEX8P EP11-Coproc online         0\n"
             "06       CEX8A Accelerator online         0\n"
             "05       CEX8P EP11-Coproc online         0\n"
             "05.0004  CEX8P EP11-Coproc online         0\n"
             "1\n"
             "found\n"
             "1\n"
             "0xff\n0\n"
             "2\n"
             "/sys/bus/ap/apmask:0xff\n"
             "2\n"
             "2\n3\n");
  // A lone '[' is "Invalid regular expression" in GNU grep 3.8 (its dfa.c, before regcomp);
  // "[a" would be regcomp's "Unmatched [, [^, [:, [., or [=".
  BOOST_TEST(r.err ==
             "grep: /sys/bus/ap/missing: No such file or directory\n"
             "grep: Invalid regular expression\n");
}

// Issue 15: `grep -E '(a|b)*c'` on a 128 KiB line overflowed the stack (std::regex recursed
// once per character).  GNU grep's own matching: GNU BRE operators, back references,
// leftmost-longest -o (std::regex's ECMAScript took the first alternative, "ab").  A filter
// that stops reading early (sed q, grep -q on 640 KiB) must not end apsim with SIGPIPE, and
// one whose output fills its pipe while apsim still feeds it (tr on 512 KiB) must not hang;
// sed's w command must not write a file of the machine apsim runs on (--sandbox).
// Expected texts: the same lines through /usr/bin/grep 3.8 and sed 4.9 in bash.
BOOST_AUTO_TEST_CASE(grep_long_lines_and_gnu_regex) {
  FakeHost h("host");
  auto r = run(h,
               "X=a; for i in {1..17}; do X=$X$X; done; echo ${#X}\n"
               "echo \"$X\" | grep -E '(a|b)*c'; echo $?\n"
               "echo \"$X\" | grep -c 'a\\+$'\n"
               "echo abcd | grep -oE 'ab|abcd'\n"
               "echo xyzxyz | grep -o '\\(xyz\\)\\1'\n"
               "echo AB | grep -y ab\n"
               "grep -E '(' /missing; echo $?\n"
               "grep -c x /missing; echo $?\n"
               "Y=$'line\\n'; for i in {1..17}; do Y=$Y$Y; done\n"
               "echo \"$Y\" | sed q\n"
               "echo \"$Y\" | grep -q line; echo $?\n"
               "Z=$X$X$X$X; echo \"$Z\" | tr a b | wc -c\n"
               "echo hi | sed 'w /tmp/apsim-sed-sandbox'; echo $?\n");
  BOOST_TEST(r.out == "131072\n1\n1\nabcd\nxyzxyz\nAB\n2\n2\nline\n0\n524289\n1\n");
  BOOST_TEST(r.err ==
             "grep: Unmatched ( or \\(\n"
             "grep: /missing: No such file or directory\n"
             "sed: -e expression #1, char 1: e/r/w commands disabled in sandbox mode\n");
}

// awk is GNU awk run with --sandbox: system(), redirections and command pipes would reach the
// machine apsim runs on (mawk, Debian's /usr/bin/awk, has no sandbox).  A script file of
// `awk -f` / `sed -f` is the simulated instance's file, never the host's.  Expected texts:
// gawk 5.2.1 and sed 4.9 in bash on the same input.
BOOST_AUTO_TEST_CASE(awk_sandbox_and_script_files) {
  FakeHost h("host");
  h.sysfs.mount_tmpfs("/root");  // regular files, as the kernel model mounts /root
  auto r = run(h,
               "echo 'BEGIN { print \"simulated\" }' > /root/p.awk\n"
               "awk -f /root/p.awk\n"
               "echo 's/a/b/' > /root/p.sed\n"
               "echo aaa | sed -f /root/p.sed\n"
               "echo hi | awk '{ system(\"touch /tmp/apsim-awk-sandbox\") }'; echo $?\n"
               "awk 'BEGIN { print \"x\" > \"/tmp/apsim-awk-sandbox\" }'; echo $?\n"
               "awk -f /etc/hostname; echo $?\n"
               "sed -f /nope </dev/null; echo $?\n");
  BOOST_TEST(r.out == "simulated\nbaa\n2\n2\n2\n4\n");
  BOOST_TEST(r.err ==
             "awk: cmd. line:1: (FILENAME=- FNR=1) fatal: 'system' function not allowed in sandbox mode\n"
             "awk: cmd. line:1: fatal: redirection not allowed in sandbox mode\n"
             "awk: fatal: cannot open source file `/etc/hostname' for reading: No such file or directory\n"
             "sed: couldn't open file /nope: No such file or directory\n");
  BOOST_TEST(::access("/tmp/apsim-awk-sandbox", F_OK) != 0);
}

BOOST_AUTO_TEST_CASE(wc_head_tail) {
  FakeHost h("host");
  auto r = run(h,
               "lszcrypt | wc -l\n"
               "lszcrypt | head -n 2\n"
               "lszcrypt | head -1\n"
               "lszcrypt | tail -n 1\n"
               "ls /sys/bus/ap/devices | wc -l\n");
  BOOST_TEST(r.out ==
             "4\n"
             "CARD.DOM TYPE  MODE        STATUS  REQUESTS\n"
             "05       CEX8P EP11-Coproc online         0\n"
             "CARD.DOM TYPE  MODE        STATUS  REQUESTS\n"
             "06       CEX8A Accelerator online         0\n"
             "2\n");
}

BOOST_AUTO_TEST_CASE(sleep_and_uuidgen) {
  FakeHost h("host");
  auto r = run(h, "sleep 2\nsleep 0.5\nsleep 1m\nsleep abc\necho $?\nsleep\nuuidgen\nuuidgen\n");
  BOOST_TEST(h.slept() == 62.5);
  BOOST_TEST(r.out == "1\n4b0518fd-9237-493f-93c8-000000000001\n4b0518fd-9237-493f-93c8-000000000002\n");
  BOOST_TEST(r.err ==
             "sleep: invalid time interval 'abc'\nTry 'sleep --help' for more information.\n"
             "sleep: missing operand\nTry 'sleep --help' for more information.\n");
}

BOOST_AUTO_TEST_CASE(ssh_to_guest) {
  FakeHost h("host"), g("guest1");
  h.add_peer(g);
  g.apmask = "0x80";
  auto r = run(h,
               "ssh guest1 cat /sys/bus/ap/apmask\n"
               "ssh root@guest1 'echo 0x40 > /sys/bus/ap/apmask; cat /sys/bus/ap/apmask'\n"
               "ssh guest1 echo 5 '>' /sys/bus/ap/apmask\n"
               "echo $?\n"
               "ssh guest1 nosuch\n"
               "echo $?\n"
               "ssh guest1 lszcrypt | grep -c CEX\n"
               "ssh guest2 true\n"
               "echo $?\n"
               "X=$(ssh guest1 uuidgen); echo $X\n",
               true);
  BOOST_TEST(r.out ==
             "[root@host ~]# ssh guest1 cat /sys/bus/ap/apmask\n0x80\n"
             "[root@host ~]# ssh root@guest1 'echo 0x40 > /sys/bus/ap/apmask; cat /sys/bus/ap/apmask'\n0x40\n"
             "[root@host ~]# ssh guest1 echo 5 '>' /sys/bus/ap/apmask\n"
             "[root@host ~]# echo $?\n1\n"
             "[root@host ~]# ssh guest1 nosuch\n"
             "[root@host ~]# echo $?\n127\n"
             "[root@host ~]# ssh guest1 lszcrypt | grep -c CEX\n3\n"
             "[root@host ~]# ssh guest2 true\n"
             "[root@host ~]# echo $?\n255\n"
             "[root@host ~]# X=$(ssh guest1 uuidgen); echo $X\n4b0518fd-9237-493f-93c8-000000000001\n");
  BOOST_TEST(r.err ==
             "bash: line 1: echo: write error: Invalid argument\n"
             "bash: line 1: nosuch: command not found\n"
             "ssh: Could not resolve hostname guest2: Name or service not known\n");
  BOOST_TEST(h.apmask == "0xff");
  BOOST_TEST(g.apmask == "0x40");
  BOOST_TEST(h.uuids == 0);
  BOOST_TEST(g.uuids == 1);
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ regular files
// mkdir, rm and cut on the normal-filesystem mounts (/root here), and what sysfs refuses.
BOOST_AUTO_TEST_SUITE(regular_files)


BOOST_FIXTURE_TEST_CASE(mkdir_command, Disk) {
  auto r = run(h, "mkdir d\nmkdir d\nmkdir a/b\nmkdir -p a/b/c\nls a/b\nmkdir -p a/b/c; echo $?\n"
                  "echo x > f\nmkdir -p f/x\nmkdir -p f\nmkdir\nmkdir -z\n");
  BOOST_TEST(r.out == "c\n0\n");
  BOOST_TEST(r.err ==
             "mkdir: cannot create directory 'd': File exists\n"
             "mkdir: cannot create directory 'a/b': No such file or directory\n"
             "mkdir: cannot create directory 'f': Not a directory\n"
             "mkdir: cannot create directory 'f': File exists\n"
             "mkdir: missing operand\nTry 'mkdir --help' for more information.\n"
             "mkdir: invalid option -- 'z'\nTry 'mkdir --help' for more information.\n");
  BOOST_TEST(r.rc == 1);
  // sysfs: vfs_mkdir finds no ->mkdir; an existing name is EEXIST first.
  r = run(h, "mkdir /sys/bus/ap/x; mkdir -p /sys/x/y; mkdir /sys/bus/ap\n");
  BOOST_TEST(r.err == "mkdir: cannot create directory '/sys/bus/ap/x': Operation not permitted\n"
                      "mkdir: cannot create directory '/sys/x': Operation not permitted\n"
                      "mkdir: cannot create directory '/sys/bus/ap': File exists\n");
  BOOST_TEST(!h.sysfs.exists("/sys/x"));
  r = run(h, "mkdir -pv /root/p/q\n");
  BOOST_TEST(r.out == "mkdir: created directory '/root/p'\nmkdir: created directory '/root/p/q'\n");
}

BOOST_FIXTURE_TEST_CASE(rm_command, Disk) {
  auto r = run(h, "echo 1 > f; echo 3 > g; mkdir -p d/e; echo 2 > d/e/g\nrm f nope\necho $?\nrm -f nope; echo $?\n"
                  "rm d\nrm -f g/\nrm\nrm -f; echo $?\nls\n");
  BOOST_TEST(r.out == "1\n0\n0\nd\ng\n");
  BOOST_TEST(r.err == "rm: cannot remove 'nope': No such file or directory\n"
                      "rm: cannot remove 'd': Is a directory\n"
                      "rm: cannot remove 'g/': Not a directory\n"
                      "rm: missing operand\nTry 'rm --help' for more information.\n");
  BOOST_TEST(!h.sysfs.exists("/root/f"));
  r = run(h, "rm -rv d\nls\n");
  BOOST_TEST(r.err == "");
  BOOST_TEST(r.out == "removed 'd/e/g'\nremoved directory 'd/e'\nremoved directory 'd'\ng\n");
  // sysfs: unlink and rmdir are EPERM; nothing changes.
  r = run(h, "rm /sys/bus/ap/apmask; rm -f /sys/bus/ap/apmask; rm /sys/bus/ap; rm -rf /\n");
  BOOST_TEST(r.err == "rm: cannot remove '/sys/bus/ap/apmask': Operation not permitted\n"
                      "rm: cannot remove '/sys/bus/ap/apmask': Operation not permitted\n"
                      "rm: cannot remove '/sys/bus/ap': Is a directory\n"
                      "rm: it is dangerous to operate recursively on '/'\n"
                      "rm: use --no-preserve-root to override this failsafe\n");
  BOOST_TEST(h.sysfs.exists("/sys/bus/ap/apmask"));
}

BOOST_FIXTURE_TEST_CASE(cut_command, Disk) {
  auto r = run(h, "printf 'a:b:c\\nnodelim\\nx:y\\n' > t\ncut -d: -f2 t\ncut -d : -f1,3 t\ncut -d: -f2- t\n"
                  "cut -s -d: -f-2 t\ncut -c1-2 t\necho 'p q r' | cut -d ' ' -f 3\n"
                  "cut -d: --output-delimiter=+ -f2,1 t\n");
  BOOST_TEST(r.err == "");
  BOOST_TEST(r.out == "b\nnodelim\ny\n" "a:c\nnodelim\nx\n" "b:c\nnodelim\ny\n" "a:b\nx:y\n" "a:\nno\nx:\n" "r\n"
                      "a+b\nnodelim\nx+y\n");
  r = run(h, "cut t; cut -d:: -f1 t; cut -d: -f0 t; cut -d: -fx t; cut -d: -f3-1 t; cut -f1 nofile;"
             " cut -f2 -c1 t; cut -d: -f1-2-3 t\n");
  const std::string help = "Try 'cut --help' for more information.\n";
  BOOST_TEST(r.out == "");
  BOOST_TEST(r.err == "cut: you must specify a list of bytes, characters, or fields\n" + help +
                          "cut: the delimiter must be a single character\n" + help +
                          "cut: fields are numbered from 1\n" + help + "cut: invalid field value 'x'\n" + help +
                          "cut: invalid decreasing range\n" + help + "cut: nofile: No such file or directory\n" +
                          "cut: only one list may be specified\n" + help + "cut: invalid field range\n" + help);
}

BOOST_AUTO_TEST_SUITE_END()
