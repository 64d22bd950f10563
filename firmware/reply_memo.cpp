// firmware/reply_memo.cpp — the firmware's memo of replies (reply_memo.h).
#include "firmware/reply_memo.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string_view>

namespace apsim::firmware {

void set_parity(uint8_t* p, size_t n, bool odd) {
  for (size_t i = 0; i < n; ++i)
    if ((__builtin_popcount(p[i]) % 2 == 1) != odd) p[i] ^= 1;
}

ReplyMemo::ReplyMemo(size_t sets, size_t ways) : sets_(sets), ways_(ways) {
  if (sets == 0 || (sets & (sets - 1)) != 0 || ways == 0 || ways > 255)
    throw std::invalid_argument("ReplyMemo: sets must be a power of two and ways 1..255");
}

size_t ReplyMemo::hash_of(const uint8_t* msg, size_t len) {
  return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(msg), len));
}

const ReplyMemo::Entry* ReplyMemo::find(size_t hash, uint8_t domain, const uint8_t* msg, size_t len) const {
  if (!slots_) return nullptr;
  const Entry* set = &slots_[(hash & (sets_ - 1)) * ways_];
  for (size_t i = 0; i < ways_; ++i) {
    const Entry& e = set[i];
    if (e.valid && e.hash == hash && e.domain == domain && e.request.size() == len &&
        std::memcmp(e.request.data(), msg, len) == 0)
      return &e;
  }
  return nullptr;
}

void ReplyMemo::insert(size_t hash, uint8_t domain, const uint8_t* msg, size_t len, const FirmwareReply& r,
                       size_t fresh, FreshParity parity) {
  if (!slots_) {
    slots_.reset(new Entry[sets_ * ways_]);
    next_.reset(new uint8_t[sets_]());
  }
  const size_t set = hash & (sets_ - 1);
  Entry& e = slots_[set * ways_ + next_[set]];
  next_[set] = static_cast<uint8_t>((next_[set] + 1) % ways_);
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
  if (!slots_) return;
  for (size_t i = 0; i < sets_ * ways_; ++i) slots_[i].valid = false;
}

}  // namespace apsim::firmware
