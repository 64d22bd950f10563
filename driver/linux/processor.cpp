// driver/linux/processor.cpp — /proc/cpuinfo (arch/s390/kernel/processor.c show_cpuinfo, 6.1):
// the summary (vendor, processors, bogomips, max thread id, the ELF hwcaps as `features`, the
// STFLE facility bits as `facilities`), then a "processor N:" line per CPU and a block per
// CPU.  What apsim models decides the AP facility bits: STFLE 12 (QCI), 15 (APFT) and 65
// (AQIC) appear as the CPU model has them (an LPAR config's "facilities"; a guest's -cpu),
// and `sie` (HWCAP_S390_SIE, KVM can run guests) on an LPAR, not in a KVM guest without
// nested virtualization.  The other bits, the cache lines (show_cacheinfo, left out), the
// CPU identification and the frequencies are apsim's choice of an IBM z16 (machine type 3931);
// they are not measured.
#include <sstream>

#include "driver/linux/kernel.h"

namespace apsim::driver {

std::string LinuxKernel::proc_cpuinfo() const {
  const arch::Facilities& fac = const_cast<LinuxKernel*>(this)->cpu().facilities();
  std::ostringstream o;
  o << "vendor_id       : IBM/S390\n"
       "# processors    : 1\n"
       "bogomips per cpu: 3241.00\n"
       "max thread id   : 0\n";
  // hwcap_str[] in elf_hwcap bit order.
  o << "features\t: esan3 zarch stfle msa ldisp eimm dfp edat etf3eh highgprs te vx vxd vxe gs vxe2 vxp sort dflt "
       "vxp2 nnpa pcimio "
    << (opts_.is_guest ? "" : "sie ") << "\n";
  // show_facilities: " %d" for each installed STFLE bit, in ascending order.
  static const int base[] = {0,  1,  2,  3,  4,  6,  7,  8,  9,  10, 14, 16, 17, 18, 19, 20, 21, 22, 23, 24,
                             25, 26, 27, 28, 30, 31, 32, 33, 34, 35, 36, 37, 38, 40, 41, 42, 43, 44, 45, 47,
                             48, 49, 50, 51, 52, 53, 54, 57, 58, 59, 60, 61, 64, 69, 70, 71, 72, 73, 74, 75,
                             77, 78, 80, 81, 82, 129, 130, 131, 132, 133, 134, 135, 138, 139, 141, 142, 146,
                             148, 149, 150, 151, 152, 155, 156, 165, 192, 193, 194, 196, 197};
  o << "facilities      :";
  for (int bit : base) {
    if (bit == 14) {  // the AP bits go in order among the others
      if (fac.qci) o << " 12";
    }
    if (bit == 16 && fac.apft) o << " 15";
    if (bit == 69 && fac.aqic) o << " 65";
    if (bit == 77 && fac.msax3) o << " 76";
    o << " " << bit;
  }
  o << "\n";
  o << "processor 0: version = 00,  identification = 0DC5F8,  machine = 3931\n\n";
  // show_cpuinfo's per-CPU block (show_cpu_topology, show_cpu_ids, show_cpu_mhz).
  o << "cpu number      : 0\n"
       "physical id     : 0\n"
       "core id         : 0\n"
       "book id         : 0\n"
       "drawer id       : 0\n"
       "dedicated       : 0\n"
       "address         : 0\n"
       "siblings        : 1\n"
       "cpu cores       : 1\n"
       "version         : 00\n"
       "identification  : 0DC5F8\n"
       "machine         : 3931\n"
       "cpu MHz dynamic : 5200\n"
       "cpu MHz static  : 5200\n"
       "\n";
  return o.str();
}

}  // namespace apsim::driver
