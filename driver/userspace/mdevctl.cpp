// driver/userspace/mdevctl.cpp — mdevctl (the Rust mdevctl 1.x) with s390-tools' ap-check callout.
//
// Persistent mdevs are JSON files /etc/mdevctl.d/<parent>/<uuid> holding mdev_type, start
// ("auto"|"manual") and an ordered list of single-key attrs, written to sysfs in order on
// start (ap-facility-spec.md §4.10; mdevctl.rst).  Commands: define, undefine, modify,
// start, stop, list (lsmdev), types; `start-parent-mdevs PARENT` is what udev runs when a
// parent device registers (LinuxKernel::load_module), starting the start=auto mdevs.
//
// The ap-check callout (ap_tools/ap-check.c) handles vfio_ap-passthrough: on define and
// modify of an auto mdev it refuses APQNs another auto definition has ("APQN %u.%u is
// defined for autostart by %s") or the persistent AP bus masks (41-ap.rules, else the
// active ones) keep for the host; on start it refuses APQNs an active mdev has ("APQN
// %u.%u already in use by %s") or the active masks keep, and control domains without
// usage domains.  Its messages reach the terminal as mdevctl prints them: "ap-check: "
// before the callout's stderr, then "Error: Script '"PATH"' failed with status 'N'".
//
// Errors print as the anyhow error chain of mdevctl's main(): "Error: MSG", then
// "\n\nCaused by:\n    CAUSE" for an OS error.  Exit status 1; 2 for bad usage (clap).
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "driver/linux/kernel.h"
#include "driver/linux/kernel_parse.h"
#include "driver/userspace/programs.h"
#include "driver/userspace/session.h"
#include "driver/userspace/utf8.h"

namespace apsim::driver {

namespace {

using ordered_json = nlohmann::ordered_json;

const std::string kConfigBase = "/etc/mdevctl.d";
const std::string kMdevBase = "/sys/bus/mdev/devices";
const std::string kParentBase = "/sys/class/mdev_bus";
const std::string kApCheck = "/usr/lib/mdevctl/scripts.d/callouts/ap-check";
const std::string kApType = "vfio_ap-passthrough";

/// An anyhow error: the message and, for an OS error, its cause.
struct Failure {
  std::string msg;
  std::string cause;
};

/// A Rust panic: the text the binary prints to stderr; exit status 101.
struct Panic {
  std::string text;
};

// std::io::Error's text for read_to_string on bytes that are not UTF-8 (io::ErrorKind::InvalidData).
const char* const kNotUtf8 = "stream did not contain valid UTF-8";

// `OsStr::to_str().unwrap()` on a file name that is not UTF-8, as mdevctl's release prints it:
// 1.2.0 (Debian 12, rustc 1.63: the message and location on one line), 1.4.0 (rustc >= 1.73:
// the location first).  `at_1_2` and `at_1_4` are FILE:LINE:COLUMN of that unwrap in each.
Panic unwrap_none(const std::string& version, const std::string& at_1_2, const std::string& at_1_4) {
  const std::string msg = "called `Option::unwrap()` on a `None` value";
  const std::string note = "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
  if (version == "1.2.0") return Panic{"thread 'main' panicked at '" + msg + "', " + at_1_2 + "\n" + note};
  return Panic{"thread 'main' panicked at " + at_1_4 + ":\n" + msg + "\n" + note};
}

std::string os_error(int rc) { return std::string(std::strerror(-rc)) + " (os error " + std::to_string(-rc) + ")"; }

// The Rust uuid crate's parse as mdevctl uses it for --uuid and file names: the hyphenated
// form, the kernel's own rule (lib/uuid.c uuid_is_valid).
bool valid_uuid(const std::string& s) { return uuid_parse(s); }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// One mediated device as mdevctl sees it (struct MDev).
struct MDev {
  std::string uuid;
  bool active = false;
  bool autostart = false;
  std::string parent, type;
  std::vector<std::pair<std::string, std::string>> attrs;

  ordered_json to_json() const {
    ordered_json j;
    j["mdev_type"] = type;
    j["start"] = autostart ? "auto" : "manual";
    j["attrs"] = ordered_json::array();
    for (auto& [k, v] : attrs) j["attrs"].push_back(ordered_json{{k, v}});
    return j;
  }
  std::string fmt_attrs() const {
    std::string o;
    if (attrs.empty()) return o;
    o += "  Attrs:\n";
    for (size_t i = 0; i < attrs.size(); ++i)
      o += "    @{" + std::to_string(i) + "}: {\"" + attrs[i].first + "\":\"" + attrs[i].second + "\"}\n";
    return o;
  }
};

/// The APQNs of a vfio_ap device config (libap's vfio_ap_device): sorted, no duplicates.
struct ApDevice {
  bool manual = false;
  std::string type;
  std::set<unsigned> adapters, domains, controls;
};

// libap modify_device_attr: a comma-separated list of ids, each strtol(.., 0).
void add_ids(std::set<unsigned>& set, const std::string& value) {
  std::stringstream ss(value);
  std::string tok;
  while (std::getline(ss, tok, ',')) {
    if (tok.empty()) continue;
    set.insert(static_cast<unsigned>(std::strtol(tok.c_str(), nullptr, 0)));
  }
}

ApDevice ap_device_of(const MDev& d) {
  ApDevice a;
  a.manual = !d.autostart;
  a.type = d.type;
  for (auto& [k, v] : d.attrs) {
    if (k == "assign_adapter") add_ids(a.adapters, v);
    else if (k == "assign_domain") add_ids(a.domains, v);
    else if (k == "assign_control_domain") add_ids(a.controls, v);
  }
  return a;
}

class Mdevctl {
 public:
  /// `session`: the process's user space (its writes may sleep in the kernel: stop of an mdev
  /// in use in Linux 6.1); nullptr when udev runs it.
  /// `in`: the standard input (`--jsonfile /dev/stdin`, as libvirt's nodedev-define passes
  /// the device's JSON); nullptr: none.
  Mdevctl(LinuxKernel& k, Session* session, std::ostream& out, std::ostream& err, std::istream* in = nullptr)
      : k_(k), session_(session), fs_(k.sysfs()), out_(out), err_(err), in_(in) {}

