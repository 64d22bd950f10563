// driver/linux/ap_bus.h — the AP bus (drivers/s390/crypto/ap_bus.c, ap_card.c, ap_queue.c)
// of one Linux instance, host or guest; implemented in ap_bus.cpp (init, attributes, masks,
// binding, scan, poll), ap_card.cpp (card devices) and ap_queue.cpp (queue devices and the
// request state machine), as Linux splits it.
//
// Scan (ap_scan_bus, spec §5.1): PQAP(QCI) if facility 12, else the default masks; for each
// APID in the configuration, TAPQ (T bit iff APFT) on its domains finds the device type;
// types below CEX4 (10) are not supported, so without APFT no device is created (seed 001
// "If the APFT facility is turned off ... the guest will not see any AP devices").  Card
// devices `cardXX` and queue devices `XX.YYYY` appear under /sys/devices/ap and
// /sys/bus/ap/devices.  Driver selection (ap_device_probe): an APQN in apmask x aqmask binds
// only to default drivers (cex4queue), any other only to non-default ones (vfio_ap).
// The bus attributes are those of spec §5.2; apmask/aqmask accept the kernel's syntax
// (driver/linux/kernel_parse.h) and changes re-probe the bindings, refused with EBUSY when a
// non-default driver reports an APQN in use (the `in_use` callback).
#pragma once

#include <cerrno>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/intrusive/set.hpp>

#include "arch/fifo.h"
#include "arch/ap_instructions.h"
#include "arch/ap_mask.h"
#include "arch/ap_registers.h"
#include "arch/fifo.h"
#include "arch/qci.h"
#include "driver/linux/sysfs.h"

namespace apsim::driver {

class LinuxKernel;
class ApBus;
struct ApQueueDev;
struct ApCardDev;

/// poll_high_timeout (ap_bus.c): the poll timer's period while requests are outstanding,
/// 250 µs in an LPAR.
inline constexpr uint64_t AP_POLL_HIGH_TIMEOUT_PS = 250'000'000;
/// poll_low_timeout: the slow poll that backs up interruptions, 40 ms.
inline constexpr uint64_t AP_POLL_LOW_TIMEOUT_PS = 40'000'000'000;
/// Pages of each queue's message and reply buffer: 12 KiB, AP_DEFAULT_MAX_MSG_SIZE.
inline constexpr unsigned AP_MSG_BUF_PAGES = 3;

/// The hardware's timestamps of one request in simulated ps, when the platform offers them
/// (apsim's adapter probe, sc/ap_probe.h): NQAP accepted by the adapter, engine start,
/// engine finish, DQAP that took the reply.  Not something Linux can see: a measurement aid.
struct ApHwTimes {
  uint64_t enqueue_ps = 0, start_ps = 0, finish_ps = 0, dequeue_ps = 0;
  /// What the adapter reported about itself with the request (testbench only, not Linux): the
  /// firmware's mean service time of this request in ps, the adapter's processing engines,
  /// and the shape and coefficient of variation of its service-time distribution.
  uint64_t service_mean_ps = 0;
  unsigned engines = 0;
  const char* service_shape = "";
  double service_cv = 0;
};

/// Where the AP bus gets ApHwTimes from: called right after a DQAP took the reply of request
/// (APQN `apqn`, `psmid`); returns false when it has none.  Installed by the testbench.
using ApHwTimesSource = std::function<bool(uint16_t apqn, uint64_t psmid, ApHwTimes& out)>;

/// One request on its way through an AP queue (struct ap_message).
struct ApMessageReq {
  uint64_t psmid = 0;
  std::vector<uint8_t> msg;     ///< request bytes
  std::vector<uint8_t> reply;   ///< reply bytes once done
  int rc = 0;                   ///< 0, or -errno when the request failed
  bool done = false;
  uint64_t t_submit_ps = 0, t_nqap_ps = 0, t_reply_ps = 0;
  uint64_t t_nqap_start_ps = 0;  ///< when the (last) NQAP of this request began
  bool hw_valid = false;         ///< `hw` holds the hardware's timestamps
  ApHwTimes hw;
  std::function<void(ApMessageReq&)> on_done;  ///< called once, when done becomes true

