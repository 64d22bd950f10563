// testbench/apsim/sweep_task.cpp — running points of a sweep directory; see sweep_task.h.
#include "testbench/apsim/sweep_task.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "testbench/apsim/process.h"
#include "testbench/apsim/run_info.h"
#include "testbench/apsim/sweep_dir.h"

namespace apsim::tb {

namespace fs = std::filesystem;

namespace {

/// How an attempt went, from its end and its result file: "ok" or "failed: why".
std::string judge(int wstatus, bool timed_out, unsigned timeout_s, const fs::path& pd) {
  if (timed_out) return "failed: timeout after " + std::to_string(timeout_s) + " s";
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    std::string err, out;
    try {
      err = read_text_file((pd / "stderr.txt").string());
      out = read_text_file((pd / "stdout.txt").string());
    } catch (const std::runtime_error&) {
    }
    const std::string why = last_line(err.empty() ? out : err);
    return "failed: " + describe_wait_status(wstatus) + (why.empty() ? "" : ": " + why);
  }
  Json r;
  try {
    r = Json::parse(read_text_file((pd / "result.json").string()));
  } catch (const std::exception&) {
    return "failed: apsim run wrote no result file";
  }
  if (!r.contains("apbench") || !r["apbench"].is_array() || r["apbench"].empty())
    return "failed: no apbench result (the script ran no workload)";
  const Json& f = r["apbench"].back()["figures"];
  const auto count = [&](const char* k) { return f.contains(k) ? f[k].get<double>() : 0.0; };
  if (count("failed") != 0 || count("wrong") != 0)
    return "failed: " + text_of(f["failed"]) + " requests failed, " + text_of(f["wrong"]) + " wrong";
  return "ok";
}

/// Slurm's job and array task, when this runs inside one.
Json slurm_env() {
  Json s = Json::object();
  for (const auto& [key, var] : {std::pair{"job_id", "SLURM_JOB_ID"}, std::pair{"array_job_id", "SLURM_ARRAY_JOB_ID"},
                                 std::pair{"array_task_id", "SLURM_ARRAY_TASK_ID"}, std::pair{"node", "SLURMD_NODENAME"}})
    if (const char* v = std::getenv(var)) s[key] = v;
  return s;
}

/// Run one point (with retries); writes its status.json; returns its status.
std::string run_point(const std::string& self, const std::string& dir, unsigned index, const TaskOptions& o) {
  const std::string name = point_name(index);
  const fs::path pd = point_dir(dir, name);
  const Json point = Json::parse(read_text_file((pd / "point.json").string()));
  const Json& v = point["values"];
  const std::vector<std::string> argv = {self,      "run",    "--mode",    text_of(v["sim_mode"]), "--seed",
                                         text_of(v["seed"]), "--lpar", "lpar.json", "--results", "result.json",
                                         "script.sh"};
  const std::string host = machine_info()["hostname"].get<std::string>();
  const Json slurm = slurm_env();
  Json attempts = Json::array();
  std::string status;
  double wall = 0;
  for (unsigned attempt = 1; attempt <= o.retries + 1; ++attempt) {
    fs::remove(pd / "result.json");
    Json running = {{"point", index}, {"host", host}, {"pid", getpid()}, {"attempt", attempt}, {"started", utc_now()}};
    if (!slurm.empty()) running["slurm"] = slurm;
    write_json_file((pd / "running.json").string(), running);
    const auto t0 = std::chrono::steady_clock::now();
    const std::string started = utc_now();
    int wstatus = 0;
    bool timed_out = false;
    std::string end;
    try {
      SpawnOptions so;
      so.cwd = pd.string();
      so.stdout_path = "stdout.txt";
      so.stderr_path = "stderr.txt";
      const pid_t pid = spawn_program(argv, so);
      for (unsigned naps = 0;; ++naps) {
        const pid_t r = waitpid(pid, &wstatus, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) break;
        if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(o.timeout_s)) {
          kill(pid, SIGKILL);
          waitpid(pid, &wstatus, 0);
          timed_out = true;
          break;
        }
        usleep(naps < 100 ? 10000 : 100000);  // 10 ms for the first second, then 100 ms
      }
      status = judge(wstatus, timed_out, o.timeout_s, pd);
      end = timed_out ? "killed after the timeout" : describe_wait_status(wstatus);
    } catch (const SpawnError& e) {
      status = std::string("failed: cannot start apsim run: ") + e.what();
      end = "not started";
    }
    wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    attempts.push_back({{"attempt", attempt}, {"started", started}, {"wall_s", wall}, {"end", end}, {"status", status}});
    if (status == "ok") break;
  }
  Json st = {{"point", index},   {"label", point.value("label", std::string())},
             {"status", status}, {"attempts", attempts},
             {"host", host},     {"wall_s", wall},
             {"finished", utc_now()}};
  if (!slurm.empty()) st["slurm"] = slurm;
  write_json_file((pd / "status.json").string(), st);
  fs::remove(pd / "running.json");
  return status;
}

}  // namespace

std::vector<unsigned> parse_point_list(const std::string& text) {
  std::vector<unsigned> v;
  if (text.empty()) return v;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const size_t dash = item.find('-');
    const auto num = [&](const std::string& s) {
      if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
        throw std::invalid_argument("bad point list item \"" + item + "\" (expected N or N-M)");
      return static_cast<unsigned>(std::stoul(s));
    };
    const unsigned a = num(item.substr(0, dash));
    const unsigned b = dash == std::string::npos ? a : num(item.substr(dash + 1));
    if (b < a) throw std::invalid_argument("bad point list item \"" + item + "\" (N-M with M < N)");
    for (unsigned i = a; i <= b; ++i) v.push_back(i);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return v;
}

int run_sweep_task(const TaskOptions& o) {
  std::vector<unsigned> pts;
  try {
    std::string list = o.points;
    if (!o.task_list.empty()) {
      long task = o.task;
      if (task < 0) {
        const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
        if (!id) throw std::invalid_argument("--task-list needs --task K or $SLURM_ARRAY_TASK_ID");
        task = std::strtol(id, nullptr, 10);
      }
      std::ifstream in(o.task_list);
      if (!in) throw std::invalid_argument(o.task_list + ": cannot read the task list");
      std::string line;
      for (long k = 0; k <= task && std::getline(in, line); ++k) {
        if (k == task) list = line;
      }
      if (list.empty()) throw std::invalid_argument(o.task_list + ": has no line for task " + std::to_string(task));
    }
    pts = parse_point_list(list);
    for (unsigned i : pts)
      if (!fs::exists(fs::path(point_dir(o.dir, point_name(i))) / "point.json"))
        throw std::invalid_argument(point_dir(o.dir, point_name(i)) + ": no such point of a sweep (point.json missing)");
  } catch (const std::invalid_argument& e) {
    std::cerr << "apsim sweep run-task: " << e.what() << "\n";
    return 2;
  }
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  bool all_ok = true;
  for (unsigned i : pts) {
    if (read_point_state(o.dir, point_name(i)).kind == PointState::ok) continue;  // a requeued task
    std::string status;
    try {
      status = run_point(self, o.dir, i, o);
    } catch (const std::exception& e) {  // the folder is unwritable, point.json unreadable, ...
      status = std::string("failed: ") + e.what();
    }
    // One line per point, one write: several runners may append to one log.
    std::string line = "apsim sweep: point " + std::to_string(i) + ": " + status + "\n";
    if (write(1, line.data(), line.size()) < 0) {
    }
    all_ok = all_ok && status == "ok";
  }
  return all_ok ? 0 : 1;
}

}  // namespace apsim::tb