  int main(const std::vector<std::string>& argv);
  /// start-parent-mdevs: start every auto mdev of `parent`; failures become warnings.
  void start_parent_mdevs(const std::string& parent);

 private:
  struct Args {
    std::string command;
    std::string uuid, parent, type, jsonfile, addattr, value;
    bool has_uuid = false, has_index = false;
    unsigned index = 0;
    bool autostart = false, manual = false, defined = false, dumpjson = false, verbose = false, delattr = false,
         force = false, live = false;
  };
  int usage_error(const std::string& text) {
    err_ << "error: " << text << "\n\nFor more information, try '--help'.\n";
    return 2;
  }
  bool parse(const std::vector<std::string>& argv, Args& a, int& rc);

  // ---- the mdevctl commands ----
  void cmd_define(const Args& a);
  void cmd_undefine(const Args& a);
  void cmd_modify(const Args& a);
  void cmd_start(const Args& a);
  void cmd_stop(const Args& a);
  void cmd_list(const Args& a);
  void cmd_types(const Args& a);

  // ---- devices ----
  std::string persist_path(const MDev& d) const { return kConfigBase + "/" + d.parent + "/" + d.uuid; }
  bool is_defined(const MDev& d) const { return !d.parent.empty() && fs_.is_file(persist_path(d)); }
  void load_from_sysfs(MDev& d);
  void load_from_json(MDev& d, const std::string& parent, const std::string& text);
  std::map<std::string, std::vector<MDev>> defined_devices(const std::string* uuid, const std::string* parent);
  std::map<std::string, std::vector<MDev>> active_devices(const std::string* uuid, const std::string* parent);
  MDev get_defined_device(const std::string& uuid, const std::string* parent);
  std::string read_file(const std::string& path, const std::string& what);
  void write_config(const MDev& d);
  void create(MDev& d);
  void start(MDev& d);
  void stop(MDev& d);

  // ---- the ap-check callout ----
  /// Run the callout for `event` ("pre", "post", "get") and `action`; on a non-zero status
  /// (other than 2, "not my type") print its stderr and fail as mdevctl does.
  void callout(const std::string& event, const std::string& action, const MDev& d);
  int ap_check(const std::string& event, const std::string& action, const MDev& d, std::string& stdout_text,
               std::ostringstream& stderr_text);
  int ap_conflicts(const ApDevice& dev, const ApDevice& other, const std::string& other_name, bool persistent,
                   std::ostringstream& e);
  bool read_masks(bool persistent, arch::ApMask& apm, arch::ApMask& aqm);
  /// The "get attributes" callout of an active vfio_ap mdev (its matrix, decimal ids).
  std::vector<std::pair<std::string, std::string>> get_attributes(const MDev& d);

