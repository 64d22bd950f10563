// testbench/tests/rtl/test_apcb_check.cpp — rtl/apcb_check.sv (Verilated, wrapped by
// sc/apcb_check_rtl.h) held against the C++ reference ApcbCheckRef and against an oracle
// built from 256-bit ApMask semantics (ap-facility-spec.md §3.1/§3.2), through the
// double-buffered register interface: load into the shadow, commit, check.
//
// SystemC elaborates once per process: sc_main builds the modules once (an untraced `dut`
// and a traced `sie.apcb_check`), then runs Boost.Test.  Each test case spawns its body as
// an SC_THREAD and calls sc_start(), which returns when the body is done (QBox pattern,
// systemc-verilator-notes.md §3.1); the checker wait()s, so it must run inside that thread.
// Assertions inside the thread are non-throwing; a mismatch names the vector.  The RTL is
// built with --assert: every simulation here also checks rtl/formal/*_props.svh.
// The cycle-exact swap point is tested on the bare Verilated model in rtl_swap_point.cpp.
#define SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn
#define BOOST_TEST_MODULE apcb_check
#define BOOST_TEST_NO_MAIN
#define BOOST_TEST_ALTERNATIVE_INIT_API
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <systemc>

#include "arch/ap_mask.h"
#include "arch/crycb.h"
#include "sc/apcb_check.h"
#include "sc/apcb_check_rtl.h"

using apsim::arch::ApcbMask;
using apsim::arch::ApMask;
using apsim::sc::Apcb;
using apsim::sc::ApcbChecker;
using apsim::sc::ApcbCheckRef;
using apsim::sc::ApcbCheckRequest;
using apsim::sc::ApcbCheckResult;
using apsim::sc::ApcbCheckRtl;
using apsim::sc::ApcbLoadSel;
using apsim::sc::kApcbContexts;
using sc_core::sc_time;
using sc_core::SC_PS;

