// driver/userspace/virsh.cpp — virsh (libvirt 9.0.0, Debian bookworm's) against the QEMU
// driver of this host: the domain lifecycle, device hot plug, and mediated node devices.
//
//   virsh define FILE | undefine DOMAIN | start DOMAIN | shutdown DOMAIN | destroy DOMAIN
//   virsh list [--all|--inactive] | domstate DOMAIN [--reason] | dumpxml DOMAIN [--inactive]
//   virsh attach-device|detach-device DOMAIN FILE [--live] [--config] [--current] [--persistent]
//   virsh nodedev-list [--cap CAP] [--all|--inactive] | nodedev-dumpxml DEVICE
//   virsh nodedev-define FILE | nodedev-start DEVICE
//   virsh qemu-monitor-command DOMAIN --hmp CMD
//
// Domains: persistent definitions live on the host's disk as libvirt keeps them,
// /etc/libvirt/qemu/NAME.xml (virDomainDefSave), so they survive a reboot; the running
// domains are the host's QEMU processes — those `virsh start` started from a definition
// (their live definitions are libvirtd's memory, driver/userspace/libvirtd.h) and, as apsim
// has always treated them, those started with qemu-system-s390x (transient domains of the
// same name).  `start` builds the QEMU command line libvirt builds (qemu_command.c): a
// vfio-ap <hostdev> becomes `-device vfio-ap,id=hostdev0,sysfsdev=/sys/bus/mdev/devices/UUID`.
//
// Node devices: libvirt's node device driver sees the active mdevs through udev (sysfs) and
// the defined ones through `mdevctl list --defined` (/etc/mdevctl.d); nodedev-define and
// nodedev-start run mdevctl (node_device_driver.c virMdevctlDefine, virMdevctlStart), here
// the host's mdevctl program.
//
// Sources, all libvirt 9.0.0: tools/virsh-domain.c (cmdDefine, cmdUndefine, cmdStart,
// cmdShutdown, cmdDestroy, cmdAttachDevice, cmdDetachDevice), tools/virsh-domain-monitor.c
// (cmdList, cmdDomstate, virshDomainSorter), tools/vsh-table.c (the list table),
// tools/virsh-nodedev.c, tools/vsh.c (option parsing, the empty line after each command),
// src/qemu/qemu_driver.c (qemuDomainCreateWithFlags, qemuDomainDestroyFlags,
// qemuDomainShutdownFlags, qemuDomainUndefineFlags, qemuDomainAttachDeviceLiveAndConfig,
// qemuDomainDetachDeviceLiveAndConfig), src/conf/domain_conf.c
// (virDomainObjUpdateModificationImpact), src/hypervisor/virhostdev.c, src/util/virmdev.c,
// src/node_device/node_device_driver.c and node_device_udev.c.  Output and errors were
// checked against virsh 9.0.0 itself where its test driver answers the same (define, list,
// domstate, dumpxml, start, destroy, undefine and their errors).
// As virsh does, each command's output is followed by an empty line (also when it fails);
// errors go to stderr as "error: ...": virsh's own line (vshError), then libvirt's error
// (vshReportError).
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <strings.h>

#include <nlohmann/json.hpp>

#include "driver/linux/kernel.h"
#include "driver/linux/kvm-s390.h"
#include "driver/linux/vfio_ap_private.h"
#include "driver/qemu/qemu.h"
#include "driver/userspace/libvirt_xml.h"
#include "driver/userspace/libvirtd.h"
#include "driver/userspace/programs.h"
#include "driver/userspace/session.h"

namespace apsim::driver {

namespace {

const std::string kConfigDir = "/etc/libvirt/qemu";
const std::string kMdevDevices = "/sys/bus/mdev/devices";
const std::string kMatrix = "/sys/devices/vfio_ap/matrix";
const std::string kZeroUuid = "00000000-0000-0000-0000-000000000000";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ---------------------------------------------------------------------------------------
// Command-line options (vsh.c vshCommandParse): --name VALUE, --name=VALUE, bare words fill
// the command's data options in order.
struct OptDef {
  std::string name;
  enum Kind { flag, string, data } kind;
  bool required = false;
};

class Opts {
 public:
  /// Parse `args` (args[0] is the command) against `defs`; false after printing vsh's error.
  bool parse(const std::vector<std::string>& args, const std::vector<OptDef>& defs, std::ostream& err) {
    const std::string& cmd = args[0];
    size_t next_data = 0;
    for (size_t i = 1; i < args.size(); ++i) {
      const std::string& a = args[i];
      if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
        std::string name = a.substr(2), value;
        bool inline_value = false;
        if (const size_t eq = name.find('='); eq != std::string::npos) {
          value = name.substr(eq + 1);
          name = name.substr(0, eq);
          inline_value = true;
        }
        const OptDef* d = find(defs, name);
        if (!d) {
          err << "error: command '" << cmd << "' doesn't support option --" << name << "\n";
          return false;
        }
        if (d->kind == OptDef::flag) {
          flags_.insert(name);
          continue;
        }
        if (!inline_value) {
          if (i + 1 >= args.size()) {
            err << "error: expected syntax: --" << name << " <string>\n";
            return false;
          }
          value = args[++i];
        }
        values_[name] = value;
        continue;
      }
      // A data option not given by name yet takes the word.
      const OptDef* d = nullptr;
      for (; next_data < defs.size(); ++next_data) {
        if (defs[next_data].kind == OptDef::data && !values_.count(defs[next_data].name)) {
          d = &defs[next_data++];
          break;
        }
      }
      if (!d) {
        err << "error: unexpected data '" << a << "'\n";
        return false;
      }
      values_[d->name] = a;
    }
    bool ok = true;
    for (const OptDef& d : defs) {
      if (d.required && !values_.count(d.name)) {
        err << "error: command '" << cmd << "' requires " << (d.kind == OptDef::data ? "<" + d.name + ">" : "--" + d.name)
            << " option\n";
        ok = false;
      }
    }
    return ok;
  }
  bool has(const std::string& name) const { return flags_.count(name) != 0; }
  std::string value(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? "" : it->second;
  }
  bool given(const std::string& name) const { return values_.count(name) != 0; }

