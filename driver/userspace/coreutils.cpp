// driver/userspace/coreutils.cpp — GNU coreutils as an administrator uses them inside a
// simulated Linux: cat, ls, head/tail, wc, realpath, readlink, basename, dirname, mkdir, rm,
// cut and sleep, with GNU's options and messages (texts of coreutils 9.1, Debian bookworm).
// They read and write the instance's file system (sysfs and the normal-filesystem mounts)
// from the session's working directory; sleep lets simulated time pass.
#include "driver/userspace/coreutils.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <istream>
#include <map>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "driver/shell/text.h"
#include "driver/userspace/programs.h"
#include "driver/userspace/session.h"

namespace apsim::driver {

Coreutils::Coreutils(Session& s) : s_(s), fs_(s.kernel().sysfs()), cwd_(s.cwd()) {}

int Coreutils::read_operand(const std::string& f, const Io& io, std::string& content) {
  if (f != "-") return fs().read(cwd_, f, content);
  content = read_all(io.in);
  return 0;
}

bool Coreutils::parse_opts(const std::vector<std::string>& argv, const std::string& letters, const std::string& with_arg,
                             Opts& o, const Io& io, const std::string& prog, const std::string& usage) {
  bool no_more = false;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (no_more || a.size() < 2 || a[0] != '-') {
      o.operands.push_back(a);
      continue;
    }
    if (a == "--") {
      no_more = true;
      continue;
    }
    if (a[1] == '-') {
      *io.err << prog << ": unrecognized option '" << a << "'\n" << usage;
      return false;
    }
    for (std::size_t k = 1; k < a.size(); ++k) {
      char c = a[k];
      if (with_arg.find(c) != std::string::npos) {
        std::string val = a.substr(k + 1);
        if (val.empty()) {
          if (i + 1 >= argv.size()) {
            *io.err << prog << ": option requires an argument -- '" << c << "'\n" << usage;
            return false;
          }
          val = argv[++i];
        }
        o.set[c] = val;
        o.order.push_back(c);
        o.args.emplace_back(c, val);
        break;
      }
      if (letters.find(c) == std::string::npos) {
        *io.err << prog << ": invalid option -- '" << c << "'\n" << usage;
        return false;
      }
      o.set[c] = "";
      o.order.push_back(c);
    }
  }
  return true;
}

int Coreutils::b_cat(const std::vector<std::string>& argv, const Io& io) {
  Opts o;
  if (!parse_opts(argv, "uAbeEnstTv", "", o, io, "cat", "Try 'cat --help' for more information.\n")) return 1;
  if (o.operands.empty()) o.operands.push_back("-");
  int st = 0;
  for (const auto& f : o.operands) {
    std::string content;
    if (int rc = read_operand(f, io, content); rc < 0) {
      *io.err << "cat: " << f << ": " << strerr(rc) << "\n";
      st = 1;
      continue;
    }
    *io.out << content;
  }
  return st;
}