namespace {

const sc_time kPeriod(192, SC_PS);  // ~5.2 GHz CPU clock
const char* const kVcdName = "test_apcb_check";  // sc_create_vcd_trace_file appends ".vcd"

struct Sie : sc_core::sc_module {  // only to give the traced checker the platform's name
  ApcbCheckRtl apcb_check;
  explicit Sie(const sc_core::sc_module_name& n) : sc_core::sc_module(n), apcb_check("apcb_check", kPeriod) {}
};

ApcbCheckRtl* g_dut = nullptr;    // untraced
ApcbCheckRtl* g_fresh = nullptr;  // untraced, never loaded: the state after reset
Sie* g_sie = nullptr;             // traced into kVcdName.vcd
sc_core::sc_trace_file* g_vcd = nullptr;

/// Run `body` as an SC_THREAD until it returns.
void run_in_sim(const std::function<void()>& body) {
  bool done = false;
  sc_core::sc_spawn_options opt;
  opt.set_stack_size(1 << 20);
  sc_core::sc_spawn(
      [&] {
        body();
        done = true;
      },
      nullptr, &opt);
  sc_core::sc_start();
  BOOST_REQUIRE_MESSAGE(done, "simulation ended before the test body finished");
}

// ---- vectors ---------------------------------------------------------------------------------

struct MaskSet {
  std::string name;
  ApMask apm, aqm, adm;
};

ApMask single(unsigned id) {
  ApMask m;
  m.set(id);
  return m;
}

std::vector<MaskSet> mask_sets(uint64_t seed, int n_random) {
  std::vector<MaskSet> v;
  v.push_back({"empty", ApMask(), ApMask(), ApMask()});
  v.push_back({"full", ApMask::all(), ApMask::all(), ApMask::all()});
  for (unsigned id : {0u, 15u, 16u, 63u, 64u, 255u})
    v.push_back({"single" + std::to_string(id), single(id), single(id), single(id)});
  v.push_back({"apm63_aqm15_adm15", single(63), single(15), single(15)});
  // Format 0/1: AQM/ADM bits beyond id 15 of APCB0 must not grant anything.
  ApMask hi;
  for (unsigned id = 16; id < 64; ++id) hi.set(id);
  v.push_back({"full_apm_aqm_adm_16to63", ApMask::all(), hi, hi});
  std::mt19937_64 rng(seed);
  for (int i = 0; i < n_random; ++i) {
    auto r = [&] { return ApMask({rng(), rng(), rng(), rng()}); };
    v.push_back({"random" + std::to_string(i), r(), r(), r()});
  }
  return v;
}

/// Load all four words of each mask and the format into the shadow of `ctx`, then commit.
/// (The SIE unit loads only word 0 for formats 0/1; loading all of them here puts bits
/// beyond the format's width into the registers, which the width check must ignore.)
uint32_t load_and_commit(ApcbChecker& c, unsigned ctx, uint32_t fmt, const MaskSet& s) {
  uint32_t cycles = c.load(ctx, ApcbLoadSel::FMT, 0, fmt);
  for (unsigned w = 0; w < 4; ++w) {
    cycles += c.load(ctx, ApcbLoadSel::APM, w, s.apm.word64(w));
    cycles += c.load(ctx, ApcbLoadSel::AQM, w, s.aqm.word64(w));
    cycles += c.load(ctx, ApcbLoadSel::ADM, w, s.adm.word64(w));
  }
  return cycles + c.commit(ctx);
}

/// Oracle from the mask semantics: id in mask and within the format's width.
ApcbCheckResult oracle(uint32_t fmt, const MaskSet& s, const ApcbCheckRequest& r) {
  if (fmt == 2) return {false, false, 0};
  const auto in = [fmt](const ApMask& m, ApcbMask which, unsigned id) {
    return id <= apsim::arch::crycb_max_id(fmt, which) && m.test(id);
  };
  return {in(s.apm, ApcbMask::APM, r.apid) && in(s.aqm, ApcbMask::AQM, r.apqi),
          !r.cdom_check || in(s.adm, ApcbMask::ADM, r.cdom), 0};
}

std::string describe(uint32_t fmt, const std::string& set, const ApcbCheckRequest& r) {
  char b[200];
  std::snprintf(b, sizeof b, "fmt=%u set=%s ctx=%u apid=0x%02x apqi=0x%02x cdom_check=%d cdom=0x%02x", fmt,
                set.c_str(), r.ctx, r.apid, r.apqi, r.cdom_check ? 1 : 0, r.cdom);
  return b;
}

std::string show(const ApcbCheckResult& x) {
  return "{allow=" + std::to_string(x.allow) + " cdom_allow=" + std::to_string(x.cdom_allow) +
         " cycles=" + std::to_string(x.cycles) + "}";
}

ApcbCheckRequest req(unsigned ctx, unsigned apid, unsigned apqi, bool cdom_check = false, unsigned cdom = 0) {
  ApcbCheckRequest r;
  r.ctx = static_cast<uint8_t>(ctx);
  r.apid = static_cast<uint8_t>(apid);
  r.apqi = static_cast<uint8_t>(apqi);
  r.cdom_check = cdom_check;
  r.cdom = static_cast<uint8_t>(cdom);
  return r;
}

/// Compare RTL, reference and oracle on one vector; report at most 20 mismatches.
struct Comparer {
  ApcbCheckRef* ref;
  uint64_t vectors = 0, mismatches = 0, allowed = 0, cdom_denied = 0;
  void operator()(uint32_t fmt, const MaskSet& s, const ApcbCheckRequest& r) {
    const ApcbCheckResult rtl = g_dut->check(r);
    const ApcbCheckResult rf = ref->check(r);
    const ApcbCheckResult orc = oracle(fmt, s, r);
    ++vectors;
    allowed += rtl.allow;
    cdom_denied += !rtl.cdom_allow;
    const bool ok = rtl.allow == rf.allow && rtl.cdom_allow == rf.cdom_allow && rf.allow == orc.allow &&
                    rf.cdom_allow == orc.cdom_allow && rtl.cycles == ApcbCheckRtl::kLatencyCycles && rf.cycles == 0;
    if (!ok && ++mismatches <= 20)
      BOOST_ERROR(describe(fmt, s.name, r) << ": rtl " << show(rtl) << " ref " << show(rf) << " oracle " << show(orc));
  }
};

/// For every mask set: load it into one context of both checkers (rotating over the four
/// contexts, the others keep earlier sets), then every (apid, apqi) in 0..255 x 0..255 with a
/// seeded random control domain per vector, then every cdom 0..255 with and without
/// cdom_check.  The active APCB read back must equal what was loaded.
void sweep_format(uint32_t fmt, uint64_t seed, int n_random) {
  ApcbCheckRef ref;
  Comparer cmp{&ref};
  uint64_t load_cycles = 0, loads = 0;
  const sc_time t0 = sc_core::sc_time_stamp();
  const uint64_t cycles0 = g_dut->cycles();
  run_in_sim([&] {
    std::mt19937_64 rng(seed ^ 0x5eed);
    unsigned ctx = 0;
    for (const MaskSet& s : mask_sets(seed, n_random)) {
      ctx = (ctx + 1) % kApcbContexts;
      load_cycles += load_and_commit(*g_dut, ctx, fmt, s);
      load_and_commit(ref, ctx, fmt, s);
      ++loads;
      const Apcb a = g_dut->active(ctx);
      BOOST_CHECK_MESSAGE(a == ref.active(ctx) && a.apm == s.apm && a.aqm == s.aqm && a.adm == s.adm && a.fmt == fmt,
                          "active APCB of context " << ctx << " after loading " << s.name);
      for (unsigned apid = 0; apid < 256; ++apid)
        for (unsigned apqi = 0; apqi < 256; ++apqi) {
          const uint64_t r = rng();
          cmp(fmt, s, req(ctx, apid, apqi, (r >> 8) & 1, r & 0xff));
        }
      for (unsigned cdom = 0; cdom < 256; ++cdom)
        for (bool cdom_check : {false, true}) {
          cmp(fmt, s, req(ctx, 0, 0, cdom_check, cdom));
          cmp(fmt, s, req(ctx, 63, 15, cdom_check, cdom));
        }
    }
  });
  BOOST_TEST(cmp.mismatches == 0u, cmp.mismatches << " of " << cmp.vectors << " vectors mismatched");
  BOOST_TEST_MESSAGE("fmt " << fmt << ": " << cmp.vectors << " vectors, " << cmp.allowed << " allowed, "
                            << cmp.cdom_denied << " cdom denied");
  if (fmt != 2) BOOST_TEST(cmp.allowed > 0u);  // the sweep did exercise grants
  BOOST_TEST(cmp.vectors > 0u);
  // Simulated time: 1 cycle per load, 1 per commit, 2 per check, nothing else.
  BOOST_TEST(load_cycles == loads * 14u);
  const uint64_t cycles = cmp.vectors * ApcbCheckRtl::kLatencyCycles + load_cycles;
  BOOST_TEST(g_dut->cycles() - cycles0 == cycles);
  BOOST_TEST(sc_core::sc_time_stamp() - t0 == kPeriod * static_cast<double>(cycles));
}

constexpr int kRandomSets = 8;  // per format, besides 10 corner sets

}  // namespace

