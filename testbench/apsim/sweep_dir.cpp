// testbench/apsim/sweep_dir.cpp — a sweep's run directory; see sweep_dir.h.
#include "testbench/apsim/sweep_dir.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "sc/json_input.h"
#include "testbench/apsim/run_info.h"

namespace apsim::tb {

namespace fs = std::filesystem;

namespace {

/// The first parameter whose value differs between a point's stored values and this spec's,
/// as "NAME was OLD, now NEW" (a parameter filled from the LPAR may differ where the label,
/// which names the grid's, does not).
std::string first_difference(const Json& was, const Json& now) {
  for (auto it = now.begin(); it != now.end(); ++it)
    if (!was.contains(it.key()) || was[it.key()] != it.value())
      return it.key() + " was " + (was.contains(it.key()) ? was[it.key()].dump() : std::string("unset")) + ", now " +
             it.value().dump();
  for (auto it = was.begin(); it != was.end(); ++it)
    if (!now.contains(it.key())) return it.key() + " was " + it.value().dump() + ", now unset";
  return "in their order";
}

constexpr const char* kManifestFormat = "apsim-sweep 1";

/// The text of `path`, or "" if it cannot be read.
std::string text_or_empty(const std::string& path) {
  try {
    return read_text_file(path);
  } catch (const std::runtime_error&) {
    return "";
  }
}

/// A JSON file, or null if it is missing or not JSON (a runner killed while writing leaves
/// no half file: run_info.h writes through rename).
Json json_or_null(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return nullptr;
  try {
    return sc::parse_json_input<Json>(read_text_file(path), path);
  } catch (const std::exception&) {
    return nullptr;
  }
}

Json manifest_of(const Spec& spec, const std::vector<Point>& pts) {
  Json m;
  m["format"] = kManifestFormat;
  m["name"] = spec.name;
  m["title"] = spec.title;
  m["spec_file"] = fs::absolute(spec.file).lexically_normal().string();
  m["x"] = spec.x;
  m["xlog"] = spec.xlog;
  m["timeout_s"] = spec.timeout_s;
  Json grid = Json::array();
  for (const auto& [name, values] : spec.grid) grid.push_back({{"name", name}, {"values", values}});
  m["grid"] = grid;
  // The CSV's parameter columns: every parameter a sweep knows, then the spec's timing.<member>s.
  Json params = Json::array();
  for (const std::string& n : param_names()) params.push_back(n);
  for (const Point& p : pts)
    for (auto it = p.values.begin(); it != p.values.end(); ++it)
      if (std::find(params.begin(), params.end(), it.key()) == params.end()) params.push_back(it.key());
  m["params"] = params;
  m["prepared"] = {{"time", utc_now()}, {"apsim", apsim_build_info()}, {"machine", machine_info()}};
  m["runs"] = Json::array();
  Json points = Json::array();
  for (const Point& p : pts) points.push_back({{"index", p.index}, {"name", p.name}, {"label", p.label}, {"values", p.values}});
  m["points"] = points;
  return m;
}

std::string manifest_path(const std::string& dir) { return (fs::path(dir) / "sweep.json").string(); }

}  // namespace

std::string point_dir(const std::string& dir, const std::string& name) {
  return (fs::path(dir) / "points" / name).string();
}

Prepared check_run_dir(const Spec& spec, const std::vector<Point>& pts, const std::string& dir) {
  Prepared r;
  std::error_code ec;
  const bool exists = fs::exists(dir, ec);
  if (exists && !fs::is_directory(dir, ec)) throw SpecError("--out " + dir + ": exists and is not a directory");
  if (!exists || fs::is_empty(dir, ec)) {
    for (const Point& p : pts) r.to_run.push_back(p.index);
    return r;
  }
  if (!fs::exists(manifest_path(dir), ec))
    throw SpecError("--out " + dir + ": exists and is not a sweep's run directory (no sweep.json); choose another directory");
  Json m;
  try {
    m = read_manifest(dir);
  } catch (const std::runtime_error& e) {
    throw SpecError(std::string("--out ") + e.what());
  }
  const std::string other = "--out " + dir + ": holds another sweep (" + m.value("name", std::string("?")) + ", " +
                            std::to_string(m["points"].size()) + " points): ";
  const std::string fix = "; choose another --out, or remove the directory to start over";
  if (m["points"].size() != pts.size())
    throw SpecError(other + "this spec has " + std::to_string(pts.size()) + " points" + fix);
  r.resumed = true;
  for (const Point& p : pts) {
    const std::string pd = point_dir(dir, p.name);
    const Json old = json_or_null((fs::path(pd) / "point.json").string());
    std::string what;
    if (old.is_null() || !old.contains("values")) what = "point.json is missing";
    else if (old["values"].dump() != p.values.dump()) what = "parameters differ (" + first_difference(old["values"], p.values) + ")";
    else if (text_or_empty((fs::path(pd) / "lpar.json").string()) != p.lpar_text) what = "LPAR (lpar.json) differs";
    else if (text_or_empty((fs::path(pd) / "script.sh").string()) != p.script_text) what = "script (script.sh) differs";
    if (!what.empty())
      throw SpecError(other + "point " + std::to_string(p.index) + " (" + p.label + "): its " + what + fix);
    const PointState st = read_point_state(dir, p.name);
    if (st.kind == PointState::ok) {
      ++r.kept_ok;
      continue;
    }
    if (st.kind == PointState::failed) ++r.kept_failed;
    r.to_run.push_back(p.index);
  }
  return r;
}

void write_run_dir(const Spec& spec, const std::vector<Point>& pts, const std::string& dir, const Prepared& prep) {
  fs::create_directories(fs::path(dir) / "base");
  Json m = manifest_of(spec, pts);
  if (prep.resumed) m["runs"] = read_manifest(dir)["runs"];
  write_text_file((fs::path(dir) / "spec.json").string(), read_text_file(spec.file));
  write_text_file((fs::path(dir) / "base" / "scenario.sh").string(), spec.scenario_text);
  write_text_file((fs::path(dir) / "base" / "lpar.json").string(), read_text_file(spec.lpar_path));
  std::vector<bool> run(pts.size(), false);
  for (unsigned i : prep.to_run) run[i] = true;
  for (const Point& p : pts) {
    const fs::path pd = point_dir(dir, p.name);
    if (prep.resumed && !run[p.index]) continue;  // finished and identical: leave it alone
    fs::create_directories(pd);
    write_json_file((pd / "point.json").string(), {{"index", p.index}, {"label", p.label}, {"values", p.values}});
    write_text_file((pd / "lpar.json").string(), p.lpar_text);
    write_text_file((pd / "script.sh").string(), p.script_text);
    for (const char* f : {"status.json", "running.json", "result.json", "stdout.txt", "stderr.txt"}) fs::remove(pd / f);
  }
  write_manifest(dir, m);
}

Json read_manifest(const std::string& dir) {
  Json m;
  try {
    m = sc::parse_json_input<Json>(read_text_file(manifest_path(dir)), manifest_path(dir));
  } catch (const sc::JsonInputError& e) {
    throw std::runtime_error(e.what());
  }
  if (!m.is_object() || m.value("format", std::string()) != kManifestFormat || !m.contains("points"))
    throw std::runtime_error(manifest_path(dir) + ": not a sweep manifest (format \"" + kManifestFormat + "\")");
  return m;
}

void write_manifest(const std::string& dir, const Json& manifest) { write_json_file(manifest_path(dir), manifest); }

size_t record_run(const std::string& dir, Json& manifest, const std::string& backend, const Json& extra) {
  Json run = {{"backend", backend}, {"time", utc_now()}, {"apsim", apsim_build_info()}, {"machine", machine_info()}};
  for (auto it = extra.begin(); it != extra.end(); ++it) run[it.key()] = it.value();
  manifest["runs"].push_back(run);
  write_manifest(dir, manifest);
  return manifest["runs"].size() - 1;
}

PointState read_point_state(const std::string& dir, const std::string& name) {
  const fs::path pd = point_dir(dir, name);
  PointState s;
  s.status_json = json_or_null((pd / "status.json").string());
  if (s.status_json.is_object() && s.status_json.contains("status")) {
    s.status = s.status_json["status"].get<std::string>();
    s.kind = s.status == "ok" ? PointState::ok : PointState::failed;
    return s;
  }
  s.status_json = json_or_null((pd / "running.json").string());
  if (s.status_json.is_object()) {
    s.kind = PointState::running;
    s.status = "running";
    return s;
  }
  s.status = "not run";
  return s;
}

}  // namespace apsim::tb
