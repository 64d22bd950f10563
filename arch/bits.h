// arch/bits.h — IBM (MSB-first) bit numbering and big-endian storage helpers.
//
// The architecture numbers bits from the most significant end: in a 64-bit general register
// bit 0 is the MSB and bit 63 the LSB; a Linux constant `x << n` lands at MSB bit `63 - n`
// (ap-facility-spec.md §0.2).  Main storage is big-endian (z/Architecture).
#pragma once

#include <cstddef>
#include <cstdint>

namespace apsim::arch {

/// Mask with only MSB-first bit `bit` (0..63) set in a 64-bit word.
constexpr uint64_t bit64(unsigned bit) { return uint64_t{1} << (63 - bit); }
/// Mask with only MSB-first bit `bit` (0..31) set in a 32-bit word.
constexpr uint32_t bit32(unsigned bit) { return uint32_t{1} << (31 - bit); }

/// Extract MSB-first bits [first, last] of a 64-bit word, right-aligned.
constexpr uint64_t field64(uint64_t word, unsigned first, unsigned last) {
  const unsigned width = last - first + 1;
  const uint64_t mask = width == 64 ? ~uint64_t{0} : ((uint64_t{1} << width) - 1);
  return (word >> (63 - last)) & mask;
}

/// Return `word` with MSB-first bits [first, last] replaced by `value` (truncated to width).
constexpr uint64_t set_field64(uint64_t word, unsigned first, unsigned last, uint64_t value) {
  const unsigned width = last - first + 1;
  const uint64_t mask = width == 64 ? ~uint64_t{0} : ((uint64_t{1} << width) - 1);
  const unsigned shift = 63 - last;
  return (word & ~(mask << shift)) | ((value & mask) << shift);
}

/// Big-endian loads and stores of 1..8-byte quantities (storage byte order).
inline uint64_t load_be(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}
inline void store_be(uint8_t* p, size_t n, uint64_t v) {
  for (size_t i = 0; i < n; ++i) p[n - 1 - i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>(load_be(p, 2)); }
inline uint32_t load_be32(const uint8_t* p) { return static_cast<uint32_t>(load_be(p, 4)); }
inline uint64_t load_be64(const uint8_t* p) { return load_be(p, 8); }
inline void store_be16(uint8_t* p, uint16_t v) { store_be(p, 2, v); }
inline void store_be32(uint8_t* p, uint32_t v) { store_be(p, 4, v); }
inline void store_be64(uint8_t* p, uint64_t v) { store_be(p, 8, v); }

}  // namespace apsim::arch
