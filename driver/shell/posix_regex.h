// driver/shell/posix_regex.h — a POSIX regular expression compiled by glibc's regcomp(3),
// the engine bash's `[[ =~ ]]` (lib/sh/shmatch.c sh_regmatch: regcomp with REG_EXTENDED) and
// s390-tools' util_scandir use.  glibc's matcher keeps its state on the heap, so a long
// subject cannot exhaust the software thread's stack (issue 15: std::regex recursed once per
// character).  Shared by the shell and the utilities.
#pragma once

#include <regex.h>

#include <string>

namespace apsim::driver {

class PosixRegex {
 public:
  /// Compile `pattern` with regcomp(`cflags`) (REG_EXTENDED, REG_ICASE, REG_NOSUB, ...).
  /// ok() tells whether it compiled; error() is regerror's text when it did not.
  PosixRegex(const std::string& pattern, int cflags);
  ~PosixRegex();
  PosixRegex(const PosixRegex&) = delete;
  PosixRegex& operator=(const PosixRegex&) = delete;

  bool ok() const { return rc_ == 0; }
  const std::string& error() const { return error_; }
  /// Whether the expression matches somewhere in `subject` (regexec; false if !ok()).
  /// The whole string is the subject, NUL bytes included (REG_STARTEND).
  bool search(const std::string& subject) const;

 private:
  regex_t re_{};
  int rc_;
  std::string error_;
};

}  // namespace apsim::driver
