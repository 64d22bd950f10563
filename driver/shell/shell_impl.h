// driver/shell/shell_impl.h — the declaration of Shell::Impl, the interpreter behind
// driver/shell/shell.h.  It lives in a header of its own so that its member functions can be
// defined in several translation units, one job each:
//   shell.cpp           the executor: top level, lists & compounds, simple commands,
//                       redirections, expansion, command dispatch
//   shell_builtins.cpp  bash's own builtins (echo, printf, cd, set, read, test, ...)
// The programs a command line names (cat, ls, grep, sleep, ssh, ...) are not the shell's:
// they run through ShellHost::run_command (driver/userspace).
// The member functions' comments are with their definitions.  Internal to the shell.
#pragma once

#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "driver/shell/shell.h"
#include "driver/shell/shell_ast.h"
#include "driver/shell/shell_expand.h"
#include "driver/shell/shell_parser.h"

namespace apsim::driver {
namespace shell_detail {

// How deep the running shells (including ssh sub-shells) are nested on this thread.
inline thread_local int g_run_depth = 0;

}  // namespace shell_detail

// The shell's internal types and helpers were in an unnamed namespace, which every name
// lookup in this namespace sees; the using-directive keeps that for the files that include
// this internal header (only driver/shell/shell*.cpp do).
using namespace shell_detail;

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
    std::map<std::string, std::shared_ptr<const Node>> functions;
    std::vector<std::string> positional;
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
  Shell::Job* current_job = nullptr;  // the background job being started, if any
  bool job_may_sleep = false;      // it is one simple command: its write may sleep on
  int cmdsub_status = -1;          // status of the last $(...) of the current command
  int loop_depth = 0;              // enclosing for/while/until loops (for break/continue)

  explicit Impl(Shell& s) : sh(s) {}

  Saved save() const;
  void restore(Saved&& s);

  FileSystem& fs() { return sh.host_.fs(); }
  // "SCRIPT: line N: " — bash's prefix for its own diagnostics in a script.
  // An interactive shell's are "-bash: " (no line number).
  std::string where(int line) const {
    return sh.opts_.script_name + (sh.opts_.interactive ? std::string(": ") : ": line " + std::to_string(line) + ": ");
  }
  void diag(const Io& io, int line, const std::string& text) { *io.err << where(line) << text << "\n"; }

  void step(const Io& io, int line);

  // ---------------------------------------------------------------- top level
  int run_top(const std::string& text);
  int run_text(const std::string& text, int first_line, const Io& io, bool echo, bool top = false);
  void run_session_command(const Node& cmd, const std::string& src, bool echo, std::vector<ParseWarning>& warnings);
  const Node* login_node = nullptr;  // the command line's one simple command (may open a login shell)
  bool login_here = false;           // run_argv runs login_node now
  std::string prompt_dir() const;
  void echo_command(std::string src);

  // ---------------------------------------------------------------- lists & compounds
  int exec_list(const Node& list, const Io& io);
  int exec_and_or(const Node& n, const Io& io);
  int exec_pipeline(const Node& p, const Io& io);
  int exec_command(const Node& n, const Io& io);
  int run_condition(const Node& list, const Io& io);
  int exec_for(const Node& n, const Io& io);

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

  int exec_if(const Node& n, const Io& io);
  // shell_compound.cpp: case, [[ ]], functions, $RANDOM
  int exec_case(const Node& n, const Io& io);
  int exec_cond(const Node& n, const Io& io);
  bool cond_or(const Node& n, std::size_t& p, const Io& io);
  bool cond_and(const Node& n, std::size_t& p, const Io& io);
  bool cond_not(const Node& n, std::size_t& p, const Io& io);
  bool cond_primary(const Node& n, std::size_t& p, const Io& io);
  std::string expand_pattern(const Word& w, const Io& io);
  int call_function(const Node& body, const std::vector<std::string>& argv, Io& io, int line);
  int b_local(const std::vector<std::string>& argv, Io& io, int line);
  int b_return(const std::vector<std::string>& argv, Io& io, int line);
  int b_shift(const std::vector<std::string>& argv, Io& io, int line);
  int next_random();
  void seed_random(const std::string& value);
  // `local` saves a variable's value here, for the innermost function call to restore.
  std::vector<std::vector<std::pair<std::string, std::optional<std::string>>>> local_frames;
  int exec_while(const Node& n, const Io& io);
  int b_loop_control(const std::vector<std::string>& argv, Io& io, int line);

