// sc/wave_layout.cpp — the GTKWave layout and translate filters of one run (wave_layout.h).
//
// The .gtkw syntax is GTKWave 3.3's save file: "@FLAGS" sets the display flags of the traces
// that follow (TR_* bits of gtkwave's analyzer.h: 0x2 hex, 0x4 decimal, 0x8 binary, 0x20
// right-justified, 0x200 a comment line, 0x2000 a translate filter file), "^N PATH" attaches
// filter file N to the next trace, "-TEXT" is a comment line.
#include "sc/wave_layout.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "arch/ap_instructions.h"
#include "arch/ap_registers.h"
#include "sc/ap_fabric_protocol.h"
#include "sc/cpu.h"
#include "sc/platform.h"
#include "sc/sie.h"

namespace apsim::sc {

namespace {

namespace fs = std::filesystem;

constexpr const char* kComment = "@200";
constexpr const char* kBit = "@28";
constexpr const char* kHex = "@22";
constexpr const char* kDec = "@24";
constexpr const char* kFiltered = "@2022";  // hex, right-justified, translate filter file

std::string hex8(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "%08X", v);
  return b;
}

std::string stem_of(const std::string& gtkw) {
  return gtkw.size() > 5 && gtkw.compare(gtkw.size() - 5, 5, ".gtkw") == 0 ? gtkw.substr(0, gtkw.size() - 5) : gtkw;
}

// One translate filter: value -> name.
using Filter = std::vector<std::pair<uint32_t, std::string>>;

Filter opcode_filter() {
  return {{0, "-"}, {arch::kOpPQAP, "PQAP"}, {arch::kOpNQAP, "NQAP"}, {arch::kOpDQAP, "DQAP"}};
}

Filter function_filter() {
  Filter f{{0, "idle"}};
  for (ApFunction fn : {ApFunction::NQAP, ApFunction::DQAP, ApFunction::TAPQ, ApFunction::RAPQ, ApFunction::ZAPQ,
                        ApFunction::AQIC, ApFunction::QACT, ApFunction::SCLP_CONFIG})
    f.emplace_back(fabric_function_code(fn), ap_function_name(fn));
  return f;
}

Filter rc_filter() {
  // Linux's names (drivers/s390/crypto/ap_bus.h AP_RESPONSE_*); 0x10 is Q_FULL for NQAP
  // and NO_PENDING_REPLY for DQAP.
  return {{arch::AP_RESPONSE_NORMAL, "NORMAL"},
          {arch::AP_RESPONSE_Q_NOT_AVAIL, "Q_NOT_AVAIL"},
          {arch::AP_RESPONSE_RESET_IN_PROGRESS, "RESET_IN_PROGRESS"},
          {arch::AP_RESPONSE_DECONFIGURED, "DECONFIGURED"},
          {arch::AP_RESPONSE_CHECKSTOPPED, "CHECKSTOPPED"},
          {arch::AP_RESPONSE_BUSY, "BUSY"},
          {arch::AP_RESPONSE_INVALID_ADDRESS, "INVALID_ADDRESS"},
          {arch::AP_RESPONSE_OTHERWISE_CHANGED, "OTHERWISE_CHANGED"},
          {arch::AP_RESPONSE_INVALID_GISA, "INVALID_GISA"},
          {arch::AP_RESPONSE_Q_FULL, "Q_FULL/NO_PENDING_REPLY"},
          {arch::AP_RESPONSE_INDEX_TOO_BIG, "INDEX_TOO_BIG"},
          {arch::AP_RESPONSE_NO_FIRST_PART, "NO_FIRST_PART"},
          {arch::AP_RESPONSE_MESSAGE_TOO_BIG, "MESSAGE_TOO_BIG"},
          {arch::AP_RESPONSE_REQ_FAC_NOT_INST, "REQ_FAC_NOT_INST"},
          {arch::AP_RESPONSE_INVALID_DOMAIN, "INVALID_DOMAIN"}};
}

Filter pgm_filter() {
  return {{arch::PGM_NONE, "-"},
          {arch::PGM_OPERATION, "operation"},
          {arch::PGM_PRIVILEGED_OP, "privileged-operation"},
          {arch::PGM_ADDRESSING, "addressing"},
          {arch::PGM_SPECIFICATION, "specification"}};
}

Filter sie_state_filter() {
  using S = SieUnit::State;
  return {{static_cast<uint32_t>(S::idle), "idle"},           {static_cast<uint32_t>(S::sd_fetch), "sd_fetch"},
          {static_cast<uint32_t>(S::crycb_fetch), "crycb_fetch"}, {static_cast<uint32_t>(S::check), "check"},
          {static_cast<uint32_t>(S::intercept), "intercept"},   {static_cast<uint32_t>(S::reload), "reload"}};
}

Filter cpu_state_filter() {
  using S = CpuModel::CpuWaveState;
  return {{static_cast<uint32_t>(S::idle), "idle"},
          {static_cast<uint32_t>(S::user), "user"},
          {static_cast<uint32_t>(S::kernel), "kernel"},
          {static_cast<uint32_t>(S::interruption), "interruption"},
          {static_cast<uint32_t>(S::guest), "guest (SIE)"}};
}

Filter vcpu_state_filter() {
  using S = CpuModel::VcpuWaveState;
  return {{static_cast<uint32_t>(S::waiting), "enabled wait"},
          {static_cast<uint32_t>(S::running), "running (SIE)"},
          {static_cast<uint32_t>(S::waking), "waking (KVM)"}};
}

Filter guest_filter(const std::vector<std::string>& guests) {
  Filter f{{0, "host"}};
  for (size_t i = 0; i < guests.size(); ++i) f.emplace_back(static_cast<uint32_t>(i + 1), guests[i]);
  return f;
}

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) out << text;
  if (!out) return path + ": " + std::strerror(errno ? errno : EIO);
  return "";
}

