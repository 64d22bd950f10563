// sc/lpar_config.cpp — LPAR config: JSON parsing with field-level errors, QCI image.
#include "sc/lpar_config.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sc/json_input.h"

namespace apsim::sc {

using nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& src, const std::string& field, const std::string& why) {
  throw LparConfigError(src + ": field '" + field + "': " + why);
}

unsigned parse_id(const json& v, const std::string& src, const std::string& field, unsigned max) {
  long long id = -1;
  if (v.is_number_unsigned() && v.get<uint64_t>() > 255) {
    fail(src, field, "id " + std::to_string(v.get<uint64_t>()) + " is out of range 0.." + std::to_string(max));
  } else if (v.is_number_integer()) {
    id = v.get<long long>();
  } else if (v.is_string()) {
    // "0x.." hexadecimal or plain decimal digits; nothing else (no sign, spaces, octal).
    const std::string s = v.get<std::string>();
    const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    const std::string digits = hex ? s.substr(2) : s;
    const bool ok = !digits.empty() && digits.size() <= 8 &&
                    digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") == std::string::npos;
    if (!ok) fail(src, field, "expected a number or a \"0x..\" string, got \"" + s + "\"");
    id = std::stoll(digits, nullptr, hex ? 16 : 10);
  } else {
    fail(src, field, "expected a number or a \"0x..\" string, got " + json_brief(v));
  }
  if (id < 0 || id > static_cast<long long>(max))
    fail(src, field, "id " + std::to_string(id) + " is out of range 0.." + std::to_string(max));
  return static_cast<unsigned>(id);
}

bool parse_bool(const json& v, const std::string& src, const std::string& field) {
  if (!v.is_boolean()) fail(src, field, "expected true or false, got " + json_brief(v));
  return v.get<bool>();
}

uint64_t parse_u64(const json& v, const std::string& src, const std::string& field, uint64_t min, uint64_t max) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<long long>() >= 0))
    fail(src, field, "expected a non-negative integer, got " + json_brief(v));
  const uint64_t x = v.get<uint64_t>();
  if (x < min || x > max) fail(src, field, std::to_string(x) + " is out of range " + std::to_string(min) + ".." + std::to_string(max));
  return x;
}

arch::ApMask parse_id_list(const json& v, const std::string& src, const std::string& field, unsigned max) {
  if (!v.is_array()) fail(src, field, "expected a list of ids, got " + json_brief(v));
  arch::ApMask m;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string f = field + "[" + std::to_string(i) + "]";
    const unsigned id = parse_id(v[i], src, f, max);
    if (m.test(id)) fail(src, f, "id " + std::to_string(id) + " is listed twice");
    m.set(id);
  }
  return m;
}

// service_time: the distributions of the service times (firmware/service_time.h).
firmware::ServiceDistribution parse_distribution(const json& v, const std::string& src, const std::string& field) {
  using firmware::ServiceShape;
  static const std::map<std::string, ServiceShape> shapes = {{"deterministic", ServiceShape::deterministic},
                                                             {"exponential", ServiceShape::exponential},
                                                             {"gamma", ServiceShape::gamma},
                                                             {"uniform", ServiceShape::uniform}};
  const char* expected = "expected \"deterministic\", \"exponential\" or {\"shape\": \"gamma\"|\"uniform\", \"cv\": C}";
  firmware::ServiceDistribution d;
  const json* shape = &v;
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it)
      if (it.key() != "shape" && it.key() != "cv") fail(src, field + "." + it.key(), "unknown field (expected shape, cv)");
    if (!v.contains("shape")) fail(src, field + ".shape", "missing");
    shape = &v["shape"];
  }
  if (!shape->is_string() || !shapes.count(shape->get<std::string>()))
    fail(src, v.is_object() ? field + ".shape" : field, std::string(expected) + ", got " + json_brief(*shape));
  d.shape = shapes.at(shape->get<std::string>());
  const bool needs_cv = d.shape == ServiceShape::gamma || d.shape == ServiceShape::uniform;
  if (needs_cv && !v.is_object()) fail(src, field, "shape \"" + shape->get<std::string>() + "\" needs a cv: {\"shape\": \"" + shape->get<std::string>() + "\", \"cv\": C}");
  if (v.is_object() && v.contains("cv")) {
    if (!needs_cv) fail(src, field + ".cv", "only gamma and uniform take a cv (deterministic has 0, exponential 1)");
    const json& c = v["cv"];
    // gamma: shape 1/cv² must stay a finite positive number; uniform: the interval must stay >= 0.
    const double max = d.shape == ServiceShape::uniform ? 1.0 / std::sqrt(3.0) : 10.0;
    if (!c.is_number() || !(c.get<double>() > 0) || c.get<double>() > max)
      fail(src, field + ".cv", "expected a number in (0, " + (d.shape == ServiceShape::uniform ? std::string("1/sqrt(3) = 0.577") : std::string("10")) + "], got " + json_brief(c));
    d.cv = c.get<double>();
  } else if (needs_cv) {
    fail(src, field + ".cv", "missing");
  }
  return d;
}