// GNU ls (coreutils 9.1 src/ls.c), output not a terminal: one name per line; file operands
// first, then each directory (with "DIR:" headers when more than one thing is listed).
// -l: the long format of print_long_format — mode, links, owner, group, size, date, name and
// for a link " -> TARGET" — with the columns as wide as the widest entry, and "total N" (1 KiB
// blocks) before a directory's entries; a symbolic link given as an operand is listed itself
// under -l (and -d), followed otherwise.  The owner is root, the date a fixed
// "Jan  1 00:00" (apsim's boot, 2025-01-01: files carry no times; docs/shell.md).
int Coreutils::b_ls(const std::vector<std::string>& argv_in, const Io& io) {
  const auto argv = map_long_options(argv_in, {{"--all", "-a"}, {"--almost-all", "-A"}, {"--directory", "-d"}});
  Opts o;
  if (!parse_opts(argv, "1aAdUfl", "", o, io, "ls", "Try 'ls --help' for more information.\n")) return 2;
  bool all = o.set.count('a') || o.set.count('f'), almost = o.set.count('A'), dir_itself = o.set.count('d');
  const bool lng = o.set.count('l') && !o.set.count('f');
  std::size_t n_operands = o.operands.size();
  if (o.operands.empty()) o.operands.push_back(".");
  int st = 0;
  std::vector<std::string> files;
  std::vector<std::pair<std::string, std::vector<std::string>>> dirs;
  for (const auto& op : o.operands) {
    std::vector<std::string> names;
    std::string link;
    // -l: a link operand is shown as the link unless it ends in '/'.
    const bool as_link = lng && op.back() != '/' && fs().readlink(cwd_, op, link) == 0;
    int rc = as_link ? -ENOTDIR : fs().list(cwd_, op, names);
    // The working directory was removed under us (`echo 1 > remove` from inside an
    // mdev): like an unlinked directory, it still lists, as empty.
    if (rc == -ENOENT && op == "." && !fs().exists(cwd_)) rc = 0;
    if (rc == 0 && !dir_itself) {
      dirs.emplace_back(op, std::move(names));
      continue;
    }
    std::string canon;
    int rrc = as_link ? 0 : fs().resolve(cwd_, op, canon);
    if (rc == 0 || (rc == -ENOTDIR && rrc == 0)) {
      files.push_back(op);
      continue;
    }
    *io.err << "ls: cannot access '" << op << "': " << strerr(rrc < 0 ? rrc : rc) << "\n";
    st = 2;
  }
  std::sort(files.begin(), files.end());
  std::sort(dirs.begin(), dirs.end(), [](auto& a, auto& b) { return a.first < b.first; });
  if (lng) print_long(files, "", io, false);
  else
    for (const auto& f : files) *io.out << f << "\n";
  bool headers = !(files.empty() && n_operands <= 1 && dirs.size() == 1);
  if (!files.empty() && !dirs.empty()) *io.out << "\n";
  bool first = true;
  for (const auto& [name, entries] : dirs) {
    if (headers) {
      if (!first) *io.out << "\n";
      *io.out << name << ":\n";
    }
    first = false;
    std::vector<std::string> shown;
    if (all) shown = {".", ".."};
    for (const auto& e : entries)
      if (all || almost || e.empty() || e[0] != '.') shown.push_back(e);
    if (lng) print_long(shown, name, io, true);
    else
      for (const auto& e : shown) *io.out << e << "\n";
  }
  return st;
}

// print_long_format for `names` (in directory `dir`, "" for operands): the columns gauged
// over all of them (gobble_file's width bookkeeping), "total" first for a directory.
void Coreutils::print_long(const std::vector<std::string>& names, const std::string& dir, const Io& io, bool total) {
  struct Row {
    std::string name, target;
    SysfsStat st;
    bool ok;
  };
  std::vector<Row> rows;
  std::size_t wl = 1, ws = 1;
  uint64_t blocks = 0;
  for (const auto& n : names) {
    Row r{n, "", {}, false};
    const std::string path = dir.empty() ? n : (dir.back() == '/' ? dir + n : dir + "/" + n);
    r.ok = fs().stat(cwd_, path, false, r.st) == 0;
    if (r.ok && r.st.type == 'l') fs().readlink(cwd_, path, r.target);
    if (r.ok) {
      wl = std::max(wl, std::to_string(r.st.nlink).size());
      ws = std::max(ws, std::to_string(r.st.size).size());
      blocks += r.st.blocks_1k;
    }
    rows.push_back(std::move(r));
  }
  if (total) *io.out << "total " << blocks << "\n";
  for (const auto& r : rows) {
    if (!r.ok) continue;
    std::string mode(1, r.st.type);
    static const char* rwx = "rwxrwxrwx";
    for (int b = 0; b < 9; ++b) mode += (r.st.mode & (0400u >> b)) ? rwx[b] : '-';
    char line[256];
    std::snprintf(line, sizeof line, "%s %*u root root %*llu Jan  1 00:00 ", mode.c_str(), static_cast<int>(wl),
                  r.st.nlink, static_cast<int>(ws), static_cast<unsigned long long>(r.st.size));
    *io.out << line << r.name << (r.st.type == 'l' ? " -> " + r.target : "") << "\n";
  }
}

