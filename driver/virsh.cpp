// driver/virsh.cpp — virsh, for the guests this host's QEMU processes run.
//
// apsim treats every guest started with qemu-system-s390x as a libvirt domain of the same
// name (the seed documents start guests both ways).  Commands:
//   virsh list [--all]                          the running domains
//   virsh destroy NAME                          QEMU ends at once
//   virsh shutdown NAME                         the guest shuts down, then QEMU ends
//   virsh qemu-monitor-command NAME --hmp CMD   HMP: device_add / device_del (seed 001)
// As virsh does, each command's output is followed by an empty line (also when it fails);
// errors go to stderr as "error: ...".
#include <algorithm>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "driver/kernel.h"
#include "driver/qemu.h"
#include "driver/tools.h"

namespace apsim::driver {

namespace {

QemuProcess* domain(LinuxKernel& k, const std::string& name, std::ostream& err) {
  auto it = k.guests().find(name);
  if (it == k.guests().end()) {
    err << "error: failed to get domain '" << name << "'\n";
    return nullptr;
  }
  return it->second.get();
}

int list(LinuxKernel& k, std::ostream& out) {
  out << " Id   Name" << std::string(11, ' ') << "State\n";
  out << std::string(30, '-') << "\n";
  std::vector<QemuProcess*> doms;
  for (auto& [name, q] : k.guests()) doms.push_back(q.get());
  std::sort(doms.begin(), doms.end(), [](QemuProcess* a, QemuProcess* b) { return a->domain_id() < b->domain_id(); });
  for (QemuProcess* q : doms) {
    const std::string& name = q->name();
    std::string line = " " + std::to_string(q->domain_id());
    line.resize(6, ' ');
    line += name;
    if (line.size() < 21) line.resize(21, ' ');
    else line += " ";
    out << line << "running\n";
  }
  return 0;
}

}  // namespace

namespace {

int run(LinuxKernel& k, const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << "error: virsh is interactive only with a terminal; give a command\n";
    return 1;
  }
  const std::string cmd = args[0];
  int rc = 0;
  if (cmd == "list") {
    rc = list(k, out);
  } else if (cmd == "destroy" || cmd == "shutdown") {
    if (args.size() < 2) {
      err << "error: command '" << cmd << "' requires <domain> option\n";
      return 1;
    }
    const std::string name = args[1];
    if (!domain(k, name, err)) return 1;
    // destroy: SIGTERM to QEMU.  shutdown: the guest OS powers off and QEMU then exits;
    // the guest runs no command of its own meanwhile, so both end the process here.
    k.guests().erase(name);
    out << "Domain '" << name << "' " << (cmd == "destroy" ? "destroyed" : "is being shutdown") << "\n";
  } else if (cmd == "qemu-monitor-command") {
    std::string name, command;
    bool hmp = false;
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--hmp") hmp = true;
      else if (args[i] == "--pretty") continue;
      else if (args[i] == "--domain" && i + 1 < args.size()) name = args[++i];
      else if (name.empty()) name = args[i];
      else command += (command.empty() ? "" : " ") + args[i];
    }
    if (name.empty() || command.empty()) {
      err << "error: command 'qemu-monitor-command' requires <domain> option\n";
      return 1;
    }
    QemuProcess* q = domain(k, name, err);
    if (!q) return 1;
    if (!hmp) {
      err << "error: internal error: cannot parse json " << command
          << ": lexical error: invalid char in json text.\n";
      return 1;
    }
    out << q->hmp(command) << "\n";
  } else {
    err << "error: unknown command: '" << cmd << "'\n";
    return 1;
  }
  return rc;
}

}  // namespace

int virsh_main(LinuxKernel& k, const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  const std::vector<std::string> args(argv.begin() + 1, argv.end());
  const int rc = run(k, args, out, err);
  if (!args.empty()) out << "\n";  // vshCommandRun: an empty line after each command, also a failed one
  return rc;
}

}  // namespace apsim::driver
