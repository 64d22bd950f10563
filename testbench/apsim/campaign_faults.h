// testbench/apsim/campaign_faults.h — `apsim campaign faults` (placeholder until written).
#pragma once
#include <cstdint>
namespace apsim::tb {
struct FaultOptions {
  uint64_t seed = 1;
  unsigned rounds = 1;
  unsigned jobs = 1;
};
int run_fault_campaign(const FaultOptions& opts);
}  // namespace apsim::tb