// GNU sleep: sum of NUMBER[smhd] operands.
int Coreutils::b_sleep(const std::vector<std::string>& argv, const Io& io) {
  const char* help = "Try 'sleep --help' for more information.\n";
  if (argv.size() < 2) {
    *io.err << "sleep: missing operand\n" << help;
    return 1;
  }
  double total = 0;
  bool bad = false;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(a.c_str(), &end);
    double mul = 1;
    if (end && *end && !end[1]) {
      switch (*end) {
        case 's': break;
        case 'm': mul = 60; break;
        case 'h': mul = 3600; break;
        case 'd': mul = 86400; break;
        default: end = nullptr;
      }
      if (end) ++end;
    }
    if (a.empty() || !end || *end || !std::isfinite(v) || v < 0 || errno == ERANGE ||
        a.find_first_of("xXpPnN") != std::string::npos) {
      *io.err << "sleep: invalid time interval '" << a << "'\n";
      bad = true;
      continue;
    }
    total += v * mul;
  }
  if (bad) {
    *io.err << help;
    return 1;
  }
  s_.sleep_seconds(total);
  return 0;
}

bool Coreutils::parse_count(const std::string& v, long long& n, bool& from_start) {
  std::string s = v;
  from_start = !s.empty() && s[0] == '+';
  if (from_start || (!s.empty() && s[0] == '-')) s = s.substr(1);
  return parse_int(s, n) && n >= 0;
}

// head/tail -n N (also -N); input from files or stdin.
int Coreutils::head_tail(const std::vector<std::string>& argv_in, const Io& io, bool head) {
  const char* prog = head ? "head" : "tail";
  std::vector<std::string> argv{argv_in[0]};
  for (std::size_t i = 1; i < argv_in.size(); ++i) {
    const std::string& a = argv_in[i];
    if (a.size() > 1 && a[0] == '-' && std::isdigit(static_cast<unsigned char>(a[1]))) argv.push_back("-n" + a.substr(1));
    else argv.push_back(a);
  }
  Opts o;
  if (!parse_opts(argv, "qv", "nc", o, io, prog, std::string("Try '") + prog + " --help' for more information.\n")) return 1;
  long long n = 10;
  bool from_start = false;
  if (o.set.count('n') && !parse_count(o.set['n'], n, from_start)) {
    *io.err << prog << ": invalid number of lines: '" << o.set['n'] << "'\n";
    return 1;
  }
  if (o.operands.empty()) o.operands.push_back("-");
  int st = 0;
  bool headers = o.operands.size() > 1;
  for (std::size_t k = 0; k < o.operands.size(); ++k) {
    const auto& f = o.operands[k];
    std::string content;
    if (int rc = read_operand(f, io, content); rc < 0) {
      *io.err << prog << ": cannot open '" << f << "' for reading: " << strerr(rc) << "\n";
      st = 1;
      continue;
    }
    if (headers) *io.out << (k ? "\n" : "") << "==> " << (f == "-" ? "standard input" : f) << " <==\n";
    auto lines = split_lines(content);
    bool nl_end = !content.empty() && content.back() == '\n';
    std::size_t total = lines.size(), b = 0, e = total;
    auto nn = static_cast<std::size_t>(std::min<long long>(n, static_cast<long long>(total)));
    if (head) e = nn;
    else if (from_start) b = n > 0 ? std::min<std::size_t>(static_cast<std::size_t>(n - 1), total) : 0;
    else b = total - nn;
    for (std::size_t i = b; i < e; ++i) *io.out << lines[i] << ((i + 1 < total || nl_end) ? "\n" : "");
  }
  return st;
}

