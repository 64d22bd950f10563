// testbench/apsim/shell_command.cpp — `apsim shell`: an administrator's session on the
// simulated host.  The line editor is GNU readline (its callback interface, so that Ctrl-C at
// the prompt and during a command are ours to handle); the session is the scenario shell's
// run_line on the booted host (testbench/apsim/run_command.h run_on_host).
//
// Time: the simulation runs on the CPU's SystemC thread, which blocks while readline waits
// for a line, so simulated time advances only while a command runs.  At a terminal, a
// simulated sleep (`sleep`, a write blocked in the kernel) is paced to the wall clock in steps
// of 0.1 s, so that Ctrl-C can stop it (Session::set_pacer); elsewhere a command costs what it
// costs in `apsim run`.
#include "testbench/apsim/shell_command.h"

#include <readline/history.h>
#include <readline/readline.h>
#include <sys/select.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include <systemc>

#include "driver/linux/profile.h"
#include "driver/shell/shell.h"
#include "driver/userspace/s390_tools.h"
#include "driver/userspace/session.h"
#include "sc/platform.h"
#include "testbench/apsim/run_command.h"

namespace apsim::tb {

namespace {

volatile std::sig_atomic_t g_sigint = 0;
// A Ctrl-C that pace() delivered to the running command (the recorder's business): the
// kernel may let the task sleep on (a signal ignored, as vfio's mdev remove does), and the
// next Ctrl-C is a new signal.
bool g_sigint_delivered = false;
void on_sigint(int) { g_sigint = 1; }

/// What reading a line at the terminal gave.
struct Input {
  enum Kind { Line, Eof, Interrupt } kind = Eof;
  std::string text;
};

// One line with readline's callback interface: a select() loop on stdin, so that SIGINT
// (rl_catch_signals is off) interrupts the wait and the partial line is discarded, as bash
// does: "^C", a new line, $? = 130.
Input read_tty_line(const std::string& prompt) {
  static Input got;
  static bool done = false;
  done = false;
  got = Input{};
  rl_callback_handler_install(prompt.c_str(), [](char* line) {
    done = true;
    if (line) {
      got.kind = Input::Line;
      got.text = line;
      std::free(line);
    } else {
      got.kind = Input::Eof;
    }
    rl_callback_handler_remove();
  });
  while (!done) {
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(STDIN_FILENO, &fds);
    const int r = select(STDIN_FILENO + 1, &fds, nullptr, nullptr, nullptr);
    if (g_sigint) {
      g_sigint = 0;
      rl_free_line_state();
      rl_callback_sigcleanup();
      rl_echo_signal_char(SIGINT);
      rl_callback_handler_remove();
      std::fputs("\n", rl_outstream ? rl_outstream : stdout);
      std::fflush(stdout);
      return Input{Input::Interrupt, ""};
    }
    if (r < 0) {
      if (errno == EINTR) continue;
      rl_callback_handler_remove();
      return Input{Input::Eof, ""};
    }
    rl_callback_read_char();
  }
  return got;
}

/// `--record FILE`: the session as a script.  The first lines name the options as `# apsim:`
/// directives, so that `apsim run FILE --echo` replays it on the same LPAR, releases and seed
/// and prints the same transcript.  A command interrupted by Ctrl-C is kept as a comment (its
/// partial effect cannot be replayed); Ctrl-D in a guest's shell is written as `exit`.
class Recorder {
 public:
  bool open(const std::string& path) {
    if (path.empty()) return true;
    out_.open(path, std::ios::trunc);
    return static_cast<bool>(out_);
  }
  void header(const ShellCommandOptions& o, const HostSetup& h) {
    if (!out_) return;
    char date[64];
    const std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
    out_ << "# apsim shell session, recorded " << date << "; replay: apsim run FILE --echo\n";
    out_ << "# apsim: --linux " << h.profile->version << " --s390-tools " << h.tools->version << " --seed " << o.seed
         << " --interactive";
    if (!o.lpar.empty()) {
      char buf[4096];
      const std::string abs = o.lpar[0] == '/' || !::getcwd(buf, sizeof buf) ? o.lpar : std::string(buf) + "/" + o.lpar;
      out_ << " --lpar " << abs;
    }
    out_ << "\n";
    out_.flush();
  }
  void command(const std::string& text) {
    if (!out_) return;
    out_ << text << (text.empty() || text.back() != '\n' ? "\n" : "");
    out_.flush();
  }
  void interrupted(const std::string& text) {
    if (!out_) return;
    std::istringstream in(text);
    std::string l;
    bool first = true;
    while (std::getline(in, l)) {
      out_ << (first ? "# interrupted by Ctrl-C, not replayed: " : "#   ") << l << "\n";
      first = false;
    }
    out_.flush();
  }

