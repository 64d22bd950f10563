// driver/shell/shell_builtins.cpp — the bash builtins of the scenario shell (echo, printf, cd,
// pwd, exit, set, export, unset, read, test/[): members of Shell::Impl (shell_impl.h),
// split out of shell.cpp so that the executor and the builtins it dispatches to are
// separate files.  true/false are one-liners in shell_impl.h; break/continue stay with the
// loops in shell.cpp.
#include "driver/shell/shell_impl.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "driver/shell/shell_ast.h"
#include "driver/shell/shell_expand.h"

namespace apsim::driver {

// ---------------------------------------------------------------- bash builtins

namespace {

// One printf(3) conversion of any length (bash's PF: printf itself, no buffer to cut at).
template <typename T>
std::string c_format(const std::string& spec, T value) {
  const int len = std::snprintf(nullptr, 0, spec.c_str(), value);
  if (len <= 0) return std::string();
  std::string s(static_cast<std::size_t>(len), '\0');
  std::snprintf(s.data(), s.size() + 1, spec.c_str(), value);
  return s;
}

}  // namespace

// bash's echo: leading words made only of -n -e -E letters are options; anything
// else (including "-5,-6" or "--") is printed.
int Shell::Impl::b_echo(const std::vector<std::string>& argv, Io& io, int) {
  bool newline = true, escapes = false;
  std::size_t i = 1;
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() < 2 || a[0] != '-' || a.find_first_not_of("neE", 1) != std::string::npos) break;
    for (std::size_t k = 1; k < a.size(); ++k) {
      if (a[k] == 'n') newline = false;
      else if (a[k] == 'e') escapes = true;
      else escapes = false;
    }
  }
  std::string out;
  for (std::size_t k = i; k < argv.size(); ++k) {
    if (k > i) out += ' ';
    if (escapes) {
      if (!interpret_escapes(argv[k], out, true)) {
        *io.out << out;
        return 0;
      }
    } else {
      out += argv[k];
    }
  }
  if (newline) out += '\n';
  *io.out << out;
  return 0;
}

