// testbench/tests/userspace/test_libvirt_xml.cpp — the XML virsh hands to libvirt
// (driver/userspace/libvirt_xml.h): a domain parsed and formatted as libvirt 9.0 formats it,
// the checks and their messages, a device and a node device.  The expected formats were
// taken from virsh 9.0.0 (Debian bookworm) with its test driver where it answers the same.
#define BOOST_TEST_MODULE libvirt_xml
#include <boost/test/unit_test.hpp>

#include "driver/userspace/libvirt_xml.h"

using namespace apsim::driver;

namespace {
std::string fixed_uuid() { return "319e4c98-c3dc-40d3-9f5d-9e1663061391"; }

std::string error_of(const std::string& xml) {
  try {
    parse_domain_xml(xml, fixed_uuid);
  } catch (const LibvirtError& e) {
    return e.text;
  }
  return "";
}
}  // namespace

BOOST_AUTO_TEST_SUITE(domain)

BOOST_AUTO_TEST_CASE(format_adds_libvirts_defaults) {
  const DomainDef d = parse_domain_xml(
      "<domain type='kvm'><name>my-guest</name><memory unit='MiB'>2048</memory><vcpu>2</vcpu>"
      "<os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os><devices>"
      "<hostdev mode='subsystem' type='mdev' model='vfio-ap'><source>"
      "<address uuid='669D9B23-fe1b-4ecb-be08-a2fabca99b71'/></source></hostdev></devices></domain>",
      fixed_uuid);
  BOOST_TEST(format_domain_xml(d) ==
             "<domain type='kvm'>\n"
             "  <name>my-guest</name>\n"
             "  <uuid>319e4c98-c3dc-40d3-9f5d-9e1663061391</uuid>\n"
             "  <memory unit='KiB'>2097152</memory>\n"
             "  <currentMemory unit='KiB'>2097152</currentMemory>\n"
             "  <vcpu placement='static'>2</vcpu>\n"
             "  <os>\n"
             "    <type arch='s390x' machine='s390-ccw-virtio'>hvm</type>\n"
             "    <boot dev='hd'/>\n"
             "  </os>\n"
             "  <clock offset='utc'/>\n"
             "  <on_poweroff>destroy</on_poweroff>\n"
             "  <on_reboot>restart</on_reboot>\n"
             "  <on_crash>destroy</on_crash>\n"
             "  <devices>\n"
             "    <emulator>/usr/bin/qemu-system-s390x</emulator>\n"
             "    <hostdev mode='subsystem' type='mdev' managed='no' model='vfio-ap'>\n"
             "      <source>\n"
             "        <address uuid='669d9b23-fe1b-4ecb-be08-a2fabca99b71'/>\n"
             "      </source>\n"
             "    </hostdev>\n"
             "  </devices>\n"
             "</domain>\n");
}

