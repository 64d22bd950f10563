// sc/control_domain_request.h — which request messages modify a control domain, and which
// one (kernel-free; read by the SIE path of a guest NQAP, sc/cpu.cpp).
//
// The ADM "controls which domains can be changed by an AP command-request message sent to a
// usage domain from the guest" (ap-facility-spec.md §3.2, [K-doc]).  How the machine tells
// such a message from a usage request is not public.  apsim uses the classification Linux
// itself applies before it checks a request's target domain against an ADM (zcrypt's
// per-device ap_perms->adm, _zcrypt_send_cprb / _zcrypt_send_ep11_cprb in zcrypt_api.c, with
// the flags set in zcrypt_msgtype6.c):
//   * type-6 message (byte 1 = 0x06, struct type6_hdr of 0x58 bytes, agent_id at 32);
//   * CCA (agent_id "CA"): the CPRBX at 0x58; func_id "T3", "T5", "T6" or "T7" marks an
//     administrative request (AP_MSG_FLAG_ADMIN; "T2" is usage); the target domain is the
//     CPRBX `domain` field (u16 at CPRBX + 170);
//   * EP11 (agent_id "XC"): the ep11_cprb at 0x58; flags bit 0x80 marks an administrative
//     request; the target domain is `target_id` (u32 at CPRB + 12).
// All fields big-endian.  Type-50 requests (RSA ME/CRT) modify no domain.  The same offsets
// are in arch/msgtype6.h (the firmware's side); this file needs only these few.
// What the machine answers when the ADM forbids it: SieUnit::adm_denied_rc() (sc/sie.h).
#pragma once

#include <cstddef>
#include <cstdint>

namespace apsim::sc {

inline constexpr size_t kT6TypeOffset = 1;          ///< type6_hdr.type
inline constexpr uint8_t kT6TypeCode = 0x06;
inline constexpr size_t kT6AgentIdOffset = 32;      ///< type6_hdr.agent_id[0..1]
inline constexpr uint16_t kT6AgentCca = 0x4341;     ///< "CA"
inline constexpr uint16_t kT6AgentEp11 = 0x5843;    ///< "XC"
inline constexpr size_t kT6CprbOffset = 0x58;       ///< offset1: the CPRB follows the header
inline constexpr size_t kCprbxFuncIdOffset = 6;     ///< CPRBX.func_id[2]
inline constexpr size_t kCprbxDomainOffset = 170;   ///< CPRBX.domain (u16)
inline constexpr size_t kEp11CprbFlagsOffset = 5;   ///< ep11_cprb.flags (u8)
inline constexpr size_t kEp11CprbTargetOffset = 12; ///< ep11_cprb.target_id (u32)
inline constexpr uint8_t kEp11FlagAdmin = 0x80;
/// Bytes of a message SIE looks at (enough for the CCA CPRBX domain field).
inline constexpr size_t kControlDomainPeekBytes = kT6CprbOffset + kCprbxDomainOffset + 2;

/// The control domain an administrative request modifies, or -1 for a request that modifies
/// none (usage requests, type-50, anything too short to tell).  `msg` holds the first `len`
/// bytes of the message.  The result may exceed 255 (the fields are 16/32 bits wide); SIE
/// never permits such a domain.
inline int64_t control_domain_target(const uint8_t* msg, size_t len) {
  auto be = [msg](size_t off, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = v << 8 | msg[off + i];
    return v;
  };
  if (!msg || len <= kT6AgentIdOffset + 1 || msg[kT6TypeOffset] != kT6TypeCode) return -1;
  const uint64_t agent = be(kT6AgentIdOffset, 2);
  if (agent == kT6AgentCca) {
    if (len < kT6CprbOffset + kCprbxDomainOffset + 2) return -1;
    const uint64_t func_id = be(kT6CprbOffset + kCprbxFuncIdOffset, 2);
    const bool admin = func_id == 0x5433 || func_id == 0x5435 || func_id == 0x5436 || func_id == 0x5437;
    return admin ? static_cast<int64_t>(be(kT6CprbOffset + kCprbxDomainOffset, 2)) : -1;
  }
  if (agent == kT6AgentEp11) {
    if (len < kT6CprbOffset + kEp11CprbTargetOffset + 4) return -1;
    const bool admin = msg[kT6CprbOffset + kEp11CprbFlagsOffset] & kEp11FlagAdmin;
    return admin ? static_cast<int64_t>(be(kT6CprbOffset + kEp11CprbTargetOffset, 4)) : -1;
  }
  return -1;
}

}  // namespace apsim::sc
