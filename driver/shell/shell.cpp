// driver/shell/shell.cpp — the scenario shell (see shell.h for the language subset).
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
//
// This file holds the executor: Shell::Impl's top level, lists & compounds, simple
// commands, redirections, expansion and command dispatch, and Shell itself.  The other
// parts of the shell have a file each:
//   shell_ast.h              limits, exception types, character classes, the AST
//   shell_parser.{h,cpp}     the lexer and Parser
//   shell_expand.{h,cpp}     FieldBuilder and the word-expansion/text helpers
//   shell_arith.{h,cpp}      Arith: $(( )) arithmetic
//   shell_impl.h             the declaration of Shell::Impl, shared by the files below
//   shell_builtins.cpp       bash builtins (echo, printf, cd, set, read, test, ...)
// The programs (cat, ls, grep, mkdir, rm, cut, sleep, ssh, ...) are driver/userspace's.
#include "driver/shell/shell.h"

#include <fnmatch.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
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

#include "driver/shell/glob.h"
#include "driver/shell/shell_arith.h"
#include "driver/shell/shell_ast.h"
#include "driver/shell/shell_expand.h"
#include "driver/shell/shell_impl.h"
#include "driver/shell/shell_parser.h"

namespace apsim::driver {

// ================================================================ the interpreter
Shell::Impl::Saved Shell::Impl::save() const {
  return Saved{sh.vars_, sh.functions_, sh.positional_, sh.cwd_, sh.oldpwd_, sh.errexit_, sh.pipefail_, sh.xtrace_,
               sh.nounset_};
}

void Shell::Impl::restore(Saved&& s) {
  sh.vars_ = std::move(s.vars);
  sh.functions_ = std::move(s.functions);
  sh.positional_ = std::move(s.positional);
  sh.cwd_ = std::move(s.cwd);
  sh.oldpwd_ = std::move(s.oldpwd);
  sh.errexit_ = s.errexit;
  sh.pipefail_ = s.pipefail;
  sh.xtrace_ = s.xtrace;
  sh.nounset_ = s.nounset;
}

void Shell::Impl::step(const Io& io, int line) {
  if (!sh.jobs_.empty()) reap_jobs(io);
  if (++sh.steps_ > kMaxSteps) {
    diag(io, line, "apsim: step limit (" + std::to_string(kMaxSteps) + " commands) exceeded, script stopped");
    throw StepLimit{};
  }
}

// ---------------------------------------------------------------- top level

int Shell::Impl::run_top(const std::string& text) {
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
    sh.last_status_ = run_text(text, 1, io, sh.opts_.echo_commands, true);
  } catch (const ExitRequest& e) {
    sh.last_status_ = e.status;
    sh.exited_ = true;
  } catch (const Interrupted&) {  // Ctrl-C in a command substitution of a non-top shell
    sh.last_status_ = kInterruptedStatus;
  } catch (const StepLimit&) {
    sh.last_status_ = 1;
  } catch (const std::length_error&) {  // subshells nested beyond kMaxRunDepth
    diag(io, 1, "apsim: subshells nested too deeply, script stopped");
    sh.last_status_ = 1;
  } catch (BlockedForGood& b) {
    // Reported where it happened.  A shell run by a program (ssh) blocks its caller too.
    if (g_run_depth > 1) throw;
    sh.last_status_ = kBlockedForGoodStatus;
  }
  return sh.last_status_;
}

