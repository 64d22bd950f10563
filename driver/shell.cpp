// driver/shell.cpp — the scenario shell (see shell.h for the language subset).
//
// Structure, in the order bash itself works:
//   * Parser: reads one complete command (a list up to an unquoted newline; compound
//     commands may span lines) into a small AST.  Words are kept raw (quotes included)
//     and expanded only when the command runs, as bash does.  `$(...)` bodies are parsed
//     at parse time too, so a syntax error inside one stops the script before the line runs.
//   * Impl: executes the AST: expansions, redirections, pipelines, lists, compound
//     commands, builtins, and everything else via ShellHost::run_command().
// Control flow that must unwind deep recursion (exit, set -e, syntax errors, the step
// budget) is carried by small exception types.
#include "driver/shell.h"

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <regex>
#include <sstream>

namespace apsim::driver {
namespace {

// Limits that keep hostile input from crashing (stack) or hanging (loops) the simulator.
constexpr int kMaxParseDepth = 100;          // nesting of $( ( { if for ... in one parse
constexpr int kMaxRunDepth = 48;             // nesting of $( ), ( ), pipelines, ssh at run time
constexpr long kMaxSteps = 200000;           // simple commands + loop iterations per Shell
constexpr std::size_t kMaxWordLen = 1 << 20; // one expanded word / variable value
constexpr const char* kHome = "/root";

// How deep the running shells (including ssh sub-shells) are nested on this thread.
thread_local int g_run_depth = 0;

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
struct LoopControl {  // `break N` / `continue N`: unwinds to the Nth enclosing loop
  int levels;
  bool is_continue;
};
struct StepLimit {};  // runaway script (loop budget, huge words): stops this Shell's script

std::string strerr(int neg_errno) { return std::strerror(neg_errno < 0 ? -neg_errno : neg_errno); }

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_meta(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' ||
         c == ')' || c == '<' || c == '>';
}
bool is_ifs(char c) { return c == ' ' || c == '\t' || c == '\n'; }
bool is_valid_name(const std::string& s) {
  if (s.empty() || !is_name_start(s[0])) return false;
  return std::all_of(s.begin(), s.end(), is_name_char);
}
// "NAME=..." or "NAME+=..." with an unquoted valid name.
bool is_assignment(const std::string& raw, std::size_t* eq = nullptr) {
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
int count_newlines(const std::string& s, std::size_t b = 0, std::size_t e = std::string::npos) {
  e = std::min(e, s.size());
  int n = 0;
  for (std::size_t i = b; i < e; ++i) n += s[i] == '\n';
  return n;
}
// Strict decimal/hex/octal integer parse (bash's and test's notion), no exceptions.
bool parse_int(const std::string& s, long long& v, int base = 10) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_ifs(s[b])) ++b;
  while (e > b && is_ifs(s[e - 1])) --e;
  if (b == e) return false;
  std::string t = s.substr(b, e - b);
  errno = 0;
  char* end = nullptr;
  v = std::strtoll(t.c_str(), &end, base);
  return errno == 0 && end && *end == '\0';
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
  enum class Kind { Simple, Pipeline, AndOr, List, For, If, While, Subshell, Group };
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
};
using NodeP = std::unique_ptr<Node>;

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

  // The next complete command (a list ended by a newline or the end of the text), or
  // nullptr at the end.  [begin, end) is its source text, for the echoed prompt.
  NodeP complete_command(std::size_t& begin, std::size_t& end) {
    skip_newlines();
    const Token& first = peek();
    if (first.type == Tok::End) return nullptr;
    begin = first.begin;
    NodeP list = parse_list(false, false);
    const Token& tok = peek();
    if (tok.type != Tok::Newline && tok.type != Tok::End) unexpected(tok);
    end = tok.begin;
    // The here-documents read at this newline belong to the command (the terminal shows
    // their lines after the secondary prompt).
    if (tok.heredoc_end > tok.end) end = tok.heredoc_end - (t_[tok.heredoc_end - 1] == '\n' ? 1 : 0);
    next();
    return list;
  }

  /// Warnings found so far (here-documents ended by the end of the text); the caller
  /// prints and clears them.
  std::vector<ParseWarning>& warnings() { return warnings_; }

  // With the parser positioned just after "$(": parse the body up to the matching ")"
  // and return the offset just past it.
  std::size_t cmdsub_end() {
    parse_cmdsub_body();
    return pos_;
  }

 private:
  // ---- lexer ----
  void skip_blanks_and_comments() {
    for (;;) {
      while (pos_ < t_.size()) {
        char c = t_[pos_];
        if (c == ' ' || c == '\t') {
          ++pos_;
        } else if (c == '\\' && pos_ + 1 < t_.size() && t_[pos_ + 1] == '\n') {
          pos_ += 2;  // line continuation between words
          ++line_;
        } else {
          break;
        }
      }
      if (pos_ < t_.size() && t_[pos_] == '#') {  // comment: up to (not including) newline
        while (pos_ < t_.size() && t_[pos_] != '\n') ++pos_;
        continue;
      }
      return;
    }
  }

  bool starts(const char* s) const { return t_.compare(pos_, std::strlen(s), s) == 0; }

  Token lex() {
    skip_blanks_and_comments();
    Token tok;
    tok.line = line_;
    tok.begin = pos_;
    if (pos_ >= t_.size()) {
      read_heredoc_bodies();  // `cat <<EOF` on the last line: empty, with bash's warning
      tok.type = Tok::End;
      tok.end = pos_;
      return tok;
    }
    char c = t_[pos_];
    if (c == '\n') {
      ++pos_;
      ++line_;
      tok.type = Tok::Newline;
      tok.text = "newline";
      tok.end = pos_;
      if (!pending_heredocs_.empty()) {
        read_heredoc_bodies();
        tok.heredoc_end = pos_;
      }
      return tok;
    }
    // An all-digit word directly followed by < or > is an IO number ("2>&1").
    if (is_digit(c)) {
      std::size_t j = pos_;
      while (j < t_.size() && is_digit(t_[j])) ++j;
      if (j < t_.size() && (t_[j] == '<' || t_[j] == '>')) {
        long long fd = 0;
        if (!parse_int(t_.substr(pos_, j - pos_), fd) || fd > 1000000) fd = 1000000;
        pos_ = j;
        tok = lex_operator(tok);
        tok.fd = static_cast<int>(fd);
        return tok;
      }
    }
    if (c == ';' || c == '&' || c == '|' || c == '(' || c == ')' || c == '<' || c == '>')
      return lex_operator(tok);
    tok.type = Tok::Word;
    read_word();
    tok.text = t_.substr(tok.begin, pos_ - tok.begin);
    tok.end = pos_;
    return tok;
  }

  Token lex_operator(Token tok) {
    static const char* redirs[] = {"&>>", "&>", "<<<", "<<-", "<<", "<&", "<>", "<",
                                   ">>",  ">&", ">|",  ">"};
    static const char* ops[] = {"&&", "||", ";;", "|&", ";", "&", "|", "(", ")"};
    for (const char* r : redirs) {
      if (starts(r)) {
        tok.type = Tok::Redir;
        tok.text = r;
        pos_ += std::strlen(r);
        tok.end = pos_;
        return tok;
      }
    }
    for (const char* o : ops) {
      if (starts(o)) {
        tok.type = Tok::Op;
        tok.text = o;
        pos_ += std::strlen(o);
        tok.end = pos_;
        return tok;
      }
    }
    // Not reachable (every '<'/'>' start matches above); consume a character as a word
    // anyway so that the lexer always advances.
    tok.type = Tok::Word;
    read_word();
    if (pos_ == tok.begin) ++pos_;
    tok.text = t_.substr(tok.begin, pos_ - tok.begin);
    tok.end = pos_;
    return tok;
  }

  // The bodies of the here-documents whose operators were on the line just ended, each up
  // to a line that is exactly its delimiter (bash: leading tabs stripped first for <<-).
  // A body cut short by the end of the text keeps what it has; bash warns
  // "here-document at line N delimited by end-of-file (wanted `EOF')".
  void read_heredoc_bodies() {
    for (auto& doc : pending_heredocs_) {
      bool found = false;
      int lines_read = 0;
      while (pos_ < t_.size()) {
        std::size_t e = t_.find('\n', pos_);
        const bool has_nl = e != std::string::npos;
        if (!has_nl) e = t_.size();
        std::string l = t_.substr(pos_, e - pos_);
        pos_ = has_nl ? e + 1 : e;
        ++lines_read;
        if (has_nl) ++line_;
        if (doc->strip_tabs) l.erase(0, std::min(l.find_first_not_of('\t'), l.size()));
        if (l == doc->delimiter) {
          found = true;
          break;
        }
        doc->body += l + "\n";
        if (doc->body.size() > kMaxWordLen) throw SyntaxError{doc->line, "here-document too long for apsim", ""};
      }
      if (!found)
        warnings_.push_back({doc->line + lines_read, "warning: here-document at line " + std::to_string(doc->line) +
                                                         " delimited by end-of-file (wanted `" + doc->delimiter + "')"});
    }
    pending_heredocs_.clear();
  }

  // Quote removal of a here-document delimiter word (no expansion: "$X" stays "$X").
  static std::string remove_quotes(const std::string& raw) {
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      char c = raw[i];
      if (c == '\\' && i + 1 < raw.size()) {
        out += raw[++i];
      } else if (c == '\'') {
        std::size_t close = raw.find('\'', i + 1);
        if (close == std::string::npos) close = raw.size();
        out += raw.substr(i + 1, close - i - 1);
        i = close;
      } else if (c == '"') {
        for (++i; i < raw.size() && raw[i] != '"'; ++i) {
          if (raw[i] == '\\' && i + 1 < raw.size() && std::strchr("$`\"\\", raw[i + 1])) ++i;
          out += raw[i];
        }
      } else {
        out += c;
      }
    }
    return out;
  }

  [[noreturn]] void unterminated(int line, const char* what) {
    throw SyntaxError{line, std::string("unexpected EOF while looking for matching `") + what + "'",
                      ""};
  }

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

  // Advance over one word (stops at an unquoted metacharacter).
  void read_word() {
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      if (is_meta(c)) return;
      if (c == '\\') {
        if (pos_ + 1 < t_.size() && t_[pos_ + 1] == '\n') ++line_;
        pos_ = std::min(pos_ + 2, t_.size());
      } else if (c == '\'') {
        scan_single();
      } else if (c == '"') {
        scan_double();
      } else if (c == '`') {
        scan_backtick();
      } else if (c == '$') {
        scan_dollar();
      } else {
        ++pos_;
      }
    }
  }

  void scan_single() {
    int qline = line_;
    std::size_t close = t_.find('\'', pos_ + 1);
    if (close == std::string::npos) unterminated(qline, "'");
    line_ += count_newlines(t_, pos_, close);
    pos_ = close + 1;
  }

  void scan_double() {
    int qline = line_;
    DepthGuard g(depth_, line_);
    ++pos_;
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      if (c == '"') {
        ++pos_;
        return;
      }
      if (c == '\\') {
        if (pos_ + 1 < t_.size() && t_[pos_ + 1] == '\n') ++line_;
        pos_ = std::min(pos_ + 2, t_.size());
      } else if (c == '$') {
        scan_dollar();
      } else if (c == '`') {
        scan_backtick();
      } else {
        line_ += c == '\n';
        ++pos_;
      }
    }
    unterminated(qline, "\"");
  }

  void scan_backtick() {
    int qline = line_;
    ++pos_;
    while (pos_ < t_.size()) {
      char c = t_[pos_];
      if (c == '`') {
        ++pos_;
        return;
      }
      if (c == '\\' && pos_ + 1 < t_.size()) {
        line_ += t_[pos_ + 1] == '\n';
        pos_ += 2;
      } else {
        line_ += c == '\n';
        ++pos_;
      }
    }
    unterminated(qline, "`");
  }

  void scan_dollar() {
    DepthGuard g(depth_, line_);
    if (starts("$((")) {
      pos_ += 3;
      std::size_t end = arith_end(t_, pos_);
      if (end == std::string::npos) {
        line_ += count_newlines(t_, pos_);
        pos_ = t_.size();
        unterminated(line_, ")");
      }
      line_ += count_newlines(t_, pos_, end);
      pos_ = end;
    } else if (starts("$(")) {
      pos_ += 2;
      parse_cmdsub_body();
    } else if (starts("${")) {
      int bline = line_;
      pos_ += 2;
      while (pos_ < t_.size()) {
        char c = t_[pos_];
        if (c == '}') {
          ++pos_;
          return;
        }
        if (c == '\\') {
          line_ += pos_ + 1 < t_.size() && t_[pos_ + 1] == '\n';
          pos_ = std::min(pos_ + 2, t_.size());
        } else if (c == '\'') {
          scan_single();
        } else if (c == '"') {
          scan_double();
        } else if (c == '`') {
          scan_backtick();
        } else if (c == '$') {
          scan_dollar();
        } else {
          line_ += c == '\n';
          ++pos_;
        }
      }
      unterminated(bline, "}");
    } else {
      ++pos_;  // a lone '$'; a following name is ordinary word text
    }
  }

 public:
  // Offset just past the "))" closing an arithmetic expansion whose body starts at `p`,
  // or npos.  Parentheses nest; quotes are not special (bash arithmetic has none).
  static std::size_t arith_end(const std::string& s, std::size_t p) {
    int depth = 0;
    for (std::size_t i = p; i < s.size(); ++i) {
      if (s[i] == '(') {
        ++depth;
      } else if (s[i] == ')') {
        if (depth == 0) {
          if (i + 1 < s.size() && s[i + 1] == ')') return i + 2;
        } else {
          --depth;
        }
      }
    }
    return std::string::npos;
  }

 private:
  void parse_cmdsub_body() {
    // The lookahead is empty here (we are inside lex()); keep it so for our caller.
    std::optional<Token> saved = std::move(peeked_);
    peeked_.reset();
    parse_list(true, true);
    const Token& tok = peek();
    if (tok.type == Tok::End) {
      throw SyntaxError{tok.line, "unexpected EOF while looking for matching `)'", ""};
    }
    if (!(tok.type == Tok::Op && tok.text == ")")) unexpected(tok);
    peeked_.reset();  // consume ")": pos_ is already past it
    peeked_ = std::move(saved);
  }

  // ---- token stream ----
  const Token& peek() {
    if (!peeked_) {
      Token t = lex();
      peeked_ = std::move(t);
    }
    return *peeked_;
  }
  Token next() {
    peek();
    Token t = std::move(*peeked_);
    peeked_.reset();
    return t;
  }
  void skip_newlines() {
    while (peek().type == Tok::Newline) next();
  }
  static bool is_word(const Token& t, const char* w) { return t.type == Tok::Word && t.text == w; }
  static bool is_op(const Token& t, const char* o) { return t.type == Tok::Op && t.text == o; }
  static bool is_closer(const Token& t) {
    static const char* closers[] = {"then", "else", "elif", "fi", "do", "done", "}"};
    for (const char* c : closers)
      if (is_word(t, c)) return true;
    return false;
  }

  // The physical source line containing offset `at` (bash quotes it after the error).
  std::string line_text(std::size_t at) const {
    at = std::min(at, t_.size());
    std::size_t b = at, e = at;
    while (b > 0 && t_[b - 1] != '\n') --b;
    while (e < t_.size() && t_[e] != '\n') ++e;
    return t_.substr(b, e - b);
  }

  [[noreturn]] void unexpected(const Token& tok) {
    if (tok.type == Tok::End) throw SyntaxError{tok.line, "syntax error: unexpected end of file", ""};
    throw SyntaxError{tok.line, "syntax error near unexpected token `" + tok.text + "'",
                      line_text(tok.begin)};
  }
  void expect_word(const char* w) {
    const Token& t = peek();
    if (!is_word(t, w)) unexpected(t);
    next();
  }

  // ---- grammar ----
  // list: and_or ((';' | '&' | newline) and_or)*.  A one-line (top-level) list ends at a
  // newline; a multi-line list (compound bodies) ends at a closing word or ")".
  NodeP parse_list(bool multiline, bool allow_empty) {
    auto list = std::make_unique<Node>();
    list->kind = Node::Kind::List;
    list->line = peek().line;
    if (multiline) skip_newlines();
    for (;;) {
      const Token& t = peek();
      if (t.type == Tok::End || is_op(t, ")") || is_closer(t) || t.type == Tok::Newline) break;
      list->kids.push_back(parse_and_or());
      const Token& sep = peek();
      if (is_op(sep, ";") || is_op(sep, "&")) {
        list->ops.push_back(sep.text);
        next();
        if (multiline) skip_newlines();
        continue;
      }
      list->ops.push_back(";");
      if (sep.type == Tok::Newline && multiline) {
        skip_newlines();
        continue;
      }
      break;
    }
    if (list->kids.empty() && !allow_empty) unexpected(peek());
    return list;
  }

  NodeP parse_and_or() {
    auto node = std::make_unique<Node>();
    node->kind = Node::Kind::AndOr;
    node->line = peek().line;
    node->kids.push_back(parse_pipeline());
    while (is_op(peek(), "&&") || is_op(peek(), "||")) {
      node->ops.push_back(next().text);
      skip_newlines();
      node->kids.push_back(parse_pipeline());
    }
    return node;
  }

  NodeP parse_pipeline() {
    auto node = std::make_unique<Node>();
    node->kind = Node::Kind::Pipeline;
    node->line = peek().line;
    if (is_word(peek(), "!")) {
      next();
      node->negate = true;
    }
    node->kids.push_back(parse_command());
    while (is_op(peek(), "|") || is_op(peek(), "|&")) {
      node->stderr_too.push_back(next().text == "|&");
      skip_newlines();
      node->kids.push_back(parse_command());
    }
    node->stderr_too.push_back(false);
    return node;
  }

  NodeP parse_command() {
    DepthGuard g(depth_, peek().line);
    const Token& t = peek();
    NodeP node;
    if (t.type == Tok::Word) {
      if (t.text == "for") {
        node = parse_for();
      } else if (t.text == "if") {
        node = parse_if();
      } else if (t.text == "while" || t.text == "until") {
        node = parse_while();
      } else if (t.text == "{") {
        node = make(Node::Kind::Group);
        next();
        node->kids.push_back(parse_list(true, false));
        expect_word("}");
      } else if (t.text == "case" || t.text == "select" || t.text == "function" ||
                 t.text == "[[" || t.text == "((") {
        throw SyntaxError{t.line, "syntax error: `" + t.text + "' is not supported by apsim",
                          line_text(t.begin)};
      } else if (is_closer(t)) {
        unexpected(t);
      } else {
        return parse_simple();
      }
    } else if (is_op(t, "(")) {
      node = make(Node::Kind::Subshell);
      next();
      node->kids.push_back(parse_list(true, false));
      if (!is_op(peek(), ")")) unexpected(peek());
      next();
    } else if (t.type == Tok::Redir) {
      return parse_simple();
    } else {
      unexpected(t);
    }
    while (peek().type == Tok::Redir) node->redirs.push_back(parse_redir());
    return node;
  }

  NodeP make(Node::Kind k) {
    auto n = std::make_unique<Node>();
    n->kind = k;
    n->line = peek().line;
    return n;
  }

  NodeP parse_simple() {
    auto node = make(Node::Kind::Simple);
    for (;;) {
      const Token& t = peek();
      if (t.type == Tok::Redir) {
        node->redirs.push_back(parse_redir());
      } else if (t.type == Tok::Word) {
        Word w{t.text, t.line};
        if (node->words.empty() && is_assignment(t.text))
          node->assigns.push_back(std::move(w));
        else
          node->words.push_back(std::move(w));
        next();
      } else {
        break;
      }
    }
    return node;
  }

  Redir parse_redir() {
    Token op = next();
    const Token& target = peek();
    if (target.type != Tok::Word) unexpected(target);
    Redir r{op.text, op.fd, Word{target.text, target.line}, nullptr};
    if (op.text == "<<" || op.text == "<<-") {
      // Registered before the next token is lexed: the newline ending this line reads it.
      r.heredoc = std::make_shared<HereDoc>();
      r.heredoc->delimiter = remove_quotes(target.text);
      r.heredoc->quoted = target.text.find_first_of("'\"\\") != std::string::npos;
      r.heredoc->strip_tabs = op.text == "<<-";
      r.heredoc->line = op.line;
      pending_heredocs_.push_back(r.heredoc);
    }
    next();
    return r;
  }

  NodeP parse_for() {
    auto node = make(Node::Kind::For);
    next();  // "for"
    const Token& name = peek();
    if (name.type != Tok::Word) unexpected(name);
    if (!is_valid_name(name.text))
      throw SyntaxError{name.line, "`" + name.text + "': not a valid identifier", ""};
    node->var = name.text;
    next();
    skip_newlines();
    if (is_word(peek(), "in")) {
      next();
      node->for_has_in = true;
      while (peek().type == Tok::Word) {
        node->for_words.push_back(Word{peek().text, peek().line});
        next();
      }
      if (is_op(peek(), ";") || peek().type == Tok::Newline)
        next();
      else
        unexpected(peek());
    } else if (is_op(peek(), ";")) {
      next();
    }
    skip_newlines();
    expect_word("do");
    node->kids.push_back(parse_list(true, false));
    expect_word("done");
    return node;
  }

  NodeP parse_if() {
    auto node = make(Node::Kind::If);
    next();  // "if"
    node->kids.push_back(parse_list(true, false));
    expect_word("then");
    node->kids.push_back(parse_list(true, false));
    for (;;) {
      if (is_word(peek(), "elif")) {
        next();
        node->kids.push_back(parse_list(true, false));
        expect_word("then");
        node->kids.push_back(parse_list(true, false));
      } else if (is_word(peek(), "else")) {
        next();
        node->kids.push_back(parse_list(true, false));
        node->has_else = true;
        expect_word("fi");
        return node;
      } else {
        expect_word("fi");
        return node;
      }
    }
  }

  NodeP parse_while() {
    auto node = make(Node::Kind::While);
    node->until = next().text == "until";
    node->kids.push_back(parse_list(true, false));
    expect_word("do");
    node->kids.push_back(parse_list(true, false));
    expect_word("done");
    return node;
  }

  const std::string& t_;
  std::size_t pos_;
  int line_;
  int depth_ = 0;
  std::optional<Token> peeked_;
  std::vector<std::shared_ptr<HereDoc>> pending_heredocs_;  // operators seen, bodies not yet read
  std::vector<ParseWarning> warnings_;
};

