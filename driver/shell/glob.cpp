// driver/shell/glob.cpp — GlobPattern (glob.h): the compiler follows glibc 2.36's
// posix/fnmatch_loop.c FCT (flags 0, C locale) element by element; the matcher is a
// Thompson simulation: the set of pattern positions alive after each byte, so no position
// of the subject is read twice by one call and nothing recurses.
#include "driver/shell/glob.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace apsim::driver::shell_detail {

namespace {

// [:NAME:] in the C locale (fnmatch's IS_CHAR_CLASS / iswctype); false for an unknown name.
bool add_class(const std::string& name, std::uint64_t* bits) {
  int (*test)(int) = nullptr;
  static const struct {
    const char* name;
    int (*fn)(int);
  } kClasses[] = {{"alnum", isalnum}, {"alpha", isalpha}, {"blank", isblank}, {"cntrl", iscntrl},
                  {"digit", isdigit}, {"graph", isgraph}, {"lower", islower}, {"print", isprint},
                  {"punct", ispunct}, {"space", isspace}, {"upper", isupper}, {"xdigit", isxdigit}};
  for (const auto& c : kClasses)
    if (name == c.name) test = c.fn;
  if (!test) return false;
  for (int c = 0; c < 128; ++c)
    if (test(c)) bits[c >> 6] |= std::uint64_t{1} << (c & 63);
  return true;
}

}  // namespace

GlobPattern::GlobPattern(std::string_view p) {
  const std::size_t n = p.size();
  auto never = [&] {  // an element nothing matches: the rest of the pattern is unreachable
    elems_.push_back(Element{});
  };
  // "[.c.]" with its '[' at `at`: the byte c and the offset after it; false for a longer name
  // or none, which fnmatch answers with FNM_NOMATCH (the C locale names no collating symbol).
  auto collating = [&](std::size_t at, unsigned char& c, std::size_t& next) {
    const std::size_t k = p.find(".]", at + 2);
    if (k != at + 3) return false;
    c = static_cast<unsigned char>(p[at + 2]);
    next = k + 2;
    return true;
  };
  for (std::size_t i = 0; i < n; ++i) {
    Element e;
    const char c = p[i];
    if (c == '*') {
      e.star = true;
      elems_.push_back(e);
      continue;
    }
    if (c == '?') {
      for (auto& b : e.bits) b = ~std::uint64_t{0};
      elems_.push_back(e);
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= n) {  // "Trailing \ loses."
        never();
        break;
      }
      e.add(static_cast<unsigned char>(p[++i]));
      elems_.push_back(e);
      continue;
    }
    if (c != '[') {
      e.add(static_cast<unsigned char>(c));
      elems_.push_back(e);
      continue;
    }
    // A bracket expression: its items in fnmatch's order; `]` ends it after the first item.
    std::size_t j = i + 1;
    const bool negate = j < n && (p[j] == '!' || p[j] == '^');
    if (negate) ++j;
    bool first = true, dead = false, closed = false;
    while (!dead) {
      if (j >= n) break;  // unterminated
      unsigned char lo = static_cast<unsigned char>(p[j]);
      if (lo == ']' && !first) {
        closed = true;
        break;
      }
      first = false;
      bool symbol = false;
      if (lo == '\\') {
        if (j + 1 >= n) {
          dead = true;
          break;
        }
        lo = static_cast<unsigned char>(p[j + 1]);
        j += 2;
      } else if (lo == '[' && j + 1 < n && p[j + 1] == ':') {
        std::size_t k = j + 2;
        while (k < n && p[k] >= 'a' && p[k] < 'z') ++k;  // fnmatch: c < 'a' || c >= 'z' ends a name
        if (k + 1 < n && p[k] == ':' && p[k + 1] == ']') {
          if (!add_class(std::string(p.substr(j + 2, k - j - 2)), e.bits)) dead = true;  // unknown class
          j = k + 2;
          continue;
        }
        ++j;  // not a class: '[' is an ordinary item
      } else if (lo == '[' && j + 4 < n && p[j + 1] == '=' && p[j + 3] == '=' && p[j + 4] == ']') {
        e.add(static_cast<unsigned char>(p[j + 2]));  // [=c=]: the byte c in the C locale, never a range end
        j += 5;
        continue;
      } else if (lo == '[' && j + 1 < n && p[j + 1] == '.') {
        // [.c.]: the byte c, which may start a range even before ']'; any other name loses.
        if (!collating(j, lo, j)) {
          dead = true;
          break;
        }
        symbol = true;
      } else {
        ++j;
      }
      // "a-z": a range unless the '-' is last before ']'; a range to the pattern's end loses.
      if (j < n && p[j] == '-' && (symbol ? j + 1 < n : !(j + 1 < n && p[j + 1] == ']'))) {
        if (j + 1 >= n) {
          dead = true;
          break;
        }
        unsigned char hi = static_cast<unsigned char>(p[j + 1]);
        j += 2;
        if (hi == '[' && j < n && p[j] == '.') {  // a collating symbol as the range's end
          if (!collating(j - 1, hi, j)) {
            dead = true;
            break;
          }
        } else if (hi == '\\') {
          if (j >= n) {
            dead = true;
            break;
          }
          hi = static_cast<unsigned char>(p[j++]);
        }
        for (unsigned v = lo; v <= hi; ++v) e.add(static_cast<unsigned char>(v));
        continue;
      }
      e.add(lo);
    }
    if (dead) {
      never();
      break;
    }
    if (!closed) {  // "[ unterminated, treat as normal character"
      Element lit;
      lit.add('[');
      elems_.push_back(lit);
      continue;
    }
    if (negate)
      for (auto& b : e.bits) b = ~b;
    elems_.push_back(e);
    i = j;
  }
  reversed_.assign(elems_.rbegin(), elems_.rend());
}

