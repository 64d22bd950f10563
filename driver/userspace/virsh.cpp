// driver/userspace/virsh.cpp — virsh, for the guests this host's QEMU processes run.
//
// apsim treats every guest started with qemu-system-s390x as a libvirt domain of the same
// name (the seed documents start guests both ways).  Commands:
//   virsh list [--all]                          the running domains
//   virsh destroy NAME                          QEMU ends at once
//   virsh shutdown NAME                         the guest shuts down, then QEMU ends
//   virsh qemu-monitor-command NAME --hmp CMD   HMP: device_add / device_del (seed 001)
//   virsh attach-device NAME FILE [--live|--config|--current|--persistent]
//   virsh detach-device NAME FILE [...]         hot plug/unplug of a <hostdev> vfio-ap mdev
//                                               (seed 001 "Limitations", seed 003's XML)
// As virsh does, each command's output is followed by an empty line (also when it fails);
// errors go to stderr as "error: ...".
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "driver/linux/kernel.h"
#include "driver/qemu/qemu.h"
#include "driver/userspace/programs.h"
#include "driver/userspace/session.h"
#include "driver/linux/vfio_ap_private.h"

namespace apsim::driver {

namespace {

QemuProcess* domain(Session& s, const std::string& name, std::ostream& err) {
  auto it = s.guests().find(name);
  if (it == s.guests().end()) {
    err << "error: failed to get domain '" << name << "'\n";
    return nullptr;
  }
  return it->second.qemu.get();
}

int list(Session& s, std::ostream& out) {
  out << " Id   Name" << std::string(11, ' ') << "State\n";
  out << std::string(30, '-') << "\n";
  std::vector<QemuProcess*> doms;
  for (auto& [name, g] : s.guests()) doms.push_back(g.qemu.get());
  std::sort(doms.begin(), doms.end(), [](QemuProcess* a, QemuProcess* b) { return a->domain_id() < b->domain_id(); });
  for (QemuProcess* q : doms) {
    const std::string& name = q->name();
    std::string line = " " + std::to_string(q->domain_id());
    line.resize(6, ' ');
    line += name;
    if (line.size() < 21) line.resize(21, ' ');
    else line += " ";
    out << line << "running\n";
  }
  return 0;
}

// ---------------------------------------------------------------- attach-device / detach-device
// What virsh and libvirtd print, from libvirt's source (tools/virsh-domain.c cmdAttachDevice /
// cmdDetachDevice, src/util/virxml.c catchXMLError, src/util/virmdev.c, src/qemu/
// qemu_hotplug.c, src/util/virerror.c): virsh prints vshError()'s line, then the libvirt
// error of the failed call, each as "error: ...".

// A libvirt error: the text after "error: ".
struct LibvirtError {
  std::string text;
};

// The XML of a device, as libvirtd sees it.
struct HostdevXml {
  std::string root;                 // element name of the root ("hostdev", "disk", ...)
  std::string mode, type, model;    // <hostdev> attributes
  std::optional<std::string> uuid;  // <source><address uuid=.../>
};

// Called by libxml2 for each parser error (ctxt->sax->error); keeps the first fatal one with
// the line it happened on and a "----^" pointer under the column, as libvirt's catchXMLError.
struct XmlErrorCapture {
  std::optional<std::string> text;
};
extern "C" void capture_xml_error(void* ctx, const char* /*msg*/, ...) {
  auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
  auto* cap = ctxt ? static_cast<XmlErrorCapture*>(ctxt->_private) : nullptr;
  if (!cap || cap->text || !ctxt->input || ctxt->lastError.level != XML_ERR_FATAL || !ctxt->lastError.message)
    return;
  const xmlChar* base = ctxt->input->base;
  const xmlChar* cur = ctxt->input->cur;
  while (cur > base && (*cur == '\n' || *cur == '\r')) --cur;
  while (cur > base && *cur != '\n' && *cur != '\r') --cur;
  if (*cur == '\n' || *cur == '\r') ++cur;
  const size_t col = static_cast<size_t>(ctxt->input->cur - cur);
  std::string context;
  while (*cur && *cur != '\n' && *cur != '\r') context += static_cast<char>(*cur++);
  std::string pointer;
  for (size_t n = 0; n < col && n < context.size(); ++n) pointer += context[n] == '\t' ? '\t' : '-';
  pointer += '^';
  // lastError.message ends with a newline: the context line follows it directly.
  cap->text = std::string(ctxt->lastError.file ? ctxt->lastError.file : "") + ":" +
              std::to_string(ctxt->lastError.line) + ": " + ctxt->lastError.message + context + "\n" + pointer;
}

std::string xml_attr(xmlNodePtr n, const char* name) {
  xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
  std::string out = v ? reinterpret_cast<const char*>(v) : "";
  xmlFree(v);
  return out;
}

xmlNodePtr xml_child(xmlNodePtr n, const char* name) {
  for (xmlNodePtr c = n ? n->children : nullptr; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && std::strcmp(reinterpret_cast<const char*>(c->name), name) == 0) return c;
  return nullptr;
}

// virDomainDeviceDefParse: parse with libxml2 under the document name libvirt gives device
// XML, "(device_definition)".
HostdevXml parse_device_xml(const std::string& xml) {
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (!ctxt) throw LibvirtError{"out of memory"};
  XmlErrorCapture cap;
  ctxt->_private = &cap;
  ctxt->sax->error = capture_xml_error;
  ctxt->sax->warning = nullptr;
  xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml.data(), static_cast<int>(xml.size()), "(device_definition)", nullptr,
                                    XML_PARSE_NONET | XML_PARSE_NOWARNING);
  xmlFreeParserCtxt(ctxt);
  if (!doc) throw LibvirtError{cap.text ? *cap.text : "XML error: failed to parse xml document '(device_definition)'"};
  HostdevXml out;
  xmlNodePtr root = xmlDocGetRootElement(doc);
  if (root) {
    out.root = reinterpret_cast<const char*>(root->name);
    out.mode = xml_attr(root, "mode");
    out.type = xml_attr(root, "type");
    out.model = xml_attr(root, "model");
    if (xmlNodePtr addr = xml_child(xml_child(root, "source"), "address")) {
      xmlChar* v = xmlGetProp(addr, reinterpret_cast<const xmlChar*>("uuid"));
      if (v) out.uuid = reinterpret_cast<const char*>(v);
      xmlFree(v);
    }
  }
  xmlFreeDoc(doc);
  if (!root) throw LibvirtError{"internal error: missing root element"};
  return out;
}

// The checks libvirtd makes on the parsed <hostdev> before it touches the domain.
// apsim models only what the seeds use: <hostdev mode='subsystem' type='mdev'
// model='vfio-ap'>.  Other device kinds are refused with libvirt's wording for a device it
// cannot hot plug (qemuDomainAttachDeviceLive's default case); that a real host would
// attach a disk or a network interface is out of apsim's scope.  The texts for a missing
// model or uuid are apsim's choice (libvirt's schema validation words them differently
// per version).
const HostdevXml& check_hostdev(const HostdevXml& d, bool attach) {
  const char* verb = attach ? "attach" : "detach";
  if (d.root != "hostdev")
    throw LibvirtError{std::string("Operation not supported: live ") + verb + " of device '" + d.root +
                       "' is not supported"};
  if (d.mode != "subsystem" || d.type != "mdev")
    throw LibvirtError{"unsupported configuration: apsim models only <hostdev mode='subsystem' type='mdev'>"};
  if (d.model.empty())
    throw LibvirtError{"XML error: missing 'model' attribute in mediated device's <hostdev> element"};
  if (d.model != "vfio-ap" && d.model != "vfio-ccw" && d.model != "vfio-pci")
    throw LibvirtError{"XML error: unknown source model type '" + d.model + "'"};
  if (!d.uuid) throw LibvirtError{"XML error: Missing 'uuid' attribute for element <address>"};
  return d;
}

// The mdev the XML names, as libvirt finds it: /sys/bus/mdev/devices/<uuid> must exist and
// its device_api must be the model's (virMediatedDeviceNew, virMediatedDeviceCheckModel).
ApMatrixMdev* find_mdev(LinuxKernel& k, const HostdevXml& d) {
  std::string uuid = *d.uuid;
  for (char& c : uuid) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  ApMatrixMdev* m = k.vfio_ap() ? k.vfio_ap()->mdev(uuid) : nullptr;
  if (!m) throw LibvirtError{"device not found: mediated device '" + *d.uuid + "' not found"};
  if (d.model != "vfio-ap")
    throw LibvirtError{"internal error: invalid device API '" + d.model + "' for device /sys/bus/mdev/devices/" +
                       uuid + ": device only supports 'vfio-ap'"};
  return m;
}

// qemuMonitorJSONCheckError: a QEMU error as libvirt reports it ("Error: X\n" from HMP -> X).
LibvirtError qemu_error(const std::string& command, std::string hmp_text) {
  if (hmp_text.rfind("Error: ", 0) == 0) hmp_text.erase(0, 7);
  while (!hmp_text.empty() && hmp_text.back() == '\n') hmp_text.pop_back();
  return LibvirtError{"internal error: unable to execute QEMU command '" + command + "': " + hmp_text};
}

// virDomainAttachDeviceFlags (live): qemuDomainAttachHostDevice for a vfio-ap mdev.
void attach_hostdev(Session& s, QemuProcess& q, const HostdevXml& d) {
  ApMatrixMdev* m = find_mdev(s.kernel(), check_hostdev(d, true));
  // virHostdevPrepareMediatedDevices: a domain holds it already (this one too: libvirt's
  // list of active mdevs has it, virMediatedDeviceIsUsed).
  for (auto& [name, other] : s.guests()) {
    if (other.qemu->mdev() == m)
      throw LibvirtError{"Requested operation is not valid: mediated device /sys/bus/mdev/devices/" + m->uuid +
                         " is in use by driver QEMU, domain " + name};
  }
  // qemuAssignDeviceHostdevAlias names it hostdevN; the domain has at most one vfio-ap device.
  const std::string spec = "vfio-ap,id=hostdev0,sysfsdev=/sys/bus/mdev/devices/" + m->uuid;
  if (std::string e = q.device_add(spec); !e.empty()) throw qemu_error("device_add", e);
}

// virDomainDetachDeviceFlags (live): qemuDomainDetachPrepHostdev finds the device by its
// source, then device_del by its alias.
void detach_hostdev(QemuProcess& q, const HostdevXml& d) {
  check_hostdev(d, false);
  std::string uuid = *d.uuid;
  for (char& c : uuid) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!q.mdev() || q.mdev()->uuid != uuid)
    throw LibvirtError{"device not found: mediated device '" + *d.uuid + "' not found"};
  const std::string e = q.device_id().empty() ? q.unplug_device() : q.device_del(q.device_id());
  if (!e.empty()) throw qemu_error("device_del", e);
}

