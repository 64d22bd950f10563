// driver/tools.h — user-space tools the scenario shell runs inside a simulated Linux.
//
//  * lszcrypt [-V] [-b]: s390-tools' crypto device listing, read from sysfs like the real
//    tool (zconf/zcrypt/lszcrypt.c); columns and widths of ap-facility-spec.md §5.4.
//  * apbench: a workload that sends RSA requests to one APQN through the AP bus queue
//    (NQAP/DQAP), checks every reply against OpenSSL, and prints throughput and latency.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace apsim::driver {

class LinuxKernel;

int lszcrypt_main(LinuxKernel& k, const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);
int apbench_main(LinuxKernel& k, const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

}  // namespace apsim::driver
