// testbench/apsim/vcd_options.cpp — the VCD window and scope options (vcd_options.h).
#include "testbench/apsim/vcd_options.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "sc/cpu.h"
#include "sc/timing.h"

namespace apsim::tb {

std::string parse_sim_time(const std::string& text, uint64_t& ps) {
  size_t n = 0;
  std::string whole, frac;
  while (n < text.size() && std::isdigit(static_cast<unsigned char>(text[n]))) whole += text[n++];
  if (n < text.size() && text[n] == '.') {
    ++n;
    while (n < text.size() && std::isdigit(static_cast<unsigned char>(text[n]))) frac += text[n++];
  }
  const std::string unit = text.substr(n);
  if (whole.empty() && frac.empty()) return "not a time (a number and a unit: ps, ns, us, ms or s; e.g. 1.5ms)";
  int exp = 0;  // ps per unit = 10^exp
  if (unit == "ps") exp = 0;
  else if (unit == "ns") exp = 3;
  else if (unit == "us") exp = 6;
  else if (unit == "ms") exp = 9;
  else if (unit == "s") exp = 12;
  else if (unit.empty() && whole.find_first_not_of('0') == std::string::npos &&
           frac.find_first_not_of('0') == std::string::npos) exp = 0;  // "0" needs no unit
  else if (unit.empty()) return "no unit (ps, ns, us, ms or s; e.g. 1.5ms)";
  else return "unknown unit '" + unit + "' (ps, ns, us, ms or s)";
  // The digits after the point that the unit does not turn into whole ps must be zeros.
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (static_cast<int>(frac.size()) > exp) return "not a whole number of ps";
  std::string digits = whole + frac + std::string(static_cast<size_t>(exp) - frac.size(), '0');
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  // 2^63 has 19 digits: anything longer is past the end; the rest fits in uint64_t.
  if (digits.size() > 19) return "past the end of the run's simulated time (2^63 ps, 106.75 days)";
  ps = digits.empty() ? 0 : std::stoull(digits);
  if (ps > sc::kSimulatedTimeEndPs) return "past the end of the run's simulated time (2^63 ps, 106.75 days)";
  return "";
}

std::string parse_vcd_options(bool vcd, const std::string& from, const std::string& to, const std::string& scope,
                              sc::VcdOptions& out) {
  const std::pair<const char*, const std::string*> given[] = {{"--vcd-from", &from}, {"--vcd-to", &to}, {"--vcd-scope", &scope}};
  for (const auto& [option, value] : given)
    if (!vcd && !value->empty()) return std::string(option) + ": only with --vcd";
  if (!from.empty())
    if (const std::string why = parse_sim_time(from, out.from_ps); !why.empty()) return "--vcd-from " + from + ": " + why;
  if (!to.empty()) {
    if (const std::string why = parse_sim_time(to, out.to_ps); !why.empty()) return "--vcd-to " + to + ": " + why;
    if (out.to_ps <= out.from_ps)
      return "--vcd-to " + to + ": not after --vcd-from " + (from.empty() ? std::string("0") : from);
  }
  if (!scope.empty()) {
    std::stringstream ss(scope);
    for (std::string p; std::getline(ss, p, ',');) {
      if (p.empty()) return "--vcd-scope: empty pattern in '" + scope + "'";
      out.scopes.push_back(p);
    }
    if (scope.back() == ',') return "--vcd-scope: empty pattern in '" + scope + "'";
  }
  return "";
}

std::string parse_vcd_vcpus(bool vcd, bool given, const std::string& text, unsigned& slots) {
  if (!given) return "";
  if (!vcd) return "--vcd-vcpus: only with --vcd";
  const std::string max = std::to_string(sc::CpuModel::kMaxVcpuWaveSlots);
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    return "--vcd-vcpus " + (text.empty() ? std::string("''") : text) + ": not a number of vCPU slots (0 to " + max + ")";
  // Digits only; more than 5 significant ones are past the bound whatever they are.
  const std::string digits = text.substr(std::min(text.find_first_not_of('0'), text.size()));
  const unsigned long n = digits.size() > 5 ? ~0ul : digits.empty() ? 0 : std::stoul(digits);
  if (n > sc::CpuModel::kMaxVcpuWaveSlots)
    return "--vcd-vcpus " + text + ": more than " + max +
           " slots (16 guests of QEMU's 248 vCPUs fit in 3968; each slot costs the VCD writer at every timestep)";
  slots = static_cast<unsigned>(n);
  return "";
}

}  // namespace apsim::tb
