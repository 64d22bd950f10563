// arch/gisa.h — the guest interruption state area (GISA), format 0, as far as AP uses it.
//
// Layout (ap-facility-spec.md §6.2, struct kvm_s390_gisa in asm/kvm_host.h): u32 next_alert at
// byte 0 (the GIB alert-list link), u8 ipm at byte 4 (interruption pending mask: bit n of the
// byte = ISC n, MSB-first, so ISC n is 0x80 >> n), 2 reserved bytes, u8 iam at byte 7
// (interruption alert mask, same bit order; KVM's kvm_s390_gisc_register sets it).  The GISA
// lives in host storage (sie_page2 + 0x900 in KVM, driver/linux/kvm-s390.h); its origin >> 4 is what
// AQIC's control carries in its `gisa` field (arch/ap_registers.h AqicControl).
#pragma once

#include <cstdint>

namespace apsim::arch {

constexpr uint32_t kGisaNextAlertOffset = 0;  ///< u32: next GISA on the GIB alert list
constexpr uint32_t kGisaIpmOffset = 4;        ///< u8: interruption pending mask
constexpr uint32_t kGisaIamOffset = 7;        ///< u8: interruption alert mask
constexpr uint32_t kGisaSize = 16;            ///< format-0 GISA, bytes

/// The IPM/IAM bit of interruption subclass `isc` (0..7).
constexpr uint8_t gisa_isc_bit(uint8_t isc) { return static_cast<uint8_t>(0x80u >> (isc & 7)); }

}  // namespace apsim::arch