 private:
  static const OptDef* find(const std::vector<OptDef>& defs, const std::string& name) {
    for (const OptDef& d : defs)
      if (d.name == name) return &d;
    return nullptr;
  }
  std::set<std::string> flags_;
  std::map<std::string, std::string> values_;
};

// vshTablePrint (vsh-table.c): each cell after a space, padded to its column's width plus
// two; the rule is each column's width plus three dashes.
std::string vsh_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  std::string o;
  auto row = [&](const std::vector<std::string>& r) {
    for (size_t i = 0; i < r.size(); ++i) {
      o += " " + r[i];
      if (i + 1 < r.size()) o += std::string(width[i] - r[i].size() + 2, ' ');
    }
    o += "\n";
  };
  row(rows[0]);
  for (size_t w : width) o += std::string(w + 3, '-');
  o += "\n";
  for (size_t i = 1; i < rows.size(); ++i) row(rows[i]);
  return o;
}

// ---------------------------------------------------------------------------------------
// The domains as libvirtd knows them.
struct Domain {
  std::string name, uuid;
  int id = -1;  ///< -1: shut off
  bool persistent = false;
  std::optional<DomainDef> config;  ///< the persistent definition
  std::optional<DomainDef> live;    ///< the running definition
  QemuProcess* qemu = nullptr;
  bool active() const { return id >= 0; }
};

/// A failed libvirt call: virsh's own line ("" = none), then libvirt's error.
struct CommandFailure {
  std::string virsh_line;
  LibvirtError error;
};

class Virsh {
 public:
  Virsh(Session& s, const CommandIo& io) : s_(s), out_(*io.out), err_(*io.err), in_(io.in), st_(s.libvirt()) {}
  int run(const std::vector<std::string>& args);

 private:
  // ---- domains ----
  void reconcile();
  std::vector<Domain> domains();
  /// virshLookupDomainBy: an id, a UUID, then a name.  Prints "failed to get domain" when none.
  std::optional<Domain> lookup(const std::string& key);
  std::optional<Domain> lookup_quiet(const std::string& key);
  DomainDef synthesize_live(const std::string& name, QemuProcess& q);
  void save_config(const DomainDef& def);
  std::string read_file(const std::string& path);
  /// virFileReadAll of a command's FILE (relative to virsh's working directory): false after
  /// vshReportError's "Failed to open|read file".
  bool read_xml_file(const std::string& path, std::string& xml);
  /// vshFindNodeDevice's failure, then virNodeDeviceLookupByName's error.
  int no_such_node_device(const std::string& name) {
    return fail({"Could not find matching device '" + name + "'",
                 {"Node device not found: no node device with matching name '" + name + "'"}});
  }
  ApMatrixMdev* find_mdev(const HostdevDef& h);
  void check_mdev_not_in_use(const ApMatrixMdev& m, const std::string& except);
  void hotplug(Domain& d, HostdevDef h);
  void hotunplug(Domain& d, const HostdevDef& h);

  // ---- commands ----
  int cmd_list(const std::vector<std::string>& args);
  int cmd_define(const std::vector<std::string>& args);
  int cmd_undefine(const std::vector<std::string>& args);
  int cmd_start(const std::vector<std::string>& args);
  int cmd_stop(const std::vector<std::string>& args);
  int cmd_domstate(const std::vector<std::string>& args);
  int cmd_dumpxml(const std::vector<std::string>& args);
  int cmd_device(const std::vector<std::string>& args);
  int cmd_monitor(const std::vector<std::string>& args);
  int cmd_nodedev_list(const std::vector<std::string>& args);
  int cmd_nodedev_dumpxml(const std::vector<std::string>& args);
  int cmd_nodedev_define(const std::vector<std::string>& args);
  int cmd_nodedev_start(const std::vector<std::string>& args);

  // ---- node devices ----
  struct NodeMdev {
    std::string uuid, type, parent_addr = "matrix";
    bool active = false, defined = false;
    std::string driver, path;
    int iommu_group = 0;
    std::vector<std::pair<std::string, std::string>> attrs;
    std::string name() const;
  };
  std::vector<NodeMdev> node_mdevs();
  /// Run the host's mdevctl as libvirt does (virCommandRun); its stdout, stderr, status.
  int mdevctl(const std::vector<std::string>& argv, const std::string& input, std::string& out, std::string& err);

  int fail(const CommandFailure& f) {
    if (!f.virsh_line.empty()) err_ << "error: " << f.virsh_line << "\n";
    err_ << "error: " << f.error.text << "\n";
    return 1;
  }

  Session& s_;
  std::ostream& out_;
  std::ostream& err_;
  std::istream* in_;
  LibvirtState& st_;
};

void Virsh::reconcile() {
  // A domain libvirt started whose QEMU process has ended (the guest powered off): QEMU's
  // SHUTDOWN event, qemuProcessStop with VIR_DOMAIN_SHUTOFF_SHUTDOWN.
  for (auto it = st_.running.begin(); it != st_.running.end();) {
    auto g = s_.guests().find(it->first);
    if (g == s_.guests().end() || g->second.qemu.get() != it->second.qemu) {
      st_.shutoff_reason[it->first] = "shutdown";
      it = st_.running.erase(it);
    } else {
      ++it;
    }
  }
}

std::string Virsh::read_file(const std::string& path) {
  std::string text;
  s_.kernel().sysfs().read("/", path, text);
  return text;
}

bool Virsh::read_xml_file(const std::string& path, std::string& xml) {
  if (int rc = s_.kernel().sysfs().read(s_.cwd(), path, xml); rc < 0) {
    err_ << "error: Failed to " << (rc == -EISDIR ? "read" : "open") << " file '" << path << "': " << std::strerror(-rc)
         << "\n";
    return false;
  }
  return true;
}

