// driver/userspace/grep.cpp — GNU grep's options that administrators pipe into (-v -i -c -q
// -s -E -F -G -w -x -n -h -H -o -l -e -m), with GNU's messages (grep 3.8).  Patterns run on
// std::regex after translation from POSIX BRE/ERE.
#include <cctype>
#include <cstring>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "driver/shell/text.h"
#include "driver/userspace/coreutils.h"

namespace apsim::driver {

namespace {

// A GNU BRE or ERE turned into std::regex ECMAScript syntax (which has \b, back
// references and POSIX classes; std::regex's own "basic" lacks GNU's \+ \? \|).
std::string posix_to_ecma(const std::string& re, bool extended) {
  std::string out;
  bool at_start = true;  // a '*' here is literal in a BRE
  for (std::size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    bool was_start = at_start;
    at_start = false;
    if (c == '[') {  // bracket expression: copy to its end; escape backslashes
      std::size_t j = i + 1;
      std::string body = "[";
      if (j < re.size() && re[j] == '^') body += re[j++];
      if (j < re.size() && re[j] == ']') body += "\\]", ++j;
      for (; j < re.size() && re[j] != ']'; ++j) {
        if (re[j] == '[' && j + 1 < re.size() && (re[j + 1] == ':' || re[j + 1] == '.' || re[j + 1] == '=')) {
          std::size_t close = re.find(std::string(1, re[j + 1]) + "]", j + 2);
          if (close != std::string::npos) {
            body += re.substr(j, close + 2 - j);
            j = close + 1;
            continue;
          }
        }
        if (re[j] == '\\') body += "\\\\";
        else body += re[j];
      }
      if (j >= re.size()) throw std::runtime_error("Unmatched [, [^, [:, [., or [=");
      out += body + "]";
      i = j;
      continue;
    }
    if (c == '\\' && i + 1 >= re.size()) throw std::runtime_error("Trailing backslash");
    if (c == '\\') {
      char d = re[++i];
      if (d == '<' || d == '>') {
        out += "\\b";
      } else if (!extended && std::strchr("(){}|+?", d)) {
        out += d;  // GNU BRE: \( \) \{ \} \| \+ \? are the operators
        at_start = d == '(' || d == '|';
      } else if ((d >= '0' && d <= '9') || std::strchr("bBwWsS", d)) {
        out += '\\';
        out += d;
      } else {
        out += '\\';
        out += d;
      }
      continue;
    }
    if (!extended && std::strchr("(){}|+?", c)) {  // literal in a BRE
      out += '\\';
      out += c;
      continue;
    }
    if (c == '*' && (was_start || (!out.empty() && out.back() == '(' && extended))) {
      out += "\\*";
      continue;
    }
    if (c == '^' && !extended && !was_start) {  // '^' is an anchor only at the start of a BRE
      out += "\\^";
      continue;
    }
    if (c == '^') at_start = true;
    if (extended && (c == '(' || c == '|')) at_start = true;
    out += c;
  }
  return out;
}

}  // namespace

int Coreutils::b_grep(const std::vector<std::string>& argv, const Io& io) {
  const std::string usage = "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n";
  // -e may repeat (each adds patterns); options may follow operands (GNU permutes).
  Opts o;
  if (!parse_opts(argv, "vicqsEFGwxnhHloyZ", "em", o, io, "grep", usage)) return 2;
  std::vector<std::string> patterns;
  bool have_e = false;
  for (const auto& [c, val] : o.args) {
    if (c != 'e') continue;
    have_e = true;
    auto ls = split_lines(val);
    if (ls.empty()) ls.push_back("");
    patterns.insert(patterns.end(), ls.begin(), ls.end());
  }
  if (!have_e) {
    if (o.operands.empty()) {
      *io.err << usage;
      return 2;
    }
    patterns = split_lines(o.operands.front());
    if (patterns.empty()) patterns.push_back("");
    o.operands.erase(o.operands.begin());
  }
  bool invert = o.set.count('v'), icase = o.set.count('i') || o.set.count('y'), count = o.set.count('c');
  bool quiet = o.set.count('q'), silent = o.set.count('s'), fixed = o.set.count('F');
  bool ere = o.set.count('E'), word = o.set.count('w'), whole = o.set.count('x'), number = o.set.count('n');
  bool only = o.set.count('o'), list = o.set.count('l');
  long long max_count = -1;
  if (o.set.count('m') && !parse_int(o.set['m'], max_count)) {
    *io.err << "grep: invalid max count\n";
    return 2;
  }
  // The last of -E/-F/-G wins, as in GNU grep.
  for (char c : o.order) {
    if (c == 'E') ere = true, fixed = false;
    if (c == 'F') fixed = true, ere = false;
    if (c == 'G') fixed = false, ere = false;
  }
  std::vector<std::regex> res;
  try {
    for (const auto& p : patterns) {
      std::string ecma;
      if (fixed) {
        for (char c : p) {
          if (std::strchr("\\^$.|?*+()[]{}", c)) ecma += '\\';
          ecma += c;
        }
      } else {
        ecma = posix_to_ecma(p, ere);
      }
      auto flags = std::regex::ECMAScript;
      if (icase) flags |= std::regex::icase;
      res.emplace_back(ecma, flags);
    }
  } catch (const std::regex_error&) {
    *io.err << "grep: Invalid regular expression\n";
    return 2;
  } catch (const std::exception& e) {  // GNU's own wording, from posix_to_ecma
    *io.err << "grep: " << e.what() << "\n";
    return 2;
  }
  auto is_word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  // All (start, length) matches of one line, as GNU -o/-w/-x see them.
  auto matches = [&](const std::string& l, std::vector<std::pair<std::size_t, std::size_t>>* spans) {
    bool any = false;
    for (const auto& re : res) {
      try {
        if (whole) {
          if (std::regex_match(l, re)) {
            any = true;
            if (spans) spans->emplace_back(0, l.size());
          }
          continue;
        }
        for (std::size_t start = 0; start <= l.size(); ++start) {
          std::smatch m;
          auto flags = std::regex_constants::match_default;
          if (start > 0) flags |= std::regex_constants::match_prev_avail;
          if (!std::regex_search(l.begin() + static_cast<std::ptrdiff_t>(start), l.end(), m, re, flags)) break;
          std::size_t b = start + static_cast<std::size_t>(m.position(0));
          std::size_t len = static_cast<std::size_t>(m.length(0));
          bool ok = true;
          if (word) {
            ok = (b == 0 || !is_word_char(l[b - 1])) && (b + len >= l.size() || !is_word_char(l[b + len])) && len > 0;
          }
          if (ok) {
            any = true;
            if (!spans) return true;
            if (len > 0) spans->emplace_back(b, len);
            start = b + (len > 0 ? len : 1) - 1;
          } else {
            start = b;
          }
        }
      } catch (const std::exception&) {
        // std::regex may give up on pathological input; treat as no match
      }
    }
    return any;
  };
  bool with_names = o.set.count('H') || (o.operands.size() > 1 && !o.set.count('h'));
  if (o.set.count('h')) with_names = false;
  if (o.operands.empty()) o.operands.push_back("-");
  bool matched = false, error = false;
  for (const auto& f : o.operands) {
    std::string content;
    const std::string label = f == "-" ? "(standard input)" : f;
    if (int rc = read_operand(f, io, content); rc < 0) {
      if (!silent) *io.err << "grep: " << f << ": " << strerr(rc) << "\n";
      error = true;
      continue;
    }
    long long n = 0, lineno = 0;
    for (const auto& l : split_lines(content)) {
      ++lineno;
      if (max_count >= 0 && n >= max_count) break;
      std::vector<std::pair<std::size_t, std::size_t>> spans;
      bool hit = matches(l, only && !invert ? &spans : nullptr) != invert;
      if (!hit) continue;
      ++n;
      matched = true;
      if (quiet) return 0;
      if (count || list) continue;
      std::string prefix = (with_names ? label + ":" : "") + (number ? std::to_string(lineno) + ":" : "");
      if (only) {
        if (!invert)
          for (auto& [b, len] : spans) *io.out << prefix << l.substr(b, len) << "\n";
      } else {
        *io.out << prefix << l << "\n";
      }
    }
    if (count) *io.out << (with_names ? label + ":" : "") << n << "\n";
    if (list && n > 0) *io.out << label << "\n";
  }
  if (error && !(quiet && matched)) return 2;
  return matched ? 0 : 1;
}

}  // namespace apsim::driver