std::string filter_text(const std::string& what, const Filter& f) {
  std::string o = "# apsim: GTKWave translate filter for " + what + " (hex values as GTKWave shows them)\n";
  for (auto& [v, name] : f) o += hex8(v) + " " + name + "\n";
  return o;
}

const char* mode_name(const CexAdapterConfig& c) {
  switch (c.mode) {
    case firmware::AdapterProfile::Mode::accel: return "A";
    case firmware::AdapterProfile::Mode::cca: return "C";
    default: return "P";
  }
}

// The layout without the signals the VCD does not declare (--vcd-scope kept them out):
// GTKWave would drop each with a warning.  A signal's translate filter line ("^N PATH", just
// before it) goes with it, and so does a group (from its "@200" comment to the next) whose
// signals all went; a group of comments only (the guests) stays.
std::string keep_declared(const std::string& text, const VcdWriter& vcd) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::string out;
  for (size_t i = 0; i < lines.size();) {
    size_t end = i + 1;  // the group [i, end): a "@200" line up to the next
    if (lines[i] == kComment)
      while (end < lines.size() && lines[end] != kComment && lines[end][0] != '[') ++end;
    std::string group;
    bool had = false, kept = false;
    for (size_t k = i; k < end; ++k) {
      const std::string& l = lines[k];
      if (l[0] == '^') continue;  // written with its signal below
      if (l.rfind("SystemC.", 0) == 0) {
        had = true;
        if (!vcd.declared(l.substr(8, l.find('[') - 8))) continue;
        kept = true;
        if (k > i && lines[k - 1][0] == '^') group += lines[k - 1] + "\n";
      }
      group += l + "\n";
    }
    if (kept || !had) out += group;
    i = end;
  }
  return out;
}

// Slot K's scope in the VCD (CpuModel::trace).
std::string vcpu_slot_name(unsigned k) { return "cpu.vcpu" + std::to_string(k); }