DomainDef Virsh::synthesize_live(const std::string& name, QemuProcess& q) {
  // A guest started from a QEMU command line: what libvirt would read of it.  QEMU's UUID is
  // all zeros without -uuid.
  DomainDef d;
  d.name = name;
  d.uuid = kZeroUuid;
  d.memory_kib = d.current_memory_kib = q.vm().mem_bytes() / 1024;
  if (q.mdev()) {
    HostdevDef h;
    h.model = "vfio-ap";
    h.uuid = q.mdev()->uuid;
    h.alias = q.device_id().empty() ? "hostdev0" : q.device_id();
    d.hostdevs.push_back(h);
  }
  return d;
}

std::vector<Domain> Virsh::domains() {
  reconcile();
  std::map<std::string, Domain> by_name;
  std::vector<std::string> files;
  s_.kernel().sysfs().list("/", kConfigDir, files);
  for (const std::string& f : files) {
    if (f.size() <= 4 || f.compare(f.size() - 4, 4, ".xml") != 0) continue;
    try {
      // virDomainObjListLoadAllConfigs: a file that does not parse is skipped.
      DomainDef def = parse_domain_xml(read_file(kConfigDir + "/" + f), [] { return kZeroUuid; });
      Domain d;
      d.name = def.name;
      d.uuid = def.uuid;
      d.persistent = true;
      d.config = def;
      by_name[d.name] = d;
    } catch (const LibvirtError&) {
    }
  }
  for (auto& [name, g] : s_.guests()) {
    Domain& d = by_name[name];
    d.name = name;
    d.id = g.qemu->domain_id();
    d.qemu = g.qemu.get();
    auto r = st_.running.find(name);
    d.live = r != st_.running.end() ? r->second.live : synthesize_live(name, *g.qemu);
    d.uuid = d.live->uuid;
  }
  std::vector<Domain> v;
  for (auto& [n, d] : by_name) v.push_back(d);
  return v;
}

std::optional<Domain> Virsh::lookup_quiet(const std::string& key) {
  std::vector<Domain> all = domains();
  // virshLookupDomainBy: by id when the key is a number, then by UUID, then by name.
  if (!key.empty() && std::all_of(key.begin(), key.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    for (const Domain& d : all)
      if (d.active() && std::to_string(d.id) == key) return d;
  }
  for (const Domain& d : all)
    if (d.uuid == lower(key)) return d;
  for (const Domain& d : all)
    if (d.name == key) return d;
  return std::nullopt;
}

std::optional<Domain> Virsh::lookup(const std::string& key) {
  auto d = lookup_quiet(key);
  if (!d) err_ << "error: failed to get domain '" << key << "'\n";
  return d;
}

void Virsh::save_config(const DomainDef& def) {
  // virDomainDefSave -> virXMLSaveFile: the warning prologue, then the inactive XML.
  Sysfs& fs = s_.kernel().sysfs();
  fs.make_dir("/", kConfigDir, true);
  const std::string text = "<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"
                           "OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n"
                           "  virsh edit " + def.name + "\nor other application using the libvirt API.\n-->\n\n" +
                           format_domain_xml(def);
  if (int rc = fs.write_file("/", kConfigDir + "/" + def.name + ".xml", text); rc < 0)
    throw LibvirtError{"cannot create file '" + kConfigDir + "/" + def.name + ".xml': " + std::strerror(-rc)};
}

// virMediatedDeviceNew and virMediatedDeviceGetIOMMUGroupDev's checks: the mdev's sysfs
// directory exists and its device_api is the model's (virMediatedDeviceCheckModel).
ApMatrixMdev* Virsh::find_mdev(const HostdevDef& h) {
  ApMatrixMdev* m = s_.kernel().vfio_ap() ? s_.kernel().vfio_ap()->mdev(h.uuid) : nullptr;
  if (!m) throw LibvirtError{"device not found: mediated device '" + h.uuid + "' not found"};
  if (h.model != "vfio-ap")
    throw LibvirtError{"internal error: invalid device API '" + h.model + "' for device " + kMdevDevices + "/" +
                       h.uuid + ": device only supports 'vfio-ap'"};
  return m;
}

// virHostdevPrepareMediatedDevices: a device on libvirt's list of active mdevs belongs to
// that domain (virMediatedDeviceIsUsed).
void Virsh::check_mdev_not_in_use(const ApMatrixMdev& m, const std::string& except) {
  for (auto& [name, g] : s_.guests()) {
    if (name != except && g.qemu->mdev() == &m)
      throw LibvirtError{"Requested operation is not valid: mediated device " + kMdevDevices + "/" + m.uuid +
                         " is in use by driver QEMU, domain " + name};
  }
}

// qemuMonitorJSONCheckError: a QEMU error as libvirt reports it ("Error: X\n" from HMP -> X).
LibvirtError qemu_error(const std::string& command, std::string hmp_text) {
  if (hmp_text.rfind("Error: ", 0) == 0) hmp_text.erase(0, 7);
  while (!hmp_text.empty() && hmp_text.back() == '\n') hmp_text.pop_back();
  return LibvirtError{"internal error: unable to execute QEMU command '" + command + "': " + hmp_text};
}

// qemuDomainAttachHostDevice for a vfio-ap mdev: prepare (exists, not in use), the alias
// (qemuAssignDeviceHostdevAlias: hostdevN, the lowest N free), device_add.
void Virsh::hotplug(Domain& d, HostdevDef h) {
  ApMatrixMdev* m = find_mdev(h);
  check_mdev_not_in_use(*m, "");
  std::set<std::string> taken;
  for (const HostdevDef& o : d.live->hostdevs) taken.insert(o.alias);
  int n = 0;
  while (taken.count("hostdev" + std::to_string(n))) ++n;
  h.alias = "hostdev" + std::to_string(n);
  const std::string spec = "vfio-ap,id=" + h.alias + ",sysfsdev=" + kMdevDevices + "/" + m->uuid;
  if (std::string e = d.qemu->device_add(spec); !e.empty()) throw qemu_error("device_add", e);
  d.live->hostdevs.push_back(h);
}

// qemuDomainDetachPrepHostdev finds the device by its source, then device_del by its alias.
void Virsh::hotunplug(Domain& d, const HostdevDef& h) {
  auto it = std::find_if(d.live->hostdevs.begin(), d.live->hostdevs.end(),
                         [&](const HostdevDef& o) { return o.uuid == h.uuid && o.model == h.model; });
  if (it == d.live->hostdevs.end() || !d.qemu->mdev())
    throw LibvirtError{"device not found: mediated device '" + h.uuid + "' not found"};
  // A guest started from a QEMU command line may have no id: libvirt's own alias reaches it.
  const std::string e = d.qemu->device_id().empty() ? d.qemu->unplug_device() : d.qemu->device_del(d.qemu->device_id());
  if (!e.empty()) throw qemu_error("device_del", e);
  d.live->hostdevs.erase(it);
}

// ---------------------------------------------------------------------------------------
// commands

int Virsh::cmd_list(const std::vector<std::string>& args) {
  Opts o;
  if (!o.parse(args, {{"all", OptDef::flag}, {"inactive", OptDef::flag}, {"state-running", OptDef::flag},
                      {"state-shutoff", OptDef::flag}, {"persistent", OptDef::flag}, {"transient", OptDef::flag},
                      {"name", OptDef::flag}, {"uuid", OptDef::flag}},
               err_))
    return 1;
  const bool all = o.has("all"), inactive = o.has("inactive");
  std::vector<Domain> v;
  for (Domain& d : domains()) {
    const bool want = all ? true : inactive ? !d.active() : d.active();
    if (!want) continue;
    if (o.has("state-running") && !d.active()) continue;
    if (o.has("state-shutoff") && d.active()) continue;
    if (o.has("persistent") && !d.persistent) continue;
    if (o.has("transient") && d.persistent) continue;
    v.push_back(d);
  }
  // virshDomainSorter: running domains by id, then the others by name.
  std::sort(v.begin(), v.end(), [](const Domain& a, const Domain& b) {
    if (a.active() && b.active()) return a.id < b.id;
    if (a.active() != b.active()) return a.active();
    return strcasecmp(a.name.c_str(), b.name.c_str()) < 0;
  });
  if (o.has("name") || o.has("uuid")) {
    for (const Domain& d : v) out_ << (o.has("uuid") ? d.uuid : d.name) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"Id", "Name", "State"}};
  for (const Domain& d : v) rows.push_back({d.active() ? std::to_string(d.id) : "-", d.name, d.active() ? "running" : "shut off"});
  out_ << vsh_table(rows);
  return 0;
}

