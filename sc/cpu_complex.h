// sc/cpu_complex.h — the LPAR's host CPUs as data: who runs software when, and for how long
// (DESIGN.md "Software takes time: the CPU complex"; docs/cpu-complex.md).
//
// The software runs on one SystemC thread (sc/cpu.h); the host CPUs are not processes but
// a busy-until time and busy accounting each ("queues are data, not processes": no clock runs
// while a CPU is idle).  A software step of cost c that a logical thread X is ready to run at
// time t is placed by these rules:
//   1. on X's last CPU if it is idle at t (cache affinity, as the Linux scheduler's wakeup
//      prefers the previous CPU — select_task_rq_fair's prev_cpu);
//   2. else on the lowest-numbered CPU idle at t;
//   3. else it waits for the CPU that becomes free first (lowest-numbered on a tie): steps
//      queue on a CPU in the order they are placed (FIFO run queue, no preemption).
// The step runs from max(t, that CPU's busy-until) for c; its end is X's new time.  A guest's
// vCPU is a logical thread whose steps count as guest time (it occupies a host CPU while it
// runs guest software in SIE and gives it up between steps, in an enabled wait).  Steps are
// placed in nondecreasing order of their ready time (the one software thread's clock), which
// makes the FIFO above a true run queue.  No SystemC: plain unit tests drive it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "arch/software_cost.h"

namespace apsim::sc {

/// The columns of a CPU's busy time (`apsim run --stats`, apbench's report).
enum class CpuUse : uint8_t { host, guest, kernel, interruption };
inline constexpr size_t kCpuUseCount = 4;
inline constexpr const char* kCpuUseNames[kCpuUseCount] = {"host", "guest", "kernel", "interruption"};

/// The accounting column of a step of `kind` run by a guest (`in_guest`) or by the host.
/// A hypervisor step (KVM on a vCPU's behalf) is kernel time whoever runs it.
inline CpuUse cpu_use(arch::SoftwareKind kind, bool in_guest) {
  if (in_guest && kind != arch::SoftwareKind::hypervisor) return CpuUse::guest;
  switch (kind) {
    case arch::SoftwareKind::kernel: return CpuUse::kernel;
    case arch::SoftwareKind::hypervisor: return CpuUse::kernel;
    case arch::SoftwareKind::interruption: return CpuUse::interruption;
    default: return CpuUse::host;
  }
}

/// One host logical CPU.
struct HostCpuState {
  uint64_t busy_until_ps = 0;                   ///< the end of the last step placed on it
  std::array<uint64_t, kCpuUseCount> busy_ps{};  ///< busy time by column (CpuUse)
  uint64_t steps = 0;                           ///< steps it ran
  uint64_t busy_total_ps() const {
    uint64_t s = 0;
    for (uint64_t b : busy_ps) s += b;
    return s;
  }
};

class CpuComplex {
 public:
  /// Fewest and most host CPUs an LPAR may have (the LPAR config's "cpus"; 256 = the largest
  /// number of logical CPUs of one z/VM-less LPAR apsim allows, issue 12).
  static constexpr unsigned kMinCpus = 1, kMaxCpus = 256;
  /// `cpus` host CPUs, all idle at time 0.  Throws std::invalid_argument outside
  /// kMinCpus..kMaxCpus (the LPAR config refuses such a value first, naming its field).
  explicit CpuComplex(unsigned cpus);
  // Movable (the map's nodes move with it, so the cached slot stays valid), not copyable (a
  // copy's cached slot would point into the original's map).
  CpuComplex(CpuComplex&&) = default;
  CpuComplex& operator=(CpuComplex&&) = default;
  CpuComplex(const CpuComplex&) = delete;
  CpuComplex& operator=(const CpuComplex&) = delete;

  /// Where and when a step ran.
  struct Placement {
    unsigned cpu;       ///< the host CPU (0-based)
    uint64_t start_ps;  ///< when it started (≥ the ready time; later if it waited)
    uint64_t end_ps;    ///< start + cost
  };
  /// Place a step of `cost_ps` that logical thread `thread` is ready to run at `ready_ps`,
  /// accounted as `use` (rules in the file comment).  A zero-cost step occupies no CPU and
  /// returns {its thread's last CPU, ready, ready}.
  Placement run(uint64_t thread, uint64_t ready_ps, uint64_t cost_ps, CpuUse use);

  unsigned cpus() const { return static_cast<unsigned>(cpus_.size()); }
  const HostCpuState& cpu(unsigned i) const { return cpus_.at(i); }
  /// Sum over steps of the time each waited for a CPU (start - ready), ps.
  uint64_t waited_ps() const { return waited_ps_; }
  /// Steps placed (zero-cost steps included).
  uint64_t steps() const { return steps_; }
  /// Steps that had to wait for a CPU.
  uint64_t waits() const { return waits_; }

 private:
  std::vector<HostCpuState> cpus_;
  static constexpr unsigned kNoCpu = ~0u;
  /// The CPUs' busy-until times as a binary tree of minima (index 1 the root, leaves_ leaves
  /// from index leaves_ on, CPU i at leaves_ + i, unused leaves at UINT64_MAX): rules 2 and 3
  /// find their CPU in O(log n) instead of a scan of every CPU per step.
  std::vector<uint64_t> min_busy_until_;
  size_t leaves_ = 1;
  void set_busy_until(unsigned cpu, uint64_t ps);
  /// The lowest-numbered CPU busy until at most `ps` (one exists: min_busy_until_[1] <= ps).
  unsigned first_at_most(uint64_t ps) const;
  std::unordered_map<uint64_t, unsigned> last_cpu_;  ///< logical thread -> its last CPU
  uint64_t cached_thread_ = 0;                       ///< the thread of cached_slot_
  unsigned* cached_slot_ = nullptr;                  ///< last_cpu_[cached_thread_]
  uint64_t waited_ps_ = 0, steps_ = 0, waits_ = 0;
};

// Inline: every software step places itself (issue 12 part 7).
inline void CpuComplex::set_busy_until(unsigned cpu, uint64_t ps) {
  size_t n = leaves_ + cpu;
  min_busy_until_[n] = ps;
  // Up to the first ancestor whose minimum stays: the ones above it keep theirs too (the
  // common case, one thread on its own CPU beside idle ones, stops at the first level).
  for (n /= 2; n >= 1; n /= 2) {
    const uint64_t m = std::min(min_busy_until_[2 * n], min_busy_until_[2 * n + 1]);
    if (min_busy_until_[n] == m) break;
    min_busy_until_[n] = m;
  }
}

inline CpuComplex::Placement CpuComplex::run(uint64_t thread, uint64_t ready_ps, uint64_t cost_ps, CpuUse use) {
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