int Shell::Impl::b_printf(const std::vector<std::string>& argv, Io& io, int line) {
  std::size_t a = 1;
  if (a < argv.size() && argv[a] == "--") ++a;
  if (a >= argv.size()) {
    diag(io, line, "printf: usage: printf [-v var] format [arguments]");
    return 2;
  }
  const std::string fmt = argv[a++];
  int st = 0;
  std::string out;
  bool first = true;
  while (first || a < argv.size()) {
    bool consumed = false;
    for (std::size_t i = 0; i < fmt.size(); ++i) {
      char c = fmt[i];
      if (c == '\\') {
        std::string esc(1, c);
        if (i + 1 < fmt.size()) esc += fmt[++i];
        if ((esc == "\\x" || (esc.size() == 2 && esc[1] >= '0' && esc[1] <= '7'))) {
          while (i + 1 < fmt.size() && esc.size() < 5 && std::isxdigit(static_cast<unsigned char>(fmt[i + 1]))) esc += fmt[++i];
        }
        if (!interpret_escapes(esc, out, false)) {
          *io.out << out;
          return st;
        }
        continue;
      }
      if (c != '%') {
        out += c;
        continue;
      }
      if (i + 1 < fmt.size() && fmt[i + 1] == '%') {
        out += '%';
        ++i;
        continue;
      }
      // %[flags][width][.precision]conv; a width or precision may be `*`, taken from the next
      // argument (bash's printf.def getint).
      std::size_t j = i + 1;
      std::string flags;
      while (j < fmt.size() && std::strchr("-+ #0", fmt[j])) flags += fmt[j++];
      long long width = 0, prec = 0;
      bool have_width = false, have_prec = false;
      std::string too_big;  // a width or precision beyond kMaxPrintfField, as written
      auto number = [&](long long& v) {
        if (j < fmt.size() && fmt[j] == '*') {
          ++j;
          const std::string w = a < argv.size() ? argv[a++] : std::string();
          consumed = true;
          if (!w.empty() && (w[0] == '\'' || w[0] == '"')) {
            v = w.size() > 1 ? static_cast<unsigned char>(w[1]) : 0;
          } else if (!w.empty() && !parse_int(w, v, 0)) {
            diag(io, line, "printf: " + w + ": invalid number");
            st = 1;
            v = 0;
          }
          if ((v < 0 ? -v : v) > kMaxPrintfField) too_big = w;
          return;
        }
        const std::size_t b = j;
        while (j < fmt.size() && is_digit(fmt[j])) ++j;
        v = 0;
        for (std::size_t k = b; k < j && v <= kMaxPrintfField; ++k) v = v * 10 + (fmt[k] - '0');
        if (v > kMaxPrintfField) too_big = fmt.substr(b, j - b);
      };
      if (j < fmt.size() && (fmt[j] == '*' || is_digit(fmt[j]))) {
        have_width = true;
        number(width);
      }
      if (j < fmt.size() && fmt[j] == '.') {
        ++j;
        have_prec = true;
        number(prec);
      }
      if (j >= fmt.size()) {
        out += fmt.substr(i);
        break;
      }
      if (!too_big.empty()) {
        // bash hands any width to printf(3): %.2147483647f ran for minutes in 7 GB, and a
        // value past INT_MAX printed nothing at all.  apsim stops with printf_erange's text
        // (bash's for a `*` value beyond an int), status 1.
        diag(io, line, "printf: " + too_big + ": " + std::strerror(ERANGE));
        *io.out << out;
        return 1;
      }
      if (width < 0) flags += '-', width = -width;  // C: a negative `*` width left-justifies
      std::string spec = "%" + flags;
      if (have_width) spec += std::to_string(width);
      if (have_prec && prec >= 0) spec += "." + std::to_string(prec);  // negative: as if omitted
      char conv = fmt[j];
      std::string arg = a < argv.size() ? argv[a++] : std::string();
      consumed = true;
      if (conv == 's' || conv == 'b') {
        std::string s = arg;
        if (conv == 'b') {
          s.clear();
          interpret_escapes(arg, s, true);
        }
        out += c_format(spec + "s", s.c_str());
      } else if (std::strchr("diouxXc", conv)) {
        long long v = 0;
        if (conv == 'c') {
          out += arg.empty() ? std::string() : arg.substr(0, 1);
        } else {
          if (!arg.empty() && (arg[0] == '\'' || arg[0] == '"')) {
            v = arg.size() > 1 ? static_cast<unsigned char>(arg[1]) : 0;
          } else if (!arg.empty() && !parse_int(arg, v, 0)) {
            diag(io, line, "printf: " + arg + ": invalid number");
            st = 1;
          }
          out += c_format(spec + "ll" + conv, v);
        }
      } else if (std::strchr("eEfFgGaA", conv)) {
        char* endp = nullptr;
        double d = arg.empty() ? 0.0 : std::strtod(arg.c_str(), &endp);
        if (!arg.empty() && (!endp || *endp)) {
          diag(io, line, "printf: " + arg + ": invalid number");
          st = 1;
        }
        out += c_format(spec + conv, d);
      } else {
        diag(io, line, std::string("printf: `") + conv + "': invalid format character");
        *io.out << out;
        return 1;
      }
      i = j;
    }
    first = false;
    if (!consumed) break;
  }
  *io.out << out;
  return st;
}

