// driver/userspace/filters.cpp — the text filters administrators pipe into, run as the
// machine's own programs: sort, uniq, tr (GNU coreutils), sed (GNU sed) and awk (GNU awk,
// both with --sandbox).  A filter that only transforms its input gains nothing from being
// written again, and the real program's options, messages and corner cases come for free.  The program is started with fork and
// execv (an argument vector, never a shell string) and talks through pipes.
//
// What the real program must not see is the machine it runs on: a file operand names a file
// of the simulated instance, so apsim reads it from the instance's file system (sysfs, /etc,
// ...) and passes the contents on standard input, after whatever came through the pipe — for
// sort, uniq, sed without -s/-i and awk without FILENAME that is what reading the files one
// after the other gives.  A file that cannot be read gets the program's own message.  grep
// runs GNU grep once per file (grep.cpp); ls, find, xargs, cat, head, tail, wc and cut are
// apsim's own: they open files or run commands of the simulated instance (coreutils.cpp,
// findutils.cpp).  A filter takes no
// simulated time, as no command does unless it sleeps or drives the hardware.
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "driver/shell/text.h"
#include "driver/userspace/coreutils.h"
#include "driver/userspace/host_program.h"
#include "driver/userspace/programs.h"
#include "driver/userspace/session.h"

namespace apsim::driver {

namespace {

// Which operands of each filter name files; the program's message when one cannot be read.
struct FilterSpec {
  const char* name;
  const char* path;
  const char* with_arg;   // short options that take an argument
  bool program_operand;   // the first operand is a program/script (sed, awk) unless -e/-f
  const char* cant_read;  // printf-like: %s = file, %e = strerror
};
const FilterSpec kFilters[] = {
    // GNU sort (src/sort.c, sort_die: "cannot read: %s"), coreutils 9.1
    {"sort", "/usr/bin/sort", "kotSTy", false, "sort: cannot read: %s: %e"},
    // GNU uniq: the input file is opened with freopen, "%s: %e" (quotef of the name)
    {"uniq", "/usr/bin/uniq", "fsw", false, "uniq: %s: %e"},
    // GNU tr reads standard input only
    {"tr", "/usr/bin/tr", "", false, nullptr},
    // GNU sed 4.9 (sed/execute.c open_next_file: "can't read %s: %s")
    {"sed", "/usr/bin/sed", "efl", true, "sed: can't read %s: %e"},
    // GNU awk 5.2 (io.c nextfile: "cannot open file `%s' for reading: %s", fatal), run with
    // --sandbox: mawk, Debian's default awk, has no sandbox, and its system(), `print > FILE`
    // and `"cmd" | getline` would reach the machine apsim runs on.  gawk is what the awk of
    // RHEL and SLES hosts is; tools/bootstrap.sh installs it.
    {"awk", "/usr/bin/gawk", "Ffv", true, "awk: fatal: cannot open file `%s' for reading: %e"},
};

std::string format_cant_read(const char* fmt, const std::string& file, int rc) {
  std::string s = fmt;
  s.replace(s.find("%s"), 2, file);
  s.replace(s.find("%e"), 2, strerr(rc));
  return s + "\n";
}

// The script files of one filter run: each read from the simulated instance and written to
// a private directory of the machine apsim runs on (mkdtemp, mode 0700), removed afterwards.
class ScriptFiles {
 public:
  ~ScriptFiles() {
    for (const auto& f : files_) ::unlink(f.c_str());
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }
  // The copy's path, or "" with error() set (a negative errno) if FILE cannot be read.
  std::string add(Session& s, const std::string& file) {
    std::string content;
    if (const int rc = s.kernel().sysfs().read(s.cwd(), file, content); rc < 0) return error_ = rc, "";
    if (dir_.empty()) {
      std::string tmpl = (std::getenv("TMPDIR") ? std::string(std::getenv("TMPDIR")) : "/tmp") + "/apsim-script-XXXXXX";
      if (!::mkdtemp(tmpl.data())) return error_ = -errno, "";
      dir_ = tmpl;
    }
    const std::string path = dir_ + "/" + std::to_string(files_.size());
    std::ofstream out(path, std::ios::binary);
    out << content;
    if (!out.flush()) return error_ = -EIO, "";
    files_.push_back(path);
    return path;
  }
  int error() const { return error_; }