// ---- test cases ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(reference_matches_oracle_without_kernel) {
  // The reference alone, every format value, all ids: a cheap cross-check of the oracle.
  uint64_t bad = 0;
  for (uint32_t fmt : {0u, 1u, 2u, 3u}) {
    ApcbCheckRef ref;
    for (const MaskSet& s : mask_sets(42, 2)) {
      load_and_commit(ref, 1, fmt, s);
      for (unsigned a = 0; a < 256; ++a)
        for (unsigned q = 0; q < 256; q += 5) {
          const auto r = req(1, a, q, (a ^ q) & 1, (a * 31 + q) & 0xff);
          const auto rf = ref.check(r), orc = oracle(fmt, s, r);
          if ((rf.allow != orc.allow || rf.cdom_allow != orc.cdom_allow) && ++bad <= 10)
            BOOST_ERROR(describe(fmt, s.name, r) << ": ref " << show(rf) << " oracle " << show(orc));
        }
    }
  }
  BOOST_TEST(bad == 0u);
}

BOOST_AUTO_TEST_CASE(reset_state_denies_everything) {
  // After reset no context holds an APCB: format 2'b10, empty masks, every check denied.
  ApcbCheckRtl& fresh = *g_fresh;
  for (unsigned c = 0; c < kApcbContexts; ++c) {
    const Apcb a = fresh.active(c);
    BOOST_TEST(a.fmt == apsim::sc::kApcbNoFormat);
    BOOST_TEST(a.apm.empty());
    BOOST_TEST(a.aqm.empty());
    BOOST_TEST(a.adm.empty());
  }
  run_in_sim([&] {
    for (unsigned c = 0; c < kApcbContexts; ++c) {
      const auto r = fresh.check(req(c, 0, 0, true, 0));
      BOOST_TEST(!r.allow);
      BOOST_TEST(!r.cdom_allow);
    }
  });
}

