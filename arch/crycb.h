// arch/crycb.h — the SIE state description's crypto fields, the CRYCB and its APCB.
//
// The offsets marked "apsim" are this model's own choice: the public headers were not read
// for them, and only this model's KVM and CPU use them.
// Sources: ap-facility-spec.md §3.1 (kvm_host_types.h, kvm_host.h, kvm-s390.c).
//  * SIE block: `eca` u32 at 0x004c (ECA_APIE 0x00000008, ECA_AIV 0x00200000);
//    `crycbd` u32 at 0x00fc = CRYCB origin (31-bit, 8-byte aligned: mask 0x7ffffff8) | format.
//  * Format 0/1: APCB0 at CRYCB+0x00: apm u64 @0x00 (APIDs 0–63), aqm u64 @0x08, adm u64 @0x10;
//    KVM writes 8 bytes of APM and 2 bytes of AQM/ADM, so APQIs and control domains 0–15 only.
//  * Format 2: APCB1 at CRYCB+0x80: apm[4] @+0x00, aqm[4] @+0x20, adm[4] @+0x40 (256 bits each).
//  * Bit order MSB-first, id n = bit n from the left.
#pragma once

#include <cstdint>

namespace apsim::arch {

constexpr uint32_t kSieEcaOffset = 0x004c;
constexpr uint32_t kSieCrycbdOffset = 0x00fc;
constexpr uint32_t kSieMsoOffset = 0x0200;  ///< apsim: guest main-storage origin (u64), see sc/sie.h
constexpr uint32_t kSieMslOffset = 0x0208;  ///< apsim: guest main-storage limit (u64)
constexpr uint32_t kSieGisaOffset = 0x0210; ///< apsim: GISA origin (u64), 0 = none
constexpr uint32_t kSieBlockSize = 0x0400;

constexpr uint32_t ECA_APIE = 0x00000008;  ///< AP instruction interpretation
constexpr uint32_t ECA_AIV = 0x00200000;   ///< adapter-interruption virtualization

constexpr uint32_t CRYCB_FORMAT_MASK = 0x00000003;
constexpr uint32_t CRYCB_FORMAT0 = 0x00000000;
constexpr uint32_t CRYCB_FORMAT1 = 0x00000001;
constexpr uint32_t CRYCB_FORMAT2 = 0x00000003;
constexpr uint32_t CRYCB_ORIGIN_MASK = 0x7ffffff8;
constexpr uint32_t kCrycbSize = 0x100;

enum class ApcbMask : uint8_t { APM = 0, AQM = 1, ADM = 2 };

/// Width limit of a CRYCB format: the largest id of `which` the format can carry.
constexpr unsigned crycb_max_id(uint32_t format, ApcbMask which) {
  if (format == CRYCB_FORMAT2) return 255;
  return which == ApcbMask::APM ? 63 : 15;
}

/// Byte offset, from the CRYCB origin, of the 64-bit word of mask `which` that holds id `id`.
/// For format 0/1 the single 64-bit word at APCB0 is returned for every id; ids beyond the
/// format's width are excluded by the check itself (crycb_max_id), not by the address.
constexpr uint32_t crycb_mask_word_offset(uint32_t format, ApcbMask which, unsigned id) {
  if (format == CRYCB_FORMAT2) return 0x80 + 0x20 * static_cast<uint32_t>(which) + 8 * ((id & 0xff) / 64);
  return 0x08 * static_cast<uint32_t>(which);
}

}  // namespace apsim::arch
