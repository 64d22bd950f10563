// driver/qemu/vl.cpp — starting a qemu-system-s390x process (softmmu/vl.c): its command
// line, the guest's memory, the KVM VM, the vfio-ap device given with -device, and the
// guest's boot.
#include <cctype>
#include <cerrno>
#include <map>
#include <ostream>
#include <set>

#include "driver/linux/ap_bus.h"
#include "driver/linux/kernel.h"
#include "driver/linux/kvm-s390.h"
#include "driver/linux/vfio_ap_private.h"
#include "driver/qemu/qemu.h"

namespace apsim::driver {

namespace {

bool parse_mem(const std::string& s, uint64_t& bytes) {
  if (s.empty()) return false;
  size_t i = 0;
  uint64_t v = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    const unsigned d = static_cast<unsigned>(s[i++] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;  // qemu_strtosz: -ERANGE
    v = v * 10 + d;
  }
  if (i == 0) return false;
  const std::string suf = s.substr(i);
  uint64_t mult = 1ull << 20;  // QEMU: a bare number is MiB
  if (suf == "G" || suf == "g") mult = 1ull << 30;
  else if (suf == "M" || suf == "m" || suf.empty()) mult = 1ull << 20;
  else if (suf == "K" || suf == "k") mult = 1ull << 10;
  else return false;
  if (v > UINT64_MAX / mult) return false;  // beyond 2^64 bytes: -ERANGE as well
  bytes = v * mult;
  return bytes >= (64ull << 20);
}

}  // namespace

std::unique_ptr<QemuProcess> QemuProcess::start(LinuxKernel& host, const std::vector<std::string>& argv,
                                                std::ostream& err, const QemuLaunch& launch) {
  const std::string prog = "qemu-system-s390x";
  std::string name, cpu_model = "host", device;
  std::map<std::string, std::string> cpu_props;
  uint64_t mem = 1ull << 30;
  // Options that take a value and do not concern the AP path.
  unsigned vcpus = 1;
  static const std::set<std::string> with_value = {"-m", "-machine", "-M", "-drive", "-kernel", "-initrd",
                                                   "-append", "-accel", "-serial", "-monitor", "-netdev",
                                                   "-display", "-boot", "-chardev", "-mon", "-object", "-uuid"};
  static const std::set<std::string> flags = {"-nographic", "-enable-kvm", "-nodefaults", "-no-reboot",
                                              "-daemonize", "-S", "-snapshot"};
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argv.size()) {
        err << prog << ": " << a << ": requires an argument\n";
        return false;
      }
      out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "-name") {
      if (!value(v)) return nullptr;
      std::string first;
      auto p = qemu_opts_parse(v, first);
      name = p.count("guest") ? p["guest"] : first;
    } else if (a == "-cpu") {
      if (!value(v)) return nullptr;
      cpu_props = qemu_opts_parse(v, cpu_model);
    } else if (a == "-device") {
      if (!value(v)) return nullptr;
      std::string drv;
      qemu_opts_parse(v, drv);
      if (drv != "vfio-ap") {
        err << prog << ": -device " << v << ": '" << drv << "' is not a valid device model name\n";
        return nullptr;
      }
      if (!device.empty()) {  // the AP bridge takes one device (max_dev = 1)
        err << prog << ": -device " << v << ": No 'ap-bus' bus found for device 'vfio-ap'\n";
        return nullptr;
      }
      device = v;
    } else if (a == "-m") {
      if (!value(v)) return nullptr;
      if (!parse_mem(v, mem)) {
        err << prog << ": -m " << v << ": Parameter 'size' expects a non-negative number below 2^64\n";
        return nullptr;
      }
    } else if (a == "-smp") {
      if (!value(v)) return nullptr;
      if (const std::string error = parse_smp(v, vcpus); !error.empty()) {
        err << prog << ": " << error << "\n";
        return nullptr;
      }
    } else if (with_value.count(a)) {
      if (!value(v)) return nullptr;
    } else if (flags.count(a)) {
      // no effect on the simulated guest
    } else {
      err << prog << ": " << a << ": invalid option\n";
      return nullptr;
    }
  }
  if (name.empty()) {
    err << prog << ": apsim needs -name NAME to address the guest with ssh\n";
    return nullptr;
  }
  if (launch.name_taken && launch.name_taken(name)) {
    err << prog << ": a guest named '" << name << "' is already running\n";
    return nullptr;
  }

  // CPU model features (target/s390x/cpu_models.c).
  arch::Facilities gf;
  if (const std::string error = s390_cpu_model_features(cpu_model, cpu_props, host.cpu().facilities(), gf); !error.empty()) {
    err << prog << ": " << error << "\n";
    return nullptr;
  }

  // QEMU allocates the guest's RAM before it creates the VM's devices; apsim's host storage
  // is the limit here (LPAR "storage_mib").  qemu_ram_alloc's error text.
  if (!host.guest_memory_fits(mem)) {
    err << prog << ": cannot set up guest memory 's390.ram': Cannot allocate memory\n";
    return nullptr;
  }
  // QEMU's own start-up (KVM_CREATE_VM, RAM, machine init) runs on a host CPU.
  host.cpu().run_software(arch::SoftwareStep::qemu_start);
  auto p = std::unique_ptr<QemuProcess>(new QemuProcess());
  p->host_ = &host;
  p->vcpus_ = vcpus;
  p->name_ = name;
  p->features_ = gf;
  p->vm_ = std::make_unique<KvmVm>(host, name, mem, gf);
  p->vm_->vcpu().set_vcpus(vcpus);  // the guest's threads run on -smp vCPUs (docs/cpu-complex.md)
  if (!device.empty()) {
    std::string drv;
    auto dp = qemu_opts_parse(device, drv);
    if (!gf.ap) {  // the AP bridge and bus exist only with the ap feature
      err << prog << ": -device " << device << ": No 'ap-bus' bus found for device 'vfio-ap'\n";
      return nullptr;
    }
    const std::string error = p->attach(device, dp.count("sysfsdev") ? dp["sysfsdev"] : "", dp.count("id") ? dp["id"] : "");
    if (!error.empty()) {
      err << prog << ": -device " << device << ": " << error << "\n";
      return nullptr;
    }
  }
  KernelOptions ko;
  ko.hostname = name;
  ko.is_guest = true;
  ko.seed = host.rng()();
  ko.alloc_limit = mem;
  ko.init = launch.guest_init;
  ko.profile = &host.profile();  // the guest runs the host's release
  ko.initcall_ps = host.options().initcall_ps;
  p->guest_ = std::make_unique<LinuxKernel>(p->vm_->vcpu(), ko);
  QemuProcess* qp = p.get();
  // A system reset (`reboot` in the guest) resets the vfio-ap device: VFIO_DEVICE_RESET.
  p->guest_->on_system_reset = [qp] {
    if (qp->mdev_ && qp->host_->vfio_ap()) qp->host_->vfio_ap()->reset_device(*qp->mdev_);
  };
  if (p->mdev_) p->attach_callbacks();
  p->guest_->boot();
  if (p->guest_->panicked()) {
    // The guest ran out of memory at boot (its matrix's queues need more than -m) and
    // panicked; QEMU's default panic action is shutdown (softmmu/runstate.c
    // qemu_system_guest_panicked), so QEMU exits 0 and the guest is gone.  What the guest's
    // console shows from the OOM report on goes to QEMU's stderr (apsim has no console
    // stream of its own; choice).
    const std::vector<std::string>& log = p->guest_->log();
    size_t from = log.size();
    while (from > 0 && log[from - 1].find("invoked oom-killer") == std::string::npos) --from;
    for (size_t i = from ? from - 1 : 0; i < log.size(); ++i) err << log[i] << "\n";
  }
  return p;
}

QemuProcess::~QemuProcess() { detach(); }

}  // namespace apsim::driver
