// testbench/apsim/run_command.cpp — builds the LPAR, boots the host Linux on its CPU and
// runs the scenario shell.
#include "testbench/apsim/run_command.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <systemc>

#include "driver/kernel.h"
#include "driver/shell.h"
#include "sc/lpar_config.h"
#include "sc/platform.h"

namespace apsim::tb {

namespace {

// "# apsim: --lpar FILE --seed N" lines at the top of a script choose its defaults; paths
// are relative to the script.
void read_directives(const std::string& text, const std::string& script, RunOptions& ro) {
  std::istringstream in(text);
  std::string line;
  const std::string dir = script.find('/') == std::string::npos ? "." : script.substr(0, script.rfind('/'));
  while (std::getline(in, line)) {
    if (line.rfind("# apsim:", 0) != 0) continue;
    std::istringstream words(line.substr(8));
    std::string w;
    while (words >> w) {
      std::string v;
      if (w == "--lpar" && words >> v && ro.lpar.empty()) ro.lpar = v[0] == '/' ? v : dir + "/" + v;
      else if (w == "--seed" && words >> v && !ro.seed_given) ro.seed = std::strtoull(v.c_str(), nullptr, 0);
    }
  }
}

}  // namespace

int run_scenario(const RunOptions& opts) {
  using namespace sc_core;
  RunOptions ro = opts;
  std::ifstream in(ro.script);
  if (!in) {
    std::cerr << "apsim: " << ro.script << ": cannot read the script\n";
    return 2;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  read_directives(text, ro.script, ro);

  sc::LparConfig cfg;
  try {
    cfg = ro.lpar.empty() ? sc::LparConfig::default_lpar() : sc::LparConfig::load(ro.lpar);
  } catch (const sc::LparConfigError& e) {
    std::cerr << "apsim: " << e.what() << "\n";
    return 2;
  }

  // Keep the transcript clean: no "simulation stopped" notice (main() drops the banner).
  sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);
  std::cout << std::unitbuf;

  sc::Platform platform(cfg, ro.mode == "fast" ? sc::SimMode::fast : sc::SimMode::cycle);
  if (!ro.vcd.empty()) platform.open_vcd(ro.vcd);
  int status = 0;
  const std::string name = ro.script;
  platform.run([&](arch::HostCpu& cpu) {
    try {
      driver::KernelOptions ko;
      ko.cmdline = cfg.kernel_cmdline;
      ko.seed = ro.seed;
      driver::LinuxKernel host(cpu, ko);
      host.boot();
      driver::ShellOptions so;
      so.script_name = name;
      so.echo_commands = ro.echo;
      driver::Shell shell(host, std::cout, std::cerr, so);
      status = shell.run_script(text);
    } catch (const std::exception& e) {
      std::cerr << "apsim: internal error: " << e.what() << "\n";
      status = 70;
    }
  });
  if (ro.stats) {
    const sc::CpuStats& s = platform.cpu().stats();
    std::cerr << "apsim: simulated " << sc_time_stamp().to_seconds() * 1e3 << " ms, " << s.instructions
              << " AP instructions, " << s.intercepts << " intercepts, " << s.program_interruptions
              << " program interruptions, " << s.sie_denied << " denied by the APCB check\n";
  }
  return status;
}

}  // namespace apsim::tb
