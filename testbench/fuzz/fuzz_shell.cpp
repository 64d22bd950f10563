// testbench/fuzz/fuzz_shell.cpp — the scenario shell running a script (driver/shell/:
// word expansion — parameter, arithmetic, tilde, brace, command substitution, field
// splitting, globbing, quote removal — redirections, compound commands and builtins) on the
// fake host of the shell's tests (testbench/tests/common/fake_host.h: an AP-like sysfs and
// the real utilities on a kernel without hardware).
//
// Input: byte 0 picks the form, the rest is the text: 0 runs it as a script; 1 runs it as the
// words of `printf '[%s]\n' TEXT` with X, Y and the positional parameters set, so the fuzzer
// spends its time in word expansion.
// Invariants:
//  * no exception leaves Shell::run_script (an internal error of the simulation): a bad
//    script ends with bash's message and a status;
//  * the status is 0..255, and a script stopped by a limit says so on stderr;
//  * the shell's limits hold: the step budget, the nesting depths and the word length stop
//    runaway scripts (libFuzzer's -timeout reports one that does not stop).
#include <exception>
#include <sstream>
#include <string>

#include "driver/shell/shell.h"
#include "testbench/fuzz/fuzz_check.h"
#include "testbench/tests/common/fake_host.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string script = apsim::fuzz::text(data + 1, size - 1);
  if (data[0] % 2 == 1) {
    if (script.find('\n') != std::string::npos) return 0;  // one line of words
    script = "X='a b*c'; Y=/sys/bus/ap; set -- one 'two three' ''\nprintf '[%s]\\n' " + script + "\n";
  }
  apsim::test::FakeHost host("host");
  std::ostringstream out, err;
  apsim::driver::ShellOptions o;
  o.script_name = "fuzz.sh";
  int rc = 0;
  try {
    apsim::driver::Shell sh(host, out, err, o);
    rc = sh.run_script(script);
  } catch (const std::exception& e) {
    apsim::fuzz::unexpected_exception("Shell::run_script", e.what());
  }
  FUZZ_CHECK(rc >= 0 && rc <= 255, "an exit status is 0..255");
  return 0;
}
