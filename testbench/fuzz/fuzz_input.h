// testbench/fuzz/fuzz_input.h — reading structured values from a fuzzer's bytes (what
// clang's FuzzedDataProvider does; this one also builds with gcc, for the corpus driver).
// Values come from the front; take_rest() is what is left.  Running out gives zeros / "".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace apsim::fuzz {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(data), n_(size) {}
  uint8_t byte() { return n_ ? (--n_, *p_++) : 0; }
  uint16_t u16() { return static_cast<uint16_t>(byte() << 8 | byte()); }
  uint32_t u32() { return static_cast<uint32_t>(u16()) << 16 | u16(); }
  /// A value in [lo, hi] (hi - lo < 2^32).
  uint32_t range(uint32_t lo, uint32_t hi) { return lo + (hi > lo ? u32() % (hi - lo + 1) : 0); }
  std::vector<uint8_t> bytes(size_t n) {
    if (n > n_) n = n_;
    std::vector<uint8_t> v(p_, p_ + n);
    p_ += n, n_ -= n;
    return v;
  }
  /// `n` bytes, zero-padded at the end when the input runs out.
  std::vector<uint8_t> padded(size_t n) {
    std::vector<uint8_t> v = bytes(n);
    v.resize(n, 0);
    return v;
  }
  std::vector<uint8_t> rest_bytes() { return bytes(n_); }
  std::string rest() {
    std::string s(reinterpret_cast<const char*>(p_), n_);
    p_ += n_, n_ = 0;
    return s;
  }
  size_t left() const { return n_; }

 private:
  const uint8_t* p_;
  size_t n_;
};

}  // namespace apsim::fuzz
