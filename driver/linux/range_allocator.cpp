// driver/linux/range_allocator.cpp — see range_allocator.h.
#include "driver/linux/range_allocator.h"

#include <iterator>
#include <stdexcept>

namespace apsim::driver {

RangeAllocator::RangeAllocator(uint64_t base, uint64_t limit) : base_(base), limit_(limit) {
  if (limit < base) throw std::invalid_argument("RangeAllocator: limit below base");
  if (limit > base) free_[base] = limit - base;
}

std::optional<uint64_t> RangeAllocator::find(uint64_t bytes, uint64_t align,
                                             std::map<uint64_t, uint64_t>::const_iterator* at) const {
  if (bytes == 0 || align == 0 || (align & (align - 1))) return std::nullopt;
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    const uint64_t start = it->first, len = it->second;
    const uint64_t aligned = (start + align - 1) & ~(align - 1);
    if (aligned < start) continue;  // wrapped: no aligned address in this range
    const uint64_t skip = aligned - start;
    if (skip <= len && bytes <= len - skip) {
      if (at) *at = it;
      return aligned;
    }
  }
  return std::nullopt;
}

bool RangeAllocator::fits(uint64_t bytes, uint64_t align) const { return find(bytes, align, nullptr).has_value(); }

std::optional<uint64_t> RangeAllocator::alloc(uint64_t bytes, uint64_t align) {
  std::map<uint64_t, uint64_t>::const_iterator it;
  const auto addr = find(bytes, align, &it);
  if (!addr) return std::nullopt;
  const uint64_t start = it->first, len = it->second;
  free_.erase(it);
  if (*addr > start) free_[start] = *addr - start;                      // head left over
  const uint64_t end = *addr + bytes, range_end = start + len;
  if (end < range_end) free_[end] = range_end - end;                    // tail left over
  return addr;
}

void RangeAllocator::free(uint64_t addr, uint64_t bytes) {
  if (bytes == 0) return;
  if (addr < base_ || addr > limit_ || bytes > limit_ - addr)
    throw std::logic_error("RangeAllocator::free: range outside the managed window");
  uint64_t start = addr, end = addr + bytes;
  auto next = free_.lower_bound(addr);
  if (next != free_.end() && next->first < end) throw std::logic_error("RangeAllocator::free: range already free");
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    const uint64_t prev_end = prev->first + prev->second;
    if (prev_end > start) throw std::logic_error("RangeAllocator::free: range already free");
    if (prev_end == start) {  // merge with the range before
      start = prev->first;
      free_.erase(prev);
    }
  }
  if (next != free_.end() && next->first == end) {  // merge with the range after
    end += next->second;
    free_.erase(next);
  }
  free_[start] = end - start;
}

uint64_t RangeAllocator::free_bytes() const {
  uint64_t n = 0;
  for (const auto& [start, len] : free_) n += len;
  return n;
}

}  // namespace apsim::driver
