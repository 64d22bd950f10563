// driver/linux/vfio_ap_drv.cpp — the vfio_ap module (drivers/s390/crypto/vfio_ap_drv.c):
// module init and exit, the matrix device with its vfio_ap-passthrough mdev type, and the
// driver's registration with the AP bus.  The mdev operations are in vfio_ap_ops.cpp.
#include <cerrno>

#include "driver/linux/ap_asm.h"
#include "driver/linux/ap_bus.h"
#include "driver/linux/kernel.h"
#include "driver/linux/vfio_ap_private.h"

namespace apsim::driver {

VfioAp::VfioAp(LinuxKernel& kernel) : kernel_(kernel) {}
VfioAp::~VfioAp() = default;

int VfioAp::init() {
  // vfio_ap_init (vfio_ap_drv.c, 6.1): "If there are no AP instructions, there is nothing
  // to pass through." -> -ENODEV, silently, before the matrix device is created.
  if (!ap_instructions_available(kernel_.cpu())) return -ENODEV;
  Sysfs& fs = kernel_.sysfs();
  fs.mkdir(kVfioApMatrixPath);
  fs.mkdir(kVfioApTypePath + "/devices");
  fs.add_attr(kVfioApTypePath + "/name", [](std::string& o) { o = "VFIO AP Passthrough Device\n"; return 0; }, nullptr);
  fs.add_attr(kVfioApTypePath + "/device_api", [](std::string& o) { o = "vfio-ap\n"; return 0; }, nullptr);
  fs.add_attr(kVfioApTypePath + "/available_instances", [this](std::string& o) {
    o = std::to_string(kMaxInstances - mdevs_.size()) + "\n";
    return 0;
  }, nullptr);
  fs.add_attr(kVfioApTypePath + "/create", nullptr, [this](const std::string& buf) { return create(buf); });
  fs.mkdir("/sys/bus/mdev/devices");
  kernel_.ap_bus().register_driver(*this);
  // mdevctl and libvirt find mdev parents under /sys/class/mdev_bus.
  fs.add_link("/sys/class/mdev_bus/matrix", kVfioApMatrixPath);
  fs.add_link(kVfioApMatrixPath + "/driver", "/sys/bus/matrix/drivers/vfio_ap");
  fs.add_link(kVfioApMatrixPath + "/subsystem", "/sys/bus/matrix");
  fs.add_link("/sys/bus/matrix/devices/matrix", kVfioApMatrixPath);
  fs.add_link("/sys/bus/matrix/drivers/vfio_ap/matrix", kVfioApMatrixPath);
  // The mdev driver's directory (mdev_register_driver: vfio_ap_mdev).
  fs.mkdir(kVfioApMdevDriver);
  // features_show (vfio_ap_drv.c, "s390/vfio-ap: Driver feature advertisement"): newer
  // kernels only.
  if (kernel_.profile().matrix_features)
    fs.add_attr(kVfioApMatrixPath + "/features", sysfs_show([] { return std::string("guest_matrix hotplug ap_config\n"); }),
                nullptr);
  return 0;
}

int VfioAp::exit() {
  // An mdev a guest has open holds a reference of the module (vfio_device_open:
  // try_module_get of the driver's owner), so kmod refuses before this runs.  The others go:
  // vfio_ap_exit -> mdev_unregister_parent removes every mdev of the matrix device.
  if (opened_mdevs() > 0) return -EBUSY;
  while (!mdevs_.empty()) remove(*mdevs_.begin()->second);
  kernel_.ap_bus().unregister_driver(*this);
  Sysfs& fs = kernel_.sysfs();
  fs.remove("/sys/devices/vfio_ap");
  fs.remove("/sys/class/mdev_bus/matrix");
  fs.remove("/sys/bus/matrix");
  fs.remove(kVfioApMdevDriver);
  return 0;
}

int VfioAp::opened_mdevs() const {
  int n = 0;
  for (const auto& [uuid, m] : mdevs_) n += m->kvm != nullptr;
  return n;
}

}  // namespace apsim::driver