  /// ap_msg->receive: the request ends with `result` (0 or -errno) at `now_ps` (simulated
  /// ps); `done` becomes true and on_done runs.  The one place a request completes.
  void complete(int result, uint64_t now_ps) {
    rc = result;
    done = true;
    t_reply_ps = now_ps;
    if (on_done) on_done(*this);
  }
};

/// An AP device driver (struct ap_driver).
class ApDriver {
 public:
  virtual ~ApDriver() = default;
  virtual std::string name() const = 0;
  /// AP_DRIVER_FLAG_DEFAULT: the zcrypt drivers; vfio_ap is not a default driver.
  virtual bool is_default() const = 0;
  /// Card drivers take cards, queue drivers queues.
  virtual bool for_cards() const = 0;
  /// Probe a queue (or card) device; 0 = bound.
  virtual int probe_queue(ApQueueDev&) { return -ENODEV; }
  virtual void remove_queue(ApQueueDev&) {}
  /// A card device was bound to this (card) driver.
  virtual void probe_card(ApCardDev&) {}
  /// A card device is being unbound from this (card) driver.
  virtual void remove_card(ApCardDev&) {}
  /// in_use(apm, aqm): non-zero if any APQN of apm x aqm is in use (vfio_ap).
  virtual int in_use(const arch::ApMask&, const arch::ApMask&) { return 0; }
  /// The AP configuration changed (new QCI) / a bus scan completed.
  virtual void on_config_changed(const arch::QciInfo& /*now*/, const arch::QciInfo& /*before*/) {}
  virtual void on_scan_complete() {}
};

struct ApCardDev {
  uint8_t id = 0;
  uint8_t raw_hwtype = 0;   ///< TAPQ `at`
  uint8_t hwtype = 0;       ///< compatible type 10..14
  uint32_t functions = 0;   ///< TAPQ facility word
  uint8_t qd = 0;           ///< TAPQ QD field
  uint32_t max_msg_size = 0;
  bool config = true, chkstop = false;
  bool online = true;       ///< zcrypt's card online attribute
  uint64_t request_count = 0;
  ApDriver* driver = nullptr;
  std::string path;         ///< /sys/devices/ap/cardXX
  /// When cex4card registered the card with zcrypt (zcrypt_card_register appends it to
  /// zcrypt's card list): zcrypt's dispatch visits cards in this order.  0: not registered.
  uint64_t zcrypt_seq = 0;
};

/// A queue device (struct ap_queue) with its request state machine (ap_queue.c).
struct ApQueueDev {
  arch::Apqn qid;
  ApCardDev* card = nullptr;
  ApDriver* driver = nullptr;
  bool config = true, chkstop = false;
  bool online = true;        ///< zcrypt's queue online attribute
  uint64_t request_count = 0;
  arch::Fifo<ApMessageReq*> requestq;   ///< not yet enqueued (arch/fifo.h: no storage while idle)
  arch::Fifo<ApMessageReq*> pendingq;   ///< enqueued, reply outstanding
  unsigned queue_count = 0;             ///< requests on the hardware queue
  /// AP_SM_STATE_QUEUE_FULL: the last NQAP answered RC 0x10.  The next poll reads the queue
  /// (ap_sm_read) whatever queue_count says: the slots may hold replies the bus never asked
  /// for (requests enqueued behind its back), and only a DQAP frees them.
  bool queue_full = false;
  uint64_t psmid_counter = 0;
  uint64_t msg_buf = 0, reply_buf = 0;  ///< kernel storage for NQAP/DQAP (one page each)
  /// aq->interrupt: the AP bus's own record that it enabled interruptions (what the queue's
  /// `interrupt` attribute shows in 6.1; ap_queue_remove does not clear it).
  bool irq_enabled = false;
  /// dev_state > AP_DEV_STATE_UNINITIATED: a default driver's probe (zcrypt_cex4_queue_probe
  /// -> ap_queue_init_state) made the state machine run the queue; ap_queue_remove ends it.
  /// request_count reads "-" while it is false.
  bool initiated = false;
  /// sm_state is AP_SM_STATE_RESET_START (kzalloc's 0, or a `reset` write to a queue no
  /// default driver runs): `reset` reads "Reset in progress.".
  bool reset_start = true;
  /// `driver_override` (LinuxProfile::queue_driver_override): the only driver it may bind
  /// to, whatever apmask x aqmask say; "" for none.
  std::string driver_override;
  /// AP_DEV_STATE_ERROR: an instruction answered RC 0x03/0x04 or another RC the state
  /// machine cannot handle.  Requests fail with -ENODEV until a scan finds the queue usable
  /// again and re-initialises it (reset, interruptions).
  bool dev_error = false;
  uint8_t last_err_rc = 0;
  std::string path;          ///< /sys/devices/ap/cardXX/XX.YYYY
  /// When cex4queue registered the queue with zcrypt (zcrypt_queue_register appends it to
  /// its card's queue list): zcrypt's dispatch visits a card's queues in this order.
  uint64_t zcrypt_seq = 0;
  /// On the AP bus's poll list (ApBus::poll_list_): it got work since the poll that last
  /// found it idle.  Not a Linux field: apsim's way to poll only queues with work.
  bool on_poll_list = false;
  /// The poll list's links (an intrusive set: joining and leaving it allocate nothing, issue
  /// 13 part 3 — a queue joins each time it gets work after an idle poll).
  boost::intrusive::set_member_hook<> poll_hook;
};

class ApBus {
 public:
  explicit ApBus(LinuxKernel& kernel);
  ~ApBus();