int Coreutils::b_wc(const std::vector<std::string>& argv, const Io& io) {
  Opts o;
  if (!parse_opts(argv, "lwcm", "", o, io, "wc", "Try 'wc --help' for more information.\n")) return 1;
  bool l = o.set.count('l'), w = o.set.count('w'), c = o.set.count('c') || o.set.count('m');
  if (!l && !w && !c) l = w = c = true;
  int shown = l + w + c;
  if (o.operands.empty()) o.operands.push_back("-");
  int st = 0;
  for (const auto& f : o.operands) {
    std::string content;
    if (int rc = read_operand(f, io, content); rc < 0) {
      *io.err << "wc: " << f << ": " << strerr(rc) << "\n";
      st = 1;
      continue;
    }
    long long nl = 0, nw = 0;
    bool in_word = false;
    for (char ch : content) {
      nl += ch == '\n';
      bool sp = std::isspace(static_cast<unsigned char>(ch));
      if (!sp && !in_word) ++nw;
      in_word = !sp;
    }
    std::vector<long long> vals;
    if (l) vals.push_back(nl);
    if (w) vals.push_back(nw);
    if (c) vals.push_back(static_cast<long long>(content.size()));
    std::string line;
    for (auto v : vals) {
      std::string num = std::to_string(v);
      if (shown > 1) num = std::string(num.size() < 7 ? 7 - num.size() : 0, ' ') + num;
      line += (line.empty() ? "" : " ") + num;
    }
    if (f != "-") line += " " + f;
    *io.out << line << "\n";
  }
  return st;
}

int Coreutils::b_realpath(const std::vector<std::string>& argv, const Io& io) {
  int st = 0;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    if (argv[i].size() > 1 && argv[i][0] == '-') continue;
    std::string canon;
    int rc = fs().resolve(cwd_, argv[i], canon);
    if (rc < 0) {
      *io.err << argv[0] << ": " << argv[i] << ": " << strerr(rc) << "\n";
      st = 1;
      continue;
    }
    *io.out << canon << "\n";
  }
  return st;
}

// readlink [-f|-e|-m] PATH...: the link's target, or with -f the canonical path.
int Coreutils::b_readlink(const std::vector<std::string>& argv, const Io& io) {
  bool canon = false;
  std::vector<std::string> paths;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    if (argv[i] == "-f" || argv[i] == "-e" || argv[i] == "-m") canon = true;
    else if (argv[i].size() > 1 && argv[i][0] == '-') continue;
    else paths.push_back(argv[i]);
  }
  if (paths.empty()) {
    *io.err << "readlink: missing operand\nTry 'readlink --help' for more information.\n";
    return 1;
  }
  int st = 0;
  for (const auto& p : paths) {
    std::string t;
    if ((canon ? fs().resolve(cwd_, p, t) : fs().readlink(cwd_, p, t)) < 0) {
      st = 1;  // readlink is silent about failures unless -v
      continue;
    }
    *io.out << t << "\n";
  }
  return st;
}

int Coreutils::b_basename(const std::vector<std::string>& argv, const Io& io) {
  if (argv.size() < 2) {
    *io.err << "basename: missing operand\nTry 'basename --help' for more information.\n";
    return 1;
  }
  std::string p = argv[1];
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  std::size_t slash = p.rfind('/');
  if (slash != std::string::npos && p.size() > 1) p = p.substr(slash + 1);
  if (argv.size() > 2 && p.size() > argv[2].size() && p.compare(p.size() - argv[2].size(), argv[2].size(), argv[2]) == 0)
    p.resize(p.size() - argv[2].size());
  *io.out << p << "\n";
  return 0;
}

int Coreutils::b_dirname(const std::vector<std::string>& argv, const Io& io) {
  if (argv.size() < 2) {
    *io.err << "dirname: missing operand\nTry 'dirname --help' for more information.\n";
    return 1;
  }
  for (std::size_t i = 1; i < argv.size(); ++i) {
    std::string p = argv[i];
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    std::size_t slash = p.rfind('/');
    if (slash == std::string::npos) p = ".";
    else {
      p.resize(slash);
      while (p.size() > 1 && p.back() == '/') p.pop_back();
      if (p.empty()) p = "/";
    }
    *io.out << p << "\n";
  }
  return 0;
}

// GNU long options the file tools accept, as their short letters (parse_opts knows
// only short ones).
std::vector<std::string> Coreutils::map_long_options(const std::vector<std::string>& argv,
                                                       const std::map<std::string, std::string>& longs) {
  std::vector<std::string> out{argv[0]};
  bool no_more = false;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    if (argv[i] == "--") no_more = true;
    auto it = no_more ? longs.end() : longs.find(argv[i]);
    out.push_back(it == longs.end() ? argv[i] : it->second);
  }
  return out;
}