void parse_service_time(const json& st, LparConfig& c, const std::string& src) {
  if (!st.is_object()) fail(src, "service_time", "expected an object, got " + json_brief(st));
  for (auto it = st.begin(); it != st.end(); ++it) {
    const std::string k = it.key(), field = "service_time." + k;
    if (k == "distribution") {
      c.service_distributions.fill(parse_distribution(it.value(), src, field));
    } else if (k == "seed") {
      c.service_seed = parse_u64(it.value(), src, field, 0, UINT64_MAX);
    } else if (k == "me_full_over_crt") {
      if (!it.value().is_number() || !(it.value().get<double>() >= 1.0) || it.value().get<double>() > 100.0)
        fail(src, field, "expected a number in [1, 100], got " + json_brief(it.value()));
      c.me_full_over_crt = it.value().get<double>();
    } else if (k != "by_operation") {
      fail(src, field, "unknown field (expected distribution, by_operation, seed, me_full_over_crt)");
    }
  }
  // Per operation after the common one, whatever the order of the fields.
  if (!st.contains("by_operation")) return;
  const json& by = st["by_operation"];
  if (!by.is_object()) fail(src, "service_time.by_operation", "expected an object {\"mex_2k\": D, ...}, got " + json_brief(by));
  static const char* names[firmware::kNumOperations] = {"mex_1k", "mex_2k", "mex_4k", "crt_1k", "crt_2k",
                                                        "crt_4k", "rng",    "seckey", "invalid"};
  for (auto it = by.begin(); it != by.end(); ++it) {
    const auto* n = std::find(std::begin(names), std::end(names), it.key());
    if (n == std::end(names))
      fail(src, "service_time.by_operation." + it.key(), "unknown operation (expected mex_1k, mex_2k, mex_4k, crt_1k, crt_2k, crt_4k, rng, seckey, invalid)");
    c.service_distributions[static_cast<size_t>(n - std::begin(names))] =
        parse_distribution(it.value(), src, "service_time.by_operation." + it.key());
  }
}

// "software_costs": {step: nanoseconds} over arch/software_cost.h's defaults.  A cost is a
// number of ns (fractions allowed, kept to the ps), at least 0 and at most 2^40 ps.
void parse_software_costs(const json& t, arch::SoftwareCostTable& table, const std::string& src) {
  if (!t.is_object()) fail(src, "software_costs", "expected an object {\"step\": nanoseconds, ...}, got " + t.dump());
  for (auto it = t.begin(); it != t.end(); ++it) {
    const std::string field = "software_costs." + it.key();
    arch::SoftwareStep step;
    if (!arch::find_software_step(it.key(), step))
      fail(src, field, "unknown software step (see arch/software_cost.h; apsim run --stats lists them)");
    const json& v = it.value();
    if (!v.is_number()) fail(src, field, "expected a number of nanoseconds, got " + v.dump());
    const double ns = v.get<double>();
    if (ns < 0) fail(src, field, "a cost cannot be negative, got " + v.dump() + " ns");
    const double ps = std::round(ns * 1000.0);
    if (!(ps <= static_cast<double>(arch::kSoftwareCostMaxPs)))
      fail(src, field, v.dump() + " ns is beyond the largest cost, 2^40 ps (1099511627.776 ns)");
    table.set_ps(step, static_cast<uint64_t>(ps));
  }
}

