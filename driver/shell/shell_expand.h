// driver/shell/shell_expand.h — the building blocks of word expansion: FieldBuilder, which turns
// the pieces of an expanded word into fields (splitting unquoted expansions on IFS and
// keeping an fnmatch pattern beside the text for pathname expansion), and the text helpers
// the interpreter's expansions and builtins share (glob patterns, echo/printf escapes,
// xtrace quoting).  The helpers are defined, with their
// comments, in shell_expand.cpp.  Internal to the shell.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "driver/shell/shell_ast.h"

namespace apsim::driver::shell_detail {

// ---------------------------------------------------------------- word expansion helpers
// One field being built: its text, and the same text as an fnmatch pattern in which
// quoted glob characters are escaped.
struct Field {
  std::string text, pattern;
  bool glob = false;     // an unquoted * ? [ appeared
  bool started = false;  // something (possibly an empty "") contributed
  bool quoted = false;   // a quoted part contributed (keeps "" as a field)
  bool only_at = false;  // only an empty "$@" contributed: the field goes (bash)
};

class FieldBuilder {
 public:
  explicit FieldBuilder(bool split) : split_(split) {}
  void lit(const std::string& s, bool quoted) {
    for (char c : s) lit(c, quoted);
    if (s.empty() && quoted) mark_quoted();
  }
  void lit(char c, bool quoted) {
    cur_.only_at = false;
    cur_.text += c;
    if (quoted && (c == '*' || c == '?' || c == '[' || c == '\\')) cur_.pattern += '\\';
    cur_.pattern += c;
    if (!quoted && (c == '*' || c == '?' || c == '[')) cur_.glob = true;
    cur_.started = true;
    if (quoted) cur_.quoted = true;
    if (cur_.text.size() > kMaxWordLen) throw std::length_error("word");
  }
  void mark_quoted() {
    cur_.started = true;
    cur_.quoted = true;
  }
  /// "$@": each positional parameter is a field of its own; the first joins the text before
  /// it, the last the text after it; none at all removes a field that has nothing else.
  void positional(const std::vector<std::string>& params) {
    if (params.empty()) {
      if (cur_.text.empty()) cur_.only_at = true;
      return;
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (i > 0) {
        fields_.push_back(std::move(cur_));
        cur_ = Field{};
      }
      lit(params[i], true);
      mark_quoted();
    }
  }
  // The result of an expansion: split on IFS whitespace when unquoted.
  void expansion(const std::string& s, bool quoted) {
    if (quoted || !split_) {
      lit(s, quoted);
      if (quoted) mark_quoted();
      return;
    }
    for (char c : s) {
      if (is_ifs(c)) {
        if (cur_.started) fields_.push_back(std::move(cur_));
        cur_ = Field{};
      } else {
        lit(c, false);
      }
    }
  }
  std::vector<Field> finish() {
    if (cur_.started && !(cur_.only_at && cur_.text.empty()) && (!cur_.text.empty() || cur_.quoted || !split_))
      fields_.push_back(cur_);
    if (!split_ && fields_.empty()) fields_.push_back(Field{});  // "X=" is still one value
    return std::move(fields_);
  }

 private:
  bool split_;
  Field cur_;
  std::vector<Field> fields_;
};

bool has_glob_meta(const std::string& pat);
std::string unescape_pattern(const std::string& pat);
bool interpret_escapes(const std::string& s, std::string& out, bool echo_style);
std::string trace_quote(const std::string& w);
/// Brace expansion of a raw word (bash's first expansion): `a{b,c}d` -> abd acd,
/// `{1..3}`, `{01..10..3}`, `{a..e}`; quoted braces and `${...}` are left alone, a brace
/// without a comma or a sequence is literal.  Words come back raw, in bash's order.
std::vector<std::string> brace_expand(const std::string& raw);

}  // namespace apsim::driver::shell_detail
