// testbench/apsim/sweep_command.cpp — `apsim sweep`: spec validation, point generation, one
// `apsim run` process per point (fork/exec, --jobs side by side), CSV and gnuplot plots.
// See sweep_command.h and docs/sweeps.md.
#include "testbench/apsim/sweep_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sc/lpar_config.h"
#include "sc/timing.h"

namespace apsim::tb {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

/// Bad input: what() names the spec file and the parameter.
struct SpecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- the parameters a sweep may set ------------------------------------------------------

enum class Type { integer, number, choice, boolean };
enum class Target { workload, script, lpar, run };

struct ParamDef {
  const char* name;
  Type type;
  double lo, hi;                      // integer/number range
  std::vector<std::string> choices;   // choice
  Target target;
  const char* what;
};

const std::vector<ParamDef>& params() {
  static const std::vector<ParamDef> p = {
      {"op", Type::choice, 0, 0,
       {"mex-1024", "mex-2048", "mex-4096", "crt-1024", "crt-2048", "crt-4096", "cca-seckey", "ep11-seckey", "rng"},
       Target::workload, "apbench --op"},
      {"requests", Type::integer, 1, 1e7, {}, Target::workload, "apbench --requests"},
      {"inflight", Type::integer, 1, 4096, {}, Target::workload, "apbench --inflight (per guest with guests)"},
      {"apqns", Type::integer, 1, 65536, {}, Target::workload, "apbench --apqns N (per guest with guests)"},
      {"irq", Type::choice, 0, 0, {"polling", "interrupts"}, Target::workload, "apbench --mode (AP bus polling or interruptions)"},
      {"rate", Type::number, 0, 1e12, {}, Target::workload, "apbench --rate (0 = closed loop)"},
      {"guests", Type::integer, 0, 64, {}, Target::script, "guests sharing the first adapter, one domain each"},
      {"execution", Type::choice, 0, 0, {"host", "interpreted", "intercepted"}, Target::script,
       "host (LPAR, no SIE), interpreted (in guests, SIE interpretation) or intercepted (in guests, "
       "the what-if apsim.kvm_ap=intercept: KVM emulates every AP instruction)"},
      {"qd", Type::integer, 0, 15, {}, Target::lpar, "adapters[].qd (queue depth field)"},
      {"qd_plus_one_slots", Type::boolean, 0, 0, {}, Target::lpar, "adapters[].qd_plus_one_slots"},
      {"engines", Type::integer, 1, 64, {}, Target::lpar, "adapters[].engines"},
      {"adapters", Type::integer, 1, 256, {}, Target::lpar, "copies of the base LPAR's first adapter"},
      {"domains", Type::integer, 1, 256, {}, Target::lpar, "usage (and control) domains 0..N-1"},
      {"card_type", Type::choice, 0, 0, {"CEX4", "CEX5", "CEX6", "CEX7", "CEX8", "CEX9"}, Target::lpar, "adapters[].type"},
      {"card_mode", Type::choice, 0, 0, {"accel", "cca", "ep11"}, Target::lpar, "adapters[].mode"},
      {"rating_unit_ps", Type::integer, 1, 1099511627776.0, {}, Target::lpar, "service-time scale"},
      {"quantum_ps", Type::integer, 1, 1099511627776.0, {}, Target::lpar, "--mode fast quantum"},
      {"sim_mode", Type::choice, 0, 0, {"cycle", "fast"}, Target::run, "apsim run --mode"},
      {"seed", Type::integer, 0, 9.0e15, {}, Target::run, "apsim run --seed"},
  };
  return p;
}

/// timing.<member>: an LPAR timing override (spec parameters "timing.NAME").
bool is_timing(const std::string& n) { return n.rfind("timing.", 0) == 0 && n.size() > 7; }

/// The ParamDef of "timing.NAME" for each TimingTable member: name, range and reason from
/// sc/timing.h's one list of parameters; nullptr for a name that is not a member.
const ParamDef* find_timing_param(const std::string& n) {
  static const std::map<std::string, ParamDef> defs = [] {
    std::map<std::string, ParamDef> m;
    for (const sc::TimingParameter& t : sc::kTimingParameters) {
      auto it = m.emplace(std::string("timing.") + t.name, ParamDef{}).first;
      it->second = ParamDef{it->first.c_str(), Type::integer, static_cast<double>(t.min), static_cast<double>(t.max),
                            {}, Target::lpar, t.reason};
    }
    return m;
  }();
  const auto it = defs.find(n);
  return it == defs.end() ? nullptr : &it->second;
}

const ParamDef* find_param(const std::string& n) {
  if (is_timing(n)) return find_timing_param(n);
  for (const ParamDef& p : params())
    if (n == p.name) return &p;
  return nullptr;
}

std::string known_params() {
  std::string s;
  for (const ParamDef& p : params()) s += std::string(s.empty() ? "" : ", ") + p.name;
  return s + ", timing.<member>";
}

/// A parameter value, as the spec wrote it (validated), and as text.
std::string text_of(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", d);
    return b;
  }
  return v.dump();
}

