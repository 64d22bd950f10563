// firmware/reply_memo.h — the firmware's memo of replies: the answers to the last few distinct
// requests, so that a workload repeating its requests does not redo the arithmetic (RSA,
// AES key unwrap, SHA, HMAC) and its steady state allocates nothing (issue 13 part 3).
//
// Only for answers that are a function of the request bytes and the adapter state the memo's
// owner keeps fixed while the entry lives (CexFirmware clears its type-6 memo when a master
// key changes).  A reply may end in `fresh` bytes that are not remembered but drawn anew on
// every hit (random numbers: the rest of the reply is the request's function, the trailing
// bytes are the generator's next output, as on the full path).  No SystemC, no OpenSSL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "firmware/cex_firmware.h"

namespace apsim::firmware {

/// How the `fresh` trailing bytes of a remembered reply are adjusted after drawing them:
/// CCA "RL" with rule ODD/EVEN sets every byte's parity (type6.cpp).
enum class FreshParity : uint8_t { none, odd, even };

/// Set every byte of [p, p+n) to odd (`odd`) or even parity by flipping its low bit when
/// needed (DES key parity, CCA CSNBRNG ODD/EVEN).
void set_parity(uint8_t* p, size_t n, bool odd);

/// One remembered answer.  `request` and `reply` keep their storage when the slot is reused.
struct ReplyMemoEntry {
  size_t hash = 0;
  uint8_t domain = 0;
  std::vector<uint8_t> request;
  std::vector<uint8_t> reply;  ///< the answer; its last `fresh` bytes are drawn per hit
  ServiceDemand demand{};      ///< what the price was computed from (Operation::invalid: an error)
  Operation op = Operation::invalid;
  unsigned speed_idx = kSpeedMedium;
  size_t fresh = 0;
  FreshParity parity = FreshParity::none;
  bool valid = false;
};

class ReplyMemo {
 public:
  using Entry = ReplyMemoEntry;

  /// `sets` x `ways` entries: a request's hash picks its set (`sets` a power of two), its
  /// `ways` entries are searched, and a new answer replaces the set's oldest (first in, first
  /// out).  Nothing is allocated before the first insert (a 256 x 256 LPAR's idle adapters
  /// cost a pointer each).  Throws std::invalid_argument if `sets` is not a power of two or
  /// `ways` is 0.
  ReplyMemo(size_t sets, size_t ways);

  /// A hash of the request bytes (std::hash of the bytes: picks candidates only, every hit
  /// is compared byte for byte).
  static size_t hash_of(const uint8_t* msg, size_t len);

  /// The entry for request [msg, msg+len) on `domain` with hash `hash`, or null.
  const Entry* find(size_t hash, uint8_t domain, const uint8_t* msg, size_t len) const;

  /// Remember `r` as the answer to [msg, msg+len) on `domain` (the oldest entry goes).
  /// The last `fresh` bytes of r.reply are not kept (zero in the entry).
  void insert(size_t hash, uint8_t domain, const uint8_t* msg, size_t len, const FirmwareReply& r, size_t fresh = 0,
              FreshParity parity = FreshParity::none);

  /// Forget every entry (their storage stays).
  void clear();

 private:
  std::unique_ptr<Entry[]> slots_;     ///< sets_ x ways_, set-major; null until the first insert
  std::unique_ptr<uint8_t[]> next_;    ///< per set: the way the next insert replaces
  size_t sets_, ways_;
};

}  // namespace apsim::firmware
