// testbench/tests/shell/test_shell.cpp — the scenario shell (driver/shell/): bash's language,
// builtins, redirections, here-documents and diagnostics, run against a fake host
// (testbench/tests/common/fake_host.h) whose utilities are driver/userspace's.  Expected
// texts are what bash 5.2 prints.
#define BOOST_TEST_MODULE shell
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <random>

#include "testbench/tests/common/fake_host.h"

using namespace apsim::test;

// ============================================================================ shell
BOOST_AUTO_TEST_SUITE(shell)

BOOST_AUTO_TEST_CASE(echo_into_attribute) {
  FakeHost h("host");
  auto r = run(h, "echo 0x0a > /sys/bus/ap/apmask\necho $?\ncat /sys/bus/ap/apmask\n");
  BOOST_TEST(r.out == "0\n0x0a\n");
  BOOST_TEST(r.err == "");
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(h.stores.back() == "apmask:0x0a\n");
}

BOOST_AUTO_TEST_CASE(write_errors_name_the_writer) {
  FakeHost h("host");
  auto r = run(h,
               "echo 5 > /sys/bus/ap/apmask\n"
               "echo $?\n"
               "echo 1 > /sys/bus/ap/busy\n"
               "echo -n 1 >> /sys/bus/ap/nodev\n"
               "uuidgen > /sys/bus/ap/nodev\n"
               "lszcrypt > /sys/bus/ap/busy\n"
               "echo $?\n"
               "echo 1 > /sys/bus/ap/busy 2>/dev/null\n",
               false, "run.sh");
  BOOST_TEST(r.out == "1\n1\n");
  BOOST_TEST(r.err ==
             "run.sh: line 1: echo: write error: Invalid argument\n"
             "run.sh: line 3: echo: write error: Device or resource busy\n"
             "run.sh: line 4: echo: write error: No such device\n"
             "uuidgen: write error: No such device\n"
             "lszcrypt: write error: Device or resource busy\n");
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(h.stores[0] == "apmask:5\n");
  BOOST_TEST(h.stores[1] == "busy:1\n");
}

BOOST_AUTO_TEST_CASE(redirection_open_errors) {
  FakeHost h("host");
  auto r = run(h,
               "echo 1 > /sys/bus/ap/ap_max_domain_id\n"
               "echo $?\n"
               "echo 1 > /sys/bus/ap/newfile\n"
               "args x > /sys/bus/nodir/newfile\n"
               "echo 1 > /sys/bus/ap\n"
               "echo 1 > /sys/bus/ap/apmask/x\n"
               "echo 1 2>/dev/null > /sys/bus/ap/newfile\n"
               "echo $?\n");
  BOOST_TEST(r.out == "1\n1\n");
  BOOST_TEST(r.err ==
             "script: line 1: /sys/bus/ap/ap_max_domain_id: Permission denied\n"
             "script: line 3: /sys/bus/ap/newfile: Permission denied\n"
             "script: line 4: /sys/bus/nodir/newfile: No such file or directory\n"
             "script: line 5: /sys/bus/ap: Is a directory\n"
             "script: line 6: /sys/bus/ap/apmask/x: Not a directory\n");
  BOOST_TEST(h.commands.empty());  // the command never ran
  BOOST_TEST(h.stores.empty());
}

BOOST_AUTO_TEST_CASE(uuidgen_into_create) {
  FakeHost h("host");
  auto r = run(h,
               "cd /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough\n"
               "uuidgen > create\n"
               "ls /sys/devices/vfio_ap/matrix\n");
  BOOST_TEST(r.err == "");
  BOOST_TEST(h.stores == std::vector<std::string>{"create:4b0518fd-9237-493f-93c8-000000000001\n"},
             boost::test_tools::per_element());
  BOOST_TEST(r.out == "4b0518fd-9237-493f-93c8-000000000001\nmdev_supported_types\n");
}

BOOST_AUTO_TEST_CASE(seed_workflow_with_continuation_and_variables) {
  FakeHost h("host");
  auto r = run(h,
               "UUID=$(uuidgen)\n"
               "echo $UUID \\\n"
               "  > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create\n"
               "cd /sys/devices/vfio_ap/matrix/$UUID\n"
               "ls\n"
               "echo 1 > remove\n"
               "cd ..\n"
               "ls\n"
               "echo \"$UUID\" > \\\n"
               "  /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create\n"
               "echo $UUID > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create\n");
  BOOST_TEST(r.out == "remove\nmdev_supported_types\n");
  BOOST_TEST(r.err == "script: line 11: echo: write error: File exists\n");
  BOOST_TEST(r.rc == 1);
}

