// driver/userspace/system.cpp — the system programs of an instance: util-linux's dmesg and
// uuidgen, GNU uname, hostname, systemd's reboot/poweroff and journalctl, OpenSSH's ssh and
// qemu-system-s390x (kmod's tools: kmod.cpp).  Their messages are those of the real programs.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>

#include "driver/linux/kernel.h"
#include "driver/userspace/programs.h"
#include "driver/userspace/session.h"

namespace apsim::driver {

// util-linux 2.38.1 (Debian bookworm) dmesg --help, as the real program prints it.
static const char* const kDmesgHelp = R"HELP(
Usage:
 dmesg [options]

Display or control the kernel ring buffer.

Options:
 -C, --clear                 clear the kernel ring buffer
 -c, --read-clear            read and clear all messages
 -D, --console-off           disable printing messages to console
 -E, --console-on            enable printing messages to console
 -F, --file <file>           use the file instead of the kernel log buffer
 -f, --facility <list>       restrict output to defined facilities
 -H, --human                 human readable output
 -J, --json                  use JSON output format
 -k, --kernel                display kernel messages
 -L, --color[=<when>]        colorize messages (auto, always or never)
                               colors are enabled by default
 -l, --level <list>          restrict output to defined levels
 -n, --console-level <level> set level of messages printed to console
 -P, --nopager               do not pipe output into a pager
 -p, --force-prefix          force timestamp output on each line of multi-line messages
 -r, --raw                   print the raw message buffer
     --noescape              don't escape unprintable character
 -S, --syslog                force to use syslog(2) rather than /dev/kmsg
 -s, --buffer-size <size>    buffer size to query the kernel ring buffer
 -u, --userspace             display userspace messages
 -w, --follow                wait for new messages
 -W, --follow-new            wait and print only new messages
 -x, --decode                decode facility and level to readable string
 -d, --show-delta            show time delta between printed messages
 -e, --reltime               show local time and time delta in readable format
 -T, --ctime                 show human-readable timestamp (may be inaccurate!)
 -t, --notime                don't show any timestamp with messages
     --time-format <format>  show timestamp using the given format:
                               [delta|reltime|ctime|notime|iso]
Suspending/resume will make ctime and iso timestamps inaccurate.
     --since <time>          display the lines since the specified time
     --until <time>          display the lines until the specified time

 -h, --help                  display this help
 -V, --version               display version

Supported log facilities:
    kern - kernel messages
    user - random user-level messages
    mail - mail system
  daemon - system daemons
    auth - security/authorization messages
  syslog - messages generated internally by syslogd
     lpr - line printer subsystem
    news - network news subsystem

Supported log levels (priorities):
   emerg - system is unusable
   alert - action must be taken immediately
    crit - critical conditions
     err - error conditions
    warn - warning conditions
  notice - normal but significant condition
    info - informational
   debug - debug-level messages

For more details see dmesg(1).
)HELP";

int dmesg_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  for (size_t i = 1; i < argv.size(); ++i) {
    if (argv[i] == "-h" || argv[i] == "--help") {
      *io.out << kDmesgHelp;
      return 0;
    }
    if (argv[i] == "-V" || argv[i] == "--version") {
      *io.out << "dmesg from util-linux 2.38.1\n";
      return 0;
    }
  }
  for (const std::string& l : s.kernel().log()) *io.out << l << "\n";
  if (argv.size() > 1 && (argv[1] == "-c" || argv[1] == "-C")) s.kernel().clear_log();
  return 0;
}

int uuidgen_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  if (argv.size() > 1 && (argv[1] == "-V" || argv[1] == "--version")) {  // util-linux 2.38.1
    *io.out << "uuidgen from util-linux 2.38.1\n";
    return 0;
  }
  *io.out << s.kernel().random_uuid() << "\n";
  return 0;
}