// bash's logical cd: "/a/./b/../c" -> "/a/c" textually, except that a component
// before ".." must be a directory (sh_canonpath).  Empty result: not canonicalisable.
std::string Shell::Impl::canon_logical(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  bool ok = true;
  auto joined = [&] {
    std::string out;
    for (auto& p : parts) out += "/" + p;
    return out.empty() ? std::string("/") : out;
  };
  auto push = [&](const std::string& c) {
    if (c.empty() || c == ".") return;
    if (c == "..") {
      // A vanished directory (a removed mdev we were in) still has a parent, as in
      // the kernel; only an existing non-directory stops the walk.
      std::string canon;
      int rc = fs().resolve("/", joined(), canon);
      if (rc == -ENOTDIR || (rc == 0 && !fs().is_dir(canon))) ok = false;
      if (!parts.empty()) parts.pop_back();
      return;
    }
    parts.push_back(c);
  };
  for (char ch : path) {
    if (ch == '/') {
      push(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  push(cur);
  return ok ? joined() : std::string();
}

int Shell::Impl::b_cd(const std::vector<std::string>& argv, Io& io, int line) {
  std::size_t i = 1;
  bool physical = false;
  while (i < argv.size() && (argv[i] == "-L" || argv[i] == "-P")) physical = argv[i++] == "-P";
  if (i < argv.size() && argv[i] == "--") ++i;
  if (argv.size() > i + 1) {
    diag(io, line, "cd: too many arguments");
    return 1;
  }
  std::string target;
  bool print = false;
  if (i == argv.size()) {
    auto v = param("HOME", line, io);
    target = v ? *v : kHome;
  } else if (argv[i] == "-") {
    if (sh.oldpwd_.empty()) {
      diag(io, line, "cd: OLDPWD not set");
      return 1;
    }
    target = sh.oldpwd_;
    print = true;
  } else {
    target = argv[i];
  }
  if (target.empty()) return 0;  // bash: `cd ""` does nothing
  // $PWD keeps the path as typed (logical: "link/.." is the directory holding the
  // link); when that path does not work, bash falls back to the physical one.
  std::string next;
  if (!physical) {
    std::string logical = canon_logical(target[0] == '/' ? target : sh.cwd_ + "/" + target);
    std::string canon;
    if (!logical.empty() && fs().resolve("/", logical, canon) == 0 && fs().is_dir(canon)) next = logical;
  }
  if (next.empty()) {
    std::string phys;
    int rc = fs().resolve(sh.cwd_, target, phys);
    if (rc == 0 && !fs().is_dir(phys)) rc = -ENOTDIR;
    if (rc < 0) {
      diag(io, line, "cd: " + target + ": " + strerr(rc));
      return 1;
    }
    next = phys;
  }
  sh.oldpwd_ = sh.cwd_;
  sh.cwd_ = next;
  if (print) *io.out << sh.cwd_ << "\n";
  return 0;
}

int Shell::Impl::b_pwd(const std::vector<std::string>& argv, Io& io, int) {
  std::string p = sh.cwd_;
  if (argv.size() > 1 && argv[1] == "-P") {
    std::string phys;
    if (fs().resolve("/", p, phys) == 0) p = phys;
  }
  *io.out << p << "\n";
  return 0;
}

int Shell::Impl::b_exit(const std::vector<std::string>& argv, Io& io, int line) {
  int st = sh.last_status_;
  if (argv.size() > 1) {
    long long v = 0;
    if (!parse_int(argv[1], v)) {
      diag(io, line, "exit: " + argv[1] + ": numeric argument required");
      throw ExitRequest{2};
    }
    if (argv.size() > 2) {
      diag(io, line, "exit: too many arguments");
      return 1;
    }
    st = static_cast<int>(static_cast<unsigned long long>(v) & 0xff);
  }
  throw ExitRequest{st};
}

int Shell::Impl::b_set(const std::vector<std::string>& argv, Io& io, int line) {
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--" || a == "-") break;
    if (a.size() < 2 || (a[0] != '-' && a[0] != '+')) break;  // positional params: ignored
    bool on = a[0] == '-';
    for (std::size_t k = 1; k < a.size(); ++k) {
      char f = a[k];
      if (f == 'e') {
        sh.errexit_ = on;
      } else if (f == 'x') {
        sh.xtrace_ = on;
      } else if (f == 'u') {
        sh.nounset_ = on;
      } else if (f == 'o') {
        if (i + 1 >= argv.size()) return 0;  // `set -o` lists options: not modelled
        const std::string& name = argv[++i];
        if (name == "errexit") sh.errexit_ = on;
        else if (name == "pipefail") sh.pipefail_ = on;
        else if (name == "xtrace") sh.xtrace_ = on;
        else if (name == "nounset") sh.nounset_ = on;
        else {
          diag(io, line, "set: " + name + ": invalid option name");
          return 2;
        }
      } else if (std::strchr("abfhkmnpvBCEHPT", f)) {
        // accepted; no effect on this simulation
      } else {
        diag(io, line, std::string("set: ") + a[0] + f + ": invalid option");
        *io.err << "set: usage: set [-abefhkmnptuvxBCEHPT] [-o option-name] [--] [-] [arg ...]\n";
        return 2;
      }
    }
  }
  return 0;
}

int Shell::Impl::b_export(const std::vector<std::string>& argv, Io& io, int line) {
  int st = 0;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-n" || a == "-p" || a == "-f") continue;
    std::size_t eq = a.find('=');
    std::string name = a.substr(0, eq);
    if (!is_valid_name(name)) {
      diag(io, line, "export: `" + a + "': not a valid identifier");
      st = 1;
      continue;
    }
    if (eq != std::string::npos) sh.vars_[name] = a.substr(eq + 1);
  }
  return st;
}

int Shell::Impl::b_unset(const std::vector<std::string>& argv, Io&, int) {
  for (std::size_t i = 1; i < argv.size(); ++i)
    if (argv[i] != "-v" && argv[i] != "-f") sh.vars_.erase(argv[i]);
  return 0;
}

// read [-r] [NAME...]: one line of input split on IFS; the last name takes the rest.
int Shell::Impl::b_read(const std::vector<std::string>& argv, Io& io, int line) {
  bool raw = false;
  std::vector<std::string> names;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    if (argv[i] == "-r") raw = true;
    else names.push_back(argv[i]);
  }
  if (names.empty()) names.push_back("REPLY");
  for (const auto& n : names) {
    if (!is_valid_name(n)) {
      diag(io, line, "read: `" + n + "': not a valid identifier");
      return 1;
    }
  }
  std::string text;
  bool eof = true;
  if (io.in) {
    char c;
    while (io.in->get(c)) {
      if (c == '\n') {
        eof = false;
        break;
      }
      if (c == '\\' && !raw) {
        char d;
        if (io.in->get(d)) {
          if (d != '\n') text += d;
        }
        continue;
      }
      text += c;
    }
  }
  std::size_t p = 0;
  for (std::size_t k = 0; k < names.size(); ++k) {
    while (p < text.size() && is_ifs(text[p])) ++p;
    std::string v;
    if (k + 1 == names.size()) {
      v = text.substr(std::min(p, text.size()));
      while (!v.empty() && is_ifs(v.back())) v.pop_back();
    } else {
      std::size_t e = p;
      while (e < text.size() && !is_ifs(text[e])) ++e;
      v = text.substr(p, e - p);
      p = e;
    }
    sh.vars_[names[k]] = v;
  }
  // 0 only for a complete line; at end of input the names are still assigned.
  return eof ? 1 : 0;
}

