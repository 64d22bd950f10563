// arch/apqn.h — AP queue numbers.
//
// An APQN is the pair (APID, APQI): adapter id and queue index (usage domain), both 0..255.
// Linux: AP_MKQID(card, queue) = ((card & 0xff) << 8) | (queue & 0xff); in GR0 the APID is
// bits 48–55 and the APQI bits 56–63 (ap-facility-spec.md §1.2).  sysfs names queues
// "%02x.%04x" and cards "card%02x".
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace apsim::arch {

constexpr unsigned kMaxApid = 255;  ///< APIDs are 0..255 (8 bits)
constexpr unsigned kMaxApqi = 255;  ///< APQIs are 0..255 (8 bits)

struct Apqn {
  uint8_t apid = 0;  ///< adapter id (card number)
  uint8_t apqi = 0;  ///< queue index = usage domain number

  /// The 16-bit queue id as Linux' AP_MKQID builds it.
  constexpr uint16_t qid() const { return static_cast<uint16_t>((apid << 8) | apqi); }
  static constexpr Apqn from_qid(uint16_t qid) {
    return Apqn{static_cast<uint8_t>(qid >> 8), static_cast<uint8_t>(qid & 0xff)};
  }
  constexpr bool operator==(const Apqn& o) const { return qid() == o.qid(); }
  constexpr bool operator!=(const Apqn& o) const { return qid() != o.qid(); }
  constexpr bool operator<(const Apqn& o) const { return qid() < o.qid(); }

  /// sysfs queue device name, e.g. "05.00ab".
  std::string name() const {
    char b[16];
    std::snprintf(b, sizeof b, "%02x.%04x", apid, apqi);
    return b;
  }
};

/// sysfs card device name, e.g. "card05".
inline std::string card_name(unsigned apid) {
  char b[16];
  std::snprintf(b, sizeof b, "card%02x", apid & 0xff);
  return b;
}

/// Parse exactly "XX.YYYY" (2 + 4 hex digits, as sysfs names queues).  False otherwise.
inline bool parse_apqn(const std::string& s, Apqn& out) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (s.size() != 7 || s[2] != '.') return false;
  unsigned a = 0, q = 0;
  for (int i = 0; i < 2; ++i) {
    const int d = hex(s[i]);
    if (d < 0) return false;
    a = a * 16 + static_cast<unsigned>(d);
  }
  for (int i = 3; i < 7; ++i) {
    const int d = hex(s[i]);
    if (d < 0) return false;
    q = q * 16 + static_cast<unsigned>(d);
  }
  if (q > kMaxApqi) return false;
  out = Apqn{static_cast<uint8_t>(a), static_cast<uint8_t>(q)};
  return true;
}

}  // namespace apsim::arch