BOOST_AUTO_TEST_CASE(continuation_lines_and_line_numbers) {
  FakeHost h("host");
  auto r = run(h,
               "echo a \\\n"
               "  b \\\n"
               "  c\n"
               "nosuch \\\n"
               "  arg\n"
               "\n"
               "nosuch2\n");
  BOOST_TEST(r.out == "a b c\n");
  BOOST_TEST(r.err ==
             "script: line 4: nosuch: command not found\n"
             "script: line 7: nosuch2: command not found\n");
  BOOST_TEST(r.rc == 127);
}

BOOST_AUTO_TEST_CASE(comments) {
  FakeHost h("host");
  auto r = run(h,
               "# a comment\n"
               "   # indented comment\n"
               "echo a # trailing\n"
               "echo b#c '#d' \"#e\" \\#f;# after operator\n"
               "echo $# ${#UNSET}\n");
  BOOST_TEST(r.out == "a\nb#c #d #e #f\n0 0\n");
}

BOOST_AUTO_TEST_CASE(quoting_and_expansion) {
  FakeHost h("host");
  auto r = run(h,
               "A='x  y'\n"
               "args $A \"$A\" '$A' ${A} \"${A}z\" \\$A a\\ b \"\\\"\" '' \"\" $UNSET\n"
               "B=\n"
               "args -$B- \"$B\" $B\n"
               "C=\"one $A\"; echo \"$C\"\n"
               "echo \"$(echo '  inner  ')\"\n"
               "echo $(echo a; echo; echo b)\n"
               "echo `echo back` $(echo $(echo nested)) \"$(printf 'x\\n\\n\\n')\"\n"
               "echo ${UNSET:-default} ${A:+set} ${#A}\n"
               "P=/sys/bus/ap/devices/card05; echo ${P##*/} ${P%/*}\n"
               "echo $((1 + 2 * 3)) $((0x10)) $((7 % 4))\n"
               "echo ~ ~/x\n");
  BOOST_TEST(r.err == "");
  BOOST_TEST(r.out ==
             "[x]\n[y]\n[x  y]\n[$A]\n[x]\n[y]\n[x  yz]\n[$A]\n[a b]\n[\"]\n[]\n[]\n"
             "[--]\n[]\n"
             "one x  y\n"
             "  inner  \n"
             "a b\n"
             "back nested x\n"
             "default set 4\n"
             "card05 /sys/bus/ap/devices\n"
             "7 16 3\n"
             "/root /root/x\n");
}

BOOST_AUTO_TEST_CASE(globbing_against_sysfs) {
  FakeHost h("host");
  auto r = run(h,
               "echo /sys/bus/ap/devices/*\n"
               "cat /sys/bus/ap/devices/card*/type\n"
               "echo /sys/bus/ap/a?mask /sys/bus/ap/[ab]usy\n"
               "echo /sys/none/* '/sys/bus/ap/devices/*'\n");
  BOOST_TEST(r.out ==
             "/sys/bus/ap/devices/05.0004 /sys/bus/ap/devices/card05\n"
             "CEX8P\n"
             "/sys/bus/ap/apmask /sys/bus/ap/busy\n"
             "/sys/none/* /sys/bus/ap/devices/*\n");
}

BOOST_AUTO_TEST_CASE(exit_status_variable) {
  FakeHost h("host");
  auto r = run(h,
               "false; echo $?\n"
               "true; echo $?\n"
               "fail7; echo $?\n"
               "X=$(false); echo $?\n"
               "X=$(exit 3) Y=1; echo $?\n"
               "X=1; echo $?\n"
               "! true; echo $?\n"
               "nosuch; echo $?\n"
               "/usr/bin/nosuch; echo $?\n"
               "false | true; echo $?\n"
               "true | false; echo $?\n"
               "echo $(false) $?\n");
  BOOST_TEST(r.out == "1\n0\n7\n1\n3\n0\n1\n127\n127\n0\n1\n1\n");
  BOOST_TEST(r.err ==
             "fail7: failing\n"
             "script: line 8: nosuch: command not found\n"
             "script: line 9: /usr/bin/nosuch: No such file or directory\n");
}

