// driver/userspace/grep.cpp — grep with the options administrators pipe into (-v -i -c -q -s
// -E -F -G -w -x -n -h -H -l -o -y -Z -e -m), matched by the machine's GNU grep (3.8 on
// Debian 12).  apsim parses the options (the same letters and messages as before, GNU's
// wording) and reads each file operand from the simulated instance; GNU grep then matches
// that file's text on its standard input, named by --label, so the regular expressions are
// GNU's own — BRE with \+ \? \|, ERE, back references, POSIX classes, leftmost-longest -o —
// and run in GNU's DFA matcher, in a process of their own: no pattern or line can exhaust the
// software thread's stack or time (issue 15: std::regex recursed once per character).
#include <string>
#include <vector>

#include "driver/shell/text.h"
#include "driver/userspace/coreutils.h"
#include "driver/userspace/host_program.h"

namespace apsim::driver {

namespace {

const char* const kGrep = "/usr/bin/grep";

}  // namespace

int Coreutils::b_grep(const std::vector<std::string>& argv, const Io& io) {
  const std::string usage = "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n";
  // -e may repeat (each adds patterns); options may follow operands (GNU permutes).
  Opts o;
  if (!parse_opts(argv, "vicqsEFGwxnhHloyZ", "em", o, io, "grep", usage)) return 2;
  // GNU grep's own argument vector: the flags, the matcher (the last of -E/-F/-G wins, as in
  // GNU grep), the patterns as -e words, then --label and -H/-h per file.
  std::vector<std::string> args{"grep"};
  for (const auto& [c, val] : o.set)
    if (std::string("EFGemhH").find(c) == std::string::npos) args.push_back(std::string("-") + c);
  char matcher = 'G';
  for (char c : o.order)
    if (c == 'E' || c == 'F' || c == 'G') matcher = c;
  args.push_back(std::string("-") + matcher);
  if (o.set.count('m')) {
    long long max_count = -1;
    if (!parse_int(o.set['m'], max_count)) {
      *io.err << "grep: invalid max count\n";
      return 2;
    }
    args.push_back("--max-count=" + o.set['m']);
  }
  bool have_e = false;
  for (const auto& [c, val] : o.args) {
    if (c != 'e') continue;
    have_e = true;
    args.push_back("--regexp=" + val);
  }
  if (!have_e) {
    if (o.operands.empty()) {
      *io.err << usage;
      return 2;
    }
    args.push_back("--regexp=" + o.operands.front());
    o.operands.erase(o.operands.begin());
  }
  const bool quiet = o.set.count('q'), silent = o.set.count('s');
  bool with_names = o.set.count('H') || (o.operands.size() > 1 && !o.set.count('h'));
  if (o.set.count('h')) with_names = false;
  if (o.operands.empty()) o.operands.push_back("-");
  args.push_back(with_names ? "-H" : "-h");
  // GNU grep compiles its patterns before it opens a file: a bad pattern is the only message,
  // status 2.  Each run below reports it; the first one ends grep.
  bool matched = false, error = false, ran = false;
  // `check`: only whether the patterns compile (empty input; what it prints otherwise, such
  // as -c's count, is not grep's output).
  auto run = [&](const std::string& label, const std::string& text, bool check = false) {
    std::vector<std::string> a = args;
    a.push_back("--label=" + label);
    std::string out, err;
    const int rc = run_host_program(kGrep, a, text, out, err);
    ran = true;
    if (rc < 0 || rc == 127) {
      *io.err << "grep: cannot run " << kGrep << ": " << (rc < 0 ? strerr(rc) : "not installed") << "\n";
      return 2;
    }
    if (check && rc != 2) return rc;
    *io.out << out;
    *io.err << err;
    return rc;
  };
  for (const auto& f : o.operands) {
    std::string content;
    if (int rc = read_operand(f, io, content); rc < 0) {
      if (!ran && run("(standard input)", "", true) == 2) return 2;  // the pattern first, as GNU grep
      if (!silent) *io.err << "grep: " << f << ": " << strerr(rc) << "\n";
      error = true;
      continue;
    }
    const int rc = run(f == "-" ? "(standard input)" : f, content);
    if (rc == 0) {
      matched = true;
      if (quiet) return 0;
    } else if (rc != 1) {
      return rc;  // a bad pattern (2), or GNU grep ended by a signal
    }
  }
  if (error && !(quiet && matched)) return 2;
  return matched ? 0 : 1;
}

}  // namespace apsim::driver
