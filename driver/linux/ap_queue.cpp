// driver/linux/ap_queue.cpp — AP queue devices (drivers/s390/crypto/ap_queue.c): creation
// with their attributes, removal, reset and interruption set-up, and the request state
// machine (ap_queue_message, ap_sm_write, ap_sm_read, __ap_flush_queue).
#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "driver/linux/ap_asm.h"
#include "driver/linux/ap_bus.h"
#include "driver/linux/kernel.h"

namespace apsim::driver {

using arch::Apqn;

std::shared_ptr<const Sysfs::Group> ApBus::queue_attr_group() {
  if (queue_attrs_) return queue_attrs_;
  // ap_queue_dev_attr_group (+ ap_queue_dev_sb_attr_group in newer kernels) and the
  // device's `subsystem` link: defined once, each queue's show/store get its ApQueueDev.
  auto g = std::make_shared<Sysfs::Group>();
  using Q = ApQueueDev;
  auto qof = [](void* obj) -> Q& { return *static_cast<Q*>(obj); };
  // request_count (RW): the count while the state machine runs the queue, "-" while it is
  // UNINITIATED (a queue vfio_ap has); any write clears it.  The q-counts read 0 then.
  g->add_attr("request_count",
              sysfs_group_show<Q>([](Q& q) { return q.initiated ? sysfs_u(q.request_count) : std::string("-\n"); }),
              [qof](void* obj, const std::string&) {
                qof(obj).request_count = 0;
                return 0;
              });
  g->add_attr("requestq_count", sysfs_group_show<Q>([](Q& q) { return sysfs_u(q.initiated ? q.requestq.size() : 0); }),
              nullptr);
  g->add_attr("pendingq_count", sysfs_group_show<Q>([](Q& q) { return sysfs_u(q.initiated ? q.pendingq.size() : 0); }),
              nullptr);
  g->add_attr("config", sysfs_group_show<Q>([](Q& q) { return sysfs_u(q.config); }), nullptr);
  g->add_attr("chkstop", sysfs_group_show<Q>([](Q& q) { return sysfs_u(q.chkstop); }), nullptr);
  // interrupt (RO): 6.1 shows the AP bus's own flag aq->interrupt (which stays set after
  // the queue went to vfio_ap); newer kernels ask the hardware (TAPQ).
  g->add_attr("interrupt", sysfs_group_show<Q>([this](Q& q) {
                bool on = q.irq_enabled;
                if (kernel_.profile().interrupt_by_tapq) on = ap_tapq(kernel_.cpu(), q.qid, false, nullptr).irq_enabled;
                return std::string(on ? "Interrupts enabled.\n" : "Interrupts disabled.\n");
              }),
              nullptr);
  // reset (RW, reset_show/reset_store): by the state machine's state -- "Reset in
  // progress." at RESET_START/RESET_WAIT, "Reset Timer armed." while requests are out,
  // else "No Reset Timer set."; a write flushes the queue and restarts the state machine,
  // which resets only a queue it runs (apsim's resets end before the store returns).
  g->add_attr("reset", sysfs_group_show<Q>([](Q& q) {
                if (q.reset_start) return std::string("Reset in progress.\n");
                return std::string(q.queue_count > 0 || !q.requestq.empty() ? "Reset Timer armed.\n"
                                                                              : "No Reset Timer set.\n");
              }),
              [this, qof](void* obj, const std::string&) { return queue_reset_store(qof(obj)); });
  // Newer kernels: ap_functions (the TAPQ facility word, -EIO when TAPQ fails) and
  // driver_override.
  if (kernel_.profile().queue_ap_functions)
    g->add_attr("ap_functions", [this, qof](void* obj, std::string& o) {
      arch::TapqInfo info;
      const arch::ApQueueStatus st = ap_tapq(kernel_.cpu(), qof(obj).qid, true, &info);
      if (st.response_code > arch::AP_RESPONSE_BUSY) return -EIO;
      char b[16];
      std::snprintf(b, sizeof b, "0x%08X\n", info.functions);
      o = b;
      return 0;
    }, nullptr);
  if (kernel_.profile().queue_driver_override)
    g->add_attr("driver_override", sysfs_group_show<Q>([](Q& q) { return q.driver_override + "\n"; }),
                [this, qof](void* obj, const std::string& buf) {
                  // driver_override_store: refused while apmask/aqmask are in use (a sysfs write
                  // left one not all-ones); an empty string clears it.
                  if (masks_edited_) return -EINVAL;
                  std::string v = buf;
                  if (!v.empty() && v.back() == '\n') v.pop_back();
                  qof(obj).driver_override = v;
                  return 0;
                });
  g->add_link("subsystem", "/sys/bus/ap");
  queue_attrs_ = std::move(g);
  return queue_attrs_;
}

void ApBus::create_queue(ApCardDev& card, unsigned apqi, bool config, bool chkstop) {
  auto q = std::make_unique<ApQueueDev>();
  q->qid = Apqn{card.id, static_cast<uint8_t>(apqi)};
  q->card = &card;
  q->config = config;
  q->chkstop = chkstop;
  q->path = card.path + "/" + q->qid.name();
  q->msg_buf = kernel_.alloc_pages(AP_MSG_BUF_PAGES);
  q->reply_buf = kernel_.alloc_pages(AP_MSG_BUF_PAGES);
  ApQueueDev* qp = q.get();
  Sysfs& fs = kernel_.sysfs();
  fs.mkdir(q->path);
  fs.add_group(q->path, queue_attr_group(), qp);
  // Newer kernels start the state machine of every new usable queue device (ap_scan_domains).
  if (kernel_.profile().scan_inits_new_queues && config && !chkstop) {
    q->initiated = true;
    q->reset_start = false;
  }
  fs.add_link("/sys/bus/ap/devices/" + q->qid.name(), q->path);
  queues_[q->qid.qid()] = std::move(q);
  probe_device(*qp);
}

void ApBus::remove_queue_dev(ApQueueDev& q) {
  unbind(q);  // flushes the requests a driver left on the queue (ap_queue_prepare_remove)
  flush_queue(q, -EAGAIN);  // and those of a queue no driver has
  // Removing a queue device zeroizes the queue (ap_queue_remove -> ZAPQ).
  ap_zapq(kernel_.cpu(), q.qid, false);
  kernel_.sysfs().remove("/sys/bus/ap/devices/" + q.qid.name());
  kernel_.sysfs().remove(q.path);
  // The machine reads a request at NQAP and writes a reply at DQAP only, so nothing
  // touches these buffers once the device is gone.
  kernel_.free_pages(q.msg_buf, AP_MSG_BUF_PAGES);
  kernel_.free_pages(q.reply_buf, AP_MSG_BUF_PAGES);
  if (q.on_poll_list) poll_list_.erase(poll_list_.iterator_to(q));  // unlinked before it is freed
  queues_.erase(q.qid.qid());
}

void ApBus::flush_queue(ApQueueDev& q, int err) {
  arch::Cpu& cpu = kernel_.cpu();
  arch::Fifo<ApMessageReq*> all;
  all.swap(q.pendingq);
  for (ApMessageReq* r : q.requestq) all.push_back(r);
  q.requestq.clear();
  q.queue_count = 0;
  q.queue_full = false;
  for (ApMessageReq* r : all) r->complete(err, cpu.now_ps());
}

void ApBus::queue_init_state(ApQueueDev& q) {
  q.dev_error = false;
  q.last_err_rc = 0;
  q.irq_enabled = false;
  // Only the AP bus' own (default) drivers run the queue state machine; vfio_ap resets the
  // queues it holds itself.
  if (!q.driver || !q.driver->is_default()) return;
  arch::Cpu& cpu = kernel_.cpu();
  // RESET_START -> RESET_WAIT: RAPQ, then TAPQ until the reset is over.
  arch::ApQueueStatus s = ap_rapq(cpu, q.qid, false);
  for (int i = 0; i < 100 && (s.response_code == arch::AP_RESPONSE_NORMAL ||
                              s.response_code == arch::AP_RESPONSE_RESET_IN_PROGRESS || s.response_code == arch::AP_RESPONSE_BUSY);
       ++i) {
    s = ap_tapq(cpu, q.qid, false, nullptr);
    if (s.response_code == arch::AP_RESPONSE_NORMAL) break;
    cpu.delay_ps(poll_timeout_ns_ * 1000);
  }
  if (s.response_code != arch::AP_RESPONSE_NORMAL) {
    q.dev_error = true;
    q.last_err_rc = s.response_code;
    return;
  }
  if (irq_) enable_irq(q);  // SETIRQ_WAIT -> IDLE
}

int ApBus::queue_reset_store(ApQueueDev& q) {
  // reset_store: flush what the queue holds (-EAGAIN), sm_state RESET_START and a state
  // machine event: a queue the state machine runs is reset (RAPQ) and set up again; one it
  // does not run (UNINITIATED: vfio_ap's) stays untouched and now reads "Reset in progress.".
  flush_queue(q, -EAGAIN);
  if (q.initiated) {
    queue_init_state(q);
    q.reset_start = false;
  } else {
    q.reset_start = true;
  }
  return 0;
}

// interrupts and the request state machine
void ApBus::enable_irq(ApQueueDev& q) {
  if (!q.config || q.chkstop) return;  // only an operating queue gets interruptions
  arch::AqicControl ctl;
  ctl.ir = true;
  ctl.isc = arch::AP_ISC;
  arch::Cpu& cpu = kernel_.cpu();
  // ap_queue_enable_irq: RC 0 or 0x07 is success; 0x02/0x05 (a reset still running, busy)
  // mean "try again" (-EBUSY, the state machine retries at the next poll).
  arch::ApQueueStatus s;
  for (int tries = 0; tries < 1000; ++tries) {
    s = ap_aqic(cpu, q.qid, ctl, lsi_);
    if (s.response_code != arch::AP_RESPONSE_RESET_IN_PROGRESS && s.response_code != arch::AP_RESPONSE_BUSY) break;
    cpu.delay_ps(poll_timeout_ns_ * 1000);
  }
  if (s.response_code == arch::AP_RESPONSE_NORMAL || s.response_code == arch::AP_RESPONSE_OTHERWISE_CHANGED) {
    // SETIRQ_WAIT: the enable is asynchronous; TAPQ until irq_enabled.  A queue that never
    // shows it stays without interruptions, silently (ap_sm_setirq_wait logs nothing).
    for (int i = 0; i < 100; ++i) {
      s = ap_tapq(cpu, q.qid, false, nullptr);
      if (s.irq_enabled) {
        q.irq_enabled = true;
        return;
      }
      cpu.delay_ps(poll_timeout_ns_ * 1000);
    }
    return;
  }
  // ap_queue_enable_irq (ap_queue.c): RC 0x01, 0x03, 0x04, 0x06 ->
  // pr_err("Registering adapter interrupts for AP device %02x.%04x failed\n"), -EOPNOTSUPP;
  // any other RC is -EBUSY (retried at the next poll, no message).
  switch (s.response_code) {
    case arch::AP_RESPONSE_Q_NOT_AVAIL:
    case arch::AP_RESPONSE_DECONFIGURED:
    case arch::AP_RESPONSE_CHECKSTOPPED:
    case arch::AP_RESPONSE_INVALID_ADDRESS:
      kernel_.printk("ap: Registering adapter interrupts for AP device " + q.qid.name() + " failed");
      break;
    default:
      break;
  }
}

void ApBus::queue_message(ApQueueDev& q, ApMessageReq& req) {
  req.psmid = (uint64_t{1} << 32) + ++q.psmid_counter;  // zcrypt: (pid << 32) + counter
  req.t_submit_ps = kernel_.cpu().now_ps();
  req.done = false;
  q.requestq.push_back(&req);
  if (!q.on_poll_list) {  // the only way an idle queue gets work: poll() visits it from now on
    q.on_poll_list = true;
    poll_list_.insert(q);
  }
  ++q.request_count;
  if (q.card) ++q.card->request_count;
  sm_write(q);
}

void ApBus::sm_write(ApQueueDev& q) {
  arch::Cpu& cpu = kernel_.cpu();
  // A queue device in error state takes no requests (ap_queue_message: -ENODEV).
  if (q.dev_error) {
    arch::Fifo<ApMessageReq*> reqs;
    reqs.swap(q.requestq);
    for (ApMessageReq* r : reqs) r->complete(-ENODEV, cpu.now_ps());
    return;
  }
  // Outstanding requests per queue: the raw QD field, as kernels before 3317785a8803 allow.
  // ap_sm_write fills the queue while queue_count < queue_depth: the raw QD in 6.1, QD + 1
  // in newer kernels (3317785a8803).
  const unsigned qd = q.card ? q.card->qd : 0;
  const unsigned limit = std::max<unsigned>(kernel_.profile().depth_qd_plus_one ? qd + 1 : qd, 1);
  while (!q.requestq.empty() && q.queue_count < limit) {
    ApMessageReq& req = *q.requestq.front();
    cpu.storage().write(q.msg_buf, req.msg.data(), req.msg.size());
    req.t_nqap_start_ps = cpu.now_ps();
    const arch::ApQueueStatus s = ap_nqap(cpu, q.qid, req.psmid, q.msg_buf, req.msg.size());
    switch (s.response_code) {
      case arch::AP_RESPONSE_NORMAL:
        q.requestq.pop_front();
        q.pendingq.push_back(&req);
        ++q.queue_count;
        req.t_nqap_ps = cpu.now_ps();
        continue;
      case arch::AP_RESPONSE_Q_FULL:
        // ap_sm_write: sm_state = AP_SM_STATE_QUEUE_FULL; its POLL event is ap_sm_read.
        q.queue_full = true;
        return;
      case arch::AP_RESPONSE_RESET_IN_PROGRESS:
      case arch::AP_RESPONSE_BUSY:
        return;  // QUEUE_FULL / RESET_WAIT: try again at the next poll
      case arch::AP_RESPONSE_INVALID_DOMAIN:
        // ap_sm_write: AP_DBF_WARN("%s RESPONSE_INVALID_DOMAIN on NQAP\n") -- the s390 debug
        // feature, not the kernel log: nothing for dmesg.
        [[fallthrough]];
      case arch::AP_RESPONSE_MESSAGE_TOO_BIG:
      case arch::AP_RESPONSE_REQ_FAC_NOT_INST:
        q.requestq.pop_front();
        req.complete(-EINVAL, cpu.now_ps());
        continue;
      default:
        // Any other RC (0x01, 0x03, 0x04, ...): AP_DEV_STATE_ERROR, and the queue's requests
        // are flushed with -EAGAIN (what the next scan does in Linux; see queue_error).
        queue_error(q, s.response_code);
        return;
    }
  }
}

void ApBus::sm_read(ApQueueDev& q) {
  arch::Cpu& cpu = kernel_.cpu();
  // ap_sm_event: WORKING (queue_count > 0) and QUEUE_FULL both read on a poll.
  while ((q.queue_count > 0 || q.queue_full) && !q.dev_error) {
    uint64_t psmid = 0, len = 0, reslen = 0, resgr0 = 0;
    arch::ApQueueStatus s;
    // ap_sm_recv: a reply longer than the buffer (pseudo RC 0xFF) is received in parts by
    // re-issuing DQAP with the returned GR0, each part over the last; the request then
    // fails with -EMSGSIZE.
    unsigned parts = 0;
    do {
      s = ap_dqap(cpu, q.qid, psmid, q.reply_buf, AP_MSG_BUF_PAGES * 4096, len, nullptr, &reslen, &resgr0);
      ++parts;
    } while (s.response_code == 0xff && resgr0 != 0 && parts < 64);
    switch (s.response_code) {
      case arch::AP_RESPONSE_NORMAL:
        break;
      case arch::AP_RESPONSE_NO_PENDING_REPLY:
        q.queue_full = false;  // ap_sm_read: IDLE (queue_count 0) or waiting for a reply
        if (s.queue_empty && q.queue_count > 0) {
          // The queue lost requests (e.g. a reset): requeue them ahead of the waiting ones,
          // in order, as ap_sm_read does (list_splice_init(pendingq, requestq)).
          q.requestq.insert(q.requestq.begin(), q.pendingq.begin(), q.pendingq.end());
          q.pendingq.clear();
          q.queue_count = 0;
        }
        return;
      case arch::AP_RESPONSE_RESET_IN_PROGRESS:
      case arch::AP_RESPONSE_BUSY:
        return;  // try again at the next poll
      default:
        queue_error(q, s.response_code);
        return;
    }
    // ap_sm_recv: queue_count = max(0, queue_count - 1), then "if (!status.queue_empty &&
    // !aq->queue_count) aq->queue_count++" -- a reply nobody asked for (an unassociated
    // psmid, e.g. a request apinsn enqueued) must not make the bus stop reading a queue
    // that still holds work.
    // ap_sm_read: a reply read leaves QUEUE_FULL for WORKING or IDLE (a slot is free again).
    q.queue_full = false;
    if (q.queue_count > 0) --q.queue_count;
    if (!s.queue_empty && q.queue_count == 0) ++q.queue_count;
    auto it = std::find_if(q.pendingq.begin(), q.pendingq.end(), [&](ApMessageReq* r) { return r->psmid == psmid; });
    if (it == q.pendingq.end()) {
      // ap_sm_recv: AP_DBF_WARN("%s unassociated reply psmid=0x%016llx on 0x%02x.%04x\n") --
      // the s390 debug feature, not the kernel log: the reply is dropped silently.
      continue;
    }
    ApMessageReq& req = **it;
    q.pendingq.erase(it);
    if (hw_times_source()) req.hw_valid = hw_times_source()(q.qid.qid(), psmid, req.hw);
    if (parts > 1) {
      req.complete(-EMSGSIZE, cpu.now_ps());
      continue;
    }
    req.reply.resize(len);
    cpu.storage().read(q.reply_buf, req.reply.data(), len);
    req.complete(0, cpu.now_ps());
  }
}

void ApBus::queue_error(ApQueueDev& q, uint8_t rc) {
  // ap_sm_write / ap_sm_read default case: AP_DEV_STATE_ERROR with last_err_rc.  Linux
  // leaves the requests where they are until the next bus scan flushes them (at most
  // AP_CONFIG_TIME, 30 s, later); apsim scans periodically only while a script sleeps, not
  // while a workload waits for replies, so it does that scan's part for this queue at once:
  // config/chkstop follow the RC and the requests get -EAGAIN.
  q.dev_error = true;
  q.last_err_rc = rc;
  if (rc == arch::AP_RESPONSE_DECONFIGURED) q.config = false;
  if (rc == arch::AP_RESPONSE_CHECKSTOPPED) q.chkstop = true;
  if (rc == arch::AP_RESPONSE_DECONFIGURED || rc == arch::AP_RESPONSE_CHECKSTOPPED) q.irq_enabled = false;
  // (Linux reports it in the s390 debug feature, AP_DBF_WARN, not in the kernel log.)
  flush_queue(q, -EAGAIN);
}

ApHwTimesSource& ApBus::hw_times_source() {
  static ApHwTimesSource source;
  return source;
}

void ApBus::set_hw_times_source(ApHwTimesSource source) { hw_times_source() = std::move(source); }

}  // namespace apsim::driver
