// driver/qemu/qemu_option.cpp — QEMU's option strings (util/qemu-option.c): "first,a=b,c"
// as -name, -cpu and -device take them.
#include "driver/qemu/qemu.h"

namespace apsim::driver {

std::map<std::string, std::string> qemu_opts_parse(const std::string& s, std::string& first) {
  std::map<std::string, std::string> m;
  size_t pos = 0;
  bool head = true;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    const std::string tok = s.substr(pos, comma - pos);
    const size_t eq = tok.find('=');
    if (head && eq == std::string::npos) first = tok;
    else if (eq == std::string::npos) m[tok] = "on";
    else m[tok.substr(0, eq)] = tok.substr(eq + 1);
    head = false;
    pos = comma + 1;
  }
  return m;
}


}  // namespace apsim::driver
