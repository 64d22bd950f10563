// testbench/fuzz/fuzz_libvirt_xml.cpp — the XML virsh hands libvirt (driver/userspace/
// libvirt_xml.h, libxml2): a domain definition (virsh define), one device (attach-device /
// detach-device) and a node device (nodedev-define).
//
// Input: byte 0 picks the document kind, the rest is the XML.
// Invariants:
//  * a refused document throws LibvirtError with a non-empty text (virsh prints it after
//    "error: "); any other exception would be an internal error;
//  * an accepted domain round-trips: what virDomainDefFormat writes for it (inactive and
//    live) parses again, and formats to the same text (libvirt re-reads its own files);
//  * an accepted mdev hostdev or node device has a UUID in lower case (or none) and a model.
#include <exception>
#include <string>

#include "driver/linux/kernel_parse.h"
#include "driver/userspace/libvirt_xml.h"
#include "testbench/fuzz/fuzz_check.h"

namespace drv = apsim::driver;

namespace {

std::string fixed_uuid() { return "c9a4cd2a-60f2-4c3c-8cc8-3e3a8a1f1e6a"; }

void check_uuid(const std::string& u) {
  if (u.empty()) return;
  std::string lower;
  FUZZ_CHECK(drv::uuid_parse(u, lower) && lower == u, "a UUID libvirt keeps is valid and lower case");
}

void domain(const std::string& xml) {
  const drv::DomainDef d = drv::parse_domain_xml(xml, fixed_uuid);
  check_uuid(d.uuid);
  for (const auto& h : d.hostdevs) check_uuid(h.uuid);
  for (int id : {-1, 7}) {
    const std::string text = drv::format_domain_xml(d, id);
    drv::DomainDef again;
    try {
      again = drv::parse_domain_xml(text, fixed_uuid);
    } catch (const drv::LibvirtError& e) {
      std::fprintf(stderr, "formatted:\n%s\nrefused: %s\n", text.c_str(), e.text.c_str());
      FUZZ_CHECK(false, "libvirt reads back the XML it formatted");
    }
    FUZZ_CHECK(drv::format_domain_xml(again, id) == text, "format(parse(format(d))) == format(d)");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string xml = apsim::fuzz::text(data + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0: domain(xml); break;
      case 1: {
        const drv::DeviceXml d = drv::parse_device_xml(xml);
        FUZZ_CHECK(!d.root.empty(), "a device has a root element");
        if (d.is_mdev_hostdev) check_uuid(d.hostdev.uuid);
        break;
      }
      case 2: {
        bool mdev = false;
        const drv::NodeDevMdevDef n = drv::parse_nodedev_xml(xml, mdev);
        check_uuid(n.uuid);
        break;
      }
    }
  } catch (const drv::LibvirtError& e) {
    FUZZ_CHECK(!e.text.empty(), "a libvirt error has a text");
  } catch (const std::exception& e) {
    apsim::fuzz::unexpected_exception("libvirt XML", e.what());
  }
  return 0;
}