BOOST_AUTO_TEST_CASE(latency_and_simulated_time) {
  MaskSet s{"one", single(5), single(7), single(9)};
  run_in_sim([&] {
    {
      const sc_time t0 = sc_core::sc_time_stamp();
      BOOST_CHECK_EQUAL(g_dut->load(0, ApcbLoadSel::APM, 0, 1), ApcbCheckRtl::kLoadCycles);
      BOOST_CHECK_EQUAL(g_dut->commit(3), ApcbCheckRtl::kCommitCycles);
      BOOST_CHECK(sc_core::sc_time_stamp() - t0 == kPeriod * 2.0);
    }
    load_and_commit(*g_dut, 0, 0, s);
    for (bool expect : {true, false}) {
      const sc_time t0 = sc_core::sc_time_stamp();
      const ApcbCheckResult r = g_dut->check(req(0, 5, expect ? 7 : 8, true, 9));
      const sc_time dt = sc_core::sc_time_stamp() - t0;
      BOOST_CHECK_EQUAL(r.cycles, ApcbCheckRtl::kLatencyCycles);
      BOOST_CHECK_EQUAL(r.allow, expect);
      BOOST_CHECK_EQUAL(r.cdom_allow, true);
      BOOST_CHECK_MESSAGE(dt == kPeriod * 2.0, "simulated time advanced by " << dt << ", expected 2 x " << kPeriod);
    }
    // Back-to-back checks from two threads queue: the second ends one latency later.
    sc_time end_a, end_b;
    sc_core::sc_spawn([&] { g_dut->check(req(0, 5, 7)); end_a = sc_core::sc_time_stamp(); });
    sc_core::sc_spawn([&] { g_dut->check(req(0, 5, 7)); end_b = sc_core::sc_time_stamp(); });
    const sc_time t0 = sc_core::sc_time_stamp();
    sc_core::wait(kPeriod * 10.0);
    BOOST_CHECK_EQUAL(std::min(end_a, end_b), t0 + kPeriod * 2.0);
    BOOST_CHECK_EQUAL(std::max(end_a, end_b), t0 + kPeriod * 4.0);
  });
  BOOST_CHECK_EQUAL(g_dut->clock_period(), kPeriod);
}

BOOST_AUTO_TEST_CASE(rtl_equals_reference_format0) { sweep_format(0, 1000, kRandomSets); }
BOOST_AUTO_TEST_CASE(rtl_equals_reference_format1) { sweep_format(1, 1001, kRandomSets); }
BOOST_AUTO_TEST_CASE(rtl_equals_reference_format2) { sweep_format(3, 1003, kRandomSets); }
BOOST_AUTO_TEST_CASE(rtl_denies_invalid_format) { sweep_format(2, 1002, 1); }

BOOST_AUTO_TEST_CASE(shadow_is_invisible_until_commit) {
  // Double buffering: loading a new APCB into the shadow changes no decision; the commit
  // changes all of them at once; other contexts are untouched.
  const MaskSet a{"a", single(1), single(2), single(3)};
  const MaskSet b{"b", single(200), single(100), single(50)};
  const MaskSet other{"other", single(1), single(2), single(3)};
  run_in_sim([&] {
    load_and_commit(*g_dut, 1, 3, other);
    load_and_commit(*g_dut, 2, 3, a);
    // Fill the shadow of context 2 with b, word by word, checking between the words.
    auto probe = [&](const MaskSet& expect, const char* when) {
      BOOST_CHECK_MESSAGE(g_dut->check(req(2, 1, 2, true, 3)).allow == expect.apm.test(1), when);
      BOOST_CHECK_MESSAGE(g_dut->check(req(2, 200, 100, true, 50)).allow == expect.apm.test(200), when);
      BOOST_CHECK_MESSAGE(g_dut->check(req(2, 1, 2, true, 3)).cdom_allow == expect.adm.test(3), when);
      BOOST_CHECK_MESSAGE(g_dut->check(req(2, 200, 100, true, 50)).cdom_allow == expect.adm.test(50), when);
      BOOST_CHECK_MESSAGE(g_dut->check(req(1, 1, 2, true, 3)).allow, "context 1 " << when);
    };
    probe(a, "before loading");
    g_dut->load(2, ApcbLoadSel::FMT, 0, 3);
    for (unsigned w = 0; w < 4; ++w) {
      g_dut->load(2, ApcbLoadSel::APM, w, b.apm.word64(w));
      probe(a, "after an APM word");
      g_dut->load(2, ApcbLoadSel::AQM, w, b.aqm.word64(w));
      probe(a, "after an AQM word");
      g_dut->load(2, ApcbLoadSel::ADM, w, b.adm.word64(w));
      probe(a, "after an ADM word");
    }
    BOOST_CHECK(g_dut->active(2).apm == a.apm);
    g_dut->commit(2);
    probe(b, "after the commit");
    BOOST_CHECK(g_dut->active(2).apm == b.apm);
    BOOST_CHECK(g_dut->active(1).apm == other.apm);
  });
}

