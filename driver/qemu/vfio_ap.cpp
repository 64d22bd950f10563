// driver/qemu/vfio_ap.cpp — QEMU's vfio-ap device (hw/vfio/ap.c): realize (open the mdev
// for the VM), unrealize, the CFG_CHG and REQ eventfds.
#include <cerrno>

#include "driver/linux/ap_bus.h"
#include "driver/linux/kernel.h"
#include "driver/linux/kvm-s390.h"
#include "driver/linux/vfio_ap_private.h"
#include "driver/qemu/qemu.h"

namespace apsim::driver {

std::string QemuProcess::attach(const std::string& spec, const std::string& path, const std::string& id) {
  (void)spec;
  host_->cpu().run_software(arch::SoftwareStep::qemu_device_setup);  // realize, on a host CPU
  if (path.empty()) return "vfio-ap device requires sysfsdev";
  VfioAp* vfio = host_->vfio_ap();
  ApMatrixMdev* mdev = vfio ? vfio->mdev_by_path(path) : nullptr;
  if (!mdev) return "vfio " + path + ": no such host device: No such file or directory";
  if (int rc = vfio->open_device(*mdev, *vm_); rc)
    return "vfio " + mdev->uuid + ": error getting device from group: " +
           (rc == -EBUSY ? "Device or resource busy" : "Operation not permitted");
  mdev_ = mdev;
  device_id_ = id;
  // The device's reset handler (hw/vfio/ap.c vfio_ap_reset: VFIO_DEVICE_RESET, i.e.
  // vfio_ap_mdev_reset_queues) runs before the guest sees it: for a -device at start from
  // the machine reset that ends machine creation (hw/core/machine.c
  // qdev_machine_creation_done -> qemu_system_reset), for device_add from realize (a
  // hot-plugged device is reset as it is realized, hw/core/qdev.c device_set_realized).
  vfio->reset_device(*mdev);
  return "";
}

void QemuProcess::attach_callbacks() {
  LinuxKernel* guest = guest_.get();
  // CFG_CHG: QEMU raises a CRW and a CHSC SEI event; the guest's AP bus rescans.
  mdev_->cfg_chg = [guest] { guest->ap_bus().scan(); };
  // REQ: the host wants the device back (mdev remove, current kernels): unplug it.
  mdev_->request = [this] {
    detach();
    notify_guest();
  };
}

void QemuProcess::detach() {
  if (!mdev_) return;
  ApMatrixMdev* m = mdev_;
  mdev_ = nullptr;
  device_id_.clear();
  if (host_->vfio_ap()) host_->vfio_ap()->close_device(*m);
}

void QemuProcess::notify_guest() {
  // With the kernel's CFG_CHG eventfd (Linux 6.15+) QEMU injects an AP configuration-change
  // event and the guest's AP bus rescans at once; on an older host (6.1: no VFIO IRQs) the
  // guest finds the change at its next configuration scan (AP_CONFIG_TIME).
  if (guest_ && host_->profile().cfg_chg_eventfd) guest_->ap_bus().scan();
}

}  // namespace apsim::driver
