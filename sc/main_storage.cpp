// sc/main_storage.cpp — sparse big-endian main storage.
#include "sc/main_storage.h"

#include <algorithm>
#include <cstring>
#include <iterator>

#include "arch/bits.h"

namespace apsim::sc {

MainStorage::Page* MainStorage::find_page(uint64_t page) {
  TlbEntry& t = tlb_[page % kTlbEntries];
  if (t.page == page) return t.data;
  auto it = pages_.find(page);
  if (it == pages_.end()) return nullptr;
  t = TlbEntry{page, it->second.get()};
  return t.data;
}

MainStorage::Page& MainStorage::page_for_write(uint64_t page) {
  if (Page* p = find_page(page)) return *p;
  auto& p = pages_[page];
  p = std::make_unique<Page>(Page{});
  tlb_[page % kTlbEntries] = TlbEntry{page, p.get()};
  return *p;
}

bool MainStorage::read(uint64_t addr, void* dst, size_t len) {
  if (addr > size_ || len > size_ - addr) return false;
  auto* out = static_cast<uint8_t*>(dst);
  while (len) {
    const uint64_t page = addr / kPageSize, off = addr % kPageSize;
    const size_t n = std::min<uint64_t>(len, kPageSize - off);
    if (const Page* p = find_page(page)) std::memcpy(out, p->data() + off, n);
    else std::memset(out, 0, n);
    out += n, addr += n, len -= n;
  }
  return true;
}

bool MainStorage::write(uint64_t addr, const void* src, size_t len) {
  if (addr > size_ || len > size_ - addr) return false;
  auto* in = static_cast<const uint8_t*>(src);
  while (len) {
    const uint64_t page = addr / kPageSize, off = addr % kPageSize;
    const size_t n = std::min<uint64_t>(len, kPageSize - off);
    std::memcpy(page_for_write(page).data() + off, in, n);
    in += n, addr += n, len -= n;
  }
  return true;
}

void MainStorage::discard(uint64_t addr, uint64_t len) {
  if (addr >= size_) return;
  len = std::min(len, size_ - addr);
  const uint64_t end = addr + len;
  const uint64_t first_full = (addr + kPageSize - 1) / kPageSize, end_full = end / kPageSize;
  // Partial pages at either end keep their other bytes.
  auto zero = [this](uint64_t a, uint64_t n) {
    auto it = pages_.find(a / kPageSize);
    if (it != pages_.end()) std::memset(it->second->data() + a % kPageSize, 0, n);
  };
  if (first_full > end_full) {  // inside one page
    zero(addr, len);
    return;
  }
  if (addr % kPageSize) zero(addr, first_full * kPageSize - addr);
  if (end % kPageSize) zero(end_full * kPageSize, end % kPageSize);
  // Whole pages: walk whichever is smaller, the range or the allocated pages; the cache
  // forgets them first.
  for (TlbEntry& t : tlb_)
    if (t.page >= first_full && t.page < end_full) t = TlbEntry{};
  if (end_full - first_full < pages_.size()) {
    for (uint64_t p = first_full; p < end_full; ++p) pages_.erase(p);
  } else {
    for (auto it = pages_.begin(); it != pages_.end();)
      it = it->first >= first_full && it->first < end_full ? pages_.erase(it) : std::next(it);
  }
}

uint64_t MainStorage::read_u64(uint64_t addr) {
  uint8_t b[8];
  return read(addr, b, 8) ? arch::load_be64(b) : 0;
}
uint32_t MainStorage::read_u32(uint64_t addr) {
  uint8_t b[4];
  return read(addr, b, 4) ? arch::load_be32(b) : 0;
}
void MainStorage::write_u64(uint64_t addr, uint64_t v) {
  uint8_t b[8];
  arch::store_be64(b, v);
  write(addr, b, 8);
}
void MainStorage::write_u32(uint64_t addr, uint32_t v) {
  uint8_t b[4];
  arch::store_be32(b, v);
  write(addr, b, 4);
}

}  // namespace apsim::sc
