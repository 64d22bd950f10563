// arch/ep11_ber.h — the BER (ASN.1) tag-length-value coding of EP11 CPRB payloads, both
// ways: the host driver writes requests and reads replies with it, the card's firmware
// reads requests and writes replies.
//
// Source: Linux drivers/s390/crypto/zcrypt_ep11misc.c — asn1tag_write() and ASN1TAGLEN()
// ("Some helper functions related to ASN1 encoding. Limited to length info <= 2 byte."),
// struct pl_head (tag 0x30, lenfmt 0x82, u16 len: the payload head of a request) and the
// reply checks (check_reply_pl: a payload and data lenfmt of 0x81 or 0x82).  The payload's
// fields (function, domain, return value, parameters): arch/msgtype6.h, "EP11 CPRB".
//
// Shapes (all lengths in bytes, multi-byte lengths big-endian like everything on the card):
//   a length     < 0x80        one byte: the length itself (0..127)
//                0x81 LL       one length byte follows (0..255)
//                0x82 HH LL    two length bytes follow (0..65535)
//                — never longer: EP11 payloads stay below 64 KiB.
//   a field      tag, length, `length` value bytes (tag 0x04: an octet string).
//   a payload    30 82 HH LL, then the fields (a sequence with the two-byte length form).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "arch/bits.h"
#include "arch/msgtype6.h"

namespace apsim::arch {

/// Appends the shortest length form of `n` (asn1tag_write's rule); n <= 0xFFFF.
inline void ber_put_length(std::vector<uint8_t>& out, size_t n) {
  if (n > 255) {
    out.push_back(0x82);
    out.push_back(static_cast<uint8_t>(n >> 8));
    out.push_back(static_cast<uint8_t>(n));
  } else if (n > 127) {
    out.push_back(0x81);
    out.push_back(static_cast<uint8_t>(n));
  } else {
    out.push_back(static_cast<uint8_t>(n));
  }
}

/// Appends `n` in the two-byte form 0x82 HH LL whatever its size (struct pl_head's lenfmt
/// 0x82); n <= 0xFFFF.
inline void ber_put_length82(std::vector<uint8_t>& out, size_t n) {
  out.push_back(0x82);
  out.push_back(static_cast<uint8_t>(n >> 8));
  out.push_back(static_cast<uint8_t>(n));
}

/// Appends `tag`, the shortest length of `n` and the `n` bytes at `v`:
/// asn1tag_write(ptr, tag, v, n).
inline void ber_put_tlv(std::vector<uint8_t>& out, uint8_t tag, const uint8_t* v, size_t n) {
  out.push_back(tag);
  ber_put_length(out, n);
  out.insert(out.end(), v, v + n);
}

/// An EP11 octet string `04 <length> value` with the shortest length form.
inline void ep11_put_octets(std::vector<uint8_t>& out, const uint8_t* v, size_t n) {
  ber_put_tlv(out, EP11_OCTET_TAG, v, n);
}

/// A 32-bit EP11 field `04 04 u32` (function, domain, return value, mechanism, length).
inline void ep11_put_u32(std::vector<uint8_t>& out, uint32_t v) {
  uint8_t b[4];
  store_be32(b, v);
  ep11_put_octets(out, b, sizeof b);
}

/// An EP11 octet string with the two-byte length form, `04 82 HH LL value`: how the model's
/// firmware writes a reply's output fields (zcrypt_ep11misc.c reads them as data_lenfmt 0x82).
inline void ep11_put_octets82(std::vector<uint8_t>& out, const std::vector<uint8_t>& v) {
  out.push_back(EP11_OCTET_TAG);
  ber_put_length82(out, v.size());
  out.insert(out.end(), v.begin(), v.end());
}

/// A whole EP11 payload: the head `30 82 HH LL` (struct pl_head's tag, lenfmt and len), then
/// `body`, the payload's fields.
inline void ep11_put_payload(std::vector<uint8_t>& out, const std::vector<uint8_t>& body) {
  out.push_back(EP11_PAYLOAD_TAG);
  ber_put_length82(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
}

/// Reads the length at p[off] of the `n` bytes at `p`.  On success `off` moves past the
/// length bytes, `len` holds the length and the `len` value bytes are known to lie within the
/// `n`.  False — `off` and `len` then undefined — for a length cut off by the end, a form
/// other than the three, or a value that runs past the end.
inline bool ber_get_length(const uint8_t* p, size_t n, size_t& off, size_t& len) {
  if (off >= n) return false;
  const uint8_t f = p[off++];
  if (f < 0x80) {
    len = f;
  } else if (f == 0x81 && n - off >= 1) {
    len = p[off++];
  } else if (f == 0x82 && n - off >= 2) {
    len = size_t{p[off]} << 8 | p[off + 1];
    off += 2;
  } else {
    return false;
  }
  return len <= n - off;
}

}  // namespace apsim::arch