  /// ap_module_init: parse ap.apmask/ap.aqmask from the command line, register the bus
  /// attributes, scan.  `cmdline` is the kernel command line.  Without AP instructions
  /// the bus is never registered: the kernel-log line, -ENODEV, no /sys/bus/ap, no
  /// /sys/devices/ap, no scans (registered() stays false).
  int init(const std::string& cmdline);
  /// Whether ap_module_init registered the bus (bus_register(&ap_bus_type)).
  bool registered() const { return registered_; }
  /// Register/unregister a driver; the bus probes unbound devices for it.  On an
  /// unregistered bus: driver_register's kernel-log line and -EINVAL.
  int register_driver(ApDriver& drv);
  void unregister_driver(ApDriver& drv);
  /// ap_scan_bus: query the configuration and create/remove devices (nothing on an
  /// unregistered bus: no scan work, no config timer).
  void scan();

  const arch::QciInfo& qci() const { return qci_; }
  bool has_qci() const { return has_qci_; }
  unsigned max_adapter_id() const { return qci_.max_adapter_id(); }
  unsigned max_domain_id() const { return qci_.max_domain_id(); }
  const arch::ApMask& apmask() const { return apmask_; }
  const arch::ApMask& aqmask() const { return aqmask_; }
  /// config_time (s): the period of the configuration rescan (ap_config_timer).
  unsigned config_time_s() const { return config_time_s_; }
  /// True if `q` is reserved for the default drivers by apmask x aqmask.
  bool apqn_owned_by_default(arch::Apqn q) const { return apmask_.test(q.apid) && aqmask_.test(q.apqi); }
  /// ap_select_domain's choice (or ap.domain=), -1 while none.
  int default_domain() const { return domain_index_; }

  ApQueueDev* queue(arch::Apqn q);
  ApCardDev* card(unsigned apid);
  std::vector<ApQueueDev*> queues();

