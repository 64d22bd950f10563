// sc/cpu_complex.cpp — placing software steps on host CPUs (rules in sc/cpu_complex.h).
#include "sc/cpu_complex.h"

#include <algorithm>
#include <string>

namespace apsim::sc {

CpuComplex::CpuComplex(unsigned cpus) {
  if (cpus < kMinCpus || cpus > kMaxCpus)
    throw std::invalid_argument("cpus: " + std::to_string(cpus) + " is outside 1..256");
  cpus_.resize(cpus);
}

CpuComplex::Placement CpuComplex::run(uint64_t thread, uint64_t ready_ps, uint64_t cost_ps, CpuUse use) {
  ++steps_;
  // The thread's last CPU (kNoCpu: none yet).  One hash lookup per step, none when the same
  // thread places again (the common case: one software thread), through a cached slot
  // (references to an unordered_map's values stay valid as it grows).
  if (thread != cached_thread_ || !cached_slot_) {
    cached_slot_ = &last_cpu_.try_emplace(thread, kNoCpu).first->second;
    cached_thread_ = thread;
  }
  unsigned& last = *cached_slot_;
  if (cost_ps == 0) return {last == kNoCpu ? 0u : last, ready_ps, ready_ps};
  unsigned pick = cpus();
  // 1. the thread's last CPU if idle; 2. the lowest-numbered idle CPU.
  if (last != kNoCpu && cpus_[last].busy_until_ps <= ready_ps) pick = last;
  for (unsigned i = 0; pick == cpus() && i < cpus(); ++i)
    if (cpus_[i].busy_until_ps <= ready_ps) pick = i;
  // 3. none idle: the CPU free first.
  if (pick == cpus()) {
    pick = 0;
    for (unsigned i = 1; i < cpus(); ++i)
      if (cpus_[i].busy_until_ps < cpus_[pick].busy_until_ps) pick = i;
  }
  HostCpuState& c = cpus_[pick];
  const uint64_t start = std::max(ready_ps, c.busy_until_ps);
  if (start > ready_ps) {
    waited_ps_ += start - ready_ps;
    ++waits_;
  }
  c.busy_until_ps = start + cost_ps;
  c.busy_ps[static_cast<size_t>(use)] += cost_ps;
  ++c.steps;
  last = pick;
  return {pick, start, c.busy_until_ps};
}

}  // namespace apsim::sc
