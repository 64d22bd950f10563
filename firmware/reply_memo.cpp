// firmware/reply_memo.cpp — the firmware's memo of replies (reply_memo.h).
#include "firmware/reply_memo.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <string_view>

namespace apsim::firmware {

void set_parity(uint8_t* p, size_t n, bool odd) {
  for (size_t i = 0; i < n; ++i)
    if ((__builtin_popcount(p[i]) % 2 == 1) != odd) p[i] ^= 1;
}

ReplyMemo::ReplyMemo(size_t slots) : slots_(new Entry[slots]), size_(slots) {}

size_t ReplyMemo::hash_of(const uint8_t* msg, size_t len) {
  return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(msg), len));
}

const ReplyMemo::Entry* ReplyMemo::find(size_t hash, uint8_t domain, const uint8_t* msg, size_t len) const {
  for (size_t i = 0; i < size_; ++i) {
    const Entry& e = slots_[i];
    if (e.valid && e.hash == hash && e.domain == domain && e.request.size() == len &&
        std::memcmp(e.request.data(), msg, len) == 0)
      return &e;
  }
  return nullptr;
}

void ReplyMemo::insert(size_t hash, uint8_t domain, const uint8_t* msg, size_t len, const FirmwareReply& r,
                       size_t fresh, FreshParity parity) {
  Entry& e = slots_[next_];
  next_ = (next_ + 1) % size_;
  e.valid = true;
  e.hash = hash;
  e.domain = domain;
  e.request.assign(msg, msg + len);
  e.reply = r.reply;
  fresh = std::min(fresh, e.reply.size());
  std::fill(e.reply.end() - static_cast<std::ptrdiff_t>(fresh), e.reply.end(), uint8_t{0});
  e.demand = r.demand;
  e.op = r.op;
  e.speed_idx = r.speed_idx;
  e.fresh = fresh;
  e.parity = parity;
}

void ReplyMemo::clear() {
  for (size_t i = 0; i < size_; ++i) slots_[i].valid = false;
}

}  // namespace apsim::firmware
