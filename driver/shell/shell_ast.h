// driver/shell/shell_ast.h — the scenario shell's shared vocabulary, used by every part of it:
// the limits that keep hostile input from crashing or hanging the simulator, the exception
// types that carry control flow out of deep recursion, character classes and integer
// parsing, and the AST the parser builds and the interpreter runs.  A header of its own so
// that the parser, the expander and the interpreter (driver/shell/shell*.cpp) can share it; it is
// internal to the shell (the public interface is driver/shell/shell.h).
#pragma once

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "driver/shell/text.h"

namespace apsim::driver::shell_detail {

// Limits that keep hostile input from crashing (stack) or hanging (loops) the simulator.
constexpr int kMaxParseDepth = 100;          // nesting of $( ( { if for ... in one parse
constexpr int kMaxRunDepth = 48;             // nesting of $( ), ( ), pipelines, ssh at run time
constexpr long kMaxSteps = 200000;           // simple commands + loop iterations per Shell
constexpr std::size_t kMaxWordLen = 1 << 20; // one expanded word / variable value
constexpr long long kMaxPrintfField = 1 << 20; // a printf width or precision (docs/shell.md)
constexpr const char* kHome = "/root";

// ---------------------------------------------------------------- exceptions
struct SyntaxError {
  int line;
  std::string msg;      // text after "SCRIPT: line N: "
  std::string context;  // the offending source line, printed as "`LINE'" (empty: none)
};
struct ExitRequest {  // `exit`, set -e, ${X:?}: leave the current (sub)shell
  int status;
};
struct ExpansionError {  // message already printed; the command fails with `status`
  int status;
};
struct ReturnRequest {  // `return N`: leaves the innermost function
  int status;
};
struct LoopControl {  // `break N` / `continue N`: unwinds to the Nth enclosing loop
  int levels;
  bool is_continue;
};
struct StepLimit {};  // runaway script (loop budget, huge words): stops this Shell's script


inline bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
inline bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_meta(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' ||
         c == ')' || c == '<' || c == '>';
}
inline bool is_ifs(char c) { return c == ' ' || c == '\t' || c == '\n'; }
inline bool is_valid_name(const std::string& s) {
  if (s.empty() || !is_name_start(s[0])) return false;
  return std::all_of(s.begin(), s.end(), is_name_char);
}
// "NAME=..." or "NAME+=..." with an unquoted valid name.
inline bool is_assignment(const std::string& raw, std::size_t* eq = nullptr) {
  std::size_t i = 0;
  if (raw.empty() || !is_name_start(raw[0])) return false;
  while (i < raw.size() && is_name_char(raw[i])) ++i;
  if (i < raw.size() && raw[i] == '=') {
    if (eq) *eq = i;
    return true;
  }
  if (i + 1 < raw.size() && raw[i] == '+' && raw[i + 1] == '=') {
    if (eq) *eq = i;
    return true;
  }
  return false;
}
inline int count_newlines(const std::string& s, std::size_t b = 0, std::size_t e = std::string::npos) {
  e = std::min(e, s.size());
  int n = 0;
  for (std::size_t i = b; i < e; ++i) n += s[i] == '\n';
  return n;
}
// ---------------------------------------------------------------- AST
struct Word {
  std::string raw;  // source text, quotes and `\`-newlines included
  int line = 0;
};
// A here-document's text, filled in by the lexer at the newline that ends the command's
// line (bash reads the bodies there, in the order of the operators).
struct HereDoc {
  std::string delimiter;   // after quote removal
  bool quoted = false;     // any quote in the delimiter word: the body is taken literally
  bool strip_tabs = false; // <<-: leading tabs go from body lines and the delimiter line
  int line = 0;            // line of the operator
  std::string body;
};
struct Redir {
  std::string op;  // > >> >| < <<< << <<- >& <& &> &>>
  int fd = -1;     // explicit fd (IO number) or -1 for the operator's default
  Word target;
  std::shared_ptr<HereDoc> heredoc;  // << and <<- only
};
struct Node {
  enum class Kind { Simple, Pipeline, AndOr, List, For, If, While, Subshell, Group, Case, Function, Cond };
  Kind kind = Kind::Simple;
  int line = 0;
  std::vector<Word> assigns, words;       // Simple
  std::vector<Redir> redirs;              // Simple and compound commands
  std::vector<std::unique_ptr<Node>> kids;
  std::vector<std::string> ops;           // AndOr: "&&"/"||" between kids; List: ";"/"&" after
  bool negate = false;                    // Pipeline: `! pipeline`
  std::vector<bool> stderr_too;           // Pipeline: `|&` after kid i
  bool until = false;                     // While
  bool has_else = false;                  // If: kids = cond, body, [cond, body]..., [else]
  std::string var;                        // For
  std::vector<Word> for_words;
  bool for_has_in = false;
  // Case: words[0] is the subject; item i has the patterns case_patterns[i], the body
  // kids[i] and the terminator case_terms[i] (";;", ";&" or ";;&").
  std::vector<std::vector<Word>> case_patterns;
  std::vector<std::string> case_terms;
  // Function: `var() BODY`; the body is shared with the shell's function table, which
  // outlives the parse.
  std::shared_ptr<Node> fn_body;
  // Cond (`[[ ... ]]`): words are its tokens; cond_ops[i] marks an operator token
  // (&& || ( ) < >), which is never expanded.
  std::vector<bool> cond_ops;
};
using NodeP = std::unique_ptr<Node>;

}  // namespace apsim::driver::shell_detail
