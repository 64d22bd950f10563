// sc/ap_queue.h — one AP queue (one usage domain of one adapter) as data.
//
// Queues are data, not SystemC processes: an LPAR of 256 adapters x 256 domains holds
// 65536 of them, and only the adapter's completion method ever runs.  A queue has `slots`
// entries; an entry is occupied from the NQAP that enqueues a request until the DQAP that
// takes its reply off (waiting for an engine, in service, or reply pending).  NQAP is
// refused with RC 0x10 exactly when every slot is occupied (ap-facility-spec.md §1.5).
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "arch/ap_registers.h"

namespace apsim::sc {

/// A request or reply message held by a queue.
struct ApMessage {
  uint64_t psmid = 0;
  std::vector<uint8_t> bytes;
  uint64_t service_ps = 0;   ///< request: firmware service time of the computed reply
};

struct ApQueue {
  unsigned slots = 8;               ///< capacity in entries (QD or QD+1, see CexAdapter)
  std::deque<ApMessage> requests;   ///< accepted, waiting for a processing engine
  unsigned in_service = 0;          ///< on an engine now
  std::deque<ApMessage> replies;    ///< completed, waiting for DQAP
  uint32_t reply_offset = 0;        ///< bytes of replies.front() already dequeued (partial DQAP)
  uint64_t generation = 0;          ///< bumped by a reset: in-service work of an older generation is discarded
  uint64_t reset_done_ps = 0;       ///< RC 0x02 (reset in progress) while now < reset_done_ps

  // AQIC state
  bool irq_enabled = false;
  arch::AqicControl aqic{};
  uint64_t nib_addr = 0;

  unsigned occupancy() const {
    return static_cast<unsigned>(requests.size() + replies.size()) + in_service;
  }
  bool full() const { return occupancy() >= slots; }

  /// The status word as the queue's state says it, with response code `rc`.
  arch::ApQueueStatus status(uint8_t rc) const {
    arch::ApQueueStatus s;
    s.queue_empty = occupancy() == 0;
    s.replies_waiting = !replies.empty();
    s.queue_full = full();
    s.irq_enabled = irq_enabled;
    s.response_code = rc;
    return s;
  }

  /// RAPQ/ZAPQ: discard queued requests and pending replies, disable interruptions.
  void reset() {
    requests.clear();
    replies.clear();
    reply_offset = 0;
    in_service = 0;
    ++generation;
    irq_enabled = false;
    aqic = {};
    nib_addr = 0;
  }
};

}  // namespace apsim::sc