// Offset just past the ")" matching a "$(" whose body starts at `p` in an already
// validated word, or npos.
std::size_t cmdsub_end(const std::string& s, std::size_t p) {
  try {
    Parser sub(s, 1, p);
    return sub.cmdsub_end();
  } catch (const SyntaxError&) {
    return std::string::npos;
  }
}

// Offset of the "}" closing a "${" whose body starts at `p`, or npos.
std::size_t brace_end(const std::string& s, std::size_t p) {
  for (std::size_t i = p; i < s.size(); ++i) {
    char c = s[i];
    if (c == '}') return i;
    if (c == '\\') {
      ++i;
    } else if (c == '\'') {
      std::size_t q = s.find('\'', i + 1);
      if (q == std::string::npos) return q;
      i = q;
    } else if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\') {
          ++i;
        } else if (s[i] == '$' && i + 1 < s.size() && (s[i + 1] == '(' || s[i + 1] == '{')) {
          std::size_t e = s[i + 1] == '(' ? cmdsub_end(s, i + 2) : brace_end(s, i + 2);
          if (e == std::string::npos) return e;
          i = s[i + 1] == '(' ? e - 1 : e;
        }
      }
    } else if (c == '$' && i + 1 < s.size() && s[i + 1] == '(') {
      std::size_t e = s.compare(i, 3, "$((") == 0 ? Parser::arith_end(s, i + 3) : cmdsub_end(s, i + 2);
      if (e == std::string::npos) return e;
      i = e - 1;
    } else if (c == '$' && i + 1 < s.size() && s[i + 1] == '{') {
      std::size_t e = brace_end(s, i + 2);
      if (e == std::string::npos) return e;
      i = e;
    } else if (c == '`') {
      std::size_t j = i + 1;
      while (j < s.size() && s[j] != '`') j += s[j] == '\\' ? 2 : 1;
      if (j >= s.size()) return std::string::npos;
      i = j;
    }
  }
  return std::string::npos;
}

// ---------------------------------------------------------------- word expansion helpers
// One field being built: its text, and the same text as an fnmatch pattern in which
// quoted glob characters are escaped.
struct Field {
  std::string text, pattern;
  bool glob = false;     // an unquoted * ? [ appeared
  bool started = false;  // something (possibly an empty "") contributed
  bool quoted = false;   // a quoted part contributed (keeps "" as a field)
};

class FieldBuilder {
 public:
  explicit FieldBuilder(bool split) : split_(split) {}
  void lit(const std::string& s, bool quoted) {
    for (char c : s) lit(c, quoted);
    if (s.empty() && quoted) mark_quoted();
  }
  void lit(char c, bool quoted) {
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
    if (cur_.started && (!cur_.text.empty() || cur_.quoted || !split_)) fields_.push_back(cur_);
    if (!split_ && fields_.empty()) fields_.push_back(Field{});  // "X=" is still one value
    return std::move(fields_);
  }

 private:
  bool split_;
  Field cur_;
  std::vector<Field> fields_;
};

bool has_glob_meta(const std::string& pat) {
  for (std::size_t i = 0; i < pat.size(); ++i) {
    if (pat[i] == '\\') {
      ++i;
    } else if (pat[i] == '*' || pat[i] == '?' || pat[i] == '[') {
      return true;
    }
  }
  return false;
}
std::string unescape_pattern(const std::string& pat) {
  std::string out;
  for (std::size_t i = 0; i < pat.size(); ++i) {
    if (pat[i] == '\\' && i + 1 < pat.size()) ++i;
    out += pat[i];
  }
  return out;
}

// printf/echo -e style escapes.  Returns false if "\c" asked to stop all output.
bool interpret_escapes(const std::string& s, std::string& out, bool echo_style) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'c': return false;
      case 'e': case 'E': out += '\x1b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case 'x': {
        int v = 0, n = 0;
        while (n < 2 && i + 1 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1]))) {
          char h = s[++i];
          v = v * 16 + (is_digit(h) ? h - '0' : (std::tolower(h) - 'a' + 10));
          ++n;
        }
        if (n == 0) out += "\\x";
        else out += static_cast<char>(v);
        break;
      }
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        // echo: \0nnn (up to 3 digits after the 0); printf: \nnn.
        int v = 0, n = 0;
        if (echo_style && c != '0') {
          out += '\\';
          out += c;
          break;
        }
        if (!echo_style) v = c - '0', n = 1;
        while (n < 3 && i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '7') {
          v = v * 8 + (s[++i] - '0');
          ++n;
        }
        out += static_cast<char>(v & 0xff);
        break;
      }
      default:
        out += '\\';
        out += c;
    }
  }
  return true;
}

// xtrace quoting: leave plain words alone, single-quote the rest.
std::string trace_quote(const std::string& w) {
  bool plain = !w.empty();
  for (char c : w)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_./:=,@%+-", c))) plain = false;
  if (plain) return w;
  std::string out = "'";
  for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::size_t b = 0;
  while (b < s.size()) {
    std::size_t e = s.find('\n', b);
    if (e == std::string::npos) {
      lines.push_back(s.substr(b));
      break;
    }
    lines.push_back(s.substr(b, e - b));
    b = e + 1;
  }
  return lines;
}

// A GNU BRE or ERE turned into std::regex ECMAScript syntax (which has \b, back
// references and POSIX classes; std::regex's own "basic" lacks GNU's \+ \? \|).
std::string posix_to_ecma(const std::string& re, bool extended) {
  std::string out;
  bool at_start = true;  // a '*' here is literal in a BRE
  for (std::size_t i = 0; i < re.size(); ++i) {
    char c = re[i];
    bool was_start = at_start;
    at_start = false;
    if (c == '[') {  // bracket expression: copy to its end; escape backslashes
      std::size_t j = i + 1;
      std::string body = "[";
      if (j < re.size() && re[j] == '^') body += re[j++];
      if (j < re.size() && re[j] == ']') body += "\\]", ++j;
      for (; j < re.size() && re[j] != ']'; ++j) {
        if (re[j] == '[' && j + 1 < re.size() && (re[j + 1] == ':' || re[j + 1] == '.' || re[j + 1] == '=')) {
          std::size_t close = re.find(std::string(1, re[j + 1]) + "]", j + 2);
          if (close != std::string::npos) {
            body += re.substr(j, close + 2 - j);
            j = close + 1;
            continue;
          }
        }
        if (re[j] == '\\') body += "\\\\";
        else body += re[j];
      }
      if (j >= re.size()) throw std::runtime_error("Unmatched [, [^, [:, [., or [=");
      out += body + "]";
      i = j;
      continue;
    }
    if (c == '\\' && i + 1 >= re.size()) throw std::runtime_error("Trailing backslash");
    if (c == '\\') {
      char d = re[++i];
      if (d == '<' || d == '>') {
        out += "\\b";
      } else if (!extended && std::strchr("(){}|+?", d)) {
        out += d;  // GNU BRE: \( \) \{ \} \| \+ \? are the operators
        at_start = d == '(' || d == '|';
      } else if (is_digit(d) || std::strchr("bBwWsS", d)) {
        out += '\\';
        out += d;
      } else {
        out += '\\';
        out += d;
      }
      continue;
    }
    if (!extended && std::strchr("(){}|+?", c)) {  // literal in a BRE
      out += '\\';
      out += c;
      continue;
    }
    if (c == '*' && (was_start || (!out.empty() && out.back() == '(' && extended))) {
      out += "\\*";
      continue;
    }
    if (c == '^' && !extended && !was_start) {  // '^' is an anchor only at the start of a BRE
      out += "\\^";
      continue;
    }
    if (c == '^') at_start = true;
    if (extended && (c == '(' || c == '|')) at_start = true;
    out += c;
  }
  return out;
}

