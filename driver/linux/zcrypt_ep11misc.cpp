// driver/linux/zcrypt_ep11misc.cpp — the EP11 module and domain queries
// (zcrypt_ep11misc.c); see the header.
#include "driver/linux/zcrypt_ep11misc.h"

#include <algorithm>
#include <cerrno>

#include "arch/bits.h"
#include "arch/ep11_ber.h"
#include "arch/msgtype6.h"
#include "driver/linux/kernel.h"
#include "driver/linux/zcrypt_api.h"

namespace apsim::driver {

namespace arch = apsim::arch;

namespace {

/// struct ep11_info_rep_pl: pl_head (30 82 len, function, domain: 16 bytes), the return
/// value field (6), the data field's tag, length format and u16 length (4).
constexpr size_t kRepRcField = 16;
constexpr size_t kRepDataTag = 22;
constexpr size_t kRepDataLen = 24;
constexpr size_t kRepHeadSize = 26;

/// check_reply_pl: 0 or -EIO.
int check_reply_pl(const uint8_t* pl, size_t n) {
  size_t off = 1, len = 0;
  if (n < 2 || pl[0] != arch::EP11_PAYLOAD_TAG) return -EIO;  // "reply start tag mismatch"
  // "payload length format": < 127 one byte, 0x81 and 0x82 (arch::ber_get_length also
  // checks that the payload is there, which Linux takes on trust).
  if (!arch::ber_get_length(pl, n, off, len)) return -EIO;
  if (len < 3 * 6) return -EIO;  // "len should cover at least 3 fields with 32 bit value each"
  for (int field = 0; field < 3; ++field)  // function, domain, return value: 04 04 u32
    if (pl[off + 6 * field] != arch::EP11_OCTET_TAG || pl[off + 6 * field + 1] != 4) return -EIO;
  if (arch::load_be32(pl + off + 12 + 2) != 0) return -EIO;  // "return value 0x%04x != 0"
  return 0;
}

}  // namespace

int Ep11CardCache::fetch(uint16_t card, Ep11CardInfo& ci) const {
  auto it = entries_.find(card);
  if (it == entries_.end()) return -ENOENT;
  ci = it->second;
  return 0;
}

void Ep11CardCache::update(uint16_t card, const Ep11CardInfo& ci) { entries_[card] = ci; }

void Ep11CardCache::scrub(uint16_t card) { entries_.erase(card); }

ep11_urb ep11_query_info_urb(uint16_t cardnr, uint16_t domain, uint32_t query_type, size_t buflen) {
  Bytes params;
  arch::ep11_put_u32(params, query_type);
  arch::ep11_put_u32(params, 0);  // query_subtype: kzalloc'd
  ep11_urb u;
  u.ap_id = cardnr;
  u.dom_id = domain;
  // alloc_cprb leaves target_id 0, prep_head the payload's domain: zcrypt puts the queue's
  // domain into both (zcrypt_msgtype6_send_ep11_cprb).
  u.req = ep11_prep_request(0, arch::EP11_API_V1, arch::EP11_FN_GET_XCP_INFO, params);
  u.resp_len = arch::EP11_CPRB_SIZE + kRepHeadSize + buflen;
  return u;
}

int ep11_query_info_reply(const ep11_urb& urb, size_t buflen, Bytes& buf) {
  const Bytes& r = urb.resp;
  if (r.size() < arch::EP11_CPRB_SIZE + kRepHeadSize) return -EIO;
  const uint8_t* pl = r.data() + arch::EP11_CPRB_SIZE;
  const size_t n = r.size() - arch::EP11_CPRB_SIZE;
  if (int rc = check_reply_pl(pl, n); rc) return rc;
  // The struct's fields at fixed offsets (its pl_head has the 0x82 length form).
  static_assert(kRepDataTag == kRepRcField + 6);
  if (pl[kRepDataTag] != arch::EP11_OCTET_TAG || pl[kRepDataTag + 1] != 0x82) return -EIO;  // "unknown reply data format"
  const size_t len = arch::load_be16(pl + kRepDataLen);
  if (len > buflen) return -ENOSPC;  // "mismatch between reply data len and buffer len"
  if (kRepHeadSize + len > n) return -EIO;
  buf.assign(pl + kRepHeadSize, pl + kRepHeadSize + len);
  return 0;
}

int ep11_query_info(LinuxKernel& k, uint16_t cardnr, uint16_t domain, uint32_t query_type, size_t buflen, Bytes& buf) {
  ep11_urb u = ep11_query_info_urb(cardnr, domain, query_type, buflen);
  if (int rc = zcrypt_send_ep11_cprb(k, u); rc) return rc;
  return ep11_query_info_reply(u, buflen, buf);
}

void ep11_card_info_from_module_info(const Bytes& mqi, Ep11CardInfo& info) {
  Bytes b(arch::EP11_MQI_SIZE, 0);
  std::copy_n(mqi.begin(), std::min(mqi.size(), b.size()), b.begin());
  info = Ep11CardInfo{};
  info.API_ord_nr = arch::load_be32(&b[arch::EP11_MQI_API_ORD_NR]);
  info.FW_version = static_cast<uint16_t>((b[arch::EP11_MQI_FW_MAJOR] << 8) + b[arch::EP11_MQI_FW_MINOR]);
  std::copy_n(b.begin() + arch::EP11_MQI_SERIAL, info.serial.size(), info.serial.begin());
  info.op_mode = arch::load_be64(&b[arch::EP11_MQI_OP_MODE]);
}

void ep11_domain_info_from_query(const Bytes& dqi, Ep11DomainInfo& info) {
  Bytes b(arch::EP11_DQI_SIZE, 0);
  std::copy_n(dqi.begin(), std::min(dqi.size(), b.size()), b.begin());
  const uint32_t flags = arch::load_be32(&b[arch::EP11_DQI_FLAGS]);
  info = Ep11DomainInfo{};
  info.cur_wk_state = '0';
  info.new_wk_state = '0';
  if (flags & arch::EP11_DOM_IMPRINT_LEFT) {
    if (flags & arch::EP11_DOM_CUR_WK_VALID) {
      info.cur_wk_state = '1';
      std::copy_n(b.begin() + arch::EP11_DQI_CUR_WKVP, info.cur_wkvp.size(), info.cur_wkvp.begin());
    }
    if (flags & (arch::EP11_DOM_NEW_WK_PRESENT | arch::EP11_DOM_NEW_WK_COMMITTED)) {
      info.new_wk_state = flags & arch::EP11_DOM_NEW_WK_COMMITTED ? '2' : '1';
      std::copy_n(b.begin() + arch::EP11_DQI_NEW_WKVP, info.new_wkvp.size(), info.new_wkvp.begin());
    }
  }
  info.op_mode = arch::load_be64(&b[arch::EP11_DQI_OP_MODE]);
}

int ep11_get_card_info(LinuxKernel& k, uint16_t card, Ep11CardInfo& info, bool verify) {
  const bool cached = !k.profile().zcrypt_info_no_cache;
  Ep11CardCache& cache = k.zcrypt().ep11_card_cache();
  int rc = cached ? cache.fetch(card, info) : -ENOENT;
  if (rc || verify) {
    Bytes mqi;
    rc = ep11_query_info(k, card, AUTOSEL_DOM, arch::EP11_QUERY_MODULE_INFO, arch::EP11_MQI_SIZE, mqi);
    if (rc) {
      if (cached && rc == -ENODEV) cache.scrub(card);
      return rc;
    }
    ep11_card_info_from_module_info(mqi, info);
    if (cached) cache.update(card, info);
  }
  return rc;
}

int ep11_get_domain_info(LinuxKernel& k, uint16_t card, uint16_t domain, Ep11DomainInfo& info) {
  Bytes dqi;
  if (int rc = ep11_query_info(k, card, domain, arch::EP11_QUERY_DOMAIN_INFO, arch::EP11_DQI_SIZE, dqi); rc) return rc;
  ep11_domain_info_from_query(dqi, info);
  return 0;
}

}  // namespace apsim::driver