// The guest vCPU slots (cpu.vcpuK, CpuModel::vcpu_wave_slots), each a group headed by the vCPU
// it went to, so that keep_declared drops the slots --vcd-scope left out one by one; the
// heading of them all only if the VCD kept some slot.
template <typename Filtered>
void write_vcpu_slots(std::ostream& o, Platform& p, const std::vector<std::string>& guests, const Filtered& filtered) {
  const CpuModel& cpu = p.cpu();
  const std::vector<CpuModel::VcpuWaveHolder>& holders = cpu.vcpu_wave_holders();
  if (!p.vcd() || vcpu_slots_in_vcd(p))
    o << kComment << "\n-Guest vCPUs: " << cpu.vcpu_wave_slots()
      << " slots, in the order vCPUs first ran (thread: 1 + the vCPU's logical thread)\n";
  for (unsigned k = 0; k < cpu.vcpu_wave_slots(); ++k) {
    const std::string slot = vcpu_slot_name(k);
    o << kComment << "\n-" << slot << ": ";
    if (k < holders.size())
      o << guests.at(holders[k].guest - 1) << " vCPU " << holders[k].vcpu << "\n";
    else
      o << "unused (fewer vCPUs ran)\n";
    o << filtered(7, "SystemC." + slot + ".state[31:0]");
    o << kHex << "\nSystemC." << slot << ".thread[63:0]\n";
  }
}

}  // namespace

bool vcpu_slots_in_vcd(Platform& p) {
  if (!p.vcd()) return false;
  for (unsigned k = 0; k < p.cpu().vcpu_wave_slots(); ++k)
    if (p.vcd()->declared(vcpu_slot_name(k) + ".state") || p.vcd()->declared(vcpu_slot_name(k) + ".thread")) return true;
  return false;
}

std::string wave_layout_path(const std::string& vcd) {
  const fs::path p(vcd);
  fs::path out = p;
  if (p.has_extension()) out.replace_extension(".gtkw");
  else out += ".gtkw";
  return out.string();
}

std::vector<std::string> wave_filter_paths(const std::string& gtkw) {
  const std::string stem = stem_of(gtkw);
  std::vector<std::string> v;
  for (const char* f : {".opcode.txt", ".guest.txt", ".rc.txt", ".pgm.txt", ".sie-state.txt", ".function.txt",
                        ".cpu-state.txt", ".vcpu-state.txt"})
    v.push_back(stem + f);
  return v;
}