int Virsh::cmd_define(const std::vector<std::string>& args) {
  Opts o;
  if (!o.parse(args, {{"file", OptDef::data, true}, {"validate", OptDef::flag}}, err_)) return 1;
  const std::string from = o.value("file");
  std::string xml;
  if (!read_xml_file(from, xml)) return 1;
  try {
    DomainDef def = parse_domain_xml(xml, [this] { return s_.kernel().random_uuid(); });
    // virDomainObjListAdd: a domain of that name must have that UUID, and a UUID one name.
    for (const Domain& d : domains()) {
      if (d.name == def.name && d.uuid != def.uuid)
        throw LibvirtError{"operation failed: domain '" + def.name + "' already exists with uuid " + d.uuid};
      if (d.uuid == def.uuid && d.name != def.name)
        throw LibvirtError{"operation failed: domain '" + d.name + "' already exists with uuid " + d.uuid};
    }
    save_config(def);
    st_.shutoff_reason.erase(def.name);
    out_ << "Domain '" << def.name << "' defined from " << from << "\n";
    return 0;
  } catch (const LibvirtError& e) {
    return fail({"Failed to define domain from " + from, e});
  }
}

int Virsh::cmd_undefine(const std::vector<std::string>& args) {
  Opts o;
  if (!o.parse(args, {{"domain", OptDef::data, true}, {"managed-save", OptDef::flag}, {"nvram", OptDef::flag},
                      {"keep-nvram", OptDef::flag}, {"snapshots-metadata", OptDef::flag},
                      {"checkpoints-metadata", OptDef::flag}, {"tpm", OptDef::flag}, {"keep-tpm", OptDef::flag}},
               err_))
    return 1;
  auto d = lookup(o.value("domain"));
  if (!d) return 1;
  // cmdUndefine prints the name it was given.
  const std::string name = o.value("domain");
  if (!d->persistent)
    return fail({"Failed to undefine domain '" + name + "'",
                 {"Requested operation is not valid: cannot undefine transient domain"}});
  s_.kernel().sysfs().unlink("/", kConfigDir + "/" + d->name + ".xml");
  st_.shutoff_reason.erase(d->name);
  out_ << "Domain '" << name << "' has been undefined\n";
  return 0;
}

