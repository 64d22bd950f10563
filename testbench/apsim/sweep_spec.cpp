// testbench/apsim/sweep_spec.cpp — a sweep spec's parameters, validation and points; see
// sweep_spec.h and docs/sweeps.md.
#include "testbench/apsim/sweep_spec.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "arch/software_cost.h"
#include "firmware/service_time.h"
#include "sc/json_input.h"
#include "sc/lpar_config.h"
#include "sc/timing.h"
#include "testbench/apsim/run_info.h"

namespace apsim::tb {

namespace fs = std::filesystem;

namespace {

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
      {"threads", Type::integer, 0, 4096, {}, Target::workload,
       "apbench --threads: synchronous software threads on the CPU complex (0 = the --inflight window; host, closed loop)"},
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
      {"cpus", Type::integer, 1, 256, {}, Target::lpar, "the LPAR's host CPUs (sc/cpu_complex.h)"},
      {"linux", Type::choice, 0, 0, {"6.1", "7.3"}, Target::lpar,
       "the Linux release of host and guests (driver/linux/profile.h; 7.3 fills QD + 1 queue slots)"},
      {"s390_tools", Type::choice, 0, 0, {"2.25", "2.43"}, Target::lpar, "the s390-tools release"},
      {"sim_mode", Type::choice, 0, 0, {"cycle", "fast"}, Target::run, "apsim run --mode"},
      {"seed", Type::integer, 0, 9.0e15, {}, Target::run, "apsim run --seed"},
  };
  return p;
}

/// timing.<member>: an LPAR timing override (spec parameters "timing.NAME").
bool is_timing(const std::string& n) { return n.rfind("timing.", 0) == 0 && n.size() > 7; }

/// The ParamDefs "PREFIX.NAME" of a table of LPAR parameters, one per row: `def(row)` gives
/// its type, range and reason (the name is filled in).  Built once per table.
template <class Row, size_t N, class Def>
std::map<std::string, ParamDef> table_params(const char* prefix, const Row (&rows)[N], Def def) {
  std::map<std::string, ParamDef> m;
  for (const Row& r : rows) {
    auto it = m.emplace(std::string(prefix) + r.name, ParamDef{}).first;
    it->second = def(r);
    it->second.name = it->first.c_str();
  }
  return m;
}

const ParamDef* find_in(const std::map<std::string, ParamDef>& defs, const std::string& n) {
  const auto it = defs.find(n);
  return it == defs.end() ? nullptr : &it->second;
}

/// The ParamDef of "timing.NAME" for each TimingTable member: name, range and reason from
/// sc/timing.h's one list of parameters; nullptr for a name that is not a member.
const ParamDef* find_timing_param(const std::string& n) {
  static const auto defs = table_params("timing.", sc::kTimingParameters, [](const sc::TimingParameter& t) {
    return ParamDef{"", Type::integer, static_cast<double>(t.min), static_cast<double>(t.max), {}, Target::lpar, t.reason};
  });
  return find_in(defs, n);
}

/// software_costs.<step>: an LPAR software cost override in ns (arch/software_cost.h).
bool is_software_cost(const std::string& n) { return n.rfind("software_costs.", 0) == 0 && n.size() > 15; }

/// The ParamDef of "software_costs.NAME" for each step of the software cost table: a number
/// of ns, 0 .. 2^40 ps; nullptr for a name that is not a step.
const ParamDef* find_software_cost_param(const std::string& n) {
  static const auto defs = table_params("software_costs.", arch::kSoftwareCostRows, [](const arch::SoftwareCostRow& r) {
    return ParamDef{"", Type::number, 0, static_cast<double>(arch::kSoftwareCostMaxPs) / 1e3, {}, Target::lpar, r.source};
  });
  return find_in(defs, n);
}

const ParamDef* find_param(const std::string& n) {
  if (is_timing(n)) return find_timing_param(n);
  if (is_software_cost(n)) return find_software_cost_param(n);
  for (const ParamDef& p : params())
    if (n == p.name) return &p;
  return nullptr;
}

