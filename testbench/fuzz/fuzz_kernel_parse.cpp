// testbench/fuzz/fuzz_kernel_parse.cpp — the kernel's parsers of what user space writes to
// sysfs (driver/linux/kernel_parse.h): kstrtoul, the apmask/aqmask syntax (ap_parse_mask_str,
// also ap_config's masks), uuid_parse, sscanf_number, kstrtobool.
//
// Input: byte 0 picks the parser, the rest is the buffer a write(2) would pass.
// Invariants:
//  * every parser leaves its output untouched when it refuses (the header's contract);
//  * kstrtoul: an accepted value parses back from its decimal and its 0x-hex text, and
//    the text accepted is a number (only '+', digits of its base, one final '\n');
//  * masks: an accepted absolute mask parses back from its own "0x%016lx..." text (what
//    apmask shows), and a relative edit ("+N,-A-B") changes only the bits it names;
//  * uuid_parse: accepted ⇔ 36 characters 8-4-4-4-12; the output is the lower-case input
//    and parses to itself;
//  * kstrtobool: accepted ⇔ the first character(s) are one of kstrtobool's.
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <string>

#include "driver/linux/kernel_parse.h"
#include "testbench/fuzz/fuzz_check.h"

using apsim::arch::ApMask;
namespace drv = apsim::driver;

namespace {

void check_kstrtoul(const std::string& s) {
  unsigned long v = 12345;
  const int rc = drv::kstrtoul(s, v);
  if (rc != 0) {
    FUZZ_CHECK(rc == -EINVAL || rc == -ERANGE, "kstrtoul returns 0, -EINVAL or -ERANGE");
    FUZZ_CHECK(v == 12345, "a refused kstrtoul leaves its output alone");
    return;
  }
  std::string body = s;
  if (!body.empty() && body.back() == '\n') body.pop_back();
  if (!body.empty() && body[0] == '+') body.erase(0, 1);
  FUZZ_CHECK(!body.empty(), "kstrtoul accepts no empty number");
  for (char c : body)
    FUZZ_CHECK(std::isxdigit(static_cast<unsigned char>(c)) || c == 'x' || c == 'X', "kstrtoul accepts only digits");
  unsigned long back = 0;
  FUZZ_CHECK(drv::kstrtoul(std::to_string(v), back) == 0 && back == v, "kstrtoul(decimal of v) == v");
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%lx\n", v);
  FUZZ_CHECK(drv::kstrtoul(hex, back) == 0 && back == v, "kstrtoul(0x-hex of v) == v");
}

void check_mask(const std::string& s, const ApMask& start) {
  ApMask m = start;
  const int rc = drv::ap_parse_mask_str(s, m);
  if (rc != 0) {
    FUZZ_CHECK(rc == -EINVAL, "a mask is refused with -EINVAL");
    FUZZ_CHECK(m == start, "a refused mask leaves the mask alone");
    return;
  }
  ApMask back = ApMask::all();
  FUZZ_CHECK(drv::ap_parse_mask_str(m.to_hex() + "\n", back) == 0 && back == m,
             "an accepted mask parses back from the text apmask shows");
  // A relative edit acts on the bits it names only: the same edit on the complement of
  // the start mask leaves, outside what it named, the complement's bits.
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    ApMask other = ~start;
    FUZZ_CHECK(drv::ap_parse_mask_str(s, other) == 0, "a relative edit does not depend on the mask it edits");
    const ApMask named = ApMask({~(m.word64(0) ^ other.word64(0)), ~(m.word64(1) ^ other.word64(1)),
                                 ~(m.word64(2) ^ other.word64(2)), ~(m.word64(3) ^ other.word64(3))});
    // Bits equal in both results were named by the edit; every other bit must be the
    // start mask's own (an edit that moved a bit it did not name shows here).
    for (unsigned id = 0; id < 256; ++id)
      if (!named.test(id)) FUZZ_CHECK(m.test(id) == start.test(id), "bits not named keep their value");
  }
}

void check_uuid(const std::string& s) {
  std::string out = "untouched";
  const bool ok = drv::uuid_parse(s, out);
  bool shape = s.size() == 36;
  for (size_t i = 0; shape && i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    shape = dash ? s[i] == '-' : std::isxdigit(static_cast<unsigned char>(s[i])) != 0;
  }
  FUZZ_CHECK(ok == shape, "uuid_parse accepts exactly the 8-4-4-4-12 hex shape");
  if (!ok) {
    FUZZ_CHECK(out == "untouched", "a refused UUID leaves the output alone");
    return;
  }
  for (size_t i = 0; i < s.size(); ++i)
    FUZZ_CHECK(out[i] == std::tolower(static_cast<unsigned char>(s[i])), "the UUID comes out in lower case");
  std::string again;
  FUZZ_CHECK(drv::uuid_parse(out, again) && again == out, "a parsed UUID parses to itself");
}

void check_bool(const std::string& s) {
  bool v = true, w = false;
  const int a = drv::kstrtobool(s, v), b = drv::kstrtobool(s, w);
  FUZZ_CHECK(a == b && (a != 0 || v == w), "kstrtobool is a function of its input");
  if (a != 0) {
    FUZZ_CHECK(a == -EINVAL && v && !w, "a refused bool leaves the output alone");
    return;
  }
  FUZZ_CHECK(!s.empty() && std::string("yYtT1nNfF0oO").find(s[0]) != std::string::npos,
             "kstrtobool accepts only its first characters");
}

void check_sscanf(const std::string& s, int base) {
  const auto a = drv::sscanf_number(s, base), b = drv::sscanf_number(s, base);
  FUZZ_CHECK(a == b, "sscanf_number is a function of its input");
  if (a) FUZZ_CHECK(s.find_first_of("0123456789") != std::string::npos, "a number read has a digit");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string s = apsim::fuzz::text(data + 1, size - 1);
  switch (data[0] % 7) {
    case 0: check_kstrtoul(s); break;
    case 1: check_mask(s, ApMask()); break;
    case 2: check_mask(s, ApMask({0xff00ff00ff00ff00ull, 0x0123456789abcdefull, ~0ull, 1})); break;
    case 3: check_uuid(s); break;
    case 4: check_bool(s); break;
    case 5: check_sscanf(s, 0); break;
    case 6: check_sscanf(s, 10); break;
  }
  return 0;
}
