// testbench/tests/firmware/test_reply_memo.cpp — the firmware's memo of replies
// (firmware/reply_memo.h): set-associative, byte-exact hits per domain, first in first out
// within a set, room for 256 queues' requests, nothing allocated before the first insert.
#define BOOST_TEST_MODULE test_reply_memo
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "firmware/reply_memo.h"

using apsim::firmware::FirmwareReply;
using apsim::firmware::ReplyMemo;

namespace {

std::vector<uint8_t> request(unsigned i) {
  std::vector<uint8_t> m(64, 0x5a);
  std::memcpy(m.data(), &i, sizeof i);
  return m;
}

FirmwareReply reply_to(unsigned i) {
  FirmwareReply r;
  r.reply.assign(32, static_cast<uint8_t>(i));
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(remembers_the_requests_of_256_queues_of_16_messages) {
  ReplyMemo memo(1024, 8);  // the firmware's geometry (cex_firmware.cpp kMemoSets, kMemoWays)
  // 256 domains x 16 messages, as apbench drives every domain of a card.
  unsigned kept = 0;
  for (unsigned d = 0; d < 256; ++d)
    for (unsigned k = 0; k < 16; ++k) {
      const auto m = request(d * 16 + k);
      memo.insert(ReplyMemo::hash_of(m.data(), m.size()), static_cast<uint8_t>(d), m.data(), m.size(), reply_to(k));
    }
  for (unsigned d = 0; d < 256; ++d)
    for (unsigned k = 0; k < 16; ++k) {
      const auto m = request(d * 16 + k);
      const auto* e = memo.find(ReplyMemo::hash_of(m.data(), m.size()), static_cast<uint8_t>(d), m.data(), m.size());
      if (e) {
        ++kept;
        BOOST_TEST(e->reply == reply_to(k).reply);
      }
    }
  // 8192 entries for 4096 requests: only a set's ninth request evicts (a hash conflict);
  // for std::hash that loses well under 1 % (Poisson with mean 4 per set: ~0.7 %).
  BOOST_TEST(kept > 4000u);
  BOOST_TEST_MESSAGE("kept " << kept << " of 4096");
}

BOOST_AUTO_TEST_CASE(a_hit_is_byte_exact_and_per_domain) {
  ReplyMemo memo(16, 2);
  const auto m = request(7);
  const size_t h = ReplyMemo::hash_of(m.data(), m.size());
  BOOST_TEST(!memo.find(h, 3, m.data(), m.size()));  // empty: nothing allocated, nothing found
  memo.insert(h, 3, m.data(), m.size(), reply_to(7));
  BOOST_TEST(memo.find(h, 3, m.data(), m.size()));
  BOOST_TEST(!memo.find(h, 4, m.data(), m.size()));  // another domain
  auto other = m;
  other.back() ^= 1;
  BOOST_TEST(!memo.find(h, 3, other.data(), other.size()));  // same hash given, other bytes
  memo.clear();
  BOOST_TEST(!memo.find(h, 3, m.data(), m.size()));
}

BOOST_AUTO_TEST_CASE(a_full_set_replaces_its_oldest) {
  ReplyMemo memo(1, 2);  // one set of two ways
  const auto a = request(1), b = request(2), c = request(3);
  for (const auto* m : {&a, &b, &c}) memo.insert(ReplyMemo::hash_of(m->data(), m->size()), 0, m->data(), m->size(), reply_to(1));
  BOOST_TEST(!memo.find(ReplyMemo::hash_of(a.data(), a.size()), 0, a.data(), a.size()));
  BOOST_TEST(memo.find(ReplyMemo::hash_of(b.data(), b.size()), 0, b.data(), b.size()));
  BOOST_TEST(memo.find(ReplyMemo::hash_of(c.data(), c.size()), 0, c.data(), c.size()));
}

BOOST_AUTO_TEST_CASE(bad_geometry_is_refused) {
  BOOST_CHECK_THROW(ReplyMemo(0, 4), std::invalid_argument);
  BOOST_CHECK_THROW(ReplyMemo(1000, 4), std::invalid_argument);  // not a power of two
  BOOST_CHECK_THROW(ReplyMemo(1024, 0), std::invalid_argument);
  BOOST_CHECK_THROW(ReplyMemo(1024, 256), std::invalid_argument);
}