std::string known_params() {
  std::string s;
  for (const ParamDef& p : params()) s += std::string(s.empty() ? "" : ", ") + p.name;
  return s + ", timing.<member>, software_costs.<step>";
}

void check_value(const std::string& src, const std::string& where, const std::string& name, const Json& v) {
  const ParamDef* p = find_param(name);
  const auto bad = [&](const std::string& why) { throw SpecError(src + ": " + where + ": " + why + ", got " + sc::json_brief(v)); };
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
      if (!(d >= p->lo && d <= p->hi)) {
        std::ostringstream o;
        o << "expected a number " << p->lo << ".." << p->hi;
        bad(o.str());
      }
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

std::string read_file(const std::string& path) {
  try {
    return read_text_file(path);
  } catch (const std::runtime_error& e) {
    throw SpecError(e.what());
  }
}

/// The spec's "slurm" object: sbatch's settings for `--backend slurm`.
SlurmSettings load_slurm_settings(const std::string& path, const Json& j) {
  SlurmSettings o;
  if (!j.is_object()) throw SpecError(path + ": 'slurm': expected an object {\"partition\": ..., \"time\": ..., ...}, got " + sc::json_brief(j));
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    std::string v;
    if (k == "points_per_task" && it.value().is_number_unsigned()) v = it.value().dump();
    else if (k != "points_per_task" && it.value().is_string()) v = it.value().get<std::string>();
    std::string why = v.empty() && !it.value().is_string() ? (k == "points_per_task" ? "expected an integer 1..100000" : "expected a string")
                                                           : check_slurm_setting(k, v);
    if (!why.empty()) throw SpecError(path + ": 'slurm." + k + "': " + why + (v.empty() ? ", got " + sc::json_brief(it.value()) : ""));
    if (k == "partition") o.partition = v;
    else if (k == "time") o.time = v;
    else if (k == "mem") o.mem = v;
    else if (k == "account") o.account = v;
    else o.points_per_task = static_cast<unsigned>(std::stoul(v));
  }
  return o;
}

}  // namespace

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

std::string check_slurm_setting(const std::string& name, const std::string& v) {
  // Slurm's own syntax (sbatch(1)): a time is MINUTES, MINUTES:SECONDS, HOURS:MINUTES:SECONDS,
  // DAYS-HOURS, DAYS-HOURS:MINUTES or DAYS-HOURS:MINUTES:SECONDS, or UNLIMITED; a size is an
  // integer with an optional K, M, G or T suffix (MiB without one).
  static const std::regex name_re("[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*");
  static const std::regex time_re("[0-9]+(:[0-9]{1,2}(:[0-9]{1,2})?)?|[0-9]+-[0-9]{1,2}(:[0-9]{1,2}(:[0-9]{1,2})?)?|UNLIMITED|INFINITE");
  static const std::regex mem_re("[0-9]+[KMGT]?");
  const auto got = [&] { return ", got \"" + v + "\""; };
  if (name == "partition" || name == "account") {
    if (!std::regex_match(v, name_re)) return "expected a Slurm " + name + " name (letters, digits, '_', '.', '-'; partitions may be a comma-separated list)" + got();
  } else if (name == "time") {
    if (!std::regex_match(v, time_re)) return "expected a Slurm time limit: MINUTES, MINUTES:SECONDS, HOURS:MINUTES:SECONDS, DAYS-HOURS[:MINUTES[:SECONDS]] or UNLIMITED" + got();
  } else if (name == "mem") {
    if (!std::regex_match(v, mem_re)) return "expected a memory size: an integer with an optional K, M, G or T suffix (MiB without)" + got();
  } else if (name == "points_per_task") {
    if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos || std::stoul(v) < 1 ||
        std::stoul(v) > kMaxPoints)
      return "expected an integer 1.." + std::to_string(kMaxPoints) + got();
  } else {
    return "unknown setting (expected partition, time, mem, account, points_per_task)";
  }
  return "";
}