int Virsh::cmd_start(const std::vector<std::string>& args) {
  Opts o;
  if (!o.parse(args, {{"domain", OptDef::data, true}, {"console", OptDef::flag}, {"paused", OptDef::flag},
                      {"autodestroy", OptDef::flag}, {"bypass-cache", OptDef::flag}, {"force-boot", OptDef::flag}},
               err_))
    return 1;
  auto d = lookup(o.value("domain"));
  if (!d) return 1;
  // cmdStart asks for the domain's id first: virsh's own refusal, no libvirt call.  (Not
  // "Requested operation is not valid: domain is already running": that is
  // qemuDomainCreateWithFlags's, which virsh 9.0 does not reach for an active domain.)
  if (d->active()) {
    err_ << "error: Domain is already active\n";
    return 1;
  }
  const std::string failed = "Failed to start domain '" + d->name + "'";
  try {
    DomainDef live = *d->config;
    // qemuProcessPrepareHostdev / virHostdevPrepareMediatedDevices, then the aliases.
    for (size_t i = 0; i < live.hostdevs.size(); ++i) {
      check_mdev_not_in_use(*find_mdev(live.hostdevs[i]), "");
      live.hostdevs[i].alias = "hostdev" + std::to_string(i);
    }
    // qemuBuildCommandLine, the parts apsim's QEMU reads.  libvirt 9.0 gives QEMU 7.2 each
    // -device as JSON ({"driver":"vfio-ap","id":"hostdev0","sysfsdev":...}); apsim's QEMU
    // reads the same properties in the key=value form QEMU also accepts.
    std::vector<std::string> argv = {live.emulator, "-name", "guest=" + live.name + ",debug-threads=on",
                                     "-machine", live.machine, "-accel", live.virt_type == "kvm" ? "kvm" : "tcg"};
    if (const std::string cpu = live.qemu_cpu(); !cpu.empty()) argv.insert(argv.end(), {"-cpu", cpu});
    argv.insert(argv.end(), {"-m", std::to_string(live.memory_kib / 1024), "-smp", std::to_string(live.vcpus), "-uuid",
                             live.uuid, "-nodefaults"});
    for (const HostdevDef& h : live.hostdevs)
      argv.insert(argv.end(), {"-device", "vfio-ap,id=" + h.alias + ",sysfsdev=" + kMdevDevices + "/" + h.uuid});
    // QEMU's errors reach libvirt through its log (qemuProcessReportLogError).
    std::ostringstream qemu_err;
    if (s_.start_guest(argv, qemu_err) != 0) {
      std::string e = qemu_err.str();
      while (!e.empty() && e.back() == '\n') e.pop_back();
      throw LibvirtError{"internal error: qemu unexpectedly closed the monitor: " + e};
    }
    auto& g = s_.guests().at(live.name);
    st_.running[live.name] = {live, g.qemu.get()};
    st_.shutoff_reason.erase(live.name);
  } catch (const LibvirtError& e) {
    return fail({failed, e});
  }
  out_ << "Domain '" << d->name << "' started\n";
  return 0;
}

int Virsh::cmd_stop(const std::vector<std::string>& args) {
  const bool destroy = args[0] == "destroy";
  Opts o;
  if (!o.parse(args, {{"domain", OptDef::data, true}, {"graceful", OptDef::flag}, {"remove-logs", OptDef::flag},
                      {"mode", OptDef::string}},
               err_))
    return 1;
  const std::string name = o.value("domain");  // cmdDestroy/cmdShutdown print it as given
  auto d = lookup(name);
  if (!d) return 1;
  if (!d->active())
    return fail({std::string("Failed to ") + (destroy ? "destroy" : "shutdown") + " domain '" + name + "'",
                 {"Requested operation is not valid: domain is not running"}});
  // destroy: SIGTERM to QEMU (qemuProcessStop, VIR_DOMAIN_SHUTOFF_DESTROYED).  shutdown:
  // system_powerdown; the guest powers off and QEMU exits (VIR_DOMAIN_SHUTOFF_SHUTDOWN); the
  // guest runs no command of its own meanwhile, so both end the process here.
  s_.guests().erase(d->name);
  st_.running.erase(d->name);
  if (d->persistent) st_.shutoff_reason[d->name] = destroy ? "destroyed" : "shutdown";
  out_ << "Domain '" << name << "' " << (destroy ? "destroyed" : "is being shutdown") << "\n";
  return 0;
}

int Virsh::cmd_domstate(const std::vector<std::string>& args) {
  Opts o;
  if (!o.parse(args, {{"domain", OptDef::data, true}, {"reason", OptDef::flag}}, err_)) return 1;
  auto d = lookup(o.value("domain"));
  if (!d) return 1;
  // virshDomainStateToString, virshDomainStateReasonToString.
  std::string state = d->active() ? "running" : "shut off", reason = "booted";
  if (!d->active()) {
    auto r = st_.shutoff_reason.find(d->name);
    reason = r == st_.shutoff_reason.end() ? "unknown" : r->second;
  }
  out_ << state << (o.has("reason") ? " (" + reason + ")" : "") << "\n";
  return 0;
}

int Virsh::cmd_dumpxml(const std::vector<std::string>& args) {
  Opts o;
  if (!o.parse(args, {{"domain", OptDef::data, true}, {"inactive", OptDef::flag}, {"security-info", OptDef::flag},
                      {"migratable", OptDef::flag}},
               err_))
    return 1;
  auto d = lookup(o.value("domain"));
  if (!d) return 1;
  // --inactive of a running persistent domain: its next boot's definition.
  if (d->active() && !(o.has("inactive") && d->config)) out_ << format_domain_xml(*d->live, d->id);
  else out_ << format_domain_xml(d->config ? *d->config : *d->live);
  return 0;
}

