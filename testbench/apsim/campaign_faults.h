// testbench/apsim/campaign_faults.h — `apsim campaign faults`: every fault kind while the host
// and several guests have requests in flight, and the accounting of every request.
//
// Each run (one per fault kind and round, each in a process of its own, campaign_process.h) is
// the default LPAR (05 CEX5C, 06 CEX5A; domains 04, 47, ab, ff) with vfio_ap giving domain 04 to
// guest1, ab to guest2 and ff to guest3 (the setup runs as an administrator's commands through
// the session's shell), and a workload of type-50 requests submitted through each kernel's
// zcrypt and AP bus — the host on 05.0047 and 06.0047, guest1 on 05.0004, guest2 on 06.00ab,
// guest3 on 05.00ff and 06.00ff, 24 requests per APQN, 4 in flight — while the host CPU
// sleeps for the adapters' interruptions and runs every kernel's AP bus.  At a random moment
// with requests in flight one fault lands:
//   checkstop      card 06 checkstops (the machine; apsim-inject chkstop)
//   deconfigure    echo 0 > /sys/bus/ap/devices/card06/config
//   hmc-remove     the HMC takes adapter 06 out of the LPAR (apsim-inject lpar remove adapter)
//   zapq / rapq    the host zeroizes / resets guest2's queue 06.00ab behind its back
//   queue-full     the host fills guest1's queue 05.0004 with requests of its own (raw NQAPs)
//   apmask         echo -6 > /sys/bus/ap/apmask (06.0047 leaves the host's zcrypt)
//   guest-shutdown guest2 powers off (its QEMU ends)
//   host-reboot    the host reboots (every guest ends)
// Then the run goes on until every request sent has ended or a watchdog of 2 s of simulated
// time has passed.  Checked: each request ends exactly once (an ApMessageReq completes once:
// completed + failed = sent; no PSMID twice on a queue of one kernel's life); nothing is left
// (lost = sent - ended); the lanes the fault does not touch complete every request.
#pragma once

#include <cstdint>

namespace apsim::tb {

struct FaultOptions {
  uint64_t seed = 1;
  unsigned rounds = 1;  ///< runs of each fault kind, each with its own random fault time
  unsigned jobs = 1;    ///< runs at once
};

/// Run the campaign and print one line per run and the total
/// `faults: N requests, C completed, F failed, L lost, D duplicated`.  Exit status 0 when
/// nothing is lost or duplicated and every untouched lane completed; 1 otherwise; 70 when a
/// run's process failed.
int run_fault_campaign(const FaultOptions& opts);

}  // namespace apsim::tb
