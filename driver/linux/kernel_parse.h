// driver/linux/kernel_parse.h — the kernel's parsers for what user space writes to sysfs.
//
//  * kstrtoul(buf, 0, &v): optional '+', then "0x"/"0X" hex, leading-'0' octal or decimal,
//    one optional trailing '\n'; -EINVAL on anything else, -ERANGE on overflow
//    (lib/kstrtox.c; used by vfio_ap's assign_* attributes, ap-facility-spec.md §4.2).
//  * ap_parse_mask_str(): the apmask/aqmask syntax (§5.2).  A string starting with '+' or
//    '-' is a relative edit (modify_bitmap: comma/newline separated "+N", "-N", "+A-B",
//    numbers as simple_strtoul(.., 0), each < bits); anything else an absolute hex string
//    (hex2bitmap: optional "0x", digits fill the mask from the left, a shorter string is
//    padded with zeros on the right, a longer one is -EINVAL, one trailing '\n' allowed).
//  * uuid_parse(): uuid_is_valid()/guid_parse() (lib/uuid.c): exactly 36 characters,
//    8-4-4-4-12 hex digits separated by '-'.
// The first two return 0 or -errno and leave the output untouched on error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "arch/ap_mask.h"

namespace apsim::driver {

int kstrtoul(const std::string& buf, unsigned long& out);
/// Parse `buf` as apmask/aqmask text into `mask` (which holds the current value, needed for
/// relative edits).  `bits` is the mask width (256).
int ap_parse_mask_str(const std::string& buf, arch::ApMask& mask, unsigned bits = 256);
/// uuid_is_valid + guid_parse: whether `s` is a UUID string (36 characters); if so and `out`
/// is given, `out` receives it in lower case, as the kernel prints it ("%pUl").
bool uuid_parse(const std::string& s, std::string* out = nullptr);
/// sscanf(buf, "%i\n") (base 0) or "%d\n" (base 10), as sysfs stores use it: leading
/// white space, a sign, digits (0x/0 prefixes with base 0); what follows the number is not
/// checked.  nullopt when no number could be read (sscanf returned 0).
std::optional<long long> sscanf_number(const std::string& buf, int base);
/// kstrtobool (lib/kstrtox.c): y/Y/t/T/1 or "on" -> true, n/N/f/F/0 or "off" -> false, by
/// the first one or two characters; -EINVAL otherwise.
int kstrtobool(const std::string& buf, bool& out);
inline bool uuid_parse(const std::string& s, std::string& out) { return uuid_parse(s, &out); }

}  // namespace apsim::driver
