// driver/userspace/system.cpp — the system programs of an instance: kmod's modprobe,
// util-linux's dmesg and uuidgen, uname, hostname, systemd's reboot/poweroff, OpenSSH's ssh
// and qemu-system-s390x.  Their messages are those of the real programs.
#include <cstring>
#include <ostream>

#include "driver/linux/kernel.h"
#include "driver/userspace/programs.h"
#include "driver/userspace/session.h"

namespace apsim::driver {

int modprobe_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  std::ostream& err = *io.err;
  bool remove = false;
  std::vector<std::string> mods;
  for (size_t i = 1; i < argv.size(); ++i) {
    if (argv[i] == "-r" || argv[i] == "--remove") remove = true;
    else if (!argv[i].empty() && argv[i][0] == '-') continue;  // -v, -q, ...
    else mods.push_back(argv[i]);
  }
  if (mods.empty()) {
    err << "modprobe: ERROR: missing module name.\n";
    return 1;
  }
  for (const std::string& m : mods)
    if (int rc = remove ? s.kernel().unload_module(m, err) : s.kernel().load_module(m, err); rc) return rc;
  return 0;
}

int dmesg_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  for (const std::string& l : s.kernel().log()) *io.out << l << "\n";
  if (argv.size() > 1 && (argv[1] == "-c" || argv[1] == "-C")) s.kernel().clear_log();
  return 0;
}

int uuidgen_main(Session& s, const std::vector<std::string>&, const CommandIo& io) {
  *io.out << s.kernel().random_uuid() << "\n";
  return 0;
}

int uname_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  *io.out << (argv.size() > 1 && argv[1] == "-r" ? s.kernel().release() : std::string("Linux")) << "\n";
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
  return sub.run_script(cmd);
}

int qemu_system_s390x_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  return s.start_guest(argv, *io.err);
}

}  // namespace apsim::driver
