// testbench/apsim/run_command.h — `apsim run`: one scenario script on one simulated LPAR.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "sc/lpar_config.h"

namespace apsim::sc {
class Platform;
}
namespace apsim::driver {
struct LinuxProfile;
struct S390ToolsRelease;
class Session;
}  // namespace apsim::driver

namespace apsim::tb {

struct RunOptions {
  std::string script;     ///< path of the scenario script
  std::string lpar;       ///< LPAR config JSON ("" = directive in the script, else the default LPAR)
  std::string vcd;        ///< VCD output path ("" = none); its GTKWave layout goes beside it
  /// --vcd-queues: APQNs ("05.0004,06.00ab", hex as lszcrypt writes them) whose queue
  /// occupancy is traced each on its own ("" = none: only each adapter's total).
  std::string vcd_queues;
  /// --vcd-from / --vcd-to: the VCD's time window ("1.5ms", "200us"; "" = the start / the end
  /// of the run), --vcd-scope: glob patterns on the signals' names ("card06.*,cpu.*"; "" =
  /// every signal).  testbench/apsim/vcd_options.h, sc/vcd_writer.h.
  std::string vcd_from, vcd_to, vcd_scope;
  /// --vcd-vcpus: how many guest vCPUs get cpu.vcpuK signals ("" = 8; "0".."4096";
  /// testbench/apsim/vcd_options.h parse_vcd_vcpus, sc/cpu.h CpuModel::set_vcpu_wave_slots).
  std::string vcd_vcpus;
  bool vcd_vcpus_given = false;  ///< --vcd-vcpus was on the command line ("" then is an error)
  std::string mode = "cycle";
  uint64_t seed = 1;
  bool seed_given = false;
  bool echo = false;      ///< print each command after a prompt
  bool stats = false;     ///< print simulator statistics to stderr at the end
  std::string linux_version;  ///< --linux ("" = the LPAR config's "linux", else 6.1)
  /// --s390-tools ("" = the LPAR config's "s390_tools", else the release of the kernel's era)
  std::string s390_tools;
  /// Write the run's result here as JSON ("" = none): apsim's version and commit, the machine,
  /// the options, the exit status, the simulated time and every apbench run's parameters and
  /// figures (driver/userspace/apbench.h), as data — `apsim sweep` reads it (docs/sweeps.md).
  std::string results;
  /// The script is a recorded `apsim shell` session (its `# apsim: --interactive` line): the
  /// shell's diagnostics are an interactive login shell's ("-bash: ...").
  bool interactive = false;
};

/// What `apsim run` and `apsim shell` share: the LPAR config and the releases.
struct HostSetup {
  sc::LparConfig cfg;
  const driver::LinuxProfile* profile = nullptr;
  const driver::S390ToolsRelease* tools = nullptr;
};
/// Load the LPAR config ("" = the default LPAR) and resolve the Linux and s390-tools
/// releases (an option, else the LPAR's field, else the default); "" or the error.
std::string prepare_host(const std::string& lpar, const std::string& linux_version, const std::string& s390_tools,
                         uint64_t seed, HostSetup& out);
/// Boot the host Linux on the platform's CPU (apsim-inject installed) and run `body` on its
/// user space; `status` is body's result, or 70 after an internal error.
void run_on_host(sc::Platform& platform, const HostSetup& setup, uint64_t seed,
                 const std::function<int(driver::Session&)>& body, int& status);

/// Run the scenario; returns the script's exit status, or 2 for bad input (printed on
/// stderr: a file argument that cannot be read or written is named with the reason, before
/// anything runs), or 70 for an internal error (also when the results file cannot be
/// written at the end).
/// With `results`, the file is written in every case but a crash.
int run_scenario(const RunOptions& opts);

}  // namespace apsim::tb
