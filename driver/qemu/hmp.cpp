// driver/qemu/hmp.cpp — the QEMU monitor (HMP, monitor/hmp-cmds.c and qdev-monitor.c):
// device_add and device_del of the vfio-ap device, as `virsh qemu-monitor-command --hmp`
// and libvirt's attach-device/detach-device reach them.
#include "driver/qemu/qemu.h"

namespace apsim::driver {

std::string QemuProcess::device_add(const std::string& spec) {
  std::string drv;
  auto dp = qemu_opts_parse(spec, drv);
  if (drv != "vfio-ap") return "Error: '" + drv + "' is not a valid device model name\n";
  if (!features_.ap || mdev_) return "Error: No 'ap-bus' bus found for device 'vfio-ap'\n";
  const std::string error = attach(spec, dp.count("sysfsdev") ? dp["sysfsdev"] : "", dp.count("id") ? dp["id"] : "");
  if (!error.empty()) return "Error: " + error + "\n";
  attach_callbacks();
  notify_guest();
  return "";
}

std::string QemuProcess::device_del(const std::string& id) {
  if (id.empty() || !mdev_ || device_id_ != id) return "Error: Device '" + id + "' not found\n";
  detach();
  notify_guest();
  return "";
}

std::string QemuProcess::unplug_device() {
  if (!mdev_) return "Error: Device '" + device_id_ + "' not found\n";
  detach();
  notify_guest();
  return "";
}

std::string QemuProcess::hmp(const std::string& line) {
  // HMP: the command name, then its arguments (a quoted argument loses its quotes).
  size_t b = line.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  size_t e = line.find(' ', b);
  const std::string cmd = line.substr(b, e == std::string::npos ? std::string::npos : e - b);
  std::string arg = e == std::string::npos ? "" : line.substr(e + 1);
  const size_t ab = arg.find_first_not_of(' '), ae = arg.find_last_not_of(' ');
  arg = ab == std::string::npos ? "" : arg.substr(ab, ae - ab + 1);
  if (arg.size() >= 2 && arg.front() == '"' && arg.back() == '"') arg = arg.substr(1, arg.size() - 2);
  if (cmd == "device_add") {
    if (arg.empty()) return "Error: Parameter 'driver' is missing\n";
    return device_add(arg);
  }
  if (cmd == "device_del") {
    if (arg.empty()) return "Error: Parameter 'id' is missing\n";
    return device_del(arg);
  }
  return "unknown command: '" + cmd + "'\n";
}

}  // namespace apsim::driver
