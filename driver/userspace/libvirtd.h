// driver/userspace/libvirtd.h — what libvirtd (virtqemud) keeps in memory about the domains
// it runs, beside what it keeps on disk (the persistent definitions, /etc/libvirt/qemu/
// NAME.xml).  The Session of the host holds one; it starts afresh when the host reboots, as
// the daemon does.  virsh (driver/userspace/virsh.cpp) is its only user.
#pragma once

#include <map>
#include <string>

#include "driver/userspace/libvirt_xml.h"

namespace apsim::driver {

class QemuProcess;

struct LibvirtState {
  /// A domain libvirt started (virsh start): its live definition (aliases assigned) and the
  /// QEMU process that runs it; when that process is gone (the guest powered off) the
  /// domain has stopped.
  struct Running {
    DomainDef live;
    const QemuProcess* qemu = nullptr;
  };
  std::map<std::string, Running> running;
  /// Why a persistent domain is shut off (virDomainShutoffReason: "shutdown", "destroyed";
  /// none recorded: "unknown", as for a domain loaded from its config at daemon start).
  std::map<std::string, std::string> shutoff_reason;
};

}  // namespace apsim::driver
