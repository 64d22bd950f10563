// arch/qci.h — the 128-byte QCI configuration information block (struct ap_config_info).
//
// Layout (ap-facility-spec.md §2.2): flags u32 at 0 (bit 0 S apsc, 1 N apxa, 2 C qact,
// 3 R rc8a, 8 B apsb), Na at byte 4 (max APs − 1), Nd at byte 5 (max domains − 1), then
// apm[8], aqm[8], adm[8] (u32, MSB-first: bit n = id n) at bytes 16, 48, 80; bytes 112–127
// reserved.  PQAP(QCI) stores it at the 8-byte aligned address in GR2.
#pragma once

#include <cstdint>
#include <cstring>

#include "arch/ap_mask.h"
#include "arch/bits.h"

namespace apsim::arch {

constexpr size_t kQciBlockSize = 128;
constexpr uint32_t QCI_FLAG_APSC = bit32(0);
constexpr uint32_t QCI_FLAG_APXA = bit32(1);
constexpr uint32_t QCI_FLAG_QACT = bit32(2);
constexpr uint32_t QCI_FLAG_RC8A = bit32(3);
constexpr uint32_t QCI_FLAG_APSB = bit32(8);

struct QciInfo {
  uint32_t flags = 0;
  uint8_t na = 0;  ///< maximum APID (number of APs − 1)
  uint8_t nd = 0;  ///< maximum APQI (number of domains − 1)
  ApMask apm, aqm, adm;

  bool apxa() const { return flags & QCI_FLAG_APXA; }

  void to_bytes(uint8_t out[kQciBlockSize]) const {
    std::memset(out, 0, kQciBlockSize);
    store_be32(out, flags);
    out[4] = na;
    out[5] = nd;
    apm.to_bytes(out + 16);
    aqm.to_bytes(out + 48);
    adm.to_bytes(out + 80);
  }
  static QciInfo from_bytes(const uint8_t in[kQciBlockSize]) {
    QciInfo q;
    q.flags = load_be32(in);
    q.na = in[4];
    q.nd = in[5];
    q.apm = ApMask::from_bytes(in + 16);
    q.aqm = ApMask::from_bytes(in + 48);
    q.adm = ApMask::from_bytes(in + 80);
    return q;
  }
  /// Linux: ap_max_adapter_id = apxa && Na ? Na : 63; ap_max_domain_id = apxa && Nd ? Nd : 15.
  unsigned max_adapter_id() const { return apxa() && na ? na : 63; }
  unsigned max_domain_id() const { return apxa() && nd ? nd : 15; }
};

}  // namespace apsim::arch
