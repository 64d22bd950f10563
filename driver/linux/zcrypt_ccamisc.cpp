// driver/linux/zcrypt_ccamisc.cpp — the CCA facility query and cca_get_info (zcrypt_ccamisc.c);
// see the header.
#include "driver/linux/zcrypt_ccamisc.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "arch/bits.h"
#include "arch/msgtype6.h"
#include "driver/linux/kernel.h"
#include "driver/linux/zcrypt_api.h"

namespace apsim::driver {

namespace arch = apsim::arch;

namespace {

/// PAGE_SIZE / 2: the rule-array and verb-data buffers fetch_cca_info hands over.
constexpr size_t kHalfPage = 2048;

}  // namespace

int CcaInfoCache::fetch(uint16_t card, uint16_t domain, CcaInfo& ci) const {
  auto it = entries_.find({card, domain});
  if (it == entries_.end()) return -ENOENT;
  ci = it->second;
  return 0;
}

void CcaInfoCache::update(uint16_t card, uint16_t domain, const CcaInfo& ci) { entries_[{card, domain}] = ci; }

ica_xcRB cca_fq_xcrb(uint16_t cardnr, uint16_t domain, const char* keyword) {
  // struct fqreqparm: "FQ", rule_array_len, the keyword, lv1 {len, data[VARDATASIZE]},
  // dummylen -- kcalloc'd, so the data is zero.
  Bytes parm(arch::CCA_FQ_REQ_PARM_SIZE, 0);
  arch::store_be16(&parm[arch::CCA_PARM_SUBFUNC], arch::CCA_FC_FQ);
  arch::store_be16(&parm[arch::CCA_PARM_RULE_LEN], 2 + arch::CCA_RULE_SIZE);
  std::memcpy(&parm[arch::CCA_PARM_RULES], keyword, std::min(std::strlen(keyword), arch::CCA_RULE_SIZE));
  const size_t lv1 = arch::CCA_PARM_RULES + arch::CCA_RULE_SIZE;
  arch::store_be16(&parm[lv1], static_cast<uint16_t>(2 + arch::CCA_VARDATASIZE));
  arch::store_be16(&parm[lv1 + 2 + arch::CCA_VARDATASIZE], 2);
  // alloc_and_prep_cprbmem: rpl_msgbl = CPRBX + the parameter block.
  return prep_xcrb(cardnr, cca_prep_cprb(domain, parm, static_cast<uint32_t>(arch::CPRBX_SIZE + parm.size())));
}

int cca_fq_reply(const ica_xcRB& x, Bytes& rarray, size_t& rarraylen, Bytes& varray, size_t& varraylen) {
  const Bytes& r = x.reply_control_blk;
  uint16_t rtcode = 0, rscode = 0;
  if (cca_reply_codes(x, rtcode, rscode)) return -EIO;
  if (rtcode != 0) return -EIO;  // "unwrap secure key failure, card response %d/%d"
  // struct fqrepparm at the reply CPRB + sizeof(struct CPRBX): subfunc_code, then the blocks.
  size_t off = arch::CPRBX_SIZE + 2;
  const auto copy_block = [&](Bytes& out, size_t& outlen) {
    if (off + 2 > r.size()) return false;
    const size_t len = arch::load_be16(&r[off]);
    if (len > 2) {
      if (off + len > r.size()) return false;
      if (outlen > 0) {
        outlen = std::min(len - 2, outlen);
        out.assign(r.begin() + static_cast<std::ptrdiff_t>(off + 2),
                   r.begin() + static_cast<std::ptrdiff_t>(off + 2 + outlen));
      }
      off += len;
    }
    return true;
  };
  if (!copy_block(rarray, rarraylen) || !copy_block(varray, varraylen)) return -EIO;
  return 0;
}

int cca_query_crypto_facility(LinuxKernel& k, uint16_t cardnr, uint16_t domain, const char* keyword, Bytes& rarray,
                              size_t& rarraylen, Bytes& varray, size_t& varraylen) {
  ica_xcRB x = cca_fq_xcrb(cardnr, domain, keyword);
  if (int rc = zcrypt_send_cprb(k, x); rc) return rc;
  return cca_fq_reply(x, rarray, rarraylen, varray, varraylen);
}

namespace {

/// rarray[8 * element] as a state digit (0 outside the copied bytes).
char rule_state(const Bytes& rarray, size_t element) {
  const size_t off = element * arch::CCA_RULE_SIZE;
  return off < rarray.size() ? static_cast<char>(rarray[off]) : 0;
}

/// A pattern from the verb data at `off` (left as it is where the data is shorter).
void read_vp(const Bytes& varray, size_t off, uint64_t& out) {
  if (off + 8 <= varray.size()) out = arch::load_be64(&varray[off]);
}
void read_vp(const Bytes& varray, size_t off, std::array<uint8_t, 16>& out) {
  if (off + out.size() <= varray.size()) std::copy_n(varray.begin() + static_cast<std::ptrdiff_t>(off), out.size(), out.begin());
}

/// One master-key register class as fetch_cca_info reads it: the NEW, CUR and OLD states
/// from rule-array elements `el_new`, +1, +2; a pattern only where the state says the
/// register holds a key (NEW full '3', CUR or OLD valid '2').
template <typename Vp>
void read_registers(const Bytes& r, const Bytes& v, size_t el_new, size_t vd_new, size_t vd_cur, size_t vd_old,
                    char& s_new, char& s_cur, char& s_old, Vp& p_new, Vp& p_cur, Vp& p_old) {
  s_new = rule_state(r, el_new);
  s_cur = rule_state(r, el_new + 1);
  s_old = rule_state(r, el_new + 2);
  if (s_old == arch::CCA_MK_VALID) read_vp(v, vd_old, p_old);
  if (s_cur == arch::CCA_MK_VALID) read_vp(v, vd_cur, p_cur);
  if (s_new == arch::CCA_MK_NEW_FULL) read_vp(v, vd_new, p_new);
}

}  // namespace

bool cca_info_from_staticsa(const Bytes& rarray, size_t rlen, const Bytes& varray, size_t vlen, CcaInfo& ci) {
  if (rlen < arch::CCA_STATICSA_RULES * arch::CCA_RULE_SIZE || vlen < arch::CCA_STATICSA_VERB_DATA) return false;
  // memcpy(ci->serial, rarray, 8) into char[9], printed with %s.
  ci.serial.clear();
  for (size_t i = 0; i < 8 && i < rarray.size() && rarray[i] != 0; ++i) ci.serial += static_cast<char>(rarray[i]);
  static_assert(arch::CCA_FQ_RULE_ASYM_CUR == arch::CCA_FQ_RULE_ASYM_NEW + 1 && arch::CCA_FQ_RULE_AES_OLD == arch::CCA_FQ_RULE_AES_NEW + 2);
  read_registers(rarray, varray, arch::CCA_FQ_RULE_ASYM_NEW, arch::CCA_FQ_VD_ASYM_NEW, arch::CCA_FQ_VD_ASYM_CUR,
                 arch::CCA_FQ_VD_ASYM_OLD, ci.new_asym_mk_state, ci.cur_asym_mk_state, ci.old_asym_mk_state,
                 ci.new_asym_mkvp, ci.cur_asym_mkvp, ci.old_asym_mkvp);
  read_registers(rarray, varray, arch::CCA_FQ_RULE_AES_NEW, arch::CCA_FQ_VD_AES_NEW, arch::CCA_FQ_VD_AES_CUR,
                 arch::CCA_FQ_VD_AES_OLD, ci.new_aes_mk_state, ci.cur_aes_mk_state, ci.old_aes_mk_state,
                 ci.new_aes_mkvp, ci.cur_aes_mkvp, ci.old_aes_mkvp);
  return true;
}

bool cca_info_from_staticsb(const Bytes& rarray, size_t rlen, const Bytes& varray, size_t vlen, CcaInfo& ci) {
  if (rlen < arch::CCA_STATICSB_RULES * arch::CCA_RULE_SIZE || vlen < arch::CCA_STATICSB_VERB_DATA) return false;
  static_assert(arch::CCA_FQ_RULE_APKA_OLD == arch::CCA_FQ_RULE_APKA_NEW + 2);
  read_registers(rarray, varray, arch::CCA_FQ_RULE_APKA_NEW, arch::CCA_FQ_VD_APKA_NEW, arch::CCA_FQ_VD_APKA_CUR,
                 arch::CCA_FQ_VD_APKA_OLD, ci.new_apka_mk_state, ci.cur_apka_mk_state, ci.old_apka_mk_state,
                 ci.new_apka_mkvp, ci.cur_apka_mkvp, ci.old_apka_mkvp);
  return true;
}

int fetch_cca_info(LinuxKernel& k, uint16_t card, uint16_t domain, CcaInfo& ci) {
  ci = CcaInfo{};
  // "if specific domain given, fetch status and hw info for this apqn"
  if (domain != AUTOSEL_DOM) {
    if (int rc = zcrypt_device_status_ext(k, card, domain, ci.hwtype); rc) return rc;
  }
  // The rule-array and verb-data halves of a page (zeros in the model where Linux's page
  // holds whatever it held).
  Bytes rarray(kHalfPage, 0), varray(kHalfPage, 0);
  size_t rlen = kHalfPage, vlen = kHalfPage;
  int found = 0;
  int rc = cca_query_crypto_facility(k, card, domain, arch::CCA_FQ_STATICSA, rarray, rlen, varray, vlen);
  if (rc == 0 && cca_info_from_staticsa(rarray, rlen, varray, vlen, ci)) ++found;
  if (!found) return -ENOENT;
  rlen = vlen = kHalfPage;
  rc = cca_query_crypto_facility(k, card, domain, arch::CCA_FQ_STATICSB, rarray, rlen, varray, vlen);
  if (rc == 0 && cca_info_from_staticsb(rarray, rlen, varray, vlen, ci)) ++found;
  return found == 2 ? 0 : -ENOENT;
}

int cca_get_info(LinuxKernel& k, uint16_t card, uint16_t domain, CcaInfo& ci, bool verify) {
  if (k.profile().zcrypt_info_no_cache) return fetch_cca_info(k, card, domain, ci);
  CcaInfoCache& cache = k.zcrypt().cca_info_cache();
  int rc = cache.fetch(card, domain, ci);
  if (rc || verify) {
    rc = fetch_cca_info(k, card, domain, ci);
    if (rc == 0) cache.update(card, domain, ci);
  }
  return rc;
}

}  // namespace apsim::driver
