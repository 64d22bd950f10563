// testbench/tests/arch/test_arch.cpp — the architected layouts of arch/*.h, pinned against
// words computed BY HAND from ap-facility-spec.md (and the kernel doc, seed 001).
//
// Rule of this file: every expected value is a literal constant with a comment saying how
// it was derived from the spec; the code under test is never used to compute an expected
// value.  Bit numbers are MSB-first (spec §0.2): in a 64-bit register bit b has the value
// 1 << (63 - b); in a 32-bit word bit b has the value 1 << (31 - b).
#define BOOST_TEST_MODULE arch
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "arch/ap_mask.h"
#include "arch/ap_registers.h"
#include "arch/apqn.h"
#include "arch/bits.h"
#include "arch/crycb.h"
#include "arch/ep11_ber.h"
#include "arch/fifo.h"
#include "arch/msgtype50.h"
#include "arch/qci.h"

namespace apsim::arch {
// Lets Boost.Test print masks in failure messages.
inline std::ostream& operator<<(std::ostream& os, const ApMask& m) { return os << m.to_hex(); }
}  // namespace apsim::arch

using namespace apsim::arch;
namespace tt = boost::test_tools;
using Ids = std::vector<unsigned>;

namespace {
// 16 hex zeros: one all-zero 64-bit word in a "0x%016lx%016lx%016lx%016lx" string.
const std::string Z16 = "0000000000000000";
const std::string F16 = "ffffffffffffffff";
}  // namespace

// =========================================================================================
BOOST_AUTO_TEST_SUITE(bits_h)

BOOST_AUTO_TEST_CASE(bit64_and_bit32_are_msb_first) {
  BOOST_TEST(bit64(0) == 0x8000000000000000ull);   // bit 0 = MSB
  BOOST_TEST(bit64(40) == 0x0000000000800000ull);  // 1 << (63-40) = 1 << 23 (TAPQ T bit)
  BOOST_TEST(bit64(63) == 0x0000000000000001ull);  // bit 63 = LSB
  BOOST_TEST(bit32(0) == 0x80000000u);
  BOOST_TEST(bit32(7) == 0x01000000u);             // 1 << 24
  BOOST_TEST(bit32(31) == 0x00000001u);
}

BOOST_AUTO_TEST_CASE(field64_extracts_msb_first_ranges) {
  // 0x00000000008005ab = TAPQ-with-T GR0 for 05.00ab (see gr0 suite).
  const uint64_t w = 0x00000000008005abull;
  BOOST_TEST(field64(w, 40, 40) == 1u);     // T bit
  BOOST_TEST(field64(w, 32, 39) == 0u);     // fc
  BOOST_TEST(field64(w, 48, 55) == 0x05u);  // APID = byte 6
  BOOST_TEST(field64(w, 56, 63) == 0xabu);  // APQI = byte 7
  BOOST_TEST(field64(w, 48, 63) == 0x05abu);
  // Full width returns the word unchanged (the width-64 mask special case).
  BOOST_TEST(field64(0xfedcba9876543210ull, 0, 63) == 0xfedcba9876543210ull);
  // Bits 0–3 of 0xfedc... = top nibble 0xf; bits 60–63 = bottom nibble 0x0.
  BOOST_TEST(field64(0xfedcba9876543210ull, 0, 3) == 0xfu);
  BOOST_TEST(field64(0xfedcba9876543210ull, 60, 63) == 0x0u);
  BOOST_TEST(field64(0xfedcba9876543210ull, 4, 11) == 0xedu);
}

BOOST_AUTO_TEST_CASE(set_field64_replaces_and_truncates) {
  BOOST_TEST(set_field64(0, 0, 0, 1) == 0x8000000000000000ull);
  // fc 4 into bits 32–39 of an all-ones word: byte 4 becomes 0x04.
  BOOST_TEST(set_field64(~0ull, 32, 39, 0x04) == 0xffffffff04ffffffull);
  // A 5-bit value into a 4-bit field keeps only the low 4 bits: 0x1f -> 0xf.
  BOOST_TEST(set_field64(0, 60, 63, 0x1f) == 0x000000000000000full);
  BOOST_TEST(set_field64(0, 52, 55, 0x13) == 0x0000000000000300ull);  // 0x13 -> 3, << 8
  BOOST_TEST(set_field64(0x1234, 0, 63, 0xabcdull) == 0xabcdull);     // full width
}

