// testbench/tests/common/untimed_cpu.h — an untimed CPU context for SystemC-free unit tests
// of driver/ (DESIGN.md "Two seams": "an untimed reference implementation for SystemC-free
// unit tests").  It has no AP instructions (facilities().ap is false, as on a machine without
// the AP facility: every AP instruction is an operation exception), sparse zeroed storage,
// and a clock that only moves when software lets time pass (delay_ps, wait_for_interrupt).
// A Linux kernel booted on it has no AP bus; its sysfs, shell and programs work as usual.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>

#include "arch/ap_instructions.h"

namespace apsim::test {

class UntimedCpu : public arch::Cpu {
 public:
  /// `storage_bytes` of storage (addresses beyond it are refused).
  explicit UntimedCpu(uint64_t storage_bytes = 1ull << 30) : storage_(storage_bytes) { fac_.ap = false; }

  arch::ApInstructions& ap() override { return ap_; }
  arch::Storage& storage() override { return storage_; }
  const arch::Facilities& facilities() const override { return fac_; }
  uint64_t now_ps() override { return now_ps_; }
  void delay_ps(uint64_t ps) override { now_ps_ += ps; }
  /// No adapter ever interrupts: the whole timeout passes.
  arch::WakeReason wait_for_interrupt(uint64_t timeout_ps) override {
    now_ps_ += timeout_ps;
    return arch::WakeReason::timeout;
  }
  /// Untimed: a software step lets no time pass; it is counted (steps()) so that a test can
  /// see which steps a program ran.
  void run_software(arch::SoftwareStep step) override { ++steps_[step]; }
  uint64_t place_software(unsigned, arch::SoftwareStep step, uint64_t ready_ps) override {
    ++steps_[step];
    return ready_ps;
  }
  /// How many times each software step ran.
  const std::map<arch::SoftwareStep, uint64_t>& steps() const { return steps_; }
  uint64_t steps(arch::SoftwareStep s) const {
    auto it = steps_.find(s);
    return it == steps_.end() ? 0 : it->second;
  }
  std::string name() const override { return "untimed"; }

 private:
  // Without the AP facility each AP instruction is an operation exception.
  struct NoAp : arch::ApInstructions {
    arch::InsnOutcome pqap(arch::GeneralRegisters&) override { return {0, arch::PGM_OPERATION}; }
    arch::InsnOutcome nqap(arch::GeneralRegisters&, unsigned, unsigned) override { return {0, arch::PGM_OPERATION}; }
    arch::InsnOutcome dqap(arch::GeneralRegisters&, unsigned, unsigned) override { return {0, arch::PGM_OPERATION}; }
  };
  // Sparse storage: 4 KiB pages made on first write, zeros elsewhere.
  class SparseStorage : public arch::Storage {
   public:
    explicit SparseStorage(uint64_t size) : size_(size) {}
    bool read(uint64_t addr, void* dst, size_t len) override {
      if (addr > size_ || len > size_ - addr) return false;
      auto* out = static_cast<uint8_t*>(dst);
      for (size_t i = 0; i < len;) {
        const uint64_t page = (addr + i) / kPage, off = (addr + i) % kPage;
        const size_t n = std::min<size_t>(len - i, kPage - off);
        auto it = pages_.find(page);
        if (it == pages_.end()) std::memset(out + i, 0, n);
        else std::memcpy(out + i, it->second.data() + off, n);
        i += n;
      }
      return true;
    }
    bool write(uint64_t addr, const void* src, size_t len) override {
      if (addr > size_ || len > size_ - addr) return false;
      const auto* in = static_cast<const uint8_t*>(src);
      for (size_t i = 0; i < len;) {
        const uint64_t page = (addr + i) / kPage, off = (addr + i) % kPage;
        const size_t n = std::min<size_t>(len - i, kPage - off);
        std::memcpy(pages_[page].data() + off, in + i, n);  // a new page starts zeroed
        i += n;
      }
      return true;
    }
    uint64_t size() const override { return size_; }

   private:
    static constexpr uint64_t kPage = 4096;
    uint64_t size_;
    std::map<uint64_t, std::array<uint8_t, kPage>> pages_;
  };

  arch::Facilities fac_;
  std::map<arch::SoftwareStep, uint64_t> steps_;
  NoAp ap_;
  SparseStorage storage_;
  uint64_t now_ps_ = 0;
};

}  // namespace apsim::test
