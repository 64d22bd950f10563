// driver/qemu/machine_smp.cpp — `-smp` (hw/core/machine-smp.c machine_parse_smp_config, QEMU
// 7.2 as Debian 12 ships it with libvirt 9.0), see qemu.h parse_smp.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <string>

#include "driver/qemu/qemu.h"

namespace apsim::driver {

namespace {
// util/qemu-option.c parse_option_number: decimal digits only (no suffix for a CPU count).
bool parse_count(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 9) return false;
  out = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}
}  // namespace

std::string parse_smp(const std::string& value, unsigned& vcpus) {
  std::string first;
  auto opts = qemu_opts_parse(value, first);
  if (!first.empty()) opts["cpus"] = first;  // the implied key of smp-opts is "cpus"
  static const char* keys[] = {"cpus", "maxcpus", "sockets", "dies", "clusters", "cores", "threads", "books", "drawers"};
  std::map<std::string, uint64_t> n;
  for (const auto& [k, v] : opts) {
    bool known = false;
    for (const char* key : keys) known = known || k == key;
    // qemu_opts_validate: "Invalid parameter '%s'" (QERR_INVALID_PARAMETER).
    if (!known) return "-smp " + value + ": Invalid parameter '" + k + "'";
    // parse_option_number: QERR_INVALID_PARAMETER_VALUE, "Parameter '%s' expects %s".
    if (!parse_count(v, n[k])) return "-smp " + value + ": Parameter '" + k + "' expects a number";
  }
  // **Choice**: QEMU 7.2 only warns about an explicit 0 ("Deprecated CPU topology (considered
  // invalid): ...") and treats it as omitted; QEMU 9.0 refuses it (commit "hw/core/machine-smp:
  // Remove deprecated 'parameter=0' SMP configurations").  apsim refuses it with 9.0's text, as
  // issue 12 asks that -smp outside 1..248 be refused at start.
  for (const auto& [k, v] : n)
    if (v == 0) return "Invalid CPU topology: CPU topology parameters must be greater than zero";
  const auto get = [&](const char* k) { return n.count(k) ? n[k] : 0; };
  uint64_t cpus = get("cpus"), maxcpus = get("maxcpus");
  const uint64_t topo = (get("sockets") ? get("sockets") : 1) * (get("cores") ? get("cores") : 1) *
                        (get("threads") ? get("threads") : 1) * (get("books") ? get("books") : 1) *
                        (get("drawers") ? get("drawers") : 1);
  // Missing values from the given ones (machine_parse_smp_config: cpus defaults to maxcpus,
  // maxcpus to cpus, both to the topology's product, 1 when nothing is given).
  if (!cpus) cpus = maxcpus ? maxcpus : topo;
  if (!maxcpus) maxcpus = std::max(cpus, topo);
  if (maxcpus < cpus) return "maxcpus must be equal to or greater than smp";
  // Not checked (apsim models no CPU topology): that sockets*cores*threads... equals maxcpus.
  // mc->max_cpus = S390_MAX_CPUS (248, hw/s390x/s390-virtio-ccw.c); the versioned machine the
  // alias s390-ccw-virtio names in 7.2 is s390-ccw-virtio-7.2.
  constexpr uint64_t kS390MaxCpus = 248;
  if (maxcpus > kS390MaxCpus)
    return "Invalid SMP CPUs " + std::to_string(maxcpus) +
           ". The max CPUs supported by machine 's390-ccw-virtio-7.2' is " + std::to_string(kS390MaxCpus);
  vcpus = static_cast<unsigned>(cpus);
  return "";
}

}  // namespace apsim::driver