  // ---- request path (ap_queue.c) ----
  /// Queue a request on `q` and run its state machine (ap_queue_message).
  void queue_message(ApQueueDev& q, ApMessageReq& req);
  /// Poll every queue with outstanding work once (the AP bus tasklet/poll timer), in queue-ID
  /// order; returns true if some queue still has requests outstanding.  Visits only the
  /// queues on the poll list (those given work since a poll last found them idle), so its
  /// cost grows with the busy queues, not with the configuration (issue 13 part 2).
  bool poll();
  /// Queue devices poll() has visited since the bus was made (a count for tests, not a Linux
  /// figure): each poll adds the number of queues on its poll list.
  uint64_t poll_queue_visits() const { return poll_visits_; }
  /// Wait for replies: sleep until an adapter interruption or the poll timer
  /// (poll_high_timeout, 250 µs in an LPAR), then poll.  Returns poll()'s result.
  bool wait_and_poll();
  /// As wait_and_poll, but wake up at the latest at `deadline_ps` (simulated time; an
  /// open-loop workload's next arrival): interrupt mode sleeps until the interruption or the
  /// deadline; polling mode until the poll timer (poll_high_timeout, free running while it
  /// is armed) or the deadline.  Polls after waking either way (ap_queue_message polls the
  /// queue it enqueues on, too).
  bool wait_and_poll_until(uint64_t deadline_ps);
  bool use_interrupts() const { return irq_; }
  /// The ap.useirq switch at run time (a measurement knob, as the module parameter is at
  /// load): on = interrupt-driven (needs the AQIC facility: -EOPNOTSUPP otherwise; queues
  /// bound to a default driver get their interruptions enabled), off = the poll timer.
  int set_use_interrupts(bool on);

  /// Install the process-wide source of hardware timestamps (nullptr: none).  One simulated
  /// machine per process, so one source serves the host's and every guest's AP bus.
  static void set_hw_times_source(ApHwTimesSource source);

  LinuxKernel& kernel() { return kernel_; }

 private:
  /// scan()'s work; throws KernelPanic when the kernel runs out of memory creating devices.
  void scan_bus();
  struct Impl;
  friend struct Impl;
  void bus_attrs();
  /// Card device for `apid`: TAPQ `info`, compatible type `comp_type` (10..14), SCLP state.
  void create_card(unsigned apid, const arch::TapqInfo& info, uint8_t comp_type, bool config, bool chkstop);
  /// The attributes (and `subsystem` link) of every queue device, made once
  /// (ap_queue_dev_attr_group): a queue's directory holds only what is its own.
  std::shared_ptr<const Sysfs::Group> queue_attr_group();
  /// The `driver` link of a device bound to `drv` (one group per driver).
  std::shared_ptr<const Sysfs::Group> driver_link_group(const ApDriver& drv);
  /// Queue device; `config`/`chkstop` as the scan's TAPQ found them (before any driver probes).
  void create_queue(ApCardDev& card, unsigned apqi, bool config = true, bool chkstop = false);
  /// ap_get_compatible_type: raw type, or for a type beyond CEX8 what PQAP(QACT) maps it
  /// to; 0 = unsupported.
  uint8_t compatible_type(arch::Apqn qid, const arch::TapqInfo& info);
  /// The card's sysfs `config` store: SCLP configure/deconfigure, then a rescan.
  int card_config_store(ApCardDev& card, const std::string& buf);
  /// __ap_flush_queue: every request of `q` not yet answered fails with `err`.
  void flush_queue(ApQueueDev& q, int err);
  /// _ap_queue_init_state: leave the error state; reset the queue (RAPQ, wait for it) and,
  /// when a default driver has it and interruptions are in use, enable them again.
  void queue_init_state(ApQueueDev& q);
  /// The queue's sysfs `reset` store: flush, RAPQ, re-initialise.
  int queue_reset_store(ApQueueDev& q);
  /// An RC the state machine cannot handle: error state, requests flushed with -EAGAIN.
  void queue_error(ApQueueDev& q, uint8_t rc);
  /// The queue device goes (scan: not in the configuration any more): unbound, its requests
  /// flushed with -EAGAIN, zeroized (ap_queue_remove), its sysfs entries and buffers freed.
  void remove_queue_dev(ApQueueDev& q);
  void remove_card_dev(unsigned apid);
  void probe_device(ApQueueDev& q);
  void bind(ApQueueDev& q, ApDriver& drv);
  void bind_card(ApCardDev& c, ApDriver& drv);
  /// ap_device_remove for a queue: its requests flushed with -EAGAIN (ap_queue_prepare_remove),
  /// then the driver's remove; the queue stays, unbound.
  void unbind(ApQueueDev& q);
  void unbind_card(ApCardDev& c);
  void revise_bindings();
  int store_mask(const std::string& buf, bool adapters);
  static ApHwTimesSource& hw_times_source();
  void sm_write(ApQueueDev& q);
  void sm_read(ApQueueDev& q);
  void enable_irq(ApQueueDev& q);
  int driver_bind_store(ApDriver& drv, const std::string& buf);
  int driver_unbind_store(ApDriver& drv, const std::string& buf);
  void add_driver_dir(ApDriver& drv);