// test / [: the POSIX expression grammar with -a/-o/!/( ).
int Shell::Impl::b_test(const std::vector<std::string>& argv_in, Io& io, int line) {
  std::vector<std::string> args(argv_in.begin() + 1, argv_in.end());
  std::string name = argv_in[0];
  if (name == "[") {
    if (args.empty() || args.back() != "]") {
      diag(io, line, "[: missing `]'");
      return 2;
    }
    args.pop_back();
  }
  std::size_t pos = 0;
  std::string err;
  bool result = false;
  try {
    if (args.empty()) return 1;
    result = test_or(args, pos, io, line, name);
    if (pos != args.size()) throw std::runtime_error(args.size() - pos > 1 ? "too many arguments" : args[pos] + ": unary operator expected");
  } catch (const std::runtime_error& e) {
    diag(io, line, name + ": " + e.what());
    return 2;
  }
  return result ? 0 : 1;
}

bool Shell::Impl::test_or(const std::vector<std::string>& a, std::size_t& p, Io& io, int line, const std::string& nm) {
  bool v = test_and(a, p, io, line, nm);
  while (p < a.size() && a[p] == "-o") {
    ++p;
    bool r = test_and(a, p, io, line, nm);
    v = v || r;
  }
  return v;
}

bool Shell::Impl::test_and(const std::vector<std::string>& a, std::size_t& p, Io& io, int line, const std::string& nm) {
  bool v = test_not(a, p, io, line, nm);
  while (p < a.size() && a[p] == "-a") {
    ++p;
    bool r = test_not(a, p, io, line, nm);
    v = v && r;
  }
  return v;
}