BOOST_AUTO_TEST_CASE(and_or_lists) {
  FakeHost h("host");
  auto r = run(h,
               "true && echo a || echo b\n"
               "false && echo c || echo d\n"
               "false || false || echo e\n"
               "true || echo f; echo g\n"
               "false &&\n"
               "  echo h ||\n"
               "  echo i\n");
  BOOST_TEST(r.out == "a\nd\ne\ng\ni\n");
}

BOOST_AUTO_TEST_CASE(errexit) {
  FakeHost h("host");
  auto r = run(h,
               "set -e\n"
               "false && echo no\n"
               "echo after-and\n"
               "false || echo rescued\n"
               "if false; then echo no; fi\n"
               "! true\n"
               "X=$(false) || echo cmdsub\n"
               "echo 0x1 > /sys/bus/ap/apmask\n"
               "echo 5 > /sys/bus/ap/apmask\n"
               "echo unreachable\n");
  BOOST_TEST(r.out == "after-and\nrescued\ncmdsub\n");
  BOOST_TEST(r.err == "script: line 9: echo: write error: Invalid argument\n");
  BOOST_TEST(r.rc == 1);

  r = run(h, "set -e\nset +e\nfalse\necho still\n");
  BOOST_TEST(r.out == "still\n");
  r = run(h, "set -e\nX=$(fail7)\necho unreachable\n");
  BOOST_TEST(r.out == "");
  BOOST_TEST(r.rc == 7);
  r = run(h, "set -e\nfor i in 1 2 3; do echo $i; [ $i != 2 ]; done\necho unreachable\n");
  BOOST_TEST(r.out == "1\n2\n");
  BOOST_TEST(r.rc == 1);
  r = run(h, "set -e\nnosuch\necho unreachable\n");
  BOOST_TEST(r.rc == 127);
}

BOOST_AUTO_TEST_CASE(exit_builtin) {
  FakeHost h("host");
  auto r = run(h, "echo a\nexit 3\necho b\n");
  BOOST_TEST(r.out == "a\n");
  BOOST_TEST(r.rc == 3);
  r = run(h, "false\nexit\n");
  BOOST_TEST(r.rc == 1);
  r = run(h, "exit 256\n");
  BOOST_TEST(r.rc == 0);
  r = run(h, "exit foo\necho b\n");
  BOOST_TEST(r.err == "script: line 1: exit: foo: numeric argument required\n");
  BOOST_TEST(r.rc == 2);
  r = run(h, "X=$(exit 4; echo no)\necho \"$X\" $?\n( exit 5 ); echo $?\n");
  BOOST_TEST(r.out == " 4\n5\n");
  BOOST_TEST(r.rc == 0);
}

BOOST_AUTO_TEST_CASE(echo_options) {
  FakeHost h("host");
  auto r = run(h,
               "echo -n a; echo b\n"
               "echo -e 'x\\ty' -E\n"
               "echo -E 'x\\ty'\n"
               "echo -5,-6\n"
               "echo -- -n\n"
               "echo -nx\n"
               "echo -ne 'p\\n'\n"
               "echo -e 'stop\\cnot' shown\n"
               "echo\n"
               "echo -\n");
  BOOST_TEST(r.out == "ab\nx\ty -E\nx\\ty\n-5,-6\n-- -n\n-nx\np\nstop\n-\n");
}

BOOST_AUTO_TEST_CASE(cd_pwd_and_relative_paths) {
  FakeHost h("host");
  auto r = run(h,
               "pwd\n"
               "cd /sys/bus/ap\n"
               "cat apmask ./apmask ../ap/apmask\n"
               "echo 0x3 > apmask\n"
               "cd devices/card05\n"
               "pwd\n"
               "cat type\n"
               "cd ..\n"
               "pwd\n"
               "cd /nonexist\n"
               "cd /sys/bus/ap/apmask\n"
               "cd a b\n"
               "cd\n"
               "pwd\n"
               "cd -\n"
               "echo $PWD $OLDPWD\n");
  BOOST_TEST(r.out ==
             "/root\n"
             "0xff\n0xff\n0xff\n"
             "/sys/bus/ap/devices/card05\n"
             "CEX8P\n"
             "/sys/bus/ap/devices\n"
             "/root\n"
             "/sys/bus/ap/devices\n"
             "/sys/bus/ap/devices /root\n");
  BOOST_TEST(r.err ==
             "script: line 10: cd: /nonexist: No such file or directory\n"
             "script: line 11: cd: /sys/bus/ap/apmask: Not a directory\n"
             "script: line 12: cd: too many arguments\n");
  BOOST_TEST(h.apmask == "0x3");
}

