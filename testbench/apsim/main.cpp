// testbench/apsim/main.cpp — the apsim command line.
//
//   apsim run SCRIPT [--lpar FILE.json] [--vcd FILE.vcd [--vcd-queues APQN,...] [--vcd-from T] [--vcd-to T]
//                    [--vcd-scope PATTERN,...] [--vcd-vcpus N]] [--mode cycle|fast] [--seed N]
//                    [--echo] [--stats] [--results FILE.json]
//   apsim shell [--lpar FILE.json] [--linux V] [--s390-tools R] [--seed N] [--record FILE]
//   apsim sweep SPEC.json --out DIR [--backend local|slurm|parallel] ... | --dry-run
//   apsim sweep collect DIR
//   apsim sweep run-task DIR ...                   (testbench/apsim/sweep_command.h)
//   apsim campaign isolation --instructions N [--guests G] [--seed S] [--mode fast|cycle] [--lpars L] [--jobs J]
//   apsim campaign faults [--seed S] [--rounds R] [--jobs J]   (testbench/apsim/campaign_*.h)
//   apsim --version
//
// Our own main() (as VCML does) so that the SystemC banner can be switched off before the
// kernel prints it; it hands over to sc_elab_and_sim(), which calls sc_main().
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include <systemc>

#include "testbench/apsim/campaign_faults.h"
#include "testbench/apsim/campaign_isolation.h"
#include "testbench/apsim/run_command.h"
#include "testbench/apsim/run_info.h"
#include "testbench/apsim/shell_command.h"
#include "testbench/apsim/sweep_command.h"
#include "testbench/apsim/sweep_task.h"

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
  run->add_option("--vcd", ro.vcd, "write a VCD of the hardware signals to FILE, and a GTKWave layout for it (FILE with .gtkw)");
  run->add_option("--vcd-queues", ro.vcd_queues, "with --vcd: trace these queues' occupancy each (CARD.DOMAIN,..., hex)");
  run->add_option("--vcd-from", ro.vcd_from, "with --vcd: write from this simulated time on (1.5ms, 200us, 10ns, 123ps)");
  run->add_option("--vcd-to", ro.vcd_to, "with --vcd: write up to this simulated time (after --vcd-from)");
  run->add_option("--vcd-scope", ro.vcd_scope,
                  "with --vcd: only the signals whose names match a glob (card06.*,cpu.*; a scope name keeps its signals)");
  auto* vcd_vcpus = run->add_option("--vcd-vcpus", ro.vcd_vcpus,
                  "with --vcd: trace this many guest vCPUs, the first to run (cpu.vcpuK; 0 to 4096, default 8)");
  run->add_option("--mode", ro.mode, "cycle: Verilated RTL mask check; fast: C++ reference check")
      ->check(CLI::IsMember({"cycle", "fast"}));
  auto* seed = run->add_option("--seed", ro.seed, "seed for uuidgen and workloads");
  run->add_flag("--echo", ro.echo, "print each command after a prompt, as a terminal session shows it");
  run->add_flag("--stats", ro.stats, "print simulator statistics on stderr at the end");
  run->add_option("--linux", ro.linux_version, "the Linux release of the host and its guests: 6.1 (default) or 7.3");
  run->add_option("--s390-tools", ro.s390_tools,
                  "the s390-tools release of their user space (lszcrypt, ap-check): 2.25 or 2.43; default: the kernel's era");
  run->add_option("--results", ro.results, "write the run's result (apbench's figures, version, machine) to FILE as JSON");

  apsim::tb::ShellCommandOptions sho;
  CLI::App* shell = app.add_subcommand("shell", "an interactive session on the simulated host (readline; Ctrl-C, Ctrl-D)");
  shell->add_option("--lpar", sho.lpar, "LPAR config (JSON); default: the seed 001 LPAR");
  shell->add_option("--linux", sho.linux_version, "the Linux release of the host and its guests: 6.1 (default) or 7.3");
  shell->add_option("--s390-tools", sho.s390_tools, "the s390-tools release: 2.25 or 2.43; default: the kernel's era");
  shell->add_option("--seed", sho.seed, "seed for uuidgen, workloads and $RANDOM");
  shell->add_option("--record", sho.record, "write the session to FILE as a script that `apsim run FILE --echo` replays");
  shell->add_option("--mode", sho.mode, "cycle: Verilated RTL mask check; fast: C++ reference check")
      ->check(CLI::IsMember({"cycle", "fast"}));

  apsim::tb::SweepOptions so;
  CLI::App* sweep = app.add_subcommand("sweep", "run a parameter grid, one apsim process per point; CSV and plots");
  sweep->require_subcommand(0, 1);
  sweep->add_option("spec", so.spec, "sweep spec (JSON, docs/sweeps.md)");
  sweep->add_option("--out", so.out, "run directory (required unless --dry-run); rerun into it to resume");
  sweep->add_flag("--dry-run", so.dry_run, "check the spec and list its points; write and run nothing");
  sweep->add_option("--backend", so.backend, "local (this machine), slurm (a job array) or parallel (GNU parallel)")
      ->check(CLI::IsMember({"local", "slurm", "parallel"}));
  sweep->add_option("--jobs", so.jobs, "local: points side by side (default 1); parallel: its --jobs; slurm: tasks at once (%N)")
      ->check(CLI::Range(1u, 4096u));
  sweep->add_option("--retries", so.retries, "run a failed point up to N more times")->check(CLI::Range(0u, 100u));
  sweep->add_option("--points-per-task", so.slurm.points_per_task, "slurm, parallel: points one task runs one after the other")
      ->check(CLI::Range(1u, 100000u));
  sweep->add_option("--partition", so.slurm.partition, "slurm: sbatch --partition (wins over the spec's slurm.partition)");
  sweep->add_option("--time", so.slurm.time, "slurm: sbatch --time, per array task");
  sweep->add_option("--mem", so.slurm.mem, "slurm: sbatch --mem, per array task");
  sweep->add_option("--account", so.slurm.account, "slurm: sbatch --account");
  sweep->add_flag("--no-wait", so.no_wait, "slurm: return once the job array is submitted");
  sweep->add_option("--sshlogin", so.sshlogin, "parallel: GNU parallel's --sshlogin list, e.g. 4/node1,4/node2,:");
  std::string collect_dir;
  CLI::App* collect = sweep->add_subcommand("collect", "show a sweep's progress and gather its finished points");
  collect->add_option("dir", collect_dir, "the sweep's run directory")->required();
  apsim::tb::TaskOptions to;
  CLI::App* task = sweep->add_subcommand("run-task", "run points of a prepared sweep directory here (what the backends start)");
  task->add_option("dir", to.dir, "the sweep's run directory")->required();
  auto* points = task->add_option("--points", to.points, "the points: N, N-M, comma-separated");
  auto* list = task->add_option("--task-list", to.task_list, "a file whose line K lists the points of task K");
  points->excludes(list);
  task->add_option("--task", to.task, "K (default: $SLURM_ARRAY_TASK_ID)")->needs(list);
  task->add_option("--retries", to.retries, "run a failed point up to N more times")->check(CLI::Range(0u, 100u));
  task->add_option("--timeout", to.timeout_s, "seconds per attempt")->check(CLI::Range(1u, 86400u));

  CLI::App* campaign = app.add_subcommand("campaign", "hostile-input campaigns: guest isolation, faults with requests in flight");
  campaign->require_subcommand(1);
  apsim::tb::IsolationOptions io;
  CLI::App* isolation = campaign->add_subcommand(
      "isolation", "random guest AP instructions across random LPARs and matrices, each checked for a breach");
  isolation->add_option("--instructions", io.instructions, "guest instructions in all")
      ->required()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  isolation->add_option("--guests", io.guests, "guests per LPAR (default: 3..16 at random)")->check(CLI::Range(3u, 16u));
  isolation->add_option("--seed", io.seed, "seed of the LPARs, matrices and instructions");
  isolation->add_option("--mode", io.mode, "fast: C++ reference APCB check; cycle: the Verilated RTL")
      ->check(CLI::IsMember({"cycle", "fast"}));
  isolation->add_option("--lpars", io.lpars, "random LPARs, one process each (default: one per 5 million instructions)")
      ->check(CLI::Range(1u, 1000u));
  isolation->add_option("--jobs", io.jobs, "LPAR processes at once (default 1)")->check(CLI::Range(1u, 256u));
  isolation->add_flag("--plant-mutant", io.plant_mutant,
                      "negative control: KVM writes guest1 an APCB that also grants guest2's queues; breaches must follow");
  apsim::tb::FaultOptions fo;
  CLI::App* faults = campaign->add_subcommand(
      "faults", "every fault kind while guests and the host have requests in flight; every request must end once");
  faults->add_option("--seed", fo.seed, "seed of the fault times, targets and workloads");
  faults->add_option("--rounds", fo.rounds, "rounds of every fault kind (default 1)")->check(CLI::Range(1u, 1000u));
  faults->add_option("--jobs", fo.jobs, "fault processes at once (default 1)")->check(CLI::Range(1u, 256u));
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
  if (shell->parsed()) return apsim::tb::run_shell(sho);
  if (isolation->parsed()) return apsim::tb::run_isolation_campaign(io);
  if (faults->parsed()) return apsim::tb::run_fault_campaign(fo);
  if (collect->parsed()) return apsim::tb::collect_sweep(collect_dir);
  if (task->parsed()) {
    if (to.points.empty() && to.task_list.empty()) {
      std::cerr << "apsim sweep run-task: --points or --task-list is required\n";
      return 2;
    }
    return apsim::tb::run_sweep_task(to);
  }
  if (sweep->parsed()) {
    if (so.spec.empty()) {
      std::cerr << "apsim sweep: a spec file is required (or: apsim sweep collect DIR)\n" << sweep->help();
      return 2;
    }
    return apsim::tb::run_sweep(so);
  }
  if (!run->parsed()) {
    std::cerr << app.help();
    return 2;
  }
  ro.seed_given = seed->count() > 0;
  ro.vcd_vcpus_given = vcd_vcpus->count() > 0;
  return apsim::tb::run_scenario(ro);
}
