// testbench/fuzz/fuzz_check.h — what the fuzz targets share: the invariant check that stops
// the run (a failed check is a crash to libFuzzer and a failed test to the corpus driver),
// and the conversion of the fuzzer's bytes to text.  docs/fuzzing.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

/// Stop the process (abort: libFuzzer saves the input as a crasher) when an invariant of the
/// target does not hold, naming the target's source line and what was expected.
#define FUZZ_CHECK(cond, what)                                                                  \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n  (%s)\n", __FILE__, __LINE__,    \
                   (what), #cond);                                                             \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)

namespace apsim::fuzz {

/// The input as a string (bytes as they are: parsers must cope with NUL and non-UTF-8).
inline std::string text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// An exception that escapes a parser's documented error type is an internal error (what
/// apsim reports as "internal error", exit 70): stop with its text.
[[noreturn]] inline void unexpected_exception(const char* where, const char* what) {
  std::fprintf(stderr, "fuzz invariant failed: %s threw an undocumented exception: %s\n", where, what);
  std::abort();
}

}  // namespace apsim::fuzz
