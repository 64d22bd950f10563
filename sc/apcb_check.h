// sc/apcb_check.h — the APCB mask check's request/result types, its C++ reference and the
// checker interface.  Kernel-free: no SystemC include, usable from plain unit tests.
//
// Source: ap-facility-spec.md §3.1 (CRYCB formats, mask widths, MSB-first bit order) and §3.2
// (APQN valid iff APID in APM and APQI in AQM; ADM = control domains a request may modify).
//
// The SIE model reads, per instruction, the three 64-bit mask words that hold the relevant
// ids (arch::crycb_mask_word_offset) out of the guest's CRYCB and asks an ApcbChecker:
//  * cycle mode: ApcbCheckRtl (sc/apcb_check_rtl.h), the Verilated rtl/apcb_check.sv,
//    2 cycles of latency;
//  * fast mode: apcb_check_ref below, untimed (cycles = 0).
// Both decide identically (testbench/tests/rtl/test_apcb_check.cpp).
#pragma once

#include <cstdint>

namespace apsim::sc {

/// One check, as presented to the RTL's ports (widths in bits in brackets).
struct ApcbCheckRequest {
  uint32_t fmt;        ///< [2] CRYCB format bits: only fmt & 3 is used (so crycbd itself may be
                       ///<     passed): 0, 1, 3 (= format 2); 2 is invalid
  uint8_t apid, apqi;  ///< [8] [8] the instruction's APQN
  bool cdom_check;     ///< [1] the instruction also modifies control domain `cdom`
  uint8_t cdom;        ///< [8]
  uint64_t apm_word;   ///< [64] stored mask word holding apid (bit for id i: word >> (63 - i % 64))
  uint64_t aqm_word;   ///< [64] stored mask word holding apqi
  uint64_t adm_word;   ///< [64] stored mask word holding cdom
};

struct ApcbCheckResult {
  bool allow;       ///< APQN valid: APM bit and AQM bit set, both ids within the format's width
  bool cdom_allow;  ///< !cdom_check, or ADM bit set and cdom within width; false for format 2'b10
  uint32_t cycles;  ///< clock cycles the check took (0 for the reference)
};

/// The C++ reference (fast mode).  Format 0/1: apid < 64, apqi < 16, cdom < 16;
/// format 2: any id; fmt == 2: not a format, allow = cdom_allow = false.
ApcbCheckResult apcb_check_ref(const ApcbCheckRequest& req);

/// What the SIE model asks.  Cycle-mode implementations may wait() and so must be called
/// from an SC_THREAD.
class ApcbChecker {
 public:
  virtual ~ApcbChecker() = default;
  virtual ApcbCheckResult check(const ApcbCheckRequest& req) = 0;
};

/// ApcbChecker over apcb_check_ref: untimed, usable without a SystemC kernel.
class ApcbCheckRef final : public ApcbChecker {
 public:
  ApcbCheckResult check(const ApcbCheckRequest& req) override { return apcb_check_ref(req); }
};

}  // namespace apsim::sc
