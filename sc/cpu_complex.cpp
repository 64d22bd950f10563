// sc/cpu_complex.cpp — placing software steps on host CPUs (rules in sc/cpu_complex.h).
#include "sc/cpu_complex.h"

#include <algorithm>
#include <string>

namespace apsim::sc {

CpuComplex::CpuComplex(unsigned cpus) {
  if (cpus < kMinCpus || cpus > kMaxCpus)
    throw std::invalid_argument("cpus: " + std::to_string(cpus) + " is outside 1..256");
  cpus_.resize(cpus);
  leaves_ = 1;
  while (leaves_ < cpus) leaves_ *= 2;
  // Leaves beyond the last CPU are never idle; the CPUs are idle from time 0.
  min_busy_until_.assign(2 * leaves_, ~uint64_t{0});
  for (unsigned i = 0; i < cpus; ++i) set_busy_until(i, 0);
}

void CpuComplex::set_busy_until(unsigned cpu, uint64_t ps) {
  size_t n = leaves_ + cpu;
  min_busy_until_[n] = ps;
  for (n /= 2; n >= 1; n /= 2) min_busy_until_[n] = std::min(min_busy_until_[2 * n], min_busy_until_[2 * n + 1]);
}

unsigned CpuComplex::first_at_most(uint64_t ps) const {
  // The leftmost leaf whose value is <= ps: go left whenever the left subtree holds one.
  size_t n = 1;
  while (n < leaves_) n = min_busy_until_[2 * n] <= ps ? 2 * n : 2 * n + 1;
  return static_cast<unsigned>(n - leaves_);
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
  unsigned pick = kNoCpu;
  // 1. the thread's last CPU if idle; 2. the lowest-numbered idle CPU; 3. none idle: the CPU
  // free first (lowest-numbered on a tie).  2 and 3 descend the tree of busy-until minima.
  if (last != kNoCpu && cpus_[last].busy_until_ps <= ready_ps) pick = last;
  else if (min_busy_until_[1] <= ready_ps) pick = first_at_most(ready_ps);
  else pick = first_at_most(min_busy_until_[1]);
  HostCpuState& c = cpus_[pick];
  const uint64_t start = std::max(ready_ps, c.busy_until_ps);
  if (start > ready_ps) {
    waited_ps_ += start - ready_ps;
    ++waits_;
  }
  c.busy_until_ps = start + cost_ps;
  set_busy_until(pick, c.busy_until_ps);
  c.busy_ps[static_cast<size_t>(use)] += cost_ps;
  ++c.steps;
  last = pick;
  return {pick, start, c.busy_until_ps};
}

}  // namespace apsim::sc
