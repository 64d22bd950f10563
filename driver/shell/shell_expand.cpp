// driver/shell/shell_expand.cpp — the word-expansion and text helpers declared in shell_expand.h:
// glob-pattern tests, echo/printf escapes, xtrace quoting and line splitting.  Split out of
// shell.cpp: they are pure functions of their arguments, shared by the expander and the
// builtins.
#include "driver/shell/shell_expand.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace apsim::driver::shell_detail {

// ---------------------------------------------------------------- word expansion helpers
bool has_glob_meta(const std::string& pat) {
  for (std::size_t i = 0; i < pat.size(); ++i) {
    if (pat[i] == '\\') {
      ++i;
    } else if (pat[i] == '*' || pat[i] == '?' || pat[i] == '[') {
      return true;
    }
  }
  return false;
}
std::string unescape_pattern(const std::string& pat) {
  std::string out;
  for (std::size_t i = 0; i < pat.size(); ++i) {
    if (pat[i] == '\\' && i + 1 < pat.size()) ++i;
    out += pat[i];
  }
  return out;
}

// printf/echo -e style escapes.  Returns false if "\c" asked to stop all output.
bool interpret_escapes(const std::string& s, std::string& out, bool echo_style) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'c': return false;
      case 'e': case 'E': out += '\x1b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case 'x': {
        int v = 0, n = 0;
        while (n < 2 && i + 1 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1]))) {
          char h = s[++i];
          v = v * 16 + (is_digit(h) ? h - '0' : (std::tolower(h) - 'a' + 10));
          ++n;
        }
        if (n == 0) out += "\\x";
        else out += static_cast<char>(v);
        break;
      }
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        // echo: \0nnn (up to 3 digits after the 0); printf: \nnn.
        int v = 0, n = 0;
        if (echo_style && c != '0') {
          out += '\\';
          out += c;
          break;
        }
        if (!echo_style) v = c - '0', n = 1;
        while (n < 3 && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '7') {
          v = v * 8 + (s[++i] - '0');
          ++n;
        }
        out += static_cast<char>(v & 0xff);
        break;
      }
      default:
        out += '\\';
        out += c;
    }
  }
  return true;
}

