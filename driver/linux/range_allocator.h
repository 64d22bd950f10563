// driver/linux/range_allocator.h — first-fit allocation of address ranges with coalescing frees.
//
// The simulated kernels hand out storage from fixed windows: the kernel's own pages
// (LinuxKernel::alloc_pages) and, on the host, guests' memory (alloc_guest_memory).  Ranges
// go back on the free list when their owner ends (a queue device removed, a guest's QEMU
// process gone, a tool's message buffer), so a long script does not run out of storage.
// Kept free of SystemC so it is unit-tested on its own (testbench/tests/driver).
#pragma once

#include <cstdint>
#include <map>
#include <optional>

namespace apsim::driver {

class RangeAllocator {
 public:
  /// Manage [base, limit).  Throws std::invalid_argument if limit < base.
  RangeAllocator(uint64_t base, uint64_t limit);

  /// The lowest free range of `bytes` bytes whose start is a multiple of `align` (a power
  /// of two, in bytes); nullopt if none fits or bytes is 0.
  std::optional<uint64_t> alloc(uint64_t bytes, uint64_t align);
  /// Whether alloc(bytes, align) would succeed now.
  bool fits(uint64_t bytes, uint64_t align) const;
  /// Return [addr, addr + bytes) to the free list, merging it with its neighbours.  Throws
  /// std::logic_error if any part of it is outside [base, limit) or already free (a
  /// double free is a bug in the caller, never input).
  void free(uint64_t addr, uint64_t bytes);
  /// Bytes currently free.
  uint64_t free_bytes() const;

 private:
  std::optional<uint64_t> find(uint64_t bytes, uint64_t align, std::map<uint64_t, uint64_t>::const_iterator* at) const;

  uint64_t base_, limit_;
  std::map<uint64_t, uint64_t> free_;  ///< start -> length of each free range, none adjacent
};

}  // namespace apsim::driver
