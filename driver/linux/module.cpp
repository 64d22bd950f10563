// driver/linux/module.cpp — loading and unloading modules (kernel/module/main.c, reached by
// kmod's modprobe through init_module/delete_module), with kmod's messages for its failures.
// The modules apsim knows are the AP stack's; vfio_ap is the one whose loading does work.
#include <ostream>
#include <set>

#include "driver/linux/ap_bus.h"
#include "driver/linux/kernel.h"
#include "driver/linux/vfio_ap_private.h"
#include "driver/linux/zcrypt_api.h"

namespace apsim::driver {

namespace {

// Built in or harmless to (re)load on this kernel; vfio_ap is the one with a job here.
bool known_module(const std::string& m) {
  // 6.1: the AP bus is built in (obj-y ap.o: `modprobe ap` is a no-op success, as for any
  // built-in); there is no vfio_mdev module (drivers/vfio/mdev builds mdev.ko).
  static const std::set<std::string> known = {"vfio_ap", "vfio", "mdev", "kvm", "zcrypt", "ap", "zcrypt_cex4",
                                               "vfio_iommu_type1"};
  return known.count(m) != 0;
}

// Module names are compared with '-' and '_' alike (kmod's modname_normalize).
std::string normalize(const std::string& name) {
  std::string m = name;
  for (char& c : m)
    if (c == '-') c = '_';
  return m;
}

}  // namespace

int LinuxKernel::load_module(const std::string& name, std::ostream& err) {
  const std::string m = normalize(name);
  if (!known_module(m) || (m == "vfio_ap" && opts_.is_guest)) {
    err << "modprobe: FATAL: Module " << name << " not found in directory /lib/modules/" << release() << "\n";
    return 1;
  }
  if (m == "zcrypt_cex4" && !ap_bus_->registered()) {
    // zcrypt_cex4_init -> ap_driver_register -> driver_register: the AP bus was never
    // registered (ap_module_init returned -ENODEV), so -EINVAL with driver_register's
    // kernel-log line.  Its dependency zcrypt loads: zcrypt_api_init needs no AP bus.
    // kmod (tools/modprobe.c, insmod): "could not insert '%s': %s" with strerror(-err).
    modules_.insert("zcrypt");
    if (zcrypt_->register_with(*ap_bus_) != 0) {
      err << "modprobe: ERROR: could not insert 'zcrypt_cex4': Invalid argument\n";
      return 1;
    }
  }
  if (m != "vfio_ap") {
    modules_.insert(m);
    return 0;
  }
  if (vfio_ap_) return 0;
  auto vfio = std::make_unique<VfioAp>(*this);
  if (vfio->init() != 0) {
    // vfio_ap_init: no AP instructions -> -ENODEV (the only error its init returns here);
    // the module is not loaded.  kmod's insmod: "could not insert '%s': %s", strerror(ENODEV).
    err << "modprobe: ERROR: could not insert 'vfio_ap': No such device\n";
    return 1;
  }
  vfio_ap_ = std::move(vfio);
  // The matrix parent device registered (mdev_register_parent): its "add" uevent, on which
  // udev's 60-mdevctl.rules starts the mdevs defined with start=auto.
  uevent("add", "/sys/devices/vfio_ap/matrix");
  return 0;
}

int LinuxKernel::unload_module(const std::string& name, std::ostream& err) {
  const std::string m = normalize(name);
  if (!known_module(m) || (m == "vfio_ap" && opts_.is_guest)) {
    err << "modprobe: FATAL: Module " << name << " not found in directory /lib/modules/" << release() << "\n";
    return 1;
  }
  if (m != "vfio_ap") {
    modules_.erase(m);
    return 0;
  }
  if (vfio_ap_ && vfio_ap_->exit() != 0) {
    err << "modprobe: FATAL: Module vfio_ap is in use.\n";
    return 1;
  }
  vfio_ap_.reset();
  return 0;
}

}  // namespace apsim::driver
