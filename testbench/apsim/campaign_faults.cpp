#include "testbench/apsim/campaign_faults.h"
namespace apsim::tb {
int run_fault_campaign(const FaultOptions&) { return 70; }
}  // namespace apsim::tb
