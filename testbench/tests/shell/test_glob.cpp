// testbench/tests/shell/test_glob.cpp — the shell's compiled patterns (driver/shell/glob.h)
// against glibc: match() against fnmatch(3) with flags 0, and prefix/suffix/find against
// the definitions the string operations had before issue 15 (fnmatch on every substring),
// on random patterns and subjects over an alphabet that reaches every branch of fnmatch's
// bracket parser; then the same operations through the shell on values of 1 MiB and
// 256 KiB, which took hours with one fnmatch per substring.
#include <boost/test/unit_test.hpp>

#include <fnmatch.h>

#include <random>
#include <string>

#include "driver/shell/glob.h"
#include "testbench/tests/common/fake_host.h"

using apsim::driver::shell_detail::GlobPattern;
using namespace apsim::test;

namespace {

constexpr std::size_t npos = GlobPattern::npos;

bool fnm(const std::string& p, const std::string& s) { return ::fnmatch(p.c_str(), s.c_str(), 0) == 0; }

// The old definitions: the shortest/longest k with fnmatch(p, s[0,k)) (or s[k,n)).
std::size_t ref_prefix(const std::string& p, const std::string& s, bool longest) {
  for (std::size_t i = 0; i <= s.size(); ++i) {
    const std::size_t len = longest ? s.size() - i : i;
    if (fnm(p, s.substr(0, len))) return len;
  }
  return npos;
}
std::size_t ref_suffix(const std::string& p, const std::string& s, bool longest) {
  for (std::size_t i = 0; i <= s.size(); ++i) {
    const std::size_t start = longest ? i : s.size() - i;
    if (fnm(p, s.substr(start))) return start;
  }
  return npos;
}
// bash's MATCH_ANY (subst.c match_upattern): the first start with a match, the longest there.
bool ref_find(const std::string& p, const std::string& s, std::size_t from, std::size_t& start, std::size_t& len) {
  for (std::size_t b = from; b <= s.size(); ++b)
    for (std::size_t e = s.size() + 1; e-- > b;)
      if (fnm(p, s.substr(b, e - b))) {
        start = b;
        len = e - b;
        return true;
      }
  return false;
}

std::string random_text(std::mt19937& rng, const std::string& alphabet, std::size_t max_len) {
  std::string s(rng() % (max_len + 1), ' ');
  for (char& c : s) c = alphabet[rng() % alphabet.size()];
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(glob)

BOOST_AUTO_TEST_CASE(agrees_with_fnmatch) {
  // Bracket syntax, escapes, stars and the bytes they act on (glob.h says which malformed
  // brackets may differ from glibc: an unknown class name is left out here).
  const std::string pieces[] = {"a", "b", ".", "-", "]", "[", "!", "^", "\\", "*", "?", "[:alpha:]", "[:digit:]",
                                "[=a=]", "[.b.]", "z", "\xc0", ":"};
  const std::string subject_bytes = "ab.-][!^\\z1:\xc0";
  std::mt19937 rng(15);
  int checked = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string p;
    for (std::size_t k = rng() % 7; k > 0; --k) p += pieces[rng() % (sizeof pieces / sizeof pieces[0])];
    const GlobPattern g(p);
    for (int t = 0; t < 6; ++t) {
      const std::string s = random_text(rng, subject_bytes, 5);
      BOOST_TEST_INFO("pattern '" << p << "' subject '" << s << "'");
      BOOST_TEST(g.match(s) == fnm(p, s));
      ++checked;
    }
  }
  BOOST_TEST(checked == 120000);
}

BOOST_AUTO_TEST_CASE(prefix_suffix_find_agree_with_substring_fnmatch) {
  const std::string pieces[] = {"a", "b", "*", "?", "[ab]", "[!a]", "\\*", "c"};
  std::mt19937 rng(1);
  for (int round = 0; round < 3000; ++round) {
    std::string p;
    for (std::size_t k = 1 + rng() % 5; k > 0; --k) p += pieces[rng() % (sizeof pieces / sizeof pieces[0])];
    const GlobPattern g(p);
    const std::string s = random_text(rng, "abc*", 9);
    BOOST_TEST_INFO("pattern '" << p << "' subject '" << s << "'");
    for (bool longest : {false, true}) {
      BOOST_TEST(g.prefix(s, longest) == ref_prefix(p, s, longest));
      BOOST_TEST(g.suffix(s, longest) == ref_suffix(p, s, longest));
    }
    for (std::size_t from = 0; from <= s.size(); ++from) {
      std::size_t b1 = 0, l1 = 0, b2 = 0, l2 = 0;
      const bool f1 = g.find(s, from, b1, l1), f2 = ref_find(p, s, from, b2, l2);
      BOOST_TEST(f1 == f2);
      if (f1 && f2) {
        BOOST_TEST(b1 == b2);
        BOOST_TEST(l1 == l2);
      }
    }
  }
}

// Issue 15: ${X/c/d} on 32 KiB took over a minute (one fnmatch per substring, each a copy),
// ${X%%…} and ${X##…} were quadratic.  Values of 1 MiB and 256 KiB, bash's results.
BOOST_AUTO_TEST_CASE(string_operations_on_long_values) {
  FakeHost h("host");
  auto r = run(h,
               "X=ab; for i in {1..19}; do X=$X$X; done; echo ${#X}\n"  // 1 MiB of "ab"
               "Y=${X/c/d}; echo ${#Y}\n"
               "Y=${X//b/}; echo ${#Y}\n"
               "Y=${X//a?/x}; echo ${#Y} ${Y:0:4}\n"
               "Y=${X%%b*}; echo ${#Y}\n"
               "Y=${X##*a}; echo ${#Y}\n"
               "Y=${X%a*}; echo ${#Y}\n"
               "Y=${X#*b}; echo ${#Y}\n"
               "Z=${X:0:262144}c; Y=${Z/a*c/-}; echo ${#Y} $Y\n"
               "Y=${Z/b*b[!b]/-}; echo ${#Y} ${Y:0:3}\n");
  BOOST_TEST(r.out ==
             "1048576\n"
             "1048576\n"
             "524288\n"
             "524288 xxxx\n"
             "1\n"
             "1\n"
             "1048574\n"
             "1048574\n"
             "1 -\n"
             "2 a-\n");
  BOOST_TEST(r.err == "");
}

BOOST_AUTO_TEST_SUITE_END()
