// driver/qemu.cpp — qemu-system-s390x: arguments, CPU model, vfio-ap, guest boot.
#include "driver/qemu.h"

#include <cctype>
#include <cerrno>
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

// Whether the named QEMU CPU model (target/s390x/cpu_models.c, gen-features.c) has `msa3`
// (STFLE 76, MSA extension 3) — KVM gives a guest without it CRYCB format 0.  The default
// feature set of a model has it from z196 (GEN11_GA1) on; a "-full" model from z10 GA3
// (GEN10_GA3); a "-base" model never; QEMU's own "qemu" model has it.  Returns false for a
// name QEMU does not know.
bool named_model_msa3(const std::string& name, bool& msa3) {
  struct Model { const char* name; int gen, ga; };
  static const Model models[] = {
      {"z900", 7, 1},    {"z900.2", 7, 2},  {"z900.3", 7, 3},  {"z800", 7, 3},    {"z990", 8, 1},
      {"z990.2", 8, 2},  {"z990.3", 8, 3},  {"z890", 8, 3},    {"z990.4", 8, 4},  {"z890.2", 8, 4},
      {"z990.5", 8, 5},  {"z890.3", 8, 5},  {"z9EC", 9, 1},    {"z9EC.2", 9, 2},  {"z9BC", 9, 2},
      {"z9EC.3", 9, 3},  {"z9BC.2", 9, 3},  {"z10EC", 10, 1},  {"z10EC.2", 10, 2}, {"z10BC", 10, 2},
      {"z10EC.3", 10, 3}, {"z10BC.2", 10, 3}, {"z196", 11, 1},  {"z114", 11, 1},   {"z196.2", 11, 2},
      {"z114.2", 11, 2}, {"zEC12", 12, 1},  {"zEC12.2", 12, 2}, {"zBC12", 12, 2}, {"z13", 13, 1},
      {"z13.2", 13, 2},  {"z13s", 13, 2},   {"z14", 14, 1},    {"z14.2", 14, 2},  {"z14ZR1", 14, 2},
      {"z15", 15, 1},    {"z15.2", 15, 2},  {"gen16a", 16, 1}, {"gen16b", 16, 2}, {"z16", 16, 1},
      {"z16.2", 16, 2},  {"gen17a", 17, 1}, {"gen17b", 17, 2},
  };
  if (name == "qemu") {
    msa3 = true;
    return true;
  }
  std::string base = name;
  int variant = 0;  // 0 default, 1 -base, 2 -full
  for (const auto& [suffix, v] : {std::pair<const char*, int>{"-base", 1}, {"-full", 2}}) {
    const std::string sfx = suffix;
    if (base.size() > sfx.size() && base.compare(base.size() - sfx.size(), sfx.size(), sfx) == 0) {
      base.resize(base.size() - sfx.size());
      variant = v;
    }
  }
  for (const Model& m : models)
    if (base == m.name) {
      msa3 = variant == 0 ? m.gen >= 11 : variant == 2 ? (m.gen > 10 || (m.gen == 10 && m.ga >= 3)) : false;
      return true;
    }
  return false;
}

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
  bool model_msa3 = false;
  if (!host_model && !named_model_msa3(cpu_model, model_msa3)) {
    err << prog << ": unable to find CPU model '" << cpu_model << "'\n";
    return nullptr;
  }
  gf.ap = host_model && hf.ap;
  gf.qci = host_model && hf.qci;
  gf.apft = host_model && hf.apft;
  gf.aqic = host_model && hf.aqic;
  gf.apxa = hf.apxa;
  gf.msax3 = host_model ? hf.msax3 : model_msa3;  // facility 76 decides the CRYCB format (KVM)
  for (auto& [k, val] : cpu_props) {
    bool* f = k == "ap"      ? &gf.ap
              : k == "apqci" ? &gf.qci
              : k == "apft"  ? &gf.apft
              : k == "apqi"  ? &gf.aqic
              : k == "msa3"  ? &gf.msax3
                             : nullptr;
    if (!f) continue;  // other CPU features do not concern AP
    if (val != "on" && val != "off") {
      err << prog << ": -cpu " << cpu_model << ": Parameter '" << k << "' expects 'on' or 'off'\n";
      return nullptr;
    }
    const bool host_has = k == "ap"      ? hf.ap
                          : k == "apqci" ? hf.qci
                          : k == "apft"  ? hf.apft
                          : k == "apqi"  ? hf.aqic
                                         : hf.msax3;
    if (val == "on" && !host_has) {
      err << prog << ": Some features requested in the CPU model are not available in the configuration: " << k
          << "\n";
      return nullptr;
    }
    *f = val == "on";
  }

  // QEMU allocates the guest's RAM before it creates the VM's devices; apsim's host storage
  // is the limit here (LPAR "storage_mib").  qemu_ram_alloc's error text.
  if (!host.guest_memory_fits(mem)) {
    err << prog << ": cannot set up guest memory 's390.ram': Cannot allocate memory\n";
    return nullptr;
  }
  auto p = std::unique_ptr<QemuProcess>(new QemuProcess());
  p->host_ = &host;
  p->name_ = name;
  p->features_ = gf;
  p->vm_ = std::make_unique<KvmVm>(host, name, mem, gf);
  if (!device.empty()) {
    std::string drv;
    auto dp = props(device, drv);
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
  p->guest_ = std::make_unique<LinuxKernel>(p->vm_->vcpu(), ko);
  QemuProcess* qp = p.get();
  // A system reset (`reboot` in the guest) resets the vfio-ap device: VFIO_DEVICE_RESET.
  p->guest_->on_system_reset = [qp] {
    if (qp->mdev_ && qp->host_->vfio_ap()) qp->host_->vfio_ap()->reset_device(*qp->mdev_);
  };
  if (p->mdev_) p->attach_callbacks();
  p->guest_->boot();
  return p;
}

std::string QemuProcess::attach(const std::string& spec, const std::string& path, const std::string& id) {
  (void)spec;
  if (path.empty()) return "vfio-ap device requires sysfsdev";
  VfioAp* vfio = host_->vfio_ap();
  ApMatrixMdev* mdev = vfio ? vfio->mdev_by_path(path) : nullptr;
  if (!mdev) return "vfio " + path + ": no such host device: No such file or directory";
  if (int rc = vfio->open_device(*mdev, *vm_); rc)
    return "vfio " + mdev->uuid + ": error getting device from group: " +
           (rc == -EBUSY ? "Device or resource busy" : "Operation not permitted");
  mdev_ = mdev;
  device_id_ = id;
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
  if (guest_) guest_->ap_bus().scan();
}

std::string QemuProcess::device_add(const std::string& spec) {
  std::string drv;
  auto dp = props(spec, drv);
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

QemuProcess::~QemuProcess() { detach(); }

}  // namespace apsim::driver