std::string write_wave_layout(Platform& p, const WaveLayout& w) {
  const std::vector<std::string> files = wave_filter_paths(w.gtkw);
  const std::vector<std::string> guests = p.cpu().guest_names();
  const std::vector<std::pair<std::string, Filter>> filters = {
      {"cpu.opcode", opcode_filter()}, {"cpu.guest", guest_filter(guests)},        {"cpu.rc", rc_filter()},
      {"cpu.pgm", pgm_filter()},       {"sie.state", sie_state_filter()},          {"ap_fabric.function", function_filter()},
      {"cpu.cpuN.state", cpu_state_filter()}, {"cpu.vcpuK.state", vcpu_state_filter()}};
  for (size_t i = 0; i < files.size(); ++i)
    if (std::string e = write_file(files[i], filter_text(filters[i].first, filters[i].second)); !e.empty()) return e;
  // GTKWave finds the filters and the dump by these paths whatever its working directory.
  auto abs = [](const std::string& f) { return fs::absolute(f).lexically_normal().string(); };
  auto filtered = [&](size_t n, const std::string& signal) {
    return std::string(kFiltered) + "\n^" + std::to_string(n + 1) + " " + abs(files[n]) + "\n" + signal + "\n";
  };
  std::ostringstream o;
  o << "[*] apsim: " << w.title << "\n";
  o << "[*] written by apsim run --vcd; open with: gtkwave " << w.vcd << " " << w.gtkw << "\n";
  o << "[*] enumerated signals read as names through the translate filters beside this file\n";
  o << "[dumpfile] \"" << abs(w.vcd) << "\"\n";
  o << "[savefile] \"" << abs(w.gtkw) << "\"\n";
  o << "[timestart] 0\n[size] 1600 900\n[pos] -1 -1\n";
  o << "*-24.000000 0 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1\n";
  o << "[treeopen] SystemC.\n[sst_width] 260\n[signals_width] 300\n[sst_expanded] 1\n[sst_vpaned_height] 300\n";
  o << kComment << "\n-CPU cpu: the host, or a guest vCPU under SIE (cpu.guest)\n";
  o << kBit << "\nSystemC.cpu.in_sie\n";
  o << filtered(1, "SystemC.cpu.guest[31:0]");
  o << filtered(0, "SystemC.cpu.opcode[31:0]");
  o << kHex << "\nSystemC.cpu.apqn[31:0]\n";
  o << filtered(2, "SystemC.cpu.rc[31:0]");
  o << filtered(3, "SystemC.cpu.pgm[31:0]");
  o << kComment << "\n";
  if (guests.empty()) o << "-Guests: none ran\n";
  for (size_t i = 0; i < guests.size(); ++i) o << "-Guest " << i + 1 << ": " << guests[i] << "\n";
  o << kComment << "\n-CPU complex: the LPAR's host CPUs (thread: 0 none, else 1 + logical thread)\n";
  for (unsigned i = 0; i < p.cpu().cpu_complex().cpus(); ++i) {
    const std::string cpu = "SystemC.cpu.cpu" + std::to_string(i);
    o << filtered(6, cpu + ".state[31:0]");
    o << kHex << "\n" << cpu + ".thread[63:0]\n";
  }
  write_vcpu_slots(o, p, guests, filtered);
  o << kComment << "\n-SIE interpretation\n";
  o << filtered(4, "SystemC.sie.state[31:0]");
  o << kDec << "\nSystemC.sie.ctx[31:0]\n";
  o << kBit << "\nSystemC.sie.req\n";
  o << kHex << "\nSystemC.sie.apqn[31:0]\n";
  o << kDec << "\nSystemC.sie.fmt[31:0]\n";
  o << kBit << "\nSystemC.sie.allow\nSystemC.sie.deny\nSystemC.sie.cdom_deny\nSystemC.sie.blocked\n";
  if (p.mode() == SimMode::cycle) {  // the Verilated RTL (fast mode runs the C++ reference)
    o << kComment << "\n-RTL apcb_check (Verilated, inside the SIE unit)\n";
    o << kBit << "\nSystemC.sie.apcb_check.clk\nSystemC.sie.apcb_check.load_valid\nSystemC.sie.apcb_check.commit_valid\n";
    o << kDec << "\nSystemC.sie.apcb_check.commit_ctx[1:0]\n";
    o << kHex << "\nSystemC.sie.apcb_check.act_fmt[7:0]\n";
    o << kBit << "\nSystemC.sie.apcb_check.req_valid\n";
    o << kDec << "\nSystemC.sie.apcb_check.req_ctx[1:0]\n";
    o << kHex << "\nSystemC.sie.apcb_check.apid[7:0]\nSystemC.sie.apcb_check.apqi[7:0]\n";
    o << kBit
      << "\nSystemC.sie.apcb_check.s1_valid\nSystemC.sie.apcb_check.s1_apm_bit\nSystemC.sie.apcb_check.s1_aqm_bit\n"
         "SystemC.sie.apcb_check.s1_ids_in\nSystemC.sie.apcb_check.rsp_valid\nSystemC.sie.apcb_check.allow\n"
         "SystemC.sie.apcb_check.cdom_allow\n";
    o << kDec << "\nSystemC.sie.apcb_check.reason[1:0]\n";
  }
  o << kComment << "\n-AP fabric (function 0 = idle)\n";
  o << kHex << "\nSystemC.ap_fabric.apqn[31:0]\n";
  o << filtered(5, "SystemC.ap_fabric.function[31:0]");
  for (const auto& a : p.adapters()) {
    const CexAdapterConfig& c = a->config();
    char head[128];
    std::snprintf(head, sizeof head, "-Adapter %02x CEX%u%s, %u engine%s", c.apid, c.generation, mode_name(c),
                  a->engines(), a->engines() == 1 ? "" : "s");
    o << kComment << "\n" << head << "\n";
    o << kDec << "\nSystemC." << a->name() << ".busy_engines[31:0]\nSystemC." << a->name() << ".occupancy[31:0]\n";
    for (uint16_t q : w.queues) {
      if ((q >> 8) != c.apid) continue;
      char sig[96];
      std::snprintf(sig, sizeof sig, "SystemC.%s.queue_%04x.occupancy[31:0]", a->name(), q & 0xff);
      o << sig << "\n";
    }
  }
  o << "[pattern_trace] 1\n[pattern_trace] 0\n";
  return write_file(w.gtkw, p.vcd() ? keep_declared(o.str(), *p.vcd()) : o.str());
}

}  // namespace apsim::sc