// ---------------------------------------------------------------- arithmetic $(( ))
class Arith {
 public:
  Arith(const std::string& expr, std::map<std::string, std::string>& vars) : s_(expr), vars_(vars) {}
  // Returns false with `err` (bash's message after "EXPR: ") on failure.
  bool eval(long long& v, std::string& err) {
    try {
      skip();
      if (pos_ >= s_.size()) {
        v = 0;
        return true;
      }
      v = assign();
      skip();
      if (pos_ < s_.size()) fail("syntax error in expression");
      return true;
    } catch (const std::runtime_error& e) {
      err = e.what();
      return false;
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    // bash names the last token it read, with the rest of the expression.
    throw std::runtime_error(what + " (error token is \"" + s_.substr(std::min(last_tok_, s_.size())) + "\")");
  }
  void skip() {
    while (pos_ < s_.size() && is_ifs(s_[pos_])) ++pos_;
  }
  bool eat(const char* op) {
    skip();
    std::size_t n = std::strlen(op);
    if (s_.compare(pos_, n, op) != 0) return false;
    // Do not split longer operators: "<" must not eat the "<" of "<<" or "<=".
    if (n == 1 && pos_ + 1 < s_.size()) {
      char a = s_[pos_], b = s_[pos_ + 1];
      if ((a == '<' || a == '>') && (b == a || b == '=')) return false;
      if ((a == '&' || a == '|') && b == a) return false;
      if ((a == '=' || a == '!') && b == '=') return false;
      if (a == '*' && b == '*') return false;
      if (std::strchr("+-*/%&|^", a) && b == '=') return false;
    }
    if (n == 2 && pos_ + 2 < s_.size() && s_[pos_ + 2] == '=' &&
        (std::strcmp(op, "<<") == 0 || std::strcmp(op, ">>") == 0))
      return false;
    last_tok_ = pos_;
    pos_ += n;
    return true;
  }
  struct Depth {
    int& d;
    explicit Depth(int& x) : d(x) {
      if (++d > 200) throw std::runtime_error("expression recursion level exceeded");
    }
    ~Depth() { --d; }
  };
  long long var_value(const std::string& name) {
    auto it = vars_.find(name);
    if (it == vars_.end() || it->second.empty()) return 0;
    long long v = 0;
    if (parse_int(it->second, v, 0)) return v;
    Depth d(depth_);
    Arith sub(it->second, vars_);
    sub.depth_ = depth_;
    std::string err;
    if (!sub.eval(v, err)) throw std::runtime_error(err);
    return v;
  }
  long long assign() {
    Depth d(depth_);
    skip();
    std::size_t save = pos_;
    if (pos_ < s_.size() && is_name_start(s_[pos_])) {
      std::size_t b = pos_;
      while (pos_ < s_.size() && is_name_char(s_[pos_])) ++pos_;
      std::string name = s_.substr(b, pos_ - b);
      skip();
      static const char* ops[] = {"<<=", ">>=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "="};
      for (const char* op : ops) {
        if (s_.compare(pos_, std::strlen(op), op) == 0 && !(std::strcmp(op, "=") == 0 && s_.compare(pos_, 2, "==") == 0)) {
          pos_ += std::strlen(op);
          long long rhs = assign();
          long long cur = std::strcmp(op, "=") == 0 ? 0 : var_value(name);
          long long v = binop(std::string(op, std::strlen(op) - 1), cur, rhs);
          if (std::strcmp(op, "=") == 0) v = rhs;
          vars_[name] = std::to_string(v);
          return v;
        }
      }
    }
    pos_ = save;
    return ternary();
  }
  long long binop(const std::string& op, long long a, long long b) {
    auto ua = static_cast<unsigned long long>(a), ub = static_cast<unsigned long long>(b);
    if (op == "+") return static_cast<long long>(ua + ub);
    if (op == "-") return static_cast<long long>(ua - ub);
    if (op == "*") return static_cast<long long>(ua * ub);
    if (op == "/" || op == "%") {
      if (b == 0) fail("division by 0");
      if (a == LLONG_MIN && b == -1) return op == "/" ? a : 0;
      return op == "/" ? a / b : a % b;
    }
    if (op == "<<") return static_cast<long long>(ua << (ub & 63));
    if (op == ">>") return a >> (ub & 63);
    if (op == "&") return a & b;
    if (op == "|") return a | b;
    if (op == "^") return a ^ b;
    return b;
  }
  long long ternary() {
    long long c = lor();
    if (eat("?")) {
      long long a = assign();
      if (!eat(":")) fail("`:' expected for conditional expression");
      long long b = assign();
      return c ? a : b;
    }
    return c;
  }
  long long lor() {
    long long v = land();
    while (eat("||")) v = (land() != 0) || v ? 1 : 0;
    return v;
  }
  long long land() {
    long long v = bor();
    while (eat("&&")) {
      long long r = bor();
      v = (v && r) ? 1 : 0;
    }
    return v;
  }
  long long bor() {
    long long v = bxor();
    while (eat("|")) v |= bxor();
    return v;
  }
  long long bxor() {
    long long v = band();
    while (eat("^")) v ^= band();
    return v;
  }
  long long band() {
    long long v = equality();
    while (eat("&")) v &= equality();
    return v;
  }
  long long equality() {
    long long v = relational();
    for (;;) {
      if (eat("==")) v = v == relational();
      else if (eat("!=")) v = v != relational();
      else return v;
    }
  }
  long long relational() {
    long long v = shift();
    for (;;) {
      if (eat("<=")) v = v <= shift();
      else if (eat(">=")) v = v >= shift();
      else if (eat("<")) v = v < shift();
      else if (eat(">")) v = v > shift();
      else return v;
    }
  }
  long long shift() {
    long long v = additive();
    for (;;) {
      if (eat("<<")) v = binop("<<", v, additive());
      else if (eat(">>")) v = binop(">>", v, additive());
      else return v;
    }
  }
  long long additive() {
    long long v = multiplicative();
    for (;;) {
      if (eat("+")) v = binop("+", v, multiplicative());
      else if (eat("-")) v = binop("-", v, multiplicative());
      else return v;
    }
  }
  long long multiplicative() {
    long long v = power();
    for (;;) {
      if (eat("*")) v = binop("*", v, power());
      else if (eat("/")) v = binop("/", v, power());
      else if (eat("%")) v = binop("%", v, power());
      else return v;
    }
  }
  long long power() {
    long long base = unary();
    if (eat("**")) {
      long long e = power();
      if (e < 0) fail("exponent less than 0");
      unsigned long long r = 1, b = static_cast<unsigned long long>(base);
      for (auto x = static_cast<unsigned long long>(e); x; x >>= 1, b *= b)
        if (x & 1) r *= b;
      return static_cast<long long>(r);
    }
    return base;
  }
  long long unary() {
    Depth d(depth_);
    if (eat("!")) return !unary();
    if (eat("~")) return ~unary();
    if (eat("-")) return static_cast<long long>(0ULL - static_cast<unsigned long long>(unary()));
    if (eat("+")) return unary();
    return primary();
  }
  long long primary() {
    skip();
    if (pos_ >= s_.size()) fail("syntax error: operand expected");
    char c = s_[pos_];
    last_tok_ = pos_;
    if (c == '(') {
      std::size_t open = pos_++;
      long long v = assign();
      if (!eat(")")) fail("missing `)'");
      last_tok_ = open;  // a parenthesised operand counts as one token
      return v;
    }
    if (is_digit(c)) {
      std::size_t b = pos_;
      while (pos_ < s_.size() && (is_name_char(s_[pos_]) || s_[pos_] == '#')) ++pos_;
      std::string num = s_.substr(b, pos_ - b);
      long long v = 0;
      if (!parse_int(num, v, 0)) {
        pos_ = b;
        fail("value too great for base");
      }
      return v;
    }
    if (is_name_start(c)) {
      std::size_t b = pos_;
      while (pos_ < s_.size() && is_name_char(s_[pos_])) ++pos_;
      return var_value(s_.substr(b, pos_ - b));
    }
    fail("syntax error: operand expected");
  }

  const std::string& s_;
  std::map<std::string, std::string>& vars_;
  std::size_t pos_ = 0;
  std::size_t last_tok_ = 0;
  int depth_ = 0;
};

}  // namespace

// ================================================================ the interpreter
struct Shell::Impl {
  // Where a command's standard streams go.  `in` is consumed as the command reads it, so
  // `... | while read X; do ...; done` sees successive lines.
  struct Io {
    std::ostream* out;
    std::ostream* err;
    std::istream* in;  // nullptr: no input (reads see end of file)
  };
  // Output redirected to a sysfs file: collected, then written with one write(2).
  struct OpenFile {
    std::string abs_path;
    bool append = false;  // `>>`: only meaningful for regular files (sysfs has no offsets)
    std::unique_ptr<std::ostringstream> buf;
  };
  struct RedirState {
    std::vector<OpenFile> files;
    std::vector<std::unique_ptr<std::istringstream>> inputs;
  };
  // Shell state a subshell must not leak back ($(...), (...), pipeline stages).
  struct Saved {
    std::map<std::string, std::string> vars;
    std::string cwd, oldpwd;
    bool errexit, pipefail, xtrace, nounset;
  };
  struct SubshellGuard {
    Impl& im;
    Saved saved;
    explicit SubshellGuard(Impl& i) : im(i), saved(i.save()) {
      if (++g_run_depth > kMaxRunDepth) {
        --g_run_depth;
        throw std::length_error("nesting");
      }
    }
    ~SubshellGuard() {
      --g_run_depth;
      im.restore(std::move(saved));
    }
  };

  Shell& sh;
  std::ostream null_out{nullptr};  // /dev/null: a stream without a buffer discards
  int errexit_suppressed = 0;      // >0 inside if/while conditions, && || lists, `!`
  int cmdsub_status = -1;          // status of the last $(...) of the current command
  int loop_depth = 0;              // enclosing for/while/until loops (for break/continue)

  explicit Impl(Shell& s) : sh(s) {}

  Saved save() const {
    return Saved{sh.vars_, sh.cwd_, sh.oldpwd_, sh.errexit_, sh.pipefail_, sh.xtrace_, sh.nounset_};
  }
  void restore(Saved&& s) {
    sh.vars_ = std::move(s.vars);
    sh.cwd_ = std::move(s.cwd);
    sh.oldpwd_ = std::move(s.oldpwd);
    sh.errexit_ = s.errexit;
    sh.pipefail_ = s.pipefail;
    sh.xtrace_ = s.xtrace;
    sh.nounset_ = s.nounset;
  }

  Sysfs& fs() { return sh.host_.sysfs(); }
  // "SCRIPT: line N: " — bash's prefix for its own diagnostics in a script.
  std::string where(int line) const { return sh.opts_.script_name + ": line " + std::to_string(line) + ": "; }
  void diag(const Io& io, int line, const std::string& text) { *io.err << where(line) << text << "\n"; }

  void step(const Io& io, int line) {
    if (++sh.steps_ > kMaxSteps) {
      diag(io, line, "apsim: step limit (" + std::to_string(kMaxSteps) + " commands) exceeded, script stopped");
      throw StepLimit{};
    }
  }

  // ---------------------------------------------------------------- top level
  int run_top(const std::string& text) {
    Io io{&sh.out_, &sh.err_, nullptr};
    sh.steps_ = 0;
    if (++g_run_depth > kMaxRunDepth) {
      --g_run_depth;
      diag(io, 1, "apsim: shells nested too deeply");
      return sh.last_status_ = 1;
    }
    struct Depth {
      ~Depth() { --g_run_depth; }
    } depth;
    try {
      sh.last_status_ = run_text(text, 1, io, sh.opts_.echo_commands);
    } catch (const ExitRequest& e) {
      sh.last_status_ = e.status;
    } catch (const StepLimit&) {
      sh.last_status_ = 1;
    } catch (const std::length_error&) {  // subshells nested beyond kMaxRunDepth
      diag(io, 1, "apsim: subshells nested too deeply, script stopped");
      sh.last_status_ = 1;
    }
    return sh.last_status_;
  }

  // Parse and run `text` one complete command at a time (bash runs line 1 before it
  // parses line 2).  A syntax error prints bash's message and stops with status 2.
  int run_text(const std::string& text, int first_line, const Io& io, bool echo) {
    Parser parser(text, first_line);
    for (;;) {
      NodeP cmd;
      std::size_t b = 0, e = 0;
      try {
        cmd = parser.complete_command(b, e);
      } catch (const SyntaxError& err) {
        diag(io, err.line, err.msg);
        if (!err.context.empty()) diag(io, err.line, "`" + err.context + "'");
        return sh.last_status_ = 2;
      }
      if (cmd && echo) echo_command(text.substr(b, e - b));
      for (const auto& w : parser.warnings()) diag(io, w.line, w.msg);
      parser.warnings().clear();
      if (!cmd) return sh.last_status_;
      exec_list(*cmd, io);
    }
  }

  // bash's \W of the RHEL/Fedora prompt "[\u@\h \W]\$ ": "~" at $HOME, else the last
  // component of the working directory ("/" at the root).
  std::string prompt_dir() const {
    auto home = sh.vars_.find("HOME");
    const std::string& h = home != sh.vars_.end() ? home->second : std::string(kHome);
    if (sh.cwd_ == h) return "~";
    if (sh.cwd_ == "/") return "/";
    return sh.cwd_.substr(sh.cwd_.find_last_of('/') + 1);
  }

  // "[root@HOST DIR]# LINE", with `\`-newline joined and later lines of a multi-line
  // command shown after the secondary prompt "> ", as a terminal shows them.
  void echo_command(std::string src) {
    std::string joined;
    for (std::size_t i = 0; i < src.size(); ++i) {
      if (src[i] == '\\' && i + 1 < src.size() && src[i + 1] == '\n') {
        ++i;
        continue;
      }
      joined += src[i];
    }
    auto lines = split_lines(joined);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::string l = lines[i];
      while (!l.empty() && (l.back() == ' ' || l.back() == '\t' || l.back() == '\r')) l.pop_back();
      if (i == 0)
        sh.out_ << "[root@" << sh.host_.hostname() << " " << prompt_dir() << "]# " << l << "\n";
      else
        sh.out_ << "> " << l << "\n";
    }
  }

  // ---------------------------------------------------------------- lists & compounds
  int exec_list(const Node& list, const Io& io) {
    int st = sh.last_status_;
    for (std::size_t i = 0; i < list.kids.size(); ++i) {
      bool async = i < list.ops.size() && list.ops[i] == "&";
      if (async) {
        // `cmd &`: run to completion now (the simulation has no job control); $? is 0
        // as after starting a background job, and set -e does not apply.
        ++errexit_suppressed;
        try {
          exec_and_or(*list.kids[i], io);
        } catch (...) {
          --errexit_suppressed;
          throw;
        }
        --errexit_suppressed;
        st = sh.last_status_ = 0;
      } else {
        st = exec_and_or(*list.kids[i], io);
      }
    }
    return st;
  }

  int exec_and_or(const Node& n, const Io& io) {
    int st = 0;
    bool ran_last = false;
    bool negated = false;
    for (std::size_t i = 0; i < n.kids.size(); ++i) {
      if (i > 0) {
        const std::string& op = n.ops[i - 1];
        if ((op == "&&" && st != 0) || (op == "||" && st == 0)) continue;
      }
      bool last = i + 1 == n.kids.size();
      // set -e ignores every command of an && / || list except the last one.
      if (!last) ++errexit_suppressed;
      try {
        st = exec_pipeline(*n.kids[i], io);
      } catch (...) {
        if (!last) --errexit_suppressed;
        throw;
      }
      if (!last) --errexit_suppressed;
      ran_last = last;
      negated = n.kids[i]->negate;
    }
    sh.last_status_ = st;
    if (st != 0 && ran_last && !negated && sh.errexit_ && errexit_suppressed == 0) throw ExitRequest{st};
    return st;
  }

  int exec_pipeline(const Node& p, const Io& io) {
    int st = 0;
    if (p.negate) ++errexit_suppressed;
    struct Unsuppress {
      Impl& im;
      bool on;
      ~Unsuppress() {
        if (on) --im.errexit_suppressed;
      }
    } unsuppress{*this, p.negate};

    if (p.kids.size() == 1) {
      st = exec_command(*p.kids[0], io);
    } else {
      // Each stage runs as a subshell, one after the other, the output of one being
      // the input of the next (the simulation is sequential; nothing here blocks).
      std::unique_ptr<std::istringstream> input;
      int rightmost_failure = 0;
      for (std::size_t i = 0; i < p.kids.size(); ++i) {
        bool last = i + 1 == p.kids.size();
        std::ostringstream buf;
        Io sio{last ? io.out : &buf, io.err, i == 0 ? io.in : input.get()};
        if (!last && p.stderr_too[i]) sio.err = &buf;
        {
          SubshellGuard guard(*this);
          LoopReset no_loops(*this);  // bash: `break` in a ( ) or pipe subshell has no loop
          try {
            st = exec_command(*p.kids[i], sio);
          } catch (const ExitRequest& e) {
            st = e.status;
          } catch (const LoopControl&) {  // a subshell: break/continue just end it
            st = 0;
          }
        }
        if (st != 0) rightmost_failure = st;
        input = std::make_unique<std::istringstream>(buf.str());
      }
      if (sh.pipefail_) st = rightmost_failure;
    }
    if (p.negate) st = st == 0 ? 1 : 0;
    sh.last_status_ = st;
    return st;
  }

  int exec_command(const Node& n, const Io& io) {
    switch (n.kind) {
      case Node::Kind::Simple:
        return exec_simple(n, io);
      case Node::Kind::List:
        return exec_list(n, io);
      default:
        break;
    }
    // Compound command: its redirections wrap the whole body.
    RedirState rs;
    Io cio = io;
    try {
      if (!apply_redirs(n.redirs, cio, rs, n.line)) return sh.last_status_ = 1;
    } catch (const ExpansionError& e) {
      return sh.last_status_ = e.status;
    }
    int st = 0;
    switch (n.kind) {
      case Node::Kind::Group:
        st = exec_list(*n.kids[0], cio);
        break;
      case Node::Kind::Subshell: {
        SubshellGuard guard(*this);
        LoopReset no_loops(*this);
        try {
          st = exec_list(*n.kids[0], cio);
        } catch (const ExitRequest& e) {
          st = e.status;
        } catch (const LoopControl&) {
          st = 0;
        }
        break;
      }
      case Node::Kind::For:
        st = exec_for(n, cio);
        break;
      case Node::Kind::If:
        st = exec_if(n, cio);
        break;
      case Node::Kind::While:
        st = exec_while(n, cio);
        break;
      default:
        break;
    }
    st = flush(rs, cio, st, "", false, n.line);
    return sh.last_status_ = st;
  }