BOOST_AUTO_TEST_CASE(unknown_commands_go_to_the_host) {
  FakeHost h("host");
  auto r = run(h,
               "/usr/bin/qemu-system-s390x -machine s390-ccw-virtio -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$U\n"
               "echo $?\n"
               "modprobe vfio_ap\n");
  BOOST_TEST(r.out == "0\n");
  BOOST_TEST(r.err == "script: line 3: modprobe: command not found\n");
  BOOST_TEST(h.commands.size() == 2u);
  BOOST_TEST(h.commands[0].back() == "vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/");
}

BOOST_AUTO_TEST_CASE(for_loops) {
  FakeHost h("host");
  auto r = run(h,
               "for d in 0x01 0x02; do echo $d > /sys/bus/ap/apmask; cat /sys/bus/ap/apmask; done\n"
               "for q in $(ls /sys/bus/ap/devices)\n"
               "do\n"
               "  echo \"dev $q\"\n"
               "  nosuch$q\n"
               "done\n"
               "for x in; do echo never; done\n"
               "for x in a b; do for y in 1 2; do echo -n $x$y' '; done; done; echo\n"
               "echo last=$q\n");
  BOOST_TEST(r.out == "0x01\n0x02\ndev 05.0004\ndev card05\na1 a2 b1 b2 \nlast=card05\n");
  BOOST_TEST(r.err ==
             "script: line 5: nosuch05.0004: command not found\n"
             "script: line 5: nosuchcard05: command not found\n");
}

BOOST_AUTO_TEST_CASE(break_and_continue) {
  FakeHost h("host");
  auto r = run(h,
               "for i in 1 2 3 4; do if [ $i = 2 ]; then continue; fi; [ $i = 4 ] && break; echo $i; done\n"
               "for i in a b; do for j in 1 2 3; do [ $j = 2 ] && continue 2; echo $i$j; done; done\n"
               "while :; do grep -q 0x5 /sys/bus/ap/apmask && break; echo 0x5 > /sys/bus/ap/apmask; done\n"
               "cat /sys/bus/ap/apmask\n"
               "lszcrypt | while read c rest; do [ $c = 05.0004 ] && break; echo $c; done\n"
               "break\n"
               "echo $?\n");
  BOOST_TEST(r.out == "1\n3\na1\nb1\n0x5\nCARD.DOM\n05\n0\n");
  BOOST_TEST(r.err == "script: line 6: break: only meaningful in a `for', `while', or `until' loop\n");
}

BOOST_AUTO_TEST_CASE(if_while_test) {
  FakeHost h("host");
  auto r = run(h,
               "if [ -d /sys/bus/ap ]; then echo dir; fi\n"
               "if [ -f /sys/bus/ap/apmask ] && test -e /sys/bus/ap/devices/card05; then echo both; fi\n"
               "if grep -q 0x /sys/bus/ap/apmask; then echo yes; else echo no; fi\n"
               "if false; then echo 1; elif true; then echo 2; else echo 3; fi\n"
               "i=0; while [ $i -lt 3 ]; do i=$((i+1)); done; echo $i\n"
               "lszcrypt | while read card type rest; do echo \"$type\"; done\n"
               "[ 1 -eq x ]; echo $?\n"
               "[ a = a; echo $?\n");
  BOOST_TEST(r.out == "dir\nboth\nyes\n2\n3\nTYPE\nCEX8P\nCEX8P\nCEX8A\n2\n2\n");
  BOOST_TEST(r.err ==
             "script: line 7: [: x: integer expression expected\n"
             "script: line 8: [: missing `]'\n");
}

