// driver/userspace/latency_record.h — apbench's record of a run's latencies in bounded memory:
// a log-linear histogram (HdrHistogram's layout, Gil Tene; no C/C++ HdrHistogram is packaged
// by Debian, so apsim keeps this small one — it is the measurement core of apbench).
//
// Values are simulated picoseconds (uint64_t).  Values below 2^kSubBits are counted exactly;
// above, each power of two [2^e, 2^(e+1)) is split into 2^(kSubBits-1) equal buckets, so a
// bucket spans at most 2^-(kSubBits-1) of its lower bound.  Each bucket also keeps the
// smallest and largest value it holds, and a percentile is interpolated between them:
//   * the reported value lies inside the bucket's [min, max], so its relative error against
//     the exact nearest-rank value is below 2^-(kSubBits-1) = 0.049 % (kSubBits 12) — within
//     the 0.1 % issue 13 asks for;
//   * each bucket also counts the values equal to its min and to its max: a rank that falls
//     on one of those is reported exactly, so a bucket of at most two distinct values
//     (deterministic service times, the usual case) is always exact, and p0 = min and
//     p100 = max are exact.
// count, min, max and the sum (hence the mean) are exact.  Memory: one block of 2^(kSubBits-1)
// buckets per power of two actually seen (80 KiB each), allocated the first time a value of
// that magnitude arrives — at most 53 blocks, whatever the number of values; no allocation
// after that.
#pragma once

#include <cstdint>
#include <memory>

namespace apsim::driver {

class LatencyRecord {
 public:
  static constexpr unsigned kSubBits = 12;
  /// The bound on |reported - exact| / exact of percentile() (see the header comment).
  static constexpr double kMaxRelativeError = 1.0 / (1u << (kSubBits - 1));

  LatencyRecord();
  ~LatencyRecord();
  LatencyRecord(LatencyRecord&&) noexcept;
  LatencyRecord& operator=(LatencyRecord&&) noexcept;

  /// Count one value (ps).
  void add(uint64_t v);

  uint64_t count() const { return count_; }
  /// Exact; 0 when empty.
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  /// Exact sum / count, in the value's unit; 0 when empty.
  double mean() const;
  /// The nearest-rank percentile, p in [0, 1]: the value of rank round(p * (count - 1)) in
  /// sorted order (what apbench computed from all values before), within kMaxRelativeError;
  /// 0 when empty.
  double percentile(double p) const;

 private:
  struct Bucket {
    uint64_t n = 0, lo = 0, hi = 0;
    uint64_t n_lo = 0, n_hi = 0;  ///< how many of the n values equal lo, hi
  };
  static constexpr unsigned kHalf = 1u << (kSubBits - 1);
  static constexpr unsigned kBlocks = 64 - kSubBits + 1;  ///< block 0: 0 .. 2^kSubBits - 1, exact (2 x kHalf)

  std::unique_ptr<Bucket[]> blocks_[kBlocks];
  uint64_t count_ = 0, min_ = 0, max_ = 0;
  unsigned __int128 sum_ = 0;
};

}  // namespace apsim::driver