BOOST_AUTO_TEST_CASE(formats_0_and_1_ignore_words_beyond_their_width) {
  // The SIE unit loads only word 0 of each mask for formats 0/1: whatever an earlier
  // format-2 APCB left in words 1..3 of the context must not grant anything.
  ApMask junk = ApMask::all();
  MaskSet f2{"f2", junk, junk, junk};
  MaskSet f0{"f0", single(3), single(4), single(5)};
  run_in_sim([&] {
    load_and_commit(*g_dut, 3, 3, f2);
    g_dut->load(3, ApcbLoadSel::FMT, 0, 1);
    g_dut->load(3, ApcbLoadSel::APM, 0, f0.apm.word64(0));
    g_dut->load(3, ApcbLoadSel::AQM, 0, f0.aqm.word64(0));
    g_dut->load(3, ApcbLoadSel::ADM, 0, f0.adm.word64(0));
    g_dut->commit(3);
    for (unsigned id = 0; id < 256; ++id) {
      const bool apm_in = id == 3, aqm_in = id == 4, adm_in = id == 5;
      BOOST_CHECK_EQUAL(g_dut->check(req(3, id, 4)).allow, apm_in);
      BOOST_CHECK_EQUAL(g_dut->check(req(3, 3, id)).allow, aqm_in);
      BOOST_CHECK_EQUAL(g_dut->check(req(3, 3, 4, true, id)).cdom_allow, adm_in);
    }
  });
}

namespace {
/// Value changes of one VCD file: full dotted name (without SystemC's root scope "SystemC")
/// -> [(time, value)].
std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> read_vcd(const std::string& path) {
  std::ifstream in(path);
  std::map<std::string, std::string> id2name;
  std::map<std::string, std::vector<std::pair<uint64_t, std::string>>> out;
  std::vector<std::string> scope;
  std::string tok;
  uint64_t now = 0;
  while (in >> tok) {
    if (tok == "$scope") {
      std::string kind, name;
      in >> kind >> name;
      if (!(scope.empty() && name == "SystemC")) scope.push_back(name);  // SystemC's root scope
      else scope.push_back("");
    } else if (tok == "$upscope") {
      scope.pop_back();
    } else if (tok == "$var") {
      std::string type, width, id, name;
      in >> type >> width >> id >> name;
      std::string full;
      for (const auto& s : scope)
        if (!s.empty()) full += s + ".";
      id2name[id] = full + name;
    } else if (tok[0] == '#') {
      now = std::stoull(tok.substr(1));
    } else if (tok[0] == 'b') {
      std::string id;
      in >> id;
      if (id2name.count(id)) out[id2name[id]].push_back({now, tok.substr(1)});
    } else if ((tok[0] == '0' || tok[0] == '1') && tok.size() > 1 && id2name.count(tok.substr(1))) {
      out[id2name[tok.substr(1)]].push_back({now, tok.substr(0, 1)});
    }
  }
  return out;
}

/// Value of `sig` at time `t` (last change at or before t), "" if none.
std::string value_at(const std::vector<std::pair<uint64_t, std::string>>& changes, uint64_t t) {
  std::string v;
  for (const auto& c : changes)
    if (c.first <= t) v = c.second;
  return v;
}

bool is_one(const std::string& v) { return !v.empty() && v.find('1') != std::string::npos; }
}  // namespace

