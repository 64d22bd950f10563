// testbench/apsim/sweep_command.cpp — `apsim sweep` and `apsim sweep collect`: options,
// the three backends, progress; see sweep_command.h and docs/sweeps.md.
#include "testbench/apsim/sweep_command.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "testbench/apsim/path_check.h"
#include "testbench/apsim/process.h"
#include "testbench/apsim/run_info.h"
#include "testbench/apsim/sweep_dir.h"
#include "testbench/apsim/sweep_output.h"
#include "testbench/apsim/sweep_task.h"

namespace apsim::tb {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// `s` as one word for bash: single-quoted (only the Slurm batch script is shell text, and
/// only paths and numbers go into it).
std::string sh_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// A command line for people to read (messages, --dry-run): each word quoted if needed.
std::string show_command(const std::vector<std::string>& argv) {
  std::string s;
  for (const std::string& a : argv)
    s += (s.empty() ? "" : " ") +
         (a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,%{}") == std::string::npos
              ? a
              : sh_quote(a));
  return s;
}

/// Point indices as a list with ranges: 0-3,7,9-10.
std::string compress(const std::vector<unsigned>& v) {
  std::string s;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    s += (s.empty() ? "" : ",") + std::to_string(v[i]) + (j > i ? "-" + std::to_string(v[j]) : "");
    i = j + 1;
  }
  return s;
}

/// The points to run, `per_task` to a task, as point lists.
std::vector<std::string> make_tasks(const std::vector<unsigned>& to_run, unsigned per_task) {
  std::vector<std::string> tasks;
  for (size_t i = 0; i < to_run.size(); i += per_task)
    tasks.push_back(compress({to_run.begin() + i, to_run.begin() + std::min(to_run.size(), i + per_task)}));
  return tasks;
}

/// One task list per line (the Slurm array task K runs line K; GNU parallel takes a line as {}).
std::string write_task_list(const std::string& path, const std::vector<std::string>& tasks) {
  std::string text;
  for (const std::string& t : tasks) text += t + "\n";
  write_text_file(path, text);
  return path;
}

/// `apsim sweep run-task` for this run directory; the task's points are appended.
std::vector<std::string> runner_argv(const std::string& self, const std::string& dir, unsigned retries, unsigned timeout_s) {
  return {self, "sweep", "run-task", dir, "--retries", std::to_string(retries), "--timeout", std::to_string(timeout_s)};
}

// ---- progress ----------------------------------------------------------------------------

/// The points of this run and how far they are, read from their folders.
class Tracker {
 public:
  Tracker(std::string dir, const std::vector<unsigned>& to_run) : dir_(std::move(dir)), open_(to_run.begin(), to_run.end()) {
    total_ = to_run.size();
  }

  struct Counts {
    size_t total = 0, done = 0, failed = 0, running = 0;
    double wall_sum = 0;  ///< wall time of the points done in this run
  };

  /// Look at the points not finished yet — at most every open points / 20000 seconds (a
  /// look reads a file or two per point) unless `force`.
  Counts scan(bool force = false) {
    const double every = static_cast<double>(open_.size()) / 20000.0;
    if (!force && seconds_since(last_) < every) return c_;
    last_ = Clock::now();
    c_.running = 0;
    for (auto it = open_.begin(); it != open_.end();) {
      const PointState s = read_point_state(dir_, point_name(*it));
      if (s.kind == PointState::ok || s.kind == PointState::failed) {
        ++c_.done;
        if (s.kind == PointState::failed) ++c_.failed;
        c_.wall_sum += s.status_json.value("wall_s", 0.0);
        it = open_.erase(it);
        continue;
      }
      if (s.kind == PointState::running) ++c_.running;
      ++it;
    }
    c_.total = total_;
    return c_;
  }

  const std::set<unsigned>& unfinished() const { return open_; }

 private:
  std::string dir_;
  std::set<unsigned> open_;
  size_t total_ = 0;
  Counts c_;
  Clock::time_point last_ = Clock::now() - std::chrono::hours(1);
};

