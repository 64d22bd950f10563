// driver/userspace/findutils.cpp — GNU findutils 4.9.0's find and xargs, apsim's own because
// they must see the simulated instance: find walks its file system (sysfs, /proc, /etc ...),
// xargs runs its programs.  find: paths (default "."), -name/-iname/-path PATTERN, -type
// f|d|l, -maxdepth/-mindepth N, -print, -prune-free; symbolic links are not followed (-P);
// entries in the C locale's order (apsim's sysfs lists sorted; the real readdir order is the
// kernel's).  xargs: [-n N] [-I STR] [-r] [-0] [-d DELIM] [COMMAND [ARGS]], default `echo`.
#include <fnmatch.h>

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <ostream>
#include <sstream>

#include "driver/linux/sysfs.h"
#include "driver/shell/text.h"
#include "driver/userspace/coreutils.h"
#include "driver/userspace/programs.h"
#include "driver/userspace/session.h"

namespace apsim::driver {

namespace {

struct FindTest {
  std::string pred, arg;
};

}  // namespace

int find_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  std::vector<std::string> paths;
  std::vector<FindTest> tests;
  long maxdepth = -1, mindepth = 0;
  size_t i = 1;
  for (; i < argv.size() && !argv[i].empty() && argv[i][0] != '-' && argv[i] != "(" && argv[i] != "!"; ++i)
    paths.push_back(argv[i]);
  if (i < argv.size() && (argv[i] == "--help" || argv[i] == "--version")) {
    if (argv[i] == "--version") *io.out << "find (GNU findutils) 4.9.0\n";
    else *io.out << "Usage: find [-H] [-L] [-P] [-Olevel] [-D debugopts] [path...] [expression]\n";
    return 0;
  }
  for (; i < argv.size(); ++i) {
    const std::string& p = argv[i];
    if (p == "-print") continue;
    static const char* with_arg[] = {"-name", "-iname", "-path", "-type", "-maxdepth", "-mindepth"};
    bool known = false;
    for (const char* w : with_arg) known = known || p == w;
    if (!known) {
      *io.err << "find: unknown predicate `" << p << "'\n";
      return 1;
    }
    if (i + 1 >= argv.size()) {
      *io.err << "find: missing argument to `" << p << "'\n";
      return 1;
    }
    const std::string a = argv[++i];
    if (p == "-maxdepth" || p == "-mindepth") {
      long long v = 0;
      if (!parse_int(a, v) || v < 0) {
        *io.err << "find: Expected a positive decimal integer argument to " << p << ", but got `" << a << "'\n";
        return 1;
      }
      (p == "-maxdepth" ? maxdepth : mindepth) = static_cast<long>(v);
      continue;
    }
    if (p == "-type" && (a.size() != 1 || std::string("fdlbcps").find(a) == std::string::npos)) {
      *io.err << "find: Unknown argument to -type: " << a << "\n";
      return 1;
    }
    tests.push_back({p, a});
  }
  if (paths.empty()) paths.push_back(".");
  Sysfs& fs = s.kernel().sysfs();
  const std::string cwd = s.cwd();
  int st = 0;
  std::function<void(const std::string&, long)> visit = [&](const std::string& path, long depth) {
    SysfsStat sb;
    if (int rc = fs.stat(cwd, path, false, sb); rc < 0) {
      *io.err << "find: ‘" << path << "’: " << strerr(rc) << "\n";  // quotearg's quotes in C.UTF-8
      st = 1;
      return;
    }
    bool match = depth >= mindepth;
    const std::string base = path == "/" ? "/" : path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    for (const auto& t : tests) {
      if (!match) break;
      if (t.pred == "-name") match = ::fnmatch(t.arg.c_str(), base.c_str(), 0) == 0;
      else if (t.pred == "-iname") match = ::fnmatch(t.arg.c_str(), base.c_str(), FNM_CASEFOLD) == 0;
      else if (t.pred == "-path") match = ::fnmatch(t.arg.c_str(), path.c_str(), 0) == 0;
      else if (t.pred == "-type") match = (t.arg == "f" && sb.type == '-') || (t.arg == "d" && sb.type == 'd') ||
                                          (t.arg == "l" && sb.type == 'l');
    }
    if (match) *io.out << path << "\n";
    if (sb.type != 'd' || (maxdepth >= 0 && depth >= maxdepth)) return;
    std::vector<std::string> names;
    if (int rc = fs.list(cwd, path, names); rc < 0) {
      *io.err << "find: ‘" << path << "’: " << strerr(rc) << "\n";  // quotearg's quotes in C.UTF-8
      st = 1;
      return;
    }
    for (const auto& n : names) visit(path.back() == '/' ? path + n : path + "/" + n, depth + 1);
  };
  for (const auto& p : paths) visit(p, 0);
  return st;
}

