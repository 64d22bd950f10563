// testbench/apsim/sweep_output.cpp — results.csv, runs.csv and the plots; see sweep_output.h.
#include "testbench/apsim/sweep_output.h"

#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "testbench/apsim/process.h"
#include "testbench/apsim/run_info.h"
#include "testbench/apsim/sweep_dir.h"

namespace apsim::tb {

namespace fs = std::filesystem;

namespace {

/// The plot template: the same text for every sweep (see sweep_output.h).
const char* const kPlotTemplate = R"GNUPLOT(
# apsim sweep's plot template (testbench/apsim/sweep_output.cpp), the same for every sweep.
# The sweep's data are in plot-data/series-K.dat, one per curve; what differs between sweeps
# comes in as arguments, never as script text (plot-args.json has them for this sweep):
#   gnuplot -c plot.gp TITLE XLABEL NAME NSERIES NUMERIC XLOG NX
# run in the sweep's directory.  Each series file: a header line (x, x's label, the curve's
# name, its name for p50 and for p99), then per point: x, x's label, throughput, p50, p99.
title = ARG1
xname = ARG2
name = ARG3
n = int(ARG4)
numeric = int(ARG5)
xlog = int(ARG6)
nx = int(ARG7)
series(k) = sprintf("plot-data/series-%d.dat", k)

set datafile missing "NaN"
set grid
set key top left box opaque noenhanced
set xlabel xname noenhanced
set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05
if (xlog && numeric) { set logscale x 2 }
if (!numeric) { set xrange [-0.5:nx - 0.5]; set xtics rotate by -30 }

do for [ext in "png svg"] {
  if (ext eq "png") {
    set terminal pngcairo size 960,600 noenhanced font "DejaVu Sans,11"
  } else {
    set terminal svg size 960,600 dynamic noenhanced font "DejaVu Sans,11"
  }
  # throughput
  set output name . "-throughput." . ext
  set title title . ": throughput" noenhanced
  set ylabel "requests/s (simulated time)"
  unset logscale y
  set yrange [0:*]
  if (numeric) {
    plot for [k=0:n-1] series(k) using 1:3 with linespoints lw 2 pt 7 lc k+1 title columnheader(3)
  } else {
    plot for [k=0:n-1] series(k) using 1:3:xtic(2) with linespoints lw 2 pt 7 lc k+1 title columnheader(3)
  }
  set output
  # latency
  set output name . "-latency." . ext
  set title title . ": latency (p50 solid, p99 dashed)" noenhanced
  set ylabel "latency, us (simulated time)"
  set logscale y 10
  set yrange [*:*]
  if (numeric) {
    plot for [i=0:2*n-1] series(i/2) using 1:(column(4+i%2)) with linespoints lw 2 pt 7-i%2 dt 1+i%2 lc i/2+1 title columnheader(4+i%2)
  } else {
    plot for [i=0:2*n-1] series(i/2) using 1:(column(4+i%2)):xtic(2) with linespoints lw 2 pt 7-i%2 dt 1+i%2 lc i/2+1 title columnheader(4+i%2)
  }
  set output
}
)GNUPLOT";

/// apbench's figures, in the order of its --report kv line (driver/userspace/apbench.h); a
/// figure a result file adds beyond them gets a column after them.
std::vector<std::string> figure_columns(const std::vector<Json>& results) {
  std::vector<std::string> v = {"completed", "failed", "wrong", "sim_ms", "throughput", "lat_mean_us", "lat_min_us",
                                "lat_p50_us", "lat_p99_us", "lat_max_us"};
  for (const char* st : {"backlog", "driver", "siebus", "qwait", "service", "replywait"})
    for (const char* m : {"_mean_us", "_p50_us", "_p99_us"}) v.push_back(std::string(st) + m);
  for (const Json& r : results) {
    if (!r.is_object() || !r.contains("apbench") || r["apbench"].empty()) continue;
    const Json& f = r["apbench"].back()["figures"];
    for (auto it = f.begin(); it != f.end(); ++it)
      if (std::find(v.begin(), v.end(), it.key()) == v.end()) v.push_back(it.key());
  }
  return v;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

/// A figure as the CSV writes it: the shortest text that reads back as the same number.
std::string figure_text(const Json& v) { return v.is_number() ? v.dump() : ""; }

/// The last apbench run of a result file (null if none).
const Json* last_apbench(const Json& result) {
  if (!result.is_object() || !result.contains("apbench") || !result["apbench"].is_array() || result["apbench"].empty())
    return nullptr;
  return &result["apbench"].back();
}

/// One finished point, as collect sees it.
struct Row {
  const Json* point;  // the manifest's entry
  std::string status;
  Json status_json, result;
};

/// A parameter's effective value for the CSV: the point's, or for `irq` (the AP bus' own
/// choice unless the spec sets it) what apbench reports it ran with.
std::string param_text(const Row& r, const std::string& name) {
  const Json& v = (*r.point)["values"];
  if (v.contains(name)) return text_of(v[name]);
  if (name == "irq")
    if (const Json* a = last_apbench(r.result)) return a->value("params", Json::object()).value("mode", std::string());
  return "";
}

void write_results_csv(const std::string& path, const Json& manifest, const std::vector<Row>& rows) {
  std::vector<Json> results;
  for (const Row& r : rows) results.push_back(r.result);
  const std::vector<std::string> figs = figure_columns(results);
  std::ostringstream o;
  o << "point,status";
  for (const Json& c : manifest["params"]) o << "," << c.get<std::string>();
  for (const std::string& c : figs) o << "," << c;
  o << "\n";
  for (const Row& r : rows) {
    o << (*r.point)["index"].get<unsigned>() << "," << csv_field(r.status);
    for (const Json& c : manifest["params"]) o << "," << csv_field(param_text(r, c.get<std::string>()));
    const Json* a = last_apbench(r.result);
    for (const std::string& c : figs) {
      o << ",";
      if (a && (*a)["figures"].contains(c)) o << figure_text((*a)["figures"][c]);
    }
    o << "\n";
  }
  write_text_file(path, o.str());
}

void write_runs_csv(const std::string& path, const std::vector<Row>& rows) {
  std::ostringstream o;
  o << "point,status,attempts,host,wall_s,started,finished,slurm_job,apsim_version,apsim_commit\n";
  for (const Row& r : rows) {
    const Json& s = r.status_json.is_object() ? r.status_json : Json::object();
    const Json attempts = s.value("attempts", Json::array());
    std::string job;
    if (s.contains("slurm")) {
      const Json& j = s["slurm"];
      job = j.value("array_job_id", j.value("job_id", std::string()));
      if (j.contains("array_task_id")) job += "_" + j["array_task_id"].get<std::string>();
    }
    char wall[32];
    std::snprintf(wall, sizeof wall, "%.3f", s.value("wall_s", 0.0));
    const Json apsim = r.result.is_object() ? r.result.value("apsim", Json::object()) : Json::object();
    o << (*r.point)["index"].get<unsigned>() << "," << csv_field(r.status) << "," << attempts.size() << ","
      << csv_field(s.value("host", std::string())) << "," << (s.contains("wall_s") ? wall : "") << ","
      << (attempts.empty() ? "" : attempts.front().value("started", std::string())) << ","
      << s.value("finished", std::string()) << "," << job << "," << csv_field(apsim.value("version", std::string())) << ","
      << apsim.value("commit", std::string()) << (apsim.value("dirty", false) ? "-dirty" : "") << "\n";
  }
  write_text_file(path, o.str());
}

/// The plot data (one file per curve) and the template; returns gnuplot's arguments, or an
/// empty vector when no point can be plotted.
std::vector<std::string> write_plot_files(const std::string& dir, const Json& m, const std::vector<Row>& rows) {
  const std::string x = m["x"].get<std::string>();
  Json xs;
  for (const Json& g : m["grid"])
    if (g["name"] == x) xs = g["values"];
  const bool numeric = std::all_of(xs.begin(), xs.end(), [](const Json& v) { return v.is_number(); });
  std::vector<std::string> order;                                  // curve labels, first seen first
  std::map<std::string, std::vector<std::pair<double, const Row*>>> series;
  for (const Row& r : rows) {
    if (r.status != "ok") continue;  // a failed point has no figures: no curve point
    const Json& v = (*r.point)["values"];
    std::string label;
    for (const Json& g : m["grid"])
      if (g["name"] != x) label += (label.empty() ? "" : ", ") + g["name"].get<std::string>() + "=" + text_of(v[g["name"].get<std::string>()]);
    if (label.empty()) label = m["name"].get<std::string>();
    double xpos = 0;
    if (numeric) xpos = v[x].get<double>();
    else
      xpos = static_cast<double>(std::find_if(xs.begin(), xs.end(), [&](const Json& y) { return text_of(y) == text_of(v[x]); }) -
                                 xs.begin());
    if (!series.count(label)) order.push_back(label);
    series[label].emplace_back(xpos, &r);
  }
  fs::remove_all(fs::path(dir) / "plot-data");
  write_text_file((fs::path(dir) / "plot.gp").string(), std::string(kPlotTemplate).substr(1));
  if (order.empty()) return {};
  fs::create_directories(fs::path(dir) / "plot-data");
  for (size_t k = 0; k < order.size(); ++k) {
    auto& pts = series[order[k]];
    std::stable_sort(pts.begin(), pts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    // Labels are parameter names and validated values (numbers, fixed choices): no quotes.
    std::ostringstream d;
    d << "x label \"" << order[k] << "\" \"" << order[k] << " p50\" \"" << order[k] << " p99\"\n";
    for (const auto& [xpos, r] : pts) {
      const Json& f = (*last_apbench(r->result))["figures"];
      const auto fig = [&](const char* c) { return f.contains(c) ? figure_text(f[c]) : std::string("NaN"); };
      d << Json(xpos).dump() << " \"" << text_of((*r->point)["values"][x]) << "\" " << fig("throughput") << " "
        << fig("lat_p50_us") << " " << fig("lat_p99_us") << "\n";
    }
    write_text_file((fs::path(dir) / "plot-data" / ("series-" + std::to_string(k) + ".dat")).string(), d.str());
  }
  return {"gnuplot", "-c", "plot.gp", m["title"].get<std::string>(), x, m["name"].get<std::string>(),
          std::to_string(order.size()), numeric ? "1" : "0", m["xlog"].get<bool>() ? "1" : "0", std::to_string(xs.size())};
}

}  // namespace

Collection collect_dir(const std::string& dir, const Json& m, const std::map<unsigned, std::string>& lost, bool plots) {
  Collection c;
  std::vector<Row> rows;
  for (const Json& p : m["points"]) {
    ++c.points;
    const unsigned index = p["index"].get<unsigned>();
    const PointState st = read_point_state(dir, p["name"].get<std::string>());
    Row r{&p, st.status, st.kind == PointState::running ? Json() : st.status_json, Json()};
    if (st.kind == PointState::not_run || st.kind == PointState::running) {
      const auto it = lost.find(index);
      if (it == lost.end()) {
        ++(st.kind == PointState::running ? c.running : c.not_run);
        continue;
      }
      r.status = it->second;
    }
    try {
      r.result = Json::parse(read_text_file((fs::path(point_dir(dir, p["name"].get<std::string>())) / "result.json").string()));
    } catch (const std::exception&) {
    }
    if (r.status == "ok") {
      ++c.ok;
    } else {
      ++c.failed;
      c.failures.push_back({index, p["label"].get<std::string>(), r.status});
    }
    rows.push_back(std::move(r));
  }
  c.csv = (fs::path(dir) / "results.csv").string();
  c.runs_csv = (fs::path(dir) / "runs.csv").string();
  write_results_csv(c.csv, m, rows);
  write_runs_csv(c.runs_csv, rows);
  const std::vector<std::string> gp = write_plot_files(dir, m, rows);
  if (!plots || gp.empty()) return c;
  write_json_file((fs::path(dir) / "plot-args.json").string(), gp);
  const std::string log = (fs::path(dir) / "gnuplot.log").string();
  if (!find_program("gnuplot")) {
    c.plot_problem = "gnuplot not found in $PATH (Debian: apt-get install gnuplot-nox); plots not drawn, the template, its data "
                     "and arguments are in " + dir + " (plot.gp, plot-data/, plot-args.json)";
    return c;
  }
  try {
    SpawnOptions so;
    so.cwd = dir;
    so.stdout_path = so.stderr_path = log;
    const pid_t pid = spawn_program(gp, so);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
      c.plot_problem = "gnuplot failed (" + describe_wait_status(st) + "); see " + log;
      return c;
    }
  } catch (const SpawnError& e) {
    c.plot_problem = std::string(e.what()) + "; plots not drawn";
    return c;
  }
  for (const char* what : {"throughput", "latency"})
    for (const char* ext : {"png", "svg"})
      c.plots.push_back((fs::path(dir) / (m["name"].get<std::string>() + "-" + what + "." + ext)).string());
  return c;
}

}  // namespace apsim::tb