/// The progress line, on stderr: redrawn in place on a terminal, a line per change otherwise.
class ProgressLine {
 public:
  explicit ProgressLine(std::string name) : name_(std::move(name)), tty_(isatty(2)), t0_(Clock::now()) {}
  ~ProgressLine() {
    if (tty_ && drawn_) std::cerr << "\n";
  }

  void show(const Tracker::Counts& c, const std::string& queue, std::optional<double> eta) {
    char b[320];
    std::snprintf(b, sizeof b, "apsim sweep: %s: %zu/%zu points done, %zu failed, %zu running%s elapsed %.1f s, ",
                  name_.c_str(), c.done, c.total, c.failed, c.running, queue.empty() ? "," : queue.c_str(), seconds_since(t0_));
    std::string line = b;
    if (c.done == c.total) line += "finished";
    else if (eta) line += "ETA ~" + std::to_string(static_cast<long long>(std::ceil(*eta))) + " s";
    else line += "ETA unknown";
    // A line per change of the counts (the elapsed time and ETA alone redraw only a terminal).
    const std::string key = std::to_string(c.done) + "/" + std::to_string(c.failed) + "/" + std::to_string(c.running) + queue;
    if (!tty_ && key == last_) return;
    last_ = key;
    std::cerr << (tty_ ? "\r" : "") << line << (tty_ ? "\033[K" : "\n") << std::flush;
    drawn_ = true;
  }

  /// The estimate of a backend that runs points as fast as it can: the elapsed time per point
  /// done, times the points left.
  std::optional<double> eta_by_rate(const Tracker::Counts& c) const {
    if (c.done == 0) return std::nullopt;
    return seconds_since(t0_) / static_cast<double>(c.done) * static_cast<double>(c.total - c.done);
  }

  double elapsed() const { return seconds_since(t0_); }

 private:
  std::string name_;
  bool tty_;
  Clock::time_point t0_;
  std::string last_;
  bool drawn_ = false;
};

// ---- Slurm -------------------------------------------------------------------------------

/// What squeue says about one job array.
struct QueueState {
  bool known = false;      ///< squeue answered
  std::string error;       ///< else why not
  size_t pending = 0, running = 0;
  bool active() const { return pending + running > 0; }
};

QueueState query_queue(const std::string& job_id) {
  QueueState q;
  ProgramOutput r;
  try {
    r = run_program({"squeue", "--noheader", "--array", "--jobs=" + job_id, "--format=%i|%T"});
  } catch (const SpawnError& e) {
    q.error = e.what();
    return q;
  }
  if (!r.ok()) {
    // A job that has left the controller's memory is "Invalid job id": it is over.
    if (r.err.find("Invalid job id") != std::string::npos) q.known = true;
    else q.error = "squeue: " + r.failure();
    return q;
  }
  q.known = true;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    const std::string state = line.substr(line.find('|') + 1);
    if (state == "PENDING" || state == "REQUEUED" || state == "REQUEUE_HOLD" || state == "SUSPENDED") ++q.pending;
    else if (!state.empty()) ++q.running;  // RUNNING, CONFIGURING, COMPLETING, ...
  }
  return q;
}

/// The value of `key` in `scontrol show config`, or "" (and `error`) if it cannot be read.
std::string slurm_config(const std::string& key, std::string& error) {
  ProgramOutput r;
  try {
    r = run_program({"scontrol", "show", "config"});
  } catch (const SpawnError& e) {
    error = e.what();
    return "";
  }
  if (!r.ok()) {
    error = "scontrol show config: " + r.failure();
    return "";
  }
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) != 0 || line.size() <= key.size() || line[key.size()] != ' ') continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const size_t v = line.find_first_not_of(' ', eq + 1);
    return v == std::string::npos ? "" : line.substr(v);
  }
  error = "scontrol show config: no " + key;
  return "";
}