void check_value(const std::string& src, const std::string& where, const std::string& name, const Json& v) {
  const ParamDef* p = find_param(name);
  const auto bad = [&](const std::string& why) { throw SpecError(src + ": " + where + ": " + why + ", got " + v.dump()); };
  switch (p->type) {
    case Type::integer: {
      if (!(v.is_number_integer() || v.is_number_unsigned() ||
            (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>())))
        bad("expected an integer");
      const double d = v.get<double>();
      if (d < p->lo || d > p->hi) {
        std::ostringstream o;
        o << "expected an integer " << static_cast<long long>(p->lo) << ".." << static_cast<long long>(p->hi);
        bad(o.str());
      }
      break;
    }
    case Type::number: {
      if (!v.is_number()) bad("expected a number");
      const double d = v.get<double>();
      if (!(d >= p->lo && d <= p->hi)) bad("expected a number in range");
      break;
    }
    case Type::choice: {
      if (!v.is_string() || std::find(p->choices.begin(), p->choices.end(), v.get<std::string>()) == p->choices.end()) {
        std::string c;
        for (const std::string& s : p->choices) c += (c.empty() ? "\"" : ", \"") + s + "\"";
        bad("expected one of " + c);
      }
      break;
    }
    case Type::boolean:
      if (!v.is_boolean()) bad("expected true or false");
      break;
  }
}

// ---- the spec ----------------------------------------------------------------------------