BOOST_AUTO_TEST_CASE(live_definition_has_id_and_alias) {
  DomainDef d = parse_domain_xml(
      "<domain type='kvm'><name>g</name><uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid><memory>1048576</memory>"
      "<os><type>hvm</type></os><devices><hostdev type='mdev' model='vfio-ap'><source><address "
      "uuid='4b0518fd-9237-493f-93c8-c5597f8006a3'/></source></hostdev></devices></domain>",
      fixed_uuid);
  d.hostdevs[0].alias = "hostdev0";
  const std::string live = format_domain_xml(d, 3);
  BOOST_TEST(live.find("<domain type='kvm' id='3'>\n") == 0u);
  BOOST_TEST(live.find("      </source>\n      <alias name='hostdev0'/>\n    </hostdev>\n") != std::string::npos);
  BOOST_TEST(format_domain_xml(d).find("alias") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(kept_elements_and_cpu) {
  const DomainDef d = parse_domain_xml(
      "<domain type='kvm'><name>g</name><memory>1048576</memory><os><type>hvm</type></os>"
      "<cpu mode='custom'><model>z14</model><feature policy='require' name='ap'/>"
      "<feature policy='disable' name='apft'/></cpu>"
      "<devices><console type='pty'><target type='sclp' port='0'/></console></devices></domain>",
      fixed_uuid);
  BOOST_TEST(d.qemu_cpu() == "z14,ap=on,apft=off");
  const std::string x = format_domain_xml(d);
  BOOST_TEST(x.find("  </os>\n  <cpu mode='custom'>\n    <model>z14</model>\n") != std::string::npos);
  BOOST_TEST(x.find("    <console type='pty'>\n      <target type='sclp' port='0'/>\n    </console>\n") !=
             std::string::npos);
  BOOST_TEST(parse_domain_xml("<domain type='qemu'><name>h</name><memory>65536</memory><os><type>hvm</type></os>"
                              "<cpu mode='host-passthrough'/></domain>",
                              fixed_uuid)
                 .qemu_cpu() == "host");
}

BOOST_AUTO_TEST_CASE(refusals_in_libvirts_order_and_words) {
  BOOST_TEST(error_of("<domain><name>g</name><memory>2048</memory><os><type>hvm</type></os></domain>") ==
             "internal error: missing domain type attribute");
  BOOST_TEST(error_of("<domain type='kvm'><memory>2048</memory><os><type>hvm</type></os></domain>") ==
             "missing name information");
  BOOST_TEST(error_of("<domain type='kvm'><name>g</name><os><type>hvm</type></os></domain>") ==
             "XML error: Memory size must be specified via <memory> or in the <numa> configuration");
  BOOST_TEST(error_of("<domain type='kvm'><name>g</name><memory>1048576</memory></domain>") ==
             "XML error: an os <type> must be specified");
  BOOST_TEST(error_of("<hostdev/>") == "XML error: expecting root element of 'domain', not 'hostdev'");
  BOOST_TEST(error_of("<domain type='kvm'>\n  <name>g5</name>\n  <memory>2048\n</domain>\n") ==
             "(domain_definition):4: Opening and ending tag mismatch: memory line 3 and domain\n</domain>\n---------^");
  BOOST_TEST(error_of("<domain type='kvm'><name>g</name><uuid>nope</uuid><memory>1</memory><os><type>hvm</type></os>"
                      "</domain>") == "internal error: malformed uuid element");
  const std::string two =
      "<hostdev type='mdev' model='vfio-ap'><source><address uuid='4b0518fd-9237-493f-93c8-c5597f8006a3'/></source>"
      "</hostdev>";
  BOOST_TEST(error_of("<domain type='kvm'><name>g</name><memory>1048576</memory><os><type>hvm</type></os><devices>" +
                      two + two + "</devices></domain>") ==
             "unsupported configuration: Only one hostdev of model vfio-ap is supported");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(device)

BOOST_AUTO_TEST_CASE(hostdev_checks) {
  auto error = [](const std::string& xml) {
    try {
      parse_device_xml(xml);
    } catch (const LibvirtError& e) {
      return e.text;
    }
    return std::string();
  };
  BOOST_TEST(error("<hostdev mode='subsystem' type='mdev'><source><address uuid='x'/></source></hostdev>") ==
             "XML error: Missing required attribute 'model' in element 'hostdev'");
  BOOST_TEST(error("<hostdev type='mdev' model='vfio-xyz'/>") ==
             "XML error: Invalid value for attribute 'model' in element 'hostdev': 'vfio-xyz'.");
  BOOST_TEST(error("<hostdev type='mdev' model='vfio-ap'><source/></hostdev>") ==
             "unsupported configuration: Missing <address> element");
  BOOST_TEST(error("<hostdev type='mdev' model='vfio-ap'><source><address/></source></hostdev>") ==
             "unsupported configuration: Missing 'uuid' attribute for element <address>");
  const DeviceXml d = parse_device_xml("<disk type='file'/>");
  BOOST_TEST(d.root == "disk");
  BOOST_TEST(!d.is_mdev_hostdev);
}

BOOST_AUTO_TEST_CASE(nodedev_mdev) {
  bool mdev = false;
  const NodeDevMdevDef d = parse_nodedev_xml(
      "<device><parent>ap_matrix</parent><capability type='mdev'><type id='vfio_ap-passthrough'/>"
      "<uuid>4B0518FD-9237-493f-93c8-c5597f8006a3</uuid><attr name='assign_adapter' value='0x5'/>"
      "<attr name='assign_domain' value='0x1b'/></capability></device>",
      mdev);
  BOOST_TEST(mdev);
  BOOST_TEST(d.parent == "ap_matrix");
  BOOST_TEST(d.type == "vfio_ap-passthrough");
  BOOST_TEST(d.uuid == "4b0518fd-9237-493f-93c8-c5597f8006a3");
  BOOST_TEST(d.attrs.size() == 2u);
  BOOST_TEST(d.attrs[1].second == "0x1b");
  try {
    parse_nodedev_xml("<device><capability type='mdev'><attr name='x'/><type id='t'/></capability></device>", mdev);
    BOOST_FAIL("accepted an attr without value");
  } catch (const LibvirtError& e) {
    BOOST_TEST(e.text == "unsupported configuration: mdev attribute missing name or value");
  }
}

BOOST_AUTO_TEST_SUITE_END()
