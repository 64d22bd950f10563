// driver/qemu.cpp — qemu-system-s390x: arguments, CPU model, vfio-ap, guest boot.
#include "driver/qemu.h"

#include <cctype>
#include <map>
#include <ostream>
#include <set>

#include "driver/ap_bus.h"
#include "driver/kernel.h"
#include "driver/kvm.h"
#include "driver/vfio_ap.h"

namespace apsim::driver {

namespace {

// "a=b,c=d" after the first comma-separated token.
std::map<std::string, std::string> props(const std::string& s, std::string& first) {
  std::map<std::string, std::string> m;
  size_t pos = 0;
  bool head = true;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    const std::string tok = s.substr(pos, comma - pos);
    const size_t eq = tok.find('=');
    if (head && eq == std::string::npos) first = tok;
    else if (eq == std::string::npos) m[tok] = "on";
    else m[tok.substr(0, eq)] = tok.substr(eq + 1);
    head = false;
    pos = comma + 1;
  }
  return m;
}

bool parse_mem(const std::string& s, uint64_t& bytes) {
  if (s.empty()) return false;
  size_t i = 0;
  uint64_t v = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) v = v * 10 + (s[i++] - '0');
  if (i == 0) return false;
  const std::string suf = s.substr(i);
  uint64_t mult = 1ull << 20;  // QEMU: a bare number is MiB
  if (suf == "G" || suf == "g") mult = 1ull << 30;
  else if (suf == "M" || suf == "m" || suf.empty()) mult = 1ull << 20;
  else if (suf == "K" || suf == "k") mult = 1ull << 10;
  else return false;
  bytes = v * mult;
  return bytes >= (64ull << 20);
}

}  // namespace

std::unique_ptr<QemuProcess> QemuProcess::start(LinuxKernel& host, const std::vector<std::string>& argv,
                                                std::ostream& err) {
  const std::string prog = "qemu-system-s390x";
  std::string name, cpu_model = "host", device;
  std::map<std::string, std::string> cpu_props;
  uint64_t mem = 1ull << 30;
  // Options that take a value and do not concern the AP path.
  static const std::set<std::string> with_value = {"-m", "-smp", "-machine", "-M", "-drive", "-kernel", "-initrd",
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
      auto p = props(v, first);
      name = p.count("guest") ? p["guest"] : first;
    } else if (a == "-cpu") {
      if (!value(v)) return nullptr;
      cpu_props = props(v, cpu_model);
    } else if (a == "-device") {
      if (!value(v)) return nullptr;
      std::string drv;
      props(v, drv);
      if (drv != "vfio-ap") {
        err << prog << ": -device " << v << ": '" << drv << "' is not a valid device model name\n";
        return nullptr;
      }
      if (!device.empty()) {
        err << prog << ": -device " << v << ": Bus 'ap-bus' does not support hotplugging\n";
        return nullptr;
      }
      device = v;
    } else if (a == "-m") {
      if (!value(v)) return nullptr;
      if (!parse_mem(v, mem)) {
        err << prog << ": -m " << v << ": Parameter 'size' expects a non-negative number below 2^64\n";
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
  if (host.guests().count(name)) {
    err << prog << ": a guest named '" << name << "' is already running\n";
    return nullptr;
  }

  // CPU model features (target/s390x): host = what the host has; named models = off unless asked.
  const arch::Facilities& hf = host.cpu().facilities();
  arch::Facilities gf;
  const bool host_model = cpu_model == "host" || cpu_model == "max";
  gf.ap = host_model && hf.ap;
  gf.qci = host_model && hf.qci;
  gf.apft = host_model && hf.apft;
  gf.aqic = host_model && hf.aqic;
  gf.apxa = hf.apxa;
  for (auto& [k, val] : cpu_props) {
    bool* f = k == "ap" ? &gf.ap : k == "apqci" ? &gf.qci : k == "apft" ? &gf.apft : k == "apqi" ? &gf.aqic : nullptr;
    if (!f) continue;  // other CPU features do not concern AP
    if (val != "on" && val != "off") {
      err << prog << ": -cpu " << cpu_model << ": Parameter '" << k << "' expects 'on' or 'off'\n";
      return nullptr;
    }
    const bool host_has = k == "ap" ? hf.ap : k == "apqci" ? hf.qci : k == "apft" ? hf.apft : hf.aqic;
    if (val == "on" && !host_has) {
      err << prog << ": Some features requested in the CPU model are not available in the configuration: " << k
          << "\n";
      return nullptr;
    }
    *f = val == "on";
  }

  auto p = std::unique_ptr<QemuProcess>(new QemuProcess());
  p->host_ = &host;
  p->name_ = name;
  ApMatrixMdev* mdev = nullptr;
  if (!device.empty()) {
    std::string drv;
    auto dp = props(device, drv);
    if (!gf.ap) {  // the AP bridge and bus exist only with the ap feature
      err << prog << ": -device " << device << ": No 'ap-bus' bus found for device 'vfio-ap'\n";
      return nullptr;
    }
    const std::string path = dp.count("sysfsdev") ? dp["sysfsdev"] : "";
    if (path.empty()) {
      err << prog << ": -device " << device << ": vfio-ap device requires sysfsdev\n";
      return nullptr;
    }
    VfioAp* vfio = host.vfio_ap();
    mdev = vfio ? vfio->mdev_by_path(path) : nullptr;
    if (!mdev) {
      err << prog << ": -device " << device << ": vfio " << path
          << ": no such host device: No such file or directory\n";
      return nullptr;
    }
    p->device_id_ = dp.count("id") ? dp["id"] : "";
  }
  p->vm_ = std::make_unique<KvmVm>(host, name, mem, gf);
  if (mdev) {
    if (int rc = host.vfio_ap()->open_device(*mdev, *p->vm_); rc) {
      err << prog << ": -device " << device << ": vfio " << mdev->uuid << ": error getting device from group: "
          << (rc == -16 ? "Device or resource busy" : "Operation not permitted") << "\n";
      return nullptr;
    }
    p->mdev_ = mdev;
  }
  KernelOptions ko;
  ko.hostname = name;
  ko.is_guest = true;
  ko.seed = host.rng()();
  ko.alloc_limit = mem;
  p->guest_ = std::make_unique<LinuxKernel>(p->vm_->vcpu(), ko);
  LinuxKernel* guest = p->guest_.get();
  // CFG_CHG: QEMU raises a CRW and a CHSC SEI event; the guest's AP bus rescans.
  if (mdev) mdev->cfg_chg = [guest] { guest->ap_bus().scan(); };
  host.printk("kvm: " + name + ": started, CRYCB format " + std::to_string(p->vm_->crycb_format() == 3 ? 2 : p->vm_->crycb_format()) +
              ", APIE " + (gf.ap ? "on" : "off"));
  guest->boot();
  return p;
}

QemuProcess::~QemuProcess() {
  if (mdev_ && host_ && host_->vfio_ap()) host_->vfio_ap()->close_device(*mdev_);
}

}  // namespace apsim::driver