  int run_condition(const Node& list, const Io& io) {
    ++errexit_suppressed;
    try {
      int st = exec_list(list, io);
      --errexit_suppressed;
      return st;
    } catch (...) {
      --errexit_suppressed;
      throw;
    }
  }

  int exec_for(const Node& n, const Io& io) {
    std::vector<std::string> items;
    try {
      for (const auto& w : n.for_words) {
        auto f = expand_fields(w, io);
        items.insert(items.end(), f.begin(), f.end());
      }
    } catch (const ExpansionError& e) {
      return e.status;
    }
    int st = 0;
    LoopScope scope(*this);
    for (const auto& item : items) {
      step(io, n.line);
      sh.vars_[n.var] = item;
      try {
        st = exec_list(*n.kids[0], io);
      } catch (LoopControl& lc) {
        st = 0;
        if (--lc.levels > 0) throw;
        if (!lc.is_continue) break;
      }
    }
    return st;
  }

  struct LoopReset {
    Impl& im;
    int saved;
    explicit LoopReset(Impl& i) : im(i), saved(i.loop_depth) { im.loop_depth = 0; }
    ~LoopReset() { im.loop_depth = saved; }
  };
  struct LoopScope {
    Impl& im;
    explicit LoopScope(Impl& i) : im(i) { ++im.loop_depth; }
    ~LoopScope() { --im.loop_depth; }
  };

  int exec_if(const Node& n, const Io& io) {
    std::size_t pairs = (n.kids.size() - (n.has_else ? 1 : 0)) / 2;
    for (std::size_t i = 0; i < pairs; ++i) {
      if (run_condition(*n.kids[2 * i], io) == 0) return exec_list(*n.kids[2 * i + 1], io);
    }
    if (n.has_else) return exec_list(*n.kids.back(), io);
    return 0;
  }

  int exec_while(const Node& n, const Io& io) {
    int st = 0;
    LoopScope scope(*this);
    for (;;) {
      step(io, n.line);
      try {
        int c = run_condition(*n.kids[0], io);
        if ((c == 0) == n.until) break;
        st = exec_list(*n.kids[1], io);
      } catch (LoopControl& lc) {
        st = 0;
        if (--lc.levels > 0) throw;
        if (!lc.is_continue) break;
      }
    }
    return st;
  }

  // break [N] / continue [N]
  int b_loop_control(const std::vector<std::string>& argv, Io& io, int line) {
    long long n = 1;
    if (loop_depth == 0) {
      diag(io, line, argv[0] + ": only meaningful in a `for', `while', or `until' loop");
      return 0;
    }
    if (argv.size() > 1 && (!parse_int(argv[1], n) || n < 1)) {
      diag(io, line, argv[0] + ": " + argv[1] + ": loop count out of range");
      return 1;
    }
    throw LoopControl{static_cast<int>(std::min<long long>(n, loop_depth)), argv[0] == "continue"};
  }

  // ---------------------------------------------------------------- simple commands
  int exec_simple(const Node& n, const Io& io) {
    step(io, n.line);
    cmdsub_status = -1;
    std::vector<std::string> argv;
    std::vector<std::pair<std::string, std::string>> assigns;
    try {
      for (const auto& w : n.words) {
        auto f = expand_fields(w, io);
        argv.insert(argv.end(), f.begin(), f.end());
      }
      for (const auto& a : n.assigns) {
        std::size_t eq = 0;
        is_assignment(a.raw, &eq);
        bool append = a.raw[eq] == '+';
        std::string name = a.raw.substr(0, eq);
        std::string value = expand_single(Word{a.raw.substr(eq + (append ? 2 : 1)), a.line}, io, true);
        if (append) {
          auto it = sh.vars_.find(name);
          if (it != sh.vars_.end()) value = it->second + value;
        }
        if (value.size() > kMaxWordLen) {
          diag(io, n.line, name + ": value too long for apsim");
          throw ExpansionError{1};
        }
        assigns.emplace_back(name, value);
      }
    } catch (const ExpansionError& e) {
      return sh.last_status_ = e.status;
    }

    RedirState rs;
    Io cio = io;
    try {
      if (!apply_redirs(n.redirs, cio, rs, n.line)) return sh.last_status_ = 1;
    } catch (const ExpansionError& e) {
      return sh.last_status_ = e.status;
    }

    if (argv.empty()) {
      // Assignments alone: they set shell variables; $? is that of the last command
      // substitution they ran, else 0.
      for (auto& [k, v] : assigns) {
        if (sh.xtrace_) *cio.err << "+ " << k << "=" << trace_quote(v) << "\n";
        sh.vars_[k] = v;
      }
      int st = cmdsub_status >= 0 ? cmdsub_status : 0;
      return sh.last_status_ = flush(rs, cio, st, "", true, n.line);
    }

    if (sh.xtrace_) {
      *cio.err << "+";
      for (const auto& a : argv) *cio.err << " " << trace_quote(a);
      *cio.err << "\n";
    }
    // `VAR=x cmd`: the assignments hold for this command only.
    std::vector<std::pair<std::string, std::optional<std::string>>> old;
    for (auto& [k, v] : assigns) {
      auto it = sh.vars_.find(k);
      old.emplace_back(k, it == sh.vars_.end() ? std::nullopt : std::optional<std::string>(it->second));
      sh.vars_[k] = v;
    }
    int st;
    try {
      st = run_argv(argv, cio, n.line);
    } catch (...) {
      restore_vars(old);
      throw;
    }
    restore_vars(old);
    st = flush(rs, cio, st, argv[0], is_bash_builtin(argv[0]), n.line);
    return sh.last_status_ = st;
  }

  void restore_vars(std::vector<std::pair<std::string, std::optional<std::string>>>& old) {
    for (auto it = old.rbegin(); it != old.rend(); ++it) {
      if (it->second) sh.vars_[it->first] = *it->second;
      else sh.vars_.erase(it->first);
    }
  }

  static bool is_bash_builtin(const std::string& name) {
    static const char* names[] = {"echo", "printf", "pwd", "cd", "set", "exit", "true", "false", ":",
                                  "test", "[", "export", "unset", "wait", "read", "break", "continue"};
    for (const char* b : names)
      if (name == b) return true;
    return false;
  }

  // ---------------------------------------------------------------- redirections
  // Perform redirections left to right, as bash does: a failing open prints
  // "SCRIPT: line N: PATH: <strerror>" on the stderr in effect at that point and the
  // command does not run.
  bool apply_redirs(const std::vector<Redir>& redirs, Io& io, RedirState& rs, int line) {
    for (const auto& r : redirs) {
      const std::string& op = r.op;
      int fd = r.fd >= 0 ? r.fd : (op[0] == '<' ? 0 : 1);
      if (op == "<<<") {
        rs.inputs.push_back(std::make_unique<std::istringstream>(expand_single(r.target, io, false) + "\n"));
        if (fd == 0) io.in = rs.inputs.back().get();
        continue;
      }
      if (r.heredoc) {  // << and <<-
        const HereDoc& doc = *r.heredoc;
        std::string text = doc.quoted ? doc.body : expand_heredoc(doc.body, doc.line + 1, io);
        rs.inputs.push_back(std::make_unique<std::istringstream>(std::move(text)));
        if (fd == 0) io.in = rs.inputs.back().get();
        continue;
      }
      if (op == ">&" || op == "<&") {
        std::string t = expand_single(r.target, io, false);
        long long src = 0;
        if (t == "-") {
          set_fd(io, fd, &null_out);
          continue;
        }
        if (parse_int(t, src) && t.find_first_not_of("0123456789") == std::string::npos) {
          if (src == 1 || src == 2) {
            set_fd(io, fd, src == 1 ? io.out : io.err);
          } else if (src != 0 || fd != 0) {
            diag(io, line, t + ": Bad file descriptor");
            return false;
          }
          continue;
        }
        if (op == "<&") {
          diag(io, line, t + ": ambiguous redirect");
          return false;
        }
        // ">&word" is "&>word".
      }
      std::string path;
      if (!redir_target(r, io, line, path)) return false;
      if (op == "<" || op == "<>") {
        std::string content;
        if (path != "/dev/null") {
          int rc = fs().read(sh.cwd_, path, content);
          if (rc < 0) {
            diag(io, line, path + ": " + strerr(rc));
            return false;
          }
        }
        rs.inputs.push_back(std::make_unique<std::istringstream>(content));
        if (fd == 0) io.in = rs.inputs.back().get();
        continue;
      }
      // Output: > >> >| &> &>> >&word.  `>>` appends to a regular file (flush); a sysfs
      // attribute has no file offset, so there it is one write(2), a store, like `>`.
      bool both = op == "&>" || op == "&>>" || op == ">&";
      std::ostream* target;
      if (path == "/dev/null") {
        target = &null_out;
      } else if (path == "/dev/stdout") {
        target = io.out;
      } else if (path == "/dev/stderr") {
        target = io.err;
      } else {
        int rc = fs().open_write(sh.cwd_, path);
        if (rc < 0) {
          diag(io, line, path + ": " + strerr(rc));
          return false;
        }
        OpenFile f;
        fs().resolve(sh.cwd_, path, f.abs_path);
        f.append = op == ">>" || op == "&>>";
        f.buf = std::make_unique<std::ostringstream>();
        target = f.buf.get();
        rs.files.push_back(std::move(f));
      }
      if (both) {
        io.out = io.err = target;
      } else {
        set_fd(io, fd, target);
      }
    }
    return true;
  }

  static void set_fd(Io& io, int fd, std::ostream* s) {
    if (fd == 1) io.out = s;
    else if (fd == 2) io.err = s;
    // fd 0 and others: not modelled for output.
  }

  bool redir_target(const Redir& r, const Io& io, int line, std::string& path) {
    auto fields = expand_fields(r.target, io);
    if (fields.size() != 1) {
      diag(io, line, r.target.raw + ": ambiguous redirect");
      return false;
    }
    path = fields[0];
    if (path.empty()) {
      diag(io, line, ": No such file or directory");
      return false;
    }
    return true;
  }

  // Write what the command printed into each redirected sysfs file with one write(2).
  // A failure is reported as the writer would: bash builtins through bash's
  // "SCRIPT: line N: echo: write error: ...", programs as "prog: write error: ...".
  int flush(RedirState& rs, const Io& io, int st, const std::string& who, bool builtin, int line) {
    for (auto& f : rs.files) {
      std::string data = f.buf->str();
      // A regular file (normal-filesystem directory) is truncated by `>` even when
      // nothing is written, and `>>` appends; a sysfs attribute sees one write(2) of
      // the output, none if there is no output.
      bool regular = fs().is_file(f.abs_path);
      if (data.empty() && (!regular || f.append)) continue;
      if (regular && f.append) {
        std::string old;
        if (fs().read("/", f.abs_path, old) == 0) data = old + data;
      }
      int rc = fs().write("/", f.abs_path, data);
      if (rc < 0) {
        if (who.empty())
          diag(io, line, "write error: " + strerr(rc));
        else if (builtin)
          diag(io, line, who + ": write error: " + strerr(rc));
        else
          *io.err << who << ": write error: " << strerr(rc) << "\n";
        st = (who == "grep" || who == "ls") ? 2 : 1;
      }
    }
    return st;
  }

  // ---------------------------------------------------------------- expansion
  // Full expansion of a command word: parameters, command substitution, arithmetic,
  // quote removal, word splitting and pathname expansion.
  std::vector<std::string> expand_fields(const Word& w, const Io& io) {
    FieldBuilder fb(true);
    walk(w, fb, io);
    std::vector<std::string> out;
    for (auto& f : fb.finish()) {
      if (f.glob && has_glob_meta(f.pattern)) {
        auto matches = glob(f.pattern);
        if (!matches.empty()) {
          out.insert(out.end(), matches.begin(), matches.end());
          continue;
        }
      }
      out.push_back(std::move(f.text));
    }
    return out;
  }

  // Expansion without splitting or globbing (assignment values, here-strings).
  std::string expand_single(const Word& w, const Io& io, bool assignment) {
    FieldBuilder fb(false);
    walk(w, fb, io, assignment);
    auto fields = fb.finish();
    return fields.empty() ? std::string() : fields[0].text;
  }

  // An unquoted here-document's body: parameter, command and arithmetic expansion; a
  // backslash quotes only \ $ ` and newline (a double quote is an ordinary character).
  std::string expand_heredoc(const std::string& s, int line, const Io& io) {
    FieldBuilder fb(false);
    try {
      std::size_t i = 0;
      while (i < s.size()) {
        char c = s[i];
        if (c == '\\' && i + 1 < s.size() && std::strchr("$`\\\n", s[i + 1])) {
          if (s[i + 1] == '\n') ++line;
          else fb.lit(s[i + 1], true);
          i += 2;
        } else if (c == '$') {
          i = expand_dollar(s, i, s.size(), line, fb, io, true);
        } else if (c == '`') {
          i = expand_backtick(s, i, s.size(), line, fb, io, true);
        } else {
          line += c == '\n';
          fb.lit(c, true);
          ++i;
        }
      }
    } catch (const std::length_error&) {
      diag(io, line, "apsim: expansion too long or nested too deeply, script stopped");
      throw StepLimit{};
    }
    auto fields = fb.finish();
    return fields.empty() ? std::string() : fields[0].text;
  }

  void walk(const Word& w, FieldBuilder& fb, const Io& io, bool assignment = false) {
    int line = w.line;
    try {
      walk_unquoted(w.raw, 0, w.raw.size(), line, fb, io, assignment);
    } catch (const std::length_error&) {
      // Like bash running out of memory: no sensible way to continue the script.
      diag(io, w.line, "apsim: expansion too long or nested too deeply, script stopped");
      throw StepLimit{};
    }
  }

  std::string tilde(const std::string& user) {
    if (user.empty()) {
      auto it = sh.vars_.find("HOME");
      return it != sh.vars_.end() ? it->second : kHome;
    }
    if (user == "root") return kHome;
    if (user == "+") return sh.cwd_;
    return "";
  }

  void walk_unquoted(const std::string& s, std::size_t i, std::size_t end, int& line, FieldBuilder& fb,
                     const Io& io, bool assignment) {
    bool word_start = true;
    while (i < end) {
      char c = s[i];
      // Tilde at the start of a word (or after = / : in an assignment value).
      if (c == '~' && word_start) {
        std::size_t j = i + 1;
        while (j < end && s[j] != '/' && !(assignment && s[j] == ':') && (is_name_char(s[j]) || s[j] == '+')) ++j;
        if (j == end || s[j] == '/' || (assignment && s[j] == ':')) {
          std::string home = tilde(s.substr(i + 1, j - i - 1));
          if (!home.empty()) {
            fb.lit(home, true);
            i = j;
            word_start = false;
            continue;
          }
        }
      }
      word_start = assignment && c == ':';
      if (c == '\\') {
        if (i + 1 >= end) {
          fb.lit('\\', false);
          ++i;
        } else if (s[i + 1] == '\n') {
          ++line;
          i += 2;
        } else {
          fb.lit(s[i + 1], true);
          i += 2;
        }
      } else if (c == '\'') {
        std::size_t close = s.find('\'', i + 1);
        if (close == std::string::npos || close >= end) close = end;
        fb.lit(s.substr(i + 1, close - i - 1), true);
        line += count_newlines(s, i, close);
        i = close + 1;
      } else if (c == '"') {
        i = walk_dquote(s, i + 1, end, line, fb, io);
      } else if (c == '$') {
        i = expand_dollar(s, i, end, line, fb, io, false);
      } else if (c == '`') {
        i = expand_backtick(s, i, end, line, fb, io, false);
      } else {
        line += c == '\n';
        fb.lit(c, false);
        ++i;
      }
    }
  }

