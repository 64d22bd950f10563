// driver/shell/shell_parser.cpp — the scenario shell's lexer and recursive-descent parser (the
// members of Parser, declared in shell_parser.h), and the two scanners word expansion uses to
// find the end of a "$(...)" or "${...}" inside an already validated word.  Split out of
// shell.cpp so that reading source text into an AST is one file's job.
#include "driver/shell/shell_parser.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace apsim::driver::shell_detail {

// The next complete command (a list ended by a newline or the end of the text), or
// nullptr at the end.  [begin, end) is its source text, for the echoed prompt.
NodeP Parser::complete_command(std::size_t& begin, std::size_t& end) {
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

// With the parser positioned just after "$(": parse the body up to the matching ")"
// and return the offset just past it.
std::size_t Parser::cmdsub_end() {
  parse_cmdsub_body();
  return pos_;
}

// ---- lexer ----

void Parser::skip_blanks_and_comments() {
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

Token Parser::lex() {
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

Token Parser::lex_operator(Token tok) {
  static const char* redirs[] = {"&>>", "&>", "<<<", "<<-", "<<", "<&", "<>", "<",
                                 ">>",  ">&", ">|",  ">"};
  static const char* ops[] = {"&&", "||", ";;&", ";;", ";&", "|&", ";", "&", "|", "(", ")"};
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
void Parser::read_heredoc_bodies() {
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
std::string Parser::remove_quotes(const std::string& raw) {
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

[[noreturn]] void Parser::unterminated(int line, const char* what) {
  throw SyntaxError{line, std::string("unexpected EOF while looking for matching `") + what + "'",
                    ""};
}

// Advance over one word (stops at an unquoted metacharacter).
void Parser::read_word() {
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

void Parser::scan_single() {
  int qline = line_;
  std::size_t close = t_.find('\'', pos_ + 1);
  if (close == std::string::npos) unterminated(qline, "'");
  line_ += count_newlines(t_, pos_, close);
  pos_ = close + 1;
}

void Parser::scan_double() {
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

void Parser::scan_backtick() {
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

void Parser::scan_dollar() {
  DepthGuard g(depth_, line_);
  if (starts("$'")) {  // ANSI-C quoting: \' does not end it
    int qline = line_;
    for (pos_ += 2; pos_ < t_.size(); ++pos_) {
      if (t_[pos_] == '\\') {
        ++pos_;
      } else if (t_[pos_] == '\'') {
        ++pos_;
        return;
      }
      if (pos_ < t_.size()) line_ += t_[pos_] == '\n';
    }
    unterminated(qline, "'");
  }
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

// Offset just past the "))" closing an arithmetic expansion whose body starts at `p`,
// or npos.  Parentheses nest; quotes are not special (bash arithmetic has none).
std::size_t Parser::arith_end(const std::string& s, std::size_t p) {
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

void Parser::parse_cmdsub_body() {
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

const Token& Parser::peek() {
  if (!peeked_) {
    Token t = lex();
    peeked_ = std::move(t);
  }
  return *peeked_;
}

Token Parser::next() {
  peek();
  Token t = std::move(*peeked_);
  peeked_.reset();
  return t;
}

void Parser::skip_newlines() {
  while (peek().type == Tok::Newline) next();
}

bool Parser::is_closer(const Token& t) {
  static const char* closers[] = {"then", "else", "elif", "fi", "do", "done", "}", "esac"};
  for (const char* c : closers)
    if (is_word(t, c)) return true;
  return false;
}

// The physical source line containing offset `at` (bash quotes it after the error).
std::string Parser::line_text(std::size_t at) const {
  at = std::min(at, t_.size());
  std::size_t b = at, e = at;
  while (b > 0 && t_[b - 1] != '\n') --b;
  while (e < t_.size() && t_[e] != '\n') ++e;
  return t_.substr(b, e - b);
}

[[noreturn]] void Parser::unexpected(const Token& tok) {
  if (tok.type == Tok::End) throw SyntaxError{tok.line, "syntax error: unexpected end of file", ""};
  throw SyntaxError{tok.line, "syntax error near unexpected token `" + tok.text + "'",
                    line_text(tok.begin)};
}

// A variable or function name (for, function definitions); bash's message if it is not one.
std::string Parser::expect_name() {
  const Token& name = peek();
  if (name.type != Tok::Word) unexpected(name);
  if (!is_valid_name(name.text)) throw SyntaxError{name.line, "`" + name.text + "': not a valid identifier", ""};
  return next().text;
}

void Parser::expect_word(const char* w) {
  const Token& t = peek();
  if (!is_word(t, w)) unexpected(t);
  next();
}

// ---- grammar ----

// list: and_or ((';' | '&' | newline) and_or)*.  A one-line (top-level) list ends at a
// newline; a multi-line list (compound bodies) ends at a closing word or ")".
NodeP Parser::parse_list(bool multiline, bool allow_empty) {
  auto list = std::make_unique<Node>();
  list->kind = Node::Kind::List;
  list->line = peek().line;
  if (multiline) skip_newlines();
  for (;;) {
    const Token& t = peek();
    if (t.type == Tok::End || is_op(t, ")") || is_closer(t) || t.type == Tok::Newline || is_op(t, ";;") ||
        is_op(t, ";&") || is_op(t, ";;&"))
      break;
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

NodeP Parser::parse_and_or() {
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

NodeP Parser::parse_pipeline() {
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

NodeP Parser::parse_command() {
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
    } else if (t.text == "case") {
      node = parse_case();
    } else if (t.text == "function") {
      return parse_function(true);
    } else if (t.text == "[[") {
      node = parse_cond();
    } else if (t.text == "{") {
      node = make(Node::Kind::Group);
      next();
      node->kids.push_back(parse_list(true, false));
      expect_word("}");
    } else if (t.text == "select" || t.text == "coproc") {
      unsupported(t, "`" + t.text + "'");
    } else if (t.text.compare(0, 2, "((") == 0) {
      unsupported(t, "arithmetic commands `(( ))' (use `[ $((...)) -ne 0 ]')");
    } else if (is_closer(t)) {
      unexpected(t);
    } else if (function_def_follows(t)) {
      return parse_function(false);
    } else {
      return parse_simple();
    }
  } else if (is_op(t, "(")) {
    if (t.end < t_.size() && t_[t.end] == '(') unsupported(t, "arithmetic commands `(( ))' (use `[ $((...)) -ne 0 ]')");
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

// A feature of bash that apsim's shell does not have: a syntax error that names it, never
// a silent misparse.
[[noreturn]] void Parser::unsupported(const Token& t, const std::string& what) {
  throw SyntaxError{t.line, what + " is not supported by apsim's shell (docs/shell.md)", line_text(t.begin)};
}

// `NAME ( )`: the word is a valid name and "(" ")" follow (blanks allowed between).
bool Parser::function_def_follows(const Token& name) const {
  if (!is_valid_name(name.text)) return false;
  std::size_t i = name.end;
  while (i < t_.size() && (t_[i] == ' ' || t_[i] == '\t')) ++i;
  if (i >= t_.size() || t_[i] != '(') return false;
  ++i;
  while (i < t_.size() && (t_[i] == ' ' || t_[i] == '\t')) ++i;
  return i < t_.size() && t_[i] == ')';
}

// `NAME () COMPOUND` or `function NAME [()] COMPOUND` (bash's function definitions; the body
// is any compound command, usually { ...; }).
NodeP Parser::parse_function(bool keyword) {
  auto node = make(Node::Kind::Function);
  if (keyword) next();  // "function"
  node->var = expect_name();
  if (is_op(peek(), "(")) {
    next();
    if (!is_op(peek(), ")")) unexpected(peek());
    next();
  }
  skip_newlines();
  const Token& b = peek();
  const bool compound = b.type == Tok::Word && (b.text == "{" || b.text == "if" || b.text == "for" ||
                                                b.text == "while" || b.text == "until" || b.text == "case" ||
                                                b.text == "[[");
  if (!compound && !is_op(b, "(")) unexpected(b);
  node->fn_body = std::shared_ptr<Node>(parse_command().release());
  return node;
}

// case WORD in [(]PATTERN[|PATTERN]...) LIST ;; ... esac   (terminators ;; ;& ;;&)
NodeP Parser::parse_case() {
  auto node = make(Node::Kind::Case);
  next();  // "case"
  const Token& subject = peek();
  if (subject.type != Tok::Word) unexpected(subject);
  node->words.push_back(Word{subject.text, subject.line});
  next();
  skip_newlines();
  expect_word("in");
  skip_newlines();
  while (!is_word(peek(), "esac")) {
    if (is_op(peek(), "(")) next();
    std::vector<Word> pats;
    for (;;) {
      const Token& p = peek();
      if (p.type != Tok::Word) unexpected(p);
      pats.push_back(Word{p.text, p.line});
      next();
      if (is_op(peek(), "|")) {
        next();
        continue;
      }
      if (!is_op(peek(), ")")) unexpected(peek());
      next();
      break;
    }
    node->case_patterns.push_back(std::move(pats));
    node->kids.push_back(parse_list(true, true));
    const Token& term = peek();
    if (is_op(term, ";;") || is_op(term, ";&") || is_op(term, ";;&")) {
      node->case_terms.push_back(term.text);
      next();
      skip_newlines();
    } else if (is_word(term, "esac")) {
      node->case_terms.push_back(";;");
    } else {
      unexpected(term);
    }
  }
  next();  // "esac"
  return node;
}

// [[ EXPRESSION ]]: the tokens up to "]]", kept raw; && || ( ) < > are its operators.  After
// =~ the adjacent tokens form one regular expression (bash lexes `^(a|b)$' as one word there).
NodeP Parser::parse_cond() {
  auto node = make(Node::Kind::Cond);
  const int line = peek().line;
  next();  // "[["
  for (;;) {
    Token tok = next();
    if (tok.type == Tok::End || tok.type == Tok::Newline)
      throw SyntaxError{line, "unexpected token `" + tok.text + "' in conditional command, `]]' expected", ""};
    if (tok.type == Tok::Word && tok.text == "]]") break;
    if (tok.type == Tok::Word) {
      node->words.push_back(Word{tok.text, tok.line});
      node->cond_ops.push_back(false);
      if (tok.text == "=~") {
        std::string re;
        std::size_t end = 0;
        int rline = tok.line;
        for (bool first = true;; first = false) {
          const Token& nt = peek();
          if (nt.type == Tok::End || nt.type == Tok::Newline) break;
          if (!first && nt.begin != end) break;
          if (nt.type == Tok::Word && nt.text == "]]") break;
          if (first) rline = nt.line;
          re += t_.substr(nt.begin, nt.end - nt.begin);
          end = nt.end;
          next();
        }
        node->words.push_back(Word{re, rline});
        node->cond_ops.push_back(false);
      }
      continue;
    }
    if (tok.type == Tok::Op && (tok.text == "&&" || tok.text == "||" || tok.text == "(" || tok.text == ")")) {
      node->words.push_back(Word{tok.text, tok.line});
      node->cond_ops.push_back(true);
      continue;
    }
    if (tok.type == Tok::Redir && (tok.text == "<" || tok.text == ">") && tok.fd < 0) {
      node->words.push_back(Word{tok.text, tok.line});
      node->cond_ops.push_back(true);
      continue;
    }
    throw SyntaxError{tok.line, "syntax error in conditional expression: unexpected token `" + tok.text + "'",
                      line_text(tok.begin)};
  }
  return node;
}

NodeP Parser::make(Node::Kind k) {
  auto n = std::make_unique<Node>();
  n->kind = k;
  n->line = peek().line;
  return n;
}

NodeP Parser::parse_simple() {
  auto node = make(Node::Kind::Simple);
  for (;;) {
    const Token& t = peek();
    if (t.type == Tok::Redir) {
      node->redirs.push_back(parse_redir());
    } else if (t.type == Tok::Word) {
      Word w{t.text, t.line};
      if (is_assignment(t.text) && t.text.back() == '=' && t.end < t_.size() && t_[t.end] == '(')
        unsupported(t, "arrays");
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

Redir Parser::parse_redir() {
  Token op = next();
  const Token& target = peek();
  if ((op.text == "<" || op.text == ">") && is_op(target, "(") && target.begin == op.end)
    unsupported(op, "process substitution `" + op.text + "(...)'");
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

NodeP Parser::parse_for() {
  auto node = make(Node::Kind::For);
  next();  // "for"
  node->var = expect_name();
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

NodeP Parser::parse_if() {
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

NodeP Parser::parse_while() {
  auto node = make(Node::Kind::While);
  node->until = next().text == "until";
  node->kids.push_back(parse_list(true, false));
  expect_word("do");
  node->kids.push_back(parse_list(true, false));
  expect_word("done");
  return node;
}

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

}  // namespace apsim::driver::shell_detail
