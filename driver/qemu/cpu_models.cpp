// driver/qemu/cpu_models.cpp — the s390x CPU models' AP features (target/s390x/cpu_models.c,
// gen-features.c): which facilities a guest gets from `-cpu MODEL[,feature=on|off,...]`.
#include <utility>

#include "driver/qemu/qemu.h"

namespace apsim::driver {

namespace {

// Whether the named QEMU CPU model (target/s390x/cpu_models.c, gen-features.c) has `msa3`
// (STFLE 76, MSA extension 3) — KVM gives a guest without it CRYCB format 0.  The default
// feature set of a model has it from z196 (GEN11_GA1) on; a "-full" model from z10 GA3
// (GEN10_GA3); a "-base" model never; QEMU's own "qemu" model has it.  Returns false for a
// name QEMU does not know.
bool named_model_msa3(const std::string& name, bool& msa3) {
  struct Model { const char* name; int gen, ga; };
  static const Model models[] = {
      {"z900", 7, 1},    {"z900.2", 7, 2},  {"z900.3", 7, 3},  {"z800", 7, 3},    {"z990", 8, 1},
      {"z990.2", 8, 2},  {"z990.3", 8, 3},  {"z890", 8, 3},    {"z990.4", 8, 4},  {"z890.2", 8, 4},
      {"z990.5", 8, 5},  {"z890.3", 8, 5},  {"z9EC", 9, 1},    {"z9EC.2", 9, 2},  {"z9BC", 9, 2},
      {"z9EC.3", 9, 3},  {"z9BC.2", 9, 3},  {"z10EC", 10, 1},  {"z10EC.2", 10, 2}, {"z10BC", 10, 2},
      {"z10EC.3", 10, 3}, {"z10BC.2", 10, 3}, {"z196", 11, 1},  {"z114", 11, 1},   {"z196.2", 11, 2},
      {"z114.2", 11, 2}, {"zEC12", 12, 1},  {"zEC12.2", 12, 2}, {"zBC12", 12, 2}, {"z13", 13, 1},
      {"z13.2", 13, 2},  {"z13s", 13, 2},   {"z14", 14, 1},    {"z14.2", 14, 2},  {"z14ZR1", 14, 2},
      {"z15", 15, 1},    {"z15.2", 15, 2},  {"gen16a", 16, 1}, {"gen16b", 16, 2}, {"z16", 16, 1},
      {"z16.2", 16, 2},  {"gen17a", 17, 1}, {"gen17b", 17, 2},
  };
  if (name == "qemu") {
    msa3 = true;
    return true;
  }
  std::string base = name;
  int variant = 0;  // 0 default, 1 -base, 2 -full
  for (const auto& [suffix, v] : {std::pair<const char*, int>{"-base", 1}, {"-full", 2}}) {
    const std::string sfx = suffix;
    if (base.size() > sfx.size() && base.compare(base.size() - sfx.size(), sfx.size(), sfx) == 0) {
      base.resize(base.size() - sfx.size());
      variant = v;
    }
  }
  for (const Model& m : models)
    if (base == m.name) {
      msa3 = variant == 0 ? m.gen >= 11 : variant == 2 ? (m.gen > 10 || (m.gen == 10 && m.ga >= 3)) : false;
      return true;
    }
  return false;
}

}  // namespace

std::string s390_cpu_model_features(const std::string& cpu_model, const std::map<std::string, std::string>& cpu_props,
                                    const arch::Facilities& hf, arch::Facilities& gf) {
  // host = what the host has; named models = off unless asked.
  const bool host_model = cpu_model == "host" || cpu_model == "max";
  bool model_msa3 = false;
  if (!host_model && !named_model_msa3(cpu_model, model_msa3)) {
    return "unable to find CPU model '" + cpu_model + "'";
  }
  gf.ap = host_model && hf.ap;
  gf.qci = host_model && hf.qci;
  gf.apft = host_model && hf.apft;
  gf.aqic = host_model && hf.aqic;
  gf.apxa = hf.apxa;
  gf.msax3 = host_model ? hf.msax3 : model_msa3;  // facility 76 decides the CRYCB format (KVM)
  for (auto& [k, val] : cpu_props) {
    bool* f = k == "ap"      ? &gf.ap
              : k == "apqci" ? &gf.qci
              : k == "apft"  ? &gf.apft
              : k == "apqi"  ? &gf.aqic
              : k == "msa3"  ? &gf.msax3
                             : nullptr;
    if (!f) continue;  // other CPU features do not concern AP
    if (val != "on" && val != "off") {
      return "-cpu " + cpu_model + ": Parameter '" + k + "' expects 'on' or 'off'";
    }
    const bool host_has = k == "ap"      ? hf.ap
                          : k == "apqci" ? hf.qci
                          : k == "apft"  ? hf.apft
                          : k == "apqi"  ? hf.aqic
                                         : hf.msax3;
    if (val == "on" && !host_has) {
      return "Some features requested in the CPU model are not available in the configuration: " + k;
    }
    *f = val == "on";
  }

  return "";
}

}  // namespace apsim::driver
