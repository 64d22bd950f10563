// driver/shell/shell_parser.h — the scenario shell's lexer and parser: reads one complete command
// (a list up to an unquoted newline; compound commands may span lines) into the AST of
// shell_ast.h.  Words are kept raw (quotes included) and expanded only when the command
// runs, as bash does; `$(...)` bodies are parsed at parse time too, so a syntax error inside
// one stops the script before the line runs.  The member functions, with their comments, are
// in shell_parser.cpp.  Internal to the shell.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "driver/shell/shell_ast.h"

namespace apsim::driver::shell_detail {

// ---------------------------------------------------------------- parser
enum class Tok { Word, Newline, Op, Redir, End };
struct Token {
  Tok type = Tok::End;
  std::string text;
  int fd = -1;
  int line = 0;
  std::size_t begin = 0, end = 0;
  std::size_t heredoc_end = 0;  // Newline: offset past the here-document bodies it read (0: none)
};

// A warning the parser found (bash prints it and carries on).
struct ParseWarning {
  int line;
  std::string msg;
};

class Parser {
 public:
  Parser(const std::string& text, int first_line, std::size_t pos = 0)
      : t_(text), pos_(pos), line_(first_line) {}

  NodeP complete_command(std::size_t& begin, std::size_t& end);

  /// Warnings found so far (here-documents ended by the end of the text); the caller
  /// prints and clears them.
  std::vector<ParseWarning>& warnings() { return warnings_; }

  std::size_t cmdsub_end();

 private:
  // ---- lexer ----
  void skip_blanks_and_comments();

  bool starts(const char* s) const { return t_.compare(pos_, std::strlen(s), s) == 0; }

  Token lex();
  Token lex_operator(Token tok);
  void read_heredoc_bodies();
  static std::string remove_quotes(const std::string& raw);
  [[noreturn]] void unterminated(int line, const char* what);

  struct DepthGuard {
    int& d;
    int line;
    DepthGuard(int& depth, int l) : d(depth), line(l) {
      if (++d > kMaxParseDepth) {
        --d;
        throw SyntaxError{line, "syntax error: expression nested too deeply", ""};
      }
    }
    ~DepthGuard() { --d; }
  };

  void read_word();
  void scan_single();
  void scan_double();
  void scan_backtick();
  void scan_dollar();

 public:
  static std::size_t arith_end(const std::string& s, std::size_t p);

 private:
  void parse_cmdsub_body();

  // ---- token stream ----
  const Token& peek();
  Token next();
  void skip_newlines();
  static bool is_word(const Token& t, const char* w) { return t.type == Tok::Word && t.text == w; }
  static bool is_op(const Token& t, const char* o) { return t.type == Tok::Op && t.text == o; }
  static bool is_closer(const Token& t);
  std::string line_text(std::size_t at) const;
  [[noreturn]] void unexpected(const Token& tok);
  void expect_word(const char* w);
  std::string expect_name();

  // ---- grammar ----
  NodeP parse_list(bool multiline, bool allow_empty);
  NodeP parse_and_or();
  NodeP parse_pipeline();
  NodeP parse_command();
  NodeP make(Node::Kind k);
  NodeP parse_simple();
  Redir parse_redir();
  NodeP parse_for();
  NodeP parse_if();
  NodeP parse_while();
  NodeP parse_case();
  NodeP parse_function(bool keyword);
  NodeP parse_cond();
  bool function_def_follows(const Token& name) const;
  [[noreturn]] void unsupported(const Token& t, const std::string& what);

  const std::string& t_;
  std::size_t pos_;
  int line_;
  int depth_ = 0;
  std::optional<Token> peeked_;
  std::vector<std::shared_ptr<HereDoc>> pending_heredocs_;  // operators seen, bodies not yet read
  std::vector<ParseWarning> warnings_;
};

// Defined in shell_parser.cpp: where a "$(" or "${" that starts a word's expansion ends.
std::size_t cmdsub_end(const std::string& s, std::size_t p);
std::size_t brace_end(const std::string& s, std::size_t p);

}  // namespace apsim::driver::shell_detail