  std::size_t walk_dquote(const std::string& s, std::size_t i, std::size_t end, int& line, FieldBuilder& fb,
                          const Io& io) {
    fb.mark_quoted();
    while (i < end && s[i] != '"') {
      char c = s[i];
      if (c == '\\' && i + 1 < end && std::strchr("$`\"\\\n", s[i + 1])) {
        if (s[i + 1] == '\n') ++line;
        else fb.lit(s[i + 1], true);
        i += 2;
      } else if (c == '$') {
        i = expand_dollar(s, i, end, line, fb, io, true);
      } else if (c == '`') {
        i = expand_backtick(s, i, end, line, fb, io, true);
      } else {
        line += c == '\n';
        fb.lit(c, true);
        ++i;
      }
    }
    return i + 1;
  }

  std::size_t expand_backtick(const std::string& s, std::size_t i, std::size_t end, int& line, FieldBuilder& fb,
                              const Io& io, bool quoted) {
    // Inside backquotes, \$ \` \\ lose their backslash before the text is run.
    std::string inner;
    std::size_t j = i + 1;
    for (; j < end && s[j] != '`'; ++j) {
      if (s[j] == '\\' && j + 1 < end && std::strchr("$`\\", s[j + 1])) ++j;
      inner += s[j];
    }
    fb.expansion(command_substitution(inner, line, io), quoted);
    line += count_newlines(s, i, j);
    return std::min(j + 1, end);
  }

  std::size_t expand_dollar(const std::string& s, std::size_t i, std::size_t end, int& line, FieldBuilder& fb,
                            const Io& io, bool quoted) {
    if (i + 1 >= end) {
      fb.lit('$', quoted);
      return i + 1;
    }
    char n = s[i + 1];
    if (n == '(' && i + 2 < end && s[i + 2] == '(') {
      std::size_t close = Parser::arith_end(s, i + 3);
      if (close == std::string::npos || close > end) close = end;
      std::string expr = s.substr(i + 3, close - 2 - (i + 3));
      fb.expansion(std::to_string(arithmetic(expr, line, io)), quoted);
      line += count_newlines(s, i, close);
      return close;
    }
    if (n == '(') {
      std::size_t close = cmdsub_end(s, i + 2);
      if (close == std::string::npos || close > end) close = end;
      std::string inner = s.substr(i + 2, close > i + 2 ? close - 1 - (i + 2) : 0);
      fb.expansion(command_substitution(inner, line, io), quoted);
      line += count_newlines(s, i, close);
      return close;
    }
    if (n == '{') {
      std::size_t close = brace_end(s, i + 2);
      if (close == std::string::npos || close >= end) close = end;
      std::string body = s.substr(i + 2, close - (i + 2));
      std::optional<std::string> v = braced_param(body, line, io);
      if (v) fb.expansion(*v, quoted);
      else if (quoted) fb.mark_quoted();
      line += count_newlines(s, i, close);
      return close + 1;
    }
    if (is_name_start(n)) {
      std::size_t j = i + 1;
      while (j < end && is_name_char(s[j])) ++j;
      auto v = param(s.substr(i + 1, j - i - 1), line, io);
      if (v) fb.expansion(*v, quoted);
      return j;
    }
    if (is_digit(n) || std::strchr("?$#!-@*", n)) {
      auto v = param(std::string(1, n), line, io);
      if (v) fb.expansion(*v, quoted);
      return i + 2;
    }
    fb.lit('$', quoted);
    return i + 1;
  }

  // A parameter's value, or nullopt if unset.
  std::optional<std::string> param(const std::string& name, int line, const Io& io) {
    if (name == "?") return std::to_string(sh.last_status_);
    if (name == "$") return std::string("4242");  // a fixed pid keeps transcripts stable
    if (name == "#") return std::string("0");
    if (name == "0") return sh.opts_.script_name;
    if (name == "-") return std::string(sh.errexit_ ? "ehB" : "hB");
    if (name == "@" || name == "*" || name == "!") return std::nullopt;
    if (!name.empty() && is_digit(name[0])) return std::nullopt;
    if (name == "PWD") return sh.cwd_;
    if (name == "OLDPWD" && !sh.oldpwd_.empty()) return sh.oldpwd_;
    auto it = sh.vars_.find(name);
    if (it != sh.vars_.end()) return it->second;
    if (name == "HOME") return std::string(kHome);
    if (name == "HOSTNAME") return sh.host_.hostname();
    if (sh.nounset_) {
      diag(io, line, name + ": unbound variable");
      throw ExitRequest{1};  // a non-interactive shell exits on an unbound variable
    }
    return std::nullopt;
  }

  [[noreturn]] void bad_substitution(const std::string& body, int line, const Io& io) {
    diag(io, line, "${" + body + "}: bad substitution");
    throw ExpansionError{1};
  }

  // ${...}: NAME, #NAME, and the operators - = + ? (with or without ':'), # ## % %%,
  // / // (pattern substitution) and :offset[:length].
  std::optional<std::string> braced_param(const std::string& body, int line, const Io& io) {
    if (body.empty()) bad_substitution(body, line, io);
    std::size_t i = 0;
    bool length = false;
    if (body[0] == '#' && body.size() > 1) {
      length = true;
      i = 1;
    }
    std::size_t b = i;
    if (i < body.size() && is_name_start(body[i])) {
      while (i < body.size() && is_name_char(body[i])) ++i;
    } else if (i < body.size() && is_digit(body[i])) {
      while (i < body.size() && is_digit(body[i])) ++i;
    } else if (i < body.size() && std::strchr("?$#!-@*", body[i])) {
      ++i;
    } else {
      bad_substitution(body, line, io);
    }
    std::string name = body.substr(b, i - b);
    std::string rest = body.substr(i);
    bool nounset = sh.nounset_;
    sh.nounset_ = false;  // operators below handle unset names themselves
    std::optional<std::string> v;
    try {
      v = param(name, line, io);
    } catch (...) {
      sh.nounset_ = nounset;
      throw;
    }
    sh.nounset_ = nounset;
    if (length) {
      if (!rest.empty()) bad_substitution(body, line, io);
      if (!v && nounset) param(name, line, io);
      return std::to_string(v ? v->size() : 0);
    }
    if (rest.empty()) {
      if (!v && nounset) param(name, line, io);
      return v;
    }
    auto word = [&](std::size_t from) { return expand_single(Word{rest.substr(from), line}, io, false); };
    bool colon = rest[0] == ':';
    std::size_t opi = colon ? 1 : 0;
    char op = opi < rest.size() ? rest[opi] : '\0';
    bool null = !v || (colon && v->empty());
    switch (op) {
      case '-':
        return null ? std::optional<std::string>(word(opi + 1)) : v;
      case '=':
        if (null) {
          if (!is_valid_name(name)) {
            diag(io, line, "$" + name + ": cannot assign in this way");
            throw ExpansionError{1};
          }
          sh.vars_[name] = word(opi + 1);
          return sh.vars_[name];
        }
        return v;
      case '+':
        return null ? std::optional<std::string>(std::string()) : std::optional<std::string>(word(opi + 1));
      case '?':
        if (null) {
          std::string msg = word(opi + 1);
          diag(io, line, name + ": " + (msg.empty() ? std::string("parameter null or not set") : msg));
          throw ExitRequest{1};
        }
        return v;
      default:
        break;
    }
    if (colon) {  // ${NAME:offset[:length]}
      std::string spec = rest.substr(1);
      std::size_t c2 = spec.find(':');
      long long off = 0, len = LLONG_MAX;
      off = arithmetic(spec.substr(0, c2), line, io);
      if (c2 != std::string::npos) len = arithmetic(spec.substr(c2 + 1), line, io);
      std::string val = v ? *v : "";
      long long n = static_cast<long long>(val.size());
      if (off < 0) off = std::max(0LL, n + off);
      if (off > n) return std::string();
      if (len < 0) len = std::max(0LL, n - off + len);
      return val.substr(static_cast<std::size_t>(off), static_cast<std::size_t>(std::min(len, n - off)));
    }
    std::string val = v ? *v : "";
    if (op == '#' || op == '%') {
      bool longest = rest.size() > 1 && rest[1] == op;
      std::string pat = word(longest ? 2 : 1);
      return strip(val, pat, op == '#', longest);
    }
    if (op == '/') {
      bool all = rest.size() > 1 && rest[1] == '/';
      std::string spec = rest.substr(all ? 2 : 1);
      std::size_t slash = spec.find('/');
      std::string pat = expand_single(Word{spec.substr(0, slash), line}, io, false);
      std::string rep = slash == std::string::npos ? "" : expand_single(Word{spec.substr(slash + 1), line}, io, false);
      return substitute(val, pat, rep, all);
    }
    bad_substitution(body, line, io);
  }

  static bool fnmatch_ok(const std::string& pat, const std::string& s) {
    return ::fnmatch(pat.c_str(), s.c_str(), 0) == 0;
  }
  static std::string strip(const std::string& v, const std::string& pat, bool prefix, bool longest) {
    std::size_t n = v.size();
    if (prefix) {
      for (std::size_t k = 0; k <= n; ++k) {
        std::size_t len = longest ? n - k : k;
        if (fnmatch_ok(pat, v.substr(0, len))) return v.substr(len);
      }
    } else {
      for (std::size_t k = 0; k <= n; ++k) {
        std::size_t start = longest ? k : n - k;
        if (fnmatch_ok(pat, v.substr(start))) return v.substr(0, start);
      }
    }
    return v;
  }
  static std::string substitute(const std::string& v, const std::string& pat, const std::string& rep, bool all) {
    if (pat.empty()) return v;
    std::string out;
    std::size_t i = 0;
    bool done = false;
    while (i < v.size()) {
      std::size_t best = std::string::npos;
      if (!done) {
        for (std::size_t len = v.size() - i; len > 0; --len) {
          if (fnmatch_ok(pat, v.substr(i, len))) {
            best = len;
            break;
          }
        }
      }
      if (best != std::string::npos) {
        out += rep;
        i += best;
        if (!all) done = true;
      } else {
        out += v[i++];
      }
    }
    return out;
  }

  long long arithmetic(const std::string& raw_expr, int line, const Io& io) {
    // Parameters and command substitutions inside are expanded first, as in bash.
    std::string expr = expand_single(Word{raw_expr, line}, io, false);
    long long v = 0;
    std::string err;
    Arith a(expr, sh.vars_);
    if (!a.eval(v, err)) {
      std::size_t b = expr.find_first_not_of(" \t\n");
      diag(io, line, (b == std::string::npos ? std::string() : expr.substr(b)) + ": " + err);
      throw ExpansionError{1};
    }
    return v;
  }

  // $(...): run `text` in a subshell of this shell, stdout captured, trailing newlines
  // stripped.  Errors inside go to the current stderr; bash clears set -e there.
  std::string command_substitution(const std::string& text, int line, const Io& io) {
    std::ostringstream cap;
    Io sio{&cap, io.err, nullptr};
    int st;
    {
      SubshellGuard guard(*this);
      sh.errexit_ = false;
      int saved_suppress = errexit_suppressed;
      errexit_suppressed = 0;
      try {
        st = run_text(text, line, sio, false);
      } catch (const ExitRequest& e) {
        st = e.status;
      } catch (const LoopControl&) {  // `break` of an outer loop ends only this subshell
        st = 0;
      } catch (...) {
        errexit_suppressed = saved_suppress;
        throw;
      }
      errexit_suppressed = saved_suppress;
    }
    cmdsub_status = st;
    sh.last_status_ = st;
    std::string out = cap.str();
    while (!out.empty() && out.back() == '\n') out.pop_back();
    if (out.size() > kMaxWordLen) throw std::length_error("cmdsub");
    return out;
  }