BOOST_AUTO_TEST_CASE(load_and_store_big_endian) {
  const uint8_t b[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
  BOOST_TEST(load_be(b, 1) == 0x01u);
  BOOST_TEST(load_be(b, 3) == 0x012345u);
  BOOST_TEST(load_be16(b) == 0x0123u);
  BOOST_TEST(load_be32(b) == 0x01234567u);
  BOOST_TEST(load_be64(b) == 0x0123456789abcdefull);

  uint8_t o[8] = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee};
  store_be(o, 3, 0xaabbccddull);  // only the low 3 bytes, MSB first: bb cc dd
  BOOST_TEST(unsigned(o[0]) == 0xbbu);
  BOOST_TEST(unsigned(o[1]) == 0xccu);
  BOOST_TEST(unsigned(o[2]) == 0xddu);
  BOOST_TEST(unsigned(o[3]) == 0xeeu);  // untouched
  store_be16(o, 0x1234);
  BOOST_TEST(unsigned(o[0]) == 0x12u);
  BOOST_TEST(unsigned(o[1]) == 0x34u);
  store_be64(o, 0x0123456789abcdefull);
  for (int i = 0; i < 8; ++i) BOOST_TEST(unsigned(o[i]) == unsigned(b[i]));
  store_be32(o + 4, 0xdeadbeef);
  BOOST_TEST(unsigned(o[4]) == 0xdeu);
  BOOST_TEST(unsigned(o[7]) == 0xefu);
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
// apqn.h — spec §1.2: AP_MKQID(card, queue) = (card << 8) | queue; sysfs "%02x.%04x".
BOOST_AUTO_TEST_SUITE(apqn_h)

BOOST_AUTO_TEST_CASE(qid_and_from_qid) {
  BOOST_TEST(Apqn({0x05, 0xab}).qid() == 0x05abu);  // (5 << 8) | 0xab
  BOOST_TEST(Apqn({0xff, 0x00}).qid() == 0xff00u);
  const Apqn q = Apqn::from_qid(0x0a47);
  BOOST_TEST(unsigned(q.apid) == 0x0au);
  BOOST_TEST(unsigned(q.apqi) == 0x47u);
  BOOST_TEST((Apqn{0x04, 0x47} < Apqn{0x05, 0x04}));  // ordered by APID first
  BOOST_TEST((Apqn{0x05, 0x04} < Apqn{0x05, 0x47}));
  BOOST_TEST((Apqn{0x05, 0xab} == Apqn::from_qid(0x05ab)));
  BOOST_TEST((Apqn{0x05, 0xab} != Apqn{0x06, 0xab}));
}

BOOST_AUTO_TEST_CASE(sysfs_names) {
  // Seed 001: queues 04.0006, 04.0047, 0a.0006, 0a.0047; cards card04, card0a.
  BOOST_TEST(Apqn({0x05, 0xab}).name() == "05.00ab");
  BOOST_TEST(Apqn({0x0a, 0x47}).name() == "0a.0047");
  BOOST_TEST(Apqn({0x00, 0x00}).name() == "00.0000");
  BOOST_TEST(Apqn({0xff, 0xff}).name() == "ff.00ff");
  BOOST_TEST(card_name(0x04) == "card04");
  BOOST_TEST(card_name(0x0a) == "card0a");
  BOOST_TEST(card_name(0xff) == "cardff");
}

BOOST_AUTO_TEST_CASE(parse_apqn_accepts_exact_sysfs_form) {
  Apqn q{};
  BOOST_TEST(parse_apqn("05.00ab", q));
  BOOST_TEST(unsigned(q.apid) == 0x05u);
  BOOST_TEST(unsigned(q.apqi) == 0xabu);
  BOOST_TEST(parse_apqn("ff.00ff", q));
  BOOST_TEST(q.qid() == 0xffffu);
  BOOST_TEST(parse_apqn("00.0000", q));
  BOOST_TEST(q.qid() == 0x0000u);
}

BOOST_AUTO_TEST_CASE(parse_apqn_rejects_malformed) {
  Apqn q{};
  BOOST_TEST(!parse_apqn("5.00ab", q));     // one APID digit
  BOOST_TEST(!parse_apqn("05.0x01", q));    // 'x' is not a hex digit
  BOOST_TEST(!parse_apqn("05.00ab\n", q));  // trailing newline
  BOOST_TEST(!parse_apqn("0g.0001", q));    // 'g'
  BOOST_TEST(!parse_apqn("05.0100", q));    // APQI 0x100 > 255
  BOOST_TEST(!parse_apqn("05:00ab", q));    // wrong separator
  BOOST_TEST(!parse_apqn("05.00abc", q));   // 5 APQI digits
  BOOST_TEST(!parse_apqn("", q));
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
// ap_registers.h GR0 — spec §1.1/§1.2: fc << 24 (bits 32–39), T = 1UL<<23 (bit 40),
// F = 1UL<<22 (bit 41), APID bits 48–55, APQI bits 56–63; NQAP qid | 0x40000000,
// DQAP qid | 0x80000000.
BOOST_AUTO_TEST_SUITE(gr0)

BOOST_AUTO_TEST_CASE(opcodes_and_bit_constants) {
  BOOST_TEST(kOpPQAP == 0xB2AFu);
  BOOST_TEST(kOpNQAP == 0xB2ADu);
  BOOST_TEST(kOpDQAP == 0xB2AEu);
  BOOST_TEST(kGr0TBit == 0x0000000000800000ull);      // 1UL << 23
  BOOST_TEST(kGr0FBit == 0x0000000000400000ull);      // 1UL << 22
  BOOST_TEST(kGr0NqapLast == 0x0000000040000000ull);  // bit 33
  BOOST_TEST(kGr0DqapBit == 0x0000000080000000ull);   // bit 32
  BOOST_TEST(kGr0ApqnMask == 0xffffull);
}

BOOST_AUTO_TEST_CASE(pqap_gr0) {
  const Apqn q{0x05, 0xab};
  // TAPQ (fc 0) with T on 05.00ab: 0 << 24 | 0x800000 | 0x05ab.
  BOOST_TEST(make_pqap_gr0(PqapFc::TAPQ, q, true) == 0x00000000008005abull);
  // TAPQ on APQN 0 without T (ap_instructions_available probe): 0.
  BOOST_TEST(make_pqap_gr0(PqapFc::TAPQ, Apqn{0, 0}) == 0x0000000000000000ull);
  // RAPQ (fc 1): 0x01000000 | 0x05ab; with F: + 0x400000.
  BOOST_TEST(make_pqap_gr0(PqapFc::RAPQ, q) == 0x00000000010005abull);
  BOOST_TEST(make_pqap_gr0(PqapFc::RAPQ, q, false, true) == 0x00000000014005abull);
  // ZAPQ (fc 2) with F: 0x02000000 | 0x400000 | 0x05ab.
  BOOST_TEST(make_pqap_gr0(PqapFc::ZAPQ, q, false, true) == 0x00000000024005abull);
  // AQIC (fc 3).
  BOOST_TEST(make_pqap_gr0(PqapFc::AQIC, q) == 0x00000000030005abull);
  // QCI: GR0 = 4UL << 24, no APQN.
  BOOST_TEST(make_pqap_gr0(PqapFc::QCI, Apqn{0, 0}) == 0x0000000004000000ull);
  // QACT (fc 5): qid | 5UL<<24.
  BOOST_TEST(make_pqap_gr0(PqapFc::QACT, q) == 0x00000000050005abull);
  // BAPQ (7), AAPQ (8).
  BOOST_TEST(make_pqap_gr0(PqapFc::BAPQ, q) == 0x00000000070005abull);
  BOOST_TEST(make_pqap_gr0(PqapFc::AAPQ, q) == 0x00000000080005abull);
  // Highest APQN ff.00ff: APID in bits 48–55, APQI in 56–63.
  BOOST_TEST(make_pqap_gr0(PqapFc::TAPQ, Apqn{0xff, 0xff}) == 0x000000000000ffffull);
}

BOOST_AUTO_TEST_CASE(nqap_dqap_gr0) {
  const Apqn q{0x05, 0xab};
  BOOST_TEST(make_nqap_gr0(q) == 0x00000000400005abull);        // qid | 0x40000000
  BOOST_TEST(make_nqap_gr0(q, true) == 0x00000000404005abull);  // + special 0x400000
  BOOST_TEST(make_dqap_gr0(q) == 0x00000000800005abull);        // qid | 0x80000000
}

BOOST_AUTO_TEST_CASE(gr0_decode) {
  BOOST_TEST(unsigned(gr0_fc(0x00000000030005abull)) == 3u);
  BOOST_TEST(unsigned(gr0_fc(0x0000000004000000ull)) == 4u);
  // Bits other than 32–39 do not leak into fc: all-ones except byte 4 = 0x02.
  BOOST_TEST(unsigned(gr0_fc(0xffffffff02ffffffull)) == 2u);
  // APQN from bits 48–63 only.
  BOOST_TEST(gr0_apqn(0xffffffffffff05abull).qid() == 0x05abu);
  BOOST_TEST(gr0_apqn(0x00000000008005abull).name() == "05.00ab");
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
// ap_registers.h status word — spec §1.4: low 32 bits of GR1, MSB-first within the word:
// bit 0 queue_empty 0x80000000, 1 replies_waiting 0x40000000, 2 queue_full 0x20000000,
// 6 async 0x02000000, 7 irq_enabled 0x01000000, bits 8–15 RC -> 0x00RR0000.
BOOST_AUTO_TEST_SUITE(status_word)

BOOST_AUTO_TEST_CASE(pack_single_fields) {
  ApQueueStatus s;
  BOOST_TEST(s.pack() == 0x00000000u);
  s = {}; s.queue_empty = true;
  BOOST_TEST(s.pack() == 0x80000000u);
  s = {}; s.replies_waiting = true;
  BOOST_TEST(s.pack() == 0x40000000u);
  s = {}; s.queue_full = true;
  BOOST_TEST(s.pack() == 0x20000000u);
  s = {}; s.async = true;
  BOOST_TEST(s.pack() == 0x02000000u);
  s = {}; s.irq_enabled = true;
  BOOST_TEST(s.pack() == 0x01000000u);
  s = {}; s.response_code = AP_RESPONSE_Q_NOT_AVAIL;  // 0x01 -> 0x00010000
  BOOST_TEST(s.pack() == 0x00010000u);
  s = {}; s.response_code = AP_RESPONSE_Q_FULL;       // 0x10 -> 0x00100000
  BOOST_TEST(s.pack() == 0x00100000u);
  s = {}; s.response_code = AP_RESPONSE_INVALID_DOMAIN;  // 0x42
  BOOST_TEST(s.pack() == 0x00420000u);
  s = {}; s.response_code = 0xff;  // pseudo RC 0xFF; stays inside KVM's 0x00ff0000 mask
  BOOST_TEST(s.pack() == 0x00ff0000u);
}

BOOST_AUTO_TEST_CASE(pack_combined_and_gr1) {
  ApQueueStatus s;
  s.queue_empty = true;
  s.irq_enabled = true;
  s.response_code = AP_RESPONSE_NORMAL;
  BOOST_TEST(s.pack() == 0x81000000u);  // 0x80000000 | 0x01000000
  s.replies_waiting = true;
  s.queue_empty = false;
  s.response_code = AP_RESPONSE_BUSY;
  BOOST_TEST(s.pack() == 0x41050000u);  // 0x40000000 | 0x01000000 | 0x05 << 16
  // GR1 as left by the instruction: status in the low word, high word zero.
  BOOST_TEST(s.gr1() == 0x0000000041050000ull);
}

BOOST_AUTO_TEST_CASE(unpack_ignores_reserved_bits) {
  // Reserved: word bits 3–5 (0x1c000000) and 16–31 (0x0000ffff).
  const ApQueueStatus r = ApQueueStatus::unpack(0x1c00ffffu);
  BOOST_TEST(!r.queue_empty);
  BOOST_TEST(!r.replies_waiting);
  BOOST_TEST(!r.queue_full);
  BOOST_TEST(!r.async);
  BOOST_TEST(!r.irq_enabled);
  BOOST_TEST(unsigned(r.response_code) == 0u);

  const ApQueueStatus a = ApQueueStatus::unpack(0xe3420000u);  // e = 1110, 3 = 0011
  BOOST_TEST(a.queue_empty);
  BOOST_TEST(a.replies_waiting);
  BOOST_TEST(a.queue_full);
  BOOST_TEST(a.async);        // word bit 6 = 0x02000000
  BOOST_TEST(a.irq_enabled);  // word bit 7 = 0x01000000
  BOOST_TEST(unsigned(a.response_code) == 0x42u);

  // from_gr1 looks at the low word only.
  const ApQueueStatus g = ApQueueStatus::from_gr1(0xdeadbeef80010000ull);
  BOOST_TEST(g.queue_empty);
  BOOST_TEST(!g.irq_enabled);
  BOOST_TEST(unsigned(g.response_code) == 0x01u);
}

BOOST_AUTO_TEST_CASE(response_code_values) {
  // Spec §1.5 table.
  BOOST_TEST(unsigned(AP_RESPONSE_NORMAL) == 0x00u);
  BOOST_TEST(unsigned(AP_RESPONSE_Q_NOT_AVAIL) == 0x01u);
  BOOST_TEST(unsigned(AP_RESPONSE_RESET_IN_PROGRESS) == 0x02u);
  BOOST_TEST(unsigned(AP_RESPONSE_DECONFIGURED) == 0x03u);
  BOOST_TEST(unsigned(AP_RESPONSE_CHECKSTOPPED) == 0x04u);
  BOOST_TEST(unsigned(AP_RESPONSE_BUSY) == 0x05u);
  BOOST_TEST(unsigned(AP_RESPONSE_INVALID_ADDRESS) == 0x06u);
  BOOST_TEST(unsigned(AP_RESPONSE_OTHERWISE_CHANGED) == 0x07u);
  BOOST_TEST(unsigned(AP_RESPONSE_INVALID_GISA) == 0x08u);
  BOOST_TEST(unsigned(AP_RESPONSE_Q_FULL) == 0x10u);
  BOOST_TEST(unsigned(AP_RESPONSE_NO_PENDING_REPLY) == 0x10u);
  BOOST_TEST(unsigned(AP_RESPONSE_INDEX_TOO_BIG) == 0x11u);
  BOOST_TEST(unsigned(AP_RESPONSE_NO_FIRST_PART) == 0x13u);
  BOOST_TEST(unsigned(AP_RESPONSE_MESSAGE_TOO_BIG) == 0x15u);
  BOOST_TEST(unsigned(AP_RESPONSE_REQ_FAC_NOT_INST) == 0x16u);
  BOOST_TEST(unsigned(AP_RESPONSE_INVALID_DOMAIN) == 0x42u);
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
// ap_registers.h TAPQ info word — spec §2.1: bits 0–31 facility word, 32–39 at, 40–47 nd,
// 48–51 reserved, 52–55 ml, 56–59 reserved, 60–63 qd.
BOOST_AUTO_TEST_SUITE(tapq_info)

BOOST_AUTO_TEST_CASE(facility_bits) {
  // Facility word bits 0..9 -> 0x80000000 >> bit.
  BOOST_TEST(AP_FUNC_APSC == 0x80000000u);   // bit 0 S
  BOOST_TEST(AP_FUNC_MEX4K == 0x40000000u);  // bit 1 M
  BOOST_TEST(AP_FUNC_CRT4K == 0x20000000u);  // bit 2 C
  BOOST_TEST(AP_FUNC_COPRO == 0x10000000u);  // bit 3 D
  BOOST_TEST(AP_FUNC_ACCEL == 0x08000000u);  // bit 4 A
  BOOST_TEST(AP_FUNC_EP11 == 0x04000000u);   // bit 5 X
  BOOST_TEST(AP_FUNC_APXA == 0x02000000u);   // bit 6 N
  BOOST_TEST(AP_FUNC_HFLT == 0x01000000u);   // bit 7 H
  BOOST_TEST(AP_FUNC_FULL == 0x00800000u);   // bit 8 F (lszcrypt)
  BOOST_TEST(AP_FUNC_RESTR == 0x00400000u);  // bit 9 R (lszcrypt)
}

BOOST_AUTO_TEST_CASE(device_types) {
  // Spec §2.1 [K-ap_bus.h]: CEX4 = 10 .. CEX8 = 14.
  BOOST_TEST(unsigned(AP_DEVICE_TYPE_CEX4) == 10u);
  BOOST_TEST(unsigned(AP_DEVICE_TYPE_CEX5) == 11u);
  BOOST_TEST(unsigned(AP_DEVICE_TYPE_CEX6) == 12u);
  BOOST_TEST(unsigned(AP_DEVICE_TYPE_CEX7) == 13u);
  BOOST_TEST(unsigned(AP_DEVICE_TYPE_CEX8) == 14u);
  // Type 8 is CEX3A in both sources: spec §2.1 ([S-lszcrypt.8]: "8 = CEX3A") and Linux
  // ap_bus.h (AP_DEVICE_TYPE_CEX3A 8, AP_DEVICE_TYPE_CEX3C 9).
  BOOST_TEST(unsigned(AP_DEVICE_TYPE_CEX3A) == 8u);
  BOOST_TEST(unsigned(AP_DEVICE_TYPE_CEX3C) == 9u);
}

BOOST_AUTO_TEST_CASE(pack_cex6a) {
  // CEX6A, lszcrypt functions "-MC-A-NF-": M 0x40000000 | C 0x20000000 | A 0x08000000 |
  // N 0x02000000 | F 0x00800000 = 0x6A800000.  at = CEX6 = 12 = 0x0c (byte 4),
  // nd = 0x54 (byte 5), ml = 3 (low nibble of byte 6), qd = 8 (low nibble of byte 7):
  //   6A 80 00 00 | 0C | 54 | 03 | 08
  TapqInfo t;
  t.functions = 0x6A800000u;
  t.at = 12;
  t.nd = 0x54;
  t.ml = 3;
  t.qd = 8;
  BOOST_TEST(t.pack() == 0x6A8000000C540308ull);
}

BOOST_AUTO_TEST_CASE(pack_single_fields) {
  TapqInfo t;
  t.functions = 0xffffffffu;
  BOOST_TEST(t.pack() == 0xffffffff00000000ull);
  t = {}; t.at = 0xff;
  BOOST_TEST(t.pack() == 0x00000000ff000000ull);  // bits 32–39
  t = {}; t.nd = 0xff;
  BOOST_TEST(t.pack() == 0x0000000000ff0000ull);  // bits 40–47
  t = {}; t.ml = 0x0f;
  BOOST_TEST(t.pack() == 0x0000000000000f00ull);  // bits 52–55
  t = {}; t.qd = 0x0f;
  BOOST_TEST(t.pack() == 0x000000000000000full);  // bits 60–63
  // 4-bit fields are truncated, never spilling into reserved bits 48–51 / 56–59.
  t = {}; t.ml = 0x13; t.qd = 0x18;
  BOOST_TEST(t.pack() == 0x0000000000000308ull);
}

BOOST_AUTO_TEST_CASE(unpack_cex6a_and_reserved_bits) {
  // Same word as pack_cex6a, plus the reserved nibbles 48–51 and 56–59 set (0xf0f0).
  const TapqInfo t = TapqInfo::unpack(0x6A8000000C54F3F8ull);
  BOOST_TEST(t.functions == 0x6A800000u);
  BOOST_TEST(unsigned(t.at) == 12u);
  BOOST_TEST(unsigned(t.nd) == 0x54u);
  BOOST_TEST(unsigned(t.ml) == 3u);
  BOOST_TEST(unsigned(t.qd) == 8u);
  // The facility word decodes to the named bits.
  BOOST_TEST((t.functions & AP_FUNC_ACCEL) != 0u);
  BOOST_TEST((t.functions & AP_FUNC_COPRO) == 0u);
  BOOST_TEST((t.functions & AP_FUNC_APXA) != 0u);

  // A CEX8C (CCA) word: D 0x10000000 | N 0x02000000 | F 0x00800000 = 0x12800000,
  // at 14 = 0x0e, nd 0xff, ml 0 (-> 12 KiB default), qd 8:  12 80 00 00 | 0E | FF | 00 | 08.
  const TapqInfo c = TapqInfo::unpack(0x128000000EFF0008ull);
  BOOST_TEST(c.functions == 0x12800000u);
  BOOST_TEST(unsigned(c.at) == 14u);
  BOOST_TEST(unsigned(c.nd) == 0xffu);
  BOOST_TEST(unsigned(c.ml) == 0u);
  BOOST_TEST(unsigned(c.qd) == 8u);

  // Only-reserved bits: 48–51 and 56–59 -> every field 0.
  const TapqInfo r = TapqInfo::unpack(0x000000000000F0F0ull);
  BOOST_TEST(unsigned(r.ml) == 0u);
  BOOST_TEST(unsigned(r.qd) == 0u);
  BOOST_TEST(unsigned(r.nd) == 0u);
}

BOOST_AUTO_TEST_CASE(max_msg_size) {
  // Linux: ml * 4096 if ml > 0, else AP_DEFAULT_MAX_MSG_SIZE = 12 KiB.
  TapqInfo t;
  t.ml = 0;
  BOOST_TEST(t.max_msg_size() == 12288u);
  t.ml = 1;
  BOOST_TEST(t.max_msg_size() == 4096u);
  t.ml = 8;
  BOOST_TEST(t.max_msg_size() == 32768u);
  t.ml = 15;
  BOOST_TEST(t.max_msg_size() == 61440u);
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
// ap_registers.h AQIC control — spec §1.6: bit 16 ir, 21–23 gisc, 30–31 gf, 33–59 gisa
// (27 bits), 61–63 isc; value of MSB-bit b = 1 << (63 - b).
BOOST_AUTO_TEST_SUITE(aqic_control)

BOOST_AUTO_TEST_CASE(pack_single_fields) {
  AqicControl c;
  BOOST_TEST(c.pack() == 0ull);
  c = {}; c.ir = true;
  BOOST_TEST(c.pack() == 0x0000800000000000ull);  // 1 << 47
  c = {}; c.isc = AP_ISC;
  BOOST_TEST(c.pack() == 0x0000000000000006ull);  // isc 6, bits 61–63 = low 3 bits
  c = {}; c.gisc = 7;
  BOOST_TEST(c.pack() == 0x0000070000000000ull);  // 7 << (63-23 = 40)
  c = {}; c.gisc = 3;
  BOOST_TEST(c.pack() == 0x0000030000000000ull);
  c = {}; c.gf = 3;
  BOOST_TEST(c.pack() == 0x0000000300000000ull);  // 3 << (63-31 = 32)
  c = {}; c.gisa = 0x7ffffff;
  BOOST_TEST(c.pack() == 0x000000007ffffff0ull);  // 27 ones << (63-59 = 4)
  c = {}; c.gisa = 0x0fffffff;                    // 28 bits: the top one is dropped
  BOOST_TEST(c.pack() == 0x000000007ffffff0ull);
  c = {}; c.isc = 0x0f;                           // 4 bits: truncated to 7
  BOOST_TEST(c.pack() == 0x0000000000000007ull);
}

BOOST_AUTO_TEST_CASE(host_and_guest_words) {
  // Host Linux: ir = 1, isc = AP_ISC (6): 0x0000800000000000 | 6.
  AqicControl h;
  h.ir = true;
  h.isc = AP_ISC;
  BOOST_TEST(h.pack() == 0x0000800000000006ull);
  // A guest's request as KVM forwards it: ir, gisc 3, gf 1, GISA origin 0x00123450
  // (field = origin >> 4 = 0x12345, which lands << 4 back at 0x123450), isc 3:
  //   0x0000800000000000 | 0x0000030000000000 | 0x0000000100000000 | 0x123450 | 3
  AqicControl g;
  g.ir = true;
  g.gisc = 3;
  g.gf = 1;
  g.gisa = 0x00123450u >> 4;
  g.isc = 3;
  BOOST_TEST(g.pack() == 0x0000830100123453ull);
  // vfio_ap's own extraction: ir = (gr1 >> (63-16)) & 1, isc = gr1 & 7.
  BOOST_TEST(((0x0000830100123453ull >> 47) & 1) == 1u);
  BOOST_TEST((0x0000830100123453ull & 7) == 3u);
}

BOOST_AUTO_TEST_CASE(unpack) {
  const AqicControl g = AqicControl::unpack(0x0000830100123453ull);
  BOOST_TEST(g.ir);
  BOOST_TEST(unsigned(g.gisc) == 3u);
  BOOST_TEST(unsigned(g.gf) == 1u);
  BOOST_TEST(g.gisa == 0x12345u);
  BOOST_TEST(unsigned(g.isc) == 3u);
  // Reserved bits only: 0–15 (incl. zone 8–15) 0xffff000000000000, 17–20 0x0000780000000000,
  // 24–29 0x000000fc00000000, 32 0x80000000, 60 0x8  -> every field decodes to 0.
  const AqicControl r = AqicControl::unpack(0xffff78fc80000008ull);
  BOOST_TEST(!r.ir);
  BOOST_TEST(unsigned(r.gisc) == 0u);
  BOOST_TEST(unsigned(r.gf) == 0u);
  BOOST_TEST(r.gisa == 0u);
  BOOST_TEST(unsigned(r.isc) == 0u);
  // All ones: every field at its maximum.
  const AqicControl a = AqicControl::unpack(~0ull);
  BOOST_TEST(a.ir);
  BOOST_TEST(unsigned(a.gisc) == 7u);
  BOOST_TEST(unsigned(a.gf) == 3u);
  BOOST_TEST(a.gisa == 0x7ffffffu);
  BOOST_TEST(unsigned(a.isc) == 7u);
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
// ap_mask.h — 256-bit masks, id n = bit n from the left (seed 001; spec §2.2, §3.1, §5.2).
BOOST_AUTO_TEST_SUITE(ap_mask_h)

BOOST_AUTO_TEST_CASE(seed_0x41_is_ids_1_and_7) {
  // Seed 001: "0x41 is the same as 0x4100...00 ... identifies device numbers 1 and 7
  // (01000001)".
  const ApMask m({0x4100000000000000ull, 0, 0, 0});
  BOOST_TEST(m.ids() == (Ids{1, 7}), tt::per_element());
  BOOST_TEST(m.to_hex() == "0x4100000000000000" + Z16 + Z16 + Z16);
  BOOST_TEST(m.word32(0) == 0x41000000u);
  BOOST_TEST(m.word32(1) == 0x00000000u);
  ApMask s;
  s.set(1);
  s.set(7);
  BOOST_TEST((s == m));
}

BOOST_AUTO_TEST_CASE(apmask_0x7d_is_adapters_1_to_5_and_7) {
  // 0x7d = 0111 1101 -> bits 1,2,3,4,5,7.
  const ApMask m({0x7d00000000000000ull, 0, 0, 0});
  BOOST_TEST(m.ids() == (Ids{1, 2, 3, 4, 5, 7}), tt::per_element());
  // aqm 0x8000... -> domain 0 only.
  const ApMask d({0x8000000000000000ull, 0, 0, 0});
  BOOST_TEST(d.ids() == (Ids{0}), tt::per_element());
  BOOST_TEST(d.test(0));
  BOOST_TEST(!d.test(1));
}

BOOST_AUTO_TEST_CASE(kernel_cmdline_example) {
  // Seed 001: "ap.apmask=0xffff ap.aqmask=0x40" -> apmask 0xffff000...0 (adapters 0–15),
  // aqmask 0x40000...0 (domain 1).
  ApMask ap;
  for (unsigned i = 0; i <= 15; ++i) ap.set(i);
  BOOST_TEST(ap.to_hex() == "0xffff000000000000" + Z16 + Z16 + Z16);
  BOOST_TEST(ap.word64(0) == 0xffff000000000000ull);
  BOOST_TEST(ap.word32(0) == 0xffff0000u);
  ApMask aq;
  aq.set(1);
  BOOST_TEST(aq.to_hex() == "0x4000000000000000" + Z16 + Z16 + Z16);
  // "alternate drivers pool: adapter 16-255, domains 0, 2-255" = complement.
  const ApMask alt_ap = ~ap;
  BOOST_TEST(alt_ap.to_hex() == "0x0000ffffffffffff" + F16 + F16 + F16);
  const ApMask alt_aq = ~aq;
  BOOST_TEST(alt_aq.to_hex() == "0xbfffffffffffffff" + F16 + F16 + F16);
  BOOST_TEST(alt_aq.test(0));
  BOOST_TEST(!alt_aq.test(1));
  BOOST_TEST(alt_aq.test(2));
  BOOST_TEST(alt_aq.test(255));
}

BOOST_AUTO_TEST_CASE(seed_64_digit_masks) {
  // apmask 0xf9ff..ff: f9 = 1111 1001 -> ids 5 and 6 off.
  const ApMask ap({0xf9ffffffffffffffull, ~0ull, ~0ull, ~0ull});
  BOOST_TEST(ap.to_hex() == "0xf9ffffffffffffff" + F16 + F16 + F16);
  BOOST_TEST(!ap.test(5));
  BOOST_TEST(!ap.test(6));
  BOOST_TEST((~ap).ids() == (Ids{5, 6}), tt::per_element());
  // aqmask 0xf7ffffffffffffff feffffffffffffff ffffffffffefffff fffffffffffffffe:
  //   f7 -> id 4 off; 'e' at digit 16 = word 1 bits 0–3 -> 1110 -> id 64+7 = 71 (0x47) off;
  //   word 2 digit 10 'e' -> id 128 + 40 + 3 = 171 (0xab) off; last bit -> 255 (0xff) off.
  const ApMask aq({0xf7ffffffffffffffull, 0xfeffffffffffffffull, 0xffffffffffefffffull,
                   0xfffffffffffffffeull});
  BOOST_TEST((~aq).ids() == (Ids{0x04, 0x47, 0xab, 0xff}), tt::per_element());
  BOOST_TEST(aq.to_hex() == "0xf7fffffffffffffffeffffffffffffffffffffffffeffffffffffffffffffffe");
}

BOOST_AUTO_TEST_CASE(word_views) {
  ApMask m;
  m.set(0);    // word64(0) MSB
  m.set(63);   // word64(0) LSB
  m.set(64);   // word64(1) MSB
  m.set(70);   // word64(1) bit 6 -> 0x0200000000000000
  m.set(255);  // word64(3) LSB
  BOOST_TEST(m.word64(0) == 0x8000000000000001ull);
  BOOST_TEST(m.word64(1) == 0x8200000000000000ull);
  BOOST_TEST(m.word64(2) == 0x0000000000000000ull);
  BOOST_TEST(m.word64(3) == 0x0000000000000001ull);
  // u32 view (QCI apm[8]): word32(i) = ids 32i..32i+31.
  BOOST_TEST(m.word32(0) == 0x80000000u);  // id 0
  BOOST_TEST(m.word32(1) == 0x00000001u);  // id 63
  BOOST_TEST(m.word32(2) == 0x82000000u);  // ids 64, 70
  BOOST_TEST(m.word32(7) == 0x00000001u);  // id 255
  m.set_word64(2, 0x0000000000000100ull);  // word 2 bit 55 -> id 128 + 55 = 183
  BOOST_TEST(m.test(183));
  BOOST_TEST(m.ids() == (Ids{0, 63, 64, 70, 183, 255}), tt::per_element());
  // Out-of-range ids are ignored by test/set/clear.
  ApMask e;
  e.set(256);
  BOOST_TEST(e.empty());
  BOOST_TEST(!e.test(256));
}

BOOST_AUTO_TEST_CASE(set_clear_assign) {
  ApMask m;
  BOOST_TEST(m.empty());
  m.assign(200, true);
  BOOST_TEST(m.test(200));
  BOOST_TEST(m.word64(3) == 0x0080000000000000ull);  // 200 = 192 + 8 -> 1 << (63-8) = 1 << 55
  m.assign(200, false);
  BOOST_TEST(m.empty());
  BOOST_TEST(ApMask::all().to_hex() == "0x" + F16 + F16 + F16 + F16);
  ApMask a = ApMask::all();
  a.clear(0);
  BOOST_TEST(a.word64(0) == 0x7fffffffffffffffull);
}

BOOST_AUTO_TEST_CASE(set_algebra) {
  const ApMask a({0x4100000000000000ull, 0, 0, 0x1ull});  // ids 1, 7, 255
  const ApMask b({0x0100000000000000ull, 0, 0, 0});       // id 7
  const ApMask c({0x2000000000000000ull, 0, 0, 0});       // id 2
  BOOST_TEST(a.intersects(b));
  BOOST_TEST(!a.intersects(c));
  BOOST_TEST(!a.intersects(ApMask{}));
  BOOST_TEST((a & b).ids() == (Ids{7}), tt::per_element());
  BOOST_TEST((a | c).ids() == (Ids{1, 2, 7, 255}), tt::per_element());
  BOOST_TEST((a & c).empty());
  const ApMask n = ~a;
  BOOST_TEST(n.word64(0) == 0xbeffffffffffffffull);  // ~0x41 = 0xbe
  BOOST_TEST(n.word64(3) == 0xfffffffffffffffeull);
  BOOST_TEST((a != b));
  BOOST_TEST((a == ApMask({0x4100000000000000ull, 0, 0, 0x1ull})));
}

BOOST_AUTO_TEST_CASE(limited_to) {
  const ApMask all = ApMask::all();
  // Format 0/1 AQM/ADM width (ids 0–15) -> 0xffff000000000000.
  BOOST_TEST(all.limited_to(15).to_hex() == "0xffff000000000000" + Z16 + Z16 + Z16);
  // Format 0/1 APM width (ids 0–63).
  BOOST_TEST(all.limited_to(63).to_hex() == "0x" + F16 + Z16 + Z16 + Z16);
  BOOST_TEST(all.limited_to(0).to_hex() == "0x8000000000000000" + Z16 + Z16 + Z16);
  BOOST_TEST(all.limited_to(255) == all);
  // An Nd-style limit 84 (0x54): ids 64..84 of word 1 = 21 ones -> 0xfffff80000000000.
  BOOST_TEST(all.limited_to(84).word64(1) == 0xfffff80000000000ull);
  BOOST_TEST(all.limited_to(84).word64(2) == 0ull);
  const ApMask seed({0x0600000000000000ull, 0, 0x0010000000000000ull, 0});  // ids 5, 6, 139
  BOOST_TEST(seed.limited_to(63).ids() == (Ids{5, 6}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(byte_image) {
  ApMask m;
  m.set(0);
  m.set(5);
  m.set(6);
  m.set(255);
  uint8_t b[32];
  for (auto& x : b) x = 0xee;
  m.to_bytes(b);
  BOOST_TEST(unsigned(b[0]) == 0x86u);   // ids 0, 5, 6: 1000 0110
  BOOST_TEST(unsigned(b[1]) == 0x00u);
  BOOST_TEST(unsigned(b[30]) == 0x00u);
  BOOST_TEST(unsigned(b[31]) == 0x01u);  // id 255
  uint8_t in[32] = {};
  in[8] = 0x01;   // byte 8 LSB -> id 71 (0x47)
  in[21] = 0x10;  // byte 21, 0x10 = bit 3 -> id 171 (0xab)
  BOOST_TEST(ApMask::from_bytes(in).ids() == (Ids{0x47, 0xab}), tt::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
// qci.h — spec §2.2: 128 bytes; flags u32 @0 (bit 0 S, 1 N, 2 C, 3 R, 8 B), Na @4, Nd @5,
// apm @16, aqm @48, adm @80 (32 bytes each), 112..127 reserved.
BOOST_AUTO_TEST_SUITE(qci_h)

BOOST_AUTO_TEST_CASE(flag_constants) {
  BOOST_TEST(kQciBlockSize == 128u);
  BOOST_TEST(QCI_FLAG_APSC == 0x80000000u);  // bit 0
  BOOST_TEST(QCI_FLAG_APXA == 0x40000000u);  // bit 1
  BOOST_TEST(QCI_FLAG_QACT == 0x20000000u);  // bit 2
  BOOST_TEST(QCI_FLAG_RC8A == 0x10000000u);  // bit 3
  BOOST_TEST(QCI_FLAG_APSB == 0x00800000u);  // bit 8
}

BOOST_AUTO_TEST_CASE(to_bytes_seed001_lpar) {
  // The LPAR of seed 001's example: adapters 5, 6; domains 4, 0x47, 0xab, 0xff;
  // APXA, Na = 0xfe, Nd = 0x54; control domains = usage domains + domain 0.
  QciInfo q;
  q.flags = QCI_FLAG_APXA;
  q.na = 0xfe;
  q.nd = 0x54;
  q.apm.set(5);
  q.apm.set(6);
  for (unsigned d : {0x04u, 0x47u, 0xabu, 0xffu}) q.aqm.set(d);
  q.adm = q.aqm;
  q.adm.set(0);

  std::array<uint8_t, 128> expect{};
  expect[0] = 0x40;   // flags: APXA = bit 1 -> first byte 0100 0000
  expect[4] = 0xfe;   // Na
  expect[5] = 0x54;   // Nd
  expect[16] = 0x06;  // apm: ids 5, 6 -> 0000 0110
  // aqm at 48: id 4 -> byte 48 bit 4 (0x08); id 71 -> byte 48+8, bit 7 (0x01);
  // id 171 -> byte 48+21, bit 3 (0x10); id 255 -> byte 48+31, bit 7 (0x01).
  expect[48] = 0x08;
  expect[56] = 0x01;
  expect[69] = 0x10;
  expect[79] = 0x01;
  // adm at 80: the same + id 0 (0x80 in byte 80).
  expect[80] = 0x88;
  expect[88] = 0x01;
  expect[101] = 0x10;
  expect[111] = 0x01;

  std::array<uint8_t, 128> out;
  out.fill(0xee);  // to_bytes must clear the reserved bytes
  q.to_bytes(out.data());
  for (size_t i = 0; i < 128; ++i) BOOST_TEST(unsigned(out[i]) == unsigned(expect[i]), "byte " << i);
}

BOOST_AUTO_TEST_CASE(to_bytes_edge_ids_and_flags) {
  QciInfo q;
  q.flags = QCI_FLAG_APSC | QCI_FLAG_APXA | QCI_FLAG_QACT | QCI_FLAG_RC8A | QCI_FLAG_APSB;
  q.apm.set(0);
  q.apm.set(255);
  std::array<uint8_t, 128> out{};
  q.to_bytes(out.data());
  BOOST_TEST(unsigned(out[0]) == 0xf0u);  // S N C R = bits 0–3
  BOOST_TEST(unsigned(out[1]) == 0x80u);  // B = bit 8 = MSB of byte 1
  BOOST_TEST(unsigned(out[16]) == 0x80u);  // apm id 0
  BOOST_TEST(unsigned(out[47]) == 0x01u);  // apm id 255 = last byte of apm (16 + 31)
  BOOST_TEST(unsigned(out[48]) == 0x00u);  // aqm untouched
}

BOOST_AUTO_TEST_CASE(from_bytes) {
  std::array<uint8_t, 128> in{};
  in[0] = 0x40;   // APXA
  in[4] = 0x3f;   // Na 63
  in[5] = 0x0f;   // Nd 15
  in[16] = 0x80;  // apm id 0
  in[17] = 0x01;  // apm id 15
  in[52] = 0x20;  // aqm byte 4 bit 2 -> id 34
  in[111] = 0x01; // adm id 255
  in[120] = 0xff; // reserved, ignored
  const QciInfo q = QciInfo::from_bytes(in.data());
  BOOST_TEST(q.flags == 0x40000000u);
  BOOST_TEST(q.apxa());
  BOOST_TEST(unsigned(q.na) == 63u);
  BOOST_TEST(unsigned(q.nd) == 15u);
  BOOST_TEST(q.apm.ids() == (Ids{0, 15}), tt::per_element());
  BOOST_TEST(q.aqm.ids() == (Ids{34}), tt::per_element());
  BOOST_TEST(q.adm.ids() == (Ids{255}), tt::per_element());
  // Word views as Linux reads the block: apm[0] (u32) = 0x80010000.
  BOOST_TEST(q.apm.word32(0) == 0x80010000u);
}

BOOST_AUTO_TEST_CASE(max_ids) {
  // Spec §2.2: ap_max_adapter_id = apxa && Na ? Na : 63; domain: apxa && Nd ? Nd : 15.
  QciInfo q;
  q.flags = 0;
  q.na = 0xfe;
  q.nd = 0x54;
  BOOST_TEST(!q.apxa());
  BOOST_TEST(q.max_adapter_id() == 63u);
  BOOST_TEST(q.max_domain_id() == 15u);
  q.flags = QCI_FLAG_APXA;
  BOOST_TEST(q.max_adapter_id() == 0xfeu);
  BOOST_TEST(q.max_domain_id() == 0x54u);
  q.na = 0;
  q.nd = 0;
  BOOST_TEST(q.max_adapter_id() == 63u);  // zero Na/Nd keep the defaults
  BOOST_TEST(q.max_domain_id() == 15u);
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
// crycb.h — spec §3.1.
BOOST_AUTO_TEST_SUITE(crycb_h)

BOOST_AUTO_TEST_CASE(constants) {
  BOOST_TEST(kSieEcaOffset == 0x004cu);
  BOOST_TEST(kSieCrycbdOffset == 0x00fcu);
  BOOST_TEST(ECA_APIE == 0x00000008u);
  BOOST_TEST(ECA_AIV == 0x00200000u);
  BOOST_TEST(CRYCB_FORMAT_MASK == 0x3u);
  BOOST_TEST(CRYCB_FORMAT0 == 0x0u);
  BOOST_TEST(CRYCB_FORMAT1 == 0x1u);
  BOOST_TEST(CRYCB_FORMAT2 == 0x3u);
  BOOST_TEST((CRYCB_FORMAT2 & 0x02) != 0u);  // KVM's "APXA installed" test on crycbd
  BOOST_TEST((CRYCB_FORMAT1 & 0x02) == 0u);
  BOOST_TEST(CRYCB_ORIGIN_MASK == 0x7ffffff8u);
  // apcb1 at 0x80 + 4 masks * 32 bytes = 0x100.
  BOOST_TEST(kCrycbSize == 0x100u);
}

BOOST_AUTO_TEST_CASE(format2_word_offsets) {
  // APCB1 at 0x80: apm[4] @+0x00, aqm[4] @+0x20, adm[4] @+0x40; word = id / 64.
  BOOST_TEST(crycb_mask_word_offset(CRYCB_FORMAT2, ApcbMask::APM, 0) == 0x80u);
  BOOST_TEST(crycb_mask_word_offset(CRYCB_FORMAT2, ApcbMask::APM, 63) == 0x80u);
  BOOST_TEST(crycb_mask_word_offset(CRYCB_FORMAT2, ApcbMask::APM, 70) == 0x88u);   // 0x80 + 8
  BOOST_TEST(crycb_mask_word_offset(CRYCB_FORMAT2, ApcbMask::APM, 255) == 0x98u);  // 0x80 + 0x18
  BOOST_TEST(crycb_mask_word_offset(CRYCB_FORMAT2, ApcbMask::AQM, 0) == 0xa0u);
  BOOST_TEST(crycb_mask_word_offset(CRYCB_FORMAT2, ApcbMask::AQM, 255) == 0xb8u);  // 0xa0 + 0x18
  BOOST_TEST(crycb_mask_word_offset(CRYCB_FORMAT2, ApcbMask::ADM, 0) == 0xc0u);
  BOOST_TEST(crycb_mask_word_offset(CRYCB_FORMAT2, ApcbMask::ADM, 128) == 0xd0u);  // 0xc0 + 0x10
  // The last byte of adm[3] is 0xdf: inside the 0x100-byte CRYCB.
  BOOST_TEST(crycb_mask_word_offset(CRYCB_FORMAT2, ApcbMask::ADM, 255) + 8 <= 0xe0u);
}

BOOST_AUTO_TEST_CASE(format0_1_word_offsets) {
  // APCB0 at 0x00: apm u64 @0x00, aqm @0x08, adm @0x10.
  for (uint32_t f : {CRYCB_FORMAT0, CRYCB_FORMAT1}) {
    BOOST_TEST(crycb_mask_word_offset(f, ApcbMask::APM, 0) == 0x00u);
    BOOST_TEST(crycb_mask_word_offset(f, ApcbMask::APM, 63) == 0x00u);
    BOOST_TEST(crycb_mask_word_offset(f, ApcbMask::AQM, 0) == 0x08u);
    BOOST_TEST(crycb_mask_word_offset(f, ApcbMask::AQM, 15) == 0x08u);
    BOOST_TEST(crycb_mask_word_offset(f, ApcbMask::ADM, 15) == 0x10u);
  }
}

BOOST_AUTO_TEST_CASE(max_ids) {
  // Format 2: 256 bits each; format 0/1: APM 64 bits, AQM/ADM 2 bytes (ids 0–15).
  BOOST_TEST(crycb_max_id(CRYCB_FORMAT2, ApcbMask::APM) == 255u);
  BOOST_TEST(crycb_max_id(CRYCB_FORMAT2, ApcbMask::AQM) == 255u);
  BOOST_TEST(crycb_max_id(CRYCB_FORMAT2, ApcbMask::ADM) == 255u);
  for (uint32_t f : {CRYCB_FORMAT0, CRYCB_FORMAT1}) {
    BOOST_TEST(crycb_max_id(f, ApcbMask::APM) == 63u);
    BOOST_TEST(crycb_max_id(f, ApcbMask::AQM) == 15u);
    BOOST_TEST(crycb_max_id(f, ApcbMask::ADM) == 15u);
  }
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
// msgtype50.h — spec Appendix A: 8-byte type-50 header, then u16 keyblock_type + 6 reserved
// bytes, then the fields back to back (so the first field is at 16).
BOOST_AUTO_TEST_SUITE(msgtype50_h)

BOOST_AUTO_TEST_CASE(type50_header) {
  BOOST_TEST(unsigned(TYPE50_TYPE_CODE) == 0x50u);
  BOOST_TEST(HDR50_MSG_TYPE_CODE == 1u);
  BOOST_TEST(HDR50_MSG_LEN == 2u);
  BOOST_TEST(HDR50_RESERVED2 == 4u);
  BOOST_TEST(HDR50_IGNORED == 5u);
  BOOST_TEST(HDR50_RESERVED3 == 6u);
  BOOST_TEST(HDR50_SIZE == 8u);
  BOOST_TEST(T50_KEYBLOCK_TYPE == 8u);
  BOOST_TEST(T50_KEYBLOCK_RESERVED == 10u);
  BOOST_TEST(T50_KEYBLOCK_RESERVED_SIZE == 6u);
  BOOST_TEST(T50_FIELDS_OFFSET == 16u);
}

BOOST_AUTO_TEST_CASE(meb_layouts) {
  // MEB1: 16 + 3*128 = 400; exponent @16, modulus @16+128 = 144, message @16+256 = 272.
  BOOST_TEST(MEB1.keyblock_type == 0x0001u);
  BOOST_TEST(MEB1.exponent() == 16u);
  BOOST_TEST(MEB1.modulus() == 144u);
  BOOST_TEST(MEB1.message() == 272u);
  BOOST_TEST(MEB1.message_size() == 128u);
  BOOST_TEST(MEB1.total() == 400u);
  // MEB2: 16 + 3*256 = 784; modulus @272, message @528.
  BOOST_TEST(MEB2.keyblock_type == 0x0002u);
  BOOST_TEST(MEB2.modulus() == 272u);
  BOOST_TEST(MEB2.message() == 528u);
  BOOST_TEST(MEB2.message_size() == 256u);
  BOOST_TEST(MEB2.total() == 784u);
  // MEB3: 16 + 3*512 = 1552; modulus @528, message @1040.
  BOOST_TEST(MEB3.keyblock_type == 0x0003u);
  BOOST_TEST(MEB3.modulus() == 528u);
  BOOST_TEST(MEB3.message() == 1040u);
  BOOST_TEST(MEB3.message_size() == 512u);
  BOOST_TEST(MEB3.total() == 1552u);
}

BOOST_AUTO_TEST_CASE(crb_layouts) {
  // CRB1: p, q, dp, dq, u 64 bytes each from 16, message 128: 16+320+128 = 464.
  BOOST_TEST(CRB1.keyblock_type == 0x0011u);
  BOOST_TEST(CRB1.p() == 16u);
  BOOST_TEST(CRB1.q() == 80u);
  BOOST_TEST(CRB1.dp() == 144u);
  BOOST_TEST(CRB1.dq() == 208u);
  BOOST_TEST(CRB1.u() == 272u);
  BOOST_TEST(CRB1.message() == 336u);
  BOOST_TEST(CRB1.message_size() == 128u);
  BOOST_TEST(CRB1.total() == 464u);
  // CRB2: 128 each, message 256: 16+640+256 = 912 = 0x390.
  BOOST_TEST(CRB2.keyblock_type == 0x0012u);
  BOOST_TEST(CRB2.q() == 144u);
  BOOST_TEST(CRB2.dp() == 272u);
  BOOST_TEST(CRB2.dq() == 400u);
  BOOST_TEST(CRB2.u() == 528u);
  BOOST_TEST(CRB2.message() == 656u);
  BOOST_TEST(CRB2.message_size() == 256u);
  BOOST_TEST(CRB2.total() == 912u);
  BOOST_TEST(CRB2.total() == 0x390u);
  // CRB3: 256 each, message 512: 16+1280+512 = 1808.
  BOOST_TEST(CRB3.keyblock_type == 0x0013u);
  BOOST_TEST(CRB3.q() == 272u);
  BOOST_TEST(CRB3.dp() == 528u);
  BOOST_TEST(CRB3.dq() == 784u);
  BOOST_TEST(CRB3.u() == 1040u);
  BOOST_TEST(CRB3.message() == 1296u);
  BOOST_TEST(CRB3.message_size() == 512u);
  BOOST_TEST(CRB3.total() == 1808u);
  BOOST_TEST(TYPE50_MAX_MSG_SIZE == 1808u);
}

BOOST_AUTO_TEST_CASE(type80_and_error_headers) {
  // Type 80: u8 reserved1; u8 type; u16 len; u8 code; u8 reserved2[3]; u8 reserved3[8].
  BOOST_TEST(unsigned(TYPE80_RSP_CODE) == 0x80u);
  BOOST_TEST(HDR80_TYPE == 1u);
  BOOST_TEST(HDR80_LEN == 2u);
  BOOST_TEST(HDR80_CODE == 4u);
  BOOST_TEST(HDR80_RESERVED2 == 5u);
  BOOST_TEST(HDR80_RESERVED3 == 8u);
  BOOST_TEST(HDR80_SIZE == 16u);
  BOOST_TEST(CEX3A_MAX_RESPONSE_SIZE == 0x210u);  // 16 + 512
  // error_hdr: u8 reserved1; u8 type; u8 reserved2[2]; u8 reply_code; u8 reserved3[3].
  BOOST_TEST(unsigned(TYPE82_RSP_CODE) == 0x82u);
  BOOST_TEST(unsigned(TYPE88_RSP_CODE) == 0x88u);
  BOOST_TEST(ERRHDR_TYPE == 1u);
  BOOST_TEST(ERRHDR_RESERVED2 == 2u);
  BOOST_TEST(ERRHDR_REPLY_CODE == 4u);
  BOOST_TEST(ERRHDR_RESERVED3 == 5u);
  BOOST_TEST(ERRHDR_SIZE == 8u);
}

BOOST_AUTO_TEST_CASE(error_reply_codes) {
  // Spec §1.5, REP82/REP88 lists.
  BOOST_TEST(unsigned(REP82_ERROR_MACHINE_FAILURE) == 0x10u);
  BOOST_TEST(unsigned(REP82_ERROR_MESSAGE_TYPE) == 0x20u);
  BOOST_TEST(unsigned(REP82_ERROR_RESERVD_FIELD) == 0x24u);
  BOOST_TEST(unsigned(REP82_ERROR_OPERAND_INVALID) == 0x82u);
  BOOST_TEST(unsigned(REP82_ERROR_INVALID_DOMAIN_PENDING) == 0x8Au);
  BOOST_TEST(unsigned(REP82_ERROR_FILTERED_BY_HYPERVISOR) == 0x8Bu);
  BOOST_TEST(unsigned(REP82_ERROR_ZERO_BUFFER_LEN) == 0xB0u);
  BOOST_TEST(unsigned(REP88_ERROR_KEY_TYPE) == 0x34u);
  BOOST_TEST(unsigned(REP88_ERROR_OPERAND_EVEN_MOD) == 0x85u);
}

BOOST_AUTO_TEST_CASE(message_image_round_trip) {
  // A CRB2 header written with the offsets, read back byte by byte (hand-computed):
  // byte 1 = 0x50, bytes 2–3 = 912 = 0x0390, bytes 8–9 = 0x0012.
  uint8_t m[CRB2.total()] = {};
  m[HDR50_MSG_TYPE_CODE] = TYPE50_TYPE_CODE;
  store_be16(m + HDR50_MSG_LEN, static_cast<uint16_t>(CRB2.total()));
  store_be16(m + T50_KEYBLOCK_TYPE, CRB2.keyblock_type);
  const uint8_t expect[16] = {0x00, 0x50, 0x03, 0x90, 0, 0, 0, 0, 0x00, 0x12, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 16; ++i) BOOST_TEST(unsigned(m[i]) == unsigned(expect[i]), "byte " << i);
  // The message field's last byte is the last byte of the request (right-justified).
  BOOST_TEST(CRB2.message() + CRB2.message_size() == sizeof m);
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
// ep11_ber.h: BER lengths of EP11 payloads (zcrypt_ep11misc.c: asn1tag_write, ASN1TAGLEN
// "limited to length info <= 2 byte", struct pl_head {0x30, lenfmt 0x82, u16 len}).
BOOST_AUTO_TEST_SUITE(ep11_ber)

BOOST_AUTO_TEST_CASE(shortest_length_forms) {
  // asn1tag_write: the length itself up to 127, 0x81 LL up to 255, 0x82 HH LL above.
  const std::vector<std::pair<size_t, std::vector<uint8_t>>> cases = {
      {0, {0x00}}, {127, {0x7F}}, {128, {0x81, 0x80}}, {255, {0x81, 0xFF}}, {256, {0x82, 0x01, 0x00}},
      {0xFFFF, {0x82, 0xFF, 0xFF}}};
  for (const auto& [n, expect] : cases) {
    std::vector<uint8_t> out;
    ber_put_length(out, n);
    BOOST_TEST(out == expect, tt::per_element());
    // Read back from a buffer that holds exactly the value after the length.
    out.resize(out.size() + n);
    size_t off = 0, len = 0;
    BOOST_TEST(ber_get_length(out.data(), out.size(), off, len), "n " << n);
    BOOST_TEST(len == n);
    BOOST_TEST(off == expect.size());
  }
}

BOOST_AUTO_TEST_CASE(fields_and_payload) {
  // `04 04 u32` (api 1 << 16 | GenerateRandom 4), then `04 82 00 03` + 3 bytes; the payload
  // head `30 82 00 0D` counts those 13 bytes.
  std::vector<uint8_t> body;
  ep11_put_u32(body, 0x00010004);
  ep11_put_octets82(body, std::vector<uint8_t>(3, 0xAB));
  std::vector<uint8_t> pl;
  ep11_put_payload(pl, body);
  const std::vector<uint8_t> expect = {0x30, 0x82, 0x00, 0x0D, 0x04, 0x04, 0x00, 0x01, 0x00,
                                       0x04, 0x04, 0x82, 0x00, 0x03, 0xAB, 0xAB, 0xAB};
  BOOST_TEST(pl == expect, tt::per_element());
  // A short octet string takes the one-byte form: `04 02 CA FE`.
  std::vector<uint8_t> o;
  const uint8_t v[] = {0xCA, 0xFE};
  ep11_put_octets(o, v, sizeof v);
  BOOST_TEST(o == (std::vector<uint8_t>{0x04, 0x02, 0xCA, 0xFE}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(bad_lengths_refused) {
  size_t off = 0, len = 0;
  const uint8_t long_form3[] = {0x83, 0, 0, 1, 0};  // three length bytes: not EP11's
  BOOST_TEST(!ber_get_length(long_form3, sizeof long_form3, off, len));
  off = 0;
  const uint8_t cut[] = {0x82, 0x01};  // the length cut off by the end
  BOOST_TEST(!ber_get_length(cut, sizeof cut, off, len));
  off = 0;
  const uint8_t past_end[] = {0x81, 0x80, 0x00};  // 128 bytes of value, 1 there
  BOOST_TEST(!ber_get_length(past_end, sizeof past_end, off, len));
  off = 3;
  BOOST_TEST(!ber_get_length(past_end, sizeof past_end, off, len));  // nothing left to read
}

BOOST_AUTO_TEST_SUITE_END()

// arch/fifo.h: an AP queue's FIFO holds no storage while idle, never overwrites when full
// (it grows), keeps its storage once grown, and inserts ahead of what it holds.
BOOST_AUTO_TEST_SUITE(fifo)

BOOST_AUTO_TEST_CASE(empty_until_used_then_grows_without_overwriting) {
  apsim::arch::Fifo<int> f;
  BOOST_TEST(f.capacity() == 0u);
  for (int i = 0; i < 100; ++i) f.push_back(i);
  BOOST_TEST(f.size() == 100u);
  for (int i = 0; i < 100; ++i) {
    BOOST_TEST(f.front() == i);
    f.pop_front();
  }
  const std::size_t cap = f.capacity();
  BOOST_TEST(cap >= 100u);
  for (int round = 0; round < 1000; ++round) {  // steady state: the storage is kept
    f.push_back(round);
    f.pop_front();
  }
  f.clear();
  BOOST_TEST(f.capacity() == cap);
}

BOOST_AUTO_TEST_CASE(insert_ahead_grows) {
  apsim::arch::Fifo<int> f;
  f.push_back(3);
  f.push_back(4);
  const std::vector<int> lost{0, 1, 2, 5, 6, 7, 8};
  f.insert(f.begin(), lost.begin(), lost.begin() + 3);
  f.insert(f.end(), lost.begin() + 3, lost.end());
  BOOST_TEST(std::vector<int>(f.begin(), f.end()) == (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