/// The Slurm job arrays recorded in the manifest that are still in the queue.
std::vector<std::pair<std::string, QueueState>> active_jobs(const Json& m, std::string& error) {
  std::vector<std::pair<std::string, QueueState>> v;
  for (const Json& run : m["runs"]) {
    if (run.value("backend", std::string()) != "slurm" || !run.contains("job_id")) continue;
    const std::string id = run["job_id"].get<std::string>();
    const QueueState q = query_queue(id);
    if (!q.known) {
      error = "cannot tell whether Slurm job " + id + " still runs: " + q.error;
      return v;
    }
    if (q.active()) v.emplace_back(id, q);
  }
  return v;
}

/// The points of a Slurm run that ended without a status.json, with the reason: the array
/// task's log says what Slurm did (a time limit, a node failure, ...).
void find_lost(const std::string& dir, const Json& run, const std::set<unsigned>& unfinished,
               std::map<unsigned, std::string>& lost) {
  const std::string job = run["job_id"].get<std::string>();
  std::ifstream in(fs::path(dir) / run["tasks_file"].get<std::string>());
  std::string line;
  for (long task = 0; std::getline(in, line); ++task) {
    std::vector<unsigned> pts;
    try {
      pts = parse_point_list(line);
    } catch (const std::invalid_argument&) {
      continue;
    }
    for (unsigned p : pts) {
      if (!unfinished.count(p)) continue;
      const std::string log = "slurm/logs/" + job + "_" + std::to_string(task) + ".out";
      std::string why;
      try {
        why = last_line(read_text_file((fs::path(dir) / log).string()));
      } catch (const std::runtime_error&) {
        why = "no log " + log;
      }
      lost[p] = "failed: Slurm task " + job + "_" + std::to_string(task) + " ended without a result" +
                (why.empty() ? "" : ": " + why);
    }
  }
}

/// For each unfinished point, the last run that included it; the points whose last run was a
/// Slurm job no longer in the queue are lost.
std::map<unsigned, std::string> lost_points(const std::string& dir, const Json& m, const std::set<std::string>& active) {
  std::set<unsigned> unfinished;
  for (const Json& p : m["points"]) {
    const PointState s = read_point_state(dir, p["name"].get<std::string>());
    if (s.kind == PointState::not_run || s.kind == PointState::running) unfinished.insert(p["index"].get<unsigned>());
  }
  std::map<unsigned, size_t> last_run;
  for (size_t r = 0; r < m["runs"].size(); ++r)
    for (unsigned p : parse_point_list(m["runs"][r].value("points", std::string())))
      if (unfinished.count(p)) last_run[p] = r;
  std::map<unsigned, std::string> lost;
  for (size_t r = 0; r < m["runs"].size(); ++r) {
    const Json& run = m["runs"][r];
    if (run.value("backend", std::string()) != "slurm" || !run.contains("job_id") ||
        active.count(run["job_id"].get<std::string>()))
      continue;
    std::set<unsigned> mine;
    for (const auto& [p, rr] : last_run)
      if (rr == r) mine.insert(p);
    if (!mine.empty()) find_lost(dir, run, mine, lost);
  }
  return lost;
}

/// The estimate from the scheduler's queue: the points left, at the mean time of the points
/// done so far, spread over the array tasks Slurm is running now.
std::optional<double> eta_by_queue(const Tracker::Counts& c, size_t running_tasks) {
  if (c.done == 0 || running_tasks == 0) return std::nullopt;
  return c.wall_sum / static_cast<double>(c.done) * static_cast<double>(c.total - c.done) / static_cast<double>(running_tasks);
}

std::string queue_note(const QueueState& q) {
  return "; Slurm queue: " + std::to_string(q.running) + " running, " + std::to_string(q.pending) + " pending;";
}

// ---- the end -----------------------------------------------------------------------------

