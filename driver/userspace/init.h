// driver/userspace/init.h — what user space does at every boot of an instance (systemd and
// udev), run by the kernel as its init program (KernelOptions::init):
//  * udev applies the persistent AP bus masks of /etc/udev/rules.d/41-ap.rules (s390-tools
//    writes them as ATTR{apmask}= and ATTR{aqmask}=) when the ap bus appears;
//  * systemd-modules-load loads the modules named in /etc/modules-load.d/*.conf;
//  * udevd listens for device events: the "add" of an mdev parent (the vfio_ap matrix) runs
//    mdevctl's 60-mdevctl.rules, `mdevctl start-parent-mdevs PARENT`.
// What these report goes to the journal, which apsim does not keep: nothing is printed.
#pragma once

namespace apsim::driver {

class LinuxKernel;

/// The init program of every apsim instance, host and guests.
void init_main(LinuxKernel& kernel);

}  // namespace apsim::driver
