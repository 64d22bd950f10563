// sc/control_domain_request.h — which request messages modify a control domain, and which
// one (kernel-free; read by the SIE path of a guest NQAP, sc/cpu.cpp).
//
// The ADM "controls which domains can be changed by an AP command-request message sent to a
// usage domain from the guest" (ap-facility-spec.md §3.2, [K-doc]).  How the machine tells
// such a message from a usage request is not public.  apsim uses the classification Linux
// itself applies before it checks a request's target domain against an ADM (zcrypt's
// per-device ap_perms->adm, _zcrypt_send_cprb / _zcrypt_send_ep11_cprb in zcrypt_api.c, with
// the flags set in zcrypt_msgtype6.c):
//   * a type-6 message (type6_hdr.type 0x06; the CPRB follows the header at offset1);
//   * CCA (agent_id "CA"): a CPRBX whose func_id is "T3", "T5", "T6" or "T7" is
//     administrative (AP_MSG_FLAG_ADMIN; "T2" is usage); its target domain is the CPRBX
//     `domain` field;
//   * EP11 (agent_id "XC"): an ep11_cprb with flags bit 0x80 is administrative; its target
//     domain is `target_id`.
// Type-50 requests (RSA ME/CRT) modify no domain.  Every offset and code is arch/msgtype6.h's
// (the layouts the driver and the firmware use too), read big-endian.
// What the machine answers when the ADM forbids it: SieUnit::adm_denied_rc() (sc/sie.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/bits.h"
#include "arch/msgtype6.h"

namespace apsim::sc {

/// Bytes of a message SIE looks at (enough for the CCA CPRBX domain field).
inline constexpr size_t kControlDomainPeekBytes = arch::TYPE6_CPRB_OFFSET + arch::CPRBX_DOMAIN + 2;

/// The control domain an administrative request modifies, or -1 for a request that modifies
/// none (usage requests, type-50, anything too short to tell).  `msg` holds the first `len`
/// bytes of the message.  The result may exceed 255 (the fields are 16/32 bits wide); SIE
/// never permits such a domain.
inline int64_t control_domain_target(const uint8_t* msg, size_t len) {
  if (!msg || len <= arch::T6_AGENT_ID + 1 || msg[arch::T6_TYPE] != arch::TYPE6_TYPE_CODE) return -1;
  const uint16_t agent = arch::load_be16(msg + arch::T6_AGENT_ID);
  if (agent == arch::TYPE6_AGENT_CCA) {
    if (len < arch::TYPE6_CPRB_OFFSET + arch::CPRBX_DOMAIN + 2) return -1;
    const uint8_t* cprbx = msg + arch::TYPE6_CPRB_OFFSET;
    const bool admin = arch::cprbx_func_id_is_admin(arch::load_be16(cprbx + arch::CPRBX_FUNC_ID));
    return admin ? static_cast<int64_t>(arch::load_be16(cprbx + arch::CPRBX_DOMAIN)) : -1;
  }
  if (agent == arch::TYPE6_AGENT_EP11) {
    if (len < arch::TYPE6_CPRB_OFFSET + arch::EP11_CPRB_TARGET_ID + 4) return -1;
    const uint8_t* cprb = msg + arch::TYPE6_CPRB_OFFSET;
    const bool admin = cprb[arch::EP11_CPRB_FLAGS] & arch::EP11_CPRB_FLAG_ADMIN;
    return admin ? static_cast<int64_t>(arch::load_be32(cprb + arch::EP11_CPRB_TARGET_ID)) : -1;
  }
  return -1;
}

}  // namespace apsim::sc
