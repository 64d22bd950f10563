// driver/shell/posix_regex.cpp — PosixRegex (posix_regex.h): regcomp, regexec, regerror.
#include "driver/shell/posix_regex.h"

namespace apsim::driver {

PosixRegex::PosixRegex(const std::string& pattern, int cflags) : rc_(regcomp(&re_, pattern.c_str(), cflags)) {
  if (rc_ == 0) return;
  char buf[256];
  regerror(rc_, &re_, buf, sizeof buf);
  error_ = buf;
}

PosixRegex::~PosixRegex() {
  if (rc_ == 0) regfree(&re_);
}

bool PosixRegex::search(const std::string& subject) const {
  if (rc_ != 0) return false;
  regmatch_t m{0, static_cast<regoff_t>(subject.size())};
  return regexec(&re_, subject.c_str(), 1, &m, REG_STARTEND) == 0;
}

}  // namespace apsim::driver
