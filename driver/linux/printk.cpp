// driver/linux/printk.cpp — the kernel ring buffer (kernel/printk/printk.c): every line
// stamped with the time since boot as dmesg prints it.
#include <cstdio>

#include "driver/linux/kernel.h"

namespace apsim::driver {

void LinuxKernel::printk(const std::string& line) {
  if (panicked_) return;  // a panicked kernel runs nothing more (panic() stops every CPU)
  const uint64_t us = (cpu_.now_ps() - boot_ps_) / 1'000'000;  // time since this boot
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "[%5llu.%06llu] ", static_cast<unsigned long long>(us / 1'000'000),
                static_cast<unsigned long long>(us % 1'000'000));
  log_.push_back(stamp + line);
  // The stamp is taken first (vprintk_store: local_clock() before the line is formatted and
  // stored); the work then costs the table's printk on this kernel's CPU.
  cpu_.run_software(arch::SoftwareStep::printk);
}

}  // namespace apsim::driver
