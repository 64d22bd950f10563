// driver/linux/memory.cpp — the simulated kernel's storage: 4 KiB pages for its own buffers
// (the page allocator of mm/, first fit over a window) and, on the host, the guests' memory
// that QEMU allocates (1 MiB granules, as s390x RAM is sized).
#include <stdexcept>

#include "driver/linux/kernel.h"

namespace apsim::driver {

namespace {
constexpr uint64_t kPageSize = 4096;
constexpr uint64_t kGuestMemAlign = 1ull << 20;  // QEMU's s390x RAM is a multiple of 1 MiB
uint64_t guest_mem_size(uint64_t bytes) {
  return bytes > UINT64_MAX - (kGuestMemAlign - 1) ? 0 : (bytes + kGuestMemAlign - 1) & ~(kGuestMemAlign - 1);
}
}  // namespace

uint64_t LinuxKernel::alloc_pages(unsigned n) {
  const auto addr = pages_.alloc(uint64_t{n} * kPageSize, kPageSize);
  if (!addr) {
    // __alloc_pages_slowpath -> __alloc_pages_may_oom -> out_of_memory (mm/oom_kill.c): a
    // GFP_KERNEL allocation of order <= PAGE_ALLOC_COSTLY_ORDER does not fail, it calls the
    // OOM killer, whose dump_header prints the first line.  Choice: no process is killable
    // (the allocations that run out are the AP bus's at boot, in a kworker, with init and
    // no other process to kill — oom_unkillable_task spares init), so out_of_memory prints
    // "Out of memory and no killable processes..." and panics.  apsim prints no memory and
    // task dump (show_mem, dump_tasks) and no stack trace.
    unsigned order = 0;
    while ((1u << order) < n) ++order;
    printk("kworker/0:1 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=" + std::to_string(order) +
           ", oom_score_adj=0");
    printk("Out of memory and no killable processes...");
    panic("System is deadlocked on memory");
  }
  return *addr;  // zeros: storage starts out zero and free_pages discards what it takes back
}

void LinuxKernel::panic(const std::string& why) {
  // kernel/panic.c panic(): pr_emerg("Kernel panic - not syncing: %s\n", buf).
  const std::string line = "Kernel panic - not syncing: " + why;
  printk(line);
  panicked_ = true;
  throw KernelPanic(opts_.hostname + ": " + line);
}

void LinuxKernel::free_pages(uint64_t addr, unsigned n) {
  cpu_.storage().discard(addr, uint64_t{n} * kPageSize);
  pages_.free(addr, uint64_t{n} * kPageSize);
}

uint64_t LinuxKernel::persistent_page(const std::string& tag) {
  auto it = persistent_pages_.find(tag);
  if (it == persistent_pages_.end()) it = persistent_pages_.emplace(tag, alloc_pages(1)).first;
  return it->second;
}

bool LinuxKernel::guest_memory_fits(uint64_t bytes) const {
  const uint64_t size = guest_mem_size(bytes);
  return size != 0 && guest_mem_.fits(size, kGuestMemAlign);
}

uint64_t LinuxKernel::alloc_guest_memory(uint64_t bytes) {
  const auto origin = guest_mem_.alloc(guest_mem_size(bytes), kGuestMemAlign);
  if (!origin) throw std::logic_error("alloc_guest_memory: " + std::to_string(bytes >> 20) + " MiB do not fit");
  return *origin;
}

void LinuxKernel::free_guest_memory(uint64_t origin, uint64_t bytes) {
  const uint64_t size = guest_mem_size(bytes);
  cpu_.storage().discard(origin, size);
  guest_mem_.free(origin, size);
}

}  // namespace apsim::driver