// cmdAttachDevice / cmdDetachDevice, then qemuDomainAttachDeviceFlags /
// qemuDomainDetachDeviceFlags.
int Virsh::cmd_device(const std::vector<std::string>& args) {
  const bool attach = args[0] == "attach-device";
  Opts o;
  if (!o.parse(args, {{"domain", OptDef::data, true}, {"file", OptDef::data, true}, {"persistent", OptDef::flag},
                      {"config", OptDef::flag}, {"live", OptDef::flag}, {"current", OptDef::flag}},
               err_))
    return 1;
  // VSH_EXCLUSIVE_OPTIONS_VAR, in cmdAttachDevice's order.
  for (auto [a, b] : {std::pair<const char*, const char*>{"persistent", "current"}, {"current", "live"},
                      {"current", "config"}}) {
    if (o.has(a) && o.has(b)) {
      err_ << "error: Options --" << a << " and --" << b << " are mutually exclusive\n";
      return 1;
    }
  }
  auto d = lookup(o.value("domain"));
  if (!d) return 1;
  const std::string file = o.value("file");
  bool live = o.has("live"), config = o.has("config") || o.has("persistent");
  if (o.has("persistent") && d->active()) live = true;
  std::string xml;
  if (!read_xml_file(file, xml)) return 1;
  const std::string failed = std::string("Failed to ") + (attach ? "attach" : "detach") + " device from " + file;
  try {
    // No option at all: virDomainAttachDevice / virDomainDetachDevice, which the QEMU driver
    // runs as VIR_DOMAIN_AFFECT_LIVE; --current: virDomainObjUpdateModificationImpact picks.
    if (!live && !config && !o.has("current")) live = true;
    if (!live && !config) (d->active() ? live : config) = true;
    if (!d->active() && live) throw LibvirtError{"Requested operation is not valid: domain is not running"};
    if (!d->persistent && config)
      throw LibvirtError{"Requested operation is not valid: transient domains do not have any persistent config"};
    const DeviceXml dev = parse_device_xml(xml);
    // apsim models hot plug of vfio-ap mdev hostdevs only: another device is refused with the
    // words libvirt has for a device it cannot hot plug (qemuDomainAttachDeviceLive's default).
    if (!dev.is_mdev_hostdev)
      throw LibvirtError{std::string("Operation not supported: ") + (config && !live ? "persistent" : "live") + " " +
                         (attach ? "attach" : "detach") + " of device '" + dev.root + "' is not supported"};
    const HostdevDef& h = dev.hostdev;
    DomainDef newconf = d->config ? *d->config : DomainDef{};
    auto in_config = [&] {
      return std::find_if(newconf.hostdevs.begin(), newconf.hostdevs.end(),
                          [&](const HostdevDef& x) { return x.uuid == h.uuid && x.model == h.model; });
    };
    if (config) {  // qemuDomainAttachDeviceConfig / qemuDomainDetachDeviceConfig
      if (attach) {
        if (in_config() != newconf.hostdevs.end())
          throw LibvirtError{"Requested operation is not valid: device is already in the domain configuration"};
        newconf.hostdevs.push_back(h);
        unsigned ap = 0;
        for (const HostdevDef& x : newconf.hostdevs) ap += x.model == "vfio-ap";
        if (ap > 1) throw LibvirtError{"unsupported configuration: Only one hostdev of model vfio-ap is supported"};
      } else {
        auto it = in_config();
        if (it == newconf.hostdevs.end())
          throw LibvirtError{"device not found: device not present in domain configuration"};
        newconf.hostdevs.erase(it);
      }
    }
    if (live) {
      if (attach) hotplug(*d, h);
      else hotunplug(*d, h);
      st_.running[d->name] = {*d->live, d->qemu};
    }
    if (config) save_config(newconf);
  } catch (const LibvirtError& e) {
    return fail({failed, e});
  }
  out_ << (attach ? "Device attached successfully\n" : "Device detached successfully\n");
  return 0;
}

