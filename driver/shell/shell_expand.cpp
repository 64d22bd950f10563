// driver/shell/shell_expand.cpp — the word-expansion and text helpers declared in shell_expand.h:
// glob-pattern tests, echo/printf escapes, xtrace quoting, line splitting, and the GNU
// BRE/ERE to std::regex translation grep uses.  Split out of shell.cpp: they are pure
// functions of their arguments, shared by the expander and the builtins.
#include "driver/shell/shell_expand.h"

#include <cctype>
#include <cstring>
#include <stdexcept>

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

}  // namespace apsim::driver::shell_detail
