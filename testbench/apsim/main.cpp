// testbench/apsim/main.cpp — the apsim command line.
//
//   apsim run SCRIPT [--lpar FILE.json] [--vcd FILE.vcd] [--mode cycle|fast] [--seed N]
//                    [--echo] [--stats] [--results FILE.json]
//   apsim sweep SPEC.json --out DIR [--jobs N] | --dry-run   (testbench/apsim/sweep_command.h)
//   apsim --version
//
// Our own main() (as VCML does) so that the SystemC banner can be switched off before the
// kernel prints it; it hands over to sc_elab_and_sim(), which calls sc_main().
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include <systemc>

#include "testbench/apsim/run_command.h"
#include "testbench/apsim/run_info.h"
#include "testbench/apsim/sweep_command.h"

int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}

int sc_main(int argc, char** argv) {
  CLI::App app{"apsim: a cycle-accurate simulator of the IBM Z AP crypto facility and vfio_ap", "apsim"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "print apsim's version and commit");
  apsim::tb::RunOptions ro;
  CLI::App* run = app.add_subcommand("run", "run a scenario script against a simulated LPAR");
  run->add_option("script", ro.script, "scenario script (bash subset)")->required();
  run->add_option("--lpar", ro.lpar, "LPAR config (JSON); default: the script's '# apsim: --lpar' line, else the seed 001 LPAR");
  run->add_option("--vcd", ro.vcd, "write a VCD of the hardware signals to FILE");
  run->add_option("--mode", ro.mode, "cycle: Verilated RTL mask check; fast: C++ reference check")
      ->check(CLI::IsMember({"cycle", "fast"}));
  auto* seed = run->add_option("--seed", ro.seed, "seed for uuidgen and workloads");
  run->add_flag("--echo", ro.echo, "print each command after a prompt, as a terminal session shows it");
  run->add_flag("--stats", ro.stats, "print simulator statistics on stderr at the end");
  run->add_option("--results", ro.results, "write the run's result (apbench's figures, version, machine) to FILE as JSON");
  apsim::tb::SweepOptions so;
  CLI::App* sweep = app.add_subcommand("sweep", "run a parameter grid, one apsim process per point; CSV and plots");
  sweep->add_option("spec", so.spec, "sweep spec (JSON, docs/sweeps.md)")->required();
  sweep->add_option("--out", so.out, "output directory (required unless --dry-run)");
  sweep->add_flag("--dry-run", so.dry_run, "validate the spec and list its points; write and run nothing");
  sweep->add_option("--jobs", so.jobs, "points run side by side")->check(CLI::Range(1u, 64u));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (version) {
    const auto b = apsim::tb::apsim_build_info();
    std::cout << "apsim " << b["version"].get<std::string>() << " (commit " << b["commit"].get<std::string>()
              << (b["dirty"].get<bool>() ? ", with uncommitted changes" : "") << ")\n";
    return 0;
  }
  if (sweep->parsed()) return apsim::tb::run_sweep(so);
  if (!run->parsed()) {
    std::cerr << app.help();
    return 2;
  }
  ro.seed_given = seed->count() > 0;
  return apsim::tb::run_scenario(ro);
}