struct Spec {
  std::string file, dir, name, title;
  std::string scenario_path, lpar_path, scenario_text;
  Json base_lpar;
  Json fixed = Json::object();
  std::vector<std::pair<std::string, std::vector<Json>>> grid;  // in spec order
  std::string x;
  bool xlog = false;
  unsigned timeout_s = 600;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw SpecError(path + ": cannot read the file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Spec load_spec(const std::string& path) {
  Spec s;
  s.file = path;
  s.dir = fs::path(path).parent_path().string();
  if (s.dir.empty()) s.dir = ".";
  Json j;
  try {
    j = Json::parse(read_file(path));
  } catch (const Json::parse_error& e) {
    throw SpecError(path + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw SpecError(path + ": expected a JSON object at the top level");
  static const std::set<std::string> keys = {"name", "title", "description", "comment", "base", "fixed",
                                             "grid", "x", "xlog", "timeout_s"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!keys.count(it.key()))
      throw SpecError(path + ": '" + it.key() + "': unknown field (expected name, title, description, base, fixed, grid, x, xlog, timeout_s)");
  const auto str = [&](const char* k, bool required) -> std::string {
    if (!j.contains(k)) {
      if (required) throw SpecError(path + ": '" + k + "': missing");
      return "";
    }
    if (!j[k].is_string()) throw SpecError(path + ": '" + k + "': expected a string, got " + j[k].dump());
    return j[k].get<std::string>();
  };
  s.name = str("name", true);
  if (s.name.empty() || s.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != std::string::npos)
    throw SpecError(path + ": 'name': expected letters, digits, '-' and '_' (it names the plot files), got \"" + s.name + "\"");
  s.title = str("title", false);
  if (s.title.empty()) s.title = s.name;
  if (!j.contains("base") || !j["base"].is_object()) throw SpecError(path + ": 'base': expected {\"scenario\": FILE, \"lpar\": FILE}");
  for (auto it = j["base"].begin(); it != j["base"].end(); ++it)
    if (it.key() != "scenario" && it.key() != "lpar")
      throw SpecError(path + ": 'base." + it.key() + "': unknown field (expected scenario, lpar)");
  for (const char* k : {"scenario", "lpar"})
    if (!j["base"].contains(k) || !j["base"][k].is_string())
      throw SpecError(path + ": 'base." + std::string(k) + "': expected a file name (relative to the spec)");
  const auto rel = [&](const std::string& f) { return f.empty() || f[0] == '/' ? f : (fs::path(s.dir) / f).string(); };
  s.scenario_path = rel(j["base"]["scenario"].get<std::string>());
  s.lpar_path = rel(j["base"]["lpar"].get<std::string>());
  try {
    s.scenario_text = read_file(s.scenario_path);
  } catch (const SpecError& e) {
    throw SpecError(path + ": 'base.scenario': " + e.what());
  }
  try {
    s.base_lpar = Json::parse(read_file(s.lpar_path));
    sc::LparConfig::parse(s.base_lpar.dump(), s.lpar_path);
  } catch (const SpecError& e) {
    throw SpecError(path + ": 'base.lpar': " + e.what());
  } catch (const Json::parse_error& e) {
    throw SpecError(path + ": 'base.lpar': " + s.lpar_path + ": not valid JSON: " + e.what());
  } catch (const sc::LparConfigError& e) {
    throw SpecError(path + ": 'base.lpar': " + e.what());
  }
  if (!s.base_lpar.contains("adapters") || !s.base_lpar["adapters"].is_array() || s.base_lpar["adapters"].empty())
    throw SpecError(path + ": 'base.lpar': " + s.lpar_path + ": a sweep needs at least one adapter");

  if (j.contains("fixed")) {
    if (!j["fixed"].is_object()) throw SpecError(path + ": 'fixed': expected an object {PARAM: value}");
    for (auto it = j["fixed"].begin(); it != j["fixed"].end(); ++it) {
      if (!find_param(it.key()))
        throw SpecError(path + ": 'fixed." + it.key() + "': unknown parameter (known: " + known_params() + ")");
      check_value(path, "'fixed." + it.key() + "'", it.key(), it.value());
      s.fixed[it.key()] = it.value();
    }
  }
  if (!j.contains("grid") || !j["grid"].is_object() || j["grid"].empty())
    throw SpecError(path + ": 'grid': expected an object {PARAM: [values...]} with at least one parameter");
  for (auto it = j["grid"].begin(); it != j["grid"].end(); ++it) {
    const std::string& n = it.key();
    if (!find_param(n)) throw SpecError(path + ": 'grid." + n + "': unknown parameter (known: " + known_params() + ")");
    if (s.fixed.contains(n)) throw SpecError(path + ": 'grid." + n + "': also in 'fixed'");
    if (!it.value().is_array() || it.value().empty())
      throw SpecError(path + ": 'grid." + n + "': expected a non-empty list of values, got " + it.value().dump());
    std::vector<Json> vals;
    std::set<std::string> seen;
    for (size_t i = 0; i < it.value().size(); ++i) {
      const Json& v = it.value()[i];
      check_value(path, "'grid." + n + "[" + std::to_string(i) + "]'", n, v);
      if (!seen.insert(text_of(v)).second)
        throw SpecError(path + ": 'grid." + n + "[" + std::to_string(i) + "]': value " + v.dump() + " is listed twice");
      vals.push_back(v);
    }
    s.grid.emplace_back(n, std::move(vals));
  }
  s.x = j.contains("x") ? (j["x"].is_string() ? j["x"].get<std::string>() : "") : s.grid.front().first;
  if (std::none_of(s.grid.begin(), s.grid.end(), [&](const auto& g) { return g.first == s.x; }))
    throw SpecError(path + ": 'x': expected the name of a grid parameter, got " + (j.contains("x") ? j["x"].dump() : "nothing"));
  if (j.contains("xlog")) {
    if (!j["xlog"].is_boolean()) throw SpecError(path + ": 'xlog': expected true or false, got " + j["xlog"].dump());
    s.xlog = j["xlog"].get<bool>();
  }
  if (j.contains("timeout_s")) {
    const Json& t = j["timeout_s"];
    if (!t.is_number_integer() || t.get<long long>() < 1 || t.get<long long>() > 86400)
      throw SpecError(path + ": 'timeout_s': expected an integer 1..86400, got " + t.dump());
    s.timeout_s = static_cast<unsigned>(t.get<long long>());
  }
  return s;
}

// ---- points ------------------------------------------------------------------------------

struct Point {
  unsigned index = 0;
  Json values = Json::object();  // every parameter with its effective value (defaults filled in)
  std::string dir, lpar_text, script_text;
  std::vector<std::string> argv;
  // results
  std::string status = "not run";
  std::map<std::string, std::string> figures;
  double wall_s = 0;
  pid_t pid = -1;
  std::chrono::steady_clock::time_point started;
};

const Json kDefaults = {{"op", "mex-2048"}, {"requests", 200}, {"inflight", 4},  {"apqns", 1},
                        {"rate", 0},        {"guests", 0},     {"sim_mode", "fast"}, {"seed", 1}};

std::string hex2(unsigned v) {
  char b[8];
  std::snprintf(b, sizeof b, "%02x", v);
  return b;
}

/// The LPAR of a point: the base with the point's hardware parameters applied.
Json point_lpar(const Spec& s, const Json& v) {
  Json l = s.base_lpar;
  Json& ads = l["adapters"];
  if (v.contains("adapters")) {
    const Json tmpl = ads[0];
    const unsigned n = v["adapters"].get<unsigned>();
    sc::LparConfig base = sc::LparConfig::parse(s.base_lpar.dump(), s.lpar_path);
    const unsigned first = base.adapters[0].apid;
    Json list = Json::array();
    for (unsigned i = 0; i < n; ++i) {
      Json a = tmpl;
      a["id"] = "0x" + hex2((first + i) & 0xff);
      if (first + i > 255) throw SpecError(s.file + ": 'adapters': " + std::to_string(n) + " adapters from id 0x" + hex2(first) +
                                           " go beyond 0xff");
      list.push_back(a);
    }
    ads = list;
  }
  for (Json& a : ads) {
    if (v.contains("qd")) a["qd"] = v["qd"];
    if (v.contains("qd_plus_one_slots")) a["qd_plus_one_slots"] = v["qd_plus_one_slots"];
    if (v.contains("engines")) a["engines"] = v["engines"];
    if (v.contains("card_type")) a["type"] = v["card_type"];
    if (v.contains("card_mode")) a["mode"] = v["card_mode"];
  }
  const unsigned guests = v["guests"].get<unsigned>();
  if (v.contains("domains") || guests > 0) {
    // Usage and control domains 0..N-1 (or the base's); guest i gets domain i, so 1..G too.
    std::set<unsigned> ids;
    if (v.contains("domains")) {
      for (unsigned d = 0; d < v["domains"].get<unsigned>(); ++d) ids.insert(d);
    } else {
      for (unsigned d : sc::LparConfig::parse(s.base_lpar.dump(), s.lpar_path).usage_domains.ids()) ids.insert(d);
    }
    for (unsigned g = 1; g <= guests; ++g) ids.insert(g);
    Json doms = Json::array();
    for (unsigned d : ids) doms.push_back(d);
    l["usage_domains"] = doms;
    l["control_domains"] = doms;
  }
  // execution "intercepted": the host kernel runs KVM's what-if emulation (driver/linux/kvm-s390.h).
  if (v.value("execution", std::string()) == "intercepted") {
    const std::string cmdline = l.value("kernel_cmdline", std::string());
    l["kernel_cmdline"] = cmdline + (cmdline.empty() ? "" : " ") + "apsim.kvm_ap=intercept";
  }
  for (const char* k : {"rating_unit_ps", "quantum_ps"})
    if (v.contains(k)) l[k] = v[k];
  for (auto it = v.begin(); it != v.end(); ++it)
    if (is_timing(it.key())) l["timing"][it.key().substr(7)] = it.value();
  return l;
}

std::string shell_var(const std::string& name) {
  std::string n = "SWEEP_";
  for (char c : name) n += (c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return n;
}

std::vector<Point> make_points(const Spec& s, const std::string& out) {
  std::vector<Point> pts;
  std::vector<size_t> idx(s.grid.size(), 0);
  for (;;) {
    Point p;
    p.index = static_cast<unsigned>(pts.size());
    p.values = kDefaults;
    for (auto it = s.fixed.begin(); it != s.fixed.end(); ++it) p.values[it.key()] = it.value();
    for (size_t g = 0; g < s.grid.size(); ++g) p.values[s.grid[g].first] = s.grid[g].second[idx[g]];
    std::string label;
    for (size_t g = 0; g < s.grid.size(); ++g)
      label += (label.empty() ? "" : " ") + s.grid[g].first + "=" + text_of(s.grid[g].second[idx[g]]);
    const std::string where = s.file + ": point " + std::to_string(p.index) + " (" + label + ")";
    // execution and guests
    unsigned guests = p.values["guests"].get<unsigned>();
    if (p.values.contains("execution")) {
      const std::string e = p.values["execution"].get<std::string>();
      if (e == "host" && guests > 0)
        throw SpecError(where + ": 'execution': \"host\" runs the workload on the LPAR, but guests=" + std::to_string(guests));
      if (e != "host" && guests == 0) p.values["guests"] = guests = 1;
    } else {
      p.values["execution"] = guests > 0 ? "interpreted" : "host";
    }
    // the LPAR, validated as `apsim run` will read it
    const Json lpar = point_lpar(s, p.values);
    try {
      sc::LparConfig::parse(lpar.dump(), "lpar.json");
    } catch (const sc::LparConfigError& e) {
      throw SpecError(where + ": the point's LPAR is not valid: " + e.what());
    }
    p.lpar_text = lpar.dump(2) + "\n";
    const sc::LparConfig cfg = sc::LparConfig::parse(lpar.dump(), "lpar.json");
    if (p.values.value("irq", std::string()) == "interrupts" && !cfg.facilities.aqic)
      throw SpecError(where + ": 'irq': \"interrupts\" needs the AQIC facility, which the base LPAR switches off");
    // the script
    char name[16];
    std::snprintf(name, sizeof name, "%03u", p.index);
    p.dir = (fs::path(out) / "points" / name).string();
    std::ostringstream sh;
    sh << "# Generated by `apsim sweep " << s.file << "`, point " << p.index << ": " << label << "\n";
    for (auto it = p.values.begin(); it != p.values.end(); ++it) sh << shell_var(it.key()) << "=" << text_of(it.value()) << "\n";
    sh << "SWEEP_GUEST_ADAPTER=" << hex2(cfg.adapters[0].apid) << "\n";
    sh << s.scenario_text;
    if (!s.scenario_text.empty() && s.scenario_text.back() != '\n') sh << "\n";
    sh << "apbench";
    if (guests > 0) {
      sh << " --guests ";
      for (unsigned g = 1; g <= guests; ++g) sh << (g > 1 ? "," : "") << "guest" << g;
    }
    sh << " --apqns " << text_of(p.values["apqns"]) << " --op " << text_of(p.values["op"]) << " --requests "
       << text_of(p.values["requests"]);
    const double rate = p.values["rate"].get<double>();
    if (rate > 0) sh << " --rate " << text_of(p.values["rate"]);
    if (rate == 0 || s.fixed.contains("inflight") ||
        std::any_of(s.grid.begin(), s.grid.end(), [](const auto& g) { return g.first == "inflight"; }))
      sh << " --inflight " << text_of(p.values["inflight"]);
    if (p.values.contains("irq")) sh << " --mode " << text_of(p.values["irq"]);
    sh << " --report kv\n";
    p.script_text = sh.str();
    p.argv = {"run", "--mode", text_of(p.values["sim_mode"]), "--seed", text_of(p.values["seed"]), "--lpar",
              (fs::path(p.dir) / "lpar.json").string(), (fs::path(p.dir) / "script.sh").string()};
    pts.push_back(std::move(p));
    // next combination (last grid parameter varies fastest)
    size_t g = s.grid.size();
    while (g > 0) {
      --g;
      if (++idx[g] < s.grid[g].second.size()) break;
      idx[g] = 0;
      if (g == 0) return pts;
    }
    if (s.grid.empty()) return pts;
  }
}

// ---- running -----------------------------------------------------------------------------

pid_t spawn(const std::string& self, const Point& p) {
  const std::string out = (fs::path(p.dir) / "stdout.txt").string(), err = (fs::path(p.dir) / "stderr.txt").string();
  std::vector<std::string> args = p.argv;
  args.insert(args.begin(), self);
  const pid_t pid = fork();
  if (pid != 0) return pid;
  // child
  const int fo = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int fe = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fo < 0 || fe < 0) _exit(126);
  dup2(fo, 1);
  dup2(fe, 2);
  close(fo);
  close(fe);
  std::vector<char*> cargs;
  for (std::string& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  execv(self.c_str(), cargs.data());
  _exit(127);
}

/// The figures of apbench's `apbench: result k=v ...` line.
bool parse_result(const std::string& stdout_text, std::map<std::string, std::string>& fig) {
  std::istringstream in(stdout_text);
  std::string line;
  bool found = false;
  while (std::getline(in, line)) {
    if (line.rfind("apbench: result ", 0) != 0) continue;
    found = true;
    std::istringstream w(line.substr(16));
    std::string kv;
    while (w >> kv) {
      const size_t eq = kv.find('=');
      if (eq != std::string::npos) fig[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  return found;
}

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  const size_t nl = t.rfind('\n');
  std::string l = nl == std::string::npos ? t : t.substr(nl + 1);
  for (char& c : l)
    if (c == ',' || c == '"') c = ' ';
  return l;
}

void finish(Point& p, int wstatus, bool timed_out) {
  p.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - p.started).count();
  std::string out, err;
  try {
    out = read_file((fs::path(p.dir) / "stdout.txt").string());
    err = read_file((fs::path(p.dir) / "stderr.txt").string());
  } catch (const SpecError&) {
  }
  const bool have = parse_result(out, p.figures);
  if (timed_out) {
    p.status = "failed: timeout";
  } else if (WIFSIGNALED(wstatus)) {
    p.status = "failed: killed by signal " + std::to_string(WTERMSIG(wstatus));
  } else if (WEXITSTATUS(wstatus) != 0) {
    p.status = "failed: exit status " + std::to_string(WEXITSTATUS(wstatus));
    const std::string why = last_line(err.empty() ? out : err);
    if (!why.empty()) p.status += ": " + why;
  } else if (!have) {
    p.status = "failed: no apbench result line";
  } else if (p.figures["failed"] != "0" || p.figures["wrong"] != "0") {
    p.status = "failed: " + p.figures["failed"] + " requests failed, " + p.figures["wrong"] + " wrong";
  } else {
    p.status = "ok";
  }
}

// ---- output ------------------------------------------------------------------------------

const std::vector<std::string>& figure_columns() {
  static const std::vector<std::string> c = [] {
    std::vector<std::string> v = {"completed", "failed", "wrong", "sim_ms", "throughput", "lat_mean_us", "lat_min_us",
                                  "lat_p50_us", "lat_p99_us", "lat_max_us"};
    for (const char* st : {"backlog", "driver", "siebus", "qwait", "service", "replywait"})
      for (const char* m : {"_mean_us", "_p50_us", "_p99_us"}) v.push_back(std::string(st) + m);
    return v;
  }();
  return c;
}

std::vector<std::string> param_columns(const std::vector<Point>& pts) {
  std::vector<std::string> cols;
  for (const ParamDef& d : params()) cols.push_back(d.name);
  for (const Point& p : pts)
    for (auto it = p.values.begin(); it != p.values.end(); ++it)
      if (std::find(cols.begin(), cols.end(), it.key()) == cols.end()) cols.push_back(it.key());
  return cols;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

void write_csv(const std::string& path, const std::vector<Point>& pts) {
  std::ofstream o(path);
  const auto pc = param_columns(pts);
  o << "point,status";
  for (const auto& c : pc) o << "," << c;
  for (const auto& c : figure_columns()) o << "," << c;
  o << ",wall_s\n";
  for (const Point& p : pts) {
    o << p.index << "," << csv_field(p.status);
    for (const auto& c : pc) o << "," << (p.values.contains(c) ? csv_field(text_of(p.values[c])) : "");
    for (const auto& c : figure_columns()) {
      auto it = p.figures.find(c);
      o << "," << (it == p.figures.end() ? "" : it->second);
    }
    char b[32];
    std::snprintf(b, sizeof b, ",%.3f\n", p.wall_s);
    o << b;
  }
  if (!o) throw std::runtime_error("cannot write " + path);
}

std::string gp_quote(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

/// Data files (one per series) and the gnuplot script.  Returns the plot files it makes.
std::vector<std::string> write_plots(const Spec& s, const std::string& out, const std::vector<Point>& pts,
                                     std::string& script_path) {
  // x positions: numeric values as they are, else the grid's order.
  const auto& xs = std::find_if(s.grid.begin(), s.grid.end(), [&](const auto& g) { return g.first == s.x; })->second;
  const bool numeric = std::all_of(xs.begin(), xs.end(), [](const Json& v) { return v.is_number(); });
  std::map<std::string, std::vector<const Point*>> series;  // label -> points
  std::vector<std::string> order;
  for (const Point& p : pts) {
    std::string label;
    for (const auto& [n, vals] : s.grid)
      if (n != s.x) label += (label.empty() ? "" : ", ") + n + "=" + text_of(p.values[n]);
    if (label.empty()) label = s.name;
    if (p.status != "ok") continue;  // a failed point has no figures: no curve point
    if (!series.count(label)) order.push_back(label);
    series[label].push_back(&p);
  }
  fs::create_directories(fs::path(out) / "plot-data");
  std::vector<std::string> files;
  for (size_t k = 0; k < order.size(); ++k) {
    std::vector<const Point*> v = series[order[k]];
    const auto xpos = [&](const Point* p) {
      const Json& x = p->values[s.x];
      if (numeric) return x.get<double>();
      return static_cast<double>(std::find_if(xs.begin(), xs.end(), [&](const Json& y) { return text_of(y) == text_of(x); }) -
                                 xs.begin());
    };
    std::sort(v.begin(), v.end(), [&](const Point* a, const Point* b) { return xpos(a) < xpos(b); });
    const std::string f = (fs::path(out) / "plot-data" / ("series-" + std::to_string(k) + ".dat")).string();
    std::ofstream d(f);
    d << "# " << order[k] << "\n# x label throughput lat_p50_us lat_p99_us\n";
    for (const Point* p : v) {
      const auto fig = [&](const char* c) {
        auto it = p->figures.find(c);
        return it == p->figures.end() ? std::string("NaN") : it->second;
      };
      d << xpos(p) << " " << gp_quote(text_of(p->values[s.x])) << " " << fig("throughput") << " " << fig("lat_p50_us") << " "
        << fig("lat_p99_us") << "\n";
    }
    files.push_back(f);
  }
  const std::string base = (fs::path(out) / s.name).string();
  script_path = (fs::path(out) / "plot.gp").string();
  std::ofstream g(script_path);
  const std::string xaxis = "1";
  const std::string xtic = numeric ? "" : ":xtic(2)";
  g << "# Generated by apsim sweep from " << s.file << " (run: gnuplot plot.gp)\n";
  g << "set datafile missing \"NaN\"\nset grid\nset key top left box opaque\nset xlabel " << gp_quote(s.x) << "\n";
  if (s.xlog && numeric) g << "set logscale x 2\n";
  if (!numeric) g << "set xrange [-0.5:" << xs.size() - 0.5 << "]\nset xtics rotate by -30\n";
  g << "set offsets graph 0.02, graph 0.02, graph 0.05, graph 0.05\n";
  std::vector<std::string> outs;
  if (files.empty()) {
    g << "# no point succeeded: nothing to plot\n";
    return outs;
  }
  for (const char* what : {"throughput", "latency"}) {
    const bool tput = std::strcmp(what, "throughput") == 0;
    std::ostringstream plot;
    plot << "plot ";
    for (size_t k = 0; k < files.size(); ++k) {
      if (tput) {
        plot << (k ? ", \\\n     " : "") << gp_quote(files[k]) << " using " << xaxis << ":3" << xtic
             << " with linespoints lw 2 pt 7 lc " << k + 1 << " title " << gp_quote(order[k]);
      } else {
        plot << (k ? ", \\\n     " : "") << gp_quote(files[k]) << " using " << xaxis << ":4" << xtic
             << " with linespoints lw 2 pt 7 dt 1 lc " << k + 1 << " title " << gp_quote(order[k] + " p50") << ", \\\n     "
             << gp_quote(files[k]) << " using " << xaxis << ":5 with linespoints lw 2 pt 6 dt 2 lc " << k + 1 << " title "
             << gp_quote(order[k] + " p99");
      }
    }
    g << "\n# ---- " << what << "\n";
    g << "set title " << gp_quote(s.title + (tput ? ": throughput" : ": latency (p50 solid, p99 dashed)")) << "\n";
    g << "set ylabel " << gp_quote(tput ? "requests/s (simulated time)" : "latency, us (simulated time)") << "\n";
    g << (tput ? "unset logscale y\n" : "set logscale y 10\n");
    g << "set yrange [" << (tput ? "0" : "*") << ":*]\n";
    for (const char* ext : {"png", "svg"}) {
      const std::string file = base + "-" + what + "." + ext;
      g << (std::strcmp(ext, "png") == 0 ? "set terminal pngcairo size 960,600 enhanced font \"DejaVu Sans,11\"\n"
                                         : "set terminal svg size 960,600 dynamic enhanced font \"DejaVu Sans,11\"\n");
      g << "set output " << gp_quote(file) << "\n" << plot.str() << "\nset output\n";
      outs.push_back(file);
    }
  }
  if (!g) throw std::runtime_error("cannot write " + script_path);
  return outs;
}

bool have_gnuplot() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

std::string fmt_s(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f s", s);
  return b;
}

}  // namespace

int run_sweep(const SweepOptions& o) {
  Spec spec;
  std::vector<Point> pts;
  try {
    if (o.jobs < 1 || o.jobs > 64) throw SpecError("--jobs: expected 1..64, got " + std::to_string(o.jobs));
    if (o.out.empty() && !o.dry_run) throw SpecError("--out: a directory is required");
    spec = load_spec(o.spec);
    pts = make_points(spec, o.out);
  } catch (const SpecError& e) {
    std::cerr << "apsim sweep: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "apsim sweep: " << o.spec << ": " << e.what() << "\n";
    return 2;
  }
  if (o.dry_run) {  // the points as they would run, one line each
    std::cout << "apsim sweep: " << spec.name << ": " << pts.size() << " points (dry run: nothing written or run)\n";
    for (const Point& p : pts) {
      std::cout << "  " << p.index;
      for (const auto& [name, values] : spec.grid) std::cout << " " << name << "=" << text_of(p.values[name]);
      std::cout << "\n";
    }
    return 0;
  }
  const std::string self = o.self.empty() ? fs::read_symlink("/proc/self/exe").string() : o.self;

  // Write every point's files before the first runs.
  try {
    fs::create_directories(o.out);
    for (Point& p : pts) {
      fs::create_directories(p.dir);
      std::ofstream(fs::path(p.dir) / "lpar.json") << p.lpar_text;
      std::ofstream(fs::path(p.dir) / "script.sh") << p.script_text;
    }
  } catch (const std::exception& e) {
    std::cerr << "apsim sweep: " << o.out << ": " << e.what() << "\n";
    return 3;
  }

  const auto t0 = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  const bool tty = isatty(2);
  size_t next = 0, done = 0, failed = 0, running = 0;
  const auto progress = [&] {
    const double e = elapsed();
    const double left = done ? e / static_cast<double>(done) * static_cast<double>(pts.size() - done) : 0;
    char b[200];
    std::snprintf(b, sizeof b, "apsim sweep: %s: %zu/%zu points done, %zu failed, %zu running, elapsed %.1f s, remaining ~%.0f s",
                  spec.name.c_str(), done, pts.size(), failed, running, e, left);
    std::cerr << (tty ? "\r" : "") << b << (tty ? "\033[K" : "\n") << std::flush;
  };
  std::cout << "apsim sweep: " << spec.name << ": " << pts.size() << " points, --jobs " << o.jobs << ", output " << o.out << "\n"
            << std::flush;
  bool changed = true;  // report after the freed job slots are refilled, not in between
  while (done < pts.size()) {
    while (running < o.jobs && next < pts.size()) {
      Point& p = pts[next++];
      p.started = std::chrono::steady_clock::now();
      p.pid = spawn(self, p);
      if (p.pid < 0) {
        p.status = std::string("failed: fork: ") + std::strerror(errno);
        ++done, ++failed;
        changed = true;
        continue;
      }
      ++running;
    }
    if (changed) progress();
    changed = false;
    if (running == 0) continue;
    int st = 0;
    const pid_t pid = waitpid(-1, &st, WNOHANG);
    if (pid == 0) {
      // Nobody finished: enforce the timeout, then sleep a little.
      for (Point& p : pts)
        if (p.pid > 0 && std::chrono::duration<double>(std::chrono::steady_clock::now() - p.started).count() > spec.timeout_s) {
          kill(p.pid, SIGKILL);
          waitpid(p.pid, &st, 0);
          finish(p, st, true);
          p.pid = -1;
          --running, ++done, ++failed;
          changed = true;
        }
      usleep(20000);
      continue;
    }
    if (pid < 0) break;
    for (Point& p : pts)
      if (p.pid == pid) {
        finish(p, st, false);
        p.pid = -1;
        --running, ++done;
        if (p.status != "ok") ++failed;
        changed = true;
      }
  }
  if (changed) progress();
  if (tty) std::cerr << "\n";

  int rc = failed ? 1 : 0;
  const std::string csv = (fs::path(o.out) / "results.csv").string();
  std::vector<std::string> plots;
  std::string gp;
  try {
    write_csv(csv, pts);
    plots = write_plots(spec, o.out, pts, gp);
  } catch (const std::exception& e) {
    std::cerr << "apsim sweep: " << e.what() << "\n";
    return 3;
  }
  bool plotted = false;
  if (o.plots) {
    if (!have_gnuplot()) {
      std::cerr << "apsim sweep: gnuplot not found (Debian: apt-get install gnuplot-nox); plots not drawn, the script is " << gp
                << "\n";
      rc = std::max(rc, 3);
    } else if (std::system(("gnuplot " + gp + " > " + (fs::path(o.out) / "gnuplot.log").string() + " 2>&1").c_str()) != 0) {
      std::cerr << "apsim sweep: gnuplot failed; see " << (fs::path(o.out) / "gnuplot.log").string() << "\n";
      rc = std::max(rc, 3);
    } else {
      plotted = true;
    }
  }
  std::cout << "apsim sweep: " << spec.name << ": " << pts.size() << " points, " << pts.size() - failed << " ok, " << failed
            << " failed, wall " << fmt_s(elapsed()) << "\n";
  std::cout << "  results " << csv << "\n";
  if (plotted)
    for (const std::string& p : plots) std::cout << "  plot    " << p << "\n";
  for (const Point& p : pts) {
    if (p.status == "ok") continue;
    std::string label;
    for (const auto& [n, vals] : spec.grid) label += (label.empty() ? "" : " ") + n + "=" + text_of(p.values[n]);
    std::cout << "  point " << p.index << " (" << label << ") " << p.status << "; see " << p.dir << "\n";
  }
  return rc;
}

}  // namespace apsim::tb
