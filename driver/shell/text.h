// driver/shell/text.h — small text helpers of the shell that the programs it runs use too
// (driver/userspace links the shell): strerror texts, strict integers, lines.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace apsim::driver {

/// strerror(3) of a negative (or positive) errno value: what bash and the utilities print.
inline std::string strerr(int neg_errno) { return std::strerror(neg_errno < 0 ? -neg_errno : neg_errno); }

/// Strict decimal/hex/octal integer parse (bash's and test's notion), no exceptions;
/// blanks around the number are allowed.
inline bool parse_int(const std::string& s, long long& v, int base = 10) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n')) --e;
  if (b == e) return false;
  std::string t = s.substr(b, e - b);
  errno = 0;
  char* end = nullptr;
  v = std::strtoll(t.c_str(), &end, base);
  return errno == 0 && end && *end == '\0';
}

/// The lines of `s` without their '\n'; a last line without one counts, an empty `s` has none.
inline std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::size_t b = 0;
  while (b < s.size()) {
    std::size_t e = s.find('\n', b);
    if (e == std::string::npos) {
      lines.push_back(s.substr(b));
      break;
    }
    lines.push_back(s.substr(b, e - b));
    b = e + 1;
  }
  return lines;
}

}  // namespace apsim::driver
