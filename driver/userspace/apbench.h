// driver/userspace/apbench.h — apbench's result as data, for the program that hosts the
// simulation (`apsim run --results FILE.json`, testbench/apsim/run_command.cpp): not a
// part of the simulated system, whose programs only print.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace apsim::driver {

/// One figure of an apbench run: its key (as in the `--report kv` line), its value, and the
/// decimals the kv line prints it with.
struct ApbenchFigure {
  std::string key;
  double value = 0;
  int decimals = 3;
};

/// What one apbench run did and measured: the parameters it ran with (op, apqns, guests,
/// requests, inflight, mode, rate, as text) and its figures (completed, failed, wrong, sim_ms,
/// throughput, lat_{mean,min,p50,p99,max}_us and, with the hardware probe, each stage's
/// {mean,p50,p99}_us), in simulated time.
struct ApbenchResult {
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<ApbenchFigure> figures;
};

/// Called at the end of every apbench run in this process that sent its requests — on the
/// host or in a guest, with failed or wrong requests or not — with its result (a run refused
/// before sending, e.g. for an APQN that is not there, reports nothing); an empty function
/// (the default) = nobody listens.
void set_apbench_result_sink(std::function<void(const ApbenchResult&)> sink);

}  // namespace apsim::driver