BOOST_AUTO_TEST_CASE(command_echo) {
  FakeHost h("lpar1");
  auto r = run(h,
               "# not echoed\n"
               "\n"
               "echo 0x0a > /sys/bus/ap/apmask   # assign\n"
               "echo a \\\n"
               "   b\n"
               "for x in 1 2; do\n"
               "  echo $x\n"
               "done\n"
               "cat /sys/bus/ap/apmask; true\n",
               true);
  BOOST_TEST(r.out ==
             "[root@lpar1 ~]# echo 0x0a > /sys/bus/ap/apmask   # assign\n"
             "[root@lpar1 ~]# echo a    b\n"
             "a b\n"
             "[root@lpar1 ~]# for x in 1 2; do\n"
             ">   echo $x\n"
             "> done\n"
             "1\n2\n"
             "[root@lpar1 ~]# cat /sys/bus/ap/apmask; true\n"
             "0x0a\n");
}

BOOST_AUTO_TEST_CASE(redirection_forms) {
  FakeHost h("host");
  auto r = run(h,
               "cat /nope 2>/dev/null; echo $?\n"
               "cat /nope 2>&1 | grep -c 'No such'\n"
               "echo visible >/dev/null; echo hidden\n"
               "echo 0x7 1>/sys/bus/ap/apmask\n"
               "echo err >&2\n"
               "cat < /sys/bus/ap/apmask\n"
               "grep -c x <<< \"0x9\"\n"
               "cat < /nope\n"
               "X='a b'; echo 1 > $X\n"
               "{ echo 0x5; } > /sys/bus/ap/apmask; cat /sys/bus/ap/apmask\n");
  BOOST_TEST(r.out == "1\n1\nhidden\n0x7\n1\n0x5\n");
  BOOST_TEST(r.err ==
             "err\n"
             "script: line 8: /nope: No such file or directory\n"
             "script: line 9: $X: ambiguous redirect\n");
}

BOOST_AUTO_TEST_CASE(syntax_errors_stop_the_script) {
  FakeHost h("host");
  auto r = run(h, "echo a\necho \"unterminated\necho b\n", false, "s1");
  BOOST_TEST(r.out == "a\n");
  BOOST_TEST(r.err == "s1: line 2: unexpected EOF while looking for matching `\"'\n");
  BOOST_TEST(r.rc == 2);

  r = run(h, "echo a\nfor x in 1 2; do\necho $x\n\n", false, "s2");
  BOOST_TEST(r.out == "a\n");
  BOOST_TEST(r.err == "s2: line 5: syntax error: unexpected end of file\n");
  BOOST_TEST(r.rc == 2);

  r = run(h, "echo a\necho $(echo b\necho c\n", false, "s3");
  BOOST_TEST(r.err == "s3: line 4: unexpected EOF while looking for matching `)'\n");
  BOOST_TEST(r.rc == 2);

  r = run(h, "echo a\necho a ;; b\necho c\n", false, "s4");
  BOOST_TEST(r.out == "a\n");
  BOOST_TEST(r.err == "s4: line 2: syntax error near unexpected token `;;'\ns4: line 2: `echo a ;; b'\n");

  r = run(h, "echo 'abc\n\n", false, "s6");
  BOOST_TEST(r.err == "s6: line 1: unexpected EOF while looking for matching `''\n");

  r = run(h, "done\necho after\n", false, "s8");
  BOOST_TEST(r.out == "");
  BOOST_TEST(r.err == "s8: line 1: syntax error near unexpected token `done'\ns8: line 1: `done'\n");

  r = run(h, "echo ok\necho )\n", false, "s9");
  BOOST_TEST(r.out == "ok\n");
  BOOST_TEST(r.err == "s9: line 2: syntax error near unexpected token `)'\ns9: line 2: `echo )'\n");

  r = run(h, "echo $(echo ;;)\necho after\n", false, "u4");
  BOOST_TEST(r.out == "");
  BOOST_TEST(r.err == "u4: line 1: syntax error near unexpected token `;;'\nu4: line 1: `echo $(echo ;;)'\n");

  r = run(h, "true\necho `foo\n", false, "u5");
  BOOST_TEST(r.err == "u5: line 2: unexpected EOF while looking for matching ``'\n");

  r = run(h, "echo x |\n", false, "p");
  BOOST_TEST(r.err == "p: line 2: syntax error: unexpected end of file\n");

  r = run(h, "echo >\n", false, "p");
  BOOST_TEST(r.err == "p: line 1: syntax error near unexpected token `newline'\np: line 1: `echo >'\n");
}