std::size_t GlobPattern::anchored(const std::vector<Element>& elems, std::string_view s, bool reverse, bool longest) {
  const std::size_t m = elems.size(), n = s.size();
  std::vector<std::size_t> cur, next;
  std::vector<std::size_t> mark(m + 1, npos);  // the step that last added each position
  auto add = [&](std::vector<std::size_t>& list, std::size_t k, std::size_t step) {
    for (; mark[k] != step; ++k) {  // a star may also be skipped: its follower is alive too
      mark[k] = step;
      list.push_back(k);
      if (k == m || !elems[k].star) break;
    }
  };
  add(cur, 0, 0);
  std::size_t found = npos;
  for (std::size_t pos = 0;; ++pos) {
    if (mark[m] == pos) {
      found = pos;
      if (!longest) return found;
    }
    if (pos == n || cur.empty()) break;
    const unsigned char c = static_cast<unsigned char>(reverse ? s[n - 1 - pos] : s[pos]);
    next.clear();
    for (std::size_t k : cur) {
      if (k == m) continue;
      if (elems[k].star) add(next, k, pos + 1);
      else if (elems[k].has(c)) add(next, k + 1, pos + 1);
    }
    cur.swap(next);
  }
  return found;
}

bool GlobPattern::match(std::string_view s) const { return anchored(elems_, s, false, true) == s.size(); }

std::size_t GlobPattern::prefix(std::string_view s, bool longest) const { return anchored(elems_, s, false, longest); }

std::size_t GlobPattern::suffix(std::string_view s, bool longest) const {
  const std::size_t len = anchored(reversed_, s, true, longest);
  return len == npos ? npos : s.size() - len;
}

bool GlobPattern::find(std::string_view s, std::size_t from, std::size_t& start, std::size_t& length) const {
  // One thread per pattern position, carrying the earliest start that reaches it: an
  // earlier start is preferred and can go wherever a later one at the same position can.
  // Threads are kept in order of their start, so the first to reach a position has the
  // earliest.  Once a match is known, later starts are dropped; the scan ends when no
  // thread is left.
  const std::size_t m = elems_.size(), n = s.size();
  std::vector<std::pair<std::size_t, std::size_t>> cur, next;  // (position, start)
  std::vector<std::size_t> mark(m + 1, npos);
  auto add = [&](std::vector<std::pair<std::size_t, std::size_t>>& list, std::size_t k, std::size_t st,
                 std::size_t step) {
    for (; mark[k] != step; ++k) {
      mark[k] = step;
      list.emplace_back(k, st);
      if (k == m || !elems_[k].star) break;
    }
  };
  std::size_t best = npos, best_end = 0;
  for (std::size_t pos = from;; ++pos) {
    if (best == npos) add(cur, 0, pos, pos);  // a match may start here
    for (const auto& [k, st] : cur)
      if (k == m && (best == npos || st < best || (st == best && pos > best_end))) best = st, best_end = pos;
    if (pos == n) break;
    const unsigned char c = static_cast<unsigned char>(s[pos]);
    next.clear();
    for (const auto& [k, st] : cur) {
      if (k == m || (best != npos && st > best)) continue;
      if (elems_[k].star) add(next, k, st, pos + 1);
      else if (elems_[k].has(c)) add(next, k + 1, st, pos + 1);
    }
    cur.swap(next);
    if (cur.empty() && best != npos) break;
  }
  if (best == npos) return false;
  start = best;
  length = best_end - best;
  return true;
}

}  // namespace apsim::driver::shell_detail