// cmdAttachDevice / cmdDetachDevice: options, the domain, the file, then the API call.
int device_command(Session& s, const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string& cmd = args[0];
  const bool attach = cmd == "attach-device";
  std::string name, file;
  std::map<std::string, bool> flag{{"live", false}, {"config", false}, {"current", false}, {"persistent", false}};
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) == 0 && flag.count(a.substr(2))) {
      flag[a.substr(2)] = true;
    } else if ((a == "--domain" || a == "--file") && i + 1 < args.size()) {
      (a == "--domain" ? name : file) = args[++i];
    } else if (a.rfind("--", 0) == 0) {
      err << "error: command '" << cmd << "' doesn't support option " << a << "\n";
      return 1;
    } else if (name.empty()) {
      name = a;
    } else if (file.empty()) {
      file = a;
    } else {
      err << "error: unexpected data '" << a << "'\n";
      return 1;
    }
  }
  // vshCommandParse checks the required options before the command runs.
  if (name.empty() || file.empty()) {
    err << "error: command '" << cmd << "' requires <" << (name.empty() ? "domain" : "file") << "> option\n";
    return 1;
  }
  // VSH_EXCLUSIVE_OPTIONS_VAR, in cmdAttachDevice's order.
  for (auto [a, b] : {std::pair<const char*, const char*>{"persistent", "current"}, {"current", "live"},
                      {"current", "config"}}) {
    if (flag[a] && flag[b]) {
      err << "error: Options --" << a << " and --" << b << " are mutually exclusive\n";
      return 1;
    }
  }
  QemuProcess* q = domain(s, name, err);
  if (!q) return 1;
  // virFileReadAll: open(2) then read(2) of the file, relative to virsh's cwd.
  std::string xml;
  if (int rc = s.kernel().sysfs().read(s.cwd(), file, xml); rc < 0) {
    const bool open_failed = rc != -EISDIR;
    err << "error: Failed to " << (open_failed ? "open" : "read") << " file '" << file << "': " << std::strerror(-rc)
        << "\n";
    return 1;
  }
  try {
    // The domains apsim runs were started from a QEMU command line: transient, no
    // persistent config (virDomainObjUpdateModificationImpact).
    if (flag["config"] || flag["persistent"])
      throw LibvirtError{"Requested operation is not valid: cannot change persistent config of a transient domain"};
    const HostdevXml d = parse_device_xml(xml);
    if (attach) attach_hostdev(s, *q, d);
    else detach_hostdev(*q, d);
  } catch (const LibvirtError& e) {
    err << "error: Failed to " << (attach ? "attach" : "detach") << " device from " << file << "\n";
    err << "error: " << e.text << "\n";
    return 1;
  }
  out << (attach ? "Device attached successfully\n" : "Device detached successfully\n");
  return 0;
}

}  // namespace

