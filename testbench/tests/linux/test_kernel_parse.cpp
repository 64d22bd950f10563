// testbench/tests/linux/test_kernel_parse.cpp — the kernel's sysfs parsers as
// driver/linux/kernel_parse.h reproduces them:
//  * kstrtoul(buf, 0, &v) (lib/kstrtox.c; vfio_ap assign_* attributes, spec §4.2);
//  * ap_parse_mask_str (apmask/aqmask/ap_config syntax, spec §5.2), with every example of
//    the kernel document (seed 001) and the kernel's modify_bitmap/hex2bitmap corner cases.
// Expected masks are written as literal 64-bit words or id lists, derived by hand.
#define BOOST_TEST_MODULE kernel_parse
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <climits>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "arch/ap_mask.h"
#include "driver/linux/kernel_parse.h"

namespace apsim::arch {
// Lets Boost.Test print masks in failure messages.
inline std::ostream& operator<<(std::ostream& os, const ApMask& m) { return os << m.to_hex(); }
}  // namespace apsim::arch

using apsim::arch::ApMask;
using apsim::driver::ap_parse_mask_str;
using apsim::driver::kstrtoul;
namespace tt = boost::test_tools;
using Ids = std::vector<unsigned>;

namespace {

ApMask mask_of(std::initializer_list<unsigned> ids) {
  ApMask m;
  for (unsigned i : ids) m.set(i);
  return m;
}

// Parse `text` into a copy of `start`; return the rc, leave the result in `out`.
int parse(const std::string& text, const ApMask& start, ApMask& out, unsigned bits = 256) {
  out = start;
  return ap_parse_mask_str(text, out, bits);
}

const std::string F16 = "ffffffffffffffff";
const std::string Z16 = "0000000000000000";

}  // namespace

// =========================================================================================
BOOST_AUTO_TEST_SUITE(kstrtoul_base0)

BOOST_AUTO_TEST_CASE(accepts_decimal_hex_octal) {
  struct Case { const char* in; unsigned long want; };
  const Case cases[] = {
      {"0", 0},
      {"5", 5},
      {"255", 255},
      {"0x1b", 0x1b},     // hex, lowercase prefix
      {"0X1B", 0x1b},     // hex, uppercase prefix and digits
      {"0xAb", 0xab},
      {"020", 16},        // leading 0 = octal: 2*8
      {"0107", 71},       // octal 107 = 64 + 7 = 0x47
      {"+5", 5},          // one leading '+' allowed
      {"+0x10", 16},
      {"5\n", 5},         // one trailing newline allowed (echo)
      {"0xab\n", 0xab},
      {"18446744073709551615", ULONG_MAX},  // 2^64 - 1
      {"0xffffffffffffffff", ULONG_MAX},
      {"01777777777777777777777", ULONG_MAX},  // 1 + 21 sevens = 64 bits octal
  };
  for (const auto& c : cases) {
    unsigned long v = 12345;
    BOOST_TEST_CONTEXT("input \"" << c.in << "\"") {
      BOOST_TEST(kstrtoul(c.in, v) == 0);
      BOOST_TEST(v == c.want);
    }
  }
}

BOOST_AUTO_TEST_CASE(rejects_with_einval_and_leaves_output) {
  const char* bad[] = {
      "5\n\n",  // only one newline
      "",       // nothing
      "\n",     // only a newline
      "-1",     // no sign but '+'
      "0x",     // prefix without digits
      "0x\n",
      "1a",     // decimal with a hex digit
      " 5",     // leading blank
      "5 ",     // trailing blank
      "08",     // 8 is not octal
      "0xg",
      "+",
      "++5",
      "\n5",
      "5\r\n",
  };
  for (const char* in : bad) {
    unsigned long v = 0xdeadbeef;
    BOOST_TEST_CONTEXT("input \"" << in << "\"") {
      BOOST_TEST(kstrtoul(in, v) == -EINVAL);
      BOOST_TEST(v == 0xdeadbeefUL);
    }
  }
}