// Parse and run `text` one complete command at a time (bash runs line 1 before it
// parses line 2).  A syntax error prints bash's message and stops with status 2.
int Shell::Impl::run_text(const std::string& text, int first_line, const Io& io, bool echo, bool top) {
  Parser parser(text, first_line);
  for (;;) {
    NodeP cmd;
    std::size_t b = 0, e = 0;
    try {
      cmd = parser.complete_command(b, e);
    } catch (const SyntaxError& err) {
      diag(io, err.line, err.msg);
      // A script's error quotes the line; at a terminal bash says only the error.
      if (!err.context.empty() && !sh.opts_.interactive) diag(io, err.line, "`" + err.context + "'");
      return sh.last_status_ = 2;
    }
    if (top) {
      if (cmd) run_session_command(*cmd, text.substr(b, e - b), echo, parser.warnings());
      else for (const auto& w : parser.warnings()) diag(io, w.line, w.msg);
      parser.warnings().clear();
      if (!cmd) return sh.last_status_;
      continue;
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
std::string Shell::prompt_dir() const {
  auto home = vars_.find("HOME");
  const std::string& h = home != vars_.end() ? home->second : std::string(kHome);
  if (cwd_ == h) return "~";
  if (cwd_ == "/") return "/";
  return cwd_.substr(cwd_.find_last_of('/') + 1);
}
std::string Shell::Impl::prompt_dir() const { return sh.prompt_dir(); }

// ---------------------------------------------------------------- the session's login stack

// One complete command of the top-level shell: it runs in the innermost login shell (the
// host's own if none), echoed with that shell's prompt.  `ssh NAME` alone there enters NAME's
// shell (LoginShell); `exit` in a login shell leaves it, as the ssh session ends; Ctrl-C
// (Interrupted) ends the command line with 130.
void Shell::Impl::run_session_command(const Node& cmd, const std::string& src, bool echo,
                                      std::vector<ParseWarning>& warnings) {
  sh.prune_logins();
  Shell& cur = sh.innermost();
  Impl sub(cur);
  Impl& ci = &cur == &sh ? *this : sub;
  Io cio{&cur.out_, &cur.err_, nullptr};
  if (echo) ci.echo_command(src);
  for (const auto& w : warnings) ci.diag(cio, w.line, w.msg);
  // The command line's one simple command may open a login shell.
  const Node* n = &cmd;
  while (n->kids.size() == 1 && !n->negate &&
         (n->kind == Node::Kind::List || n->kind == Node::Kind::AndOr || n->kind == Node::Kind::Pipeline) &&
         !(n->kind == Node::Kind::List && !n->ops.empty() && n->ops[0] == "&"))
    n = n->kids[0].get();
  ci.login_node = n->kind == Node::Kind::Simple ? n : nullptr;
  try {
    ci.exec_list(cmd, cio);
  } catch (const LoginShell& l) {
    ShellHost* remote = l.lookup ? l.lookup() : nullptr;
    if (!remote) {
      cur.last_status_ = 255;
      return;
    }
    ShellOptions o = sh.opts_;
    o.script_name = sh.opts_.interactive ? "-bash" : "bash";
    o.random_seed = cur.random_state_ + 1;
    Login login{l.name, l.lookup, remote, std::make_unique<Shell>(*remote, sh.out_, sh.err_, o)};
    sh.logins_.push_back(std::move(login));
    cur.last_status_ = 0;
  } catch (const Interrupted&) {
    *cio.out << "\n";  // after the terminal's ^C, as bash does for a child killed by SIGINT
    cur.last_status_ = kInterruptedStatus;
  } catch (const ExitRequest& e) {
    if (&cur == &sh) throw;
    cur.last_status_ = e.status;
    sh.leave_login(false);
  } catch (const StepLimit&) {
    if (&cur == &sh) throw;
    cur.last_status_ = 1;
  }
  sh.prune_logins();
}

Shell& Shell::innermost() { return logins_.empty() ? *this : *logins_.back().shell; }
const Shell& Shell::innermost() const { return logins_.empty() ? *this : *logins_.back().shell; }

// The innermost login shell ends: its instance's `exit` status becomes the host's $? (ssh
// returns it).  An interactive session prints what bash and ssh print on the terminal.
void Shell::leave_login(bool gone) {
  Login& l = logins_.back();
  const int st = l.shell->last_status_;
  if (opts_.interactive) {
    if (gone) err_ << "Connection to " << l.name << " closed by remote host.\n";
    else err_ << "logout\n";
    err_ << "Connection to " << l.name << " closed.\n";
  }
  logins_.pop_back();
  innermost().last_status_ = gone ? 255 : st;
}

// Login shells whose instance is gone (the guest powered off) end, as ssh's connection does.
void Shell::prune_logins() {
  for (std::size_t i = 0; i < logins_.size(); ++i) {
    if (logins_[i].lookup() == logins_[i].host) continue;
    while (logins_.size() > i + 1) logins_.pop_back();  // nested sessions went with it
    leave_login(true);
    return;
  }
}

bool Shell::is_complete(const std::string& text) {
  std::size_t bs = 0;
  {
    std::string t = text;
    while (!t.empty() && t.back() == '\n') t.pop_back();
    while (!t.empty() && t.back() == '\\') {
      t.pop_back();
      ++bs;
    }
  }
  if (bs % 2 == 1) return false;  // a `\` continuation
  Parser parser(text, 1);
  try {
    for (;;) {
      std::size_t b = 0, e = 0;
      NodeP cmd = parser.complete_command(b, e);
      for (const auto& w : parser.warnings())
        if (w.msg.find("delimited by end-of-file") != std::string::npos) return false;
      if (!cmd) return true;
    }
  } catch (const SyntaxError& err) {
    return err.msg.find("unexpected end of file") == std::string::npos &&
           err.msg.find("unexpected EOF while looking for matching") == std::string::npos &&
           err.msg.find("in conditional command, `]]' expected") == std::string::npos;
  }
}

int Shell::run_line(const std::string& text) {
  Impl impl(*this);
  return impl.run_top(text);
}

std::string Shell::prompt() const {
  const Shell& s = innermost();
  return "[root@" + s.host_.hostname() + " " + s.prompt_dir() + "]# ";
}

std::vector<std::string> Shell::logins() const {
  std::vector<std::string> names;
  for (const auto& l : logins_) names.push_back(l.name);
  return names;
}

void Shell::logout() {
  prune_logins();
  if (logins_.empty()) {
    exited_ = true;
    return;
  }
  leave_login(false);
}

int Shell::status() const { return innermost().last_status_; }
void Shell::set_status(int st) { innermost().last_status_ = st; }

// "[root@HOST DIR]# LINE", with `\`-newline joined and later lines of a multi-line
// command shown after the secondary prompt "> ", as a terminal shows them.
void Shell::Impl::echo_command(std::string src) {
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

int Shell::Impl::exec_list(const Node& list, const Io& io) {
  int st = sh.last_status_;
  for (std::size_t i = 0; i < list.kids.size(); ++i) {
    bool async = i < list.ops.size() && list.ops[i] == "&";
    if (async) {
      st = start_job(*list.kids[i], io);
    } else {
      st = exec_and_or(*list.kids[i], io);
    }
  }
  return st;
}

int Shell::Impl::exec_and_or(const Node& n, const Io& io) {
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

int Shell::Impl::exec_pipeline(const Node& p, const Io& io) {
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

int Shell::Impl::exec_command(const Node& n, const Io& io) {
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
    case Node::Kind::Case:
      st = exec_case(n, cio);
      break;
    case Node::Kind::Cond:
      step(cio, n.line);
      st = exec_cond(n, cio);
      break;
    case Node::Kind::Function:
      sh.functions_[n.var] = n.fn_body;  // defining a function: status 0
      st = 0;
      break;
    default:
      break;
  }
  st = flush(rs, cio, st, "", false, n.line);
  return sh.last_status_ = st;
}

int Shell::Impl::run_condition(const Node& list, const Io& io) {
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

int Shell::Impl::exec_for(const Node& n, const Io& io) {
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

int Shell::Impl::exec_if(const Node& n, const Io& io) {
  std::size_t pairs = (n.kids.size() - (n.has_else ? 1 : 0)) / 2;
  for (std::size_t i = 0; i < pairs; ++i) {
    if (run_condition(*n.kids[2 * i], io) == 0) return exec_list(*n.kids[2 * i + 1], io);
  }
  if (n.has_else) return exec_list(*n.kids.back(), io);
  return 0;
}

int Shell::Impl::exec_while(const Node& n, const Io& io) {
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
int Shell::Impl::b_loop_control(const std::vector<std::string>& argv, Io& io, int line) {
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

// ---------------------------------------------------------------- jobs

// `cmd &`: the job runs now, to its end (one software thread), unless its write(2) sleeps in
// the kernel (possible when the job is one simple command): then it stays Running until the
// call completes.  $? is 0 as after starting a background job; set -e does not apply.
int Shell::Impl::start_job(const Node& and_or, const Io& io) {
  Shell::Job job;
  job.id = sh.jobs_.empty() ? 1 : sh.jobs_.back().id + 1;
  job.pid = ++sh.last_pid_;
  job.text = command_text(and_or) + " &";
  sh.last_bg_pid_ = job.pid;
  const Node* simple = &and_or;
  while (simple->kind != Node::Kind::Simple && simple->kids.size() == 1 && !simple->negate &&
         (simple->kind == Node::Kind::AndOr || simple->kind == Node::Kind::Pipeline))
    simple = simple->kids[0].get();
  Shell::Job* const saved_job = current_job;
  const bool saved_may = job_may_sleep;
  current_job = &job;
  job_may_sleep = simple->kind == Node::Kind::Simple;
  struct Restore {
    Impl& im;
    Shell::Job* job;
    bool may;
    ~Restore() {
      --im.errexit_suppressed;
      im.current_job = job;
      im.job_may_sleep = may;
    }
  };
  ++errexit_suppressed;
  int st = 0;
  {
    Restore restore{*this, saved_job, saved_may};
    st = exec_and_or(and_or, io);
  }
  if (job.call) sh.jobs_.push_back(job);
  else sh.job_status_[job.pid] = st;
  return sh.last_status_ = 0;
}

// The job's sleeping write has completed (with `wait`: is waited for): report a write error
// as the writer would and record the job's status.  False if it still runs.
bool Shell::Impl::finish_job(Shell::Job& job, const Io& io, bool wait) {
  if (!job.call->done()) {
    if (!wait) return false;
    if (!sh.host_.wait_for(*job.call, sh.host_.hung_task_timeout_s()))
      blocked_for_good(io, job.line, job.text, job.call->waits_for());
  }
  int st = job.status;
  if (const int rc = job.call->result(); rc < 0) {
    write_error(io, rc, job.who, job.builtin, job.line);
    st = (job.who == "grep" || job.who == "ls") ? 2 : 1;
  }
  sh.job_status_[job.pid] = st;
  return true;
}

// The command as bash prints it in `jobs`: words and redirections separated by one space,
// operators spaced, ( ) and { } with their spaces.
std::string Shell::Impl::command_text(const Node& n) {
  std::string s;
  switch (n.kind) {
    case Node::Kind::Simple:
      for (const auto& a : n.assigns) s += (s.empty() ? "" : " ") + a.raw;
      for (const auto& w : n.words) s += (s.empty() ? "" : " ") + w.raw;
      for (const auto& r : n.redirs)
        s += (s.empty() ? "" : " ") + (r.fd >= 0 ? std::to_string(r.fd) : std::string()) + r.op + " " +
             (r.heredoc ? r.heredoc->delimiter : r.target.raw);
      return s;
    case Node::Kind::Pipeline:
      for (const auto& k : n.kids) s += (s.empty() ? "" : " | ") + command_text(*k);
      return (n.negate ? "! " : "") + s;
    case Node::Kind::AndOr:
      s = command_text(*n.kids[0]);
      for (std::size_t i = 1; i < n.kids.size(); ++i) s += " " + n.ops[i - 1] + " " + command_text(*n.kids[i]);
      return s;
    case Node::Kind::List:
      for (std::size_t i = 0; i < n.kids.size(); ++i)
        s += command_text(*n.kids[i]) + (i + 1 == n.kids.size() ? "" : i < n.ops.size() && n.ops[i] == "&" ? " & " : "; ");
      return s;
    case Node::Kind::Subshell:
      return "( " + command_text(*n.kids[0]) + " )";
    case Node::Kind::Group:
      return "{ " + command_text(*n.kids[0]) + "; }";
    case Node::Kind::Cond: {
      s = "[[";
      for (const auto& w : n.words) s += " " + w.raw;
      return s + " ]]";
    }
    default:  // for/if/while/case: bash prints them on several lines
      return n.kind == Node::Kind::For      ? "for ..."
             : n.kind == Node::Kind::If     ? "if ..."
             : n.kind == Node::Kind::Case   ? "case ..."
             : n.kind == Node::Kind::Function ? n.var + " ()"
                                            : "while ...";
  }
}

// ---------------------------------------------------------------- simple commands

int Shell::Impl::exec_simple(const Node& n, const Io& io) {
  step(io, n.line);
  cmdsub_status = -1;
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> assigns;
  try {
    // `local`, `export`: an argument that is an assignment is not split or globbed (bash's
    // declaration builtins).
    const bool declaration = !n.words.empty() && (n.words[0].raw == "local" || n.words[0].raw == "export");
    for (const auto& w : n.words) {
      if (declaration && &w != &n.words[0] && is_assignment(w.raw)) {
        argv.push_back(expand_single(w, io, true));
        continue;
      }
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
      if (k == "RANDOM") seed_random(v);
      else sh.vars_[k] = v;
    }
    int st = cmdsub_status >= 0 ? cmdsub_status : 0;
    return sh.last_status_ = flush(rs, cio, st, "", true, n.line);
  }

  if (sh.xtrace_) {
    *cio.err << "+";
    for (const auto& a : argv) *cio.err << " " << trace_quote(a);
    *cio.err << "\n";
  }
  login_here = &n == login_node;
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
  st = flush(rs, cio, st, argv[0], is_bash_builtin(argv[0]), n.line, &n);
  return sh.last_status_ = st;
}

void Shell::Impl::restore_vars(std::vector<std::pair<std::string, std::optional<std::string>>>& old) {
  for (auto it = old.rbegin(); it != old.rend(); ++it) {
    if (it->second) sh.vars_[it->first] = *it->second;
    else sh.vars_.erase(it->first);
  }
}

bool Shell::Impl::is_bash_builtin(const std::string& name) {
  static const char* names[] = {"echo", "printf", "pwd", "cd", "set", "exit", "true", "false", ":", "test",
                                "[", "export", "unset", "wait", "jobs", "read", "break", "continue",
                                "local", "return", "shift"};
  for (const char* b : names)
    if (name == b) return true;
  return false;
}

// ---------------------------------------------------------------- redirections

// Perform redirections left to right, as bash does: a failing open prints
// "SCRIPT: line N: PATH: <strerror>" on the stderr in effect at that point and the
// command does not run.
bool Shell::Impl::apply_redirs(const std::vector<Redir>& redirs, Io& io, RedirState& rs, int line) {
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

void Shell::Impl::set_fd(Io& io, int fd, std::ostream* s) {
  if (fd == 1) io.out = s;
  else if (fd == 2) io.err = s;
  // fd 0 and others: not modelled for output.
}

bool Shell::Impl::redir_target(const Redir& r, const Io& io, int line, std::string& path) {
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
int Shell::Impl::flush(RedirState& rs, const Io& io, int st, const std::string& who, bool builtin, int line,
                       const Node* cmd) {
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
    if (rc == FileSystem::kWriteSleeps) {
      std::shared_ptr<SleepingCall> call = fs().take_sleeping();
      if (current_job && job_may_sleep) {
        // A background job's write sleeps: the job runs on; `wait` collects its end.
        current_job->call = call;
        current_job->who = who;
        current_job->builtin = builtin;
        current_job->line = line;
        current_job->status = st;
        continue;
      }
      // In the foreground the script waits for the call, as bash waits for its child.  The
      // writer is bash itself for a builtin, else the program.  Ctrl-C reaches the sleeping
      // task; the kernel decides whether that ends the call (SleepingCall::signalled).
      bool done = false;
      while (call) {
        try {
          done = sh.host_.wait_for(*call, sh.host_.hung_task_timeout_s());
          break;
        } catch (const Interrupted&) {
          if (!call->signalled(builtin ? "bash" : who, kShellPid)) throw;
        }
      }
      if (!done) blocked_for_good(io, line, cmd ? command_text(*cmd) : who, call ? call->waits_for() : "");
      rc = call->result();
    }
    if (rc < 0) {
      write_error(io, rc, who, builtin, line);
      st = (who == "grep" || who == "ls") ? 2 : 1;
    }
  }
  return st;
}

// A failed write(2) of a redirection, as the writer reports it.
void Shell::Impl::write_error(const Io& io, int rc, const std::string& who, bool builtin, int line) {
  if (who.empty())
    diag(io, line, "write error: " + strerr(rc));
  else if (builtin)
    diag(io, line, who + ": write error: " + strerr(rc));
  else
    *io.err << who << ": write error: " << strerr(rc) << "\n";
}

// The script cannot go on: a command sleeps in the kernel and nothing will wake it.  apsim
// waits the hung-task timeout of simulated time (ShellHost::hung_task_timeout_s) first.
void Shell::Impl::blocked_for_good(const Io& io, int line, const std::string& command, const std::string& what) {
  *io.err << "apsim: " << where(line) << "`" << command << "' is blocked in the kernel for more than "
          << static_cast<long>(sh.host_.hung_task_timeout_s()) << " s" << (what.empty() ? "" : " waiting for " + what)
          << "; the script stops here\n";
  throw BlockedForGood{command, what, true};
}


// ---------------------------------------------------------------- expansion

// Full expansion of a command word: parameters, command substitution, arithmetic,
// quote removal, word splitting and pathname expansion.
std::vector<std::string> Shell::Impl::expand_fields(const Word& w, const Io& io) {
  if (w.raw.find('{') != std::string::npos) {  // brace expansion comes first (bash)
    std::vector<std::string> words;
    try {
      words = brace_expand(w.raw);
    } catch (const std::length_error&) {
      diag(io, w.line, "apsim: brace expansion too long, script stopped");
      throw StepLimit{};
    }
    if (words.size() != 1 || words[0] != w.raw) {
      std::vector<std::string> out;
      for (const auto& raw : words) {
        auto f = expand_fields(Word{raw, w.line}, io);
        out.insert(out.end(), f.begin(), f.end());
      }
      return out;
    }
  }
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
std::string Shell::Impl::expand_single(const Word& w, const Io& io, bool assignment) {
  FieldBuilder fb(false);
  walk(w, fb, io, assignment);
  auto fields = fb.finish();
  return fields.empty() ? std::string() : fields[0].text;
}

// An unquoted here-document's body: parameter, command and arithmetic expansion; a
// backslash quotes only \ $ ` and newline (a double quote is an ordinary character).
std::string Shell::Impl::expand_heredoc(const std::string& s, int line, const Io& io) {
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

void Shell::Impl::walk(const Word& w, FieldBuilder& fb, const Io& io, bool assignment) {
  int line = w.line;
  try {
    walk_unquoted(w.raw, 0, w.raw.size(), line, fb, io, assignment);
  } catch (const std::length_error&) {
    // Like bash running out of memory: no sensible way to continue the script.
    diag(io, w.line, "apsim: expansion too long or nested too deeply, script stopped");
    throw StepLimit{};
  }
}

std::string Shell::Impl::tilde(const std::string& user) {
  if (user.empty()) {
    auto it = sh.vars_.find("HOME");
    return it != sh.vars_.end() ? it->second : kHome;
  }
  if (user == "root") return kHome;
  if (user == "+") return sh.cwd_;
  return "";
}

void Shell::Impl::walk_unquoted(const std::string& s, std::size_t i, std::size_t end, int& line, FieldBuilder& fb,
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

std::size_t Shell::Impl::walk_dquote(const std::string& s, std::size_t i, std::size_t end, int& line, FieldBuilder& fb,
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

std::size_t Shell::Impl::expand_backtick(const std::string& s, std::size_t i, std::size_t end, int& line, FieldBuilder& fb,
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

std::size_t Shell::Impl::expand_dollar(const std::string& s, std::size_t i, std::size_t end, int& line, FieldBuilder& fb,
                                       const Io& io, bool quoted) {
  if (i + 1 >= end) {
    fb.lit('$', quoted);
    return i + 1;
  }
  char n = s[i + 1];
  if (n == '\'' && !quoted) {  // $'...': ANSI-C quoting (bash's escapes, as printf's %b)
    std::size_t j = i + 2;
    std::string body;
    for (; j < end && s[j] != '\''; ++j) {
      if (s[j] == '\\' && j + 1 < end) body += s[j++];
      body += s[j];
    }
    std::string text;
    for (std::size_t k = 0; k < body.size(); ++k) {  // \' and \" are the characters
      if (body[k] == '\\' && k + 1 < body.size() && (body[k + 1] == '\'' || body[k + 1] == '"')) continue;
      text += body[k];
    }
    std::string out;
    interpret_escapes(text, out, false);
    fb.lit(out, true);
    fb.mark_quoted();
    line += count_newlines(s, i, j);
    return std::min(j + 1, end);
  }
  if (n == '@' && quoted) {
    fb.positional(sh.positional_);
    return i + 2;
  }
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
std::optional<std::string> Shell::Impl::param(const std::string& name, int line, const Io& io) {
  if (name == "?") return std::to_string(sh.last_status_);
  if (name == "$") return std::to_string(kShellPid);
  if (name == "#") return std::to_string(sh.positional_.size());
  if (name == "0") return sh.opts_.script_name;
  if (name == "-") return std::string(sh.errexit_ ? "ehB" : "hB");
  if (name == "!") return sh.last_bg_pid_ ? std::optional<std::string>(std::to_string(sh.last_bg_pid_)) : std::nullopt;
  if (name == "@" || name == "*") {
    if (sh.positional_.empty()) return std::nullopt;
    std::string all;
    for (const auto& p : sh.positional_) all += (all.empty() ? "" : " ") + p;
    return all;
  }
  if (!name.empty() && is_digit(name[0])) {
    const std::size_t k = std::strtoul(name.c_str(), nullptr, 10);
    if (k >= 1 && k <= sh.positional_.size()) return sh.positional_[k - 1];
    if (sh.nounset_ && k >= 1) {
      diag(io, line, name + ": unbound variable");
      throw ExitRequest{1};
    }
    return std::nullopt;
  }
  if (name == "RANDOM") return std::to_string(next_random());
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

[[noreturn]] void Shell::Impl::bad_substitution(const std::string& body, int line, const Io& io) {
  diag(io, line, "${" + body + "}: bad substitution");
  throw ExpansionError{1};
}

// ${...}: NAME, #NAME, and the operators - = + ? (with or without ':'), # ## % %%,
// / // (pattern substitution) and :offset[:length].
std::optional<std::string> Shell::Impl::braced_param(const std::string& body, int line, const Io& io) {
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
  if (i < body.size() && body[i] == '[') {
    diag(io, line, "${" + body + "}: arrays are not supported by apsim's shell (docs/shell.md)");
    throw ExpansionError{1};
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

// ${X#p} ${X##p} ${X%p} ${X%%p}: the shortest or longest matching prefix or suffix, found in
// one pass of the compiled pattern over the value (glob.h), not one fnmatch per length.
std::string Shell::Impl::strip(const std::string& v, const std::string& pat, bool prefix, bool longest) {
  const GlobPattern g(pat);
  if (prefix) {
    const std::size_t len = g.prefix(v, longest);
    return len == GlobPattern::npos ? v : v.substr(len);
  }
  const std::size_t start = g.suffix(v, longest);
  return start == GlobPattern::npos ? v : v.substr(0, start);
}

// ${X/p/r} ${X//p/r}: bash's pat_subst with MATCH_ANY (subst.c): the leftmost match, the
// longest there; an empty value is replaced when the pattern matches the empty string.
std::string Shell::Impl::substitute(const std::string& v, const std::string& pat, const std::string& rep, bool all) {
  if (pat.empty()) return v;
  const GlobPattern g(pat);
  if (v.empty()) return g.match(v) ? rep : v;
  std::string out;
  std::size_t i = 0, start = 0, len = 0;
  while (i < v.size() && g.find(v, i, start, len) && len > 0) {
    out.append(v, i, start - i);
    out += rep;
    if (out.size() > kMaxWordLen) throw std::length_error("word");
    i = start + len;
    if (!all) break;
  }
  out.append(v, i, std::string::npos);
  return out;
}

long long Shell::Impl::arithmetic(const std::string& raw_expr, int line, const Io& io) {
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
std::string Shell::Impl::command_substitution(const std::string& text, int line, const Io& io) {
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
std::vector<std::string> Shell::Impl::glob(const std::string& pattern) {
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

int Shell::Impl::run_argv(const std::vector<std::string>& argv, Io& io, int line) {
  static const std::map<std::string, Builtin> builtins = {
      {"echo", &Impl::b_echo},       {"printf", &Impl::b_printf}, {"cd", &Impl::b_cd},
      {"pwd", &Impl::b_pwd},         {"true", &Impl::b_true},     {":", &Impl::b_true},
      {"false", &Impl::b_false},     {"exit", &Impl::b_exit},     {"set", &Impl::b_set},
      {"export", &Impl::b_export},   {"unset", &Impl::b_unset},   {"test", &Impl::b_test},
      {"[", &Impl::b_test},          {"wait", &Impl::b_wait},     {"read", &Impl::b_read},
      {"jobs", &Impl::b_jobs},       {"local", &Impl::b_local},   {"return", &Impl::b_return},
      {"shift", &Impl::b_shift},
      {"break", &Impl::b_loop_control}, {"continue", &Impl::b_loop_control},
  };
  if (auto f = sh.functions_.find(argv[0]); f != sh.functions_.end()) {
    const std::shared_ptr<const Node> body = f->second;  // the function may redefine itself
    return call_function(*body, argv, io, line);
  }
  auto it = builtins.find(argv[0]);
  if (it != builtins.end()) return (this->*(it->second))(argv, io, line);
  std::optional<int> st;
  try {
    const bool may_login = login_here;
    login_here = false;
    st = sh.host_.run_command(argv, CommandIo{io.in, io.out, io.err, may_login}, sh.cwd_);
  } catch (const BlockedForGood& b) {
    if (b.reported) throw;
    std::string text;
    for (const auto& a : argv) text += (text.empty() ? "" : " ") + a;
    blocked_for_good(io, line, b.command.empty() ? text : b.command, b.waits_for);
  }
  if (st) return *st;
  if (argv[0].find('/') != std::string::npos)
    diag(io, line, argv[0] + ": No such file or directory");
  else
    diag(io, line, argv[0] + ": command not found");
  return 127;
}

// ================================================================ Shell
Shell::Shell(ShellHost& host, std::ostream& out, std::ostream& err, ShellOptions opts)
    : host_(host), out_(out), err_(err), opts_(std::move(opts)), random_state_(opts_.random_seed) {}

int Shell::run_script(const std::string& text) {
  Impl impl(*this);
  return impl.run_top(text);
}

}  // namespace apsim::driver
