// driver/tools.h — user-space tools the scenario shell runs inside a simulated Linux.
//
//  * lszcrypt [-V] [-b] [-d] [-c CARD]: s390-tools' crypto device listing, read from sysfs like the real
//    tool (zconf/zcrypt/lszcrypt.c); columns and widths of ap-facility-spec.md §5.4.
//  * virsh, mdevctl: the libvirt and mdevctl commands of the seed documents.
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
/// apinsn pqap|nqap|dqap [--gr0 V] [--gr1 V] [--gr2 V|buf[+N]] [--r1 N] [--r2 N] [--len N]
/// [--problem-state]: executes one AP instruction on this instance's CPU and prints
/// "cc=C gr0=0x.. gr1=0x.. gr2=0x.. rc=0xRR" or "program-interruption code=0xNNNN NAME"
/// (driver/apinsn.cpp, docs/ap-instructions.md).
int apinsn_main(LinuxKernel& k, const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);
/// virsh (driver/virsh.cpp): destroy, shutdown, list, qemu-monitor-command --hmp device_del/device_add,
/// attach-device/detach-device of a <hostdev type='mdev' model='vfio-ap'> XML file.
int virsh_main(LinuxKernel& k, const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);
/// mdevctl / lsmdev (driver/mdevctl.cpp): persistent mdevs under /etc/mdevctl.d, with
/// s390-tools' ap-check callout for vfio_ap-passthrough.
int mdevctl_main(LinuxKernel& k, const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);
/// `mdevctl start-parent-mdevs PARENT` (what udev runs when a parent registers): start the
/// mdevs defined with start=auto; failures are reported on `err` as mdevctl's warnings.
void mdevctl_start_parent_mdevs(LinuxKernel& k, const std::string& parent, std::ostream& err);

}  // namespace apsim::driver
