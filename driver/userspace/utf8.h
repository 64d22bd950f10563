// driver/userspace/utf8.h — whether text is valid UTF-8, for the tools that are Rust or JSON
// underneath (mdevctl: clap's String arguments, std::fs::read_to_string, serde_json; virsh's
// JSON for mdevctl).  Internal to driver/userspace.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace apsim::driver {

/// True if `s` is valid UTF-8 in the strict sense Rust's str::from_utf8 and nlohmann::json's
/// dump() both use (no overlong forms, no surrogates, nothing past U+10FFFF): the very check
/// whose exception (json type_error 316) reached the user as an internal error (issue 15).
inline bool valid_utf8(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

}  // namespace apsim::driver
