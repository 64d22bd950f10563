// testbench/tests/sc/test_cpu_complex.cpp — sc/cpu_complex.h: the placement rules of software
// steps on host CPUs, the busy accounting, and the CPU complex as a queueing system:
// saturation at cpus / cost and Little's law (issue 12 "Checks"), driven as data (no
// simulation runs).
//
// The executable links libsystemc through apsim_sc, whose main() calls sc_main().
#define BOOST_TEST_MODULE cpu_complex
#define BOOST_TEST_NO_MAIN
#define BOOST_TEST_ALTERNATIVE_INIT_API
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <queue>
#include <stdexcept>
#include <vector>

#include "sc/cpu_complex.h"

using apsim::sc::CpuComplex;
using apsim::sc::CpuUse;
namespace tt = boost::test_tools;

namespace {

constexpr uint64_t kUs = 1'000'000;

/// A closed loop: `threads` logical threads, each running a software step of `cost` on the
/// complex, then `off` of its own time off the CPUs (the hardware's share of a request: the
/// thread sleeps in the kernel), again and again until `horizon`.  Steps are placed in order
/// of their ready time, as the one software thread's clock places them.
struct LoopResult {
  uint64_t completed = 0;
  double throughput_per_us = 0;  ///< completed steps per µs of the horizon
  double mean_response_ps = 0;   ///< mean of (end - ready): waiting + running
  double mean_in_system = 0;     ///< time-average number of threads waiting for or on a CPU
  double busy_share = 0;         ///< busy time / (cpus * horizon)
};

LoopResult closed_loop(unsigned cpus, unsigned threads, uint64_t cost, uint64_t off, uint64_t horizon) {
  CpuComplex c(cpus);
  using Ready = std::pair<uint64_t, unsigned>;  // (ready time, thread)
  std::priority_queue<Ready, std::vector<Ready>, std::greater<>> ready;
  for (unsigned t = 0; t < threads; ++t) ready.push({t * 7, t});  // staggered starts
  LoopResult r;
  double response_sum = 0;
  // Number in system sampled on a fine grid from the steps' [ready, end) intervals: an
  // independent measurement of L, not derived from the response times.
  const uint64_t grid = horizon / 20000;
  std::vector<uint32_t> in_system(horizon / grid + 1, 0);
  while (!ready.empty()) {
    const auto [t_ready, thread] = ready.top();
    ready.pop();
    if (t_ready >= horizon) continue;
    const CpuComplex::Placement p = c.run(thread, t_ready, cost, CpuUse::host);
    if (p.end_ps > horizon) continue;  // counted only when it completes within the horizon
    ++r.completed;
    response_sum += static_cast<double>(p.end_ps - t_ready);
    for (uint64_t g = (t_ready + grid - 1) / grid; g * grid < p.end_ps; ++g) ++in_system[g];
    ready.push({p.end_ps + off, thread});
  }
  r.throughput_per_us = static_cast<double>(r.completed) / (static_cast<double>(horizon) / kUs);
  r.mean_response_ps = r.completed ? response_sum / static_cast<double>(r.completed) : 0;
  double sum = 0;
  for (uint32_t n : in_system) sum += n;
  r.mean_in_system = sum / static_cast<double>(in_system.size());
  uint64_t busy = 0;
  for (unsigned i = 0; i < cpus; ++i) busy += c.cpu(i).busy_total_ps();
  r.busy_share = static_cast<double>(busy) / (static_cast<double>(cpus) * static_cast<double>(horizon));
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cpu_complex)

BOOST_AUTO_TEST_CASE(cpus_range) {
  BOOST_CHECK_THROW(CpuComplex(0), std::invalid_argument);
  BOOST_CHECK_THROW(CpuComplex(257), std::invalid_argument);
  BOOST_TEST(CpuComplex(1).cpus() == 1u);
  BOOST_TEST(CpuComplex(256).cpus() == 256u);
}

BOOST_AUTO_TEST_CASE(placement_rules) {
  CpuComplex c(2);
  // A thread's steps stay on its CPU while it is idle (rule 1).
  auto a = c.run(1, 0, 10, CpuUse::host);
  BOOST_TEST(a.cpu == 0u);
  BOOST_TEST(a.start_ps == 0u);
  BOOST_TEST(a.end_ps == 10u);
  // Another thread ready while CPU 0 runs takes the idle CPU 1 (rule 2).
  auto b = c.run(2, 5, 10, CpuUse::kernel);
  BOOST_TEST(b.cpu == 1u);
  BOOST_TEST(b.start_ps == 5u);
  // Thread 2 again at 20: its last CPU (1) is idle, so there, although CPU 0 is idle too.
  auto b2 = c.run(2, 20, 10, CpuUse::kernel);
  BOOST_TEST(b2.cpu == 1u);
  // Both busy: a third thread waits for the CPU free first (rule 3), FIFO behind the running step.
  auto x = c.run(3, 21, 4, CpuUse::interruption);  // CPU 0 idle at 21: no wait
  BOOST_TEST(x.cpu == 0u);
  auto y = c.run(4, 22, 3, CpuUse::guest);  // CPU 0 free at 25, CPU 1 at 30
  BOOST_TEST(y.cpu == 0u);
  BOOST_TEST(y.start_ps == 25u);
  BOOST_TEST(y.end_ps == 28u);
  auto z = c.run(5, 23, 1, CpuUse::host);  // CPU 0 free at 28, CPU 1 at 30: behind y on CPU 0
  BOOST_TEST(z.cpu == 0u);
  BOOST_TEST(z.start_ps == 28u);
  BOOST_TEST(c.waits() == 2u);
  BOOST_TEST(c.waited_ps() == (25u - 22u) + (28u - 23u));
  // A zero-cost step occupies nothing.
  auto zero = c.run(6, 23, 0, CpuUse::host);
  BOOST_TEST(zero.start_ps == 23u);
  BOOST_TEST(zero.end_ps == 23u);
  BOOST_TEST(c.steps() == 7u);
  // Accounting by column.
  BOOST_TEST(c.cpu(0).busy_ps[static_cast<size_t>(CpuUse::host)] == 10u + 1u);
  BOOST_TEST(c.cpu(0).busy_ps[static_cast<size_t>(CpuUse::interruption)] == 4u);
  BOOST_TEST(c.cpu(0).busy_ps[static_cast<size_t>(CpuUse::guest)] == 3u);
  BOOST_TEST(c.cpu(1).busy_ps[static_cast<size_t>(CpuUse::kernel)] == 20u);
  BOOST_TEST(c.cpu(0).steps == 4u);
  BOOST_TEST(c.cpu(1).steps == 2u);
}

// One thread on an idle complex never waits: each step costs exactly its cost.
BOOST_AUTO_TEST_CASE(idle_costs_exactly_the_steps) {
  CpuComplex c(4);
  uint64_t t = 0;
  for (uint64_t cost : {100u, 3000u, 0u, 2000u, 500000u}) {
    const auto p = c.run(0, t, cost, CpuUse::host);
    BOOST_TEST(p.start_ps == t);
    BOOST_TEST(p.end_ps == t + cost);
    t = p.end_ps + 1000;  // the thread sleeps in between
  }
  BOOST_TEST(c.waits() == 0u);
}

// With the rest of a request faster than the CPUs, throughput saturates at cpus / cost and
// grows with cpus; below saturation it is threads / (cost + off).
BOOST_AUTO_TEST_CASE(saturation) {
  const uint64_t cost = 10 * kUs, off = 2 * kUs, horizon = 100'000 * kUs;
  for (unsigned cpus : {1u, 2u, 4u, 8u}) {
    BOOST_TEST_CONTEXT("cpus " << cpus) {
      const LoopResult r = closed_loop(cpus, 64, cost, off, horizon);
      const double bound = static_cast<double>(cpus) / (static_cast<double>(cost) / kUs);
      BOOST_TEST(r.throughput_per_us == bound, tt::tolerance(0.01));
      BOOST_TEST(r.busy_share == 1.0, tt::tolerance(0.01));
    }
  }
  // Not saturated: 2 threads on 8 CPUs each complete a step every cost + off.
  const LoopResult light = closed_loop(8, 2, cost, off, horizon);
  BOOST_TEST(light.throughput_per_us == 2.0 / 12.0, tt::tolerance(0.01));
  BOOST_TEST(light.mean_response_ps == static_cast<double>(cost), tt::tolerance(1e-9));
}

// Little's law over the complex: the time-average number of threads waiting for or on a CPU
// (sampled) equals throughput x mean response, saturated or not.
BOOST_AUTO_TEST_CASE(littles_law) {
  const uint64_t horizon = 50'000 * kUs;
  for (auto [cpus, threads] : {std::pair{2u, 3u}, std::pair{4u, 16u}, std::pair{8u, 6u}}) {
    BOOST_TEST_CONTEXT("cpus " << cpus << ", threads " << threads) {
      const LoopResult r = closed_loop(cpus, threads, 7 * kUs, 5 * kUs, horizon);
      const double lambda_per_ps = r.throughput_per_us / kUs;
      BOOST_TEST(r.mean_in_system == lambda_per_ps * r.mean_response_ps, tt::tolerance(0.01));
    }
  }
}

// The tree of busy-until minima (rules 2 and 3 in O(log n)) places every step where a scan
// of every CPU does: 20,000 random steps of 64 threads on complexes of 1, 3, 4, 7 and 256 CPUs
// (sizes that fill the tree and that leave leaves unused), ready times nondecreasing with
// repeats (ties between CPUs) and some behind earlier ones (apbench's threads as data).
BOOST_AUTO_TEST_CASE(placement_matches_a_scan_of_every_cpu) {
  for (unsigned n : {1u, 3u, 4u, 7u, 256u}) {
    CpuComplex cx(n);
    std::vector<uint64_t> busy(n, 0);
    std::vector<unsigned> last(64, ~0u);
    uint64_t seed = 12345 + n, clock = 0;
    auto next = [&seed] {  // xorshift64: reproducible, no library state
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      return seed;
    };
    for (int i = 0; i < 20000; ++i) {
      const unsigned thread = static_cast<unsigned>(next() % 64);
      clock += next() % 3 * 100;
      const uint64_t ready = next() % 8 == 0 && clock > 500 ? clock - 500 : clock;
      const uint64_t cost = next() % 10 == 0 ? 0 : 100 + next() % 4 * 100;
      const CpuComplex::Placement p = cx.run(thread, ready, cost, CpuUse::host);
      if (cost == 0) {
        BOOST_TEST(p.cpu == (last[thread] == ~0u ? 0u : last[thread]));
        continue;
      }
      unsigned want = n;  // the rules, as a scan
      if (last[thread] != ~0u && busy[last[thread]] <= ready) want = last[thread];
      for (unsigned c = 0; want == n && c < n; ++c)
        if (busy[c] <= ready) want = c;
      if (want == n) {
        want = 0;
        for (unsigned c = 1; c < n; ++c)
          if (busy[c] < busy[want]) want = c;
      }
      BOOST_TEST_REQUIRE(p.cpu == want);
      BOOST_TEST(p.start_ps == std::max(ready, busy[want]));
      busy[want] = p.end_ps;
      last[thread] = want;
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

extern "C" int sc_main(int argc, char** argv) { return boost::unit_test::unit_test_main(&init_unit_test, argc, argv); }