std::string point_name(unsigned index) {
  char b[16];
  std::snprintf(b, sizeof b, "%03u", index);
  return b;
}

std::vector<std::string> param_names() {
  std::vector<std::string> v;
  for (const ParamDef& p : params()) v.push_back(p.name);
  return v;
}

Spec load_spec(const std::string& path) {
  Spec s;
  s.file = path;
  s.dir = fs::path(path).parent_path().string();
  if (s.dir.empty()) s.dir = ".";
  Json& j = s.spec;
  try {
    j = sc::parse_json_input<Json>(read_file(path), path);
  } catch (const sc::JsonInputError& e) {
    throw SpecError(e.what());
  }
  if (!j.is_object()) throw SpecError(path + ": expected a JSON object at the top level");
  static const std::set<std::string> keys = {"name", "title", "description", "comment", "base", "fixed",
                                             "grid", "x", "xlog", "timeout_s", "slurm"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!keys.count(it.key()))
      throw SpecError(path + ": '" + it.key() + "': unknown field (expected name, title, description, base, fixed, grid, x, xlog, timeout_s, slurm)");
  const auto str = [&](const char* k, bool required) -> std::string {
    if (!j.contains(k)) {
      if (required) throw SpecError(path + ": '" + k + "': missing");
      return "";
    }
    if (!j[k].is_string()) throw SpecError(path + ": '" + k + "': expected a string, got " + sc::json_brief(j[k]));
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
    s.base_lpar = sc::parse_json_input<Json>(read_file(s.lpar_path), s.lpar_path);
    sc::LparConfig::parse(s.base_lpar.dump(), s.lpar_path);
  } catch (const SpecError& e) {
    throw SpecError(path + ": 'base.lpar': " + e.what());
  } catch (const sc::JsonInputError& e) {
    throw SpecError(path + ": 'base.lpar': " + e.what());
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
      throw SpecError(path + ": 'grid." + n + "': expected a non-empty list of values, got " + sc::json_brief(it.value()));
    std::vector<Json> vals;
    std::set<std::string> seen;
    for (size_t i = 0; i < it.value().size(); ++i) {
      const Json& v = it.value()[i];
      check_value(path, "'grid." + n + "[" + std::to_string(i) + "]'", n, v);
      if (!seen.insert(text_of(v)).second)
        throw SpecError(path + ": 'grid." + n + "[" + std::to_string(i) + "]': value " + sc::json_brief(v) + " is listed twice");
      vals.push_back(v);
    }
    s.grid.emplace_back(n, std::move(vals));
  }
  // The number of points, from the lists' lengths: a grid too big is refused before a point
  // is made.
  double points = 1;
  std::string product;
  for (const auto& [n, vals] : s.grid) {
    points *= static_cast<double>(vals.size());
    product += (product.empty() ? "" : " x ") + std::to_string(vals.size()) + " (" + n + ")";
  }
  if (points > static_cast<double>(kMaxPoints)) {
    char total[64];
    std::snprintf(total, sizeof total, "%.0f", points);
    throw SpecError(path + ": 'grid': " + product + " = " + total + " points is more than the " + std::to_string(kMaxPoints) +
                    " a sweep may have; split it into several specs");
  }
  s.x = j.contains("x") ? (j["x"].is_string() ? j["x"].get<std::string>() : "") : s.grid.front().first;
  if (std::none_of(s.grid.begin(), s.grid.end(), [&](const auto& g) { return g.first == s.x; }))
    throw SpecError(path + ": 'x': expected the name of a grid parameter, got " + (j.contains("x") ? sc::json_brief(j["x"]) : "nothing"));
  if (j.contains("xlog")) {
    if (!j["xlog"].is_boolean()) throw SpecError(path + ": 'xlog': expected true or false, got " + sc::json_brief(j["xlog"]));
    s.xlog = j["xlog"].get<bool>();
  }
  if (j.contains("timeout_s")) {
    const Json& t = j["timeout_s"];
    if (!t.is_number_integer() || t.get<long long>() < 1 || t.get<long long>() > 86400)
      throw SpecError(path + ": 'timeout_s': expected an integer 1..86400, got " + sc::json_brief(t));
    s.timeout_s = static_cast<unsigned>(t.get<long long>());
  }
  if (j.contains("slurm")) s.slurm = load_slurm_settings(path, j["slurm"]);
  return s;
}

