// testbench/tests/linux/test_range_allocator.cpp — driver/linux/range_allocator.h, the
// allocator behind the kernel's pages and the guests' memory: first fit, alignment,
// coalescing frees, refused double frees, and a random alloc/free sequence checked against
// a byte map of the window.  (MainStorage::discard, which hands the pages back zeroed, is
// tested with sc/: testbench/tests/sc/test_main_storage.cpp.)
#define BOOST_TEST_MODULE range_allocator
#include <boost/test/unit_test.hpp>

#include <map>
#include <random>
#include <stdexcept>
#include <vector>

#include "driver/linux/range_allocator.h"

using apsim::driver::RangeAllocator;

BOOST_AUTO_TEST_CASE(first_fit_and_alignment) {
  RangeAllocator a(0x1000, 0x10000);
  BOOST_TEST(*a.alloc(0x1000, 0x1000) == 0x1000u);
  BOOST_TEST(*a.alloc(0x100, 0x100) == 0x2000u);
  BOOST_TEST(*a.alloc(0x1000, 0x1000) == 0x3000u);  // aligned past the 0x100 bytes
  BOOST_TEST(*a.alloc(0x100, 0x100) == 0x2100u);    // first fit: the gap before 0x3000
  BOOST_TEST(!a.alloc(0x10000, 0x1000));            // larger than what is left
  BOOST_TEST(!a.alloc(0, 0x1000));
  BOOST_TEST(!a.alloc(0x1000, 3));                  // alignment not a power of two
  BOOST_TEST(a.free_bytes() == 0xf000u - 0x2200u);
}

BOOST_AUTO_TEST_CASE(frees_coalesce_and_refuse_double_frees) {
  RangeAllocator a(0, 0x3000);
  const uint64_t p0 = *a.alloc(0x1000, 0x1000), p1 = *a.alloc(0x1000, 0x1000), p2 = *a.alloc(0x1000, 0x1000);
  a.free(p0, 0x1000);
  a.free(p2, 0x1000);
  BOOST_TEST(!a.fits(0x2000, 0x1000));  // two holes of 4 KiB, not adjacent
  a.free(p1, 0x1000);                   // joins both neighbours
  BOOST_TEST(a.fits(0x3000, 0x1000));
  BOOST_TEST(*a.alloc(0x3000, 0x1000) == 0u);
  a.free(0, 0x3000);
  BOOST_CHECK_THROW(a.free(0, 0x1000), std::logic_error);       // already free
  BOOST_CHECK_THROW(a.free(0x2000, 0x2000), std::logic_error);  // beyond the window
  BOOST_TEST(a.free_bytes() == 0x3000u);
}

BOOST_AUTO_TEST_CASE(random_sequence_never_overlaps) {
  constexpr uint64_t kBase = 0x10000, kLimit = 0x90000, kUnit = 0x100;
  RangeAllocator a(kBase, kLimit);
  std::vector<int> owner((kLimit - kBase) / kUnit, -1);
  std::map<uint64_t, uint64_t> live;
  std::mt19937_64 rng(7);
  for (int step = 0; step < 20000; ++step) {
    if (live.empty() || rng() % 3) {
      const uint64_t bytes = (1 + rng() % 16) * kUnit, align = kUnit << (rng() % 4);
      const auto p = a.alloc(bytes, align);
      if (!p) continue;
      BOOST_REQUIRE(*p % align == 0);
      for (uint64_t u = (*p - kBase) / kUnit; u < (*p - kBase + bytes) / kUnit; ++u) {
        BOOST_REQUIRE(owner[u] == -1);
        owner[u] = step;
      }
      live[*p] = bytes;
    } else {
      auto it = std::next(live.begin(), static_cast<long>(rng() % live.size()));
      for (uint64_t u = (it->first - kBase) / kUnit; u < (it->first - kBase + it->second) / kUnit; ++u) owner[u] = -1;
      a.free(it->first, it->second);
      live.erase(it);
    }
    uint64_t in_use = 0;
    for (const auto& [p, n] : live) in_use += n;
    BOOST_REQUIRE(a.free_bytes() == (kLimit - kBase) - in_use);
  }
}