int xargs_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  long max_args = 0;
  std::string replace;
  bool no_run_if_empty = false, nul = false;
  char delim = 0;
  bool have_delim = false;
  size_t i = 1;
  for (; i < argv.size() && argv[i].size() > 1 && argv[i][0] == '-'; ++i) {
    const std::string& a = argv[i];
    if (a == "--version") {
      *io.out << "xargs (GNU findutils) 4.9.0\n";
      return 0;
    }
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "-r" || a == "--no-run-if-empty") no_run_if_empty = true;
    else if (a == "-0" || a == "--null") nul = true;
    else if (a == "-n" && i + 1 < argv.size()) max_args = std::strtol(argv[++i].c_str(), nullptr, 10);
    else if (a.rfind("-n", 0) == 0 && a.size() > 2) max_args = std::strtol(a.c_str() + 2, nullptr, 10);
    else if (a == "-I" && i + 1 < argv.size()) replace = argv[++i];
    else if (a.rfind("-I", 0) == 0 && a.size() > 2) replace = a.substr(2);
    else if (a == "-d" && i + 1 < argv.size()) delim = argv[++i][0], have_delim = true;
    else {
      *io.err << "xargs: invalid option -- '" << a.substr(1) << "'\n"
              << "Usage: xargs [OPTION]... COMMAND [INITIAL-ARGS]...\n"
                 "Try 'xargs --help' for more information.\n";
      return 1;
    }
  }
  std::vector<std::string> cmd(argv.begin() + static_cast<long>(i), argv.end());
  if (cmd.empty()) cmd.push_back("echo");
  // The items: blank-separated with quotes and backslashes (the default), lines with -I,
  // NUL- or DELIM-separated with -0/-d.
  const std::string input = Coreutils::read_all(io.in);
  std::vector<std::string> items;
  if (nul || have_delim) {
    const char d = nul ? '\0' : delim;
    std::string cur;
    for (char c : input) {
      if (c == d) {
        items.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    if (!cur.empty()) items.push_back(cur);
  } else if (!replace.empty()) {
    for (auto& l : split_lines(input)) {
      const size_t b = l.find_first_not_of(" \t");
      if (b != std::string::npos) items.push_back(l.substr(b));
    }
  } else {
    std::string cur;
    bool in = false;
    for (size_t k = 0; k < input.size(); ++k) {
      const char c = input[k];
      if (c == '\'' || c == '"') {
        const size_t q = input.find(c, k + 1);
        if (q == std::string::npos) {
          *io.err << "xargs: unmatched " << (c == '\'' ? "single" : "double")
                  << " quote; by default quotes are special to xargs unless you use the -0 option\n";
          return 1;
        }
        cur += input.substr(k + 1, q - k - 1);
        k = q;
        in = true;
      } else if (c == '\\' && k + 1 < input.size()) {
        cur += input[++k];
        in = true;
      } else if (c == ' ' || c == '\t' || c == '\n') {
        if (in) items.push_back(cur);
        cur.clear();
        in = false;
      } else {
        cur += c;
        in = true;
      }
    }
    if (in) items.push_back(cur);
  }
  if (items.empty() && (no_run_if_empty || !replace.empty())) return 0;
  std::vector<std::vector<std::string>> runs;
  if (!replace.empty()) {
    for (const auto& it : items) {
      std::vector<std::string> a;
      for (const auto& w : cmd) {
        std::string x = w;
        for (size_t p = x.find(replace); p != std::string::npos; p = x.find(replace, p + it.size()))
          x.replace(p, replace.size(), it);
        a.push_back(x);
      }
      runs.push_back(a);
    }
  } else {
    const size_t per = max_args > 0 ? static_cast<size_t>(max_args) : items.size() + 1;
    size_t k = 0;
    do {
      std::vector<std::string> a = cmd;
      for (size_t n = 0; n < per && k < items.size(); ++n) a.push_back(items[k++]);
      runs.push_back(a);
    } while (k < items.size());
  }
  int st = 0;
  for (const auto& a : runs) {
    int rc;
    if (a[0] == "echo") {  // /bin/echo (coreutils): the words, one space apart
      for (size_t k = 1; k < a.size(); ++k) *io.out << (k > 1 ? " " : "") << a[k];
      *io.out << "\n";
      rc = 0;
    } else {
      CommandIo cio{nullptr, io.out, io.err, false};
      const std::optional<int> r = s.run_command(a, cio, s.cwd());
      if (!r) {
        *io.err << "xargs: " << a[0] << ": No such file or directory\n";
        return 127;
      }
      rc = *r;
    }
    if (rc == 255) {
      *io.err << "xargs: " << a[0] << ": exited with status 255; aborting\n";
      return 124;
    }
    if (rc != 0) st = 123;
  }
  return st;
}

}  // namespace apsim::driver