  // Pathname expansion against the simulated file system; sorted; none -> no match.
  std::vector<std::string> glob(const std::string& pattern) {
    std::vector<std::string> comps;
    std::string cur;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] == '\\' && i + 1 < pattern.size()) {
        cur += pattern[i];
        cur += pattern[++i];
      } else if (pattern[i] == '/') {
        comps.push_back(cur);
        cur.clear();
      } else {
        cur += pattern[i];
      }
    }
    comps.push_back(cur);
    bool absolute = !pattern.empty() && pattern[0] == '/';
    bool dirs_only = pattern.size() > 1 && pattern.back() == '/';
    std::vector<std::string> paths{absolute ? "/" : ""};
    for (std::size_t ci = absolute ? 1 : 0; ci < comps.size(); ++ci) {
      const std::string& c = comps[ci];
      if (c.empty()) continue;
      std::vector<std::string> next;
      for (const auto& p : paths) {
        std::string dir = p.empty() ? "." : p;
        auto join = [&](const std::string& name) {
          return p.empty() ? name : (p.back() == '/' ? p + name : p + "/" + name);
        };
        if (!has_glob_meta(c)) {
          std::string lit = unescape_pattern(c);
          std::string cand = join(lit);
          std::string canon;
          if (fs().resolve(sh.cwd_, cand, canon) == 0) next.push_back(cand);
          continue;
        }
        std::vector<std::string> names;
        if (fs().list(sh.cwd_, dir, names) < 0) continue;
        for (const auto& name : names) {
          if (name[0] == '.' && c[0] != '.') continue;
          if (::fnmatch(c.c_str(), name.c_str(), FNM_PERIOD) == 0) next.push_back(join(name));
        }
      }
      paths = std::move(next);
      if (paths.empty()) return {};
    }
    std::vector<std::string> out;
    for (auto& p : paths) {
      if (dirs_only) {
        std::string canon;
        if (fs().resolve(sh.cwd_, p, canon) != 0 || !fs().is_dir(canon)) continue;
        p += "/";
      }
      out.push_back(p);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // ---------------------------------------------------------------- command dispatch
  using Builtin = int (Impl::*)(const std::vector<std::string>&, Io&, int);

  int run_argv(const std::vector<std::string>& argv, Io& io, int line) {
    static const std::map<std::string, Builtin> builtins = {
        {"echo", &Impl::b_echo},       {"printf", &Impl::b_printf}, {"cd", &Impl::b_cd},
        {"pwd", &Impl::b_pwd},         {"true", &Impl::b_true},     {":", &Impl::b_true},
        {"false", &Impl::b_false},     {"exit", &Impl::b_exit},     {"set", &Impl::b_set},
        {"export", &Impl::b_export},   {"unset", &Impl::b_unset},   {"test", &Impl::b_test},
        {"[", &Impl::b_test},          {"wait", &Impl::b_true},     {"read", &Impl::b_read},
        {"break", &Impl::b_loop_control}, {"continue", &Impl::b_loop_control},
        {"cat", &Impl::b_cat},         {"ls", &Impl::b_ls},         {"grep", &Impl::b_grep},
        {"sleep", &Impl::b_sleep},     {"uuidgen", &Impl::b_uuidgen}, {"ssh", &Impl::b_ssh},
        {"head", &Impl::b_head},       {"tail", &Impl::b_tail},     {"wc", &Impl::b_wc},
        {"realpath", &Impl::b_realpath}, {"readlink", &Impl::b_readlink},
        {"basename", &Impl::b_basename}, {"dirname", &Impl::b_dirname},
        {"mkdir", &Impl::b_mkdir},     {"rm", &Impl::b_rm},         {"cut", &Impl::b_cut},
    };
    auto it = builtins.find(argv[0]);
    if (it != builtins.end()) return (this->*(it->second))(argv, io, line);
    sh.host_.set_cwd(sh.cwd_);
    int st = sh.host_.run_command(argv, *io.out, *io.err);
    if (st == 127) {
      if (argv[0].find('/') != std::string::npos)
        diag(io, line, argv[0] + ": No such file or directory");
      else
        diag(io, line, argv[0] + ": command not found");
    }
    return st;
  }

  static std::string read_all(std::istream* in) {
    if (!in) return "";
    std::ostringstream ss;
    ss << in->rdbuf();
    return ss.str();
  }

  // ---------------------------------------------------------------- bash builtins
  int b_true(const std::vector<std::string>&, Io&, int) { return 0; }
  int b_false(const std::vector<std::string>&, Io&, int) { return 1; }

  // bash's echo: leading words made only of -n -e -E letters are options; anything
  // else (including "-5,-6" or "--") is printed.
  int b_echo(const std::vector<std::string>& argv, Io& io, int) {
    bool newline = true, escapes = false;
    std::size_t i = 1;
    for (; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a.size() < 2 || a[0] != '-' || a.find_first_not_of("neE", 1) != std::string::npos) break;
      for (std::size_t k = 1; k < a.size(); ++k) {
        if (a[k] == 'n') newline = false;
        else if (a[k] == 'e') escapes = true;
        else escapes = false;
      }
    }
    std::string out;
    for (std::size_t k = i; k < argv.size(); ++k) {
      if (k > i) out += ' ';
      if (escapes) {
        if (!interpret_escapes(argv[k], out, true)) {
          *io.out << out;
          return 0;
        }
      } else {
        out += argv[k];
      }
    }
    if (newline) out += '\n';
    *io.out << out;
    return 0;
  }

  int b_printf(const std::vector<std::string>& argv, Io& io, int line) {
    std::size_t a = 1;
    if (a < argv.size() && argv[a] == "--") ++a;
    if (a >= argv.size()) {
      diag(io, line, "printf: usage: printf [-v var] format [arguments]");
      return 2;
    }
    const std::string fmt = argv[a++];
    int st = 0;
    std::string out;
    bool first = true;
    while (first || a < argv.size()) {
      bool consumed = false;
      for (std::size_t i = 0; i < fmt.size(); ++i) {
        char c = fmt[i];
        if (c == '\\') {
          std::string esc(1, c);
          if (i + 1 < fmt.size()) esc += fmt[++i];
          if ((esc == "\\x" || (esc.size() == 2 && esc[1] >= '0' && esc[1] <= '7'))) {
            while (i + 1 < fmt.size() && esc.size() < 5 && std::isxdigit(static_cast<unsigned char>(fmt[i + 1]))) esc += fmt[++i];
          }
          if (!interpret_escapes(esc, out, false)) {
            *io.out << out;
            return st;
          }
          continue;
        }
        if (c != '%') {
          out += c;
          continue;
        }
        if (i + 1 < fmt.size() && fmt[i + 1] == '%') {
          out += '%';
          ++i;
          continue;
        }
        std::size_t j = i + 1;
        while (j < fmt.size() && std::strchr("-+ #0", fmt[j])) ++j;
        while (j < fmt.size() && is_digit(fmt[j])) ++j;
        if (j < fmt.size() && fmt[j] == '.') {
          ++j;
          while (j < fmt.size() && is_digit(fmt[j])) ++j;
        }
        if (j >= fmt.size()) {
          out += fmt.substr(i);
          break;
        }
        char conv = fmt[j];
        std::string spec = fmt.substr(i, j - i);
        std::string arg = a < argv.size() ? argv[a++] : std::string();
        consumed = true;
        char buf[512];
        if (conv == 's' || conv == 'b') {
          std::string s = arg;
          if (conv == 'b') {
            s.clear();
            interpret_escapes(arg, s, true);
          }
          std::snprintf(buf, sizeof buf, (spec + "s").c_str(), s.c_str());
          out += buf;
        } else if (std::strchr("diouxXc", conv)) {
          long long v = 0;
          if (conv == 'c') {
            out += arg.empty() ? std::string() : arg.substr(0, 1);
          } else {
            if (!arg.empty() && (arg[0] == '\'' || arg[0] == '"')) {
              v = arg.size() > 1 ? static_cast<unsigned char>(arg[1]) : 0;
            } else if (!arg.empty() && !parse_int(arg, v, 0)) {
              diag(io, line, "printf: " + arg + ": invalid number");
              st = 1;
            }
            std::string f = spec + "ll" + conv;
            std::snprintf(buf, sizeof buf, f.c_str(), v);
            out += buf;
          }
        } else if (std::strchr("eEfFgGaA", conv)) {
          char* endp = nullptr;
          double d = arg.empty() ? 0.0 : std::strtod(arg.c_str(), &endp);
          if (!arg.empty() && (!endp || *endp)) {
            diag(io, line, "printf: " + arg + ": invalid number");
            st = 1;
          }
          std::snprintf(buf, sizeof buf, (spec + conv).c_str(), d);
          out += buf;
        } else {
          diag(io, line, std::string("printf: `") + conv + "': invalid format character");
          *io.out << out;
          return 1;
        }
        i = j;
      }
      first = false;
      if (!consumed) break;
    }
    *io.out << out;
    return st;
  }

  // bash's logical cd: "/a/./b/../c" -> "/a/c" textually, except that a component
  // before ".." must be a directory (sh_canonpath).  Empty result: not canonicalisable.
  std::string canon_logical(const std::string& path) {
    std::vector<std::string> parts;
    std::string cur;
    bool ok = true;
    auto joined = [&] {
      std::string out;
      for (auto& p : parts) out += "/" + p;
      return out.empty() ? std::string("/") : out;
    };
    auto push = [&](const std::string& c) {
      if (c.empty() || c == ".") return;
      if (c == "..") {
        // A vanished directory (a removed mdev we were in) still has a parent, as in
        // the kernel; only an existing non-directory stops the walk.
        std::string canon;
        int rc = fs().resolve("/", joined(), canon);
        if (rc == -ENOTDIR || (rc == 0 && !fs().is_dir(canon))) ok = false;
        if (!parts.empty()) parts.pop_back();
        return;
      }
      parts.push_back(c);
    };
    for (char ch : path) {
      if (ch == '/') {
        push(cur);
        cur.clear();
      } else {
        cur += ch;
      }
    }
    push(cur);
    return ok ? joined() : std::string();
  }

  int b_cd(const std::vector<std::string>& argv, Io& io, int line) {
    std::size_t i = 1;
    bool physical = false;
    while (i < argv.size() && (argv[i] == "-L" || argv[i] == "-P")) physical = argv[i++] == "-P";
    if (i < argv.size() && argv[i] == "--") ++i;
    if (argv.size() > i + 1) {
      diag(io, line, "cd: too many arguments");
      return 1;
    }
    std::string target;
    bool print = false;
    if (i == argv.size()) {
      auto v = param("HOME", line, io);
      target = v ? *v : kHome;
    } else if (argv[i] == "-") {
      if (sh.oldpwd_.empty()) {
        diag(io, line, "cd: OLDPWD not set");
        return 1;
      }
      target = sh.oldpwd_;
      print = true;
    } else {
      target = argv[i];
    }
    if (target.empty()) return 0;  // bash: `cd ""` does nothing
    // $PWD keeps the path as typed (logical: "link/.." is the directory holding the
    // link); when that path does not work, bash falls back to the physical one.
    std::string next;
    if (!physical) {
      std::string logical = canon_logical(target[0] == '/' ? target : sh.cwd_ + "/" + target);
      std::string canon;
      if (!logical.empty() && fs().resolve("/", logical, canon) == 0 && fs().is_dir(canon)) next = logical;
    }
    if (next.empty()) {
      std::string phys;
      int rc = fs().resolve(sh.cwd_, target, phys);
      if (rc == 0 && !fs().is_dir(phys)) rc = -ENOTDIR;
      if (rc < 0) {
        diag(io, line, "cd: " + target + ": " + strerr(rc));
        return 1;
      }
      next = phys;
    }
    sh.oldpwd_ = sh.cwd_;
    sh.cwd_ = next;
    if (print) *io.out << sh.cwd_ << "\n";
    return 0;
  }

  int b_pwd(const std::vector<std::string>& argv, Io& io, int) {
    std::string p = sh.cwd_;
    if (argv.size() > 1 && argv[1] == "-P") {
      std::string phys;
      if (fs().resolve("/", p, phys) == 0) p = phys;
    }
    *io.out << p << "\n";
    return 0;
  }

  int b_exit(const std::vector<std::string>& argv, Io& io, int line) {
    int st = sh.last_status_;
    if (argv.size() > 1) {
      long long v = 0;
      if (!parse_int(argv[1], v)) {
        diag(io, line, "exit: " + argv[1] + ": numeric argument required");
        throw ExitRequest{2};
      }
      if (argv.size() > 2) {
        diag(io, line, "exit: too many arguments");
        return 1;
      }
      st = static_cast<int>(static_cast<unsigned long long>(v) & 0xff);
    }
    throw ExitRequest{st};
  }

  int b_set(const std::vector<std::string>& argv, Io& io, int line) {
    for (std::size_t i = 1; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a == "--" || a == "-") break;
      if (a.size() < 2 || (a[0] != '-' && a[0] != '+')) break;  // positional params: ignored
      bool on = a[0] == '-';
      for (std::size_t k = 1; k < a.size(); ++k) {
        char f = a[k];
        if (f == 'e') {
          sh.errexit_ = on;
        } else if (f == 'x') {
          sh.xtrace_ = on;
        } else if (f == 'u') {
          sh.nounset_ = on;
        } else if (f == 'o') {
          if (i + 1 >= argv.size()) return 0;  // `set -o` lists options: not modelled
          const std::string& name = argv[++i];
          if (name == "errexit") sh.errexit_ = on;
          else if (name == "pipefail") sh.pipefail_ = on;
          else if (name == "xtrace") sh.xtrace_ = on;
          else if (name == "nounset") sh.nounset_ = on;
          else {
            diag(io, line, "set: " + name + ": invalid option name");
            return 2;
          }
        } else if (std::strchr("abfhkmnpvBCEHPT", f)) {
          // accepted; no effect on this simulation
        } else {
          diag(io, line, std::string("set: ") + a[0] + f + ": invalid option");
          *io.err << "set: usage: set [-abefhkmnptuvxBCEHPT] [-o option-name] [--] [-] [arg ...]\n";
          return 2;
        }
      }
    }
    return 0;
  }

  int b_export(const std::vector<std::string>& argv, Io& io, int line) {
    int st = 0;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a == "-n" || a == "-p" || a == "-f") continue;
      std::size_t eq = a.find('=');
      std::string name = a.substr(0, eq);
      if (!is_valid_name(name)) {
        diag(io, line, "export: `" + a + "': not a valid identifier");
        st = 1;
        continue;
      }
      if (eq != std::string::npos) sh.vars_[name] = a.substr(eq + 1);
    }
    return st;
  }

  int b_unset(const std::vector<std::string>& argv, Io&, int) {
    for (std::size_t i = 1; i < argv.size(); ++i)
      if (argv[i] != "-v" && argv[i] != "-f") sh.vars_.erase(argv[i]);
    return 0;
  }

  // read [-r] [NAME...]: one line of input split on IFS; the last name takes the rest.
  int b_read(const std::vector<std::string>& argv, Io& io, int line) {
    bool raw = false;
    std::vector<std::string> names;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      if (argv[i] == "-r") raw = true;
      else names.push_back(argv[i]);
    }
    if (names.empty()) names.push_back("REPLY");
    for (const auto& n : names) {
      if (!is_valid_name(n)) {
        diag(io, line, "read: `" + n + "': not a valid identifier");
        return 1;
      }
    }
    std::string text;
    bool eof = true;
    if (io.in) {
      char c;
      while (io.in->get(c)) {
        if (c == '\n') {
          eof = false;
          break;
        }
        if (c == '\\' && !raw) {
          char d;
          if (io.in->get(d)) {
            if (d != '\n') text += d;
          }
          continue;
        }
        text += c;
      }
    }
    std::size_t p = 0;
    for (std::size_t k = 0; k < names.size(); ++k) {
      while (p < text.size() && is_ifs(text[p])) ++p;
      std::string v;
      if (k + 1 == names.size()) {
        v = text.substr(std::min(p, text.size()));
        while (!v.empty() && is_ifs(v.back())) v.pop_back();
      } else {
        std::size_t e = p;
        while (e < text.size() && !is_ifs(text[e])) ++e;
        v = text.substr(p, e - p);
        p = e;
      }
      sh.vars_[names[k]] = v;
    }
    // 0 only for a complete line; at end of input the names are still assigned.
    return eof ? 1 : 0;
  }

  // test / [: the POSIX expression grammar with -a/-o/!/( ).
  int b_test(const std::vector<std::string>& argv_in, Io& io, int line) {
    std::vector<std::string> args(argv_in.begin() + 1, argv_in.end());
    std::string name = argv_in[0];
    if (name == "[") {
      if (args.empty() || args.back() != "]") {
        diag(io, line, "[: missing `]'");
        return 2;
      }
      args.pop_back();
    }
    std::size_t pos = 0;
    std::string err;
    bool result = false;
    try {
      if (args.empty()) return 1;
      result = test_or(args, pos, io, line, name);
      if (pos != args.size()) throw std::runtime_error(args.size() - pos > 1 ? "too many arguments" : args[pos] + ": unary operator expected");
    } catch (const std::runtime_error& e) {
      diag(io, line, name + ": " + e.what());
      return 2;
    }
    return result ? 0 : 1;
  }
  bool test_or(const std::vector<std::string>& a, std::size_t& p, Io& io, int line, const std::string& nm) {
    bool v = test_and(a, p, io, line, nm);
    while (p < a.size() && a[p] == "-o") {
      ++p;
      bool r = test_and(a, p, io, line, nm);
      v = v || r;
    }
    return v;
  }
  bool test_and(const std::vector<std::string>& a, std::size_t& p, Io& io, int line, const std::string& nm) {
    bool v = test_not(a, p, io, line, nm);
    while (p < a.size() && a[p] == "-a") {
      ++p;
      bool r = test_not(a, p, io, line, nm);
      v = v && r;
    }
    return v;
  }
  static bool is_test_binop(const std::string& op) {
    static const char* binops[] = {"=", "==", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-ef", "-nt", "-ot"};
    for (const char* b : binops)
      if (op == b) return true;
    return false;
  }
  bool test_not(const std::vector<std::string>& a, std::size_t& p, Io& io, int line, const std::string& nm) {
    // "! X" negates, unless "!" is the left operand of a binary operator ("! = x").
    bool binary_next = p + 2 < a.size() && is_test_binop(a[p + 1]);
    if (p < a.size() && a[p] == "!" && p + 1 < a.size() && !binary_next) {
      ++p;
      return !test_not(a, p, io, line, nm);
    }
    return test_primary(a, p, io, line, nm);
  }
  bool test_primary(const std::vector<std::string>& a, std::size_t& p, Io& io, int line, const std::string& nm) {
    if (p >= a.size()) throw std::runtime_error("argument expected");
    if (p + 2 < a.size() && is_test_binop(a[p + 1])) {  // X op Y
      const std::string& l = a[p];
      const std::string& o = a[p + 1];
      const std::string& r = a[p + 2];
      p += 3;
      if (o == "=" || o == "==") return l == r;
      if (o == "!=") return l != r;
      if (o == "-nt" || o == "-ot") return false;  // no timestamps in sysfs
      if (o == "-ef") {
        std::string x, y;
        return fs().resolve(sh.cwd_, l, x) == 0 && fs().resolve(sh.cwd_, r, y) == 0 && x == y;
      }
      long long x = 0, y = 0;
      if (!parse_int(l, x)) throw std::runtime_error(l + ": integer expression expected");
      if (!parse_int(r, y)) throw std::runtime_error(r + ": integer expression expected");
      if (o == "-eq") return x == y;
      if (o == "-ne") return x != y;
      if (o == "-lt") return x < y;
      if (o == "-le") return x <= y;
      if (o == "-gt") return x > y;
      return x >= y;
    }
    if (a[p] == "(" && p + 1 < a.size()) {
      ++p;
      bool v = test_or(a, p, io, line, nm);
      if (p >= a.size() || a[p] != ")") throw std::runtime_error("`)' expected");
      ++p;
      return v;
    }
    const std::string& s = a[p];
    if (s.size() == 2 && s[0] == '-' && p + 1 < a.size() && std::strchr("efdrwxsLhnzcbpSgukGOt", s[1])) {
      const std::string& arg = a[p + 1];
      p += 2;
      std::string canon;
      bool exists = !arg.empty() && fs().resolve(sh.cwd_, arg, canon) == 0;
      switch (s[1]) {
        case 'n': return !arg.empty();
        case 'z': return arg.empty();
        case 'e': case 'r': case 's': return exists;
        case 'f': return exists && !fs().is_dir(canon);
        case 'd': case 'x': return exists && fs().is_dir(canon);
        case 'w': return !arg.empty() && fs().open_write(sh.cwd_, arg) == 0;
        case 'L': case 'h': {
          std::string t;
          return fs().readlink(sh.cwd_, arg, t) == 0;
        }
        default: return false;
      }
    }
    ++p;
    return !s.empty();
  }

  // ---------------------------------------------------------------- utilities
  // Options of the form -abc; returns false (after printing GNU's message) on an
  // unknown letter.  Letters in `with_arg` take the rest of the word or the next word.
  struct Opts {
    std::map<char, std::string> set;  // letter -> argument ("" if none)
    std::vector<char> order;
    std::vector<std::string> operands;
  };
  bool parse_opts(const std::vector<std::string>& argv, const std::string& letters, const std::string& with_arg,
                  Opts& o, Io& io, const std::string& prog, const std::string& usage) {
    bool no_more = false;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (no_more || a.size() < 2 || a[0] != '-') {
        o.operands.push_back(a);
        continue;
      }
      if (a == "--") {
        no_more = true;
        continue;
      }
      if (a[1] == '-') {
        *io.err << prog << ": unrecognized option '" << a << "'\n" << usage;
        return false;
      }
      for (std::size_t k = 1; k < a.size(); ++k) {
        char c = a[k];
        if (with_arg.find(c) != std::string::npos) {
          std::string val = a.substr(k + 1);
          if (val.empty()) {
            if (i + 1 >= argv.size()) {
              *io.err << prog << ": option requires an argument -- '" << c << "'\n" << usage;
              return false;
            }
            val = argv[++i];
          }
          o.set[c] = val;
          o.order.push_back(c);
          break;
        }
        if (letters.find(c) == std::string::npos) {
          *io.err << prog << ": invalid option -- '" << c << "'\n" << usage;
          return false;
        }
        o.set[c] = "";
        o.order.push_back(c);
      }
    }
    return true;
  }

  int b_cat(const std::vector<std::string>& argv, Io& io, int) {
    Opts o;
    if (!parse_opts(argv, "uAbeEnstTv", "", o, io, "cat", "Try 'cat --help' for more information.\n")) return 1;
    if (o.operands.empty()) o.operands.push_back("-");
    int st = 0;
    for (const auto& f : o.operands) {
      if (f == "-") {
        *io.out << read_all(io.in);
        continue;
      }
      std::string content;
      int rc = fs().read(sh.cwd_, f, content);
      if (rc < 0) {
        *io.err << "cat: " << f << ": " << strerr(rc) << "\n";
        st = 1;
        continue;
      }
      *io.out << content;
    }
    return st;
  }

  // GNU ls, output not a terminal: one name per line; file operands first, then each
  // directory (with "DIR:" headers when more than one thing is listed).
  int b_ls(const std::vector<std::string>& argv, Io& io, int) {
    Opts o;
    if (!parse_opts(argv, "1aAdUf", "", o, io, "ls", "Try 'ls --help' for more information.\n")) return 2;
    bool all = o.set.count('a') || o.set.count('f'), almost = o.set.count('A'), dir_itself = o.set.count('d');
    std::size_t n_operands = o.operands.size();
    if (o.operands.empty()) o.operands.push_back(".");
    int st = 0;
    std::vector<std::string> files;
    std::vector<std::pair<std::string, std::vector<std::string>>> dirs;
    for (const auto& op : o.operands) {
      std::vector<std::string> names;
      int rc = fs().list(sh.cwd_, op, names);
      // The working directory was removed under us (`echo 1 > remove` from inside an
      // mdev): like an unlinked directory, it still lists, as empty.
      if (rc == -ENOENT && op == "." && !fs().exists(sh.cwd_)) rc = 0;
      if (rc == 0 && !dir_itself) {
        dirs.emplace_back(op, std::move(names));
        continue;
      }
      std::string canon;
      int rrc = fs().resolve(sh.cwd_, op, canon);
      if (rc == 0 || (rc == -ENOTDIR && rrc == 0)) {
        files.push_back(op);
        continue;
      }
      *io.err << "ls: cannot access '" << op << "': " << strerr(rrc < 0 ? rrc : rc) << "\n";
      st = 2;
    }
    std::sort(files.begin(), files.end());
    std::sort(dirs.begin(), dirs.end(), [](auto& a, auto& b) { return a.first < b.first; });
    for (const auto& f : files) *io.out << f << "\n";
    bool headers = !(files.empty() && n_operands <= 1 && dirs.size() == 1);
    if (!files.empty() && !dirs.empty()) *io.out << "\n";
    bool first = true;
    for (const auto& [name, entries] : dirs) {
      if (headers) {
        if (!first) *io.out << "\n";
        *io.out << name << ":\n";
      }
      first = false;
      if (all) *io.out << ".\n..\n";
      for (const auto& e : entries) {
        if (!all && !almost && !e.empty() && e[0] == '.') continue;
        *io.out << e << "\n";
      }
    }
    return st;
  }

  int b_grep(const std::vector<std::string>& argv, Io& io, int) {
    const std::string usage = "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n";
    // Own option loop: -e may repeat and options may follow operands (GNU permutes).
    Opts o;
    std::vector<std::string> patterns;
    bool have_e = false, no_more = false;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (no_more || a.size() < 2 || a[0] != '-') {
        o.operands.push_back(a);
        continue;
      }
      if (a == "--") {
        no_more = true;
        continue;
      }
      if (a[1] == '-') {
        *io.err << "grep: unrecognized option '" << a << "'\n" << usage;
        return 2;
      }
      for (std::size_t k = 1; k < a.size(); ++k) {
        char c = a[k];
        if (c == 'e' || c == 'm') {
          std::string val = a.substr(k + 1);
          if (val.empty()) {
            if (i + 1 >= argv.size()) {
              *io.err << "grep: option requires an argument -- '" << c << "'\n" << usage;
              return 2;
            }
            val = argv[++i];
          }
          if (c == 'e') {
            have_e = true;
            auto ls = split_lines(val);
            if (ls.empty()) ls.push_back("");
            patterns.insert(patterns.end(), ls.begin(), ls.end());
          } else {
            o.set['m'] = val;
          }
          break;
        }
        if (!std::strchr("vicqsEFGwxnhHloyZ", c)) {
          *io.err << "grep: invalid option -- '" << c << "'\n" << usage;
          return 2;
        }
        o.set[c] = "";
        o.order.push_back(c);
      }
    }
    if (!have_e) {
      if (o.operands.empty()) {
        *io.err << usage;
        return 2;
      }
      patterns = split_lines(o.operands.front());
      if (patterns.empty()) patterns.push_back("");
      o.operands.erase(o.operands.begin());
    }
    bool invert = o.set.count('v'), icase = o.set.count('i') || o.set.count('y'), count = o.set.count('c');
    bool quiet = o.set.count('q'), silent = o.set.count('s'), fixed = o.set.count('F');
    bool ere = o.set.count('E'), word = o.set.count('w'), whole = o.set.count('x'), number = o.set.count('n');
    bool only = o.set.count('o'), list = o.set.count('l');
    long long max_count = -1;
    if (o.set.count('m') && !parse_int(o.set['m'], max_count)) {
      *io.err << "grep: invalid max count\n";
      return 2;
    }
    // The last of -E/-F/-G wins, as in GNU grep.
    for (char c : o.order) {
      if (c == 'E') ere = true, fixed = false;
      if (c == 'F') fixed = true, ere = false;
      if (c == 'G') fixed = false, ere = false;
    }
    std::vector<std::regex> res;
    try {
      for (const auto& p : patterns) {
        std::string ecma;
        if (fixed) {
          for (char c : p) {
            if (std::strchr("\\^$.|?*+()[]{}", c)) ecma += '\\';
            ecma += c;
          }
        } else {
          ecma = posix_to_ecma(p, ere);
        }
        auto flags = std::regex::ECMAScript;
        if (icase) flags |= std::regex::icase;
        res.emplace_back(ecma, flags);
      }
    } catch (const std::regex_error&) {
      *io.err << "grep: Invalid regular expression\n";
      return 2;
    } catch (const std::exception& e) {  // GNU's own wording, from posix_to_ecma
      *io.err << "grep: " << e.what() << "\n";
      return 2;
    }
    auto is_word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    // All (start, length) matches of one line, as GNU -o/-w/-x see them.
    auto matches = [&](const std::string& l, std::vector<std::pair<std::size_t, std::size_t>>* spans) {
      bool any = false;
      for (const auto& re : res) {
        try {
          if (whole) {
            if (std::regex_match(l, re)) {
              any = true;
              if (spans) spans->emplace_back(0, l.size());
            }
            continue;
          }
          for (std::size_t start = 0; start <= l.size(); ++start) {
            std::smatch m;
            auto flags = std::regex_constants::match_default;
            if (start > 0) flags |= std::regex_constants::match_prev_avail;
            if (!std::regex_search(l.begin() + static_cast<std::ptrdiff_t>(start), l.end(), m, re, flags)) break;
            std::size_t b = start + static_cast<std::size_t>(m.position(0));
            std::size_t len = static_cast<std::size_t>(m.length(0));
            bool ok = true;
            if (word) {
              ok = (b == 0 || !is_word_char(l[b - 1])) && (b + len >= l.size() || !is_word_char(l[b + len])) && len > 0;
            }
            if (ok) {
              any = true;
              if (!spans) return true;
              if (len > 0) spans->emplace_back(b, len);
              start = b + (len > 0 ? len : 1) - 1;
            } else {
              start = b;
            }
          }
        } catch (const std::exception&) {
          // std::regex may give up on pathological input; treat as no match
        }
      }
      return any;
    };
    bool with_names = o.set.count('H') || (o.operands.size() > 1 && !o.set.count('h'));
    if (o.set.count('h')) with_names = false;
    if (o.operands.empty()) o.operands.push_back("-");
    bool matched = false, error = false;
    for (const auto& f : o.operands) {
      std::string content, label = f;
      if (f == "-") {
        content = read_all(io.in);
        label = "(standard input)";
      } else {
        int rc = fs().read(sh.cwd_, f, content);
        if (rc < 0) {
          if (!silent) *io.err << "grep: " << f << ": " << strerr(rc) << "\n";
          error = true;
          continue;
        }
      }
      long long n = 0, lineno = 0;
      for (const auto& l : split_lines(content)) {
        ++lineno;
        if (max_count >= 0 && n >= max_count) break;
        std::vector<std::pair<std::size_t, std::size_t>> spans;
        bool hit = matches(l, only && !invert ? &spans : nullptr) != invert;
        if (!hit) continue;
        ++n;
        matched = true;
        if (quiet) return 0;
        if (count || list) continue;
        std::string prefix = (with_names ? label + ":" : "") + (number ? std::to_string(lineno) + ":" : "");
        if (only) {
          if (!invert)
            for (auto& [b, len] : spans) *io.out << prefix << l.substr(b, len) << "\n";
        } else {
          *io.out << prefix << l << "\n";
        }
      }
      if (count) *io.out << (with_names ? label + ":" : "") << n << "\n";
      if (list && n > 0) *io.out << label << "\n";
    }
    if (error && !(quiet && matched)) return 2;
    return matched ? 0 : 1;
  }

  // GNU sleep: sum of NUMBER[smhd] operands.
  int b_sleep(const std::vector<std::string>& argv, Io& io, int) {
    const char* help = "Try 'sleep --help' for more information.\n";
    if (argv.size() < 2) {
      *io.err << "sleep: missing operand\n" << help;
      return 1;
    }
    double total = 0;
    bool bad = false;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      char* end = nullptr;
      errno = 0;
      double v = std::strtod(a.c_str(), &end);
      double mul = 1;
      if (end && *end && !end[1]) {
        switch (*end) {
          case 's': break;
          case 'm': mul = 60; break;
          case 'h': mul = 3600; break;
          case 'd': mul = 86400; break;
          default: end = nullptr;
        }
        if (end) ++end;
      }
      if (a.empty() || !end || *end || !std::isfinite(v) || v < 0 || errno == ERANGE ||
          a.find_first_of("xXpPnN") != std::string::npos) {
        *io.err << "sleep: invalid time interval '" << a << "'\n";
        bad = true;
        continue;
      }
      total += v * mul;
    }
    if (bad) {
      *io.err << help;
      return 1;
    }
    sh.host_.sleep_seconds(total);
    return 0;
  }

  int b_uuidgen(const std::vector<std::string>&, Io& io, int) {
    *io.out << sh.host_.uuidgen() << "\n";
    return 0;
  }

  // ssh [options] [user@]NAME COMMAND...: the remote runs the words, joined by spaces,
  // as `bash -c` would, with its diagnostics as "bash: line N: ...".
  int b_ssh(const std::vector<std::string>& argv, Io& io, int) {
    std::size_t i = 1;
    for (; i < argv.size() && argv[i].size() > 1 && argv[i][0] == '-'; ++i) {
      char f = argv[i][1];
      if (argv[i].size() == 2 && std::strchr("bcDEeFIiJLlmOopQRSWw", f)) ++i;  // takes an argument
    }
    if (i >= argv.size()) {
      *io.err << "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] destination [command [argument ...]]\n";
      return 255;
    }
    std::string name = argv[i];
    std::size_t at = name.rfind('@');
    if (at != std::string::npos) name = name.substr(at + 1);
    ShellHost* remote = sh.host_.remote(name);
    if (!remote) {
      *io.err << "ssh: Could not resolve hostname " << name << ": Name or service not known\n";
      return 255;
    }
    std::string cmd;
    for (std::size_t k = i + 1; k < argv.size(); ++k) cmd += (k > i + 1 ? " " : "") + argv[k];
    ShellOptions opts;
    opts.script_name = "bash";
    opts.echo_commands = false;
    Shell sub(*remote, *io.out, *io.err, opts);
    return sub.run_script(cmd);
  }

  bool parse_count(const std::string& v, long long& n, bool& from_start) {
    std::string s = v;
    from_start = !s.empty() && s[0] == '+';
    if (from_start || (!s.empty() && s[0] == '-')) s = s.substr(1);
    return parse_int(s, n) && n >= 0;
  }

  // head/tail -n N (also -N); input from files or stdin.
  int head_tail(const std::vector<std::string>& argv_in, Io& io, bool head) {
    const char* prog = head ? "head" : "tail";
    std::vector<std::string> argv{argv_in[0]};
    for (std::size_t i = 1; i < argv_in.size(); ++i) {
      const std::string& a = argv_in[i];
      if (a.size() > 1 && a[0] == '-' && is_digit(a[1])) argv.push_back("-n" + a.substr(1));
      else argv.push_back(a);
    }
    Opts o;
    if (!parse_opts(argv, "qv", "nc", o, io, prog, std::string("Try '") + prog + " --help' for more information.\n")) return 1;
    long long n = 10;
    bool from_start = false;
    if (o.set.count('n') && !parse_count(o.set['n'], n, from_start)) {
      *io.err << prog << ": invalid number of lines: '" << o.set['n'] << "'\n";
      return 1;
    }
    if (o.operands.empty()) o.operands.push_back("-");
    int st = 0;
    bool headers = o.operands.size() > 1;
    for (std::size_t k = 0; k < o.operands.size(); ++k) {
      const auto& f = o.operands[k];
      std::string content;
      if (f == "-") {
        content = read_all(io.in);
      } else {
        int rc = fs().read(sh.cwd_, f, content);
        if (rc < 0) {
          *io.err << prog << ": cannot open '" << f << "' for reading: " << strerr(rc) << "\n";
          st = 1;
          continue;
        }
      }
      if (headers) *io.out << (k ? "\n" : "") << "==> " << (f == "-" ? "standard input" : f) << " <==\n";
      auto lines = split_lines(content);
      bool nl_end = !content.empty() && content.back() == '\n';
      std::size_t total = lines.size(), b = 0, e = total;
      auto nn = static_cast<std::size_t>(std::min<long long>(n, static_cast<long long>(total)));
      if (head) e = nn;
      else if (from_start) b = n > 0 ? std::min<std::size_t>(static_cast<std::size_t>(n - 1), total) : 0;
      else b = total - nn;
      for (std::size_t i = b; i < e; ++i) *io.out << lines[i] << ((i + 1 < total || nl_end) ? "\n" : "");
    }
    return st;
  }
  int b_head(const std::vector<std::string>& argv, Io& io, int) { return head_tail(argv, io, true); }
  int b_tail(const std::vector<std::string>& argv, Io& io, int) { return head_tail(argv, io, false); }

  int b_wc(const std::vector<std::string>& argv, Io& io, int) {
    Opts o;
    if (!parse_opts(argv, "lwcm", "", o, io, "wc", "Try 'wc --help' for more information.\n")) return 1;
    bool l = o.set.count('l'), w = o.set.count('w'), c = o.set.count('c') || o.set.count('m');
    if (!l && !w && !c) l = w = c = true;
    int shown = l + w + c;
    if (o.operands.empty()) o.operands.push_back("-");
    int st = 0;
    for (const auto& f : o.operands) {
      std::string content;
      if (f == "-") {
        content = read_all(io.in);
      } else {
        int rc = fs().read(sh.cwd_, f, content);
        if (rc < 0) {
          *io.err << "wc: " << f << ": " << strerr(rc) << "\n";
          st = 1;
          continue;
        }
      }
      long long nl = 0, nw = 0;
      bool in_word = false;
      for (char ch : content) {
        nl += ch == '\n';
        bool sp = std::isspace(static_cast<unsigned char>(ch));
        if (!sp && !in_word) ++nw;
        in_word = !sp;
      }
      std::vector<long long> vals;
      if (l) vals.push_back(nl);
      if (w) vals.push_back(nw);
      if (c) vals.push_back(static_cast<long long>(content.size()));
      std::string line;
      for (auto v : vals) {
        std::string num = std::to_string(v);
        if (shown > 1) num = std::string(num.size() < 7 ? 7 - num.size() : 0, ' ') + num;
        line += (line.empty() ? "" : " ") + num;
      }
      if (f != "-") line += " " + f;
      *io.out << line << "\n";
    }
    return st;
  }

  int b_realpath(const std::vector<std::string>& argv, Io& io, int) {
    int st = 0;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      if (argv[i].size() > 1 && argv[i][0] == '-') continue;
      std::string canon;
      int rc = fs().resolve(sh.cwd_, argv[i], canon);
      if (rc < 0) {
        *io.err << argv[0] << ": " << argv[i] << ": " << strerr(rc) << "\n";
        st = 1;
        continue;
      }
      *io.out << canon << "\n";
    }
    return st;
  }

  // readlink [-f|-e|-m] PATH...: the link's target, or with -f the canonical path.
  int b_readlink(const std::vector<std::string>& argv, Io& io, int) {
    bool canon = false;
    std::vector<std::string> paths;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      if (argv[i] == "-f" || argv[i] == "-e" || argv[i] == "-m") canon = true;
      else if (argv[i].size() > 1 && argv[i][0] == '-') continue;
      else paths.push_back(argv[i]);
    }
    if (paths.empty()) {
      *io.err << "readlink: missing operand\nTry 'readlink --help' for more information.\n";
      return 1;
    }
    int st = 0;
    for (const auto& p : paths) {
      std::string t;
      if ((canon ? fs().resolve(sh.cwd_, p, t) : fs().readlink(sh.cwd_, p, t)) < 0) {
        st = 1;  // readlink is silent about failures unless -v
        continue;
      }
      *io.out << t << "\n";
    }
    return st;
  }

  int b_basename(const std::vector<std::string>& argv, Io& io, int) {
    if (argv.size() < 2) {
      *io.err << "basename: missing operand\nTry 'basename --help' for more information.\n";
      return 1;
    }
    std::string p = argv[1];
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    std::size_t slash = p.rfind('/');
    if (slash != std::string::npos && p.size() > 1) p = p.substr(slash + 1);
    if (argv.size() > 2 && p.size() > argv[2].size() && p.compare(p.size() - argv[2].size(), argv[2].size(), argv[2]) == 0)
      p.resize(p.size() - argv[2].size());
    *io.out << p << "\n";
    return 0;
  }

  int b_dirname(const std::vector<std::string>& argv, Io& io, int) {
    if (argv.size() < 2) {
      *io.err << "dirname: missing operand\nTry 'dirname --help' for more information.\n";
      return 1;
    }
    for (std::size_t i = 1; i < argv.size(); ++i) {
      std::string p = argv[i];
      while (p.size() > 1 && p.back() == '/') p.pop_back();
      std::size_t slash = p.rfind('/');
      if (slash == std::string::npos) p = ".";
      else {
        p.resize(slash);
        while (p.size() > 1 && p.back() == '/') p.pop_back();
        if (p.empty()) p = "/";
      }
      *io.out << p << "\n";
    }
    return 0;
  }

  // GNU long options the file tools accept, as their short letters (parse_opts knows
  // only short ones).
  static std::vector<std::string> map_long_options(const std::vector<std::string>& argv,
                                                   const std::map<std::string, std::string>& longs) {
    std::vector<std::string> out{argv[0]};
    bool no_more = false;
    for (std::size_t i = 1; i < argv.size(); ++i) {
      if (argv[i] == "--") no_more = true;
      auto it = no_more ? longs.end() : longs.find(argv[i]);
      out.push_back(it == longs.end() ? argv[i] : it->second);
    }
    return out;
  }

  // GNU mkdir [-p] [-v] [-m MODE] DIR...  (coreutils src/mkdir.c; messages in the C
  // locale, so quote() gives 'DIR').  With -p each missing ancestor is made in turn and a
  // failure names that ancestor, as mkancesdirs does.  -m is accepted: no modes here.
  int b_mkdir(const std::vector<std::string>& argv_in, Io& io, int) {
    const std::string usage = "Try 'mkdir --help' for more information.\n";
    auto argv = map_long_options(argv_in, {{"--parents", "-p"}, {"--verbose", "-v"}});
    Opts o;
    if (!parse_opts(argv, "pv", "m", o, io, "mkdir", usage)) return 1;
    if (o.operands.empty()) {
      *io.err << "mkdir: missing operand\n" << usage;
      return 1;
    }
    const bool parents = o.set.count('p'), verbose = o.set.count('v');
    auto created = [&](const std::string& d) {
      if (verbose) *io.out << "mkdir: created directory '" << d << "'\n";
    };
    auto fail = [&](const std::string& d, int rc) {
      *io.err << "mkdir: cannot create directory '" << d << "': " << strerr(rc) << "\n";
    };
    int st = 0;
    for (const auto& dir : o.operands) {
      if (!parents) {
        if (int rc = fs().make_dir(sh.cwd_, dir, false); rc < 0) {
          fail(dir, rc);
          st = 1;
        } else {
          created(dir);
        }
        continue;
      }
      // The ancestors: every prefix ending before a '/'.
      bool ok = true;
      for (std::size_t slash = dir.find('/', 1); ok && slash != std::string::npos; slash = dir.find('/', slash + 1)) {
        const std::string prefix = dir.substr(0, slash);
        if (prefix.back() == '/') continue;  // "a//b"
        std::string canon;
        int rc = fs().resolve(sh.cwd_, prefix, canon);
        if (rc == 0 && fs().is_dir(canon)) continue;
        if (rc == 0) rc = -ENOTDIR;  // a file in the way: chdir into it fails
        else if (rc == -ENOENT && (rc = fs().make_dir(sh.cwd_, prefix, false)) == 0) created(prefix);
        if (rc < 0) {
          fail(prefix, rc);
          ok = false;
          st = 1;
        }
      }
      if (!ok) continue;
      std::string canon;
      if (fs().resolve(sh.cwd_, dir, canon) == 0 && fs().is_dir(canon)) continue;  // -p: exists is fine
      if (int rc = fs().make_dir(sh.cwd_, dir, false); rc < 0) {
        fail(dir, rc);
        st = 1;
      } else {
        created(dir);
      }
    }
    return st;
  }

  // GNU rm [-f] [-r|-R] [-v] [-i] FILE...  (coreutils src/rm.c, remove.c): -f silences
  // only "No such file or directory" (and a missing operand); a directory needs -r, which
  // removes the tree depth first and reports each entry it cannot remove.
  int b_rm(const std::vector<std::string>& argv_in, Io& io, int) {
    const std::string usage = "Try 'rm --help' for more information.\n";
    auto argv = map_long_options(argv_in, {{"--force", "-f"}, {"--recursive", "-r"}, {"--verbose", "-v"}});
    Opts o;
    if (!parse_opts(argv, "fiIrRvd", "", o, io, "rm", usage)) return 1;
    const bool force = o.set.count('f'), recursive = o.set.count('r') || o.set.count('R');
    const bool verbose = o.set.count('v');
    if (o.operands.empty()) {
      if (force) return 0;
      *io.err << "rm: missing operand\n" << usage;
      return 1;
    }
    int st = 0;
    for (const auto& f : o.operands) {
      const std::string base = f.substr(f.find_last_of('/') == std::string::npos ? 0 : f.find_last_of('/') + 1);
      if (base == "." || base == "..") {
        *io.err << "rm: refusing to remove '.' or '..' directory: skipping '" << f << "'\n";
        st = 1;
        continue;
      }
      std::string canon;
      if (recursive && fs().resolve(sh.cwd_, f, canon) == 0 && canon == "/") {
        *io.err << "rm: it is dangerous to operate recursively on '/'\n"
                   "rm: use --no-preserve-root to override this failsafe\n";
        st = 1;
        continue;
      }
      if (!remove_entry(f, force, recursive, verbose, io)) st = 1;
    }
    return st;
  }

  // One operand of rm: a link or file is unlinked; a directory (not followed through a
  // link) needs `recursive`.  Returns false after printing rm's message.
  bool remove_entry(const std::string& path, bool force, bool recursive, bool verbose, Io& io) {
    std::vector<std::string> names;
    std::string target;
    const bool is_link = fs().readlink(sh.cwd_, path, target) == 0;
    const bool is_dir = !is_link && fs().list(sh.cwd_, path, names) == 0;
    auto fail = [&](int rc) {
      if (force && rc == -ENOENT) return true;
      *io.err << "rm: cannot remove '" << path << "': " << strerr(rc) << "\n";
      return false;
    };
    if (!is_dir) {
      int rc = fs().unlink(sh.cwd_, path);
      if (rc < 0) return fail(rc);
      if (verbose) *io.out << "removed '" << path << "'\n";
      return true;
    }
    if (!recursive) return fail(-EISDIR);
    bool ok = true;
    const std::string prefix = path.back() == '/' ? path : path + "/";
    for (const auto& n : names) ok = remove_entry(prefix + n, force, true, verbose, io) && ok;
    if (!ok) return false;  // GNU does not try the directory once an entry stayed
    if (int rc = fs().rmdir(sh.cwd_, path); rc < 0) return fail(rc);
    if (verbose) *io.out << "removed directory '" << path << "'\n";
    return true;
  }

  // GNU cut -f LIST [-d DELIM] [-s] [--output-delimiter=S] | -b LIST | -c LIST [FILE...]
  // (coreutils src/cut.c; the C locale: -c counts bytes).  A line without the delimiter
  // is printed whole under -f unless -s.
  int b_cut(const std::vector<std::string>& argv_in, Io& io, int) {
    const std::string usage = "Try 'cut --help' for more information.\n";
    std::vector<std::string> argv{argv_in[0]};
    std::optional<std::string> out_delim;
    for (std::size_t i = 1; i < argv_in.size(); ++i) {
      const std::string& a = argv_in[i];
      if (a.rfind("--output-delimiter=", 0) == 0) out_delim = a.substr(19);
      else if (a == "--only-delimited") argv.push_back("-s");
      else if (a.rfind("--delimiter=", 0) == 0) argv.push_back("-d" + a.substr(12));
      else if (a.rfind("--fields=", 0) == 0) argv.push_back("-f" + a.substr(9));
      else argv.push_back(a);
    }
    Opts o;
    if (!parse_opts(argv, "snz", "bcdf", o, io, "cut", usage)) return 1;
    auto bad = [&](const std::string& msg) {
      *io.err << "cut: " << msg << "\n" << usage;
      return 1;
    };
    int lists = static_cast<int>(o.set.count('b') + o.set.count('c') + o.set.count('f'));
    if (lists == 0) return bad("you must specify a list of bytes, characters, or fields");
    if (lists > 1) return bad("only one list may be specified");
    const bool fields = o.set.count('f');
    const std::string list = fields ? o.set['f'] : o.set.count('b') ? o.set['b'] : o.set['c'];
    char delim = '\t';
    if (o.set.count('d')) {
      if (!fields) return bad("an input delimiter may be specified only when operating on fields");
      if (o.set['d'].size() > 1) return bad("the delimiter must be a single character");
      delim = o.set['d'].empty() ? '\0' : o.set['d'][0];
    }
    if (o.set.count('s') && !fields)
      return bad("suppressing non-delimited lines makes sense\n\tonly when operating on fields");
    std::vector<std::pair<long long, long long>> ranges;
    if (std::string err = parse_cut_list(list, fields, ranges); !err.empty()) return bad(err);
    auto selected = [&](long long n) {
      for (auto& [lo, hi] : ranges)
        if (n >= lo && n <= hi) return true;
      return false;
    };
    const std::string od = out_delim ? *out_delim : std::string(1, delim);
    if (o.operands.empty()) o.operands.push_back("-");
    int st = 0;
    for (const auto& f : o.operands) {
      std::string content;
      if (f == "-") {
        content = read_all(io.in);
      } else if (int rc = fs().read(sh.cwd_, f, content); rc < 0) {
        *io.err << "cut: " << f << ": " << strerr(rc) << "\n";
        st = 1;
        continue;
      }
      for (const auto& l : split_lines(content)) {
        std::string out;
        if (!fields) {
          for (std::size_t i = 0; i < l.size(); ++i)
            if (selected(static_cast<long long>(i) + 1)) out += l[i];
        } else if (l.find(delim) == std::string::npos) {
          if (o.set.count('s')) continue;
          out = l;
        } else {
          bool first = true;
          long long n = 1;
          for (std::size_t b = 0;; ++n) {
            std::size_t e = l.find(delim, b);
            if (selected(n)) {
              out += (first ? "" : od) + l.substr(b, e == std::string::npos ? std::string::npos : e - b);
              first = false;
            }
            if (e == std::string::npos) break;
            b = e + 1;
          }
        }
        *io.out << out << "\n";
      }
    }
    return st;
  }

  // cut's LIST: N, N-, -M, N-M separated by commas (or blanks); "" on success, else
  // cut's message (set_fields in coreutils src/set-fields.c).
  static std::string parse_cut_list(const std::string& list, bool fields,
                                    std::vector<std::pair<long long, long long>>& ranges) {
    const std::string from1 = fields ? "fields are numbered from 1" : "byte/character positions are numbered from 1";
    const std::string bad_range = fields ? "invalid field range" : "invalid byte or character range";
    std::size_t b = 0;
    for (;;) {
      std::size_t e = list.find_first_of(", \t", b);
      const std::string item = list.substr(b, e == std::string::npos ? std::string::npos : e - b);
      if (item == "-") return "invalid range with no endpoint: -";
      const std::size_t dash = item.find('-');
      if (dash != std::string::npos && item.find('-', dash + 1) != std::string::npos) return bad_range;
      auto number = [&](const std::string& t, long long& v, long long dflt) -> std::string {
        if (t.empty()) {
          v = dflt;
          return "";
        }
        if (t.find_first_not_of("0123456789") != std::string::npos || !parse_int(t, v))
          return fields ? "invalid field value '" + t + "'" : "invalid byte or character range";
        return v == 0 ? from1 : "";
      };
      long long lo = 0, hi = 0;
      if (item.empty()) return from1;
      if (dash == std::string::npos) {
        if (std::string err = number(item, lo, 0); !err.empty()) return err;
        hi = lo;
      } else {
        if (std::string err = number(item.substr(0, dash), lo, 1); !err.empty()) return err;
        if (std::string err = number(item.substr(dash + 1), hi, LLONG_MAX); !err.empty()) return err;
        if (hi < lo) return "invalid decreasing range";
      }
      ranges.emplace_back(lo, hi);
      if (e == std::string::npos) return "";
      b = e + 1;
    }
  }

  int run_external(const std::vector<std::string>& argv, Io& io, int line) {
    int st = sh.host_.run_command(argv, *io.out, *io.err);
    if (st == 127) diag(io, line, argv[0] + ": command not found");
    return st;
  }
};

// ================================================================ Shell
Shell::Shell(ShellHost& host, std::ostream& out, std::ostream& err, ShellOptions opts)
    : host_(host), out_(out), err_(err), opts_(std::move(opts)) {
  // Root's home, the initial working directory, exists on every real host.
  host_.sysfs().mkdir(cwd_);
}

int Shell::run_script(const std::string& text) {
  Impl impl(*this);
  return impl.run_top(text);
}

}  // namespace apsim::driver
