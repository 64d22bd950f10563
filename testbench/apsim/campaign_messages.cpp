// testbench/apsim/campaign_messages.cpp — the campaigns' request messages (campaign_messages.h).
#include "testbench/apsim/campaign_messages.h"

#include "arch/bits.h"
#include "arch/msgtype6.h"

namespace apsim::tb {

std::vector<uint8_t> type6_request(bool ep11, bool admin, uint32_t dom) {
  using Bytes = std::vector<uint8_t>;
  Bytes m(arch::TYPE6_CPRB_OFFSET + 256, 0);
  m[arch::T6_TYPE] = arch::TYPE6_TYPE_CODE;
  arch::store_be32(&m[arch::T6_OFFSET1], arch::TYPE6_CPRB_OFFSET);
  arch::store_be16(&m[arch::T6_AGENT_ID], ep11 ? arch::TYPE6_AGENT_EP11 : arch::TYPE6_AGENT_CCA);
  uint8_t* cprb = &m[arch::TYPE6_CPRB_OFFSET];
  if (ep11) {
    cprb[arch::EP11_CPRB_VER_ID] = arch::EP11_CPRB_VERSION;
    cprb[arch::EP11_CPRB_FLAGS] = admin ? arch::EP11_CPRB_FLAG_ADMIN : 0;
    arch::store_be32(cprb + arch::EP11_CPRB_TARGET_ID, dom);
  } else {
    arch::store_be16(cprb + arch::CPRBX_CPRB_LEN, arch::CPRBX_SIZE);
    cprb[arch::CPRBX_CPRB_VER_ID] = arch::CPRBX_VERSION;
    arch::store_be16(cprb + arch::CPRBX_FUNC_ID, admin ? arch::CPRBX_FUNC_ID_T3 : arch::CPRBX_FUNC_ID_T2);
    arch::store_be16(cprb + arch::CPRBX_DOMAIN, static_cast<uint16_t>(dom));
  }
  return m;
}

std::vector<uint8_t> type50_request(std::mt19937_64& rng) {
  using Bytes = std::vector<uint8_t>;
  Bytes m(400, 0);
  m[1] = 0x50;
  arch::store_be16(&m[2], 400);
  arch::store_be16(&m[8], 0x0001);  // MEB1
  for (size_t i = 16; i < m.size(); ++i) m[i] = static_cast<uint8_t>(rng());
  m[16 + 128] |= 0x80;       // a modulus of full length
  m[16 + 255] |= 0x01;       // odd
  m[16 + 256] = 0;           // a message below it
  return m;
}

}  // namespace apsim::tb