// xtrace quoting: leave plain words alone, single-quote the rest.
std::string trace_quote(const std::string& w) {
  bool plain = !w.empty();
  for (char c : w)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_./:=,@%+-", c))) plain = false;
  if (plain) return w;
  std::string out = "'";
  for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// ---------------------------------------------------------------- brace expansion
namespace {

// The offset just past a quoted or substituted part that starts at `i` (a quote, a
// backslash, "$(", "${", "$'", a backquote), or `i` itself if none starts there.
std::size_t skip_quoted(const std::string& s, std::size_t i) {
  const char c = s[i];
  if (c == '\\') return std::min(i + 2, s.size());
  if (c == '\'') {
    const std::size_t q = s.find('\'', i + 1);
    return q == std::string::npos ? s.size() : q + 1;
  }
  if (c == '"' || c == '`') {
    for (std::size_t j = i + 1; j < s.size(); ++j) {
      if (s[j] == '\\') ++j;
      else if (s[j] == c) return j + 1;
    }
    return s.size();
  }
  if (c == '$' && i + 1 < s.size() && (s[i + 1] == '(' || s[i + 1] == '{')) {
    const char open = s[i + 1], close = open == '(' ? ')' : '}';
    int depth = 0;
    for (std::size_t j = i + 1; j < s.size(); ++j) {
      if (s[j] == '\\' || s[j] == '\'' || s[j] == '"') {
        j = skip_quoted(s, j) - 1;
      } else if (s[j] == open) {
        ++depth;
      } else if (s[j] == close && --depth == 0) {
        return j + 1;
      }
    }
    return s.size();
  }
  if (c == '$' && i + 1 < s.size() && s[i + 1] == '\'') return skip_quoted(s, i + 1);
  return i;
}

bool parse_seq_int(const std::string& t, long long& v, std::size_t& width) {
  if (t.empty()) return false;
  std::size_t b = t[0] == '-' || t[0] == '+' ? 1 : 0;
  if (b >= t.size() || t.find_first_not_of("0123456789", b) != std::string::npos) return false;
  v = std::strtoll(t.c_str(), nullptr, 10);
  width = t.size();
  return t.size() - b > 1 && t[b] == '0';  // zero-padded
}

// A sequence expression's words ({X..Y[..INCR]}), or false if `body` is not one.
bool sequence(const std::string& body, std::vector<std::string>& out) {
  std::vector<std::string> parts;
  std::size_t b = 0;
  for (;;) {
    const std::size_t e = body.find("..", b);
    parts.push_back(body.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) break;
    b = e + 2;
  }
  if (parts.size() < 2 || parts.size() > 3) return false;
  long long incr = 1;
  std::size_t w = 0;
  if (parts.size() == 3) {
    if (parts[2].empty() || parts[2].find_first_not_of("-+0123456789") != std::string::npos) return false;
    parse_seq_int(parts[2], incr, w);
    if (incr == 0) incr = 1;
    incr = incr < 0 ? -incr : incr;
  }
  long long x = 0, y = 0;
  std::size_t wx = 0, wy = 0;
  const std::string& a = parts[0];
  const std::string& z = parts[1];
  if (a.size() == 1 && z.size() == 1 && std::isalpha(static_cast<unsigned char>(a[0])) &&
      std::isalpha(static_cast<unsigned char>(z[0]))) {
    const int step = a[0] <= z[0] ? static_cast<int>(incr) : -static_cast<int>(incr);
    for (int c = a[0]; step > 0 ? c <= z[0] : c >= z[0]; c += step) out.emplace_back(1, static_cast<char>(c));
    return true;
  }
  const bool pad = parse_seq_int(a, x, wx) | parse_seq_int(z, y, wy);
  if (a.empty() || z.empty() || a.find_first_not_of("-+0123456789") != std::string::npos ||
      z.find_first_not_of("-+0123456789") != std::string::npos)
    return false;
  const std::size_t width = pad ? std::max(wx, wy) : 0;
  if ((y > x ? y - x : x - y) / incr > 100000) throw std::length_error("brace");
  for (long long v = x; x <= y ? v <= y : v >= y; v += x <= y ? incr : -incr) {
    std::string t = std::to_string(v < 0 ? -v : v);
    const std::size_t digits = width > (v < 0 ? 1u : 0u) ? width - (v < 0 ? 1 : 0) : 0;
    if (t.size() < digits) t.insert(0, digits - t.size(), '0');
    out.push_back((v < 0 ? "-" : "") + t);
  }
  return true;
}

}  // namespace

std::vector<std::string> brace_expand(const std::string& raw) {
  for (std::size_t i = 0; i < raw.size();) {
    const std::size_t q = skip_quoted(raw, i);
    if (q != i) {
      i = q;
      continue;
    }
    if (raw[i] != '{') {
      ++i;
      continue;
    }
    // The matching '}' and the top-level commas.
    int depth = 0;
    std::size_t close = std::string::npos;
    std::vector<std::size_t> commas;
    for (std::size_t j = i; j < raw.size();) {
      const std::size_t qq = skip_quoted(raw, j);
      if (qq != j) {
        j = qq;
        continue;
      }
      if (raw[j] == '{') ++depth;
      else if (raw[j] == '}' && --depth == 0) {
        close = j;
        break;
      } else if (raw[j] == ',' && depth == 1) {
        commas.push_back(j);
      }
      ++j;
    }
    if (close == std::string::npos) return {raw};
    const std::string pre = raw.substr(0, i), post = raw.substr(close + 1);
    std::vector<std::string> alts;
    if (!commas.empty()) {
      std::size_t b = i + 1;
      for (std::size_t c : commas) {
        alts.push_back(raw.substr(b, c - b));
        b = c + 1;
      }
      alts.push_back(raw.substr(b, close - b));
    } else if (!sequence(raw.substr(i + 1, close - i - 1), alts)) {
      ++i;  // "{x}" is literal: look for a brace after it
      continue;
    }
    std::vector<std::string> out;
    for (const auto& a : alts) {
      auto more = brace_expand(pre + a + post);
      out.insert(out.end(), more.begin(), more.end());
      if (out.size() > 100000) throw std::length_error("brace");
    }
    return out;
  }
  return {raw};
}

}  // namespace apsim::driver::shell_detail