namespace {

// ---- points ------------------------------------------------------------------------------

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
  if (v.contains("domains")) {  // usage and control domains 0..N-1
    Json doms = Json::array();
    for (unsigned d = 0; d < v["domains"].get<unsigned>(); ++d) doms.push_back(d);
    l["usage_domains"] = doms;
    l["control_domains"] = doms;
  }
  // execution "intercepted": the host kernel runs KVM's what-if emulation (driver/linux/kvm-s390.h).
  if (v.value("execution", std::string()) == "intercepted") {
    const std::string cmdline = l.value("kernel_cmdline", std::string());
    l["kernel_cmdline"] = cmdline + (cmdline.empty() ? "" : " ") + "apsim.kvm_ap=intercept";
  }
  for (const char* k : {"rating_unit_ps", "quantum_ps", "linux", "s390_tools", "cpus"})
    if (v.contains(k)) l[k] = v[k];
  for (auto it = v.begin(); it != v.end(); ++it)
    if (is_timing(it.key())) l["timing"][it.key().substr(7)] = it.value();
    else if (is_software_cost(it.key())) l["software_costs"][it.key().substr(15)] = it.value();
  return l;
}

std::string shell_var(const std::string& name) {
  std::string n = "SWEEP_";
  for (char c : name) n += (c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return n;
}

/// The guests of a point use domains 1..G of the first adapter (base.sh: guest i gets domain
/// i through vfio_ap); the LPAR must have them.  "" if it does, else what is missing.
std::string missing_guest_domains(const sc::LparConfig& cfg, unsigned guests) {
  std::vector<unsigned> missing;
  for (unsigned g = 1; g <= guests; ++g)
    if (!cfg.usage_domains.test(g)) missing.push_back(g);
  if (missing.empty()) return "";
  std::string have, lack;
  for (unsigned d : cfg.usage_domains.ids()) have += (have.empty() ? "" : ",") + std::to_string(d);
  for (unsigned d : missing) lack += (lack.empty() ? "" : ",") + std::to_string(d);
  return std::to_string(guests) + " guests need usage domains 1.." + std::to_string(guests) +
         " (guest i uses domain i of the first adapter), but the LPAR has " + (have.empty() ? "none" : have) +
         " (missing: " + lack + "); set 'domains' to at least " + std::to_string(guests + 1) +
         " or add the domains to base.lpar";
}

/// The apbench command line of a point.
std::string apbench_line(const Spec& s, const Json& v) {
  std::ostringstream sh;
  const unsigned guests = v["guests"].get<unsigned>();
  sh << "apbench";
  if (guests > 0) {
    sh << " --guests ";
    for (unsigned g = 1; g <= guests; ++g) sh << (g > 1 ? "," : "") << "guest" << g;
  }
  sh << " --apqns " << text_of(v["apqns"]) << " --op " << text_of(v["op"]) << " --requests " << text_of(v["requests"]);
  const double rate = v["rate"].get<double>();
  if (rate > 0) sh << " --rate " << text_of(v["rate"]);
  if (v.contains("threads") && v["threads"].get<unsigned>() > 0) {
    sh << " --threads " << text_of(v["threads"]);
  } else if (rate == 0 || s.fixed.contains("inflight") ||
      std::any_of(s.grid.begin(), s.grid.end(), [](const auto& g) { return g.first == "inflight"; }))
    sh << " --inflight " << text_of(v["inflight"]);
  if (v.contains("irq")) sh << " --mode " << text_of(v["irq"]);
  return sh.str();
}

}  // namespace