// GNU mkdir [-p] [-v] [-m MODE] DIR...  (coreutils src/mkdir.c; messages in the C
// locale, so quote() gives 'DIR').  With -p each missing ancestor is made in turn and a
// failure names that ancestor, as mkancesdirs does.  -m is accepted: no modes here.
int Coreutils::b_mkdir(const std::vector<std::string>& argv_in, const Io& io) {
  const std::string usage = "Try 'mkdir --help' for more information.\n";
  auto argv = map_long_options(argv_in, {{"--parents", "-p"}, {"--verbose", "-v"}});
  Opts o;
  if (!parse_opts(argv, "pv", "m", o, io, "mkdir", usage)) return 1;
  if (o.operands.empty()) {
    *io.err << "mkdir: missing operand\n" << usage;
    return 1;
  }
  const bool parents = o.set.count('p'), verbose = o.set.count('v');
  auto created = [&](const std::string& d) {
    if (verbose) *io.out << "mkdir: created directory '" << d << "'\n";
  };
  auto fail = [&](const std::string& d, int rc) {
    *io.err << "mkdir: cannot create directory '" << d << "': " << strerr(rc) << "\n";
  };
  int st = 0;
  for (const auto& dir : o.operands) {
    if (!parents) {
      if (int rc = fs().make_dir(cwd_, dir, false); rc < 0) {
        fail(dir, rc);
        st = 1;
      } else {
        created(dir);
      }
      continue;
    }
    // The ancestors: every prefix ending before a '/'.
    bool ok = true;
    for (std::size_t slash = dir.find('/', 1); ok && slash != std::string::npos; slash = dir.find('/', slash + 1)) {
      const std::string prefix = dir.substr(0, slash);
      if (prefix.back() == '/') continue;  // "a//b"
      std::string canon;
      int rc = fs().resolve(cwd_, prefix, canon);
      if (rc == 0 && fs().is_dir(canon)) continue;
      if (rc == 0) rc = -ENOTDIR;  // a file in the way: chdir into it fails
      else if (rc == -ENOENT && (rc = fs().make_dir(cwd_, prefix, false)) == 0) created(prefix);
      if (rc < 0) {
        fail(prefix, rc);
        ok = false;
        st = 1;
      }
    }
    if (!ok) continue;
    std::string canon;
    if (fs().resolve(cwd_, dir, canon) == 0 && fs().is_dir(canon)) continue;  // -p: exists is fine
    if (int rc = fs().make_dir(cwd_, dir, false); rc < 0) {
      fail(dir, rc);
      st = 1;
    } else {
      created(dir);
    }
  }
  return st;
}

// GNU rm [-f] [-r|-R] [-v] [-i] FILE...  (coreutils src/rm.c, remove.c): -f silences
// only "No such file or directory" (and a missing operand); a directory needs -r, which
// removes the tree depth first and reports each entry it cannot remove.
int Coreutils::b_rm(const std::vector<std::string>& argv_in, const Io& io) {
  const std::string usage = "Try 'rm --help' for more information.\n";
  auto argv = map_long_options(argv_in, {{"--force", "-f"}, {"--recursive", "-r"}, {"--verbose", "-v"}});
  Opts o;
  if (!parse_opts(argv, "fiIrRvd", "", o, io, "rm", usage)) return 1;
  const bool force = o.set.count('f'), recursive = o.set.count('r') || o.set.count('R');
  const bool verbose = o.set.count('v');
  if (o.operands.empty()) {
    if (force) return 0;
    *io.err << "rm: missing operand\n" << usage;
    return 1;
  }
  int st = 0;
  for (const auto& f : o.operands) {
    const std::string base = f.substr(f.find_last_of('/') == std::string::npos ? 0 : f.find_last_of('/') + 1);
    if (base == "." || base == "..") {
      *io.err << "rm: refusing to remove '.' or '..' directory: skipping '" << f << "'\n";
      st = 1;
      continue;
    }
    std::string canon;
    if (recursive && fs().resolve(cwd_, f, canon) == 0 && canon == "/") {
      *io.err << "rm: it is dangerous to operate recursively on '/'\n"
                 "rm: use --no-preserve-root to override this failsafe\n";
      st = 1;
      continue;
    }
    if (!remove_entry(f, force, recursive, verbose, io)) st = 1;
  }
  return st;
}

