// testbench/fuzz/fuzz_platform.h — the fuzz targets that need the simulated machine: the
// kernel's sysfs store handlers with real AP hardware behind them (fuzz_sysfs_store.cpp) and
// the AP instruction decoder (fuzz_ap_insn.cpp).
//
// SystemC elaborates once per process, so fuzz_platform.cpp's sc_main builds one platform
// (kLpar below, --mode fast), boots the host Linux on the CPU's software thread, and runs
// the whole fuzzing loop on that thread: under libFuzzer LLVMFuzzerRunDriver, otherwise the
// corpus driver (fuzz_driver.cpp).  Each LLVMFuzzerTestOneInput then runs on the software
// thread and may execute instructions and let simulated time pass.  A target brings the
// machine back to a known state at the start of each input (fuzz_platform_reset), so that
// an input found crashing crashes again on its own.
#pragma once

#include <string>

#include "arch/ap_instructions.h"
#include "driver/linux/kernel.h"
#include "driver/userspace/session.h"

namespace apsim::fuzz {

/// The LPAR: an accelerator, a CCA and an EP11 coprocessor, a card in standby; three usage
/// domains, one control-only domain.
inline const char* kLpar = R"({
  "adapters": [
    {"id": 5, "type": "CEX8", "mode": "accel", "qd": 2},
    {"id": 6, "type": "CEX7", "mode": "cca"},
    {"id": 7, "type": "CEX7", "mode": "ep11"},
    {"id": 8, "type": "CEX6", "mode": "accel", "configured": false}
  ],
  "usage_domains": [4, "0x47", "0xab"],
  "control_domains": [4, "0x47", "0xab", "0xd0"],
  "kernel_cmdline": "ap.apmask=0x0 ap.aqmask=0x0"
})";

/// What the targets reach: the host CPU, its kernel and user space.
struct Machine {
  arch::HostCpu* cpu = nullptr;
  driver::LinuxKernel* kernel = nullptr;
  driver::Session* session = nullptr;
  /// Run `script` in a new shell on the host; its status (output goes to `out`).
  int sh(const std::string& script, std::string* out = nullptr);
};

/// The machine of this process (valid while the fuzzing loop runs).
Machine& machine();

}  // namespace apsim::fuzz

/// Defined by each platform target: called once, on the software thread, after the host
/// booted and before the first input.
void fuzz_platform_setup(apsim::fuzz::Machine& m);
