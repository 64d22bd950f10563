// sc/cpu_complex.cpp — placing software steps on host CPUs (rules in sc/cpu_complex.h; run(),
// on every software step's path, is inline there).
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

unsigned CpuComplex::first_at_most(uint64_t ps) const {
  // The leftmost leaf whose value is <= ps: go left whenever the left subtree holds one.
  size_t n = 1;
  while (n < leaves_) n = min_busy_until_[2 * n] <= ps ? 2 * n : 2 * n + 1;
  return static_cast<unsigned>(n - leaves_);
}

}  // namespace apsim::sc
