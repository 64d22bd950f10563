// driver/linux/module.cpp — loading and unloading modules (kernel/module/main.c, reached by
// kmod's modprobe and rmmod through init_module/delete_module), the module table behind
// modinfo, /proc/modules (kernel/module/procfs.c) and kmod's messages for its failures (kmod
// 30, Debian bookworm's: tools/modprobe.c, tools/rmmod.c).
//
// The modules apsim knows are the AP stack's and what vfio_ap needs, as Debian's s390x 6.1
// kernel builds them: the AP bus is built in (CONFIG_AP=y: `modprobe ap` is a no-op success,
// `modprobe -r ap` "is builtin"); zcrypt, zcrypt_cex4, vfio_ap, kvm, vfio, mdev and
// vfio_iommu_type1 are modules.  Their sizes are apsim's figures (of the order Debian's s390x
// modules have), not measured; the .modinfo fields are the sources' MODULE_* lines.
#include <algorithm>
#include <ostream>
#include <sstream>

#include "driver/linux/ap_bus.h"
#include "driver/linux/kernel.h"
#include "driver/linux/vfio_ap_private.h"
#include "driver/linux/zcrypt_api.h"

namespace apsim::driver {

namespace {

// Module names are compared with '-' and '_' alike (kmod's modname_normalize).
std::string normalize(const std::string& name) {
  std::string m = name;
  for (char& c : m)
    if (c == '-') c = '_';
  return m;
}

const std::vector<LinuxKernel::ModuleInfo>& module_table() {
  // modinfo prints the .modinfo section in the reverse of the MODULE_* lines' order.
  static const std::vector<LinuxKernel::ModuleInfo> table = {
      {"zcrypt", 200704, {}, "kernel/drivers/s390/crypto/zcrypt.ko",
       {{"parm", "hwrng_seed:Turn on/off hwrng auto seed, default is 1 (on). (int)"},
        {"license", "GPL"},
        {"description", "Cryptographic Coprocessor interface, Copyright IBM Corp. 2001, 2012"},
        {"author", "IBM Corporation"}}},
      {"zcrypt_cex4", 24576, {"zcrypt"}, "kernel/drivers/s390/crypto/zcrypt_cex4.ko",
       {{"alias", "ap:t10*"}, {"alias", "ap:t0F*"}, {"alias", "ap:t0E*"}, {"alias", "ap:t0D*"},
        {"alias", "ap:t0C*"}, {"alias", "ap:t0B*"}, {"alias", "ap:t0A*"},
        {"license", "GPL"},
        {"description", "CEX[45678] Cryptographic Card device driver, Copyright IBM Corp. 2022"},
        {"author", "IBM Corporation"}}},
      {"kvm", 557056, {}, "kernel/arch/s390/kvm/kvm.ko",
       {{"alias", "devname:kvm"}, {"alias", "char-major-10-232"},
        {"parm", "diag9c_forwarding_hz:Maximum diag9c forwarding per second, 0 to turn off (uint)"},
        {"parm", "use_gisa:Use the GISA if the host supports it. (int)"},
        {"parm", "halt_poll_max_steal:Maximum percentage of steal time to allow polling (byte)"},
        {"parm", "hpage:1m huge page backing support (int)"},
        {"parm", "nested:Nested virtualization support (int)"},
        {"license", "GPL"}}},
      {"vfio", 49152, {}, "kernel/drivers/vfio/vfio.ko",
       {{"softdep", "post: vfio_iommu_type1 vfio_iommu_spapr_tce"}, {"alias", "devname:vfio/vfio"},
        {"alias", "char-major-10-196"},
        {"description", "VFIO - User Level meta-driver"},
        {"author", "Alex Williamson <alex.williamson@redhat.com>"},
        {"license", "GPL v2"},
        {"version", "0.3"}}},
      {"vfio_iommu_type1", 45056, {"vfio"}, "kernel/drivers/vfio/vfio_iommu_type1.ko",
       {{"description", "Type1 IOMMU driver for VFIO"},
        {"author", "Alex Williamson <alex.williamson@redhat.com>"},
        {"license", "GPL v2"},
        {"version", "0.2"},
        {"parm", "dma_entry_limit:Maximum number of user DMA mappings per container (65535). (uint)"},
        {"parm", "disable_hugepages:Disable VFIO IOMMU support for IOMMU hugepages. (bool)"},
        {"parm", "allow_unsafe_interrupts:Enable VFIO IOMMU support for on platforms without interrupt "
                 "remapping support. (bool)"}}},
      {"mdev", 28672, {}, "kernel/drivers/vfio/mdev/mdev.ko",
       {{"description", "Mediated device Core Driver"},
        {"author", "Kirti Wankhede <kwankhede@nvidia.com>"},
        {"license", "GPL v2"},
        {"version", "0.1"}}},
      {"vfio_ap", 57344, {"kvm", "vfio", "mdev"}, "kernel/drivers/s390/crypto/vfio_ap.ko",
       {{"license", "GPL v2"},
        {"description", "VFIO AP device driver, Copyright IBM Corp. 2018"},
        {"author", "IBM Corporation"}}},
  };
  return table;
}

}  // namespace

const LinuxKernel::ModuleInfo* LinuxKernel::find_module(const std::string& name, bool* builtin) {
  const std::string m = normalize(name);
  if (builtin) *builtin = m == "ap";
  for (const auto& info : module_table())
    if (info.name == m) return &info;
  return nullptr;
}

bool LinuxKernel::module_loaded(const std::string& m) const {
  return std::find(modules_.begin(), modules_.end(), m) != modules_.end();
}

// insmod of `m` after its dependencies (modprobe loads modules.dep's list first, and a
// module's post softdeps after it).
void LinuxKernel::insert_module(const std::string& m) {
  if (module_loaded(m)) return;
  if (const ModuleInfo* info = find_module(m))
    for (const auto& d : info->depends) insert_module(d);
  modules_.push_back(m);
  if (m == "vfio") insert_module("vfio_iommu_type1");  // softdep post
}

std::vector<std::string> LinuxKernel::loaded_modules() const {
  return std::vector<std::string>(modules_.rbegin(), modules_.rend());
}

std::vector<std::string> LinuxKernel::module_holders(const std::string& name) const {
  std::vector<std::string> holders;
  for (const auto& m : modules_) {
    const ModuleInfo* info = find_module(m);
    if (info && std::find(info->depends.begin(), info->depends.end(), name) != info->depends.end())
      holders.push_back(m);
  }
  return holders;
}

int LinuxKernel::module_refcount(const std::string& name) const {
  if (!module_loaded(name)) return 0;
  int n = static_cast<int>(module_holders(name).size());
  const int opened = vfio_ap_ ? vfio_ap_->opened_mdevs() : 0;
  // Files whose fops name the module as owner: /dev/kvm, each VM and each vCPU (apsim's VMs
  // have one vCPU); per guest using an mdev, vfio's container, group and device files, the
  // container's IOMMU backend, and the mdev's driver (vfio_device_open).
  if (name == "kvm") n += 3 * kvm_vms_;
  if (name == "vfio") n += 3 * opened;
  if (name == "vfio_iommu_type1") n += opened;
  if (name == "vfio_ap") n += opened;
  return n;
}

void LinuxKernel::kvm_vm_created() {
  insert_module("kvm");  // QEMU's open of /dev/kvm loads it (MODULE_ALIAS("devname:kvm"))
  ++kvm_vms_;
}
void LinuxKernel::kvm_vm_destroyed() { --kvm_vms_; }

int LinuxKernel::load_module(const std::string& name, std::ostream& err) {
  const std::string m = normalize(name);
  bool builtin = false;
  const ModuleInfo* info = find_module(m, &builtin);
  if (builtin) return 0;
  if (!info || (m == "vfio_ap" && opts_.is_guest)) {
    err << "modprobe: FATAL: Module " << name << " not found in directory /lib/modules/" << release() << "\n";
    return 1;
  }
  if (module_loaded(m)) return 0;
  if (m == "zcrypt_cex4") {
    // zcrypt_cex4_init -> ap_driver_register -> driver_register: without a registered AP bus
    // (ap_module_init returned -ENODEV) -EINVAL with driver_register's kernel-log line.  Its
    // dependency zcrypt loads: zcrypt_api_init needs no AP bus.  kmod (tools/modprobe.c,
    // insmod): "could not insert '%s': %s" with strerror(-err).
    insert_module("zcrypt");
    if (zcrypt_->register_with(*ap_bus_) != 0) {
      err << "modprobe: ERROR: could not insert 'zcrypt_cex4': Invalid argument\n";
      return 1;
    }
    insert_module(m);
    return 0;
  }
  if (m != "vfio_ap") {
    insert_module(m);
    return 0;
  }
  auto vfio = std::make_unique<VfioAp>(*this);
  if (vfio->init() != 0) {
    // vfio_ap_init: no AP instructions -> -ENODEV (the only error its init returns here);
    // the module is not loaded (its dependencies are: modprobe inserted them first).
    // kmod's insmod: "could not insert '%s': %s", strerror(ENODEV).
    for (const auto& d : info->depends) insert_module(d);
    err << "modprobe: ERROR: could not insert 'vfio_ap': No such device\n";
    return 1;
  }
  vfio_ap_ = std::move(vfio);
  insert_module(m);
  // The matrix parent device registered (mdev_register_parent): its "add" uevent, on which
  // udev's 60-mdevctl.rules starts the mdevs defined with start=auto.
  uevent("add", "/sys/devices/vfio_ap/matrix");
  return 0;
}

int LinuxKernel::unload_module(const std::string& name, std::ostream& err) {
  // kmod 30 tools/modprobe.c rmmod(): kmod_module_new_from_lookup finds nothing ->
  // "Module %s not found."; rmmod_do_module: not loaded -> nothing (only --first-time says
  // "is not in kernel"), built in -> "is builtin.", refcnt > 0 -> "is in use."; after the
  // removal its dependencies whose refcnt fell to 0 go too.  LOG prints "modprobe: FATAL: ".
  const std::string m = normalize(name);
  bool builtin = false;
  const ModuleInfo* info = find_module(m, &builtin);
  if (!info && !builtin) {
    err << "modprobe: FATAL: Module " << name << " not found.\n";
    return 1;
  }
  if (builtin) {
    err << "modprobe: FATAL: Module " << m << " is builtin.\n";
    return 1;
  }
  if (m == "vfio_ap" && opts_.is_guest) {
    err << "modprobe: FATAL: Module " << name << " not found.\n";
    return 1;
  }
  if (!module_loaded(m)) return 0;
  if (module_refcount(m) > 0) {
    err << "modprobe: FATAL: Module " << m << " is in use.\n";
    return 1;
  }
  std::ostringstream ignored;
  if (rmmod(m, ignored) != 0) return 1;
  for (const auto& d : info->depends)
    if (module_loaded(d) && module_refcount(d) == 0) rmmod(d, ignored);
  if (m == "vfio" && module_loaded("vfio_iommu_type1") && module_refcount("vfio_iommu_type1") == 0)
    rmmod("vfio_iommu_type1", ignored);  // its post softdep
  return 0;
}

int LinuxKernel::rmmod(const std::string& name, std::ostream& err) {
  // kmod 30 tools/rmmod.c check_module_inuse, ERR prints "rmmod: ERROR: ".
  const std::string m = normalize(name);
  bool builtin = false;
  find_module(m, &builtin);
  if (builtin) {
    err << "rmmod: ERROR: Module " << m << " is builtin.\n";
    return 1;
  }
  if (!module_loaded(m)) {
    err << "rmmod: ERROR: Module " << m << " is not currently loaded\n";
    return 1;
  }
  if (const auto holders = module_holders(m); !holders.empty()) {
    err << "rmmod: ERROR: Module " << m << " is in use by:";
    for (const auto& h : holders) err << " " << h;
    err << "\n";
    return 1;
  }
  if (module_refcount(m) > 0) {
    err << "rmmod: ERROR: Module " << m << " is in use\n";
    return 1;
  }
  // The module's exit function.
  if (m == "vfio_ap" && vfio_ap_) {
    if (vfio_ap_->exit() != 0) {
      err << "rmmod: ERROR: Module " << m << " is in use\n";
      return 1;
    }
    vfio_ap_.reset();
  }
  if (m == "zcrypt_cex4") zcrypt_->unregister_from(*ap_bus_);  // zcrypt_cex4_exit
  modules_.erase(std::find(modules_.begin(), modules_.end(), m));
  return 0;
}

std::string LinuxKernel::proc_modules() const {
  // m_show: "%s %u", print_unload_info (" %i " refcount, each holder "%s,", "-" if none),
  // " Live", " 0x%px" of the module's base: 0 when kallsyms_show_value says no (apsim shows
  // no addresses).
  std::ostringstream o;
  for (const auto& m : loaded_modules()) {
    const ModuleInfo* info = find_module(m);
    o << m << " " << (info ? info->size : 0) << " " << module_refcount(m) << " ";
    const auto holders = module_holders(m);
    if (holders.empty()) o << "-";
    for (const auto& h : holders) o << h << ",";
    o << " Live 0x0000000000000000\n";
  }
  return o.str();
}

}  // namespace apsim::driver