  LinuxKernel& k_;
  Session* session_;
  Sysfs& fs_;
  std::ostream& out_;
  std::ostream& err_;
  std::istream* in_;
};

// ---------------------------------------------------------------------------------------
// command line (clap)

// `mdevctl --help`: clap's layout of mdevctl's src/cli.rs MdevctlCommands (about texts; the
// hidden start-parent-mdevs left out).  1.2.0 is clap 3.1: name and version first, upper-case
// headings, subcommands sorted by name; 1.4.0 is clap 4: declaration order, "Usage:".
static std::string mdevctl_help(const std::string& version) {
  if (version == "1.2.0")
    return "mdevctl 1.2.0\n"
           "A mediated device management utility for Linux\n\n"
           "USAGE:\n    mdevctl <SUBCOMMAND>\n\n"
           "OPTIONS:\n"
           "    -h, --help       Print help information\n"
           "    -V, --version    Print version information\n\n"
           "SUBCOMMANDS:\n"
           "    define      Define a persistent mediated device\n"
           "    help        Print this message or the help of the given subcommand(s)\n"
           "    list        List mediated devices\n"
           "    modify      Modify the definition of a mediated device\n"
           "    start       Start a mediated device\n"
           "    stop        Stop a mediated device\n"
           "    types       List available mediated device types\n"
           "    undefine    Undefine a persistent mediated device\n";
  return "A mediated device management utility for Linux\n\n"
         "Usage: mdevctl <COMMAND>\n\n"
         "Commands:\n"
         "  define    Define a persistent mediated device\n"
         "  undefine  Undefine a persistent mediated device\n"
         "  modify    Modify the definition of a mediated device\n"
         "  start     Start a mediated device\n"
         "  stop      Stop a mediated device\n"
         "  list      List mediated devices\n"
         "  types     List available mediated device types\n"
         "  help      Print this message or the help of the given subcommand(s)\n\n"
         "Options:\n"
         "  -h, --help     Print help\n"
         "  -V, --version  Print version\n";
}
bool Mdevctl::parse(const std::vector<std::string>& argv, Args& a, int& rc) {
  static const std::set<std::string> commands = {"define", "undefine", "modify", "start",
                                                 "stop",   "list",     "types",  "start-parent-mdevs"};
  size_t i = 1;
  const bool lsmdev = argv[0].size() >= 6 && argv[0].compare(argv[0].size() - 6, 6, "lsmdev") == 0;
  if (lsmdev) {
    a.command = "list";
    if (argv.size() == 2 && (argv[1] == "-V" || argv[1] == "--version")) {  // clap: "lsmdev VERSION"
      out_ << "lsmdev " << (session_ ? session_->tools().mdevctl : "1.2.0") << "\n";
      rc = 0;
      return false;
    }
  } else {
    if (argv.size() < 2) {
      rc = usage_error("'mdevctl' requires a subcommand but one was not provided");
      return false;
    }
    a.command = argv[1];
    i = 2;
    if (a.command == "-h" || a.command == "--help" || a.command == "help" || a.command == "-V" ||
        a.command == "--version") {
      const std::string version = session_ ? session_->tools().mdevctl : "1.2.0";
      if (a.command == "-V" || a.command == "--version") out_ << "mdevctl " << version << "\n";
      else out_ << mdevctl_help(version);
      rc = 0;
      return false;
    }
    if (!commands.count(a.command)) {
      rc = usage_error("unrecognized subcommand '" + a.command + "'");
      return false;
    }
  }
  auto need_value = [&](const std::string& opt, std::string& v, std::string inline_v, bool has_inline) {
    if (has_inline) {
      v = inline_v;
      return true;
    }
    if (i + 1 >= argv.size()) {
      rc = usage_error("a value is required for '" + opt + "' but none was supplied");
      return false;
    }
    v = argv[++i];
    return true;
  };
  // clap's String and Uuid value parsers refuse an OsString that is not UTF-8 before
  // anything else (clap_builder StringValueParser::parse: Error::invalid_utf8); a
  // --jsonfile path (PathBuf) may be anything.
  auto utf8 = [&](const std::string& v) {
    if (valid_utf8(v)) return true;
    rc = usage_error("invalid UTF-8 was detected in one or more arguments");
    return false;
  };
  for (; i < argv.size(); ++i) {
    std::string arg = argv[i], inline_v;
    bool has_inline = false;
    if (arg.rfind("--", 0) == 0) {
      const size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        inline_v = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_inline = true;
      }
    } else if (arg.size() > 2 && arg[0] == '-' && std::strchr("uptiv", arg[1]) && !std::strchr("dv", arg[2])) {
      inline_v = arg.substr(2);  // -uUUID
      arg = arg.substr(0, 2);
      has_inline = true;
    } else if (arg.size() > 2 && arg[0] == '-' && arg[1] != '-') {
      // combined flags, e.g. -dv
      bool ok = true;
      for (size_t c = 1; c < arg.size(); ++c) {
        switch (arg[c]) {
          case 'd': a.defined = true; break;
          case 'v': a.verbose = true; break;
          case 'a': a.autostart = true; break;
          case 'm': a.manual = true; break;
          case 'f': a.force = true; break;
          case 'l': a.live = true; break;
          default: ok = false;
        }
      }
      if (!ok) {
        rc = usage_error("unexpected argument '" + arg + "' found");
        return false;
      }
      continue;
    }
    std::string v;
    if (arg == "-u" || arg == "--uuid") {
      if (!need_value("--uuid <UUID>", v, inline_v, has_inline) || !utf8(v)) return false;
      if (!valid_uuid(v)) {
        rc = usage_error("invalid value '" + v + "' for '--uuid <UUID>': invalid UUID");
        return false;
      }
      a.uuid = lower(v);
      a.has_uuid = true;
    } else if (arg == "-p" || arg == "--parent") {
      if (!need_value("--parent <PARENT>", a.parent, inline_v, has_inline) || !utf8(a.parent)) return false;
    } else if (arg == "-t" || arg == "--type") {
      if (!need_value("--type <TYPE>", a.type, inline_v, has_inline) || !utf8(a.type)) return false;
    } else if (arg == "--jsonfile") {
      if (!need_value("--jsonfile <JSONFILE>", a.jsonfile, inline_v, has_inline)) return false;
    } else if (arg == "--addattr") {
      if (!need_value("--addattr <ADDATTR>", a.addattr, inline_v, has_inline) || !utf8(a.addattr)) return false;
    } else if (arg == "--value") {
      if (!need_value("--value <VALUE>", a.value, inline_v, has_inline) || !utf8(a.value)) return false;
    } else if (arg == "-i" || arg == "--index") {
      if (!need_value("--index <INDEX>", v, inline_v, has_inline) || !utf8(v)) return false;
      char* end = nullptr;
      const unsigned long n = std::strtoul(v.c_str(), &end, 10);
      if (v.empty() || *end || !std::isdigit(static_cast<unsigned char>(v[0]))) {
        rc = usage_error("invalid value '" + v + "' for '--index <INDEX>': invalid digit found in string");
        return false;
      }
      a.index = static_cast<unsigned>(n);
      a.has_index = true;
    } else if (arg == "-a" || arg == "--auto") {
      a.autostart = true;
    } else if (arg == "-m" || arg == "--manual") {
      a.manual = true;
    } else if (arg == "-d" || arg == "--defined") {
      a.defined = true;
    } else if (arg == "--dumpjson") {
      a.dumpjson = true;
    } else if (arg == "-v" || arg == "--verbose") {
      a.verbose = true;
    } else if (arg == "--delattr") {
      a.delattr = true;
    } else if (arg == "-f" || arg == "--force") {
      a.force = true;
    } else if (arg == "-l" || arg == "--live") {
      a.live = true;
    } else if (a.command == "start-parent-mdevs" && a.parent.empty() && arg[0] != '-') {
      a.parent = arg;
    } else {
      rc = usage_error("unexpected argument '" + argv[i] + "' found");
      return false;
    }
  }
  // clap's required arguments.
  const bool needs_uuid = a.command == "undefine" || a.command == "modify" || a.command == "stop";
  if (needs_uuid && !a.has_uuid) {
    rc = usage_error("the following required arguments were not provided:\n  --uuid <UUID>");
    return false;
  }
  if ((a.command == "define" || a.command == "start") && !a.has_uuid && a.parent.empty()) {
    rc = usage_error("the following required arguments were not provided:\n  --uuid <UUID>\n  --parent <PARENT>");
    return false;
  }
  if (!a.jsonfile.empty() && !a.type.empty()) {
    rc = usage_error("the argument '--jsonfile <JSONFILE>' cannot be used with '--type <TYPE>'");
    return false;
  }
  if (a.command == "define" && !a.jsonfile.empty() && a.autostart) {
    rc = usage_error("the argument '--jsonfile <JSONFILE>' cannot be used with '--auto'");
    return false;
  }
  return true;
}

int Mdevctl::main(const std::vector<std::string>& argv) {
  Args a;
  int rc = 0;
  if (!parse(argv, a, rc)) return rc;
  try {
    if (a.command == "define") cmd_define(a);
    else if (a.command == "undefine") cmd_undefine(a);
    else if (a.command == "modify") cmd_modify(a);
    else if (a.command == "start") cmd_start(a);
    else if (a.command == "stop") cmd_stop(a);
    else if (a.command == "list") cmd_list(a);
    else if (a.command == "types") cmd_types(a);
    else start_parent_mdevs(a.parent);
  } catch (const Failure& f) {
    err_ << "Error: " << f.msg << "\n";
    if (!f.cause.empty()) err_ << "\nCaused by:\n    " << f.cause << "\n";
    return 1;
  } catch (const Panic& p) {
    err_ << p.text;
    return 101;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------
// devices
std::string Mdevctl::read_file(const std::string& path, const std::string& what) {
  std::string text;
  if (path == "/dev/stdin" && in_) return std::string(std::istreambuf_iterator<char>(*in_), {});
  if (int rc = fs_.read("/", path, text); rc < 0) throw Failure{what, os_error(rc)};
  if (!valid_utf8(text)) throw Failure{what, kNotUtf8};  // fs::read_to_string(..).with_context(..)
  return text;
}

void Mdevctl::load_from_sysfs(MDev& d) {
  const std::string path = kMdevBase + "/" + d.uuid;
  std::string canon, type;
  if (fs_.resolve("/", path, canon) != 0) return;
  const std::string parent_dir = canon.substr(0, canon.rfind('/'));
  const std::string parent = parent_dir.substr(parent_dir.rfind('/') + 1);
  if (!d.parent.empty() && d.parent != parent) return;  // a different device
  if (fs_.resolve("/", path + "/mdev_type", type) != 0) return;
  type = type.substr(type.rfind('/') + 1);
  if (!d.type.empty() && d.type != type) return;
  d.parent = parent;
  d.type = type;
  d.active = true;
}

void Mdevctl::load_from_json(MDev& d, const std::string& parent, const std::string& text) {
  ordered_json j;
  try {
    j = ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Failure{"invalid JSON: " + std::string(e.what()), ""};
  }
  d.parent = parent;
  if (!j.is_object() || !j.contains("mdev_type") || !j.contains("start") || !j["mdev_type"].is_string())
    throw Failure{"invalid json", ""};
  d.type = j["mdev_type"].get<std::string>();
  d.autostart = j["start"].is_string() && j["start"].get<std::string>() == "auto";
  if (!j.contains("attrs") || j["attrs"].is_null()) return;
  if (!j["attrs"].is_array()) throw Failure{"attributes field is not an array", ""};
  for (auto& attr : j["attrs"]) {
    if (!attr.is_object()) throw Failure{"invalid JSON format for attribute: not an object", ""};
    if (attr.size() != 1) throw Failure{"invalid JSON format for attribute: too many fields", ""};
    auto it = attr.begin();
    if (!it.value().is_string()) throw Failure{"invalid JSON format for attribute: value is not a string", ""};
    d.attrs.emplace_back(it.key(), it.value().get<std::string>());
  }
}

std::map<std::string, std::vector<MDev>> Mdevctl::defined_devices(const std::string* uuid, const std::string* parent) {
  std::map<std::string, std::vector<MDev>> devices;
  std::vector<std::string> parents;
  if (fs_.list("/", kConfigBase, parents) != 0) return devices;
  const std::string version = session_ ? session_->tools().mdevctl : "1.2.0";
  for (const std::string& p : parents) {
    // mdevctl 1.2.0 src/main.rs defined_devices, 1.4.0 src/environment.rs
    // (commit bd7f10a) Environment::defined_devices: parentname.to_str().unwrap().
    if (!valid_utf8(p)) throw unwrap_none(version, "src/main.rs:383:46", "src/environment.rs:210:50");
    if ((parent && *parent != p) || !fs_.is_dir(kConfigBase + "/" + p)) continue;
    std::vector<std::string> files;
    fs_.list("/", kConfigBase + "/" + p, files);
    std::vector<MDev> children;
    for (const std::string& f : files) {
      const std::string path = kConfigBase + "/" + p + "/" + f;
      if (!fs_.is_file(path)) continue;
      // The same functions: path.file_name().unwrap().to_str().unwrap(), then a name that is
      // not a UUID is skipped; the contents are read with `f.read_to_string(&mut contents)?`
      // (no context).
      if (!valid_utf8(f)) throw unwrap_none(version, "src/main.rs:408:71", "src/environment.rs:237:75");
      if (!valid_uuid(f)) continue;
      if (uuid && *uuid != lower(f)) continue;
      MDev d;
      d.uuid = lower(f);
      std::string text;
      if (int rc = fs_.read("/", path, text); rc < 0) throw Failure{"Unable to read file " + path, os_error(rc)};
      if (!valid_utf8(text)) throw Failure{kNotUtf8, ""};
      load_from_json(d, p, text);
      load_from_sysfs(d);
      children.push_back(std::move(d));
    }
    std::sort(children.begin(), children.end(), [](const MDev& x, const MDev& y) { return x.uuid < y.uuid; });
    if (!children.empty()) devices[p] = std::move(children);
  }
  return devices;
}

std::map<std::string, std::vector<MDev>> Mdevctl::active_devices(const std::string* uuid, const std::string* parent) {
  std::map<std::string, std::vector<MDev>> devices;
  std::vector<std::string> names;
  if (fs_.list("/", kMdevBase, names) != 0) return devices;
  for (const std::string& n : names) {
    if (!valid_uuid(n) || (uuid && *uuid != n)) continue;
    MDev d;
    d.uuid = n;
    load_from_sysfs(d);
    if (!d.active || (parent && *parent != d.parent)) continue;
    // autostart from the definition, attributes from the callout.
    if (fs_.is_file(persist_path(d))) {
      MDev stored;
      stored.uuid = d.uuid;
      load_from_json(stored, d.parent, read_file(persist_path(d), "Unable to read file"));
      d.autostart = stored.autostart;
    }
    d.attrs = get_attributes(d);
    devices[d.parent].push_back(std::move(d));
  }
  for (auto& [p, v] : devices)
    std::sort(v.begin(), v.end(), [](const MDev& x, const MDev& y) { return x.uuid < y.uuid; });
  return devices;
}

MDev Mdevctl::get_defined_device(const std::string& uuid, const std::string* parent) {
  auto devs = defined_devices(&uuid, parent);
  size_t n = 0;
  for (auto& [p, v] : devs) n += v.size();
  if (n == 0)
    throw Failure{"Mediated device " + (parent ? *parent + "/" : std::string()) + uuid + " is not defined", ""};
  if (n > 1) throw Failure{"Multiple definitions found for " + uuid + ", specify a parent", ""};
  return devs.begin()->second.front();
}

void Mdevctl::write_config(const MDev& d) {
  // fs::create_dir_all(parent dir), then the pretty JSON without a trailing newline.
  const std::string dir = kConfigBase + "/" + d.parent;
  if (int rc = fs_.make_dir("/", dir, true); rc < 0) throw Failure{"Failed to create " + dir, os_error(rc)};
  if (int rc = fs_.write_file("/", persist_path(d), d.to_json().dump(2)); rc < 0)
    throw Failure{"Failed to write config for device " + d.uuid, os_error(rc)};
}

void Mdevctl::create(MDev& d) {
  MDev existing;
  existing.uuid = d.uuid;
  load_from_sysfs(existing);
  if (existing.active) {
    if (existing.parent != d.parent) throw Failure{"Device exists under different parent", ""};
    if (existing.type != d.type) throw Failure{"Device exists with different type", ""};
    throw Failure{"Device already exists", ""};
  }
  const std::string pdir = kParentBase + "/" + d.parent;
  if (!fs_.is_dir(pdir)) throw Failure{"Unable to find parent device '" + d.parent + "'", ""};
  std::string types = pdir + "/mdev_supported_types";
  if (!fs_.is_dir(types)) throw Failure{"Parent " + d.parent + " is not currently registered for mdev support", ""};
  const std::string tdir = types + "/" + d.type;
  if (!fs_.is_dir(tdir)) throw Failure{"Parent " + d.parent + " does not support mdev type " + d.type, ""};
  const std::string avail = read_file(tdir + "/available_instances", "Failed to read available_instances");
  if (std::strtol(avail.c_str(), nullptr, 10) == 0)
    throw Failure{"No available instances of " + d.type + " on " + d.parent, ""};
  if (int rc = fs_.write("/", tdir + "/create", d.uuid); rc < 0)
    throw Failure{"Failed to create mdev " + d.uuid + ", type " + d.type + " on " + d.parent, os_error(rc)};
  d.active = true;
}

void Mdevctl::start(MDev& d) {
  create(d);
  const std::string path = kMdevBase + "/" + d.uuid;
  // write_attr for each attribute in order; on a failure the device is removed again.
  for (auto& [attr, val] : d.attrs) {
    const std::string p = path + "/" + attr;
    if (!fs_.exists(p)) {
      stop(d);
      throw Failure{"Invalid attribute '" + attr + "'", ""};
    }
    if (int rc = fs_.write("/", p, val); rc < 0) {
      stop(d);
      throw Failure{"Failed to write " + val + " to attribute " + attr, os_error(rc)};
    }
  }
}

void Mdevctl::stop(MDev& d) {
  // The write sleeps while a guest uses the mdev (Linux 6.1: until QEMU releases it).
  const std::string remove = kMdevBase + "/" + d.uuid + "/remove";
  if (int rc = session_ ? session_->write_sysfs(remove, "1") : fs_.write("/", remove, "1"); rc < 0)
    throw Failure{"Error removing device " + d.uuid, os_error(rc)};
  d.active = false;
}

// ---------------------------------------------------------------------------------------
// commands
void Mdevctl::cmd_define(const Args& a) {
  MDev d;
  d.uuid = a.has_uuid ? a.uuid : k_.random_uuid();
  if (!a.jsonfile.empty()) {
    if (a.parent.empty()) throw Failure{"Parent device required to define device via \"" + a.jsonfile + "\"", ""};
    if (!defined_devices(&d.uuid, &a.parent).empty())
      throw Failure{"Cowardly refusing to overwrite existing config for " + a.parent + "/" + d.uuid, ""};
    load_from_json(d, a.parent, read_file(a.jsonfile, "Unable to read file \"" + a.jsonfile + "\""));
  } else {
    if (a.has_uuid) {
      load_from_sysfs(d);
      if (a.parent.empty() && (!d.active || !a.type.empty())) throw Failure{"No parent specified", ""};
    }
    d.autostart = a.autostart;
    if (!a.parent.empty()) d.parent = a.parent;
    if (!a.type.empty()) d.type = a.type;
    if (d.parent.empty()) throw Failure{"No parent specified", ""};
    if (d.type.empty()) throw Failure{"No type specified", ""};
    if (is_defined(d)) throw Failure{"Device " + d.uuid + " on " + d.parent + " already defined", ""};
  }
  callout("pre", "define", d);
  // An active device is defined with the attributes the callout reads from sysfs.
  if (d.active) d.attrs = get_attributes(d);
  write_config(d);
  callout("post", "define", d);
  if (!a.has_uuid) out_ << d.uuid << "\n";
}

void Mdevctl::cmd_undefine(const Args& a) {
  auto devs = defined_devices(&a.uuid, a.parent.empty() ? nullptr : &a.parent);
  if (devs.empty()) throw Failure{"No devices match the specified uuid", ""};
  bool failed = false;
  for (auto& [p, children] : devs)
    for (MDev& d : children) {
      try {
        callout("pre", "undefine", d);
        fs_.unlink("/", persist_path(d));
        callout("post", "undefine", d);
      } catch (const Failure& f) {
        failed = true;
        err_ << "[WARN  mdevctl] Undefine of " << d.uuid << " on parent " << d.parent
             << " failed with error: " << f.msg << "\n";
      }
    }
  if (failed) throw Failure{"Undefine failed", ""};
}

void Mdevctl::cmd_modify(const Args& a) {
  if (a.live) throw Failure{"No callout script with version support found that supports live modify", ""};
  MDev d;
  if (!a.jsonfile.empty()) {
    if (a.parent.empty()) throw Failure{"Parent device required to modify device via json file", ""};
    d.uuid = a.uuid;
    load_from_json(d, a.parent, read_file(a.jsonfile, "Unable to read jsonfile \"" + a.jsonfile + "\""));
  } else {
    d = get_defined_device(a.uuid, a.parent.empty() ? nullptr : &a.parent);
    if (!a.type.empty()) d.type = a.type;
    if (a.autostart && a.manual) throw Failure{"'auto' and 'manual' are mutually exclusive", ""};
    if (a.autostart) d.autostart = true;
    else if (a.manual) d.autostart = false;
  }
  auto hint = [&] { return d.attrs.empty() ? "Device " + d.uuid + " has no attributes" : d.fmt_attrs(); };
  if (!a.addattr.empty()) {
    if (a.value.empty()) throw Failure{"No attribute value provided", ""};
    if (a.has_index) {
      if (a.index > d.attrs.size()) throw Failure{"Attribute index " + std::to_string(a.index) + " is invalid\n" + hint(), ""};
      d.attrs.insert(d.attrs.begin() + a.index, {a.addattr, a.value});
    } else {
      d.attrs.emplace_back(a.addattr, a.value);
    }
  } else if (a.delattr) {
    if (a.has_index) {
      if (a.index >= d.attrs.size()) throw Failure{"Attribute index " + std::to_string(a.index) + " is invalid\n" + hint(), ""};
      d.attrs.erase(d.attrs.begin() + a.index);
    } else if (!d.attrs.empty()) {
      d.attrs.pop_back();
    }
  }
  callout("pre", "modify", d);
  write_config(d);
  callout("post", "modify", d);
}

void Mdevctl::cmd_start(const Args& a) {
  MDev d;
  if (!a.jsonfile.empty()) {
    if (a.parent.empty()) throw Failure{"Parent device required to start device via json file", ""};
    d.uuid = a.has_uuid ? a.uuid : k_.random_uuid();
    load_from_json(d, a.parent, read_file(a.jsonfile, "Unable to read jsonfile \"" + a.jsonfile + "\""));
  } else {
    bool found = false;
    if (a.has_uuid) {
      auto devs = defined_devices(&a.uuid, a.parent.empty() ? nullptr : &a.parent);
      size_t n = 0;
      for (auto& [p, v] : devs) n += v.size();
      if (n > 1) throw Failure{"Multiple definitions found for device " + a.uuid + ". Please specify a parent.", ""};
      if (n == 1) {
        const MDev& def = devs.begin()->second.front();
        if (!a.type.empty() && a.type != def.type)
          throw Failure{"Device " + def.uuid + " already exists on parent " + def.parent + " with type " + def.type, ""};
        d = def;
        d.active = false;
        found = true;
      }
    }
    if (!found) {
      d.uuid = a.has_uuid ? a.uuid : k_.random_uuid();
      d.parent = a.parent;
      d.type = a.type;
    }
    if (!d.type.empty() && d.parent.empty()) throw Failure{"can't provide type without parent", ""};
    if (d.type.empty() || d.parent.empty()) throw Failure{"Device is insufficiently specified", ""};
  }
  callout("pre", "start", d);
  start(d);
  callout("post", "start", d);
  if (!a.has_uuid) out_ << d.uuid << "\n";
}

void Mdevctl::cmd_stop(const Args& a) {
  MDev d;
  d.uuid = a.uuid;
  load_from_sysfs(d);
  if (!d.type.empty()) callout("pre", "stop", d);
  stop(d);
  if (!d.type.empty()) callout("post", "stop", d);
}

void Mdevctl::cmd_list(const Args& a) {
  const std::string* uuid = a.has_uuid ? &a.uuid : nullptr;
  const std::string* parent = a.parent.empty() ? nullptr : &a.parent;
  auto devices = a.defined ? defined_devices(uuid, parent) : active_devices(uuid, parent);
  size_t n = 0;
  for (auto& [p, v] : devices) n += v.size();
  std::string output;
  if (a.dumpjson) {
    ordered_json j;
    if (!uuid || n > 1) {
      j = ordered_json::array();
      if (!devices.empty()) {
        ordered_json parents = ordered_json::object();
        for (auto& [p, v] : devices) {
          parents[p] = ordered_json::array();
          for (const MDev& d : v) parents[p].push_back(ordered_json{{d.uuid, d.to_json()}});
        }
        j.push_back(parents);
      }
    } else {
      j = devices.empty() ? ordered_json::array() : devices.begin()->second.front().to_json();
    }
    output = j.dump(2);
  } else {
    for (auto& [p, v] : devices)
      for (const MDev& d : v) {
        output += d.uuid + " " + d.parent + " " + d.type + " " + (d.autostart ? "auto" : "manual");
        if (a.defined && d.active) output += " (active)";
        if (!a.defined && is_defined(d)) output += " (defined)";
        output += "\n";
        if (a.verbose) output += d.fmt_attrs();
      }
  }
  out_ << output << "\n";  // println!("{}", output)
}

void Mdevctl::cmd_types(const Args& a) {
  std::string output;
  std::vector<std::string> parents;
  fs_.list("/", kParentBase, parents);
  for (const std::string& p : parents) {
    if (!a.parent.empty() && a.parent != p) continue;
    std::vector<std::string> types;
    if (fs_.list("/", kParentBase + "/" + p + "/mdev_supported_types", types) != 0) continue;
    output += p + "\n";
    for (const std::string& t : types) {
      const std::string dir = kParentBase + "/" + p + "/mdev_supported_types/" + t;
      auto attr = [&](const std::string& name) {
        std::string v;
        fs_.read("/", dir + "/" + name, v);
        while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
        return v;
      };
      output += "  " + t + "\n";
      output += "    Available instances: " + attr("available_instances") + "\n";
      output += "    Device API: " + attr("device_api") + "\n";
      if (fs_.exists(dir + "/name")) output += "    Name: " + attr("name") + "\n";
      if (fs_.exists(dir + "/description")) output += "    Description: " + attr("description") + "\n";
    }
  }
  out_ << output << "\n";
}

void Mdevctl::start_parent_mdevs(const std::string& parent) {
  auto devs = defined_devices(nullptr, &parent);
  for (auto& [p, children] : devs)
    for (MDev& d : children) {
      if (!d.autostart) continue;
      try {
        MDev s = d;
        s.active = false;
        callout("pre", "start", s);
        start(s);
        callout("post", "start", s);
      } catch (const Failure& f) {
        err_ << "[WARN  mdevctl] " << f.msg << "\n";
        if (!f.cause.empty()) err_ << "[WARN  mdevctl] " << f.cause << "\n";
      }
    }
}

// ---------------------------------------------------------------------------------------
// the ap-check callout (s390-tools ap_tools/ap-check.c)
void Mdevctl::callout(const std::string& event, const std::string& action, const MDev& d) {
  std::string stdout_text;
  std::ostringstream e;
  const int status = ap_check(event, action, d, stdout_text, e);
  if (status == 2) return;  // not a vfio_ap device: the next script (none) is tried
  const std::string stderr_text = e.str();
  if (!stderr_text.empty()) err_ << "ap-check: " << stderr_text;
  if (status != 0) throw Failure{"Script '\"" + kApCheck + "\"' failed with status '" + std::to_string(status) + "'", ""};
}

int Mdevctl::ap_conflicts(const ApDevice& dev, const ApDevice& other, const std::string& other_name, bool persistent,
                          std::ostringstream& e) {
  int rc = 0;
  for (unsigned a : dev.adapters) {
    if (!other.adapters.count(a)) continue;
    for (unsigned d : dev.domains) {
      if (!other.domains.count(d)) continue;
      if (!other_name.empty())
        e << "APQN " << a << "." << d << (persistent ? " is defined for autostart by " : " already in use by ")
          << other_name << "\n";
      else  // "AQPN" (sic) until s390-tools 2.41.0 (b292ce56)
        e << (session_ && session_->tools().apqn_spelling ? "APQN " : "AQPN ") << a << "." << d
          << (persistent ? " is not defined for vfio_ap-passthrough use by the persistent ap bus mask settings\n"
                         : " is not allowed for vfio_ap-passthrough use by the active ap bus mask settings\n");
      rc = -1;
    }
  }
  return rc;
}

bool Mdevctl::read_masks(bool persistent, arch::ApMask& apm, arch::ApMask& aqm) {
  // ap_read_udev_masks (s390-tools libap): the masks of /etc/udev/rules.d/41-ap.rules; only
  // when the rule does not set both (or there is no rule) are the active sysfs values read
  // (ap_read_sysfs_masks), and failing to read them (no /sys/bus/ap: no AP instructions)
  // is an error.  Not persistent (start): ap_read_sysfs_masks alone.
  std::string ap, aq;
  bool read_ap = false, read_aq = false;
  std::string rules;
  if (persistent && fs_.read("/", "/etc/udev/rules.d/41-ap.rules", rules) == 0) {
    for (auto [name, target, read] : {std::tuple<const char*, std::string*, bool*>{"apmask", &ap, &read_ap},
                                      {"aqmask", &aq, &read_aq}}) {
      const std::string key = std::string("ATTR{") + name + "}=\"";
      const size_t at = rules.find(key);
      if (at == std::string::npos) continue;
      const size_t b = at + key.size(), end = rules.find('"', b);
      if (end != std::string::npos) *target = rules.substr(b, end - b), *read = true;
    }
  }
  if (!read_ap || !read_aq) {
    std::string sysap, sysaq;
    if (fs_.read("/", "/sys/bus/ap/apmask", sysap) != 0 || fs_.read("/", "/sys/bus/ap/aqmask", sysaq) != 0)
      return false;
    if (!read_ap) ap = sysap;
    if (!read_aq) aq = sysaq;
  }
  arch::ApMask a, q;
  if (ap_parse_mask_str(ap, a) == 0 && ap_parse_mask_str(aq, q) == 0) {
    apm = a;
    aqm = q;
    return true;
  }
  return false;
}

std::vector<std::pair<std::string, std::string>> Mdevctl::get_attributes(const MDev& d) {
  std::vector<std::pair<std::string, std::string>> attrs;
  if (d.type != kApType) return attrs;
  ApDevice dev;
  std::string matrix, controls;
  fs_.read("/", kMdevBase + "/" + d.uuid + "/matrix", matrix);
  fs_.read("/", kMdevBase + "/" + d.uuid + "/control_domains", controls);
  std::stringstream ms(matrix), cs(controls);
  std::string line;
  while (std::getline(ms, line)) {
    // vfio_ap_parse_matrix: "AA.DDDD", "AA." or ".DDDD", hexadecimal.
    const size_t dot = line.find('.');
    if (dot == std::string::npos) continue;
    if (dot > 0) dev.adapters.insert(static_cast<unsigned>(std::strtol(line.substr(0, dot).c_str(), nullptr, 16)));
    if (dot + 1 < line.size()) dev.domains.insert(static_cast<unsigned>(std::strtol(line.substr(dot + 1).c_str(), nullptr, 16)));
  }
  while (std::getline(cs, line))
    if (!line.empty()) dev.controls.insert(static_cast<unsigned>(std::strtol(line.c_str(), nullptr, 16)));
  for (unsigned a : dev.adapters) attrs.emplace_back("assign_adapter", std::to_string(a));
  for (unsigned q : dev.domains) attrs.emplace_back("assign_domain", std::to_string(q));
  for (unsigned c : dev.controls) attrs.emplace_back("assign_control_domain", std::to_string(c));
  return attrs;
}

int Mdevctl::ap_check(const std::string& event, const std::string& action, const MDev& d, std::string&,
                      std::ostringstream& e) {
  if (d.type != kApType) return 2;  // APC_EXIT_UNKNOWN_TYPE
  if (d.parent != "matrix") {
    e << "Invalid parent specified\n";
    return 1;
  }
  if (event != "pre") return 0;  // post releases the lock; get is get_attributes
  const ApDevice dev = ap_device_of(d);
  auto other_configs = [&](int& rc) {
    // check_other_mdevs_cfg: every other start=auto vfio_ap config.
    std::vector<std::string> files;
    if (fs_.list("/", kConfigBase + "/matrix", files) != 0) return;
    for (const std::string& f : files) {
      if (!valid_uuid(f) || lower(f) == d.uuid) continue;
      MDev o;
      o.uuid = lower(f);
      try {
        load_from_json(o, "matrix", read_file(kConfigBase + "/matrix/" + f, ""));
      } catch (const Failure&) {
        continue;
      }
      if (o.type != kApType || !o.autostart) continue;
      const int r = ap_conflicts(dev, ap_device_of(o), f, true, e);
      if (rc == 0) rc = r;
    }
  };
  auto mask_conflicts = [&](bool persistent) {
    arch::ApMask apm, aqm;
    if (!read_masks(persistent, apm, aqm)) {
      e << "Error reading system AP settings\n";
      return -1;
    }
    ApDevice sys;
    for (unsigned a : apm.ids()) sys.adapters.insert(a);
    for (unsigned q : aqm.ids()) sys.domains.insert(q);
    return ap_conflicts(dev, sys, "", persistent, e);
  };
  if (action == "define" || action == "modify") {
    if (action == "define" && fs_.is_file(kConfigBase + "/matrix/" + d.uuid)) {
      e << "Config already exists\n";
      return 255;
    }
    if (action == "modify" && !fs_.is_file(kConfigBase + "/matrix/" + d.uuid)) {
      e << "Config doesn't exist\n";
      return 255;
    }
    int rc = 0;
    if (!dev.manual) {
      other_configs(rc);
      const int rc2 = mask_conflicts(true);
      if (rc == 0) rc = rc2;
    }
    return rc ? 255 : 0;
  }
  if (action == "start") {
    if (!fs_.is_dir("/sys/devices/vfio_ap")) {
      e << "vfio_ap module is not loaded\n";
      return 1;
    }
    if (dev.domains.empty() && !dev.controls.empty()) {
      e << "At least one usage domain must be specified\n";
      return 255;
    }
    // check_other_mdevs_sysfs: every other active mdev's matrix.
    int rc = 0;
    std::vector<std::string> names;
    fs_.list("/", "/sys/devices/vfio_ap/matrix", names);
    for (const std::string& n : names) {
      if (!valid_uuid(n) || n == d.uuid) continue;
      MDev o;
      o.uuid = n;
      o.type = kApType;
      ApDevice other;
      for (auto& [k, v] : get_attributes(o)) {
        if (k == "assign_adapter") other.adapters.insert(static_cast<unsigned>(std::stoul(v)));
        if (k == "assign_domain") other.domains.insert(static_cast<unsigned>(std::stoul(v)));
      }
      const int r = ap_conflicts(dev, other, n, false, e);
      if (rc == 0) rc = r;
    }
    const int rc2 = mask_conflicts(false);
    if (rc == 0) rc = rc2;
    return rc ? 255 : 0;
  }
  return 0;  // stop, undefine: the configuration lock only
}

}  // namespace

int mdevctl_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  return Mdevctl(s.kernel(), &s, *io.out, *io.err, io.in).main(argv);
}

void mdevctl_start_parent_mdevs(LinuxKernel& k, const std::string& parent, std::ostream& err) {
  std::ostringstream out;
  Mdevctl(k, nullptr, out, err).start_parent_mdevs(parent);
}

}  // namespace apsim::driver
