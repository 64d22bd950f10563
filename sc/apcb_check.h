// sc/apcb_check.h — the APCB mask check's register interface, its request/result types, its
// C++ reference and the checker interface.  Kernel-free: no SystemC include, usable from
// plain unit tests.
//
// Source: ap-facility-spec.md §3.1 (CRYCB formats, mask widths, MSB-first bit order; KVM
// rewrites the masks with every vCPU blocked) and §3.2 (APQN valid iff APID in APM and APQI
// in AQM; ADM = control domains a request may modify).
//
// The checker holds kApcbContexts APCB contexts, each double-buffered (rtl/apcb_ctx.sv):
//  * load(): one 64-bit word of the CRYCB, or the format, into a context's SHADOW APCB;
//  * commit(): the whole shadow APCB of a context becomes its ACTIVE APCB at once;
//  * check(): one guest instruction's APQN (and control domain) against the ACTIVE APCB of
//    its context.  The cost of a check does not depend on what the masks hold.
// The SIE unit (sc/sie.h) loads a context from the guest's CRYCB and commits it at SIE entry
// and when KVM's blocked-vCPU mask update completes.  Implementations:
//  * cycle mode: ApcbCheckRtl (sc/apcb_check_rtl.h), the Verilated rtl/apcb_check.sv:
//    load 1 cycle, commit 1 cycle, check 2 cycles;
//  * fast mode: ApcbCheckRef below, untimed (cycles = 0).
// Both decide identically (testbench/tests/rtl/test_apcb_check.cpp).
#pragma once

#include <array>
#include <cstdint>

#include "arch/ap_mask.h"

namespace apsim::sc {

/// APCB contexts of the checker (rtl/apcb_check.sv NCTX; context ports are 2 bits wide).
inline constexpr unsigned kApcbContexts = 4;
/// Format value of a context that holds no APCB (2'b10 is not a CRYCB format): denies all.
inline constexpr uint32_t kApcbNoFormat = 2;

/// What a load() writes: a 64-bit mask word, or the format (data bits 1..0).
enum class ApcbLoadSel : uint8_t { APM = 0, AQM = 1, ADM = 2, FMT = 3 };

/// One APCB as the checker holds it: CRYCB format bits (crycbd & 3: 0, 1, 3 = format 2;
/// kApcbNoFormat = none) and three 256-bit masks, MSB-first (arch/ap_mask.h).
struct Apcb {
  uint32_t fmt = kApcbNoFormat;
  arch::ApMask apm, aqm, adm;
  bool operator==(const Apcb& o) const { return fmt == o.fmt && apm == o.apm && aqm == o.aqm && adm == o.adm; }
  bool operator!=(const Apcb& o) const { return !(*this == o); }
};

/// One check, as presented to the RTL's request ports (widths in bits in brackets).
struct ApcbCheckRequest {
  uint8_t ctx = 0;          ///< [2] APCB context of the guest executing the instruction
  uint8_t apid = 0;         ///< [8] the instruction's APQN
  uint8_t apqi = 0;         ///< [8]
  bool cdom_check = false;  ///< [1] the instruction also modifies control domain `cdom`
  uint8_t cdom = 0;         ///< [8]
};

struct ApcbCheckResult {
  bool allow = false;       ///< APQN valid: format valid, APM and AQM bit set, ids within width
  bool cdom_allow = false;  ///< format valid and (!cdom_check, or ADM bit set and cdom within width)
  uint32_t cycles = 0;      ///< clock cycles the check took (0 for the reference)
};

/// The decision on one APCB (the reference of rtl/apcb_check.sv's pipeline).  Format 0/1:
/// apid < 64, apqi < 16, cdom < 16; format 2 (fmt 3): any id; any other fmt: deny all.
ApcbCheckResult apcb_decide(const Apcb& apcb, const ApcbCheckRequest& req);

/// What the SIE unit drives.  Cycle-mode implementations may wait() and so must be called
/// from an SC_THREAD.  `ctx` < kApcbContexts, `word` < 4.
class ApcbChecker {
 public:
  virtual ~ApcbChecker() = default;
  /// Write one word into the shadow APCB of `ctx`.  Returns the clock cycles it took.
  virtual uint32_t load(unsigned ctx, ApcbLoadSel sel, unsigned word, uint64_t data) = 0;
  /// Shadow -> active for `ctx`, all of it on one edge.  Returns the clock cycles it took.
  virtual uint32_t commit(unsigned ctx) = 0;
  /// One check against the active APCB of req.ctx.
  virtual ApcbCheckResult check(const ApcbCheckRequest& req) = 0;
  /// The active APCB of `ctx` (read back from the registers; no simulated time).
  virtual Apcb active(unsigned ctx) const = 0;
};

/// ApcbChecker in C++ (fast mode): the same registers and decisions, untimed, usable without
/// a SystemC kernel.
class ApcbCheckRef final : public ApcbChecker {
 public:
  uint32_t load(unsigned ctx, ApcbLoadSel sel, unsigned word, uint64_t data) override;
  uint32_t commit(unsigned ctx) override;
  ApcbCheckResult check(const ApcbCheckRequest& req) override;
  Apcb active(unsigned ctx) const override { return active_.at(ctx); }
  Apcb shadow(unsigned ctx) const { return shadow_.at(ctx); }

 private:
  std::array<Apcb, kApcbContexts> shadow_{}, active_{};
};

}  // namespace apsim::sc
