// testbench/fuzz/fuzz_platform.cpp — sc_main of the fuzz targets that run on the simulated
// machine (fuzz_platform.h): elaborate, boot the host, run the fuzzing loop on the CPU's
// software thread.
#include "testbench/fuzz/fuzz_platform.h"

#include <cstdio>
#include <sstream>

#include <systemc>

#include "driver/shell/shell.h"
#include "driver/userspace/init.h"
#include "sc/lpar_config.h"
#include "sc/platform.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
#ifdef APSIM_LIBFUZZER
// libFuzzer's entry for a program with its own main (FuzzerInterface.h, LLVM 12+).
extern "C" int LLVMFuzzerRunDriver(int* argc, char*** argv, int (*cb)(const uint8_t* data, size_t size));
#else
int apsim_fuzz_run_corpus(int argc, char** argv);  // fuzz_driver.cpp
#endif

namespace apsim::fuzz {

namespace {
Machine g_machine;
}

Machine& machine() { return g_machine; }

int Machine::sh(const std::string& script, std::string* out) {
  std::ostringstream o;
  driver::Shell shell(*session, o, o);
  const int rc = shell.run_script(script);
  if (out) *out = o.str();
  return rc;
}

}  // namespace apsim::fuzz

int sc_main(int argc, char** argv) {
  using namespace apsim;
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const sc::LparConfig cfg = sc::LparConfig::parse(fuzz::kLpar, "fuzz-platform.json");
  sc::Platform platform(cfg, sc::SimMode::fast);
  int status = 1;
  platform.run([&](arch::HostCpu& cpu) {
    driver::KernelOptions ko;
    ko.cmdline = cfg.kernel_cmdline;
    ko.init = driver::init_main;
    driver::LinuxKernel host(cpu, ko);
    driver::Session session(host);
    host.boot();
    fuzz::Machine& m = fuzz::machine();
    m.cpu = &cpu;
    m.kernel = &host;
    m.session = &session;
    fuzz_platform_setup(m);
#ifdef APSIM_LIBFUZZER
    status = LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
#else
    status = apsim_fuzz_run_corpus(argc, argv);
#endif
    std::fflush(stdout);
  });
  return status;
}