// GNU uname (coreutils 9.1 src/uname.c): -s by default; -a prints every field but -p and -i,
// which are "unknown" on Linux/s390x; the release and version are the kernel's (LinuxProfile
// release and uts_version), the machine s390x.
int uname_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  enum { S = 1, N = 2, R = 4, V = 8, M = 16, P = 32, I = 64, O = 128 };
  unsigned want = 0;
  bool all = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--help") {
      *io.out << "Usage: uname [OPTION]...\n"
                 "Print certain system information.  With no OPTION, same as -s.\n\n"
                 "  -a, --all                print all information, in the following order,\n"
                 "                             except omit -p and -i if unknown:\n"
                 "  -s, --kernel-name        print the kernel name\n"
                 "  -n, --nodename           print the network node hostname\n"
                 "  -r, --kernel-release     print the kernel release\n"
                 "  -v, --kernel-version     print the kernel version\n"
                 "  -m, --machine            print the machine hardware name\n"
                 "  -p, --processor          print the processor type (non-portable)\n"
                 "  -i, --hardware-platform  print the hardware platform (non-portable)\n"
                 "  -o, --operating-system   print the operating system\n"
                 "      --help        display this help and exit\n"
                 "      --version     output version information and exit\n\n"
                 "GNU coreutils online help: <https://www.gnu.org/software/coreutils/>\n"
                 "Report any translation bugs to <https://translationproject.org/team/>\n"
                 "Full documentation <https://www.gnu.org/software/coreutils/uname>\n"
                 "or available locally via: info '(coreutils) uname invocation'\n";
      return 0;
    }
    if (a == "--version") {
      *io.out << "uname (GNU coreutils) 9.1\n"
                 "Copyright (C) 2022 Free Software Foundation, Inc.\n"
                 "License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n"
                 "This is free software: you are free to change and redistribute it.\n"
                 "There is NO WARRANTY, to the extent permitted by law.\n\n"
                 "Written by David MacKenzie.\n";
      return 0;
    }
    static const std::pair<const char*, unsigned> longs[] = {
        {"--all", 0},       {"--kernel-name", S}, {"--nodename", N},          {"--kernel-release", R},
        {"--kernel-version", V}, {"--machine", M}, {"--processor", P}, {"--hardware-platform", I},
        {"--operating-system", O}};
    if (a.size() > 2 && a[0] == '-' && a[1] == '-') {
      bool found = false;
      for (const auto& [name, bit] : longs)
        if (a == name) {
          found = true;
          if (bit == 0) all = true;
          want |= bit;
        }
      if (!found) {
        *io.err << "uname: unrecognized option '" << a << "'\nTry 'uname --help' for more information.\n";
        return 1;
      }
      continue;
    }
    if (a.size() < 2 || a[0] != '-') {
      *io.err << "uname: extra operand '" << a << "'\nTry 'uname --help' for more information.\n";
      return 1;
    }
    for (size_t k = 1; k < a.size(); ++k) {
      const char* letters = "asnrvmpio";
      const char* p = std::strchr(letters, a[k]);
      if (!p) {
        *io.err << "uname: invalid option -- '" << a[k] << "'\nTry 'uname --help' for more information.\n";
        return 1;
      }
      static const unsigned bits[] = {0, S, N, R, V, M, P, I, O};
      if (a[k] == 'a') all = true;
      want |= bits[p - letters];
    }
  }
  if (all) want |= S | N | R | V | M | O;
  if (want == 0) want = S;
  LinuxKernel& k = s.kernel();
  const std::string& version = k.profile().uts_version;
  std::vector<std::string> f;
  if (want & S) f.push_back("Linux");
  if (want & N) f.push_back(k.hostname());
  if (want & R) f.push_back(k.release());
  if (want & V) f.push_back(version);
  if (want & M) f.push_back("s390x");
  if ((want & P) && !all) f.push_back("unknown");
  if ((want & I) && !all) f.push_back("unknown");
  if (want & O) f.push_back("GNU/Linux");
  for (size_t i = 0; i < f.size(); ++i) *io.out << (i ? " " : "") << f[i];
  *io.out << "\n";
  return 0;
}