 private:
  std::ofstream out_;
};

// Wall-clock pacing of simulated sleeps at a terminal: false when Ctrl-C was pressed, once
// per Ctrl-C (the signal is delivered to the sleeping command).
bool pace(double seconds) {
  using clock = std::chrono::steady_clock;
  const clock::time_point until =
      clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds));
  for (clock::time_point now = clock::now(); !g_sigint && now < until; now = clock::now())
    std::this_thread::sleep_for(std::min<clock::duration>(std::chrono::milliseconds(20), until - now));
  if (!g_sigint) return true;
  g_sigint = 0;
  g_sigint_delivered = true;
  return false;
}

int session_loop(driver::Session& session, const ShellCommandOptions& o, bool tty, Recorder& rec) {
  driver::ShellOptions so;
  so.script_name = "-bash";
  so.interactive = true;
  so.echo_commands = !tty;  // a pipe's lines are not echoed by a terminal: show them as --echo does
  so.random_seed = o.seed;
  driver::Shell shell(session, std::cout, std::cerr, so);
  if (tty) session.set_pacer(pace);
  std::istream& in = std::cin;
  for (;;) {
    std::string text;
    bool eof = false, interrupted = false;
    for (;;) {  // a command may span lines ("> ")
      std::string line;
      if (tty) {
        Input i = read_tty_line(text.empty() ? shell.prompt() : "> ");
        if (i.kind == Input::Interrupt) {
          interrupted = true;
          break;
        }
        if (i.kind == Input::Eof) {
          eof = true;
          break;
        }
        line = i.text;
      } else if (!std::getline(in, line)) {
        eof = true;
        break;
      }
      text += line + "\n";
      if (driver::Shell::is_complete(text)) break;
    }
    if (interrupted) {
      shell.set_status(driver::kInterruptedStatus);
      continue;
    }
    if (eof && text.empty()) {
      if (!tty) break;  // the end of a pipe ends the whole session
      const bool top = shell.logins().empty();
      if (top) std::cerr << "logout\n";
      shell.logout();  // "logout", "Connection to NAME closed."
      if (shell.exited()) break;
      rec.command("exit");
      continue;
    }
    if (tty) {
      std::string h = text;
      while (!h.empty() && h.back() == '\n') h.pop_back();
      add_history(h.c_str());
    }
    g_sigint = 0;
    g_sigint_delivered = false;
    shell.run_line(text);
    if (tty && (g_sigint || g_sigint_delivered)) {
      g_sigint = 0;
      if (shell.status() == driver::kInterruptedStatus) {
        rec.interrupted(text);
        if (shell.exited()) break;
        continue;
      }
    }
    rec.command(text);
    if (shell.exited()) break;
    if (eof) break;
  }
  return shell.status();
}

}  // namespace

int run_shell(const ShellCommandOptions& o) {
  HostSetup setup;
  if (const std::string error = prepare_host(o.lpar, o.linux_version, o.s390_tools, o.seed, setup); !error.empty()) {
    std::cerr << "apsim: " << error << "\n";
    return 2;
  }
  Recorder rec;
  if (!rec.open(o.record)) {
    std::cerr << "apsim: " << o.record << ": cannot write the record: " << std::strerror(errno) << "\n";
    return 2;
  }
  rec.header(o, setup);
  const bool tty = ::isatty(STDIN_FILENO) != 0;
  if (tty) {
    struct sigaction sa {};
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: select() returns EINTR
    sigaction(SIGINT, &sa, nullptr);
    rl_catch_signals = 0;
    rl_catch_sigwinch = 1;
    using_history();
  }
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  std::cout << std::unitbuf;
  sc::Platform platform(setup.cfg, o.mode == "fast" ? sc::SimMode::fast : sc::SimMode::cycle);
  int status = 0;
  run_on_host(platform, setup, o.seed, [&](driver::Session& session) { return session_loop(session, o, tty, rec); },
              status);
  return status;
}

}  // namespace apsim::tb
