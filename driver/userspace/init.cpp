// driver/userspace/init.cpp — boot-time user space: udev's AP rules, modules-load.d, udevd.
#include "driver/userspace/init.h"

#include <sstream>
#include <string>
#include <vector>

#include "driver/linux/ap_bus.h"
#include "driver/linux/kernel.h"
#include "driver/userspace/programs.h"

namespace apsim::driver {

namespace {

// udevd: device events.  An mdev parent's "add" (a directory with mdev_supported_types)
// runs 60-mdevctl.rules: mdevctl start-parent-mdevs with the device's kernel name.
void udev_event(LinuxKernel& k, const std::string& action, const std::string& devpath) {
  if (action != "add" || !k.sysfs().is_dir(devpath + "/mdev_supported_types")) return;
  std::ostringstream journal;
  mdevctl_start_parent_mdevs(k, devpath.substr(devpath.rfind('/') + 1), journal);
}

// udev applies the persistent AP bus masks when the ap bus appears: the rule matches the
// bus's "add" uevent, which a system without AP instructions never sends (ap_module_init
// returns before bus_register), so the rule does not run there.
void apply_ap_rules(LinuxKernel& k) {
  Sysfs& fs = k.sysfs();
  std::string rules;
  if (!k.ap_bus().registered() || fs.read("/", "/etc/udev/rules.d/41-ap.rules", rules) != 0) return;
  for (const char* attr : {"apmask", "aqmask"}) {
    const std::string key = std::string("ATTR{") + attr + "}=\"";
    const size_t at = rules.find(key);
    if (at == std::string::npos) continue;
    const size_t begin = at + key.size(), end = rules.find('"', begin);
    if (end == std::string::npos) continue;
    // A failed write is logged by systemd-udevd to the journal, not the kernel ring buffer
    // (apsim has no journal), and the mask stays as the kernel had it.
    fs.write("/", std::string("/sys/bus/ap/") + attr, rules.substr(begin, end - begin));
  }
}

// systemd-modules-load: one module name per line in /etc/modules-load.d/*.conf.
void load_modules(LinuxKernel& k) {
  Sysfs& fs = k.sysfs();
  std::vector<std::string> confs;
  if (fs.list("/", "/etc/modules-load.d", confs) != 0) return;
  for (const std::string& f : confs) {
    if (f.size() < 5 || f.compare(f.size() - 5, 5, ".conf") != 0) continue;
    std::string text;
    if (fs.read("/", "/etc/modules-load.d/" + f, text) != 0) continue;
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      std::string line = text.substr(pos, nl - pos);
      pos = nl + 1;
      const size_t b = line.find_first_not_of(" \t"), e = line.find_last_not_of(" \t\r");
      if (b == std::string::npos || line[b] == '#' || line[b] == ';') continue;
      std::ostringstream ignored;  // systemd-modules-load reports to the journal
      k.load_module(line.substr(b, e - b + 1), ignored);
    }
  }
}

}  // namespace

void init_main(LinuxKernel& kernel) {
  kernel.set_uevent_listener(udev_event);
  apply_ap_rules(kernel);
  load_modules(kernel);
}

}  // namespace apsim::driver
