// testbench/apsim/cpu_report.cpp — see cpu_report.h.
#include "testbench/apsim/cpu_report.h"

#include <cstdio>
#include <ostream>

#include "arch/software_cost.h"
#include "sc/wave_layout.h"

namespace apsim::tb {

void print_cpu_complex_stats(const sc::CpuModel& cpu, uint64_t elapsed_ps, std::ostream& err) {
  const arch::SoftwareCostTable& t = cpu.software_costs();
  const sc::CpuStats& s = cpu.stats();
  static const char* kinds[] = {"user", "kernel", "interruption", "hypervisor"};
  char buf[240];
  err << "apsim: software costs in force (arch/software_cost.h; the LPAR's \"software_costs\" sets them):\n";
  for (size_t i = 0; i < arch::kSoftwareStepCount; ++i) {
    const arch::SoftwareCostRow& r = arch::kSoftwareCostRows[i];
    std::snprintf(buf, sizeof buf, "apsim:   %-18s %14.3f ns %-7s %-12s %8llu x = %12.3f us\n", r.name,
                  static_cast<double>(t.ps[i]) / 1e3, t.ps[i] == r.default_ps ? "default" : "set",
                  kinds[static_cast<int>(r.kind)], static_cast<unsigned long long>(s.software_steps[i]),
                  static_cast<double>(s.software_ps[i]) / 1e6);
    err << buf;
  }
  const sc::CpuComplex& c = cpu.cpu_complex();
  std::snprintf(buf, sizeof buf,
                "apsim: CPU complex: %u host CPU%s, %llu software steps, %llu of them waited for a CPU "
                "(%.3f us in all)\n",
                c.cpus(), c.cpus() == 1 ? "" : "s", static_cast<unsigned long long>(c.steps()),
                static_cast<unsigned long long>(c.waits()), static_cast<double>(c.waited_ps()) / 1e6);
  err << buf;
  if (s.vcpu_wakeups || s.gisa_deliveries || s.gib_alerts) {  // guest vCPUs ran program threads
    std::snprintf(buf, sizeof buf,
                  "apsim: guest vCPUs: %llu wakeups from enabled wait, %llu interruptions through the GISA, %llu "
                  "through the GIB alert\n",
                  static_cast<unsigned long long>(s.vcpu_wakeups), static_cast<unsigned long long>(s.gisa_deliveries),
                  static_cast<unsigned long long>(s.gib_alerts));
    err << buf;
  }
  const double span = elapsed_ps ? static_cast<double>(elapsed_ps) : 1.0;
  for (unsigned i = 0; i < c.cpus(); ++i) {
    const sc::HostCpuState& h = c.cpu(i);
    const auto pct = [&](uint64_t ps) { return 100.0 * static_cast<double>(ps) / span; };
    std::snprintf(buf, sizeof buf,
                  "apsim:   cpu %3u: busy %7.3f %% (host %7.3f, guest %7.3f, kernel %7.3f, interruption %7.3f), "
                  "%llu steps\n",
                  i, pct(h.busy_total_ps()), pct(h.busy_ps[0]), pct(h.busy_ps[1]), pct(h.busy_ps[2]),
                  pct(h.busy_ps[3]), static_cast<unsigned long long>(h.steps));
    err << buf;
  }
}

void report_untraced_vcpus(sc::Platform& platform, std::ostream& err) {
  const sc::CpuModel& cpu = platform.cpu();
  const uint64_t n = cpu.vcpus_not_traced();
  if (n == 0 || !sc::vcpu_slots_in_vcd(platform)) return;
  err << "apsim: --vcd: " << n << (n == 1 ? " vCPU" : " vCPUs") << " not traced (the " << cpu.vcpu_wave_slots()
      << " cpu.vcpuK slots went to the first vCPUs to run): raise --vcd-vcpus\n";
}

}  // namespace apsim::tb