void parse_timing(const json& t, TimingTable& tt, const std::string& src) {
  if (!t.is_object()) fail(src, "timing", "expected an object, got " + json_brief(t));
  for (auto it = t.begin(); it != t.end(); ++it) {
    const TimingParameter* p = find_timing_parameter(it.key());
    if (!p) fail(src, "timing." + it.key(), "unknown timing parameter (see sc/timing.h)");
    tt.*(p->member) = parse_u64(it.value(), src, "timing." + it.key(), p->min, p->max);
  }
}

// Adapter types: generation of the firmware, raw TAPQ device type (0 = generation + 6).
struct AdapterType {
  unsigned generation;
  uint8_t device_type;
};
const std::map<std::string, AdapterType>& adapter_types() {
  static const std::map<std::string, AdapterType> types = {
      {"CEX4", {4, 0}}, {"CEX5", {5, 0}}, {"CEX6", {6, 0}}, {"CEX7", {7, 0}}, {"CEX8", {8, 0}},
      // A type beyond CEX8: raw type 15, CEX8-compatible (QACT), CEX8 firmware and timing.
      {"CEX9", {8, 15}}};
  return types;
}

CexAdapterConfig parse_adapter(const json& a, const std::string& src, const std::string& field, unsigned max_apid,
                               unsigned max_domain) {
  if (!a.is_object()) fail(src, field, "expected an object {\"id\", \"type\", \"mode\"}, got " + json_brief(a));
  for (auto it = a.begin(); it != a.end(); ++it) {
    static const std::set<std::string> known = {"id",    "type",  "mode",  "engines", "qd", "qd_plus_one_slots",
                                                "nd",    "mex4k", "crt4k", "configured", "in_config"};
    if (!known.count(it.key()))
      fail(src, field + "." + it.key(),
           "unknown field (expected id, type, mode, engines, qd, qd_plus_one_slots, nd, mex4k, crt4k, configured, "
           "in_config)");
  }
  if (!a.contains("id")) fail(src, field + ".id", "missing");
  if (!a.contains("type")) fail(src, field + ".type", "missing");
  if (!a.contains("mode")) fail(src, field + ".mode", "missing");
  CexAdapterConfig c;
  c.apid = static_cast<uint8_t>(parse_id(a["id"], src, field + ".id", max_apid));
  const json& t = a["type"];
  const auto& types = adapter_types();
  if (!t.is_string() || !types.count(t.get<std::string>()))
    fail(src, field + ".type", "expected one of \"CEX4\"..\"CEX9\", got " + json_brief(t));
  c.generation = types.at(t.get<std::string>()).generation;
  c.device_type = types.at(t.get<std::string>()).device_type;
  const json& m = a["mode"];
  using M = firmware::AdapterProfile::Mode;
  static const std::map<std::string, M> modes = {{"accel", M::accel}, {"cca", M::cca}, {"ep11", M::ep11}};
  if (!m.is_string() || !modes.count(m.get<std::string>()))
    fail(src, field + ".mode", "expected \"accel\", \"cca\" or \"ep11\", got " + json_brief(m));
  c.mode = modes.at(m.get<std::string>());
  if (a.contains("engines")) c.engines = static_cast<unsigned>(parse_u64(a["engines"], src, field + ".engines", 1, 64));
  if (a.contains("qd")) c.qd = static_cast<uint8_t>(parse_u64(a["qd"], src, field + ".qd", 0, 15));
  if (a.contains("qd_plus_one_slots"))
    c.qd_plus_one_slots = parse_bool(a["qd_plus_one_slots"], src, field + ".qd_plus_one_slots");
  c.nd = static_cast<uint8_t>(max_domain);
  if (a.contains("nd")) c.nd = static_cast<uint8_t>(parse_id(a["nd"], src, field + ".nd", max_domain));
  if (a.contains("mex4k")) c.mex4k = parse_bool(a["mex4k"], src, field + ".mex4k");
  if (a.contains("crt4k")) c.crt4k = parse_bool(a["crt4k"], src, field + ".crt4k");
  if (a.contains("configured")) c.configured = parse_bool(a["configured"], src, field + ".configured");
  if (a.contains("in_config")) c.in_config = parse_bool(a["in_config"], src, field + ".in_config");
  return c;
}

}  // namespace

