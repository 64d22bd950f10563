// driver/linux/kernel_parse.cpp — kstrtoul and the AP bus mask syntax, as the kernel parses them.
#include "driver/linux/kernel_parse.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>

namespace apsim::driver {

namespace {

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

// simple_strtoul(s, &end, 0): base detection like kstrtoul, no sign, no error reporting;
// stops at the first non-digit.  `end` == `s` when no digit was consumed.
unsigned long simple_strtoul(const char* s, const char** end) {
  unsigned base = 10;
  const char* p = s;
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && std::isxdigit(static_cast<unsigned char>(p[2]))) {
    base = 16;
    p += 2;
  } else if (p[0] == '0') {
    base = 8;
  }
  unsigned long v = 0;
  const char* start = p;
  while (*p && digit_value(*p) < static_cast<int>(base)) v = v * base + digit_value(*p++);
  *end = p == start ? s : p;
  return v;
}

}  // namespace

int kstrtoul(const std::string& buf, unsigned long& out) {
  std::string s = buf;
  if (!s.empty() && s.back() == '\n') s.pop_back();
  size_t i = 0;
  if (i < s.size() && s[i] == '+') ++i;
  unsigned base = 10;
  if (s.size() - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
    base = 16;
    i += 2;
  } else if (i < s.size() && s[i] == '0') {
    base = 8;
  }
  if (i >= s.size()) return -EINVAL;
  unsigned long v = 0;
  for (; i < s.size(); ++i) {
    const int d = digit_value(s[i]);
    if (d >= static_cast<int>(base)) return -EINVAL;
    if (v > (std::numeric_limits<unsigned long>::max() - d) / base) return -ERANGE;
    v = v * base + d;
  }
  out = v;
  return 0;
}

namespace {

int hex2bitmap(const std::string& buf, arch::ApMask& out, unsigned bits) {
  const char* p = buf.c_str();
  arch::ApMask m;
  if (p[0] == '0' && p[1] == 'x') ++p;
  if (*p == 'x') ++p;
  unsigned i = 0;
  for (; std::isxdigit(static_cast<unsigned char>(*p)) && i < bits; ++p, i += 4) {
    const int b = digit_value(*p);
    for (int n = 0; n < 4; ++n)
      if (b & (0x08 >> n)) m.set(i + n);
  }
  if (*p == '\n') ++p;
  if (*p) return -EINVAL;
  out = m;
  return 0;
}

int modify_bitmap(const std::string& buf, arch::ApMask& mask, unsigned bits) {
  arch::ApMask m = mask;
  const char* p = buf.c_str();
  while (*p) {
    const char sign = *p++;
    if (sign != '+' && sign != '-') return -EINVAL;
    const char* np;
    unsigned long a = simple_strtoul(p, &np), z = a;
    if (np == p || a >= bits) return -EINVAL;
    p = np;
    if (*p == '-') {
      ++p;
      z = simple_strtoul(p, &np);
      if (np == p || a > z || z >= bits) return -EINVAL;
      p = np;
    }
    for (unsigned long i = a; i <= z; ++i) m.assign(static_cast<unsigned>(i), sign == '+');
    while (*p == ',' || *p == '\n') ++p;
  }
  mask = m;
  return 0;
}

}  // namespace

int ap_parse_mask_str(const std::string& buf, arch::ApMask& mask, unsigned bits) {
  if (!buf.empty() && (buf[0] == '+' || buf[0] == '-')) return modify_bitmap(buf, mask, bits);
  return hex2bitmap(buf, mask, bits);
}

bool uuid_parse(const std::string& s, std::string* out) {
  if (s.size() != 36) return false;
  std::string lower = s;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
  }
  if (out) *out = lower;
  return true;
}

std::optional<long long> sscanf_number(const std::string& buf, int base) {
  size_t i = 0;
  while (i < buf.size() && std::isspace(static_cast<unsigned char>(buf[i]))) ++i;
  const std::string rest = buf.substr(i);
  if (rest.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(rest.c_str(), &end, base);
  if (end == rest.c_str()) return std::nullopt;
  return v;
}

int kstrtobool(const std::string& buf, bool& out) {
  if (buf.empty()) return -EINVAL;
  switch (buf[0]) {
    case 'y': case 'Y': case 't': case 'T': case '1': out = true; return 0;
    case 'n': case 'N': case 'f': case 'F': case '0': out = false; return 0;
    case 'o': case 'O':
      if (buf.size() > 1 && (buf[1] == 'n' || buf[1] == 'N')) return out = true, 0;
      if (buf.size() > 1 && (buf[1] == 'f' || buf[1] == 'F')) return out = false, 0;
      return -EINVAL;
    default: return -EINVAL;
  }
}

}  // namespace apsim::driver