/// Collect and print the summary (with the wall time if `wall_s` >= 0); returns the exit
/// status (0, 1, 3 or 4 as collect_sweep).
int finish(const std::string& dir, const Json& m, const std::map<unsigned, std::string>& lost, bool plots, double wall_s) {
  Collection c;
  try {
    c = collect_dir(dir, m, lost, plots);
  } catch (const std::exception& e) {
    std::cerr << "apsim sweep: " << e.what() << "\n";
    return 3;
  }
  std::cout << "apsim sweep: " << m["name"].get<std::string>() << ": " << c.points << " points, " << c.ok << " ok, " << c.failed
            << " failed";
  if (c.running + c.not_run) std::cout << ", " << c.running + c.not_run << " not finished (" << c.running << " running)";
  char wall[32];
  std::snprintf(wall, sizeof wall, ", wall %.1f s", wall_s);
  std::cout << (wall_s >= 0 ? wall : "") << "\n  results " << c.csv << "\n  runs    " << c.runs_csv << "\n";
  for (const std::string& p : c.plots) std::cout << "  plot    " << p << "\n";
  for (const auto& f : c.failures)
    std::cout << "  point " << f.index << " (" << f.label << ") " << f.status << "; see "
              << point_dir(dir, point_name(f.index)) << "\n";
  if (!c.plot_problem.empty()) {
    std::cerr << "apsim sweep: " << c.plot_problem << "\n";
    return 3;
  }
  return c.failed ? 1 : (c.running + c.not_run) ? 4 : 0;
}

// ---- the backends ------------------------------------------------------------------------

struct Launch {
  std::string dir;   ///< absolute
  std::string self;  ///< this apsim
  std::string name;
  std::vector<unsigned> to_run;
  std::vector<std::string> tasks;
  unsigned jobs = 0, retries = 0, timeout_s = 600;
  size_t run = 0;    ///< the manifest's runs[] index of this invocation
};

/// Wait for `pid`; on the way, show the progress.  Returns its wait status.
int wait_showing_progress(pid_t pid, Tracker& t, ProgressLine& line) {
  int st = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) break;
    const Tracker::Counts c = t.scan();
    line.show(c, "", line.eta_by_rate(c));
    usleep(250000);
  }
  const Tracker::Counts c = t.scan(true);
  line.show(c, "", line.eta_by_rate(c));
  return st;
}

/// Runners on this machine, --jobs at a time.  Returns 0, or 3 if a runner itself failed.
int run_local(const Launch& l) {
  const std::string log = (fs::path(l.dir) / "logs" / "local.log").string();
  fs::create_directories(fs::path(l.dir) / "logs");
  Tracker t(l.dir, l.to_run);
  ProgressLine line(l.name);
  std::map<pid_t, size_t> running;
  std::vector<std::string> problems;
  size_t next = 0;
  auto shown = Clock::now() - std::chrono::seconds(1);
  while (next < l.tasks.size() || !running.empty()) {
    while (running.size() < std::max(1u, l.jobs) && next < l.tasks.size()) {
      std::vector<std::string> argv = runner_argv(l.self, l.dir, l.retries, l.timeout_s);
      argv.insert(argv.end(), {"--points", l.tasks[next]});
      SpawnOptions so;
      so.stdout_path = so.stderr_path = log;
      so.append = true;
      try {
        running[spawn_program(argv, so)] = next;
      } catch (const SpawnError& e) {
        problems.push_back("points " + l.tasks[next] + ": " + e.what());
      }
      ++next;
    }
    bool reaped = false;
    for (;;) {
      int st = 0;
      const pid_t pid = waitpid(-1, &st, WNOHANG);
      if (pid <= 0) break;
      const auto it = running.find(pid);
      if (it == running.end()) continue;
      // The runner says 0 (all ok) or 1 (a point failed, recorded); anything else is its own failure.
      if (!WIFEXITED(st) || WEXITSTATUS(st) > 1)
        problems.push_back("the runner of points " + l.tasks[it->second] + " ended: " + describe_wait_status(st) + "; see " + log);
      running.erase(it);
      reaped = true;
    }
    if (reaped || seconds_since(shown) >= 0.25) {
      const Tracker::Counts c = t.scan();
      line.show(c, "", line.eta_by_rate(c));
      shown = Clock::now();
    }
    if (!reaped) usleep(50000);
  }
  const Tracker::Counts c = t.scan(true);
  line.show(c, "", line.eta_by_rate(c));
  for (const std::string& p : problems) std::cerr << "\napsim sweep: " << p << "\n";
  return problems.empty() ? 0 : 3;
}

