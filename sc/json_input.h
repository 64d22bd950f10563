// sc/json_input.h — reading a JSON file that a user wrote (an LPAR config, a sweep spec) so
// that no input can crash the reader or flood its messages.
//
// nlohmann's parser is iterative, but dump() recurses once per level of nesting: a value
// nested 10^5 deep (`{"adapters": [[[[...`) overflowed the stack when an error message
// dumped it (issue 15).  parse_json_input() refuses nesting deeper than kJsonMaxDepth before
// nlohmann sees the text, and json_brief() shows a value in a message cut to a few dozen
// characters.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace apsim::sc {

/// Deepest nesting of arrays and objects an input file may have.  apsim's deepest input is
/// a sweep spec's "fixed" LPAR overrides or an LPAR's "service_time.by_operation.X" object
/// (4 levels); 64 leaves room for any hand-written file and keeps dump()'s recursion a few KiB.
inline constexpr std::size_t kJsonMaxDepth = 64;

/// Longest rendering of a value json_brief() puts into a message, in bytes (before "…").
inline constexpr std::size_t kJsonBriefChars = 80;

/// A file that is not JSON or nests too deep: what() is "SOURCE: not valid JSON: ..." or
/// "SOURCE: nested deeper than 64 levels (byte N); ...".
class JsonInputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Byte offset of the first bracket that opens nesting level kJsonMaxDepth + 1 in `text`, or
/// npos.  Brackets inside strings do not count; unbalanced text is left to the parser.
std::size_t json_too_deep_at(const std::string& text);

/// Parse `text` as JSON (J: nlohmann::json, or nlohmann::ordered_json where the order of an
/// object's members matters, as in a sweep spec's grid); `source` names the file in the error.
/// Throws JsonInputError for a syntax error (nlohmann's message) or for nesting deeper than
/// kJsonMaxDepth (found by a scan of the text before parsing, so nothing deep is ever built).
template <class J = nlohmann::json>
J parse_json_input(const std::string& text, const std::string& source) {
  if (const std::size_t at = json_too_deep_at(text); at != std::string::npos)
    throw JsonInputError(source + ": nested deeper than " + std::to_string(kJsonMaxDepth) + " levels of arrays and objects (byte " +
                         std::to_string(at + 1) + "); apsim reads at most " + std::to_string(kJsonMaxDepth));
  try {
    return J::parse(text);
  } catch (const typename J::parse_error& e) {
    throw JsonInputError(source + ": not valid JSON: " + e.what());
  }
}

/// `dumped` (a value's compact JSON) cut for a message: at most kJsonBriefChars bytes, on a
/// UTF-8 character boundary, then "…".
std::string json_brief_text(std::string dumped);

/// `v` as compact JSON for an error message: at most kJsonBriefChars bytes (cut on a UTF-8
/// character boundary, then "…"); invalid UTF-8 inside strings is shown as U+FFFD instead of
/// throwing (nlohmann's type_error 316).  Never recurses deeper than `v` nests.
template <class J>
std::string json_brief(const J& v) {
  return json_brief_text(v.dump(-1, ' ', false, J::error_handler_t::replace));
}

}  // namespace apsim::sc
