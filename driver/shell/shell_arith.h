// driver/shell/shell_arith.h — Arith, the evaluator of bash arithmetic ($(( )) and the like):
// a recursive-descent parser over C's operator precedence that reads and assigns shell
// variables.  The member functions, with their comments, are in shell_arith.cpp.  Internal
// to the shell.
#pragma once

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>

namespace apsim::driver::shell_detail {

// ---------------------------------------------------------------- arithmetic $(( ))
class Arith {
 public:
  Arith(const std::string& expr, std::map<std::string, std::string>& vars) : s_(expr), vars_(vars) {}
  bool eval(long long& v, std::string& err);

 private:
  [[noreturn]] void fail(const std::string& what);
  void skip();
  bool eat(const char* op);
  struct Depth {
    int& d;
    explicit Depth(int& x) : d(x) {
      if (++d > 200) throw std::runtime_error("expression recursion level exceeded");
    }
    ~Depth() { --d; }
  };
  long long var_value(const std::string& name);
  long long assign();
  long long binop(const std::string& op, long long a, long long b);
  long long ternary();
  long long lor();
  long long land();
  long long bor();
  long long bxor();
  long long band();
  long long equality();
  long long relational();
  long long shift();
  long long additive();
  long long multiplicative();
  long long power();
  long long unary();
  long long primary();

  const std::string& s_;
  std::map<std::string, std::string>& vars_;
  std::size_t pos_ = 0;
  std::size_t last_tok_ = 0;
  int depth_ = 0;
};

}  // namespace apsim::driver::shell_detail