BOOST_AUTO_TEST_CASE(expansion_errors) {
  FakeHost h("host");
  auto r = run(h,
               "echo ${a b}\necho after1 $?\necho $((1/0))\necho after2 $?\necho ${x:?oops}\necho after3\n",
               false, "u1");
  BOOST_TEST(r.out == "after1 1\nafter2 1\n");
  BOOST_TEST(r.err ==
             "u1: line 1: ${a b}: bad substitution\n"
             "u1: line 3: 1/0: division by 0 (error token is \"0\")\n"
             "u1: line 5: x: oops\n");
  BOOST_TEST(r.rc == 1);
}

BOOST_AUTO_TEST_CASE(command_substitution_runs_in_a_subshell) {
  FakeHost h("host");
  auto r = run(h,
               "X=outer\n"
               "Y=$(X=inner; cd /sys; echo $X; pwd)\n"
               "echo $Y $X; pwd\n"
               "echo $(nosuch\n"
               ")\n"
               "Z=$(echo 0x0b > /sys/bus/ap/apmask; cat /sys/bus/ap/apmask)\n"
               "echo $Z\n");
  BOOST_TEST(r.out == "inner /sys outer\n/root\n\n0x0b\n");
  BOOST_TEST(r.err == "script: line 4: nosuch: command not found\n");
}

BOOST_AUTO_TEST_CASE(runaway_loops_stop) {
  FakeHost h("host");
  auto start = std::chrono::steady_clock::now();
  auto r = run(h, "while :; do :; done\necho never\n");
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.out == "");
  BOOST_TEST(r.err.find("step limit") != std::string::npos);
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(20)));
  r = run(h, "X=a; while :; do X=$X$X; done\n");
  BOOST_TEST(r.rc == 1);
}

BOOST_AUTO_TEST_CASE(deep_nesting_does_not_crash) {
  FakeHost h("host");
  for (const char* unit : {"$(", "(", "\"$(", "${", "{ ", "if ", "`", "$((", "for x in a; do ", "echo | "}) {
    std::string s;
    for (int i = 0; i < 5000; ++i) s += unit;
    auto r = run(h, s);
    BOOST_TEST_INFO("unit " << unit);
    BOOST_TEST((r.rc >= 0 && r.rc <= 255));
  }
  std::string ok = "echo ";
  for (int i = 0; i < 30; ++i) ok += "$(echo ";
  ok += "deep";
  for (int i = 0; i < 30; ++i) ok += ")";
  BOOST_TEST(run(h, ok).out == "deep\n");
  std::string ssh_loop;
  h.add_peer(h);  // ssh host ssh host ...: bounded
  for (int i = 0; i < 200; ++i) ssh_loop += "ssh host ";
  ssh_loop += "echo hi";
  run(h, ssh_loop);
}

BOOST_AUTO_TEST_CASE(random_garbage_never_crashes) {
  // Scripts built from shell-significant fragments, and raw random bytes.
  static const char* frags[] = {
      "echo", " ", " ", "\n", ";", "&&", "||", "|", "&", "(", ")", "{", "}", "$(", "`", "'", "\"",
      "\\", "\\\n", "$", "${", "}", "$((", "))", "#", ">", ">>", "<", "2>&1", "2>/dev/null", "=", "X=",
      "$X", "$?", "for", "in", "do", "done", "if", "then", "else", "fi", "while", "until", "!", "*",
      "?", "[", "]", "~", "cat", "ls", "grep", "-v", "-c", "-E", "cd", "..", "/sys/bus/ap", "apmask",
      "/sys/bus/ap/apmask", "0x0a", "uuidgen", "ssh", "host", "sleep", "0.1", "exit", "set", "-e",
      "true", "false", "test", "[", "-d", "read", "printf", "%s", "%d", "wc", "-l", "head", "-n",
      "1", "lszcrypt", "args", "fail7", "nosuch", "${X:-", "${#", "${X%%", "*/", "$((1/0))", "<<<",
      "<<", "<<-", "EOF", "'EOF'", "\tEOF", "mkdir", "-p", "rm", "-rf", "cut", "-d:", "-f2", "/root/x"};
  std::mt19937 rng(12345);
  FakeHost h("host"), g("host");
  h.add_peer(g);
  auto start = std::chrono::steady_clock::now();
  for (int n = 0; n < 600; ++n) {
    std::string s;
    int len = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) {
      if (n % 5 == 4) {
        s += static_cast<char>(rng() % 256);  // raw bytes, NULs included
      } else {
        s += frags[rng() % (sizeof frags / sizeof frags[0])];
        if (rng() % 3 == 0) s += ' ';
      }
    }
    auto r = run(h, s, n % 2 == 0);
    BOOST_TEST_INFO("script: " << s);
    BOOST_TEST((r.rc >= 0 && r.rc <= 255));
  }
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(120)));
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ regular files
// The normal-filesystem mounts (/root here, as the kernel model mounts /etc, /root, /tmp):
// appending redirections and here-documents, with bash's texts.
BOOST_AUTO_TEST_SUITE(regular_files)