std::vector<Point> make_points(const Spec& s) {
  std::vector<Point> pts;
  std::vector<size_t> idx(s.grid.size(), 0);
  for (;;) {
    Point p;
    p.index = static_cast<unsigned>(pts.size());
    p.name = point_name(p.index);
    p.values = kDefaults;
    for (auto it = s.fixed.begin(); it != s.fixed.end(); ++it) p.values[it.key()] = it.value();
    for (size_t g = 0; g < s.grid.size(); ++g) p.values[s.grid[g].first] = s.grid[g].second[idx[g]];
    for (size_t g = 0; g < s.grid.size(); ++g)
      p.label += (p.label.empty() ? "" : " ") + s.grid[g].first + "=" + text_of(s.grid[g].second[idx[g]]);
    const std::string where = s.file + ": point " + std::to_string(p.index) + " (" + p.label + ")";
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
    // the LPAR, checked as `apsim run` will read it
    const Json lpar = point_lpar(s, p.values);
    sc::LparConfig cfg;
    try {
      cfg = sc::LparConfig::parse(lpar.dump(), "lpar.json");
    } catch (const sc::LparConfigError& e) {
      throw SpecError(where + ": the point's LPAR is not valid: " + e.what());
    }
    // apbench --threads is the host's closed loop (driver/userspace/apbench.cpp).
    if (p.values.value("threads", 0u) > 0 && (guests > 0 || p.values["rate"].get<double>() > 0))
      throw SpecError(where + ": 'threads': apbench --threads runs on the host in a closed loop, but " +
                      (guests > 0 ? "guests=" + std::to_string(guests) : std::string("rate > 0")));
    const std::string no_room = missing_guest_domains(cfg, guests);
    if (!no_room.empty()) throw SpecError(where + ": 'guests': " + no_room);
    if (p.values.value("irq", std::string()) == "interrupts" && !cfg.facilities.aqic)
      throw SpecError(where + ": 'irq': \"interrupts\" needs the AQIC facility, which the base LPAR switches off");
    p.lpar_text = lpar.dump(2) + "\n";
    // The hardware's effective values, from the LPAR as apsim reads it (of the first adapter).
    const sc::CexAdapterConfig& a0 = cfg.adapters[0];
    p.values["qd"] = a0.qd;
    p.values["qd_plus_one_slots"] = a0.qd_plus_one_slots;
    p.values["engines"] = a0.engines ? a0.engines : firmware::default_engines(a0.generation, a0.mode);
    p.values["card_type"] = lpar["adapters"][0]["type"];
    p.values["card_mode"] = lpar["adapters"][0]["mode"];
    p.values["adapters"] = cfg.adapters.size();
    p.values["domains"] = cfg.usage_domains.ids().size();
    p.values["rating_unit_ps"] = cfg.rating_unit_ps ? cfg.rating_unit_ps : firmware::ServiceTimeTable::kDefaultRatingUnitPs;
    p.values["quantum_ps"] = cfg.quantum_ps;
    // The releases the point runs (LPAR "linux", else 6.1; "s390_tools", else the kernel's era).
    p.values["linux"] = cfg.linux_version.empty() ? "6.1" : cfg.linux_version;
    p.values["s390_tools"] = cfg.s390_tools.empty() ? (p.values["linux"] == "7.3" ? "2.43" : "2.25") : cfg.s390_tools;
    // the script
    std::ostringstream sh;
    sh << "# Generated by `apsim sweep " << fs::path(s.file).filename().string() << "`, point " << p.index << ": "
       << p.label << "\n";
    for (auto it = p.values.begin(); it != p.values.end(); ++it) sh << shell_var(it.key()) << "=" << text_of(it.value()) << "\n";
    sh << "SWEEP_GUEST_ADAPTER=" << hex2(a0.apid) << "\n";
    sh << s.scenario_text;
    if (!s.scenario_text.empty() && s.scenario_text.back() != '\n') sh << "\n";
    sh << apbench_line(s, p.values) << "\n";
    p.script_text = sh.str();
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

}  // namespace apsim::tb