BOOST_AUTO_TEST_CASE(vcd_shows_every_cycle) {
  BOOST_REQUIRE(g_vcd);
  MaskSet s{"one", single(5), single(7), single(9)};
  uint64_t t0 = 0;
  ApcbCheckResult r1{}, r2{};
  run_in_sim([&] {
    load_and_commit(g_sie->apcb_check, 0, 0, s);
    sc_core::wait(kPeriod * 3.0);  // a gap, so the check does not start at a time with other changes
    t0 = sc_core::sc_time_stamp().value();
    r1 = g_sie->apcb_check.check(req(0, 5, 7, true, 10));  // APQN allowed, cdom denied
    r2 = g_sie->apcb_check.check(req(0, 5, 8, true, 9));   // APQN denied
    sc_core::wait(kPeriod);  // SystemC writes a time step's values when time moves on
  });
  BOOST_TEST(r1.allow);
  BOOST_TEST(!r1.cdom_allow);
  BOOST_TEST(!r2.allow);
  BOOST_TEST(r1.cycles == ApcbCheckRtl::kLatencyCycles);
  sc_core::sc_close_vcd_trace_file(g_vcd);
  g_vcd = nullptr;

  const auto vcd = read_vcd(std::string(kVcdName) + ".vcd");
  for (const char* sig : {"clk", "load_valid", "load_sel", "load_word", "load_data", "commit_valid", "commit_ctx",
                          "act_fmt", "req_valid", "req_ctx", "apid", "apqi", "s1_valid", "s1_apm_bit", "rsp_valid",
                          "allow", "cdom_allow", "reason"})
    BOOST_TEST(vcd.count(std::string("sie.apcb_check.") + sig) == 1u, "VCD has sie.apcb_check." << sig);
  if (!vcd.count("sie.apcb_check.clk") || !vcd.count("sie.apcb_check.rsp_valid")) return;

  const uint64_t P = kPeriod.value(), H = P / 2;
  const auto& clk = vcd.at("sie.apcb_check.clk");
  // clk: up at t0+H, down at t0+P, up at t0+P+H, down at t0+2P; same for the second check.
  std::vector<std::string> want, got;
  for (uint64_t c = 0; c < 4; ++c) {
    want.push_back(std::to_string(t0 + c * P + H) + ":1");
    want.push_back(std::to_string(t0 + (c + 1) * P) + ":0");
  }
  for (const auto& ch : clk)
    if (ch.first >= t0) got.push_back(std::to_string(ch.first) + ":" + ch.second);
  BOOST_TEST(got == want, boost::test_tools::per_element());

  const auto at = [&](const char* sig, uint64_t t) { return value_at(vcd.at(std::string("sie.apcb_check.") + sig), t); };
  BOOST_TEST(at("act_fmt", t0) == "10101000");       // context 0 committed format 0, others none
  BOOST_TEST(is_one(at("req_valid", t0)));           // request presented while clk is low
  BOOST_TEST(!is_one(at("req_valid", t0 + H)));      // dropped at the edge that takes it
  BOOST_TEST(is_one(at("s1_valid", t0 + H)));        // stage 1 after edge 1
  BOOST_TEST(!is_one(at("rsp_valid", t0 + H)));
  BOOST_TEST(!is_one(at("s1_valid", t0 + P + H)));   // one-cycle pulse
  BOOST_TEST(is_one(at("rsp_valid", t0 + P + H)));   // decision after edge 2
  BOOST_TEST(is_one(at("allow", t0 + P + H)));
  BOOST_TEST(!is_one(at("cdom_allow", t0 + P + H)));
  BOOST_TEST(at("reason", t0 + P + H) == "11");      // APQN allowed, control domain denied
  BOOST_TEST(!is_one(at("rsp_valid", t0 + 2 * P + H)));  // second check, after its edge 1
  BOOST_TEST(is_one(at("rsp_valid", t0 + 3 * P + H)));
  BOOST_TEST(!is_one(at("allow", t0 + 3 * P + H)));
  BOOST_TEST(at("reason", t0 + 3 * P + H) == "1");   // APM/AQM bit clear (VCD drops leading 0s)
}

// ---- sc_main: elaborate once, then run Boost.Test -----------------------------------------------

int sc_main(int argc, char** argv) {
  // Every SystemC warning is a test failure (VCML's pattern).
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DISPLAY | sc_core::SC_THROW);
  ApcbCheckRtl dut("dut", kPeriod);
  ApcbCheckRtl fresh("fresh", kPeriod);
  Sie sie("sie");
  g_dut = &dut;
  g_fresh = &fresh;
  g_sie = &sie;
  g_vcd = sc_core::sc_create_vcd_trace_file(kVcdName);
  g_vcd->set_time_unit(1, sc_core::SC_PS);
  sie.apcb_check.trace(g_vcd);
  const int rc = boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
  // Tests are over; closing an untouched VCD (e.g. --list_content) only warns (W715).
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DISPLAY);
  if (g_vcd) sc_core::sc_close_vcd_trace_file(g_vcd);
  return rc;
}
