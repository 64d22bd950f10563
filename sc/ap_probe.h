// sc/ap_probe.h — a probe on the adapters: the hardware's timestamps of each request, for
// the testbench.  Kernel-free (no SystemC include): the testbench and benchmarks use it
// without the simulator's headers, and the message bytes never carry it (the seam between
// driver and hardware stays the architected one).
//
// The CEX adapter reports a request once, when the DQAP that takes the last byte of its reply
// has been answered.  Times are simulated picoseconds:
//   enqueue_ps  the adapter accepted the NQAP (the message is on the queue)
//   start_ps    a processing engine took it (queue wait = start - enqueue)
//   finish_ps   the engine finished; the reply is on the queue (service = finish - start)
//   dequeue_ps  the DQAP that took the reply off (reply wait = dequeue - finish)
// and what the adapter is: its engines, the firmware's mean service time of the request
// (before the draw from the distribution) and the distribution's shape.
// Platform::set_probe() installs one probe on every adapter; it is called from inside the
// DQAP's bus transaction, on the CPU's thread, before the instruction completes.
#pragma once

#include <cstdint>

namespace apsim::sc {

struct ApRequestTrace {
  uint16_t apqn = 0;        ///< APID << 8 | APQI
  uint64_t psmid = 0;
  uint64_t enqueue_ps = 0;
  uint64_t start_ps = 0;
  uint64_t finish_ps = 0;
  uint64_t dequeue_ps = 0;
  uint64_t service_mean_ps = 0;       ///< the firmware's mean for this request (firmware/service_time.h)
  unsigned engines = 0;               ///< the adapter's processing engines
  const char* service_shape = "";     ///< the distribution's shape (static string)
  double service_cv = 0;              ///< its coefficient of variation
};

class ApProbe {
 public:
  virtual ~ApProbe() = default;
  /// One request's reply was dequeued.
  virtual void request_done(const ApRequestTrace& trace) = 0;
};

}  // namespace apsim::sc
