// driver/userspace/programs.h — the programs an administrator runs inside a simulated Linux
// instance, each as `main`: argv (argv[0] its name), the standard streams, and the Session
// that runs it (its kernel, working directory and, on the host, the guests).  Each returns
// its exit status.  Session::run_command (session.h) holds the table of names.
//
//  * coreutils.cpp: cat, ls, head, tail, wc, realpath, readlink, basename, dirname, mkdir, rm,
//    cut, sleep — GNU coreutils' options and messages; grep.cpp: GNU grep's subset.
//  * filters.cpp: sort, uniq, tr, sed, awk (the machine's programs); findutils.cpp: find, xargs.
//  * kmod.cpp: modprobe, rmmod, lsmod, modinfo (kmod 30).
//  * system.cpp: dmesg and uuidgen (util-linux), uname, hostname, journalctl,
//    reboot/poweroff/shutdown/halt (systemd), ssh (OpenSSH: the guest's shell runs the words),
//    qemu-system-s390x (starts a guest, driver/qemu).
//  * lszcrypt.cpp (s390-tools), mdevctl.cpp (mdevctl, lsmdev), virsh.cpp (libvirt),
//    apbench.cpp (apsim's workload), apinsn.cpp (one AP instruction, apsim's probe).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "driver/shell/shell.h"

namespace apsim::driver {

class LinuxKernel;
class Session;

/// A program's entry point.
using ProgramMain = int (*)(Session& s, const std::vector<std::string>& argv, const CommandIo& io);

// ---- coreutils.cpp, grep.cpp ----
int cat_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
int ls_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
int grep_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
int head_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
int tail_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
int wc_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
int realpath_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
int readlink_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
int basename_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
int dirname_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
int mkdir_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
int rm_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
int cut_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// sleep NUMBER[smhd]...: simulated time passes (Session::sleep_seconds).
int sleep_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);

// ---- filters.cpp, findutils.cpp ----
/// sort, uniq, tr, sed, awk: the machine's own programs (fork/exec), fed the simulated
/// instance's files on standard input (filters.cpp says why and how).
int filter_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// find PATH... [-name P] [-type f|d|l] [-maxdepth N] ...: walks the instance's file system.
int find_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// xargs [-n N] [-I R] [-r] [-0] COMMAND...: runs the instance's programs on its input's items.
int xargs_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);

// ---- kmod.cpp (kmod 30) ----
/// modprobe [-r] MODULE...: LinuxKernel::load_module / unload_module, kmod's messages.
int modprobe_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// rmmod MODULE...: LinuxKernel::rmmod.
int rmmod_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// lsmod: the loaded modules, sizes, use counts and holders.
int lsmod_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// modinfo [-F FIELD] MODULE...: the module's .modinfo.
int modinfo_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);

// ---- system.cpp ----
/// journalctl [-k] [-n N] [-o short-monotonic]: the kernel's messages in journald's format.
int journalctl_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// dmesg [-c|-C]: the kernel ring buffer.
int dmesg_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// uuidgen: a random UUID from the kernel (reproducible per --seed).
int uuidgen_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
int uname_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
int hostname_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// reboot, poweroff, shutdown [-r], halt: a guest powers off (its QEMU ends) or reboots;
/// the host reboots (powering the LPAR off is not simulated).
int reboot_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// ssh [options] [user@]NAME COMMAND...: the guest NAME's shell runs the words joined by
/// spaces, as `bash -c` would, with its diagnostics as "bash: line N: ...".
int ssh_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// qemu-system-s390x ...: start a guest (Session::start_guest), return at once.
int qemu_system_s390x_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);

// ---- the tools of the seed documents ----
/// lszcrypt [-V] [-b] [-d] [-c CARD]: s390-tools' crypto device listing, read from sysfs like
/// the real tool (zconf/zcrypt/lszcrypt.c); columns and widths of ap-facility-spec.md §5.4.
int lszcrypt_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// apbench: a workload that sends requests to AP queues through the AP bus (NQAP/DQAP),
/// checks every reply against OpenSSL, and prints throughput and latency (README).
int apbench_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// apinsn pqap|nqap|dqap [--gr0 V] [--gr1 V] [--gr2 V|buf[+N]] [--r1 N] [--r2 N] [--len N]
/// [--problem-state]: executes one AP instruction on this instance's CPU and prints
/// "cc=C gr0=0x.. gr1=0x.. gr2=0x.. rc=0xRR" or "program-interruption code=0xNNNN NAME"
/// (docs/ap-instructions.md).
int apinsn_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// virsh (libvirt 9.0): the domain lifecycle (define, undefine, start, shutdown, destroy,
/// list, domstate, dumpxml) with persistent definitions in /etc/libvirt/qemu,
/// attach-device/detach-device of a <hostdev type='mdev' model='vfio-ap'> (--live,
/// --config), nodedev-list/-dumpxml/-define/-start of mdevs (through mdevctl),
/// qemu-monitor-command --hmp device_del/device_add.
int virsh_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// mdevctl / lsmdev: persistent mdevs under /etc/mdevctl.d, with s390-tools' ap-check
/// callout for vfio_ap-passthrough.
int mdevctl_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io);
/// `mdevctl start-parent-mdevs PARENT` (what udev runs when a parent registers): start the
/// mdevs defined with start=auto; failures are reported on `err` as mdevctl's warnings.
void mdevctl_start_parent_mdevs(LinuxKernel& k, const std::string& parent, std::ostream& err);

}  // namespace apsim::driver
