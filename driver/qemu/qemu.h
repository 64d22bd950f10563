// driver/qemu/qemu.h — a qemu-system-s390x process: command-line parsing (vl.cpp), the CPU
// model's AP features (cpu_models.cpp), the vfio-ap device (vfio_ap.cpp, hw/vfio/ap.c), the
// monitor (hmp.cpp) and the guest it boots.  Links driver/linux only.
//
// `-cpu MODEL[,ap=on|off,apqci=..,apft=..,apqi=..,msa3=..]`: the "host" model has every
// feature the host has; any other model has the AP features only when turned on (seed 001,
// "CPU model features").  A feature the host lacks cannot be turned on.  `msa3` (STFLE 76)
// follows QEMU's model definitions (on from z196, on for "qemu" and "host"; a name QEMU does
// not know is an error) and decides KVM's CRYCB format: without it format 0, else 2 on an
// APXA host, else 1 (driver/linux/kvm-s390.h).  `ap=off` leaves APIE off: every AP instruction
// intercepts and ends in an operation exception.  `-device vfio-ap,sysfsdev=PATH[,id=ID]`
// opens the mdev; QEMU's AP bridge exists only with `ap` and takes one device.  The monitor
// commands device_add/device_del hot plug and unplug it (seed 001, "Hot plug/unplug").
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "arch/ap_instructions.h"
#include "driver/linux/kernel.h"

namespace apsim::driver {

class KvmVm;
struct ApMatrixMdev;

/// What the process that starts QEMU gives it besides its command line.
struct QemuLaunch {
  /// Whether a guest of this name runs already: apsim addresses guests by their -name, so
  /// a second one is refused (an apsim rule, not QEMU's).  Empty: none runs.
  std::function<bool(const std::string& name)> name_taken;
  /// The guest image's init program (the guest kernel's KernelOptions::init).
  InitProgram guest_init;
};

/// util/qemu-option.c: "first,a=b,c" -> {a: b, c: "on"}; `first` gets a leading token
/// without '='.
std::map<std::string, std::string> qemu_opts_parse(const std::string& s, std::string& first);

/// The guest's AP facilities for `-cpu MODEL,k=v,...` (target/s390x/cpu_models.c) on a host
/// with facilities `host`: "host"/"max" has what the host has, a named model the AP features
/// only when turned on, msa3 as QEMU's model table says.  Returns "" and sets `out`, or QEMU's
/// error text (unknown model, a value not on/off, a feature the host lacks).
std::string s390_cpu_model_features(const std::string& model, const std::map<std::string, std::string>& props,
                                    const arch::Facilities& host, arch::Facilities& out);

/// `-smp [cpus=]N[,maxcpus=M][,sockets=..,cores=..,threads=..]` (hw/core/machine-smp.c
/// machine_parse_smp_config, QEMU 7.2): the number of vCPUs the guest starts with, 1..248
/// (S390_MAX_CPUS; more vCPUs than host CPUs is allowed, as in KVM).  Returns "" and sets
/// `vcpus`, or QEMU's error text (what follows "qemu-system-s390x: ").
std::string parse_smp(const std::string& value, unsigned& vcpus);

class QemuProcess {
 public:
  /// Parse and start: the VM, the vfio-ap device, the guest kernel's boot (which runs
  /// launch.guest_init).  On failure prints QEMU's message on `err`, returns nullptr, and
  /// leaves nothing behind.
  static std::unique_ptr<QemuProcess> start(LinuxKernel& host, const std::vector<std::string>& argv,
                                            std::ostream& err, const QemuLaunch& launch = {});
  ~QemuProcess();

  const std::string& name() const { return name_; }
  LinuxKernel& guest() { return *guest_; }
  KvmVm& vm() { return *vm_; }
  /// The vfio-ap device's id= ("" if it has none or there is no device).
  const std::string& device_id() const { return device_id_; }
  bool has_device() const { return mdev_ != nullptr; }
  /// The domain id libvirt shows (virsh list): 1, 2, ... in the order guests start.
  int domain_id() const { return domain_id_; }
  /// The guest's vCPUs (-smp; 1 without it, as QEMU).
  unsigned vcpus() const { return vcpus_; }
  void set_domain_id(int id) { domain_id_ = id; }

  // ---- the QEMU monitor (HMP), as `virsh qemu-monitor-command NAME --hmp` reaches it ----
  /// Run one HMP command line; returns what the monitor prints ("" for a silent success,
  /// "Error: ...\n" for a failure, as HMP reports errors).
  std::string hmp(const std::string& line);
  /// device_add vfio-ap,sysfsdev=PATH[,id=ID]: hot plug an mdev; "" or QEMU's error text.
  std::string device_add(const std::string& spec);
  /// device_del ID: hot unplug the vfio-ap device; "" or QEMU's error text.
  std::string device_del(const std::string& id);
  /// The mdev the vfio-ap device holds, or nullptr (no device).
  const ApMatrixMdev* mdev() const { return mdev_; }
  /// Unplug the vfio-ap device whatever its id: libvirt's device_del by its own alias
  /// (libvirt names every device it plugs, so it never lacks one).  "" or QEMU's error.
  std::string unplug_device();

 private:
  QemuProcess() = default;
  /// vfio_ap_realize: open the mdev `path` for this guest; "" or the error after "vfio ".
  std::string attach(const std::string& spec, const std::string& path, const std::string& id);
  /// Wire the mdev's CFG_CHG and REQ eventfds to this process and its guest.
  void attach_callbacks();
  /// vfio_ap_unrealize: close the mdev (the kernel clears the masks and resets the queues).
  void detach();
  /// The guest's AP bus is told of the changed configuration (a CRW with the AP
  /// configuration-change SEI) when the host kernel has the CFG_CHG eventfd; else it finds
  /// the change at its periodic rescan.
  void notify_guest();

  LinuxKernel* host_ = nullptr;
  std::string name_;
  std::string device_id_;
  int domain_id_ = 0;
  unsigned vcpus_ = 1;
  arch::Facilities features_;
  std::unique_ptr<KvmVm> vm_;
  ApMatrixMdev* mdev_ = nullptr;
  std::unique_ptr<LinuxKernel> guest_;
};

}  // namespace apsim::driver