BOOST_FIXTURE_TEST_CASE(append_redirections, Disk) {
  auto r = run(h, "echo one > f\necho two >> f\nprintf three >> /root/f\n{ echo four; echo five >&2; } &>> f\n"
                  "true >> f\ncat f\n");
  BOOST_TEST(r.err == "");
  BOOST_TEST(r.out == "one\ntwo\nthreefour\nfive\n");
  BOOST_TEST(file("/root/f") == "one\ntwo\nthreefour\nfive\n");
  // `>>` creates a missing file; `>` truncates even without output.
  r = run(h, "echo new >> g\ncat g\ntrue > f\nwc -c f\n");
  BOOST_TEST(r.out == "new\n0 f\n");
  // A sysfs attribute is not a file: `>>` is one write(2), a store like `>`.
  h.stores.clear();
  r = run(h, "echo 0x0c >> /sys/bus/ap/apmask\ncat /sys/bus/ap/apmask\n");
  BOOST_TEST(r.out == "0x0c\n");
  BOOST_TEST(h.stores == std::vector<std::string>{"apmask:0x0c\n"});
}

BOOST_FIXTURE_TEST_CASE(here_documents, Disk) {
  auto r = run(h, "X=1\ncat <<EOF\n$X \\$X $(echo sub) \"q\" \\\" \\\\\n\tTab\nEOF\n"
                  "cat <<-'E F'\n\t$X\n\tE F\necho after\ncat <<EOF; echo same\nbody\nEOF\n");
  BOOST_TEST(r.err == "");
  BOOST_TEST(r.out == "1 $X sub \"q\" \\\" \\\n\tTab\n$X\nafter\nbody\nsame\n");
  // Into a file, and read by a loop; the echoed transcript shows the body after "> ".
  r = run(h, "cat > x.xml <<EOF\n<a uuid='$HOME'/>\nEOF\ncat x.xml\n", true);
  BOOST_TEST(r.out == "[root@host ~]# cat > x.xml <<EOF\n> <a uuid='$HOME'/>\n> EOF\n"
                      "[root@host ~]# cat x.xml\n<a uuid='/root'/>\n");
  BOOST_TEST(file("/root/x.xml") == "<a uuid='/root'/>\n");
  r = run(h, "while read A B; do echo \"[$B]\"; done <<\"END\"\n1 $x\n2 y\nEND\n");
  BOOST_TEST(r.out == "[$x]\n[y]\n");
  // Two on one line are read in order; a missing delimiter ends at the end of the text
  // with bash's warning.
  r = run(h, "cat <<A - <<B\na\nA\nb\nB\ncat <<EOF\nlast\n");
  BOOST_TEST(r.out == "b\nlast\n");  // stdin is the last one; cat - reads it
  BOOST_TEST(r.err == "script: line 7: warning: here-document at line 6 delimited by end-of-file (wanted `EOF')\n");
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================================ jobs
// Background jobs, and writes that sleep in the kernel (an mdev's `remove` in Linux 6.1
// blocks until QEMU releases the device): the fake host's /sys/bus/ap/sleepy sleeps until
// the command `wake [ERRNO]` completes it.
BOOST_AUTO_TEST_SUITE(jobs)

BOOST_AUTO_TEST_CASE(a_sleeping_background_write_runs_until_woken) {
  FakeHost h("host");
  auto r = run(h,
               "echo 1 > /sys/bus/ap/sleepy &\n"
               "echo started $?\n"
               "jobs\n"
               "jobs -l\n"
               "jobs -p\n"
               "wake\n"
               "wait $!; echo \"status $?\"\n"
               "jobs\n"
               "wait $!; echo \"again $?\"\n");
  BOOST_TEST(r.err == "");
  BOOST_TEST(r.out ==
             "started 0\n"
             "[1]+  Running                 echo 1 > /sys/bus/ap/sleepy &\n"
             "[1]+  4243 Running                 echo 1 > /sys/bus/ap/sleepy &\n"
             "4243\n"
             "status 0\n"
             "again 0\n");
  BOOST_TEST(h.stores == std::vector<std::string>{"sleepy:1\n"}, boost::test_tools::per_element());
  BOOST_TEST(h.slept() == 0.0);  // woken before anyone waited
}

BOOST_AUTO_TEST_CASE(a_write_error_at_the_end_is_the_writers) {
  FakeHost h("host");
  // (A job that has ended is reaped before the next command: `wait %1` would not find it, as
  // in bash; its pid still gives its status.)
  auto r = run(h, "echo 1 > /sys/bus/ap/sleepy &\nwake 16\nwait $!; echo $?\nwait %1; echo $?\n", false, "j.sh");
  BOOST_TEST(r.out == "1\n127\n");
  BOOST_TEST(r.err == "j.sh: line 1: echo: write error: Device or resource busy\n"
                      "j.sh: line 4: wait: %1: no such job\n");
}

BOOST_AUTO_TEST_CASE(jobs_that_never_sleep_end_at_once) {
  FakeHost h("host");
  auto r = run(h, "false &\nP=$!\ntrue &\njobs\nwait $P; echo $?\nwait $!; echo $?\nwait; echo $?\n");
  BOOST_TEST(r.out == "1\n0\n0\n");
  BOOST_TEST(r.err == "");
}

BOOST_AUTO_TEST_CASE(wait_for_what_is_no_job) {
  FakeHost h("host");
  auto r = run(h, "wait %3; echo $?\nwait 99; echo $?\nwait x; echo $?\n", false, "w");
  BOOST_TEST(r.out == "127\n127\n2\n");
  BOOST_TEST(r.err ==
             "w: line 1: wait: %3: no such job\n"
             "w: line 2: wait: pid 99 is not a child of this shell\n"
             "w: line 3: wait: `x': not a pid or valid job spec\n");
}

BOOST_AUTO_TEST_CASE(a_script_blocked_for_good_stops_with_a_clear_message) {
  FakeHost h("host");
  auto r = run(h, "echo before\necho 1 > /sys/bus/ap/sleepy\necho never\n", false, "b.sh");
  BOOST_TEST(r.out == "before\n");
  BOOST_TEST(r.err ==
             "apsim: b.sh: line 2: `echo 1 > /sys/bus/ap/sleepy' is blocked in the kernel for more than 120 s "
             "waiting for a test's wake command; the script stops here\n");
  BOOST_TEST(r.rc == apsim::driver::kBlockedForGoodStatus);
  BOOST_TEST(h.slept() == 120.0);  // it waited, as Linux's hung-task timeout, first
  // The same for a background job that `wait` waits for, and inside ssh.
  FakeHost g("host"), guest("guest1");
  g.add_peer(guest);
  r = run(g, "echo 1 > /sys/bus/ap/sleepy &\nwait\necho never\n", false, "c.sh");
  BOOST_TEST(r.err ==
             "apsim: c.sh: line 1: `echo 1 > /sys/bus/ap/sleepy &' is blocked in the kernel for more than 120 s "
             "waiting for a test's wake command; the script stops here\n");
  BOOST_TEST(r.rc == apsim::driver::kBlockedForGoodStatus);
  r = run(g, "ssh guest1 'echo 1 > /sys/bus/ap/sleepy'\necho never\n", false, "d.sh");
  BOOST_TEST(r.out == "");
  BOOST_TEST(r.err ==
             "apsim: bash: line 1: `echo 1 > /sys/bus/ap/sleepy' is blocked in the kernel for more than 120 s "
             "waiting for a test's wake command; the script stops here\n");
  BOOST_TEST(r.rc == apsim::driver::kBlockedForGoodStatus);
}

BOOST_AUTO_TEST_SUITE_END()