  LinuxKernel& kernel_;
  bool registered_ = false;  ///< bus_register done (ap_module_init got past its AP check)
  arch::QciInfo qci_;
  bool has_qci_ = false;
  bool irq_ = false;
  uint64_t qci_buf_ = 0;
  uint64_t lsi_ = 0;
  uint64_t next_poll_ps_ = 0;  ///< wait_and_poll_until: when the armed poll timer fires (0 = not armed)      ///< the adapter-interruption local summary indicator byte
  arch::ApMask apmask_ = arch::ApMask::all(), aqmask_ = arch::ApMask::all();
  std::vector<ApDriver*> drivers_;
  std::shared_ptr<const Sysfs::Group> queue_attrs_;  ///< queue_attr_group, once made
  std::map<const ApDriver*, std::shared_ptr<const Sysfs::Group>> driver_links_;  ///< driver_link_group
  std::map<unsigned, std::unique_ptr<ApCardDev>> cards_;
  std::map<uint16_t, std::unique_ptr<ApQueueDev>> queues_;
  /// The poll list: queue devices given work (queue_message) since a poll last found them
  /// idle, by queue ID, the order in which Linux's poll would meet them (see poll()).  A
  /// queue leaves it only in poll(), once idle, or when its device goes.
  struct PollKey {  // a queue device's place on the poll list: its queue ID
    using type = uint16_t;
    uint16_t operator()(const ApQueueDev& q) const { return q.qid.qid(); }
  };
  boost::intrusive::set<ApQueueDev,
                        boost::intrusive::member_hook<ApQueueDev, boost::intrusive::set_member_hook<>, &ApQueueDev::poll_hook>,
                        boost::intrusive::key_of_value<PollKey>>
      poll_list_;
  uint64_t poll_visits_ = 0;  ///< poll_queue_visits()
  unsigned scans_ = 0;
  /// ap_domain_index: the default domain given by the `ap.domain=` parameter, or -1 (then
  /// the `ap_domain` attribute shows the domain the scan selects).
  int domain_index_ = -1;
  /// ap_config_time (config_time, 5..120 s) and poll_high_timeout (poll_timeout, in ns).
  unsigned config_time_s_ = 30;
  uint64_t poll_timeout_ns_ = AP_POLL_HIGH_TIMEOUT_PS / 1000;
  bool poll_thread_ = false;           ///< the appoll thread runs (poll_thread, without interruptions)
  bool masks_edited_ = false;          ///< ap_apmask_aqmask_in_use (newest): a sysfs write left a mask not all-ones
  bool bindings_complete_ = false;     ///< all queue devices bound (ap_check_bindings_complete)
  /// Queue devices with a driver (what ap_calc_bound_apqns counts), kept by bind/unbind so
  /// that a bind need not walk every queue: the walk per bind made binding 65,536 queues at
  /// boot quadratic (issue 13).  The number of queue devices is queues_.size().
  std::size_t bound_queues_ = 0;
  uint64_t bindings_complete_count_ = 0;
  /// ap_select_domain: the first usage domain in apmask/aqmask with a queue that answers
  /// TAPQ with RC 0, kept once chosen.
  void select_domain();
  /// After a successful probe: count the moment every queue device is bound (O(1): it
  /// compares bound_queues_ with queues_.size()).
  void check_bindings_complete();
  /// The driver a queue may bind to: its driver_override, else apmask x aqmask.
  bool may_bind(const ApQueueDev& q, const ApDriver& drv) const;
  bool domain_param_given_ = false;  ///< ap.domain= was a number: checked at the first scan
  long domain_param_ = -1;
};

}  // namespace apsim::driver
