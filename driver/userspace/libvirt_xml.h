// driver/userspace/libvirt_xml.h — the XML libvirt reads and writes for the domains and
// node devices virsh manages (libvirt 9.0.0, Debian bookworm's), parsed with libxml2:
//   * a domain (<domain type='kvm'>): src/conf/domain_conf.c virDomainDefParseXML and
//     virDomainDefFormatInternal, for the elements apsim models (name, uuid, memory,
//     currentMemory, vcpu, os/type, the vfio-ap mdev <hostdev>s, the emulator);
//   * one device (<hostdev mode='subsystem' type='mdev' model='vfio-ap'>), as
//     attach-device/detach-device pass it: virDomainDeviceDefParse, document
//     "(device_definition)";
//   * a node device (<device><parent>ap_matrix</parent><capability type='mdev'>...), as
//     nodedev-define passes it: src/conf/node_device_conf.c virNodeDeviceDefParseXML, and
//     its format (virNodeDeviceDefFormat).
// What libvirt adds to a defined domain and apsim does not (docs/vfio-ap.md, "virsh"): the
// QEMU driver's defaults (a canonical machine name, <cpu mode='host-model'>, memballoon,
// panic, seclabel, resource partition) and device addresses.  Elements apsim does not model
// but libvirt would keep (title, description, features, cpu, clock, devices other than a
// hostdev) are kept as written and formatted in libvirt's place and layout.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace apsim::driver {

/// A libvirt error as virsh prints it after "error: " (virerror.c: the code's prefix, then
/// the message).
struct LibvirtError {
  std::string text;
};

/// An XML element kept as written (not modelled): name, attributes in order, text, children.
struct XmlElement {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::string text;
  std::vector<XmlElement> children;
};

/// <hostdev mode='subsystem' type='mdev' model='...'>: virDomainHostdevDef of an mdev.
struct HostdevDef {
  std::string model;    ///< vfio-ap, vfio-ccw, vfio-pci (virMediatedDeviceModelType)
  std::string managed = "no";
  std::string uuid;     ///< <source><address uuid=.../>, lower case (virUUIDFormat)
  std::string alias;    ///< live only: hostdev0, ... (qemuAssignDeviceHostdevAlias)
};

/// The element of a device XML, as attach-device/detach-device pass it.
struct DeviceXml {
  std::string root;              ///< root element name ("hostdev", "disk", ...)
  bool is_mdev_hostdev = false;  ///< <hostdev mode='subsystem' type='mdev'>
  HostdevDef hostdev;            ///< valid when is_mdev_hostdev
};

/// A domain definition (virDomainDef), the part apsim models plus what it keeps as written.
struct DomainDef {
  std::string virt_type = "kvm";
  std::string name;
  std::string uuid;
  uint64_t memory_kib = 0;
  uint64_t current_memory_kib = 0;
  unsigned vcpus = 1;
  std::string arch = "s390x";
  std::string machine = "s390-ccw-virtio";
  std::string emulator = "/usr/bin/qemu-system-s390x";
  std::string on_poweroff = "destroy", on_reboot = "restart", on_crash = "destroy";
  std::vector<XmlElement> before_os;     ///< title, description (after <uuid>)
  std::vector<XmlElement> after_os;      ///< features, cpu (between </os> and <clock>)
  std::vector<XmlElement> clock;         ///< <clock> as written (none: <clock offset='utc'/>)
  std::vector<XmlElement> devices;       ///< devices other than mdev hostdevs, as written
  std::vector<HostdevDef> hostdevs;
  /// <cpu>: QEMU's -cpu for it ("" = none: QEMU's default, "host" under KVM).
  std::string qemu_cpu() const;
};

/// Parse `xml` with libxml2 under libvirt's document name `docname`; a fatal parser error
/// throws LibvirtError with catchXMLError's text ("DOC:LINE: MESSAGE\nCONTEXT\n----^").
/// Returns the root element; `root` must match unless empty ("XML error: expecting root
/// element of 'R', not 'X'").
XmlElement parse_xml_document(const std::string& xml, const std::string& docname, const std::string& root);

/// virDomainDefParseString (inactive): the checks and defaults of domain_conf.c and
/// domain_postparse.c in their order.  `new_uuid` supplies a UUID when <uuid> is missing
/// (virUUIDGenerate).
DomainDef parse_domain_xml(const std::string& xml, const std::function<std::string()>& new_uuid);
/// virDomainDefFormat: `id` >= 0 formats the live definition (<domain ... id='N'>, aliases).
std::string format_domain_xml(const DomainDef& def, int id = -1);
/// virDomainDeviceDefParse of one device; a <hostdev type='mdev'> is checked as
/// virDomainHostdevDefParseXMLSubsys does.
DeviceXml parse_device_xml(const std::string& xml);

/// A node device definition of an mdev (virNodeDeviceDef with a VIR_NODE_DEV_CAP_MDEV cap).
struct NodeDevMdevDef {
  std::string parent;    ///< <parent> (a node device name: "ap_matrix")
  std::string type;      ///< <type id=.../>
  std::string uuid;      ///< "" = mdevctl chooses one
  std::vector<std::pair<std::string, std::string>> attrs;
};
/// virNodeDeviceDefParse (CREATE_DEVICE) of an mdev; the node device driver's own checks
/// (parent, capability) are the caller's.  `has_mdev_cap` is false for another capability.
NodeDevMdevDef parse_nodedev_xml(const std::string& xml, bool& has_mdev_cap);

/// The text libvirt writes for an element kept as written, at `indent` spaces.
std::string format_xml_element(const XmlElement& e, unsigned indent);
/// XML attribute value escaping as virBufferEscapeString does for '...' values.
std::string xml_escape(const std::string& s);

}  // namespace apsim::driver
