// driver/shell/shell_arith.cpp — the members of Arith (shell_arith.h): bash arithmetic expansion,
// evaluated with bash's messages for its errors.  Split out of shell.cpp because it is a
// self-contained expression evaluator that only needs the variables.
#include "driver/shell/shell_arith.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <stdexcept>

#include "driver/shell/shell_ast.h"

namespace apsim::driver::shell_detail {

// Returns false with `err` (bash's message after "EXPR: ") on failure.
bool Arith::eval(long long& v, std::string& err) {
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

[[noreturn]] void Arith::fail(const std::string& what) {
  // bash names the last token it read, with the rest of the expression.
  throw std::runtime_error(what + " (error token is \"" + s_.substr(std::min(last_tok_, s_.size())) + "\")");
}

void Arith::skip() {
  while (pos_ < s_.size() && is_ifs(s_[pos_])) ++pos_;
}

bool Arith::eat(const char* op) {
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

long long Arith::var_value(const std::string& name) {
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

long long Arith::assign() {
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

long long Arith::binop(const std::string& op, long long a, long long b) {
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

long long Arith::ternary() {
  long long c = lor();
  if (eat("?")) {
    long long a = assign();
    if (!eat(":")) fail("`:' expected for conditional expression");
    long long b = assign();
    return c ? a : b;
  }
  return c;
}

long long Arith::lor() {
  long long v = land();
  while (eat("||")) v = (land() != 0) || v ? 1 : 0;
  return v;
}

long long Arith::land() {
  long long v = bor();
  while (eat("&&")) {
    long long r = bor();
    v = (v && r) ? 1 : 0;
  }
  return v;
}

long long Arith::bor() {
  long long v = bxor();
  while (eat("|")) v |= bxor();
  return v;
}

long long Arith::bxor() {
  long long v = band();
  while (eat("^")) v ^= band();
  return v;
}

long long Arith::band() {
  long long v = equality();
  while (eat("&")) v &= equality();
  return v;
}

long long Arith::equality() {
  long long v = relational();
  for (;;) {
    if (eat("==")) v = v == relational();
    else if (eat("!=")) v = v != relational();
    else return v;
  }
}

long long Arith::relational() {
  long long v = shift();
  for (;;) {
    if (eat("<=")) v = v <= shift();
    else if (eat(">=")) v = v >= shift();
    else if (eat("<")) v = v < shift();
    else if (eat(">")) v = v > shift();
    else return v;
  }
}

long long Arith::shift() {
  long long v = additive();
  for (;;) {
    if (eat("<<")) v = binop("<<", v, additive());
    else if (eat(">>")) v = binop(">>", v, additive());
    else return v;
  }
}

long long Arith::additive() {
  long long v = multiplicative();
  for (;;) {
    if (eat("+")) v = binop("+", v, multiplicative());
    else if (eat("-")) v = binop("-", v, multiplicative());
    else return v;
  }
}

long long Arith::multiplicative() {
  long long v = power();
  for (;;) {
    if (eat("*")) v = binop("*", v, power());
    else if (eat("/")) v = binop("/", v, power());
    else if (eat("%")) v = binop("%", v, power());
    else return v;
  }
}

long long Arith::power() {
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

long long Arith::unary() {
  Depth d(depth_);
  if (eat("!")) return !unary();
  if (eat("~")) return ~unary();
  if (eat("-")) return static_cast<long long>(0ULL - static_cast<unsigned long long>(unary()));
  if (eat("+")) return unary();
  return primary();
}

long long Arith::primary() {
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

}  // namespace apsim::driver::shell_detail
