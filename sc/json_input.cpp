// sc/json_input.cpp — see json_input.h.
#include "sc/json_input.h"

namespace apsim::sc {

std::size_t json_too_deep_at(const std::string& text) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;  // a backslash escapes the next character of a string
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kJsonMaxDepth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string::npos;
}

std::string json_brief_text(std::string s) {
  if (s.size() <= kJsonBriefChars) return s;
  std::size_t cut = kJsonBriefChars;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  s.resize(cut);
  return s + "…";
}

}  // namespace apsim::sc
