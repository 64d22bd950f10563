// driver/userspace/libvirt_xml.cpp — libvirt's domain, device and node device XML (libvirt
// 9.0.0), parsed with libxml2.  Each check cites the libvirt function whose message it
// prints; messages carry virerror.c's prefix for their error code.
#include "driver/userspace/libvirt_xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cctype>
#include <cstring>
#include <memory>
#include <optional>

namespace apsim::driver {

namespace {

// catchXMLError (src/util/virxml.c): the first fatal parser error, with the line it happened
// on and a "----^" pointer under the column.  libxml2 calls it through ctxt->sax->error.
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

XmlElement convert(xmlNodePtr n) {
  XmlElement e;
  e.name = reinterpret_cast<const char*>(n->name);
  for (xmlAttrPtr a = n->properties; a; a = a->next) {
    xmlChar* v = xmlNodeListGetString(n->doc, a->children, 1);
    e.attrs.emplace_back(reinterpret_cast<const char*>(a->name), v ? reinterpret_cast<const char*>(v) : "");
    xmlFree(v);
  }
  for (xmlNodePtr c = n->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) e.children.push_back(convert(c));
    else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
      e.text += reinterpret_cast<const char*>(c->content);
  }
  return e;
}

const XmlElement* child(const XmlElement* e, const std::string& name) {
  if (!e) return nullptr;
  for (const XmlElement& c : e->children)
    if (c.name == name) return &c;
  return nullptr;
}

std::optional<std::string> attr(const XmlElement* e, const std::string& name) {
  if (!e) return std::nullopt;
  for (auto& [k, v] : e->attrs)
    if (k == name) return v;
  return std::nullopt;
}

// virXPathString("string(...)"): an element's text, nullopt when the element is missing or
// the text is empty (libvirt treats both as missing).
std::optional<std::string> text_of(const XmlElement* e) {
  if (!e || e->text.empty()) return std::nullopt;
  return e->text;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\n\r"), e = s.find_last_not_of(" \t\n\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// virUUIDParse: 32 hex digits, '-' allowed between bytes, blanks around; out: virUUIDFormat.
bool uuid_normalize(const std::string& in, std::string& out) {
  std::string hex;
  size_t i = 0;
  while (i < in.size() && std::isspace(static_cast<unsigned char>(in[i]))) ++i;
  for (; i < in.size() && hex.size() < 32; ++i) {
    const char c = in[i];
    if (c == '-') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (hex.size() != 32) return false;
  for (; i < in.size(); ++i)
    if (!std::isspace(static_cast<unsigned char>(in[i]))) return false;
  out = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
        hex.substr(20);
  return true;
}

// virDomainParseScaledValue / virScaleInteger: a memory size in `unit` as KiB, rounded up.
uint64_t memory_kib(const XmlElement& e) {
  const std::string value = trim(e.text);
  const std::string unit = attr(&e, "unit").value_or("KiB");
  char* end = nullptr;
  const unsigned long long n = std::strtoull(value.c_str(), &end, 10);
  if (value.empty() || *end || value[0] == '-')
    throw LibvirtError{"XML error: Invalid value '" + value + "' for element or attribute './" + e.name + "[1]'"};
  uint64_t scale = 1024;
  const std::string u = unit;
  if (u == "b" || u == "bytes") scale = 1;
  else if (u == "KB") scale = 1000;
  else if (u == "k" || u == "K" || u == "KiB") scale = 1024;
  else if (u == "MB") scale = 1000000;
  else if (u == "m" || u == "M" || u == "MiB") scale = 1ull << 20;
  else if (u == "GB") scale = 1000000000;
  else if (u == "g" || u == "G" || u == "GiB") scale = 1ull << 30;
  else if (u == "TB") scale = 1000000000000ull;
  else if (u == "t" || u == "T" || u == "TiB") scale = 1ull << 40;
  else throw LibvirtError{"invalid argument: unknown suffix '" + unit + "'"};
  if (n > UINT64_MAX / scale) throw LibvirtError{"numerical overflow: value too large: " + value};
  return (n * scale + 1023) / 1024;
}

// virDomainHostdevSubsysMediatedDevDefParseXML and the <hostdev> attribute checks of
// virDomainHostdevDefParseXMLSubsys: the model (virXMLPropEnum, required), the source uuid.
HostdevDef parse_mdev_hostdev(const XmlElement& h) {
  HostdevDef d;
  const auto model = attr(&h, "model");
  if (!model) throw LibvirtError{"XML error: Missing required attribute 'model' in element 'hostdev'"};
  if (*model != "vfio-pci" && *model != "vfio-ccw" && *model != "vfio-ap")
    throw LibvirtError{"XML error: Invalid value for attribute 'model' in element 'hostdev': '" + *model + "'."};
  d.model = *model;
  d.managed = attr(&h, "managed").value_or("no") == "yes" ? "yes" : "no";
  const XmlElement* source = child(&h, "source");
  if (!source) throw LibvirtError{"XML error: Missing <source> element in hostdev device"};
  const XmlElement* address = child(source, "address");
  if (!address) throw LibvirtError{"unsupported configuration: Missing <address> element"};
  const auto uuid = attr(address, "uuid");
  if (!uuid) throw LibvirtError{"unsupported configuration: Missing 'uuid' attribute for element <address>"};
  if (!uuid_normalize(*uuid, d.uuid))
    throw LibvirtError{"internal error: Cannot parse uuid attribute of element <address>"};
  return d;
}

bool is_mdev_hostdev(const XmlElement& e) {
  return e.name == "hostdev" && attr(&e, "mode").value_or("subsystem") == "subsystem" &&
         attr(&e, "type").value_or("") == "mdev";
}

}  // namespace

std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '\'': o += "&apos;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

XmlElement parse_xml_document(const std::string& xml, const std::string& docname, const std::string& root) {
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (!ctxt) throw LibvirtError{"out of memory"};
  XmlErrorCapture cap;
  ctxt->_private = &cap;
  ctxt->sax->error = capture_xml_error;
  ctxt->sax->warning = nullptr;
  // virXMLParseHelper: XML_PARSE_NONET | XML_PARSE_NOWARNING.  Blanks between elements are
  // not content anywhere libvirt reads.
  xmlDocPtr doc = xmlCtxtReadMemory(ctxt, xml.data(), static_cast<int>(xml.size()), docname.c_str(), nullptr,
                                    XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
  xmlFreeParserCtxt(ctxt);
  if (!doc) throw LibvirtError{cap.text ? *cap.text : "XML error: failed to parse xml document '" + docname + "'"};
  std::unique_ptr<xmlDoc, void (*)(xmlDocPtr)> owner(doc, xmlFreeDoc);
  xmlNodePtr r = xmlDocGetRootElement(doc);
  if (!r) throw LibvirtError{"internal error: missing root element"};
  XmlElement e = convert(r);
  if (!root.empty() && e.name != root)
    throw LibvirtError{"XML error: expecting root element of '" + root + "', not '" + e.name + "'"};
  return e;
}

std::string format_xml_element(const XmlElement& e, unsigned indent) {
  const std::string pad(indent, ' ');
  std::string o = pad + "<" + e.name;
  for (auto& [k, v] : e.attrs) o += " " + k + "='" + xml_escape(v) + "'";
  const std::string text = trim(e.text);
  if (e.children.empty() && text.empty()) return o + "/>\n";
  if (e.children.empty()) return o + ">" + xml_escape(text) + "</" + e.name + ">\n";
  o += ">\n";
  for (const XmlElement& c : e.children) o += format_xml_element(c, indent + 2);
  return o + pad + "</" + e.name + ">\n";
}

std::string DomainDef::qemu_cpu() const {
  for (const XmlElement& e : after_os) {
    if (e.name != "cpu") continue;
    // qemuBuildCpuModelArgStr: host-passthrough is "-cpu host"; host-model is expanded by
    // libvirt into the host's model (apsim: "host", the same features); custom names the model
    // and each <feature policy=... name=...> as name=on|off.
    const std::string mode = attr(&e, "mode").value_or("custom");
    if (mode == "host-passthrough" || mode == "host-model" || mode == "maximum") return "host";
    std::string s = text_of(child(&e, "model")).value_or("host");
    for (const XmlElement& f : e.children) {
      if (f.name != "feature") continue;
      const std::string policy = attr(&f, "policy").value_or("require");
      s += "," + attr(&f, "name").value_or("") + (policy == "disable" || policy == "forbid" ? "=off" : "=on");
    }
    return s;
  }
  return "";
}

DomainDef parse_domain_xml(const std::string& xml, const std::function<std::string()>& new_uuid) {
  const XmlElement root = parse_xml_document(xml, "(domain_definition)", "domain");
  DomainDef d;
  // virDomainDefParseCaps: the virt type, then the os type and arch.
  const auto type = attr(&root, "type");
  if (!type) throw LibvirtError{"internal error: missing domain type attribute"};
  static const char* virt_types[] = {"none", "qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test",
                                     "vmware", "hyperv", "vbox", "phyp", "parallels", "bhyve", "vz"};
  bool known = false;
  for (const char* t : virt_types) known = known || *type == t;
  if (!known) throw LibvirtError{"unsupported configuration: invalid domain type " + *type};
  // The QEMU driver runs kvm and qemu domains (qemuValidateDomainDefVirtType via the
  // emulator's capabilities).
  if (*type != "kvm" && *type != "qemu")
    throw LibvirtError{"unsupported configuration: Emulator '/usr/bin/qemu-system-s390x' does not support virt type '" +
                       *type + "'"};
  d.virt_type = *type;
  const XmlElement* os = child(&root, "os");
  const XmlElement* os_type = child(os, "type");
  const auto ostype = text_of(os_type);
  if (!ostype) throw LibvirtError{"XML error: an os <type> must be specified"};
  if (trim(*ostype) != "hvm")
    throw LibvirtError{trim(*ostype) == "xen" || trim(*ostype) == "linux" || trim(*ostype) == "exe"
                           ? "unsupported configuration: Emulator '/usr/bin/qemu-system-s390x' does not support os type '" +
                                 trim(*ostype) + "'"
                           : "unsupported configuration: unknown OS type '" + trim(*ostype) + "'"};
  if (auto a = attr(os_type, "arch")) {
    if (*a != "s390x")
      throw LibvirtError{"unsupported configuration: No emulator found for arch '" + *a + "'"};
  }
  if (auto m = attr(os_type, "machine")) d.machine = *m;
  // virDomainDefParseXML: the name, then the uuid.
  const auto name = text_of(child(&root, "name"));
  if (!name) throw LibvirtError{"missing name information"};
  d.name = *name;
  if (d.name.find('\n') != std::string::npos)
    throw LibvirtError{"XML error: name '" + d.name + "' contains illegal character '\n'"};
  if (auto u = text_of(child(&root, "uuid"))) {
    if (!uuid_normalize(*u, d.uuid)) throw LibvirtError{"internal error: malformed uuid element"};
  } else {
    d.uuid = new_uuid();
  }
  for (const char* keep : {"title", "description"})
    if (const XmlElement* e = child(&root, keep)) d.before_os.push_back(*e);
  // Memory (virDomainDefParseMemory), checked by the post-parse (domain_postparse.c).
  if (const XmlElement* m = child(&root, "memory")) d.memory_kib = memory_kib(*m);
  if (const XmlElement* m = child(&root, "currentMemory")) d.current_memory_kib = memory_kib(*m);
  if (d.memory_kib == 0)
    throw LibvirtError{"XML error: Memory size must be specified via <memory> or in the <numa> configuration"};
  if (d.current_memory_kib == 0 || d.current_memory_kib > d.memory_kib) d.current_memory_kib = d.memory_kib;
  if (const XmlElement* v = child(&root, "vcpu")) {
    const std::string t = trim(v->text);
    char* end = nullptr;
    const unsigned long n = std::strtoul(t.c_str(), &end, 10);
    if (t.empty() || *end || n == 0) throw LibvirtError{"XML error: maximum vcpus count must be an integer"};
    d.vcpus = static_cast<unsigned>(n);
  }
  for (const char* keep : {"features", "cpu"})
    if (const XmlElement* e = child(&root, keep)) d.after_os.push_back(*e);
  if (const XmlElement* c = child(&root, "clock")) d.clock.push_back(*c);
  if (auto v = text_of(child(&root, "on_poweroff"))) d.on_poweroff = trim(*v);
  if (auto v = text_of(child(&root, "on_reboot"))) d.on_reboot = trim(*v);
  if (auto v = text_of(child(&root, "on_crash"))) d.on_crash = trim(*v);
  if (const XmlElement* devs = child(&root, "devices")) {
    for (const XmlElement& e : devs->children) {
      if (e.name == "emulator") d.emulator = trim(e.text);
      else if (is_mdev_hostdev(e)) d.hostdevs.push_back(parse_mdev_hostdev(e));
      else d.devices.push_back(e);
    }
  }
  // qemuValidateDomainMdevDefVFIOAP (qemu_validate.c): one vfio-ap device per domain.
  unsigned ap = 0;
  for (const HostdevDef& h : d.hostdevs) ap += h.model == "vfio-ap";
  if (ap > 1) throw LibvirtError{"unsupported configuration: Only one hostdev of model vfio-ap is supported"};
  return d;
}

std::string format_domain_xml(const DomainDef& d, int id) {
  std::string o = "<domain type='" + d.virt_type + "'" + (id >= 0 ? " id='" + std::to_string(id) + "'" : "") + ">\n";
  o += "  <name>" + xml_escape(d.name) + "</name>\n";
  o += "  <uuid>" + d.uuid + "</uuid>\n";
  for (const XmlElement& e : d.before_os) o += format_xml_element(e, 2);
  o += "  <memory unit='KiB'>" + std::to_string(d.memory_kib) + "</memory>\n";
  o += "  <currentMemory unit='KiB'>" + std::to_string(d.current_memory_kib) + "</currentMemory>\n";
  o += "  <vcpu placement='static'>" + std::to_string(d.vcpus) + "</vcpu>\n";
  o += "  <os>\n";
  o += "    <type arch='" + d.arch + "' machine='" + xml_escape(d.machine) + "'>hvm</type>\n";
  o += "    <boot dev='hd'/>\n";  // virDomainDefPostParseBoot: no <boot> and no kernel
  o += "  </os>\n";
  for (const XmlElement& e : d.after_os) o += format_xml_element(e, 2);
  if (d.clock.empty()) o += "  <clock offset='utc'/>\n";
  for (const XmlElement& e : d.clock) o += format_xml_element(e, 2);
  o += "  <on_poweroff>" + d.on_poweroff + "</on_poweroff>\n";
  o += "  <on_reboot>" + d.on_reboot + "</on_reboot>\n";
  o += "  <on_crash>" + d.on_crash + "</on_crash>\n";
  o += "  <devices>\n";
  o += "    <emulator>" + xml_escape(d.emulator) + "</emulator>\n";
  for (const XmlElement& e : d.devices) o += format_xml_element(e, 4);
  for (const HostdevDef& h : d.hostdevs) {
    o += "    <hostdev mode='subsystem' type='mdev' managed='" + h.managed + "' model='" + h.model + "'>\n";
    o += "      <source>\n";
    o += "        <address uuid='" + h.uuid + "'/>\n";
    o += "      </source>\n";
    if (id >= 0 && !h.alias.empty()) o += "      <alias name='" + h.alias + "'/>\n";
    o += "    </hostdev>\n";
  }
  o += "  </devices>\n";
  o += "</domain>\n";
  return o;
}

DeviceXml parse_device_xml(const std::string& xml) {
  const XmlElement root = parse_xml_document(xml, "(device_definition)", "");
  DeviceXml d;
  d.root = root.name;
  if (is_mdev_hostdev(root)) {
    d.is_mdev_hostdev = true;
    d.hostdev = parse_mdev_hostdev(root);
  }
  return d;
}

NodeDevMdevDef parse_nodedev_xml(const std::string& xml, bool& has_mdev_cap) {
  const XmlElement root = parse_xml_document(xml, "(node_device_definition)", "device");
  NodeDevMdevDef d;
  d.parent = trim(text_of(child(&root, "parent")).value_or(""));
  has_mdev_cap = false;
  for (const XmlElement& cap : root.children) {
    if (cap.name != "capability") continue;
    const std::string type = attr(&cap, "type").value_or("");
    if (type != "mdev") continue;
    has_mdev_cap = true;
    // virNodeDevCapMdevParseXML (the device's name is "new device" when it is created).
    const auto id = attr(child(&cap, "type"), "id");
    if (!id || id->empty()) throw LibvirtError{"unsupported configuration: missing type id attribute for 'new device'"};
    d.type = *id;
    if (auto u = text_of(child(&cap, "uuid"))) {
      if (!uuid_normalize(*u, d.uuid))
        throw LibvirtError{"internal error: Invalid uuid '" + *u + "' for new mdev device"};
    }
    for (const XmlElement& a : cap.children) {
      if (a.name != "attr") continue;
      const auto n = attr(&a, "name"), v = attr(&a, "value");
      if (!n || !v) throw LibvirtError{"unsupported configuration: mdev attribute missing name or value"};
      d.attrs.emplace_back(*n, *v);
    }
  }
  return d;
}

}  // namespace apsim::driver