// journalctl -k (systemd 252): the kernel's messages of this boot in the "short" format,
// "MMM DD HH:MM:SS HOST kernel: MESSAGE", the time the boot's wall clock plus the message's
// stamp; apsim's boot is at 2025-01-01 00:00:00 (a fixed date, docs/shell.md).  apsim keeps no
// other journal: without -k the same lines.  -n N: the last N; -o short-monotonic: the stamp
// as "[%12.6f]"; "-- No entries --" when empty.
int journalctl_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  long last = -1;
  bool monotonic = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--version") {
      *io.out << "systemd 252 (252.38-1~deb12u1)\n";
      return 0;
    }
    if (a == "-k" || a == "--dmesg" || a == "-b" || a == "--boot" || a == "--no-pager" || a == "-q" || a == "--quiet")
      continue;
    if ((a == "-n" || a == "--lines") && i + 1 < argv.size()) last = std::strtol(argv[++i].c_str(), nullptr, 10);
    else if (a.rfind("-n", 0) == 0 && a.size() > 2) last = std::strtol(a.c_str() + 2, nullptr, 10);
    else if ((a == "-o" || a == "--output") && i + 1 < argv.size()) monotonic = argv[++i] == "short-monotonic";
    else if (a == "-o" + std::string("short-monotonic") || a == "--output=short-monotonic") monotonic = true;
    else {
      *io.err << "journalctl: unrecognized option '" << a << "'\n";
      return 1;
    }
  }
  const auto& log = s.kernel().log();
  if (log.empty()) {
    *io.out << "-- No entries --\n";
    return 0;
  }
  size_t from = last >= 0 && static_cast<size_t>(last) < log.size() ? log.size() - static_cast<size_t>(last) : 0;
  for (size_t i = from; i < log.size(); ++i) {
    const std::string& l = log[i];
    const size_t close = l.find("] ");
    const double t = close == std::string::npos ? 0 : std::strtod(l.c_str() + 1, nullptr);
    const std::string msg = close == std::string::npos ? l : l.substr(close + 2);
    char stamp[64];
    if (monotonic) {
      std::snprintf(stamp, sizeof stamp, "[%12.6f]", t);
    } else {
      const long sec = static_cast<long>(t);
      std::snprintf(stamp, sizeof stamp, "Jan %02ld %02ld:%02ld:%02ld", 1 + sec / 86400, sec / 3600 % 24, sec / 60 % 60,
                    sec % 60);
    }
    *io.out << stamp << " " << s.kernel().hostname() << " kernel: " << msg << "\n";
  }
  return 0;
}

int hostname_main(Session& s, const std::vector<std::string>&, const CommandIo& io) {
  *io.out << s.kernel().hostname() << "\n";
  return 0;
}

int reboot_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  std::string cmd = argv[0];
  const size_t slash = cmd.rfind('/');
  if (slash != std::string::npos) cmd = cmd.substr(slash + 1);
  bool restart = cmd == "reboot";
  if (cmd == "shutdown")
    for (size_t i = 1; i < argv.size(); ++i)
      if (argv[i] == "-r" || argv[i] == "--reboot") restart = true;
  LinuxKernel& k = s.kernel();
  if (!k.options().is_guest && !restart) {
    *io.err << cmd << ": powering off the LPAR is not simulated; use reboot\n";
    return 1;
  }
  if (!restart) {
    k.request_poweroff();  // QEMU ends once this command has returned
    return 0;
  }
  if (k.on_system_reset) k.on_system_reset();
  s.reboot();
  return 0;
}

int ssh_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  std::size_t i = 1;
  for (; i < argv.size() && argv[i].size() > 1 && argv[i][0] == '-'; ++i) {
    char f = argv[i][1];
    if (argv[i].size() == 2 && std::strchr("bcDEeFIiJLlmOopQRSWw", f)) ++i;  // takes an argument
  }
  if (i >= argv.size()) {
    *io.err << "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] destination [command [argument ...]]\n";
    return 255;
  }
  std::string name = argv[i];
  std::size_t at = name.rfind('@');
  if (at != std::string::npos) name = name.substr(at + 1);
  ShellHost* remote = s.remote(name);
  if (!remote) {
    *io.err << "ssh: Could not resolve hostname " << name << ": Name or service not known\n";
    return 255;
  }
  // No command, at a session's prompt (or a script's top level): the remote login shell
  // takes the following command lines until its `exit` (Shell's login stack).
  if (i + 1 == argv.size() && io.may_login) throw LoginShell{name, [&s, name] { return s.remote(name); }};
  std::string cmd;
  for (std::size_t k = i + 1; k < argv.size(); ++k) cmd += (k > i + 1 ? " " : "") + argv[k];
  ShellOptions opts;
  opts.script_name = "bash";
  opts.echo_commands = false;
  Shell sub(*remote, *io.out, *io.err, opts);
  try {
    return sub.run_script(cmd);
  } catch (const KernelPanic&) {
    // The guest's kernel panicked under the command (out of memory, LinuxKernel::alloc_pages):
    // its QEMU exits, the connection drops — OpenSSH's client says so and exits 255.
    *io.err << "Connection to " << name << " closed by remote host.\n";
    return 255;
  }
}

int qemu_system_s390x_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  return s.start_guest(argv, *io.err);
}

}  // namespace apsim::driver
