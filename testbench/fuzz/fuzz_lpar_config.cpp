// testbench/fuzz/fuzz_lpar_config.cpp — the LPAR configuration's JSON (sc/lpar_config.h,
// LparConfig::parse), as `apsim run --lpar FILE` reads it; no platform is elaborated (the
// parser needs no SystemC kernel).
//
// Input: the file's text.
// Invariants:
//  * a refused file throws LparConfigError, and its message names the file first — any
//    other exception would end `apsim run` with an internal error;
//  * an accepted config keeps the limits the header documents: adapter IDs unique and at
//    most max_adapter_id, generations 4..8, QD 0..15, engines 0..64, domains at most
//    max_domain_id; its QCI block (LparConfig::qci) builds and reports those limits;
//  * parsing is a function of the text: a second parse gives the same configuration.
#include <exception>
#include <set>
#include <string>

#include "sc/lpar_config.h"
#include "testbench/fuzz/fuzz_check.h"

using apsim::sc::LparConfig;
using apsim::sc::LparConfigError;

// libsystemc.so refers to sc_main; this program has its own main (the corpus driver's or
// libFuzzer's) and never starts the SystemC kernel.
int sc_main(int, char**) {
  std::fprintf(stderr, "fuzz_lpar_config: SystemC's main is not used\n");
  return 2;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = apsim::fuzz::text(data, size);
  const std::string src = "fuzz.json";
  LparConfig c;
  try {
    c = LparConfig::parse(text, src);
  } catch (const LparConfigError& e) {
    FUZZ_CHECK(std::string(e.what()).rfind(src + ": ", 0) == 0, "an LPAR error names the file first");
    return 0;
  } catch (const std::exception& e) {
    apsim::fuzz::unexpected_exception("LparConfig::parse", e.what());
  }
  FUZZ_CHECK(c.max_adapter_id <= 255 && c.max_domain_id <= 255, "IDs fit the APXA range");
  std::set<unsigned> ids;
  for (const auto& a : c.adapters) {
    FUZZ_CHECK(ids.insert(a.apid).second, "adapter IDs are unique");
    FUZZ_CHECK(a.apid <= c.max_adapter_id, "an adapter ID is at most max_adapter_id");
    FUZZ_CHECK(a.generation >= 4 && a.generation <= 8, "a generation is 4..8");
    FUZZ_CHECK(a.qd <= 15, "QD is a 4-bit field");
    FUZZ_CHECK(a.engines <= 64, "at most 64 engines");
  }
  for (unsigned d : c.usage_domains.ids()) FUZZ_CHECK(d <= c.max_domain_id, "a usage domain is at most max_domain_id");
  for (unsigned d : c.control_domains.ids())
    FUZZ_CHECK(d <= c.max_domain_id, "a control domain is at most max_domain_id");
  const apsim::arch::QciInfo q = c.qci();
  FUZZ_CHECK(q.na == c.max_adapter_id && q.nd == c.max_domain_id, "QCI reports the configured limits");
  const LparConfig again = LparConfig::parse(text, src);
  FUZZ_CHECK(again.adapters.size() == c.adapters.size() && again.usage_domains == c.usage_domains &&
                 again.control_domains == c.control_domains && again.kernel_cmdline == c.kernel_cmdline &&
                 again.storage_bytes == c.storage_bytes && again.quantum_ps == c.quantum_ps,
             "parsing is a function of the text");
  return 0;
}
