// driver/shell/glob.h — a shell pattern (fnmatch(3) with flags 0: * ? [...] and backslash
// escapes, in the C locale) compiled for the string operations of word expansion:
// ${X#p} ${X##p} ${X%p} ${X%%p} ${X/p/r} ${X//p/r}.  Trying fnmatch on every substring, as
// those operations did, costs O(n^2) calls for ## and %% and O(n^3) bytes for /, so a 32 KiB
// value took minutes (issue 15).  Here the pattern is a chain of one-byte sets and stars,
// run as a non-backtracking automaton over the subject once: each operation costs
// O(subject length x pattern length) at worst and needs no recursion.  Internal to the shell.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace apsim::driver::shell_detail {

class GlobPattern {
 public:
  static constexpr std::size_t npos = std::string::npos;

  /// Compile `pattern` as fnmatch(pattern, ·, 0) reads it (glibc posix/fnmatch_loop.c):
  /// `\c` is c, `?` any byte, `*` any run, `[...]` a bracket expression with `!`/`^`, ranges,
  /// [:class:], [=c=] and [.c.]; an unterminated `[` is a literal '['; a trailing `\`, an
  /// unknown class or a range to the pattern's end match nothing.  Well-formed patterns
  /// match as fnmatch does (testbench/tests/shell/test_glob.cpp compares them on 120,000
  /// cases).  Malformed brackets may differ: fnmatch's skip to the ']' after an item matched
  /// parses [= [: [. differently from its first pass, and an unknown class name fails only
  /// the bytes no earlier item matched; here such a bracket is read once, in the first
  /// pass's way, and an unknown class fails it whole.  bash's own matcher (lib/glob/sm_loop.c)
  /// differs from both there.
  explicit GlobPattern(std::string_view pattern);

  /// fnmatch(pattern, s, 0) == 0.
  bool match(std::string_view s) const;
  /// The length of the shortest (or longest) prefix of `s` the pattern matches, or npos.
  std::size_t prefix(std::string_view s, bool longest) const;
  /// The offset of the shortest (or longest) suffix of `s` the pattern matches, or npos.
  std::size_t suffix(std::string_view s, bool longest) const;
  /// The leftmost match starting at or after `from`, the longest there (bash's MATCH_ANY):
  /// true and its offset and length (0 only for a pattern that matches the empty string).
  bool find(std::string_view s, std::size_t from, std::size_t& start, std::size_t& length) const;

 private:
  /// One element: a star, or a set of bytes that matches exactly one byte (empty: nothing).
  struct Element {
    bool star = false;
    std::uint64_t bits[4] = {0, 0, 0, 0};
    bool has(unsigned char c) const { return bits[c >> 6] >> (c & 63) & 1; }
    void add(unsigned char c) { bits[c >> 6] |= std::uint64_t{1} << (c & 63); }
  };
  /// The longest or shortest match of `elems` anchored at the start of `s` (read backwards
  /// when `reverse`): its length, or npos.
  static std::size_t anchored(const std::vector<Element>& elems, std::string_view s, bool reverse, bool longest);

  std::vector<Element> elems_, reversed_;
};

}  // namespace apsim::driver::shell_detail