/// GNU parallel runs the tasks (on --sshlogin's machines).  Returns 0, or 3 if it failed.
int run_parallel(const Launch& l, const std::string& sshlogin) {
  const fs::path pdir = fs::path(l.dir) / "parallel";
  fs::create_directories(pdir);
  fs::create_directories(fs::path(l.dir) / "logs");
  const std::string n = std::to_string(l.run);
  const std::string tasks = write_task_list((pdir / ("tasks-" + n + ".txt")).string(), l.tasks);
  // --quote: parallel quotes each word of the command for the shell it runs it with (also over
  // ssh), so a path with a space or ';' stays one word; {} is a line of the task list.
  std::vector<std::string> argv = {"parallel", "--will-cite", "--quote", "--joblog", (pdir / ("joblog-" + n + ".txt")).string(),
                                   "--arg-file", tasks};
  if (l.jobs) argv.insert(argv.end(), {"--jobs", std::to_string(l.jobs)});
  if (!sshlogin.empty()) argv.insert(argv.end(), {"--sshlogin", sshlogin});
  const std::vector<std::string> runner = runner_argv(l.self, l.dir, l.retries, l.timeout_s);
  argv.insert(argv.end(), runner.begin(), runner.end());
  argv.insert(argv.end(), {"--points", "{}"});
  const std::string log = (fs::path(l.dir) / "logs" / ("parallel-" + n + ".log")).string();
  std::cout << "apsim sweep: " << show_command(argv) << "\n" << std::flush;
  SpawnOptions so;
  so.stdout_path = so.stderr_path = log;
  pid_t pid;
  try {
    pid = spawn_program(argv, so);
  } catch (const SpawnError& e) {
    std::cerr << "apsim sweep: --backend parallel: " << e.what() << " (Debian: apt-get install parallel)\n";
    return 3;
  }
  Tracker t(l.dir, l.to_run);
  ProgressLine line(l.name);
  const int st = wait_showing_progress(pid, t, line);
  // GNU parallel's exit status: the number of tasks that failed (1..100, 101 for more); 255
  // for its own errors.  A task fails when one of its points failed, which is recorded.
  if (!WIFEXITED(st) || WEXITSTATUS(st) > 101) {
    std::cerr << "\napsim sweep: GNU parallel failed (" << describe_wait_status(st) << "): " << [&] {
      try {
        return last_line(read_text_file(log));
      } catch (const std::runtime_error&) {
        return std::string();
      }
    }() << "; see " << log << "\n";
    return 3;
  }
  return 0;
}

}  // namespace

// ---- apsim sweep -------------------------------------------------------------------------