namespace {

int run(Session& s, const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << "error: virsh is interactive only with a terminal; give a command\n";
    return 1;
  }
  const std::string cmd = args[0];
  int rc = 0;
  if (cmd == "list") {
    rc = list(s, out);
  } else if (cmd == "destroy" || cmd == "shutdown") {
    if (args.size() < 2) {
      err << "error: command '" << cmd << "' requires <domain> option\n";
      return 1;
    }
    const std::string name = args[1];
    if (!domain(s, name, err)) return 1;
    // destroy: SIGTERM to QEMU.  shutdown: the guest OS powers off and QEMU then exits;
    // the guest runs no command of its own meanwhile, so both end the process here.
    s.guests().erase(name);
    out << "Domain '" << name << "' " << (cmd == "destroy" ? "destroyed" : "is being shutdown") << "\n";
  } else if (cmd == "qemu-monitor-command") {
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
      err << "error: command 'qemu-monitor-command' requires <domain> option\n";
      return 1;
    }
    QemuProcess* q = domain(s, name, err);
    if (!q) return 1;
    if (!hmp) {
      err << "error: internal error: cannot parse json " << command
          << ": lexical error: invalid char in json text.\n";
      return 1;
    }
    out << q->hmp(command) << "\n";
  } else if (cmd == "attach-device" || cmd == "detach-device") {
    rc = device_command(s, args, out, err);
  } else {
    err << "error: unknown command: '" << cmd << "'\n";
    return 1;
  }
  return rc;
}

}  // namespace

int virsh_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  std::ostream &out = *io.out, &err = *io.err;
  const std::vector<std::string> args(argv.begin() + 1, argv.end());
  const int rc = run(s, args, out, err);
  if (!args.empty()) out << "\n";  // vshCommandRun: an empty line after each command, also a failed one
  return rc;
}

}  // namespace apsim::driver