// One operand of rm: a link or file is unlinked; a directory (not followed through a
// link) needs `recursive`.  Returns false after printing rm's message.
bool Coreutils::remove_entry(const std::string& path, bool force, bool recursive, bool verbose, const Io& io) {
  std::vector<std::string> names;
  std::string target;
  const bool is_link = fs().readlink(cwd_, path, target) == 0;
  const bool is_dir = !is_link && fs().list(cwd_, path, names) == 0;
  auto fail = [&](int rc) {
    if (force && rc == -ENOENT) return true;
    *io.err << "rm: cannot remove '" << path << "': " << strerr(rc) << "\n";
    return false;
  };
  if (!is_dir) {
    int rc = fs().unlink(cwd_, path);
    if (rc < 0) return fail(rc);
    if (verbose) *io.out << "removed '" << path << "'\n";
    return true;
  }
  if (!recursive) return fail(-EISDIR);
  bool ok = true;
  const std::string prefix = path.back() == '/' ? path : path + "/";
  for (const auto& n : names) ok = remove_entry(prefix + n, force, true, verbose, io) && ok;
  if (!ok) return false;  // GNU does not try the directory once an entry stayed
  if (int rc = fs().rmdir(cwd_, path); rc < 0) return fail(rc);
  if (verbose) *io.out << "removed directory '" << path << "'\n";
  return true;
}

// GNU cut -f LIST [-d DELIM] [-s] [--output-delimiter=S] | -b LIST | -c LIST [FILE...]
// (coreutils src/cut.c; the C locale: -c counts bytes).  A line without the delimiter
// is printed whole under -f unless -s.
int Coreutils::b_cut(const std::vector<std::string>& argv_in, const Io& io) {
  const std::string usage = "Try 'cut --help' for more information.\n";
  std::vector<std::string> argv{argv_in[0]};
  std::optional<std::string> out_delim;
  for (std::size_t i = 1; i < argv_in.size(); ++i) {
    const std::string& a = argv_in[i];
    if (a.rfind("--output-delimiter=", 0) == 0) out_delim = a.substr(19);
    else if (a == "--only-delimited") argv.push_back("-s");
    else if (a.rfind("--delimiter=", 0) == 0) argv.push_back("-d" + a.substr(12));
    else if (a.rfind("--fields=", 0) == 0) argv.push_back("-f" + a.substr(9));
    else argv.push_back(a);
  }
  Opts o;
  if (!parse_opts(argv, "snz", "bcdf", o, io, "cut", usage)) return 1;
  auto bad = [&](const std::string& msg) {
    *io.err << "cut: " << msg << "\n" << usage;
    return 1;
  };
  int lists = static_cast<int>(o.set.count('b') + o.set.count('c') + o.set.count('f'));
  if (lists == 0) return bad("you must specify a list of bytes, characters, or fields");
  if (lists > 1) return bad("only one list may be specified");
  const bool fields = o.set.count('f');
  const std::string list = fields ? o.set['f'] : o.set.count('b') ? o.set['b'] : o.set['c'];
  char delim = '\t';
  if (o.set.count('d')) {
    if (!fields) return bad("an input delimiter may be specified only when operating on fields");
    if (o.set['d'].size() > 1) return bad("the delimiter must be a single character");
    delim = o.set['d'].empty() ? '\0' : o.set['d'][0];
  }
  if (o.set.count('s') && !fields)
    return bad("suppressing non-delimited lines makes sense\n\tonly when operating on fields");
  std::vector<std::pair<long long, long long>> ranges;
  if (std::string err = parse_cut_list(list, fields, ranges); !err.empty()) return bad(err);
  auto selected = [&](long long n) {
    for (auto& [lo, hi] : ranges)
      if (n >= lo && n <= hi) return true;
    return false;
  };
  const std::string od = out_delim ? *out_delim : std::string(1, delim);
  if (o.operands.empty()) o.operands.push_back("-");
  int st = 0;
  for (const auto& f : o.operands) {
    std::string content;
    if (int rc = read_operand(f, io, content); rc < 0) {
      *io.err << "cut: " << f << ": " << strerr(rc) << "\n";
      st = 1;
      continue;
    }
    for (const auto& l : split_lines(content)) {
      std::string out;
      if (!fields) {
        for (std::size_t i = 0; i < l.size(); ++i)
          if (selected(static_cast<long long>(i) + 1)) out += l[i];
      } else if (l.find(delim) == std::string::npos) {
        if (o.set.count('s')) continue;
        out = l;
      } else {
        bool first = true;
        long long n = 1;
        for (std::size_t b = 0;; ++n) {
          std::size_t e = l.find(delim, b);
          if (selected(n)) {
            out += (first ? "" : od) + l.substr(b, e == std::string::npos ? std::string::npos : e - b);
            first = false;
          }
          if (e == std::string::npos) break;
          b = e + 1;
        }
      }
      *io.out << out << "\n";
    }
  }
  return st;
}