int run_sweep(const SweepOptions& o) {
  Spec spec;
  std::vector<Point> pts;
  Prepared prep;
  SlurmSettings slurm;
  std::string dir;
  try {
    // The options, then the spec, then the run directory — nothing is written before all pass.
    if (o.backend != "local" && o.backend != "slurm" && o.backend != "parallel")
      throw SpecError("--backend: expected local, slurm or parallel, got \"" + o.backend + "\"");
    if (o.jobs > 4096) throw SpecError("--jobs: expected 1..4096, got " + std::to_string(o.jobs));
    if (o.retries > 100) throw SpecError("--retries: expected 0..100, got " + std::to_string(o.retries));
    if (o.no_wait && o.backend != "slurm") throw SpecError("--no-wait: only with --backend slurm");
    if (!o.sshlogin.empty() && o.backend != "parallel") throw SpecError("--sshlogin: only with --backend parallel");
    if (o.sshlogin.find_first_of("\n\r") != std::string::npos) throw SpecError("--sshlogin: a line break in the list");
    const bool slurm_opts = !o.slurm.partition.empty() || !o.slurm.time.empty() || !o.slurm.mem.empty() || !o.slurm.account.empty();
    if (slurm_opts && o.backend != "slurm") throw SpecError("--partition, --time, --mem, --account: only with --backend slurm");
    if (o.slurm.points_per_task && o.backend == "local") throw SpecError("--points-per-task: only with --backend slurm or parallel");
    for (const auto& [name, v] : {std::pair{"partition", o.slurm.partition}, std::pair{"time", o.slurm.time},
                                  std::pair{"mem", o.slurm.mem}, std::pair{"account", o.slurm.account}}) {
      const std::string why = v.empty() ? "" : check_slurm_setting(name, v);
      if (!why.empty()) throw SpecError(std::string("--") + name + ": " + why);
    }
    if (o.out.empty() && !o.dry_run) throw SpecError("--out: a directory is required");
    if (!o.out.empty() && !o.dry_run) {
      if (const std::string why = cannot_write_dir(o.out); !why.empty())
        throw SpecError("--out " + o.out + ": cannot create or write the directory: " + why);
    }
    spec = load_spec(o.spec);
    pts = make_points(spec);
    slurm = spec.slurm;
    if (!o.slurm.partition.empty()) slurm.partition = o.slurm.partition;
    if (!o.slurm.time.empty()) slurm.time = o.slurm.time;
    if (!o.slurm.mem.empty()) slurm.mem = o.slurm.mem;
    if (!o.slurm.account.empty()) slurm.account = o.slurm.account;
    if (o.slurm.points_per_task) slurm.points_per_task = o.slurm.points_per_task;
    if (!o.out.empty()) {
      dir = fs::absolute(o.out).lexically_normal().string();
      if (dir.size() > 1 && dir.back() == '/') dir.pop_back();
      if (o.backend == "slurm" && dir.find('%') != std::string::npos)
        throw SpecError("--out " + o.out + ": Slurm reads '%' in a log file name as a pattern; choose a directory without it");
      if (!o.dry_run) prep = check_run_dir(spec, pts, dir);
    }
  } catch (const SpecError& e) {
    std::cerr << "apsim sweep: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "apsim sweep: " << o.spec << ": " << e.what() << "\n";
    return 2;
  }
  if (o.dry_run) {  // the points as they would run, one line each
    std::cout << "apsim sweep: " << spec.name << ": " << pts.size() << " points (dry run: nothing written or run)\n";
    for (const Point& p : pts) std::cout << "  " << p.index << " " << p.label << "\n";
    return 0;
  }

  // The backend: there, and no job of an earlier run of this directory still in the queue.
  // (Only points that have not finished can belong to a job still queued.)
  if (prep.resumed && prep.to_run.size() > prep.kept_failed) {
    const Json old = read_manifest(dir);
    std::string error;
    const auto active = active_jobs(old, error);
    if (!error.empty() || !active.empty()) {
      std::cerr << "apsim sweep: --out " << dir << ": "
                << (!error.empty() ? error : "Slurm job " + active.front().first + " of an earlier run still has tasks in the queue")
                << "; wait for it (apsim sweep collect " << dir << ") or cancel it (scancel)\n";
      return 2;
    }
  }
  const unsigned per_task = std::max(1u, slurm.points_per_task);
  const std::vector<std::string> tasks = make_tasks(prep.to_run, per_task);
  if (o.backend == "slurm") {
    for (const char* tool : {"sbatch", "squeue", "scontrol"})
      if (!find_program(tool)) {
        std::cerr << "apsim sweep: --backend slurm: " << tool << " not found in $PATH (Debian: apt-get install slurm-client)\n";
        return 3;
      }
    std::string error;
    const std::string max = slurm_config("MaxArraySize", error);
    if (!error.empty()) {
      std::cerr << "apsim sweep: --backend slurm: " << error << "\n";
      return 3;
    }
    const unsigned long limit = std::strtoul(max.c_str(), nullptr, 10);
    if (!tasks.empty() && tasks.size() > limit) {
      std::cerr << "apsim sweep: --points-per-task: " << tasks.size() << " array tasks of " << per_task
                << " points are more than this cluster's MaxArraySize " << limit << " allows; use --points-per-task "
                << (prep.to_run.size() + limit - 1) / limit << " or more\n";
      return 2;
    }
  } else if (o.backend == "parallel" && !find_program("parallel")) {
    std::cerr << "apsim sweep: --backend parallel: parallel not found in $PATH (Debian: apt-get install parallel)\n";
    return 3;
  }

  const auto t0 = Clock::now();
  Launch l;
  l.dir = dir;
  l.self = fs::read_symlink("/proc/self/exe").string();
  l.name = spec.name;
  l.to_run = prep.to_run;
  l.tasks = tasks;
  l.jobs = o.jobs;
  l.retries = o.retries;
  l.timeout_s = spec.timeout_s;
  Json m;
  try {
    write_run_dir(spec, pts, dir, prep);
    m = read_manifest(dir);
  } catch (const std::exception& e) {
    std::cerr << "apsim sweep: " << e.what() << "\n";
    return 3;
  }
  std::cout << "apsim sweep: " << spec.name << ": " << pts.size() << " points";
  if (prep.resumed) std::cout << " (" << prep.kept_ok << " ok kept, " << prep.kept_failed << " failed to run again)";
  std::cout << ", " << prep.to_run.size() << " to run, --backend " << o.backend << ", output " << dir << "\n" << std::flush;
  if (prep.to_run.empty()) return finish(dir, m, {}, o.plots, 0);

  Json extra = {{"points", compress(prep.to_run)}, {"tasks", tasks.size()}, {"points_per_task", per_task}, {"retries", o.retries}};
  if (o.jobs) extra["jobs"] = o.jobs;
  if (o.backend == "parallel" && !o.sshlogin.empty()) extra["sshlogin"] = o.sshlogin;
  int rc = 0;
  if (o.backend != "slurm") {
    try {
      l.run = record_run(dir, m, o.backend, extra);
    } catch (const std::exception& e) {
      std::cerr << "apsim sweep: " << e.what() << "\n";
      return 3;
    }
    rc = o.backend == "local" ? run_local(l) : run_parallel(l, o.sshlogin);
    const int c = finish(dir, m, {}, o.plots, seconds_since(t0));
    return rc ? rc : c;
  }

  // Slurm: a job array, task K running line K of the task list, through a batch script that
  // holds only this apsim's path, the directory and numbers, each quoted.
  const fs::path sdir = fs::path(dir) / "slurm";
  std::string job;
  try {
    fs::create_directories(sdir / "logs");
    l.run = m["runs"].size();
    const std::string n = std::to_string(l.run);
    const std::string list = write_task_list((sdir / ("tasks-" + n + ".txt")).string(), tasks);
    const std::string script = (sdir / ("job-" + n + ".sh")).string();
    std::string text = "#!/bin/bash\n# Generated by `apsim sweep` for " + spec.name + ": array task K runs the points on line K (from 0)\n"
                       "# of tasks-" + n + ".txt, then writes each point's status.json (docs/sweeps.md).\nexec";
    std::vector<std::string> runner = runner_argv(l.self, dir, l.retries, l.timeout_s);
    runner.insert(runner.end(), {"--task-list", list});
    for (const std::string& w : runner) text += " " + sh_quote(w);
    write_text_file(script, text + "\n");
    std::vector<std::string> argv = {"sbatch", "--parsable", "--job-name=apsim-" + spec.name,
                                     "--array=0-" + std::to_string(tasks.size() - 1) + (o.jobs ? "%" + std::to_string(o.jobs) : ""),
                                     "--output=" + (sdir / "logs" / "%A_%a.out").string(), "--chdir=" + dir};
    if (!slurm.partition.empty()) argv.push_back("--partition=" + slurm.partition);
    if (!slurm.time.empty()) argv.push_back("--time=" + slurm.time);
    if (!slurm.mem.empty()) argv.push_back("--mem=" + slurm.mem);
    if (!slurm.account.empty()) argv.push_back("--account=" + slurm.account);
    argv.push_back(script);
    std::cout << "apsim sweep: " << show_command(argv) << "\n" << std::flush;
    const ProgramOutput r = run_program(argv);
    if (!r.ok()) {
      std::cerr << "apsim sweep: sbatch refused the job array: " << r.failure() << "\n";
      return 3;
    }
    job = last_line(r.out).substr(0, last_line(r.out).find(';'));  // --parsable: "ID" or "ID;CLUSTER"
    if (job.empty() || job.find_first_not_of("0123456789") != std::string::npos) {
      std::cerr << "apsim sweep: sbatch answered \"" << last_line(r.out) << "\", not a job id\n";
      return 3;
    }
    extra["job_id"] = job;
    extra["tasks_file"] = "slurm/tasks-" + n + ".txt";
    extra["script"] = "slurm/job-" + n + ".sh";
    extra["sbatch"] = argv;
    record_run(dir, m, "slurm", extra);
  } catch (const std::exception& e) {
    std::cerr << "apsim sweep: " << e.what() << "\n";
    return 3;
  }
  std::cout << "apsim sweep: submitted job array " << job << " (" << tasks.size() << " tasks of up to " << per_task
            << " points)\n";
  if (o.no_wait) {
    std::cout << "apsim sweep: `apsim sweep collect " << dir << "` shows its progress and gathers the finished points\n";
    return 0;
  }
  std::cout << "apsim sweep: waiting for it (Ctrl-C stops waiting, not the job; `apsim sweep collect " << dir
            << "` gathers it later)\n" << std::flush;
  Tracker t(dir, prep.to_run);
  {
    ProgressLine line(spec.name);
    auto failing_since = Clock::now();
    bool failing = false;
    for (;;) {
      const QueueState q = query_queue(job);
      const Tracker::Counts c = t.scan();
      if (!q.known) {
        if (!failing) failing_since = Clock::now(), failing = true;
        if (seconds_since(failing_since) > 60) {
          std::cerr << "\napsim sweep: " << q.error << " for a minute; the job may still run: `apsim sweep collect " << dir
                    << "` gathers it later\n";
          return 3;
        }
      } else {
        failing = false;
        line.show(c, queue_note(q), eta_by_queue(c, q.running));
        if (!q.active()) break;
      }
      sleep(tasks.size() > 1000 ? 5 : 1);  // squeue lists every array task: ask big arrays less often
    }
    line.show(t.scan(true), queue_note(QueueState{true, "", 0, 0}), std::nullopt);
  }
  try {
    m = read_manifest(dir);
  } catch (const std::exception& e) {
    std::cerr << "apsim sweep: " << e.what() << "\n";
    return 3;
  }
  return finish(dir, m, lost_points(dir, m, {}), o.plots, seconds_since(t0));
}

