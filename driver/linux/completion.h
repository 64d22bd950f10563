// driver/linux/completion.h — struct completion (include/linux/completion.h,
// kernel/sched/completion.c) as a simulated system call sees it: a call that sleeps until
// something else in the kernel completes it.  apsim has one software thread, so a sleeping
// call does not hold it: the call returns at once with -EIOCBQUEUED (the kernel's own code
// for "queued, completion follows") and its caller (driver/userspace, the shell) waits for
// the completion, letting simulated time pass.
#pragma once

#include <functional>
#include <string>

// include/linux/errno.h (kernel-internal, not in the C library's <errno.h>): "iocb queued,
// will get completion event".
#ifndef EIOCBQUEUED
#define EIOCBQUEUED 529
#endif

namespace apsim::driver {

class Completion {
 public:
  /// `waits_for`: what the sleeper waits for, in words (the text of apsim's report when a
  /// script is blocked for good), e.g. "the mdev's user (QEMU) to release the device".
  explicit Completion(std::string waits_for) : waits_for_(std::move(waits_for)) {}

  /// complete(): the sleeping call returns `result` (0 or -errno).  Only the first counts.
  void complete(int result) {
    if (done_) return;
    result_ = result;
    done_ = true;
  }
  bool done() const { return done_; }
  /// A signal reaches the sleeper (task `comm`, pid `pid`).  Without on_signal the sleep is
  /// interruptible and the call ends (false).  With it, the kernel's handler runs once (it
  /// logs, say) and the sleeper keeps waiting uninterruptibly (true) -- the pattern of
  /// vfio_unregister_group_dev: wait_for_completion_interruptible_timeout, then, once
  /// interrupted, wait_for_completion_timeout.
  bool signal(const std::string& comm, long pid) {
    if (done_) return true;  // over already: nothing to interrupt
    if (!on_signal) return false;
    if (!signalled_) on_signal(comm, pid);
    signalled_ = true;
    return true;
  }
  /// What the sleeping kernel code does when a signal interrupts its wait; see signal().
  std::function<void(const std::string& comm, long pid)> on_signal;
  /// The sleeping call's return value; meaningful once done().
  int result() const { return result_; }
  const std::string& waits_for() const { return waits_for_; }

 private:
  std::string waits_for_;
  bool done_ = false;
  bool signalled_ = false;
  int result_ = 0;
};

}  // namespace apsim::driver