 private:
  std::string dir_;
  std::vector<std::string> files_;
  int error_ = 0;
};

// `NAME=value` as an awk operand: an assignment, not a file (POSIX awk).
bool is_awk_assignment(const std::string& a) {
  const std::size_t eq = a.find('=');
  if (eq == 0 || eq == std::string::npos) return false;
  if (!(std::isalpha(static_cast<unsigned char>(a[0])) || a[0] == '_')) return false;
  for (std::size_t i = 1; i < eq; ++i)
    if (!(std::isalnum(static_cast<unsigned char>(a[i])) || a[i] == '_')) return false;
  return true;
}

}  // namespace

int filter_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  std::string name = argv[0].substr(argv[0].rfind('/') == std::string::npos ? 0 : argv[0].rfind('/') + 1);
  const FilterSpec* spec = nullptr;
  for (const auto& f : kFilters)
    if (name == f.name) spec = &f;
  if (!spec) return 127;
  std::vector<std::string> args{name};
  // sed's e, r and w commands would run a command of, or read or write a file on, the machine
  // apsim runs on (a script could write any file the user can): GNU sed's --sandbox refuses
  // them with its own message ("e/r/w commands disabled in sandbox mode", exit 1).
  // gawk's --sandbox likewise refuses system(), redirections and pipes to and from commands
  // ("fatal: 'system' function not allowed in sandbox mode", exit 2).
  if (name == "sed" || name == "awk") args.push_back("--sandbox");
  // A script file (`sed -f FILE`, `awk -f FILE`) is a file of the simulated instance: apsim
  // reads it and hands the program a private copy (ScriptFiles), never the host's FILE.
  ScriptFiles scripts;
  std::vector<std::string> files;
  bool no_more = false, have_program = !spec->program_operand;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (!no_more && a == "--") {
      no_more = true;
      args.push_back(a);
      continue;
    }
    if (!no_more && a.size() > 1 && a[0] == '-') {
      // The script file of -f FILE, -fFILE, --file=FILE or --file FILE.
      std::optional<std::string> script;
      bool joined = false;
      if (spec->program_operand && a == "-f" && i + 1 < argv.size()) script = argv[++i];
      else if (spec->program_operand && a.size() > 2 && a[1] == 'f') script = a.substr(2), joined = true;
      else if (spec->program_operand && a.rfind("--file=", 0) == 0) script = a.substr(7), joined = true;
      else if (spec->program_operand && a == "--file" && i + 1 < argv.size()) script = argv[++i];
      if (script) {
        const std::string copy = scripts.add(s, *script);
        if (copy.empty()) {
          *io.err << format_cant_read(name == "sed" ? "sed: couldn't open file %s: %e"
                                                    : "awk: fatal: cannot open source file `%s' for reading: %e",
                                      *script, scripts.error());
          return name == "sed" ? 4 : 2;  // sed: EXIT_PANIC (utils.c panic); gawk: fatal
        }
        args.push_back(joined ? (a.rfind("--", 0) == 0 ? "--file=" : "-f") + copy : "-f");
        if (!joined) args.push_back(copy);
        have_program = true;
        continue;
      }
      args.push_back(a);
      if (a[1] != '-' && std::strchr(spec->with_arg, a[1]) && a.size() == 2 && i + 1 < argv.size()) {
        args.push_back(argv[++i]);
        if (a[1] == 'e') have_program = true;  // sed -e
      } else if (a[1] != '-' && a[1] == 'e' && spec->program_operand && a.size() > 2 &&
                 std::strchr(spec->with_arg, a[1])) {
        have_program = true;
      } else if (a.rfind("--expression", 0) == 0) {
        have_program = true;
      }
      continue;
    }
    if (!have_program || name == "tr") {  // tr's operands are its sets, never files
      args.push_back(a);
      have_program = true;
      continue;
    }
    if (name == "awk" && a.find('=') != std::string::npos && is_awk_assignment(a)) {
      args.push_back(a);
      continue;
    }
    files.push_back(a);
  }
  if (name == "sed")
    for (const auto& a : args)
      if (a == "-i" || a.rfind("-i", 0) == 0 || a.rfind("--in-place", 0) == 0) {
        *io.err << "sed: -i: apsim's sed does not edit the simulated instance's files in place (docs/shell.md)\n";
        return 4;
      }
  std::string input = Coreutils::read_all(io.in);
  int st = 0;
  for (const auto& f : files) {
    if (f == "-") continue;  // already there: standard input comes first
    std::string content;
    if (const int rc = s.kernel().sysfs().read(s.cwd(), f, content); rc < 0) {
      if (spec->cant_read) *io.err << format_cant_read(spec->cant_read, f, rc);
      st = 2;
      continue;
    }
    input += content;
  }
  std::string out, err;
  const int rc = run_host_program(spec->path, args, input, out, err);
  if (rc < 0 || rc == 127) {
    *io.err << name << ": cannot run " << spec->path << ": " << (rc < 0 ? strerr(rc) : "not installed") << "\n";
    return 127;
  }
  *io.out << out;
  *io.err << err;
  return rc != 0 ? rc : st;
}

}  // namespace apsim::driver