// cut's LIST: N, N-, -M, N-M separated by commas (or blanks); "" on success, else
// cut's message (set_fields in coreutils src/set-fields.c).
std::string Coreutils::parse_cut_list(const std::string& list, bool fields,
                                        std::vector<std::pair<long long, long long>>& ranges) {
  const std::string from1 = fields ? "fields are numbered from 1" : "byte/character positions are numbered from 1";
  const std::string bad_range = fields ? "invalid field range" : "invalid byte or character range";
  std::size_t b = 0;
  for (;;) {
    std::size_t e = list.find_first_of(", \t", b);
    const std::string item = list.substr(b, e == std::string::npos ? std::string::npos : e - b);
    if (item == "-") return "invalid range with no endpoint: -";
    const std::size_t dash = item.find('-');
    if (dash != std::string::npos && item.find('-', dash + 1) != std::string::npos) return bad_range;
    auto number = [&](const std::string& t, long long& v, long long dflt) -> std::string {
      if (t.empty()) {
        v = dflt;
        return "";
      }
      if (t.find_first_not_of("0123456789") != std::string::npos || !parse_int(t, v))
        return fields ? "invalid field value '" + t + "'" : "invalid byte or character range";
      return v == 0 ? from1 : "";
    };
    long long lo = 0, hi = 0;
    if (item.empty()) return from1;
    if (dash == std::string::npos) {
      if (std::string err = number(item, lo, 0); !err.empty()) return err;
      hi = lo;
    } else {
      if (std::string err = number(item.substr(0, dash), lo, 1); !err.empty()) return err;
      if (std::string err = number(item.substr(dash + 1), hi, LLONG_MAX); !err.empty()) return err;
      if (hi < lo) return "invalid decreasing range";
    }
    ranges.emplace_back(lo, hi);
    if (e == std::string::npos) return "";
    b = e + 1;
  }
}

// ---------------------------------------------------------------- entry points (programs.h)
int cat_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) { return Coreutils(s).b_cat(argv, io); }
int ls_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) { return Coreutils(s).b_ls(argv, io); }
int grep_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) { return Coreutils(s).b_grep(argv, io); }
int sleep_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) { return Coreutils(s).b_sleep(argv, io); }
int head_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) { return Coreutils(s).b_head(argv, io); }
int tail_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) { return Coreutils(s).b_tail(argv, io); }
int wc_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) { return Coreutils(s).b_wc(argv, io); }
int realpath_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) { return Coreutils(s).b_realpath(argv, io); }
int readlink_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) { return Coreutils(s).b_readlink(argv, io); }
int basename_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) { return Coreutils(s).b_basename(argv, io); }
int dirname_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) { return Coreutils(s).b_dirname(argv, io); }
int mkdir_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) { return Coreutils(s).b_mkdir(argv, io); }
int rm_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) { return Coreutils(s).b_rm(argv, io); }
int cut_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) { return Coreutils(s).b_cut(argv, io); }

}  // namespace apsim::driver
