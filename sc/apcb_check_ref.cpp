// sc/apcb_check_ref.cpp — the C++ reference APCB mask check (fast mode).
// Source: ap-facility-spec.md §3.1/§3.2; the same registers and decisions as
// rtl/apcb_check.sv and rtl/apcb_ctx.sv.
#include "sc/apcb_check.h"

#include <stdexcept>

#include "arch/crycb.h"

namespace apsim::sc {

ApcbCheckResult apcb_decide(const Apcb& a, const ApcbCheckRequest& req) {
  using arch::ApcbMask;
  const uint32_t fmt = a.fmt;
  if (fmt != arch::CRYCB_FORMAT0 && fmt != arch::CRYCB_FORMAT1 && fmt != arch::CRYCB_FORMAT2)
    return {false, false, 0};  // 2'b10 is not a format: deny everything
  const bool allow = req.apid <= arch::crycb_max_id(fmt, ApcbMask::APM) &&
                     req.apqi <= arch::crycb_max_id(fmt, ApcbMask::AQM) && a.apm.test(req.apid) &&
                     a.aqm.test(req.apqi);
  const bool cdom_allow =
      !req.cdom_check || (req.cdom <= arch::crycb_max_id(fmt, ApcbMask::ADM) && a.adm.test(req.cdom));
  return {allow, cdom_allow, 0};
}

uint32_t ApcbCheckRef::load(unsigned ctx, ApcbLoadSel sel, unsigned word, uint64_t data) {
  if (ctx >= kApcbContexts || word >= 4) throw std::out_of_range("ApcbCheckRef::load: context or word out of range");
  Apcb& s = shadow_[ctx];
  switch (sel) {
    case ApcbLoadSel::APM: s.apm.set_word64(word, data); break;
    case ApcbLoadSel::AQM: s.aqm.set_word64(word, data); break;
    case ApcbLoadSel::ADM: s.adm.set_word64(word, data); break;
    case ApcbLoadSel::FMT: s.fmt = static_cast<uint32_t>(data & 3); break;
  }
  return 0;
}

uint32_t ApcbCheckRef::commit(unsigned ctx) {
  active_.at(ctx) = shadow_.at(ctx);
  return 0;
}

ApcbCheckResult ApcbCheckRef::check(const ApcbCheckRequest& req) { return apcb_decide(active_.at(req.ctx & 3), req); }

}  // namespace apsim::sc
