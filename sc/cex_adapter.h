// sc/cex_adapter.h — a Crypto Express (CEX4..CEX8) adapter on the AP bus.
//
// The adapter is a TLM-2.0 target.  It owns one AP queue per usage domain of the LPAR
// (data, sc/ap_queue.h) and `engines` processing engines.  Requests are served in arrival
// order across its queues; an engine computes the reply with the firmware (real RSA
// arithmetic) and holds it for the firmware's service time, then the reply lands on its
// queue's reply list and, if the queue has interruptions enabled (AQIC), the notification
// byte is set and an adapter interruption is raised.  Only one SC_METHOD exists per
// adapter and it runs only when an engine finishes: an idle adapter costs no wall time.
//
// Source of the behaviour: ap-facility-spec.md §1.5 (response codes), §2.1 (TAPQ info),
// §6 (interruptions).  Timing: TimingTable::adapter_* (adapter clock), and
// firmware::ServiceTimeTable for the cryptographic work.
#pragma once

#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "arch/ap_mask.h"
#include "firmware/cex_firmware.h"
#include "firmware/service_time.h"
#include "sc/ap_bus_protocol.h"
#include "sc/ap_queue.h"
#include "sc/main_storage.h"
#include "sc/timing.h"

namespace apsim::sc {

/// Receives adapter interruptions (the CPU's interruption logic).
class AdapterInterruptSink {
 public:
  virtual ~AdapterInterruptSink() = default;
  /// An AP queue with interruptions enabled has a reply: `ctl` is the AQIC control the queue
  /// was enabled with (isc, and for a guest gisa/gisc).
  virtual void adapter_interrupt(const arch::AqicControl& ctl) = 0;
};

/// Static description of one adapter, from the LPAR config.
struct CexAdapterConfig {
  uint8_t apid = 0;
  unsigned generation = 5;  ///< 4..8 (CEX4..CEX8); raw TAPQ type = generation + 6
  firmware::AdapterProfile::Mode mode = firmware::AdapterProfile::Mode::cca;
  unsigned engines = 1;     ///< processing engines working in parallel
  uint8_t qd = 8;           ///< the TAPQ QD field (observed raw 8 on CEX7/CEX8, spec §2.1)
  /// Slots per queue = QD + 1 when true (the reading of commit 3317785a8803: "0-7 for 1-8
  /// queue spaces"), QD when false.  The public sources disagree; see spec §2.1.
  bool qd_plus_one_slots = true;
  uint8_t nd = 255;         ///< TAPQ Nd field: highest domain number the adapter has
  bool apxa = true;         ///< the LPAR has APXA: N bit in the facility word
};

class CexAdapter : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(CexAdapter);
  tlm_utils::simple_target_socket<CexAdapter> socket;

  CexAdapter(sc_core::sc_module_name name, const CexAdapterConfig& cfg, const arch::ApMask& usage_domains,
             const TimingTable& timing, const firmware::ServiceTimeTable& service, MainStorage& storage);

  void set_interrupt_sink(AdapterInterruptSink* sink) { irq_sink_ = sink; }
  const CexAdapterConfig& config() const { return cfg_; }
  const firmware::AdapterProfile& profile() const { return profile_; }

  /// The TAPQ info word of this adapter's queues (spec §2.1).
  uint64_t tapq_info() const { return info_.pack(); }
  /// Upper 32 bits of the info word (sysfs ap_functions).
  uint32_t functions() const { return info_.functions; }

  /// SCLP configure/deconfigure (the card's `config` attribute) and checkstop injection.
  void set_configured(bool on);
  void set_checkstopped(bool on);
  bool configured() const { return configured_; }
  bool checkstopped() const { return checkstopped_; }

  // Statistics and traceable state.
  uint64_t requests_completed() const { return completed_; }
  unsigned busy_engines() const { return busy_engines_; }
  unsigned occupancy() const { return occupancy_; }
  void trace(sc_core::sc_trace_file* tf);

 private:
  struct Completion {
    uint64_t done_ps;
    uint8_t apqi;
    uint64_t generation;
    ApMessage reply;
    bool operator>(const Completion& o) const { return done_ps > o.done_ps; }
  };

  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void do_nqap(ApQueue& q, uint8_t apqi, ApCommand& cmd, tlm::tlm_generic_payload& gp, uint64_t now_ps);
  void do_dqap(ApQueue& q, ApCommand& cmd, tlm::tlm_generic_payload& gp);
  void do_aqic(ApQueue& q, ApCommand& cmd);
  void start_engines(uint64_t now_ps);
  void on_completion();
  void update_signals();
  uint8_t queue_rc(const ApQueue& q, uint64_t now_ps) const;

  CexAdapterConfig cfg_;
  firmware::AdapterProfile profile_;
  arch::TapqInfo info_;
  const TimingTable& timing_;
  const firmware::ServiceTimeTable& service_;
  MainStorage& storage_;
  AdapterInterruptSink* irq_sink_ = nullptr;

  std::vector<std::unique_ptr<ApQueue>> queues_;  ///< index APQI; null = not a usage domain of the LPAR
  std::deque<uint8_t> arrival_;                   ///< APQIs of waiting requests, in arrival order
  std::priority_queue<Completion, std::vector<Completion>, std::greater<Completion>> in_flight_;
  sc_core::sc_event completion_event_;
  unsigned busy_engines_ = 0;
  unsigned occupancy_ = 0;  ///< sum of all queues' occupancy
  uint64_t completed_ = 0;
  bool configured_ = true;
  bool checkstopped_ = false;

  bool tracing_ = false;
  // Written by the CPU thread (NQAP/DQAP) and by the completion method: many writers.
  sc_core::sc_signal<unsigned, sc_core::SC_MANY_WRITERS> sig_busy_{"busy_engines"};
  sc_core::sc_signal<unsigned, sc_core::SC_MANY_WRITERS> sig_occupancy_{"occupancy"};
};

}  // namespace apsim::sc
