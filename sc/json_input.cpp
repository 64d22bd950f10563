// sc/json_input.cpp — see json_input.h.
#include "sc/json_input.h"

namespace apsim::sc {

namespace {

/// Byte offset of the first bracket that opens level kJsonMaxDepth + 1, or npos.  Brackets
/// inside strings do not count; a backslash escapes the next character of a string.
/// Unbalanced text is left to the parser, which reports it.
std::size_t too_deep_at(const std::string& text) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
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

}  // namespace

nlohmann::json parse_json_input(const std::string& text, const std::string& source) {
  if (const std::size_t at = too_deep_at(text); at != std::string::npos)
    throw JsonInputError(source + ": nested deeper than " + std::to_string(kJsonMaxDepth) + " levels of arrays and objects (byte " +
                         std::to_string(at + 1) + "); apsim reads at most " + std::to_string(kJsonMaxDepth));
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw JsonInputError(source + ": not valid JSON: " + e.what());
  }
}

std::string json_brief(const nlohmann::json& v) {
  std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() <= kJsonBriefChars) return s;
  std::size_t cut = kJsonBriefChars;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  s.resize(cut);
  return s + "…";
}

}  // namespace apsim::sc