// ---- apsim sweep collect -----------------------------------------------------------------

int collect_sweep(const std::string& dir_arg, bool plots) {
  const std::string dir = fs::absolute(dir_arg).lexically_normal().string();
  Json m;
  try {
    m = read_manifest(dir);
  } catch (const std::exception& e) {
    std::cerr << "apsim sweep collect: " << e.what() << "\n";
    return 2;
  }
  // Ask the scheduler only while some point has not finished.
  const bool unfinished = std::any_of(m["points"].begin(), m["points"].end(), [&](const Json& p) {
    const PointState::Kind k = read_point_state(dir, p["name"].get<std::string>()).kind;
    return k == PointState::not_run || k == PointState::running;
  });
  std::string error;
  const auto active = unfinished ? active_jobs(m, error) : std::vector<std::pair<std::string, QueueState>>{};
  if (!error.empty()) std::cerr << "apsim sweep collect: " << error << "\n";
  std::set<std::string> ids;
  QueueState queued{true, "", 0, 0};
  for (const auto& [id, q] : active) {
    ids.insert(id);
    queued.pending += q.pending;
    queued.running += q.running;
  }
  // The progress of the points of the last run (all points if it ran them all).
  std::vector<unsigned> last;
  if (!m["runs"].empty()) last = parse_point_list(m["runs"].back().value("points", std::string()));
  Tracker t(dir, last);
  ProgressLine line(m["name"].get<std::string>());
  const Tracker::Counts c = t.scan();
  if (!active.empty()) line.show(c, queue_note(queued), eta_by_queue(c, queued.running));
  else line.show(c, "", std::nullopt);
  return finish(dir, m, error.empty() ? lost_points(dir, m, ids) : std::map<unsigned, std::string>{}, plots, -1);
}

}  // namespace apsim::tb