bool Shell::Impl::is_test_binop(const std::string& op) {
  static const char* binops[] = {"=", "==", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-ef", "-nt", "-ot"};
  for (const char* b : binops)
    if (op == b) return true;
  return false;
}

bool Shell::Impl::test_not(const std::vector<std::string>& a, std::size_t& p, Io& io, int line, const std::string& nm) {
  // "! X" negates, unless "!" is the left operand of a binary operator ("! = x").
  bool binary_next = p + 2 < a.size() && is_test_binop(a[p + 1]);
  if (p < a.size() && a[p] == "!" && p + 1 < a.size() && !binary_next) {
    ++p;
    return !test_not(a, p, io, line, nm);
  }
  return test_primary(a, p, io, line, nm);
}

bool Shell::Impl::test_primary(const std::vector<std::string>& a, std::size_t& p, Io& io, int line, const std::string& nm) {
  if (p >= a.size()) throw std::runtime_error("argument expected");
  if (p + 2 < a.size() && is_test_binop(a[p + 1])) {  // X op Y
    const std::string& l = a[p];
    const std::string& o = a[p + 1];
    const std::string& r = a[p + 2];
    p += 3;
    if (o == "=" || o == "==") return l == r;
    if (o == "!=") return l != r;
    if (o == "-nt" || o == "-ot") return false;  // no timestamps in sysfs
    if (o == "-ef") {
      std::string x, y;
      return fs().resolve(sh.cwd_, l, x) == 0 && fs().resolve(sh.cwd_, r, y) == 0 && x == y;
    }
    long long x = 0, y = 0;
    if (!parse_int(l, x)) throw std::runtime_error(l + ": integer expression expected");
    if (!parse_int(r, y)) throw std::runtime_error(r + ": integer expression expected");
    if (o == "-eq") return x == y;
    if (o == "-ne") return x != y;
    if (o == "-lt") return x < y;
    if (o == "-le") return x <= y;
    if (o == "-gt") return x > y;
    return x >= y;
  }
  if (a[p] == "(" && p + 1 < a.size()) {
    ++p;
    bool v = test_or(a, p, io, line, nm);
    if (p >= a.size() || a[p] != ")") throw std::runtime_error("`)' expected");
    ++p;
    return v;
  }
  const std::string& s = a[p];
  if (s.size() == 2 && s[0] == '-' && p + 1 < a.size() && std::strchr("efdrwxsLhnzcbpSgukGOt", s[1])) {
    const std::string& arg = a[p + 1];
    p += 2;
    std::string canon;
    bool exists = !arg.empty() && fs().resolve(sh.cwd_, arg, canon) == 0;
    switch (s[1]) {
      case 'n': return !arg.empty();
      case 'z': return arg.empty();
      case 'e': case 'r': case 's': return exists;
      case 'f': return exists && !fs().is_dir(canon);
      case 'd': case 'x': return exists && fs().is_dir(canon);
      case 'w': return !arg.empty() && fs().open_write(sh.cwd_, arg) == 0;
      case 'L': case 'h': {
        std::string t;
        return fs().readlink(sh.cwd_, arg, t) == 0;
      }
      default: return false;
    }
  }
  ++p;
  return !s.empty();
}

// ---------------------------------------------------------------- jobs

// jobs [-l|-p]: the running background jobs, as a non-interactive bash lists them (jobs that
// ended are reaped silently): "[N]+  Running                 CMD &", '+' the newest, '-' the
// one before; -l adds the pid, -p prints only pids.
int Shell::Impl::b_jobs(const std::vector<std::string>& argv, Io& io, int line) {
  bool pids = false, pid_only = false;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    if (argv[i] == "-l") pids = true;
    else if (argv[i] == "-p") pid_only = true;
    else {
      diag(io, line, "jobs: " + argv[i] + ": invalid option");
      *io.err << "jobs: usage: jobs [-lnprs] [jobspec ...] or jobs -x command [args]\n";
      return 2;
    }
  }
  reap_jobs(io);
  for (std::size_t k = 0; k < sh.jobs_.size(); ++k) {
    const Shell::Job& j = sh.jobs_[k];
    if (pid_only) {
      *io.out << j.pid << "\n";
      continue;
    }
    const char mark = k + 1 == sh.jobs_.size() ? '+' : k + 2 == sh.jobs_.size() ? '-' : ' ';
    char head[64];
    if (pids) std::snprintf(head, sizeof head, "[%d]%c %5ld %-24s", j.id, mark, j.pid, "Running");
    else std::snprintf(head, sizeof head, "[%d]%c  %-24s", j.id, mark, "Running");
    *io.out << head << j.text << "\n";
  }
  return 0;
}

// Jobs whose sleeping write has completed end now (their write error, if any, is printed).
void Shell::Impl::reap_jobs(const Io& io) {
  for (auto it = sh.jobs_.begin(); it != sh.jobs_.end();) {
    if (finish_job(*it, io, false)) it = sh.jobs_.erase(it);
    else ++it;
  }
}

// wait [ID...]: wait for the named jobs (%N or a pid), else for every running job.  The
// status is the last named job's, 0 without IDs; 127 for an ID that is no child of this
// shell, as bash says.
int Shell::Impl::b_wait(const std::vector<std::string>& argv, Io& io, int line) {
  reap_jobs(io);
  if (argv.size() == 1) {
    while (!sh.jobs_.empty()) {
      finish_job(sh.jobs_.front(), io, true);
      sh.jobs_.erase(sh.jobs_.begin());
    }
    return 0;
  }
  int st = 0;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    long long id = 0;
    const bool spec = !a.empty() && a[0] == '%';
    if (!parse_int(spec ? a.substr(1) : a, id) || id <= 0) {
      diag(io, line, "wait: `" + a + "': not a pid or valid job spec");
      st = 2;
      continue;
    }
    auto it = std::find_if(sh.jobs_.begin(), sh.jobs_.end(),
                           [&](const Shell::Job& j) { return spec ? j.id == id : j.pid == id; });
    if (it != sh.jobs_.end()) {
      const long pid = it->pid;
      finish_job(*it, io, true);
      sh.jobs_.erase(it);
      st = sh.job_status_[pid];
    } else if (!spec && sh.job_status_.count(id)) {
      st = sh.job_status_[id];
    } else {
      diag(io, line, spec ? "wait: " + a + ": no such job" : "wait: pid " + a + " is not a child of this shell");
      st = 127;
    }
  }
  return st;
}

}  // namespace apsim::driver