arch::QciInfo LparConfig::qci() const {
  arch::QciInfo q;
  q.flags = (facilities.apxa ? arch::QCI_FLAG_APXA : 0) | (qact ? arch::QCI_FLAG_QACT : 0);
  q.na = static_cast<uint8_t>(max_adapter_id);
  q.nd = static_cast<uint8_t>(max_domain_id);
  for (const auto& a : adapters)
    if (a.in_config) q.apm.set(a.apid);  // the others are in the machine, not in this LPAR
  q.aqm = usage_domains;
  q.adm = control_domains;
  return q;
}

LparConfig LparConfig::default_lpar() {
  LparConfig c;
  using M = firmware::AdapterProfile::Mode;
  CexAdapterConfig a5;
  a5.apid = 0x05;
  a5.generation = 5;
  a5.mode = M::cca;
  CexAdapterConfig a6 = a5;
  a6.apid = 0x06;
  a6.mode = M::accel;
  c.adapters = {a5, a6};
  for (unsigned d : {0x04u, 0x47u, 0xabu, 0xffu}) {
    c.usage_domains.set(d);
    c.control_domains.set(d);
  }
  return c;
}

LparConfig LparConfig::parse(const std::string& text, const std::string& src) {
  json j;
  try {
    j = parse_json_input(text, src);
  } catch (const JsonInputError& e) {
    throw LparConfigError(e.what());
  }
  if (!j.is_object()) throw LparConfigError(src + ": expected a JSON object at the top level");
  static const std::set<std::string> known = {"adapters", "usage_domains", "control_domains", "max_adapter_id",
                                              "max_domain_id", "facilities", "kernel_cmdline", "storage_mib",
                                              "timing", "rating_unit_ps", "quantum_ps", "comment", "qd_by_type",
                                              "qd_plus_one_slots", "linux", "s390_tools",
                                              "kernel_initcall_ms", "service_time", "cpus", "software_costs"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.count(it.key())) fail(src, it.key(), "unknown field");

  LparConfig c;
  c.adapters.clear();
  if (j.contains("facilities")) {
    const json& f = j["facilities"];
    if (!f.is_object()) fail(src, "facilities", "expected an object, got " + json_brief(f));
    for (auto it = f.begin(); it != f.end(); ++it) {
      const std::string k = it.key(), field = "facilities." + k;
      if (k == "ap") c.facilities.ap = parse_bool(it.value(), src, field);
      else if (k == "qci") c.facilities.qci = parse_bool(it.value(), src, field);
      else if (k == "apft") c.facilities.apft = parse_bool(it.value(), src, field);
      else if (k == "aqic") c.facilities.aqic = parse_bool(it.value(), src, field);
      else if (k == "apxa") c.facilities.apxa = parse_bool(it.value(), src, field);
      else if (k == "qact") c.qact = parse_bool(it.value(), src, field);
      else fail(src, field, "unknown facility (expected ap, qci, apft, aqic, apxa, qact)");
    }
  }
  c.max_adapter_id = c.facilities.apxa ? 255 : 63;
  c.max_domain_id = c.facilities.apxa ? 255 : 15;
  if (j.contains("max_adapter_id")) c.max_adapter_id = parse_id(j["max_adapter_id"], src, "max_adapter_id", 255);
  if (j.contains("max_domain_id")) c.max_domain_id = parse_id(j["max_domain_id"], src, "max_domain_id", 255);
  if (!j.contains("adapters")) fail(src, "adapters", "missing");
  const json& ad = j["adapters"];
  if (!ad.is_array()) fail(src, "adapters", "expected a list, got " + json_brief(ad));
  // Queue depth defaults: per adapter type, and the slots-per-QD reading.
  std::map<std::string, uint8_t> qd_by_type;
  if (j.contains("qd_by_type")) {
    const json& q = j["qd_by_type"];
    if (!q.is_object()) fail(src, "qd_by_type", "expected an object {\"CEX5\": QD, ...}, got " + json_brief(q));
    for (auto it = q.begin(); it != q.end(); ++it) {
      if (!adapter_types().count(it.key()))
        fail(src, "qd_by_type." + it.key(), "unknown adapter type (expected \"CEX4\"..\"CEX9\")");
      qd_by_type[it.key()] = static_cast<uint8_t>(parse_u64(it.value(), src, "qd_by_type." + it.key(), 0, 15));
    }
  }
  std::optional<bool> qd_plus_one;
  if (j.contains("qd_plus_one_slots")) qd_plus_one = parse_bool(j["qd_plus_one_slots"], src, "qd_plus_one_slots");
  std::set<unsigned> seen;
  for (size_t i = 0; i < ad.size(); ++i) {
    const std::string field = "adapters[" + std::to_string(i) + "]";
    CexAdapterConfig a = parse_adapter(ad[i], src, field, c.max_adapter_id, c.max_domain_id);
    if (!seen.insert(a.apid).second) fail(src, field + ".id", "adapter id " + std::to_string(a.apid) + " is listed twice");
    const std::string type = ad[i]["type"].get<std::string>();
    if (!ad[i].contains("qd") && qd_by_type.count(type)) a.qd = qd_by_type.at(type);
    if (!ad[i].contains("qd_plus_one_slots") && qd_plus_one) a.qd_plus_one_slots = *qd_plus_one;
    a.apxa = c.facilities.apxa;
    c.adapters.push_back(a);
  }
  if (!j.contains("usage_domains")) fail(src, "usage_domains", "missing");
  c.usage_domains = parse_id_list(j["usage_domains"], src, "usage_domains", c.max_domain_id);
  if (j.contains("control_domains"))
    c.control_domains = parse_id_list(j["control_domains"], src, "control_domains", c.max_domain_id);
  if (j.contains("kernel_cmdline")) {
    if (!j["kernel_cmdline"].is_string()) fail(src, "kernel_cmdline", "expected a string, got " + json_brief(j["kernel_cmdline"]));
    c.kernel_cmdline = j["kernel_cmdline"].get<std::string>();
  }
  for (const char* f : {"linux", "s390_tools"}) {
    if (!j.contains(f)) continue;
    if (!j[f].is_string()) fail(src, f, "expected a string, got " + json_brief(j[f]));
    (std::string(f) == "linux" ? c.linux_version : c.s390_tools) = j[f].get<std::string>();
  }
  if (j.contains("kernel_initcall_ms"))
    c.kernel_initcall_ps = parse_u64(j["kernel_initcall_ms"], src, "kernel_initcall_ms", 0, 60000) * 1'000'000'000ull;
  if (j.contains("storage_mib")) c.storage_bytes = parse_u64(j["storage_mib"], src, "storage_mib", 64, 1u << 22) << 20;
  if (j.contains("timing")) {
    parse_timing(j["timing"], c.timing, src);
    // Each value is in range alone; together they must make steps a run can simulate.
    std::string why;
    if (const TimingParameter* p = timing_step_too_long(c.timing, why)) fail(src, std::string("timing.") + p->name, why);
  }
  if (j.contains("cpus"))
    c.cpus = static_cast<unsigned>(parse_u64(j["cpus"], src, "cpus", CpuComplex::kMinCpus, CpuComplex::kMaxCpus));
  if (j.contains("software_costs")) parse_software_costs(j["software_costs"], c.software_costs, src);
  if (j.contains("rating_unit_ps")) c.rating_unit_ps = parse_u64(j["rating_unit_ps"], src, "rating_unit_ps", 1, uint64_t{1} << 40);
  if (j.contains("quantum_ps")) c.quantum_ps = parse_u64(j["quantum_ps"], src, "quantum_ps", 1, uint64_t{1} << 40);
  if (j.contains("service_time")) parse_service_time(j["service_time"], c, src);
  return c;
}

LparConfig LparConfig::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw LparConfigError(path + ": cannot read the file: " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

}  // namespace apsim::sc