BOOST_AUTO_TEST_CASE(overflow_is_erange) {
  const char* big[] = {
      "18446744073709551616",   // 2^64
      "99999999999999999999",
      "0x10000000000000000",    // 17 hex digits
      "02000000000000000000000", // 2^64 in octal
  };
  for (const char* in : big) {
    unsigned long v = 7;
    BOOST_TEST_CONTEXT("input \"" << in << "\"") {
      BOOST_TEST(kstrtoul(in, v) == -ERANGE);
      BOOST_TEST(v == 7UL);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
// Relative edits (modify_bitmap): "+N", "-N", "+A-B", separated by ',' or '\n'.
BOOST_AUTO_TEST_SUITE(mask_relative)

BOOST_AUTO_TEST_CASE(seed_single_bit_examples) {
  ApMask m;
  // "+0" switches bit 0 on.
  BOOST_TEST(parse("+0", ApMask{}, m) == 0);
  BOOST_TEST(m.word64(0) == 0x8000000000000000ull);
  BOOST_TEST(m.ids() == (Ids{0}), tt::per_element());
  // "-13" switches bit 13 off: word 0 = all ones but 1 << (63-13).
  BOOST_TEST(parse("-13", ApMask::all(), m) == 0);
  BOOST_TEST(m.word64(0) == 0xfffbffffffffffffull);
  BOOST_TEST(m.word64(1) == ~0ull);
  // "+0x41" switches bit 65 on: word 1, bit 1 -> 0x4000000000000000.
  BOOST_TEST(parse("+0x41", ApMask{}, m) == 0);
  BOOST_TEST(m.word64(1) == 0x4000000000000000ull);
  BOOST_TEST(m.ids() == (Ids{65}), tt::per_element());
  // "-0xff" switches bit 255 off: last word 0xff..fe.
  BOOST_TEST(parse("-0xff", ApMask::all(), m) == 0);
  BOOST_TEST(m.to_hex() == "0x" + F16 + F16 + F16 + "fffffffffffffffe");
}

BOOST_AUTO_TEST_CASE(seed_list_example_leaves_other_bits) {
  // "+0,-6,+0x47,-0xf0": bits 0 and 71 on, 6 and 240 off, the rest as before.
  const ApMask start = mask_of({6, 100, 240});
  ApMask m;
  BOOST_TEST(parse("+0,-6,+0x47,-0xf0", start, m) == 0);
  BOOST_TEST(m.ids() == (Ids{0, 71, 100}), tt::per_element());
  // From all ones: only 6 and 240 go off.
  BOOST_TEST(parse("+0,-6,+0x47,-0xf0", ApMask::all(), m) == 0);
  BOOST_TEST((~m).ids() == (Ids{6, 240}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(seed_reserve_commands) {
  // Seed 001: "echo -5,-6 > apmask" from the default all-ones mask.
  ApMask m;
  BOOST_TEST(parse("-5,-6\n", ApMask::all(), m) == 0);
  BOOST_TEST(m.word64(0) == 0xf9ffffffffffffffull);  // f9 = 1111 1001
  // "echo -4,-0x47,-0xab,-0xff > aqmask".
  BOOST_TEST(parse("-4,-0x47,-0xab,-0xff\n", ApMask::all(), m) == 0);
  BOOST_TEST(m.to_hex() == "0xf7fffffffffffffffeffffffffffffffffffffffffeffffffffffffffffffffe");
}

BOOST_AUTO_TEST_CASE(ranges) {
  ApMask m;
  BOOST_TEST(parse("+10-12", ApMask{}, m) == 0);
  BOOST_TEST(m.ids() == (Ids{10, 11, 12}), tt::per_element());
  BOOST_TEST(m.word64(0) == 0x0038000000000000ull);  // bits 10..12 -> 0x0038 in the top 16
  BOOST_TEST(parse("-10-12", ApMask::all(), m) == 0);
  BOOST_TEST((~m).ids() == (Ids{10, 11, 12}), tt::per_element());
  BOOST_TEST(parse("+5-5", ApMask{}, m) == 0);  // one-element range
  BOOST_TEST(m.ids() == (Ids{5}), tt::per_element());
  BOOST_TEST(parse("+0x10-0x1f", ApMask{}, m) == 0);  // 16..31
  BOOST_TEST(m.word64(0) == 0x0000ffff00000000ull);
  BOOST_TEST(parse("+0-255", ApMask{}, m) == 0);
  BOOST_TEST((m == ApMask::all()));
  BOOST_TEST(parse("+0-0xff", ApMask{}, m) == 0);
  BOOST_TEST((m == ApMask::all()));
}

BOOST_AUTO_TEST_CASE(separators_and_number_bases) {
  ApMask m;
  BOOST_TEST(parse("+1\n+2", ApMask{}, m) == 0);      // newline separates
  BOOST_TEST(m.ids() == (Ids{1, 2}), tt::per_element());
  BOOST_TEST(parse("+1,+2\n", ApMask{}, m) == 0);     // trailing newline
  BOOST_TEST(m.ids() == (Ids{1, 2}), tt::per_element());
  BOOST_TEST(parse("+1,\n+3,", ApMask{}, m) == 0);    // runs of separators are skipped
  BOOST_TEST(m.ids() == (Ids{1, 3}), tt::per_element());
  BOOST_TEST(parse("+010", ApMask{}, m) == 0);        // simple_strtoul base 0: octal 10 = 8
  BOOST_TEST(m.ids() == (Ids{8}), tt::per_element());
  BOOST_TEST(parse("+0X41", ApMask{}, m) == 0);       // uppercase hex prefix
  BOOST_TEST(m.ids() == (Ids{65}), tt::per_element());
  BOOST_TEST(parse("+255", ApMask{}, m) == 0);        // highest id
  BOOST_TEST(m.word64(3) == 0x1ull);
  BOOST_TEST(parse("+1,-1", ApMask{}, m) == 0);       // applied left to right
  BOOST_TEST(m.empty());
}

BOOST_AUTO_TEST_CASE(errors_leave_mask_unchanged) {
  const ApMask start = mask_of({3, 77, 200});
  const char* bad[] = {
      "-4, -0xab",  // blank after ',' is not a sign (seed 003 spelling): modify_bitmap -EINVAL
      "+256",       // id >= bits
      "-0x100",
      "+5-3",       // range end < start
      "+0-256",     // range end >= bits
      "+",          // no number
      "-",
      "+x",
      "+1;+2",      // ';' is not a separator
      "+1 ",        // trailing blank
      "+09",        // octal "0", then '9' is not a sign
      "+1,+300",    // the good first term must not be applied either
      "+1--2",
  };
  for (const char* in : bad) {
    ApMask m;
    BOOST_TEST_CONTEXT("input \"" << in << "\"") {
      BOOST_TEST(parse(in, start, m) == -EINVAL);
      BOOST_TEST((m == start));
    }
  }
}

BOOST_AUTO_TEST_CASE(narrower_mask_width) {
  // bits = 64 (e.g. a 64-bit mask): ids 0..63 only.
  ApMask m;
  BOOST_TEST(parse("+63", ApMask{}, m, 64) == 0);
  BOOST_TEST(m.word64(0) == 0x1ull);
  BOOST_TEST(parse("+64", ApMask{}, m, 64) == -EINVAL);
  BOOST_TEST(m.empty());
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
// Absolute hex strings (hex2bitmap): optional "0x", MSB-first, padded right with zeros.
BOOST_AUTO_TEST_SUITE(mask_absolute)

BOOST_AUTO_TEST_CASE(seed_0x41_padded_right) {
  // Seed 001: 0x41 == 0x4100..00 -> devices 1 and 7; the old content is replaced.
  const ApMask start = mask_of({0, 2, 200});
  ApMask m;
  BOOST_TEST(parse("0x41", start, m) == 0);
  BOOST_TEST(m.ids() == (Ids{1, 7}), tt::per_element());
  BOOST_TEST(m.to_hex() == "0x4100000000000000" + Z16 + Z16 + Z16);
  BOOST_TEST(parse("41", start, m) == 0);  // "0x" is optional
  BOOST_TEST(m.ids() == (Ids{1, 7}), tt::per_element());
  BOOST_TEST(parse("0x41\n", start, m) == 0);  // trailing newline
  BOOST_TEST(m.ids() == (Ids{1, 7}), tt::per_element());
  BOOST_TEST(parse("0x7d", start, m) == 0);  // 0111 1101
  BOOST_TEST(m.ids() == (Ids{1, 2, 3, 4, 5, 7}), tt::per_element());
  BOOST_TEST(parse("0x8", start, m) == 0);   // a single digit fills bits 0..3
  BOOST_TEST(m.ids() == (Ids{0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(seed_kernel_cmdline) {
  // ap.apmask=0xffff -> 0xffff0000... = adapters 0-15; ap.aqmask=0x40 -> domain 1.
  ApMask m;
  BOOST_TEST(parse("0xffff", ApMask::all(), m) == 0);
  BOOST_TEST(m.to_hex() == "0xffff000000000000" + Z16 + Z16 + Z16);
  BOOST_TEST(parse("0x40", ApMask::all(), m) == 0);
  BOOST_TEST(m.to_hex() == "0x4000000000000000" + Z16 + Z16 + Z16);
  BOOST_TEST(m.ids() == (Ids{1}), tt::per_element());
  BOOST_TEST(parse("0xFFFF", ApMask{}, m) == 0);  // uppercase digits
  BOOST_TEST(m.word64(0) == 0xffff000000000000ull);
}

BOOST_AUTO_TEST_CASE(seed_64_digit_masks) {
  ApMask m;
  // apmask example: adapters 5 and 6 off.
  const std::string ap = "0xf9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
  BOOST_TEST(ap.size() == 66u);
  BOOST_TEST(parse(ap, ApMask{}, m) == 0);
  BOOST_TEST((~m).ids() == (Ids{5, 6}), tt::per_element());
  // aqmask example: domains 4, 0x47, 0xab, 0xff off.
  const std::string aq = "0xf7fffffffffffffffeffffffffffffffffffffffffeffffffffffffffffffffe";
  BOOST_TEST(aq.size() == 66u);
  BOOST_TEST(parse(aq + "\n", ApMask{}, m) == 0);
  BOOST_TEST((~m).ids() == (Ids{0x04, 0x47, 0xab, 0xff}), tt::per_element());
  BOOST_TEST(m.word64(1) == 0xfeffffffffffffffull);
  BOOST_TEST(m.word64(2) == 0xffffffffffefffffull);
  // The same 64 digits without "0x".
  BOOST_TEST(parse(aq.substr(2), ApMask{}, m) == 0);
  BOOST_TEST((~m).ids() == (Ids{0x04, 0x47, 0xab, 0xff}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(full_length_and_too_long) {
  ApMask m;
  const std::string d64 = "0x0123456789abcdef" "fedcba9876543210" "0000000000000001" "8000000000000000";
  BOOST_TEST(parse(d64, ApMask{}, m) == 0);
  BOOST_TEST(m.word64(0) == 0x0123456789abcdefull);
  BOOST_TEST(m.word64(1) == 0xfedcba9876543210ull);
  BOOST_TEST(m.word64(2) == 0x0000000000000001ull);
  BOOST_TEST(m.word64(3) == 0x8000000000000000ull);
  // 65 digits: longer than the mask -> -EINVAL, mask unchanged.
  const ApMask start = mask_of({9});
  BOOST_TEST(parse(d64 + "0", start, m) == -EINVAL);
  BOOST_TEST((m == start));
  BOOST_TEST(parse("0x" + F16 + F16 + F16 + F16 + "f\n", start, m) == -EINVAL);
  BOOST_TEST((m == start));
  // bits = 64: 16 digits fit, 17 do not.
  BOOST_TEST(parse("0x" + F16, ApMask{}, m, 64) == 0);
  BOOST_TEST(m.word64(0) == ~0ull);
  BOOST_TEST(m.word64(1) == 0ull);
  BOOST_TEST(parse("0x" + F16 + "f", start, m, 64) == -EINVAL);
  BOOST_TEST((m == start));
}

BOOST_AUTO_TEST_CASE(garbage_is_einval) {
  const ApMask start = mask_of({1, 2, 3});
  const char* bad[] = {
      "garbage",
      "0x4g",
      "0x41\n\n",
      "0x41 ",
      " 0x41",
      "0X41",  // hex2bitmap knows only a lowercase "0x" prefix
      "4,1",
  };
  for (const char* in : bad) {
    ApMask m;
    BOOST_TEST_CONTEXT("input \"" << in << "\"") {
      BOOST_TEST(parse(in, start, m) == -EINVAL);
      BOOST_TEST((m == start));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
