// sc/main_storage.h — the LPAR's main storage, and a guest's view of it.
//
// Storage is sparse (4 KiB pages allocated on first write; unwritten bytes read as zero)
// so that a large LPAR costs nothing until software touches it.  Addresses are host
// absolute addresses in bytes.  A guest's storage is a window [mso, mso + size) of host
// storage: guest absolute address a is host absolute address mso + a, as with the SIE main
// storage origin/limit of the state description.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>

#include "arch/ap_instructions.h"

namespace apsim::sc {

class MainStorage : public arch::Storage {
 public:
  static constexpr uint64_t kPageSize = 4096;
  /// `size` bytes of storage (addresses 0 .. size-1).
  explicit MainStorage(uint64_t size) : size_(size) {}

  bool read(uint64_t addr, void* dst, size_t len) override;
  bool write(uint64_t addr, const void* src, size_t len) override;
  uint64_t size() const override { return size_; }
  /// Drop the pages in [addr, addr + len) (zeroing the parts of pages at either end), so
  /// they read as zeros and cost no host memory.
  void discard(uint64_t addr, uint64_t len) override;

  uint64_t read_u64(uint64_t addr);   ///< big-endian; 0 if out of range
  uint32_t read_u32(uint64_t addr);
  void write_u64(uint64_t addr, uint64_t v);
  void write_u32(uint64_t addr, uint32_t v);
  /// Pages allocated so far (for memory accounting).
  size_t pages_in_use() const { return pages_.size(); }

 private:
  using Page = std::array<uint8_t, kPageSize>;
  uint64_t size_;
  std::unordered_map<uint64_t, std::unique_ptr<Page>> pages_;
  /// The allocated page `page` (a page number), or null.
  Page* find_page(uint64_t page);
  /// The page `page`, allocated (zeroed) if it was not.
  Page& page_for_write(uint64_t page);
  // A direct-mapped cache of allocated pages by page number, as a CPU's TLB: a request's path
  // touches the same few pages again and again (the request and reply buffers, the state
  // description, the CRYCB, the GISA, the AP bus's structures), and a hash lookup per access
  // was a tenth of a guest workload's time (issue 13).  Entries are exact (page number and
  // pointer; a Page never moves), filled on lookups that find a page and dropped by discard().
  static constexpr size_t kTlbEntries = 64;
  static constexpr uint64_t kNoPage = ~uint64_t{0};
  struct TlbEntry {
    uint64_t page = kNoPage;
    Page* data = nullptr;
  };
  std::array<TlbEntry, kTlbEntries> tlb_{};
};

/// A guest's storage: a window of host storage at origin `mso`, `size` bytes long.
class GuestStorage : public arch::Storage {
 public:
  GuestStorage(MainStorage& host, uint64_t mso, uint64_t size) : host_(host), mso_(mso), size_(size) {}
  bool read(uint64_t addr, void* dst, size_t len) override {
    return in_range(addr, len) && host_.read(mso_ + addr, dst, len);
  }
  bool write(uint64_t addr, const void* src, size_t len) override {
    return in_range(addr, len) && host_.write(mso_ + addr, src, len);
  }
  uint64_t size() const override { return size_; }
  void discard(uint64_t addr, uint64_t len) override {
    if (addr >= size_) return;
    host_.discard(mso_ + addr, std::min(len, size_ - addr));
  }
  uint64_t origin() const { return mso_; }
  bool in_range(uint64_t addr, size_t len) const { return addr <= size_ && len <= size_ - addr; }

 private:
  MainStorage& host_;
  uint64_t mso_, size_;
};

}  // namespace apsim::sc
