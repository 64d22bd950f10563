// driver/shell/shell_compound.cpp — the parts of bash that administrators' scripts use beyond
// the seed documents' subset: `case … esac`, `[[ … ]]`, shell functions (with `local`,
// `return`, `shift` and the positional parameters) and $RANDOM.  The parser builds their
// nodes (shell_parser.cpp); this file runs them.  bash 5.2's behaviour is the reference
// (execute_cmd.c execute_case_command, execute_cond_node, execute_function; variables.c
// brand/sbrand); docs/shell.md lists what apsim's shell does and does not have.
#include <fnmatch.h>

#include <cstdlib>
#include <cstring>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "driver/shell/posix_regex.h"
#include "driver/shell/shell_arith.h"
#include "driver/shell/shell_ast.h"
#include "driver/shell/shell_expand.h"
#include "driver/shell/shell_impl.h"

namespace apsim::driver {

namespace {
// How deep functions may call each other before apsim stops the call (bash's FUNCNEST, which
// is unlimited by default; apsim needs a bound for its stack).
constexpr int kMaxFunctionDepth = 100;
}  // namespace

// A word as a pattern (case, the right side of == in [[ ]]): expanded without splitting or
// pathname expansion, its quoted characters escaped so that they match literally.
std::string Shell::Impl::expand_pattern(const Word& w, const Io& io) {
  FieldBuilder fb(false);
  walk(w, fb, io);
  auto fields = fb.finish();
  return fields.empty() ? std::string() : fields[0].pattern;
}

// case WORD in PATTERN) LIST ;; ... esac: the first item whose pattern matches runs; `;&`
// runs the next item's list too, `;;&` tests the next items' patterns (execute_case_command).
int Shell::Impl::exec_case(const Node& n, const Io& io) {
  step(io, n.line);
  std::string subject;
  try {
    subject = expand_single(n.words[0], io, false);
  } catch (const ExpansionError& e) {
    return e.status;
  }
  int st = 0;
  bool fall = false;
  for (std::size_t i = 0; i < n.kids.size(); ++i) {
    bool match = fall;
    for (std::size_t k = 0; !match && k < n.case_patterns[i].size(); ++k) {
      std::string pat;
      try {
        pat = expand_pattern(n.case_patterns[i][k], io);
      } catch (const ExpansionError& e) {
        return e.status;
      }
      match = ::fnmatch(pat.c_str(), subject.c_str(), 0) == 0;
    }
    if (!match) continue;
    st = exec_list(*n.kids[i], io);
    const std::string& term = n.case_terms[i];
    if (term == ";;") return st;
    fall = term == ";&";
  }
  return st;
}

// [[ EXPRESSION ]]: 0 true, 1 false, 2 for a malformed expression.  Operands are expanded
// without word splitting or pathname expansion; the right side of == and != is a pattern,
// of =~ a POSIX extended regular expression; -eq and friends evaluate arithmetic.
int Shell::Impl::exec_cond(const Node& n, const Io& io) {
  std::size_t p = 0;
  try {
    if (n.words.empty()) throw std::runtime_error("syntax error in conditional expression");
    bool v = cond_or(n, p, io);
    if (p != n.words.size())
      throw std::runtime_error("syntax error in conditional expression: unexpected token `" + n.words[p].raw + "'");
    return v ? 0 : 1;
  } catch (const std::runtime_error& e) {
    diag(io, n.line, e.what());
    return 2;
  } catch (const ExpansionError& e) {
    return e.status;
  }
}

bool Shell::Impl::cond_or(const Node& n, std::size_t& p, const Io& io) {
  bool v = cond_and(n, p, io);
  while (p < n.words.size() && n.cond_ops[p] && n.words[p].raw == "||") {
    ++p;
    if (v) {  // short-circuit: the right side is parsed but not evaluated
      int saved = sh.last_status_;
      std::ostringstream sink;
      Io quiet{&sink, &sink, nullptr};
      cond_and(n, p, quiet);
      sh.last_status_ = saved;
    } else {
      v = cond_and(n, p, io);
    }
  }
  return v;
}

bool Shell::Impl::cond_and(const Node& n, std::size_t& p, const Io& io) {
  bool v = cond_not(n, p, io);
  while (p < n.words.size() && n.cond_ops[p] && n.words[p].raw == "&&") {
    ++p;
    if (!v) {
      std::ostringstream sink;
      Io quiet{&sink, &sink, nullptr};
      cond_not(n, p, quiet);
    } else {
      v = cond_not(n, p, io);
    }
  }
  return v;
}

bool Shell::Impl::cond_not(const Node& n, std::size_t& p, const Io& io) {
  if (p < n.words.size() && !n.cond_ops[p] && n.words[p].raw == "!") {
    ++p;
    return !cond_not(n, p, io);
  }
  return cond_primary(n, p, io);
}

bool Shell::Impl::cond_primary(const Node& n, std::size_t& p, const Io& io) {
  const auto& w = n.words;
  auto is_op = [&](std::size_t k, const char* o) { return k < w.size() && n.cond_ops[k] && w[k].raw == o; };
  if (p >= w.size()) throw std::runtime_error("syntax error in conditional expression");
  if (is_op(p, "(")) {
    ++p;
    bool v = cond_or(n, p, io);
    if (!is_op(p, ")")) throw std::runtime_error("syntax error in conditional expression: expected `)'");
    ++p;
    return v;
  }
  if (n.cond_ops[p]) throw std::runtime_error("syntax error in conditional expression: unexpected token `" + w[p].raw + "'");
  // A binary expression: WORD OP WORD.
  if (p + 1 < w.size()) {
    const std::string op = w[p + 1].raw;
    const bool opcond = n.cond_ops[p + 1];
    static const char* binops[] = {"==", "=", "!=", "=~", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef"};
    bool binary = opcond ? (op == "<" || op == ">") : false;
    for (const char* b : binops)
      if (!opcond && op == b) binary = true;
    if (binary) {
      if (p + 2 >= w.size() || n.cond_ops[p + 2])
        throw std::runtime_error("syntax error in conditional expression: `" + op + "' needs an operand");
      const std::string l = expand_single(w[p], io, false);
      const Word& rw = w[p + 2];
      p += 3;
      if (op == "==" || op == "=" || op == "!=") {
        const bool m = ::fnmatch(expand_pattern(rw, io).c_str(), l.c_str(), 0) == 0;
        return op == "!=" ? !m : m;
      }
      if (op == "=~") {
        const std::string re = expand_single(rw, io, false);
        // bash's sh_regmatch (lib/sh/shmatch.c): regcomp(REG_EXTENDED), regexec.
        const PosixRegex rx(re, REG_EXTENDED | REG_NOSUB);
        return rx.search(l);  // bash: an invalid regular expression is status 2; apsim: false
      }
      if (op == "<") return l < expand_single(rw, io, false);
      if (op == ">") return l > expand_single(rw, io, false);
      const std::string r = expand_single(rw, io, false);
      if (op == "-nt" || op == "-ot" || op == "-ef") {
        Io tio = io;
        std::vector<std::string> a{l, op, r};
        std::size_t q = 0;
        return test_primary(a, q, tio, n.line, "[[");
      }
      const long long x = arithmetic(l, n.line, io), y = arithmetic(r, n.line, io);
      if (op == "-eq") return x == y;
      if (op == "-ne") return x != y;
      if (op == "-lt") return x < y;
      if (op == "-le") return x <= y;
      if (op == "-gt") return x > y;
      return x >= y;
    }
  }
  // A unary expression: -OP WORD.
  const std::string& u = w[p].raw;
  if (u.size() == 2 && u[0] == '-' && p + 1 < w.size() && !n.cond_ops[p + 1]) {
    if (u[1] == 'v') {
      const std::string name = expand_single(w[p + 1], io, false);
      p += 2;
      return sh.vars_.count(name) != 0;
    }
    if (std::strchr("efdrwxsLhnzcbpSgukGOt", u[1])) {
      std::vector<std::string> a{u, expand_single(w[p + 1], io, false)};
      p += 2;
      std::size_t q = 0;
      Io tio = io;
      return test_primary(a, q, tio, n.line, "[[");
    }
    throw std::runtime_error("unexpected argument `" + w[p + 1].raw + "' to conditional unary operator");
  }
  // A single word: true if it is not empty.
  const std::string v = expand_single(w[p], io, false);
  ++p;
  return !v.empty();
}

// A call of a shell function: its arguments become $1 ..., `local` variables go back when it
// returns, `return N` ends it (execute_function).
int Shell::Impl::call_function(const Node& body, const std::vector<std::string>& argv, Io& io, int line) {
  if (sh.function_depth_ >= kMaxFunctionDepth) {
    diag(io, line, argv[0] + ": maximum function nesting level exceeded (" + std::to_string(kMaxFunctionDepth) + ")");
    return 1;
  }
  std::vector<std::string> saved_positional = std::move(sh.positional_);
  sh.positional_.assign(argv.begin() + 1, argv.end());
  ++sh.function_depth_;
  local_frames.emplace_back();
  struct Leave {
    Impl& im;
    std::vector<std::string> positional;
    ~Leave() {
      auto& frame = im.local_frames.back();
      for (auto it = frame.rbegin(); it != frame.rend(); ++it) {
        if (it->second) im.sh.vars_[it->first] = *it->second;
        else im.sh.vars_.erase(it->first);
      }
      im.local_frames.pop_back();
      --im.sh.function_depth_;
      im.sh.positional_ = std::move(positional);
    }
  } leave{*this, std::move(saved_positional)};
  try {
    return exec_command(body, io);
  } catch (const ReturnRequest& r) {
    return r.status;
  }
}

// local NAME[=VALUE]...: the variable belongs to the running function from here on.
int Shell::Impl::b_local(const std::vector<std::string>& argv, Io& io, int line) {
  if (local_frames.empty()) {
    diag(io, line, "local: can only be used in a function");
    return 1;
  }
  int st = 0;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    const std::size_t eq = a.find('=');
    const std::string name = a.substr(0, eq);
    if (!is_valid_name(name)) {
      diag(io, line, "local: `" + a + "': not a valid identifier");
      st = 1;
      continue;
    }
    auto& frame = local_frames.back();
    bool saved = false;
    for (const auto& [k, v] : frame) saved = saved || k == name;
    if (!saved) {
      auto it = sh.vars_.find(name);
      frame.emplace_back(name, it == sh.vars_.end() ? std::nullopt : std::optional<std::string>(it->second));
    }
    if (eq != std::string::npos) sh.vars_[name] = a.substr(eq + 1);
    else sh.vars_.erase(name);
  }
  return st;
}

// return [N]: N, else the last command's status.
int Shell::Impl::b_return(const std::vector<std::string>& argv, Io& io, int line) {
  long long n = sh.last_status_;
  if (argv.size() > 1 && !parse_int(argv[1], n)) {
    diag(io, line, "return: " + argv[1] + ": numeric argument required");
    n = 2;
  }
  if (sh.function_depth_ == 0) {
    diag(io, line, "return: can only `return' from a function or sourced script");
    return 1;
  }
  throw ReturnRequest{static_cast<int>(n & 255)};
}

// shift [N]: drop the first N positional parameters; 1 if there are fewer.
int Shell::Impl::b_shift(const std::vector<std::string>& argv, Io& io, int line) {
  long long n = 1;
  if (argv.size() > 1 && (!parse_int(argv[1], n) || n < 0)) {
    diag(io, line, "shift: " + argv[1] + ": numeric argument required");
    return 1;
  }
  if (static_cast<std::size_t>(n) > sh.positional_.size()) return 1;
  sh.positional_.erase(sh.positional_.begin(), sh.positional_.begin() + n);
  return 0;
}

// $RANDOM: bash 5.2's generator (variables.c brand, intrand32): Park and Miller's minimal
// standard generator, its two 16-bit halves XORed, 15 bits kept, never the same value twice
// in a row (get_random_number).  The seed is --seed; `RANDOM=N` reseeds (sbrand).
int Shell::Impl::next_random() {
  int rv;
  do {
    const long long last = sh.random_state_ == 0 ? 123459876 : static_cast<long long>(sh.random_state_ & 0x7fffffff);
    const long long h = last / 127773, l = last % 127773;
    long long t = 16807 * l - 2836 * h;
    if (t < 0) t += 0x7fffffff;
    sh.random_state_ = static_cast<unsigned long>(t);
    rv = static_cast<int>(((sh.random_state_ >> 16) ^ (sh.random_state_ & 65535)) & 32767);
  } while (rv == sh.last_random_);
  return sh.last_random_ = rv;
}

void Shell::Impl::seed_random(const std::string& value) {
  sh.random_state_ = std::strtoul(value.c_str(), nullptr, 10);
  sh.last_random_ = 0;
}

}  // namespace apsim::driver
