// testbench/tests/sc/test_main_storage.cpp — sc/main_storage.h, the sparse main storage:
// discard gives pages back as zeros and keeps their neighbours, as the kernels' page
// allocator (driver/linux/memory.cpp) relies on when it hands a page out again; the page
// cache keeps pages that share an entry apart and forgets discarded ones.
// main() is libsystemc's and calls sc_main(), which runs Boost.Test (no simulation runs).
#define BOOST_TEST_MODULE main_storage
#define BOOST_TEST_NO_MAIN
#define BOOST_TEST_ALTERNATIVE_INIT_API
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <vector>

#include <systemc>  // sc_main is extern "C" there

#include "sc/main_storage.h"

BOOST_AUTO_TEST_CASE(discard_zeroes_and_keeps_neighbours) {
  apsim::sc::MainStorage st(1 << 20);
  std::vector<uint8_t> ones(3 * 4096 + 200, 0xff);
  BOOST_TEST(st.write(4096 - 100, ones.data(), ones.size()));
  st.discard(4096, 2 * 4096);  // two whole pages in the middle
  std::vector<uint8_t> back(ones.size());
  BOOST_TEST(st.read(4096 - 100, back.data(), back.size()));
  for (size_t i = 0; i < back.size(); ++i) {
    const uint64_t addr = 4096 - 100 + i;
    const bool discarded = addr >= 4096 && addr < 3 * 4096;
    BOOST_REQUIRE(back[i] == (discarded ? 0 : 0xff));
  }
  st.discard(3 * 4096 + 10, 20);  // part of one page
  uint8_t b[40];
  BOOST_TEST(st.read(3 * 4096, b, sizeof b));
  for (size_t i = 0; i < sizeof b; ++i) BOOST_REQUIRE(b[i] == (i >= 10 && i < 30 ? 0 : 0xff));
  st.discard(0, uint64_t{1} << 40);  // beyond the end: clipped, everything zero
  BOOST_TEST(st.read(4096 - 100, back.data(), back.size()));
  for (uint8_t x : back) BOOST_REQUIRE(x == 0);
}

// The cache of pages in front of the page hash (64 entries, direct-mapped by page number):
// pages 64 apart share an entry, and a discarded page must not be found there again (it is
// freed: a stale entry would read freed memory, which the asan preset reports).
BOOST_AUTO_TEST_CASE(page_cache_conflicts_and_discards) {
  apsim::sc::MainStorage st(uint64_t{1} << 30);
  constexpr uint64_t kPage = apsim::sc::MainStorage::kPageSize, kStride = 64 * kPage;
  for (uint8_t round = 1; round <= 3; ++round)
    for (uint64_t i = 0; i < 4; ++i) {  // four pages on one cache entry, in turn
      const uint8_t v = static_cast<uint8_t>(round * 16 + i);
      BOOST_REQUIRE(st.write(i * kStride + 8, &v, 1));
    }
  for (uint64_t i = 0; i < 4; ++i) {
    uint8_t b = 0;
    BOOST_REQUIRE(st.read(i * kStride + 8, &b, 1));
    BOOST_TEST(b == 3 * 16 + i);
  }
  BOOST_TEST(st.pages_in_use() == 4u);
  uint8_t b = 0;
  BOOST_REQUIRE(st.read(3 * kStride + 8, &b, 1));  // page 3*64 is the entry's page now
  st.discard(3 * kStride, kPage);
  BOOST_TEST(st.pages_in_use() == 3u);
  BOOST_REQUIRE(st.read(3 * kStride + 8, &b, 1));
  BOOST_TEST(b == 0);  // read as zeros, not from the freed page
  const uint8_t w = 0x77;
  BOOST_REQUIRE(st.write(3 * kStride + 8, &w, 1));  // allocated afresh
  BOOST_REQUIRE(st.read(3 * kStride + 8, &b, 1));
  BOOST_TEST(b == 0x77);
  BOOST_REQUIRE(st.read(2 * kStride + 8, &b, 1));
  BOOST_TEST(b == 3 * 16 + 2);
}

int sc_main(int argc, char** argv) { return boost::unit_test::unit_test_main(&init_unit_test, argc, argv); }
