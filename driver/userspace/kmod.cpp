// driver/userspace/kmod.cpp — kmod 30's tools (Debian bookworm): modprobe, rmmod, lsmod and
// modinfo, reading the kernel's module list as they read /proc/modules and /sys/module, with
// their options, messages and help texts (tools/modprobe.c, rmmod.c, lsmod.c, modinfo.c).
#include <cstring>
#include <ostream>

#include "driver/linux/kernel.h"
#include "driver/userspace/kmod_help.h"
#include "driver/userspace/programs.h"
#include "driver/userspace/session.h"

namespace apsim::driver {

namespace {

std::string prog_name(const std::string& argv0) {
  const size_t slash = argv0.rfind('/');
  return slash == std::string::npos ? argv0 : argv0.substr(slash + 1);
}

// getopt_long's message for an unknown option (kmod's tools then exit 1 after their own
// "ERROR: unexpected getopt_long() value" line only for impossible values).
bool unknown_option(const std::string& prog, const std::string& a, std::ostream& err) {
  if (a.size() > 1 && a[1] == '-') err << prog << ": unrecognized option '" << a << "'\n";
  else err << prog << ": invalid option -- '" << a[1] << "'\n";
  return false;
}

// -h/--help and -V/--version, which every kmod tool has: true if `a` was one (printed).
bool help_or_version(const std::string& a, const char* help, const CommandIo& io) {
  if (a == "-h" || a == "--help") *io.out << help;
  else if (a == "-V" || a == "--version") *io.out << kmod_help::kVersion;
  else return false;
  return true;
}

}  // namespace

int modprobe_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  std::ostream& err = *io.err;
  bool remove = false, all = false;
  std::vector<std::string> mods;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (help_or_version(a, kmod_help::kModprobe, io)) return 0;
    if (a == "-r" || a == "--remove") remove = true;
    else if (a == "-a" || a == "--all") all = true;
    else if (a == "-v" || a == "--verbose" || a == "-q" || a == "--quiet" || a == "-b" || a == "--use-blacklist" ||
             a == "-s" || a == "--syslog" || a == "--first-time")
      continue;
    else if (a.size() > 1 && a[0] == '-') {
      unknown_option("modprobe", a, err);
      return 1;
    } else {
      mods.push_back(a);
    }
  }
  if (mods.empty()) {
    err << "modprobe: ERROR: missing module name.\n";
    return 1;
  }
  // Without -a, the words after the module name are its parameters (kmod: "name args").
  if (!all && !remove && mods.size() > 1) mods.resize(1);
  for (const std::string& m : mods)
    if (int rc = remove ? s.kernel().unload_module(m, err) : s.kernel().load_module(m, err); rc) return rc;
  return 0;
}

int rmmod_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  std::vector<std::string> mods;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (help_or_version(a, kmod_help::kRmmod, io)) return 0;
    if (a == "-f" || a == "--force" || a == "-s" || a == "--syslog" || a == "-v" || a == "--verbose") continue;
    if (a.size() > 1 && a[0] == '-') {
      unknown_option("rmmod", a, *io.err);
      return 1;
    }
    // A path to a .ko names the module by its file name.
    std::string m = prog_name(a);
    if (m.size() > 3 && m.compare(m.size() - 3, 3, ".ko") == 0) m.resize(m.size() - 3);
    mods.push_back(m);
  }
  if (mods.empty()) {
    *io.err << "rmmod: ERROR: missing module name.\n";
    return 1;
  }
  int st = 0;
  for (const auto& m : mods)
    if (s.kernel().rmmod(m, *io.err) != 0) st = 1;
  return st;
}

// lsmod: "Module                  Size  Used by", then "%-19s %8ld  %d" and the holders.
int lsmod_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  if (argv.size() != 1) {
    *io.err << "Usage: " << argv[0] << "\n";
    return 1;
  }
  LinuxKernel& k = s.kernel();
  *io.out << "Module                  Size  Used by\n";
  for (const auto& m : k.loaded_modules()) {
    const LinuxKernel::ModuleInfo* info = LinuxKernel::find_module(m);
    char line[128];
    std::snprintf(line, sizeof line, "%-19s %8ld  %d", m.c_str(), static_cast<long>(info ? info->size : 0),
                  k.module_refcount(m));
    *io.out << line;
    bool first = true;
    for (const auto& h : k.module_holders(m)) {
      *io.out << (first ? " " : ",") << h;
      first = false;
    }
    *io.out << "\n";
  }
  return 0;
}

// modinfo [-F FIELD] [-a|-d|-l|-p|-n] MODULE...: "%-16s%s\n" of "filename:", the .modinfo
// fields, "depends:", "intree:", "name:", "vermagic:"; a built-in module shows
// "filename: (builtin)"; an unknown one "modinfo: ERROR: Module NAME not found.".
int modinfo_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  std::string field;
  std::vector<std::string> mods;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (help_or_version(a, kmod_help::kModinfo, io)) return 0;
    if ((a == "-F" || a == "--field") && i + 1 < argv.size()) field = argv[++i];
    else if (a.rfind("--field=", 0) == 0) field = a.substr(8);
    else if (a == "-a" || a == "--author") field = "author";
    else if (a == "-d" || a == "--description") field = "description";
    else if (a == "-l" || a == "--license") field = "license";
    else if (a == "-p" || a == "--parameters") field = "parm";
    else if (a == "-n" || a == "--filename") field = "filename";
    else if (a.size() > 1 && a[0] == '-') {
      unknown_option("modinfo", a, *io.err);
      return 1;
    } else {
      mods.push_back(a);
    }
  }
  if (mods.empty()) {
    *io.err << "modinfo: ERROR: missing module or filename.\n";
    return 1;
  }
  LinuxKernel& k = s.kernel();
  int st = 0;
  for (const auto& name : mods) {
    bool builtin = false;
    const LinuxKernel::ModuleInfo* info = LinuxKernel::find_module(name, &builtin);
    if (builtin) {
      if (field.empty()) *io.out << "name:           ap\nfilename:       (builtin)\n";
      else if (field == "filename") *io.out << "(builtin)\n";
      else if (field == "name") *io.out << "ap\n";
      continue;
    }
    if (!info) {
      *io.err << "modinfo: ERROR: Module " << name << " not found.\n";
      st = 1;
      continue;
    }
    std::vector<std::pair<std::string, std::string>> rows;
    rows.emplace_back("filename", "/lib/modules/" + k.release() + "/" + info->file);
    for (const auto& r : info->modinfo) rows.push_back(r);
    std::string deps;
    for (const auto& d : info->depends) deps += (deps.empty() ? "" : ",") + d;
    rows.emplace_back("depends", deps);
    rows.emplace_back("intree", "Y");
    rows.emplace_back("name", info->name);
    rows.emplace_back("vermagic", k.release() + " SMP mod_unload modversions ");
    for (const auto& [key, value] : rows) {
      if (!field.empty()) {
        if (key == field) *io.out << (key == "parm" ? value.substr(0, value.find(':')) + ":" + value.substr(value.find(':') + 1) : value) << "\n";
        continue;
      }
      char head[32];
      std::snprintf(head, sizeof head, "%-16s", (key + ":").c_str());
      *io.out << head << value << "\n";
    }
  }
  return st;
}

}  // namespace apsim::driver
