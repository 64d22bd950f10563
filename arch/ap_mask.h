// arch/ap_mask.h — 256-bit AP masks (APM, AQM, ADM, apmask, aqmask) in MSB-first order.
//
// Bit n of a mask is id n counted from the left: "Each bit in the mask, from left to right,
// corresponds to an APID from 0-255" (seed 001, "AP and SIE"; ap-facility-spec.md §3.1).
// The same order is used by the QCI block (u32[8]), the CRYCB format-2 APCB (u64[4]) and the
// /sys/bus/ap/apmask text "0x%016lx%016lx%016lx%016lx".  Word w holds ids 64w..64w+63 with id
// 64w in its most significant bit, so the words stored big-endian are the storage image.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "arch/bits.h"

namespace apsim::arch {

class ApMask {
 public:
  static constexpr unsigned kBits = 256;

  constexpr ApMask() = default;
  /// From four 64-bit words, word 0 = ids 0..63 (MSB = id 0).
  constexpr explicit ApMask(const std::array<uint64_t, 4>& w) : w_(w) {}
  static ApMask all() { return ApMask({~0ull, ~0ull, ~0ull, ~0ull}); }

  bool test(unsigned id) const { return id < kBits && (w_[id / 64] & bit64(id % 64)); }
  void set(unsigned id) { if (id < kBits) w_[id / 64] |= bit64(id % 64); }
  void clear(unsigned id) { if (id < kBits) w_[id / 64] &= ~bit64(id % 64); }
  void assign(unsigned id, bool v) { v ? set(id) : clear(id); }

  /// 64-bit word `i` (0..3) of the mask; ids 64i..64i+63, MSB first.
  uint64_t word64(unsigned i) const { return w_[i]; }
  void set_word64(unsigned i, uint64_t v) { w_[i] = v; }
  /// 32-bit word `i` (0..7) as in the QCI block's u32 apm[8].
  uint32_t word32(unsigned i) const {
    return static_cast<uint32_t>(i % 2 == 0 ? w_[i / 2] >> 32 : w_[i / 2]);
  }

  bool empty() const { return (w_[0] | w_[1] | w_[2] | w_[3]) == 0; }
  bool intersects(const ApMask& o) const {
    return ((w_[0] & o.w_[0]) | (w_[1] & o.w_[1]) | (w_[2] & o.w_[2]) | (w_[3] & o.w_[3])) != 0;
  }
  ApMask operator&(const ApMask& o) const {
    return ApMask({w_[0] & o.w_[0], w_[1] & o.w_[1], w_[2] & o.w_[2], w_[3] & o.w_[3]});
  }
  ApMask operator|(const ApMask& o) const {
    return ApMask({w_[0] | o.w_[0], w_[1] | o.w_[1], w_[2] | o.w_[2], w_[3] | o.w_[3]});
  }
  ApMask operator~() const { return ApMask({~w_[0], ~w_[1], ~w_[2], ~w_[3]}); }
  bool operator==(const ApMask& o) const { return w_ == o.w_; }
  bool operator!=(const ApMask& o) const { return w_ != o.w_; }

  /// Ids set, ascending.
  std::vector<unsigned> ids() const {
    std::vector<unsigned> v;
    for (unsigned i = 0; i < kBits; ++i)
      if (test(i)) v.push_back(i);
    return v;
  }
  /// Keep only ids 0..max_id (a format's or a configuration's width).
  ApMask limited_to(unsigned max_id) const {
    ApMask m = *this;
    for (unsigned i = max_id + 1; i < kBits; ++i) m.clear(i);
    return m;
  }

  /// 32-byte storage image (QCI apm/aqm/adm, CRYCB format-2 APCB).
  void to_bytes(uint8_t out[32]) const {
    for (unsigned i = 0; i < 4; ++i) store_be64(out + 8 * i, w_[i]);
  }
  static ApMask from_bytes(const uint8_t in[32]) {
    ApMask m;
    for (unsigned i = 0; i < 4; ++i) m.w_[i] = load_be64(in + 8 * i);
    return m;
  }

  /// "0x" + 64 hex digits, the kernel's "0x%016lx%016lx%016lx%016lx" (apmask, ap_config,
  /// and — same digits — "0x%08x"x8 of ap_adapter_mask).  No newline.
  std::string to_hex() const {
    char b[80];
    std::snprintf(b, sizeof b, "0x%016llx%016llx%016llx%016llx",
                  static_cast<unsigned long long>(w_[0]), static_cast<unsigned long long>(w_[1]),
                  static_cast<unsigned long long>(w_[2]), static_cast<unsigned long long>(w_[3]));
    return b;
  }

 private:
  std::array<uint64_t, 4> w_{};
};

}  // namespace apsim::arch