int Virsh::cmd_monitor(const std::vector<std::string>& args) {
  std::string name, command;
  bool hmp = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--hmp") hmp = true;
    else if (args[i] == "--pretty") continue;
    else if (args[i] == "--domain" && i + 1 < args.size()) name = args[++i];
    else if (name.empty()) name = args[i];
    else command += (command.empty() ? "" : " ") + args[i];
  }
  if (name.empty() || command.empty()) {
    err_ << "error: command 'qemu-monitor-command' requires <" << (name.empty() ? "domain" : "cmd") << "> option\n";
    return 1;
  }
  auto d = lookup(name);
  if (!d) return 1;
  if (!d->active()) return fail({"", {"Requested operation is not valid: domain is not running"}});
  if (!hmp) {
    err_ << "error: internal error: cannot parse json " << command << ": lexical error: invalid char in json text.\n";
    return 1;
  }
  out_ << d->qemu->hmp(command) << "\n";
  // A device the monitor added or removed is not libvirt's: its live definition follows
  // QEMU's (qemuDomainUpdateDeviceList).
  if (auto r = st_.running.find(d->name); r != st_.running.end()) {
    r->second.live.hostdevs.clear();
    if (d->qemu->mdev()) {
      HostdevDef h;
      h.model = "vfio-ap";
      h.uuid = d->qemu->mdev()->uuid;
      h.alias = d->qemu->device_id();
      r->second.live.hostdevs.push_back(h);
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------
// node devices

// nodeDeviceGenerateName: "mdev_" UUID "_" parent address, every character that is not
// alphanumeric as '_' (udevProcessMediatedDevice, mdevGenerateDeviceName).
std::string Virsh::NodeMdev::name() const {
  std::string n = "mdev_" + uuid + "_" + parent_addr;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

std::vector<Virsh::NodeMdev> Virsh::node_mdevs() {
  Sysfs& fs = s_.kernel().sysfs();
  std::map<std::string, NodeMdev> by_uuid;
  // udev: the active mdevs under the matrix device, with the driver (uevent DRIVER=) and
  // the IOMMU group (the iommu_group link's last component).
  std::vector<std::string> names;
  fs.list("/", kMatrix, names);
  for (const std::string& n : names) {
    if (!fs.is_dir(kMatrix + "/" + n) || !fs.exists(kMatrix + "/" + n + "/mdev_type")) continue;
    NodeMdev m;
    m.uuid = n;
    m.active = true;
    m.path = kMatrix + "/" + n;
    std::string target;
    fs.readlink("/", m.path + "/mdev_type", target);
    m.type = target.substr(target.rfind('/') + 1);
    std::string uevent;
    fs.read("/", m.path + "/uevent", uevent);
    if (size_t p = uevent.find("DRIVER="); p != std::string::npos)
      m.driver = uevent.substr(p + 7, uevent.find('\n', p) - p - 7);
    if (fs.readlink("/", m.path + "/iommu_group", target) == 0)
      m.iommu_group = std::atoi(target.substr(target.rfind('/') + 1).c_str());
    by_uuid[n] = m;
  }
  // `mdevctl list --defined --dumpjson`: the definitions under /etc/mdevctl.d/<parent>/, whose
  // attributes (and type) the node device driver copies onto an active device of the same
  // UUID (nodeDeviceDefCopyFromMdevctl).
  std::vector<std::string> parents;
  fs.list("/", "/etc/mdevctl.d", parents);
  for (const std::string& p : parents) {
    std::vector<std::string> uuids;
    fs.list("/", "/etc/mdevctl.d/" + p, uuids);
    for (const std::string& u : uuids) {
      NodeMdev& m = by_uuid[u];
      m.uuid = u;
      m.parent_addr = p;
      m.defined = true;
      if (!m.active) m.driver = "vfio_mdev";  // nodeDeviceUpdateMediatedDevice
      std::string text;
      fs.read("/", "/etc/mdevctl.d/" + p + "/" + u, text);
      // The JSON mdevctl writes: "mdev_type", "start", "attrs": [{"name": "value"}, ...].
      const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
      if (j.is_discarded() || !j.is_object()) continue;
      if (j.contains("mdev_type") && j["mdev_type"].is_string()) m.type = j["mdev_type"].get<std::string>();
      m.attrs.clear();
      if (j.contains("attrs") && j["attrs"].is_array())
        for (const auto& a : j["attrs"])
          if (a.is_object() && a.size() == 1 && a.begin().value().is_string())
            m.attrs.emplace_back(a.begin().key(), a.begin().value().get<std::string>());
    }
  }
  std::vector<NodeMdev> v;
  for (auto& [u, m] : by_uuid) v.push_back(m);
  return v;
}

int Virsh::mdevctl(const std::vector<std::string>& argv, const std::string& input, std::string& out, std::string& err) {
  std::istringstream in(input);
  std::ostringstream o, e;
  CommandIo io{&in, &o, &e};
  const int rc = mdevctl_main(s_, argv, io);
  out = o.str();
  err = e.str();
  return rc;
}

int Virsh::cmd_nodedev_list(const std::vector<std::string>& args) {
  Opts o;
  if (!o.parse(args, {{"tree", OptDef::flag}, {"cap", OptDef::string}, {"inactive", OptDef::flag}, {"all", OptDef::flag}},
               err_))
    return 1;
  if (o.has("all") && o.has("inactive")) {
    err_ << "error: Option --all is incompatible with --inactive\n";
    return 1;
  }
  // virNodeDevCapTypeFromString: the capability names libvirt knows; apsim has devices of
  // the AP ones (docs/vfio-ap.md "Not modelled": the others list nothing).
  static const std::set<std::string> known = {"system",   "pci",      "usb_device", "usb", "net",     "scsi_host",
                                              "scsi_target", "scsi",   "storage",    "fc_host", "vports",
                                              "scsi_generic", "drm",   "mdev_types", "mdev", "ccw", "css", "vdpa",
                                              "ap_card",  "ap_queue", "ap_matrix", "vpd"};
  std::set<std::string> caps;
  std::stringstream ss(o.value("cap"));
  for (std::string c; std::getline(ss, c, ',');) {
    if (c.empty()) continue;
    if (!known.count(c)) {
      err_ << "error: Invalid capability type\n";
      return 1;
    }
    caps.insert(c);
  }
  const bool want_active = !o.has("inactive"), want_inactive = o.has("inactive") || o.has("all");
  auto wanted = [&](const std::string& cap, bool active) {
    return (caps.empty() || caps.count(cap)) && (active ? want_active : want_inactive);
  };
  std::vector<std::string> names;
  Sysfs& fs = s_.kernel().sysfs();
  if (wanted("system", true)) names.push_back("computer");
  // udev's AP devices: cards ap_cardXX, queues ap_XX_YYYY (udevGenerateDeviceName), the matrix.
  std::vector<std::string> devs;
  fs.list("/", "/sys/bus/ap/devices", devs);
  for (const std::string& d : devs) {
    const bool card = d.compare(0, 4, "card") == 0;
    if (wanted(card ? "ap_card" : "ap_queue", true)) {
      std::string n = "ap_" + d;
      for (char& c : n)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      names.push_back(n);
    }
  }
  if (fs.is_dir(kMatrix) && wanted("ap_matrix", true)) names.push_back("ap_matrix");
  for (const NodeMdev& m : node_mdevs())
    if (wanted("mdev", m.active)) names.push_back(m.name());
  // virshNodeDeviceSorter: by name, case-insensitively.
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) { return strcasecmp(a.c_str(), b.c_str()) < 0; });
  for (const std::string& n : names) out_ << n << "\n";
  return 0;
}

int Virsh::cmd_nodedev_dumpxml(const std::vector<std::string>& args) {
  Opts o;
  if (!o.parse(args, {{"device", OptDef::data, true}}, err_)) return 1;
  const std::string name = o.value("device");
  for (const NodeMdev& m : node_mdevs()) {
    if (m.name() != name) continue;
    // virNodeDeviceDefFormat and virNodeDeviceCapMdevDefFormat.
    out_ << "<device>\n  <name>" << name << "</name>\n";
    if (m.active) out_ << "  <path>" << m.path << "</path>\n";
    out_ << "  <parent>ap_matrix</parent>\n";
    out_ << "  <driver>\n    <name>" << m.driver << "</name>\n  </driver>\n";
    out_ << "  <capability type='mdev'>\n";
    out_ << "    <type id='" << xml_escape(m.type) << "'/>\n";
    out_ << "    <uuid>" << m.uuid << "</uuid>\n";
    out_ << "    <parent_addr>" << m.parent_addr << "</parent_addr>\n";
    out_ << "    <iommuGroup number='" << m.iommu_group << "'/>\n";
    for (auto& [k, v] : m.attrs) out_ << "    <attr name='" << k << "' value='" << v << "'/>\n";
    out_ << "  </capability>\n</device>\n";
    return 0;
  }
  if (name == "ap_matrix" && s_.kernel().sysfs().is_dir(kMatrix)) {
    std::string avail;
    s_.kernel().sysfs().read("/", kMatrix + "/mdev_supported_types/vfio_ap-passthrough/available_instances", avail);
    while (!avail.empty() && avail.back() == '\n') avail.pop_back();
    // virNodeDeviceCapAPMatrixDefFormat with its mdev_types (virNodeDeviceCapMdevTypesFormat).
    out_ << "<device>\n  <name>ap_matrix</name>\n  <path>" << kMatrix << "</path>\n  <parent>computer</parent>\n"
         << "  <driver>\n    <name>vfio_ap</name>\n  </driver>\n  <capability type='ap_matrix'>\n"
         << "    <capability type='mdev_types'>\n      <type id='vfio_ap-passthrough'>\n"
         << "        <name>VFIO AP Passthrough Device</name>\n        <deviceAPI>vfio-ap</deviceAPI>\n"
         << "        <availableInstances>" << avail << "</availableInstances>\n      </type>\n"
         << "    </capability>\n  </capability>\n</device>\n";
    return 0;
  }
  return no_such_node_device(name);
}

int Virsh::cmd_nodedev_define(const std::vector<std::string>& args) {
  Opts o;
  if (!o.parse(args, {{"file", OptDef::data, true}, {"validate", OptDef::flag}}, err_)) return 1;
  const std::string from = o.value("file");
  std::string xml;
  if (!read_xml_file(from, xml)) return 1;
  try {
    bool has_mdev = false;
    NodeDevMdevDef def = parse_nodedev_xml(xml, has_mdev);
    // nodeDeviceDefValidateMdev (the parser's validate callback), then nodeDeviceDefineXML.
    if (has_mdev) {
      if (def.parent.empty()) throw LibvirtError{"unsupported configuration: missing parent device"};
      if (def.parent != "ap_matrix" || !s_.kernel().sysfs().is_dir(kMatrix))
        throw LibvirtError{"unsupported configuration: invalid parent device '" + def.parent + "'"};
    }
    if (!has_mdev) throw LibvirtError{"unsupported configuration: Unsupported device type"};
    // virMdevctlDefine: `mdevctl define --parent ADDR --jsonfile /dev/stdin [--uuid U]` with
    // nodeDeviceDefToMdevctlConfig's JSON on its standard input; stdout names a new UUID.
    nlohmann::ordered_json cfg{{"mdev_type", def.type}, {"start", "manual"}};
    if (!def.attrs.empty()) {
      cfg["attrs"] = nlohmann::ordered_json::array();
      for (auto& [k, v] : def.attrs) cfg["attrs"].push_back(nlohmann::ordered_json{{k, v}});
    }
    const std::string json = cfg.dump();  // virJSONValueToString(json, false): compact
    std::vector<std::string> argv = {"mdevctl", "define", "--parent=matrix", "--jsonfile=/dev/stdin"};
    if (!def.uuid.empty()) argv.push_back("--uuid=" + def.uuid);
    std::string out, err;
    if (mdevctl(argv, json, out, err) != 0)
      throw LibvirtError{"internal error: Unable to define mediated device: " + (err.empty() ? "Unknown error" : err)};
    while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
    NodeMdev m;
    m.uuid = out.empty() ? def.uuid : out;
    out_ << "Node device '" << m.name() << "' defined from '" << from << "'\n";
    return 0;
  } catch (const LibvirtError& e) {
    return fail({"Failed to define node device from '" + from + "'", e});
  }
}

int Virsh::cmd_nodedev_start(const std::vector<std::string>& args) {
  Opts o;
  if (!o.parse(args, {{"device", OptDef::data, true}}, err_)) return 1;
  const std::string name = o.value("device");
  for (const NodeMdev& m : node_mdevs()) {
    if (m.name() != name) continue;
    // nodeDeviceCreate: an active device is refused; else virMdevctlStart.
    if (m.active) return fail({"Failed to start device " + name, {"Requested operation is not valid: Device is already active"}});
    std::string out, err;
    if (mdevctl({"mdevctl", "start", "--uuid=" + m.uuid}, "", out, err) != 0)
      return fail({"Failed to start device " + name,
                   {"internal error: Unable to create mediated device: " + (err.empty() ? "Unknown error" : err)}});
    out_ << "Device " << name << " started\n";
    return 0;
  }
  return no_such_node_device(name);
}

int Virsh::run(const std::vector<std::string>& args) {
  const std::string& cmd = args[0];
  if (cmd == "list") return cmd_list(args);
  if (cmd == "define") return cmd_define(args);
  if (cmd == "undefine") return cmd_undefine(args);
  if (cmd == "start") return cmd_start(args);
  if (cmd == "destroy" || cmd == "shutdown") return cmd_stop(args);
  if (cmd == "domstate") return cmd_domstate(args);
  if (cmd == "dumpxml") return cmd_dumpxml(args);
  if (cmd == "attach-device" || cmd == "detach-device") return cmd_device(args);
  if (cmd == "qemu-monitor-command") return cmd_monitor(args);
  if (cmd == "nodedev-list") return cmd_nodedev_list(args);
  if (cmd == "nodedev-dumpxml") return cmd_nodedev_dumpxml(args);
  if (cmd == "nodedev-define") return cmd_nodedev_define(args);
  if (cmd == "nodedev-start") return cmd_nodedev_start(args);
  err_ << "error: unknown command: '" << cmd << "'\n";
  return 1;
}

}  // namespace

int virsh_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  const std::vector<std::string> args(argv.begin() + 1, argv.end());
  if (args.empty()) {
    *io.err << "error: virsh is interactive only with a terminal; give a command\n";
    return 1;
  }
  const int rc = Virsh(s, io).run(args);
  *io.out << "\n";  // vshCommandRun: an empty line after each command, also a failed one
  return rc;
}

}  // namespace apsim::driver
