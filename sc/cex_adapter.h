// sc/cex_adapter.h — a Crypto Express (CEX4..CEX8) adapter on the AP fabric.
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
// firmware::ServiceTimeTable for the cryptographic work.  Every response code, its
// condition and the choices where the sources are silent: docs/ap-instructions.md.
//
// Adapter states (docs/ap-instructions.md "Adapter states"):
//   * configured and working: the queues answer as their state says;
//   * deconfigured (SCLP, the card's sysfs `config`): every function answers RC 0x03, TAPQ
//     with its info word; deconfiguring discards every queue's requests, work in service and
//     replies, and switches interruptions off; configuring again brings the queues back
//     empty and reset;
//   * checkstopped (a fault, injected by the testbench): every function answers RC 0x04,
//     TAPQ with its info word; the adapter loses all work as when deconfigured, and comes
//     back empty when the checkstop ends.
//   * not in the LPAR's configuration (HMC dynamic change, sc/hmc.h; LPAR "in_config":
//     false): every APQN answers RC 0x01 as for an absent adapter, also the SCLP command
//     (-ENODEV); removing it loses all work as deconfiguring does, adding it brings the queues
//     back empty.  Likewise a usage domain taken out of the configuration: its queue answers
//     RC 0x01 and loses its work.
// Not in the configuration takes precedence over every state below it.
// Deconfigured takes precedence over checkstopped, which takes precedence over a reset in
// progress (RC 0x02).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "arch/ap_mask.h"
#include "firmware/cex_firmware.h"
#include "firmware/service_time.h"
#include "sc/ap_fabric_protocol.h"
#include "sc/ap_probe.h"
#include "sc/ap_queue.h"
#include "sc/ap_watch.h"
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
  /// 4..8 (CEX4..CEX8): the firmware and service times of that generation.  The compatible
  /// device type QACT reports is generation + 6.
  unsigned generation = 5;
  /// Raw TAPQ device type (`at`, sysfs raw_hwtype); 0 = generation + 6 (CEX4 = 10 .. CEX8 =
  /// 14).  A type beyond CEX8 (the LPAR config's "CEX9" = 15, with generation 8) is mapped to
  /// a compatible type by PQAP(QACT) in the AP bus (spec §2.1).
  uint8_t device_type = 0;
  firmware::AdapterProfile::Mode mode = firmware::AdapterProfile::Mode::cca;
  /// Processing engines working in parallel; 0 = the card's default
  /// (firmware::default_engines: 1, sources there).
  unsigned engines = 0;
  /// The spread of each operation's service time around the firmware's mean, and the seed of
  /// this adapter's draws (the LPAR config's service_time; the platform mixes in the APID).
  firmware::ServiceDistributions service{};
  uint64_t service_seed = 1;
  /// The TAPQ QD field: 7, eight queue slots (commit 3317785a8803: "0-7 for 1-8 queue
  /// spaces").  The observations the spec reads as a raw 8 are lszcrypt's QDEPTH, which adds
  /// 1 to the sysfs `depth` up to s390-tools 2.40: "08" under kernels that show the raw QD 7,
  /// "09" under 6.19+ that show QD + 1 = 8 (docs/seed-errata.md).
  uint8_t qd = 7;
  /// Slots per queue = QD + 1 when true (the reading of commit 3317785a8803: "0-7 for 1-8
  /// queue spaces"), QD when false.  The public sources disagree; see spec §2.1.
  bool qd_plus_one_slots = true;
  /// TAPQ Nd field: highest domain number the adapter serves.  A usage domain of the LPAR
  /// above it still has a queue (TAPQ, DQAP, RAPQ, ZAPQ, AQIC work), but NQAP on it answers
  /// RC 0x42, invalid domain (docs/ap-instructions.md).
  uint8_t nd = 255;
  bool apxa = true;         ///< the LPAR has APXA: N bit in the facility word
  /// Facility bits M (4K-modulus ME) and C (4K-modulus CRT); unset = the default of the mode
  /// (accelerators on, coprocessors off; firmware/cex_firmware.h).  An accelerator without
  /// them refuses a 4096-bit request with RC 0x16 (firmware::supports).
  std::optional<bool> mex4k, crt4k;
  bool configured = true;   ///< SCLP state at power-on (false: standby, RC 0x03)
  /// In the LPAR's crypto configuration at activation (the QCI APM).  false: the card is in
  /// the machine (elaborated, as the card is in the CEC) but the LPAR may not use it until the
  /// HMC adds it (sc/hmc.h); until then every APQN of it answers RC 0x01.
  bool in_config = true;
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
  /// The adapter's firmware (per-domain master keys, RNG, type-50 memo).
  firmware::CexFirmware& firmware() { return *firmware_; }
  /// Report every dequeued request's timestamps to `probe` (nullptr: none).
  void set_probe(ApProbe* probe) { probe_ = probe; }
  /// Report every instruction that reaches a queue and every interruption to `watch`
  /// (sc/ap_watch.h; nullptr: none).
  void set_watch(ApQueueWatch* watch) { watch_ = watch; }

  /// The TAPQ info word of this adapter's queues (spec §2.1).
  uint64_t tapq_info() const { return info_.pack(); }
  /// Upper 32 bits of the info word (sysfs ap_functions).
  uint32_t functions() const { return info_.functions; }

  /// SCLP configure/deconfigure (the card's `config` attribute) and checkstop injection,
  /// effective now (see the adapter states above).
  void set_configured(bool on);
  void set_checkstopped(bool on);
  bool configured() const { return configured_; }
  bool checkstopped() const { return checkstopped_; }
  /// A state change `delay_ps` picoseconds from now (0 = now): the testbench's fault
  /// injection (`apsim-inject`), so that it can land while software has requests in flight.
  enum class Fault { checkstop, config };
  void inject(Fault what, bool on, uint64_t delay_ps);
  /// HMC dynamic change (sc/hmc.h), effective now: the adapter joins or leaves the LPAR's
  /// configuration; a usage domain's queue joins or leaves it.  Leaving loses the work.
  void set_in_config(bool on);
  bool in_config() const { return in_config_; }
  void set_usage_domain(uint8_t apqi, bool on);
  /// TAPQ-level view of one queue for tests and statistics: nullptr if APQI `apqi` has none.
  const ApQueue* queue(uint8_t apqi) const { return usage_domains_.test(apqi) ? queues_[apqi].get() : nullptr; }

  /// The processing engines this adapter has (the config's, or the card's default).
  unsigned engines() const { return engines_; }

  /// Requests served per operation and mean service time (ps; the firmware's price, which
  /// for one operation differs with the operand: an ME's exponent, a signature's key), with
  /// the sum of the times drawn around that mean: what `apsim run --stats` prints.
  struct OpStats {
    uint64_t count = 0, drawn_sum_ps = 0;
  };
  using OpStatsKey = std::pair<firmware::Operation, uint64_t>;  ///< operation, mean service in ps
  const std::map<OpStatsKey, OpStats>& op_stats() const { return op_stats_; }

  // Statistics and traceable state.
  uint64_t requests_completed() const { return completed_; }
  unsigned busy_engines() const { return busy_engines_; }
  unsigned occupancy() const { return occupancy_; }
  /// Trace cardXX.busy_engines and cardXX.occupancy (all queues' entries together).
  void trace(sc_core::sc_trace_file* tf);
  /// Also trace the occupancy of the queue of usage domain `apqi` as
  /// cardXX.queue_YYYY.occupancy (apsim run --vcd-queues).  Before the simulation starts.
  void trace_queue(sc_core::sc_trace_file* tf, uint8_t apqi);

 private:
  struct Completion {
    uint64_t done_ps;
    uint8_t apqi;
    uint64_t generation;
    ApMessage reply;
    bool operator>(const Completion& o) const { return done_ps > o.done_ps; }
  };

  struct PendingFault {
    uint64_t at_ps;
    Fault what;
    bool on;
  };

  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  /// What b_transport does for an AP instruction or the SCLP command (b_transport adds the watch).
  void serve(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay, ApCommand& cmd);
  void do_nqap(ApQueue& q, uint8_t apqi, ApCommand& cmd, tlm::tlm_generic_payload& gp, uint64_t now_ps);
  void do_dqap(ApQueue& q, ApCommand& cmd, tlm::tlm_generic_payload& gp, uint8_t apqi, uint64_t now_ps);
  void do_aqic(ApQueue& q, ApCommand& cmd, uint64_t now_ps);
  void do_qact(ApCommand& cmd) const;
  void start_engines(uint64_t now_ps);
  void on_completion();
  void on_fault();
  /// Every queue loses its work (deconfigure, checkstop).
  void lose_all_work();
  void update_signals();
  uint8_t queue_rc(const ApQueue& q, uint64_t now_ps) const;

  CexAdapterConfig cfg_;
  firmware::AdapterProfile profile_;
  arch::TapqInfo info_;
  const TimingTable& timing_;
  const firmware::ServiceTimeTable& service_;
  MainStorage& storage_;
  AdapterInterruptSink* irq_sink_ = nullptr;
  std::unique_ptr<firmware::CexFirmware> firmware_;
  ApProbe* probe_ = nullptr;
  ApQueueWatch* watch_ = nullptr;

  /// Index APQI; null = never a usage domain of the LPAR.  A domain the HMC removed keeps its
  /// (reset) queue object, so that completions still in service find it and are discarded by
  /// its generation; usage_domains_ says which answer.
  std::vector<std::unique_ptr<ApQueue>> queues_;
  arch::ApMask usage_domains_;  ///< the LPAR's current usage domains (queues that answer)
  unsigned slots_ = 8;          ///< slots of each queue (QD or QD+1)
  /// Reply buffers given back by DQAP, for the next requests' replies (do_nqap), at most
  /// kSpareReplies (reserved at the first DQAP, so keeping them allocates nothing after it).
  static constexpr size_t kSpareReplies = 64;
  std::vector<std::vector<uint8_t>> spare_replies_;
  arch::Fifo<uint8_t> arrival_;                   ///< APQIs of waiting requests, in arrival order
  std::priority_queue<Completion, std::vector<Completion>, std::greater<Completion>> in_flight_;
  sc_core::sc_event completion_event_;
  static constexpr uint64_t kNoCompletion = ~uint64_t{0};
  uint64_t completion_at_ps_ = kNoCompletion;  ///< when completion_event_ is notified for (kNoCompletion: not)
  std::vector<PendingFault> faults_;  ///< injected state changes not yet due
  sc_core::sc_event fault_event_;
  unsigned engines_ = 1;
  firmware::ServiceSampler sampler_;
  std::map<OpStatsKey, OpStats> op_stats_;
  unsigned busy_engines_ = 0;
  unsigned occupancy_ = 0;  ///< sum of all queues' occupancy
  uint64_t completed_ = 0;
  bool configured_ = true;
  bool checkstopped_ = false;
  bool in_config_ = true;

  bool tracing_ = false;
  // Written by the CPU thread (NQAP/DQAP) and by the completion method: many writers.
  sc_core::sc_signal<unsigned, sc_core::SC_MANY_WRITERS> sig_busy_{"busy_engines"};
  sc_core::sc_signal<unsigned, sc_core::SC_MANY_WRITERS> sig_occupancy_{"occupancy"};
  /// Traced queues: APQI -> its occupancy as the VCD samples it (stable addresses).
  std::map<uint8_t, std::unique_ptr<unsigned>> traced_queues_;
};

}  // namespace apsim::sc
