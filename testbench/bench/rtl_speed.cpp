// testbench/bench/rtl_speed.cpp — speed of the APCB mask check: the Verilated RTL behind
// sc/apcb_check_rtl.h (--cc, clock toggled by the wrapper, 2 cycles per check) and the C++
// reference ApcbCheckRef (fast mode).  The figure behind the --cc choice in rtl/CMakeLists.txt.
//
//   bench_rtl_speed [CHECKS] [--vcd NAME]     (CHECKS default 2000000; --vcd traces the RTL into
//                                              NAME.vcd, to price the traced path)
//
// One SC_THREAD issues CHECKS back-to-back checks from a table of 4096 random requests
// (seeded); checks/s and RTL cycles/s are per wall-clock second around sc_start().
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <systemc>

#include "sc/apcb_check.h"
#include "sc/apcb_check_rtl.h"

using apsim::sc::ApcbCheckRef;
using apsim::sc::ApcbCheckRequest;
using apsim::sc::ApcbCheckRtl;
using apsim::sc::ApcbLoadSel;

namespace {

std::vector<ApcbCheckRequest> make_requests(size_t n) {
  std::mt19937_64 rng(2024);
  std::vector<ApcbCheckRequest> v(n);
  for (auto& r : v) {
    r.ctx = static_cast<uint8_t>(rng() % apsim::sc::kApcbContexts);
    r.apid = static_cast<uint8_t>(rng());
    r.apqi = static_cast<uint8_t>(rng());
    r.cdom_check = rng() & 1;
    r.cdom = static_cast<uint8_t>(rng());
  }
  return v;
}

/// Random masks in every context, formats 0, 1, 2 and 0 again.
void load_contexts(apsim::sc::ApcbChecker& c) {
  std::mt19937_64 rng(7);
  const uint32_t fmts[] = {0, 1, 3, 0};
  for (unsigned ctx = 0; ctx < apsim::sc::kApcbContexts; ++ctx) {
    c.load(ctx, ApcbLoadSel::FMT, 0, fmts[ctx]);
    for (unsigned w = 0; w < 4; ++w)
      for (ApcbLoadSel sel : {ApcbLoadSel::APM, ApcbLoadSel::AQM, ApcbLoadSel::ADM}) c.load(ctx, sel, w, rng());
    c.commit(ctx);
  }
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int sc_main(int argc, char** argv) {
  uint64_t n = 2000000;
  const char* vcd = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--vcd") && i + 1 < argc)
      vcd = argv[++i];
    else
      n = std::strtoull(argv[i], nullptr, 10);
  }
  const std::vector<ApcbCheckRequest> reqs = make_requests(4096);
  const sc_core::sc_time period(192, sc_core::SC_PS);

  ApcbCheckRtl rtl("apcb_check", period);
  sc_core::sc_trace_file* tf = nullptr;
  if (vcd) {
    tf = sc_core::sc_create_vcd_trace_file(vcd);
    tf->set_time_unit(1, sc_core::SC_PS);
    rtl.trace(tf);
  }

  uint64_t allowed = 0;
  sc_core::sc_spawn([&] {
    load_contexts(rtl);
    for (uint64_t i = 0; i < n; ++i) allowed += rtl.check(reqs[i & 4095]).allow;
  });
  auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const double t_rtl = seconds_since(t0);

  // The reference, same requests.
  uint64_t allowed_ref = 0;
  ApcbCheckRef ref;
  load_contexts(ref);
  t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < n; ++i) allowed_ref += ref.check(reqs[i & 4095]).allow;
  const double t_ref = seconds_since(t0);

  std::printf("apcb_check RTL (Verilator --cc, wrapper-driven clock, %s): %llu checks in %.3f s\n",
              vcd ? "traced to VCD" : "untraced", static_cast<unsigned long long>(n), t_rtl);
  std::printf("  %.2f M checks/s, %.2f M RTL cycles/s (%u cycles/check), simulated %s\n", n / t_rtl / 1e6,
              static_cast<double>(rtl.cycles()) / t_rtl / 1e6, ApcbCheckRtl::kLatencyCycles,
              sc_core::sc_time_stamp().to_string().c_str());
  std::printf("ApcbCheckRef (C++ reference): %.1f M checks/s\n", n / t_ref / 1e6);
  if (allowed != allowed_ref) {
    std::printf("MISMATCH: rtl allowed %llu, reference allowed %llu\n", static_cast<unsigned long long>(allowed),
                static_cast<unsigned long long>(allowed_ref));
    return 1;
  }
  if (tf) sc_core::sc_close_vcd_trace_file(tf);
  return 0;
}
