// sc/ap_queue.h — one AP queue (one usage domain of one adapter) as data.
//
// Queues are data, not SystemC processes: an LPAR of 256 adapters x 256 domains holds
// 65536 of them, and only the adapter's completion method ever runs.  A queue has `slots`
// entries; an entry is occupied from the NQAP that enqueues a request (its first part, for a
// multi-part message) until the DQAP that takes its reply off (open multi-part message,
// waiting for an engine, in service, or reply pending).  NQAP is refused with RC 0x10
// exactly when every slot is occupied (ap-facility-spec.md §1.5).
//
// Asynchronous state changes are kept as "done at" times in picoseconds and settled lazily
// by the adapter (settle()) before every access: RAPQ/ZAPQ run until reset_done_ps, an AQIC
// enable or disable takes effect at aqic_done_ps (docs/ap-instructions.md).
#pragma once

#include <cstdint>
#include <vector>

#include "arch/ap_registers.h"
#include "arch/fifo.h"

namespace apsim::sc {

/// A request or reply message held by a queue.
struct ApMessage {
  uint64_t psmid = 0;
  std::vector<uint8_t> bytes;
  uint64_t service_ps = 0;   ///< request: the firmware's mean service time of the computed reply
  uint8_t op = 0;            ///< request: its firmware::Operation (index of the distribution)
  /// The service time actually drawn when an engine took it (ps; = service_ps when deterministic).
  uint64_t drawn_ps = 0;
  /// Hardware timestamps in ps for the probe (sc/ap_probe.h): NQAP accepted, engine start,
  /// engine finish.
  uint64_t t_enqueue_ps = 0, t_start_ps = 0, t_finish_ps = 0;
};

struct ApQueue {
  unsigned slots = 8;               ///< capacity in entries (QD or QD+1, see CexAdapter)
  arch::Fifo<ApMessage> requests;   ///< accepted, waiting for a processing engine (arch/fifo.h)
  unsigned in_service = 0;          ///< on an engine now
  arch::Fifo<ApMessage> replies;    ///< completed, waiting for DQAP
  uint32_t reply_offset = 0;        ///< bytes of replies.front() already dequeued (partial DQAP)
  uint64_t generation = 0;          ///< bumped by a reset: in-service work of an older generation is discarded
  uint64_t reset_done_ps = 0;       ///< RC 0x02 (reset in progress) while now < reset_done_ps

  // Multi-part NQAP (GR0 bit 33 = 0): the parts taken so far of the one open message.
  bool open = false;                ///< a multi-part message is being collected (holds a slot)
  uint64_t open_psmid = 0;          ///< PSMID of its first part; later parts must carry it
  std::vector<uint8_t> open_bytes;  ///< its bytes so far

  // AQIC state: what TAPQ reports, and a change on its way.
  bool irq_enabled = false;
  arch::AqicControl aqic{};
  uint64_t nib_addr = 0;
  bool aqic_pending = false;        ///< an enable/disable is in progress (RC 0x05 to another AQIC)
  uint64_t aqic_done_ps = 0;        ///< when it takes effect
  bool aqic_next_enabled = false;   ///< the state it sets
  arch::AqicControl aqic_next{};
  uint64_t aqic_next_nib = 0;

  unsigned occupancy() const {
    return static_cast<unsigned>(requests.size() + replies.size()) + in_service + (open ? 1u : 0u);
  }
  bool full() const { return occupancy() >= slots; }

  /// Apply what has become true by `now_ps` (an AQIC taking effect).
  void settle(uint64_t now_ps) {
    if (aqic_pending && now_ps >= aqic_done_ps) {
      aqic_pending = false;
      irq_enabled = aqic_next_enabled;
      aqic = aqic_next_enabled ? aqic_next : arch::AqicControl{};
      nib_addr = aqic_next_enabled ? aqic_next_nib : 0;
    }
  }

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

  /// RAPQ/ZAPQ (and losing the adapter: deconfigure, checkstop): discard queued requests,
  /// the work in service, pending replies and an open multi-part message; interruptions off,
  /// an AQIC in progress cancelled.
  void reset() {
    requests.clear();
    replies.clear();
    reply_offset = 0;
    in_service = 0;
    ++generation;
    open = false;
    open_psmid = 0;
    open_bytes.clear();
    irq_enabled = false;
    aqic = {};
    nib_addr = 0;
    aqic_pending = false;
  }
};

}  // namespace apsim::sc
