// testbench/tests/userspace/test_latency_record.cpp — apbench's latency record
// (driver/userspace/latency_record.h) against the exact nearest-rank percentiles of the same
// values kept and sorted: within the documented relative error for spread values, exact for
// values that fall at most two distinct to a bucket, and min, max and mean always exact.
#define BOOST_TEST_MODULE latency_record
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "driver/userspace/latency_record.h"

using apsim::driver::LatencyRecord;

namespace {
/// apbench's former definition: the value of rank round(p * (n - 1)) in sorted order.
double exact(std::vector<uint64_t> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return static_cast<double>(v[i]);
}
const double kPs[] = {0, 0.001, 0.1, 0.25, 0.5, 0.9, 0.99, 0.999, 1};
}  // namespace

BOOST_AUTO_TEST_CASE(spread_values_within_the_documented_error) {
  BOOST_TEST(LatencyRecord::kMaxRelativeError <= 0.001);
  std::mt19937_64 rng(7);
  std::gamma_distribution<double> gamma(4.0, 250e6);  // latencies around 1 ms in ps, cv 0.5
  std::vector<uint64_t> v;
  LatencyRecord r;
  long double sum = 0;
  for (int i = 0; i < 200000; ++i) {
    const uint64_t x = static_cast<uint64_t>(gamma(rng)) + (i % 7 == 0 ? 3 : 0);  // some tiny values too
    v.push_back(x);
    r.add(x);
    sum += x;
  }
  BOOST_TEST(r.count() == v.size());
  BOOST_TEST(r.min() == *std::min_element(v.begin(), v.end()));
  BOOST_TEST(r.max() == *std::max_element(v.begin(), v.end()));
  BOOST_TEST(r.mean() == static_cast<double>(sum / v.size()), boost::test_tools::tolerance(1e-15));
  for (double p : kPs) {
    const double want = exact(v, p), got = r.percentile(p);
    BOOST_TEST(std::fabs(got - want) <= LatencyRecord::kMaxRelativeError * want, "p" << p << ": " << got << " vs " << want);
  }
  BOOST_TEST(r.percentile(0) == exact(v, 0));
  BOOST_TEST(r.percentile(1) == exact(v, 1));
}

BOOST_AUTO_TEST_CASE(two_values_to_a_bucket_are_exact) {
  // Deterministic service: latencies take a few values, some closer than a bucket's width
  // (8552.6 us and 8553.6 us, as a golden prints them).
  const uint64_t a = 8552600000, b = 8553600000, c = 1070200000;
  std::vector<uint64_t> v;
  LatencyRecord r;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = i < 10 ? c : i % 3 ? a : b;
    v.push_back(x);
    r.add(x);
  }
  for (double p : kPs) BOOST_TEST(r.percentile(p) == exact(v, p), "p" << p);
}

BOOST_AUTO_TEST_CASE(small_and_huge_values) {
  LatencyRecord r;
  BOOST_TEST(r.percentile(0.5) == 0.0);
  BOOST_TEST(r.mean() == 0.0);
  BOOST_TEST(r.min() == 0u);
  std::vector<uint64_t> v = {0, 1, 4095, 4096, 4097, UINT64_MAX, UINT64_MAX - 1, uint64_t{1} << 63};
  for (uint64_t x : v) r.add(x);
  BOOST_TEST(r.min() == 0u);
  BOOST_TEST(r.max() == UINT64_MAX);
  for (double p : kPs) {
    const double want = exact(v, p), got = r.percentile(p);
    BOOST_TEST(std::fabs(got - want) <= LatencyRecord::kMaxRelativeError * want, "p" << p);
  }
}
