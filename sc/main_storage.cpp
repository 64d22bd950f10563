// sc/main_storage.cpp — sparse big-endian main storage.
#include "sc/main_storage.h"

#include <algorithm>
#include <cstring>

#include "arch/bits.h"

namespace apsim::sc {

bool MainStorage::read(uint64_t addr, void* dst, size_t len) {
  if (addr > size_ || len > size_ - addr) return false;
  auto* out = static_cast<uint8_t*>(dst);
  while (len) {
    const uint64_t page = addr / kPageSize, off = addr % kPageSize;
    const size_t n = std::min<uint64_t>(len, kPageSize - off);
    auto it = pages_.find(page);
    if (it == pages_.end()) std::memset(out, 0, n);
    else std::memcpy(out, it->second->data() + off, n);
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
    auto& p = pages_[page];
    if (!p) p = std::make_unique<Page>(Page{});
    std::memcpy(p->data() + off, in, n);
    in += n, addr += n, len -= n;
  }
  return true;
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
