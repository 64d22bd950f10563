// driver/qemu.h — a qemu-system-s390x process: command-line parsing, the CPU model's AP
// features, the vfio-ap device (hw/vfio/ap.c) and the guest it boots.
//
// `-cpu MODEL[,ap=on|off,apqci=..,apft=..,apqi=..]`: the "host" model has every feature the
// host has; any other model has them only when turned on (seed 001, "CPU model features").
// A feature the host lacks cannot be turned on.  `-device vfio-ap,sysfsdev=PATH[,id=ID]`
// opens the mdev; QEMU's AP bridge exists only with `ap` and takes one device.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "arch/ap_instructions.h"

namespace apsim::driver {

class KvmVm;
class LinuxKernel;
struct ApMatrixMdev;

class QemuProcess {
 public:
  /// Parse and start.  On failure prints QEMU's message on `err`, returns nullptr, and
  /// leaves nothing behind.
  static std::unique_ptr<QemuProcess> start(LinuxKernel& host, const std::vector<std::string>& argv,
                                            std::ostream& err);
  ~QemuProcess();

  const std::string& name() const { return name_; }
  LinuxKernel& guest() { return *guest_; }
  KvmVm& vm() { return *vm_; }

 private:
  QemuProcess() = default;
  LinuxKernel* host_ = nullptr;
  std::string name_;
  std::string device_id_;
  std::unique_ptr<KvmVm> vm_;
  ApMatrixMdev* mdev_ = nullptr;
  std::unique_ptr<LinuxKernel> guest_;
};

}  // namespace apsim::driver
