// driver/userspace/latency_record.cpp — see latency_record.h.
#include "driver/userspace/latency_record.h"

#include <algorithm>

namespace apsim::driver {

LatencyRecord::LatencyRecord() = default;
LatencyRecord::~LatencyRecord() = default;
LatencyRecord::LatencyRecord(LatencyRecord&&) noexcept = default;
LatencyRecord& LatencyRecord::operator=(LatencyRecord&&) noexcept = default;

void LatencyRecord::add(uint64_t v) {
  unsigned block = 0, sub = static_cast<unsigned>(v);
  if (v >= (uint64_t{1} << kSubBits)) {
    const unsigned e = 63u - static_cast<unsigned>(__builtin_clzll(v));  // 2^e <= v < 2^(e+1)
    block = e - kSubBits + 1;
    sub = static_cast<unsigned>(v >> block) - kHalf;  // v >> (e - kSubBits + 1) is in [kHalf, 2 kHalf)
  }
  auto& b = blocks_[block];
  if (!b) b = std::make_unique<Bucket[]>(block == 0 ? 2 * kHalf : kHalf);
  Bucket& k = b[sub];
  if (k.n == 0 || v < k.lo) k.lo = v, k.n_lo = 0;
  if (k.n == 0 || v > k.hi) k.hi = v, k.n_hi = 0;
  k.n_lo += v == k.lo;
  k.n_hi += v == k.hi;
  ++k.n;
  if (count_ == 0 || v < min_) min_ = v;
  if (v > max_) max_ = v;
  ++count_;
  sum_ += v;
}

double LatencyRecord::mean() const {
  return count_ ? static_cast<double>(static_cast<long double>(sum_) / static_cast<long double>(count_)) : 0.0;
}

double LatencyRecord::percentile(double p) const {
  if (count_ == 0) return 0;
  const uint64_t rank = std::min(count_ - 1, static_cast<uint64_t>(p * static_cast<double>(count_ - 1) + 0.5));
  uint64_t below = 0;  // values in the buckets before this one
  for (unsigned block = 0; block < kBlocks; ++block) {
    if (!blocks_[block]) continue;
    const unsigned n = block == 0 ? 2 * kHalf : kHalf;
    for (unsigned i = 0; i < n; ++i) {
      const Bucket& k = blocks_[block][i];
      if (below + k.n <= rank) {
        below += k.n;
        continue;
      }
      // The rank is the j-th of this bucket's k.n values, all within [lo, hi]: exact when it
      // is one of the values equal to lo or to hi (a bucket of at most two distinct values is
      // always exact), else interpolated between them.
      const uint64_t j = rank - below;
      if (j < k.n_lo) return static_cast<double>(k.lo);
      if (j >= k.n - k.n_hi) return static_cast<double>(k.hi);
      const double f = static_cast<double>(j) / static_cast<double>(k.n - 1);
      return static_cast<double>(k.lo) + f * static_cast<double>(k.hi - k.lo);
    }
  }
  return static_cast<double>(max_);  // not reached: the buckets hold count_ values
}

}  // namespace apsim::driver