  // ---------------------------------------------------------------- simple commands
  int exec_simple(const Node& n, const Io& io);
  void restore_vars(std::vector<std::pair<std::string, std::optional<std::string>>>& old);
  static bool is_bash_builtin(const std::string& name);

  // ---------------------------------------------------------------- redirections
  bool apply_redirs(const std::vector<Redir>& redirs, Io& io, RedirState& rs, int line);
  static void set_fd(Io& io, int fd, std::ostream* s);
  bool redir_target(const Redir& r, const Io& io, int line, std::string& path);
  int flush(RedirState& rs, const Io& io, int st, const std::string& who, bool builtin, int line,
            const Node* cmd = nullptr);
  void write_error(const Io& io, int rc, const std::string& who, bool builtin, int line);
  [[noreturn]] void blocked_for_good(const Io& io, int line, const std::string& command, const std::string& what);

  // ---------------------------------------------------------------- jobs
  int start_job(const Node& and_or, const Io& io);
  bool finish_job(Shell::Job& job, const Io& io, bool wait);
  void reap_jobs(const Io& io);
  static std::string command_text(const Node& n);
  int b_wait(const std::vector<std::string>& argv, Io& io, int line);
  int b_jobs(const std::vector<std::string>& argv, Io& io, int line);

  // ---------------------------------------------------------------- expansion
  std::vector<std::string> expand_fields(const Word& w, const Io& io);
  std::string expand_single(const Word& w, const Io& io, bool assignment);
  std::string expand_heredoc(const std::string& s, int line, const Io& io);
  void walk(const Word& w, FieldBuilder& fb, const Io& io, bool assignment = false);
  std::string tilde(const std::string& user);
  void walk_unquoted(const std::string& s, std::size_t i, std::size_t end, int& line, FieldBuilder& fb,
                     const Io& io, bool assignment);
  std::size_t walk_dquote(const std::string& s, std::size_t i, std::size_t end, int& line, FieldBuilder& fb,
                          const Io& io);
  std::size_t expand_backtick(const std::string& s, std::size_t i, std::size_t end, int& line, FieldBuilder& fb,
                              const Io& io, bool quoted);
  std::size_t expand_dollar(const std::string& s, std::size_t i, std::size_t end, int& line, FieldBuilder& fb,
                            const Io& io, bool quoted);
  std::optional<std::string> param(const std::string& name, int line, const Io& io);
  [[noreturn]] void bad_substitution(const std::string& body, int line, const Io& io);
  std::optional<std::string> braced_param(const std::string& body, int line, const Io& io);
  static std::string strip(const std::string& v, const std::string& pat, bool prefix, bool longest);
  static std::string substitute(const std::string& v, const std::string& pat, const std::string& rep, bool all);
  long long arithmetic(const std::string& raw_expr, int line, const Io& io);
  std::string command_substitution(const std::string& text, int line, const Io& io);
  std::vector<std::string> glob(const std::string& pattern);

  // ---------------------------------------------------------------- command dispatch
  using Builtin = int (Impl::*)(const std::vector<std::string>&, Io&, int);

  int run_argv(const std::vector<std::string>& argv, Io& io, int line);

  // ---------------------------------------------------------------- bash builtins
  int b_true(const std::vector<std::string>&, Io&, int) { return 0; }
  int b_false(const std::vector<std::string>&, Io&, int) { return 1; }

  int b_echo(const std::vector<std::string>& argv, Io& io, int);
  int b_printf(const std::vector<std::string>& argv, Io& io, int line);
  std::string canon_logical(const std::string& path);
  int b_cd(const std::vector<std::string>& argv, Io& io, int line);
  int b_pwd(const std::vector<std::string>& argv, Io& io, int);
  int b_exit(const std::vector<std::string>& argv, Io& io, int line);
  int b_set(const std::vector<std::string>& argv, Io& io, int line);
  int b_export(const std::vector<std::string>& argv, Io& io, int line);
  int b_unset(const std::vector<std::string>& argv, Io&, int);
  int b_read(const std::vector<std::string>& argv, Io& io, int line);
  int b_test(const std::vector<std::string>& argv_in, Io& io, int line);
  bool test_or(const std::vector<std::string>& a, std::size_t& p, Io& io, int line, const std::string& nm);
  bool test_and(const std::vector<std::string>& a, std::size_t& p, Io& io, int line, const std::string& nm);
  static bool is_test_binop(const std::string& op);
  bool test_not(const std::vector<std::string>& a, std::size_t& p, Io& io, int line, const std::string& nm);
  bool test_primary(const std::vector<std::string>& a, std::size_t& p, Io& io, int line, const std::string& nm);
};

}  // namespace apsim::driver
