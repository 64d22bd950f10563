// sc/ap_watch.h — a watch on the adapters' queues: every AP instruction that reached a queue
// and every interruption an adapter raised, as the hardware saw them, for the testbench's
// isolation campaign (testbench/apsim/campaign_isolation.h).  It decides nothing: the
// campaign compares what reached the adapters with the matrices it meant to give each
// guest, independently of the SIE unit's mask check it is testing.
// Platform::set_watch() installs one watch on every adapter; the adapter calls it from inside
// the instruction's bus transaction (on the issuing CPU thread, after the queue answered) and
// from its completion method (interruptions).
#pragma once

#include <cstdint>

#include "sc/ap_fabric_protocol.h"

namespace apsim::sc {

/// One AP instruction as the adapter saw it, after it answered.
struct ApQueueAccess {
  uint16_t apqn = 0;               ///< APID << 8 | APQI
  ApFunction function = ApFunction::TAPQ;
  uint8_t response_code = 0;       ///< what the queue answered
  uint64_t psmid = 0;              ///< NQAP: the request's PSMID; DQAP: the reply's (if any)
  const uint8_t* data = nullptr;   ///< NQAP: the message; DQAP: the reply bytes placed
  uint32_t len = 0;                ///< their length in bytes (DQAP: 0 when no reply was taken)
};

class ApQueueWatch {
 public:
  virtual ~ApQueueWatch() = default;
  /// An instruction reached a queue (also one of a domain that is not a usage domain: the
  /// adapter answered it RC 0x01).  Not called for SCLP configure/deconfigure.
  virtual void queue_access(const ApQueueAccess& access) = 0;
  /// The adapter raised an interruption for queue `apqn`, enabled with GISA origin >> 4
  /// `gisa` (0: the host's ISC).
  virtual void interruption(uint16_t apqn, uint32_t gisa) = 0;
};

}  // namespace apsim::sc
