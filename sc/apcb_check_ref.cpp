// sc/apcb_check_ref.cpp — the C++ reference APCB mask check (fast mode).
// Source: ap-facility-spec.md §3.1/§3.2; the same decision as rtl/apcb_check.sv.
#include "sc/apcb_check.h"

#include "arch/bits.h"
#include "arch/crycb.h"

namespace apsim::sc {

namespace {
/// MSB-first bit of `id` in the 64-bit mask word that holds it.
bool mask_bit(uint64_t word, unsigned id) { return (word & arch::bit64(id % 64)) != 0; }
}  // namespace

ApcbCheckResult apcb_check_ref(const ApcbCheckRequest& req) {
  using arch::ApcbMask;
  const uint32_t fmt = req.fmt & arch::CRYCB_FORMAT_MASK;
  if (fmt != arch::CRYCB_FORMAT0 && fmt != arch::CRYCB_FORMAT1 && fmt != arch::CRYCB_FORMAT2)
    return {false, false, 0};  // 2'b10 is not a format: deny everything

  const bool allow = req.apid <= arch::crycb_max_id(fmt, ApcbMask::APM) &&
                     req.apqi <= arch::crycb_max_id(fmt, ApcbMask::AQM) &&
                     mask_bit(req.apm_word, req.apid) && mask_bit(req.aqm_word, req.apqi);
  const bool cdom_allow = !req.cdom_check || (req.cdom <= arch::crycb_max_id(fmt, ApcbMask::ADM) &&
                                              mask_bit(req.adm_word, req.cdom));
  return {allow, cdom_allow, 0};
}

}  // namespace apsim::sc
