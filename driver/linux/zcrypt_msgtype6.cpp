// driver/linux/zcrypt_msgtype6.cpp — type-6 request builders and type-86 reply readers, following
// Linux zcrypt_msgtype6.c, zcrypt_ccamisc.c and zcrypt_ep11misc.c (see the header).
#include "driver/linux/zcrypt_msgtype6.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "arch/bits.h"
#include "arch/ep11_ber.h"
#include "arch/msgtype50.h"
#include "arch/msgtype6.h"
#include "driver/linux/zcrypt_msgtype50.h"

namespace apsim::driver {

namespace arch = apsim::arch;

namespace {

void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void append(Bytes& b, const Bytes& v) { b.insert(b.end(), v.begin(), v.end()); }
void append_fixed(Bytes& b, const Bytes& v, size_t len) {  // right-justified in len bytes
  const size_t n = std::min(v.size(), len);
  b.insert(b.end(), len - n, 0);
  b.insert(b.end(), v.end() - static_cast<std::ptrdiff_t>(n), v.end());
}

uint32_t rd32(const uint8_t* p, size_t len, size_t off) { return off + 4 <= len ? arch::load_be32(p + off) : 0; }

/// A fresh type6_hdr with offset1 0x58.
Bytes type6_hdr() {
  Bytes h(arch::TYPE6_HDR_SIZE, 0);
  h[arch::T6_TYPE] = arch::TYPE6_TYPE_CODE;
  arch::store_be32(&h[arch::T6_OFFSET1], arch::TYPE6_CPRB_OFFSET);
  return h;
}

/// The EP11 payload header length format of xcrb_msg_to_type6_ep11cprb_msgx: 1, 2 or 3
/// bytes of length after the 0x30 tag; 0 for an unknown format.
unsigned ep11_lfmt(uint8_t pld_lenfmt) {
  if ((pld_lenfmt & 0x80) == 0) return 1;
  switch (pld_lenfmt & 0x03) {
    case 1: return 2;
    case 2: return 3;
    default: return 0;
  }
}

/// Reader of a BER length (as check_reply_pl / ep11_cryptsingle read them).
bool ber_len(const Bytes& b, size_t& off, size_t& len) { return arch::ber_get_length(b.data(), b.size(), off, len); }

}  // namespace

// ---- zcrypt_msgtype6.c ------------------------------------------------------------------

void rng_type6cprb_msgx(Bytes& msg, unsigned random_number_length, uint16_t domain) {
  msg = type6_hdr();
  const uint32_t body = static_cast<uint32_t>(arch::CPRBX_SIZE + arch::CCA_RNG_PARM_SIZE);  // sizeof(*msg) - hdr
  msg[arch::T6_AGENT_ID] = 'C';
  msg[arch::T6_AGENT_ID + 1] = 'A';
  msg[arch::T6_FUNCTION_CODE] = 'R';
  msg[arch::T6_FUNCTION_CODE + 1] = 'L';
  arch::store_be32(&msg[arch::T6_TOCARDLEN1], body);
  arch::store_be32(&msg[arch::T6_FROMCARDLEN1], body);
  arch::store_be32(&msg[arch::T6_FROMCARDLEN2], random_number_length);
  Bytes cprbx(arch::CPRBX_SIZE, 0);
  arch::store_be16(&cprbx[arch::CPRBX_CPRB_LEN], arch::CPRBX_SIZE);
  cprbx[arch::CPRBX_CPRB_VER_ID] = arch::CPRBX_VERSION;
  arch::store_be16(&cprbx[arch::CPRBX_FUNC_ID], arch::CPRBX_FUNC_ID_T2);
  arch::store_be32(&cprbx[arch::CPRBX_REQ_PARML], arch::CCA_RNG_PARM_SIZE);
  arch::store_be32(&cprbx[arch::CPRBX_RPL_MSGBL], body);
  arch::store_be32(&cprbx[arch::CPRBX_RPL_DATAL], random_number_length);
  arch::store_be16(&cprbx[arch::CPRBX_DOMAIN], domain);
  append(msg, cprbx);
  const uint8_t parm[arch::CCA_RNG_PARM_SIZE] = {'R', 'L', 0x00, 0x0a, 'R', 'A', 'N', 'D',
                                                 'O', 'M', ' ', ' ', 0x00, 0x02, 0x00, 0x02};
  msg.insert(msg.end(), parm, parm + sizeof parm);
}

int xcrb_msg_to_type6cprb_msgx(const ica_xcRB& xcrb, Bytes& msg, unsigned& fcode, uint16_t& dom, size_t bufsize) {
  const size_t rcb_len = xcrb.request_control_blk.size();
  const size_t rcblen = arch::ceil4(rcb_len);
  const size_t len = arch::TYPE6_HDR_SIZE + rcblen + xcrb.request_data.size();
  if (len > bufsize) return -EINVAL;
  if (rcb_len < 2) return -EFAULT;
  msg = type6_hdr();
  msg[arch::T6_AGENT_ID] = static_cast<uint8_t>(xcrb.agent_ID >> 8);
  msg[arch::T6_AGENT_ID + 1] = static_cast<uint8_t>(xcrb.agent_ID);
  arch::store_be32(&msg[arch::T6_TOCARDLEN1], static_cast<uint32_t>(rcb_len));
  if (!xcrb.request_data.empty()) {
    arch::store_be32(&msg[arch::T6_OFFSET2], static_cast<uint32_t>(arch::TYPE6_CPRB_OFFSET + rcblen));
    arch::store_be32(&msg[arch::T6_TOCARDLEN2], static_cast<uint32_t>(xcrb.request_data.size()));
  }
  arch::store_be32(&msg[arch::T6_FROMCARDLEN1], xcrb.reply_control_blk_length);
  arch::store_be32(&msg[arch::T6_FROMCARDLEN2], xcrb.reply_data_length);
  append(msg, xcrb.request_control_blk);
  msg.resize(arch::TYPE6_HDR_SIZE + rcblen, 0);
  // "if (msg->cprbx.cprb_len + sizeof(msg->hdr.function_code) > request_control_blk_length)"
  const size_t cprb_len = arch::load_be16(&xcrb.request_control_blk[0]);
  if (cprb_len + 2 > rcb_len) return -EINVAL;
  const uint8_t* fc = &xcrb.request_control_blk[cprb_len];
  msg[arch::T6_FUNCTION_CODE] = fc[0];
  msg[arch::T6_FUNCTION_CODE + 1] = fc[1];
  fcode = (unsigned{fc[0]} << 8) | fc[1];
  dom = rcb_len >= arch::CPRBX_DOMAIN + 2 ? arch::load_be16(&xcrb.request_control_blk[arch::CPRBX_DOMAIN]) : 0;
  append(msg, xcrb.request_data);
  return 0;
}

int xcrb_msg_to_type6_ep11cprb_msgx(const ep11_urb& xcrb, Bytes& msg, unsigned& fcode, unsigned& domain,
                                    size_t bufsize) {
  const size_t req_len = xcrb.req.size();
  if (arch::TYPE6_HDR_SIZE + arch::ceil4(req_len) > bufsize) return -EINVAL;
  if (req_len < arch::EP11_CPRB_SIZE + 2) return -EFAULT;
  msg = type6_hdr();
  msg[arch::T6_RQID + 1] = 0x01;
  msg[arch::T6_AGENT_ID] = 'X';
  msg[arch::T6_AGENT_ID + 1] = 'C';
  arch::store_be32(&msg[arch::T6_TOCARDLEN1], static_cast<uint32_t>(req_len));
  arch::store_be32(&msg[arch::T6_FROMCARDLEN1], static_cast<uint32_t>(xcrb.resp_len));
  append(msg, xcrb.req);
  msg.resize(arch::TYPE6_HDR_SIZE + arch::ceil4(req_len), 0);
  const size_t pl = arch::TYPE6_HDR_SIZE + arch::EP11_CPRB_SIZE;  // pld_tag
  const unsigned lfmt = ep11_lfmt(msg[pl + 1]);
  if (lfmt == 0) return -EINVAL;
  // struct pld_hdr at &pld_lenfmt + lfmt: func_tag, func_len, u32 func_val, ...
  const size_t hdr = pl + 1 + lfmt;
  fcode = rd32(msg.data(), msg.size(), hdr + 2) & 0xFFFF;
  domain = arch::load_be32(&msg[arch::TYPE6_HDR_SIZE + arch::EP11_CPRB_TARGET_ID]);
  return 0;
}

void set_cprb_domain(Bytes& msg, uint16_t domain) {
  const size_t off = arch::TYPE6_HDR_SIZE + arch::CPRBX_DOMAIN;
  if (msg.size() >= off + 2) arch::store_be16(&msg[off], domain);
}

int zcrypt_msgtype6_limit_reply(Bytes& msg, uint32_t max_payload) {
  if (msg.size() < arch::TYPE6_HDR_SIZE) return -EINVAL;
  uint32_t from1 = std::min(arch::load_be32(&msg[arch::T6_FROMCARDLEN1]), max_payload);
  const uint32_t from2 = std::min(arch::load_be32(&msg[arch::T6_FROMCARDLEN2]), max_payload);
  // "Sum exceeds maximum payload size, prune fromcardlen1 (always trust fromcardlen2)"
  const uint64_t sum = uint64_t{from1} + from2;
  if (sum > max_payload) {
    const uint64_t delta = sum - max_payload;
    if (delta > from1) return -EINVAL;
    from1 -= static_cast<uint32_t>(delta);
  }
  arch::store_be32(&msg[arch::T6_FROMCARDLEN1], from1);
  arch::store_be32(&msg[arch::T6_FROMCARDLEN2], from2);
  return 0;
}

void zcrypt_msgtype6_set_ep11_reply_limit(Bytes& msg, uint32_t max_payload) {
  if (msg.size() >= arch::TYPE6_HDR_SIZE) arch::store_be32(&msg[arch::T6_FROMCARDLEN1], max_payload);
}

int ep11_set_queue_domain(Bytes& msg, unsigned domain) {
  const size_t cprb = arch::TYPE6_HDR_SIZE;
  if (msg.size() < cprb + arch::EP11_CPRB_SIZE + 2) return -EINVAL;
  if (msg[cprb + arch::EP11_CPRB_FLAGS] & arch::EP11_CPRB_FLAG_ADMIN) return 0;
  arch::store_be32(&msg[cprb + arch::EP11_CPRB_TARGET_ID], domain);
  const size_t pl = cprb + arch::EP11_CPRB_SIZE;
  const unsigned lfmt = ep11_lfmt(msg[pl + 1]);
  if (lfmt == 0) return -EINVAL;
  const size_t dom_val = pl + 1 + lfmt + 6 + 2;  // func tag/len/val (6), dom tag/len (2)
  if (msg.size() < dom_val + 4) return -EINVAL;
  arch::store_be32(&msg[dom_val], domain);
  return 0;
}

int zcrypt_msgtype6_receive(const uint8_t* reply, size_t len) {
  if (!reply || len < 2) return -EMSGSIZE;
  if (reply[arch::T86_TYPE] != arch::TYPE86_RSP_CODE) return 0;
  const uint32_t c1 = rd32(reply, len, arch::T86_FMT2_COUNT1), o1 = rd32(reply, len, arch::T86_FMT2_OFFSET1);
  const uint32_t c2 = rd32(reply, len, arch::T86_FMT2_COUNT2), o2 = rd32(reply, len, arch::T86_FMT2_OFFSET2);
  const uint64_t expect = c2 ? uint64_t{o2} + c2 : uint64_t{o1} + c1;
  return expect == len ? 0 : -EMSGSIZE;
}

int convert_response_xcrb(const uint8_t* reply, size_t len, ica_xcRB& xcrb) {
  if (!reply || len < arch::ERRHDR_SIZE) return -EMSGSIZE;
  switch (reply[arch::T86_TYPE]) {
    case arch::TYPE82_RSP_CODE:
    case arch::TYPE88_RSP_CODE:
      xcrb.status = 0x0008044D;  // HDD_InvalidParm
      return convert_error(reply, len);
    case arch::TYPE86_RSP_CODE: {
      if (reply[arch::T86_REPLY_CODE]) {
        if (len >= arch::T86_FMT2_APFS + 4) xcrb.status = arch::load_be32(reply + arch::T86_FMT2_APFS);
        return convert_error(reply, len);
      }
      if (int rc = zcrypt_msgtype6_receive(reply, len); rc) return rc;
      const uint32_t c1 = rd32(reply, len, arch::T86_FMT2_COUNT1), o1 = rd32(reply, len, arch::T86_FMT2_OFFSET1);
      const uint32_t c2 = rd32(reply, len, arch::T86_FMT2_COUNT2), o2 = rd32(reply, len, arch::T86_FMT2_OFFSET2);
      if (uint64_t{o1} + c1 > len || uint64_t{o2} + c2 > len || c1 < arch::CPRBX_CPRB_VER_ID + 1) return -EMSGSIZE;
      if (reply[o1 + arch::CPRBX_CPRB_VER_ID] != arch::CPRBX_VERSION) return -EAGAIN;  // unknown response
      if (xcrb.reply_control_blk_length < c1) return -EMSGSIZE;
      xcrb.reply_control_blk.assign(reply + o1, reply + o1 + c1);
      xcrb.reply_control_blk_length = c1;
      if (c2) {
        if (xcrb.reply_data_length < c2) return -EMSGSIZE;
        xcrb.reply_data.assign(reply + o2, reply + o2 + c2);
      } else {
        xcrb.reply_data.clear();
      }
      xcrb.reply_data_length = c2;
      return 0;
    }
    default:
      xcrb.status = 0x0008044D;
      return -EAGAIN;  // "Unknown response type, this should NEVER EVER happen"
  }
}

int convert_response_ep11_xcrb(const uint8_t* reply, size_t len, ep11_urb& urb) {
  if (!reply || len < arch::ERRHDR_SIZE) return -EMSGSIZE;
  switch (reply[arch::T86_TYPE]) {
    case arch::TYPE82_RSP_CODE:
    case arch::TYPE87_RSP_CODE:
      return convert_error(reply, len);
    case arch::TYPE86_RSP_CODE: {
      if (reply[arch::T86_REPLY_CODE]) return convert_error(reply, len);
      if (int rc = zcrypt_msgtype6_receive(reply, len); rc) return rc;
      const uint32_t c1 = rd32(reply, len, arch::T86_FMT2_COUNT1), o1 = rd32(reply, len, arch::T86_FMT2_OFFSET1);
      if (uint64_t{o1} + c1 > len || c1 < arch::EP11_CPRB_SIZE) return -EMSGSIZE;
      if (reply[o1 + arch::EP11_CPRB_VER_ID] != arch::EP11_CPRB_VERSION) return -EAGAIN;
      if (urb.resp_len < c1) return -EMSGSIZE;
      urb.resp.assign(reply + o1, reply + o1 + c1);
      urb.resp_len = c1;
      return 0;
    }
    default:
      return -EAGAIN;
  }
}

int convert_response_rng(const uint8_t* reply, size_t len, Bytes& data) {
  if (!reply || len < 2) return -EINVAL;
  switch (reply[arch::T86_TYPE]) {
    case arch::TYPE82_RSP_CODE:
    case arch::TYPE88_RSP_CODE:
      return -EINVAL;
    case arch::TYPE86_RSP_CODE: {
      if (len < arch::T86_FMT2_SIZE || reply[arch::T86_REPLY_CODE]) return -EINVAL;
      if (zcrypt_msgtype6_receive(reply, len)) return -EMSGSIZE;
      const uint32_t o1 = rd32(reply, len, arch::T86_FMT2_OFFSET1);
      const uint32_t c2 = rd32(reply, len, arch::T86_FMT2_COUNT2), o2 = rd32(reply, len, arch::T86_FMT2_OFFSET2);
      if (uint64_t{o1} + arch::CPRBX_SIZE > len || uint64_t{o2} + c2 > len) return -EMSGSIZE;
      if (reply[o1 + arch::CPRBX_CPRB_VER_ID] != arch::CPRBX_VERSION) return -EAGAIN;
      if (arch::load_be16(reply + o1 + arch::CPRBX_CCP_RTCODE) || arch::load_be16(reply + o1 + arch::CPRBX_CCP_RSCODE))
        return -EINVAL;
      data.assign(reply + o2, reply + o2 + c2);
      return static_cast<int>(c2);
    }
    default:
      return -EAGAIN;
  }
}

// ---- zcrypt_ccamisc.c side --------------------------------------------------------------

Bytes cca_prep_cprb(uint16_t domain, const Bytes& parm, uint32_t reply_room) {
  Bytes c(arch::CPRBX_SIZE, 0);
  arch::store_be16(&c[arch::CPRBX_CPRB_LEN], arch::CPRBX_SIZE);
  c[arch::CPRBX_CPRB_VER_ID] = arch::CPRBX_VERSION;
  arch::store_be16(&c[arch::CPRBX_FUNC_ID], arch::CPRBX_FUNC_ID_T2);
  arch::store_be32(&c[arch::CPRBX_REQ_PARML], static_cast<uint32_t>(parm.size()));
  arch::store_be32(&c[arch::CPRBX_RPL_MSGBL], reply_room);
  arch::store_be16(&c[arch::CPRBX_DOMAIN], domain);
  append(c, parm);
  return c;
}

Bytes cca_ext_crt_token(const Bytes& n, const Bytes& e, const Bytes& p, const Bytes& q, const Bytes& dp,
                        const Bytes& dq, const Bytes& u) {
  // zcrypt_type6_crt_key: short_len = (mod_len + 1) / 2, long_len = short_len + 8 for p, dp, u.
  const size_t mod_len = n.size(), short_len = (mod_len + 1) / 2, long_len = short_len + 8;
  const size_t pad_len = (8 - (3 * long_len + 2 * short_len) % 8) % 8;
  const size_t key_len = 3 * long_len + 2 * short_len + pad_len + mod_len;
  Bytes sec(arch::CCA_CRT_SEC_SIZE, 0);
  sec[arch::CCA_CRT_SEC_ID] = arch::CCA_PVT_EXT_CRT_SEC_ID_PVT;
  arch::store_be16(&sec[arch::CCA_CRT_SEC_LENGTH], static_cast<uint16_t>(arch::CCA_CRT_SEC_SIZE + key_len));
  sec[arch::CCA_CRT_SEC_KEY_FORMAT] = arch::CCA_PVT_EXT_CRT_SEC_FMT_CL;
  sec[arch::CCA_CRT_SEC_KEY_USE_FLAGS] = arch::CCA_PVT_USAGE_ALL;
  arch::store_be16(&sec[arch::CCA_CRT_SEC_P_LEN], static_cast<uint16_t>(long_len));
  arch::store_be16(&sec[arch::CCA_CRT_SEC_Q_LEN], static_cast<uint16_t>(short_len));
  arch::store_be16(&sec[arch::CCA_CRT_SEC_DP_LEN], static_cast<uint16_t>(long_len));
  arch::store_be16(&sec[arch::CCA_CRT_SEC_DQ_LEN], static_cast<uint16_t>(short_len));
  arch::store_be16(&sec[arch::CCA_CRT_SEC_U_LEN], static_cast<uint16_t>(long_len));
  arch::store_be16(&sec[arch::CCA_CRT_SEC_MOD_LEN], static_cast<uint16_t>(mod_len));
  arch::store_be16(&sec[arch::CCA_CRT_SEC_PAD_LEN], static_cast<uint16_t>(pad_len));
  append_fixed(sec, p, long_len);
  append_fixed(sec, q, short_len);
  append_fixed(sec, dp, long_len);
  append_fixed(sec, dq, short_len);
  append_fixed(sec, u, long_len);
  sec.insert(sec.end(), pad_len, 0);
  append_fixed(sec, n, mod_len);
  Bytes pub(arch::CCA_PUB_SEC_SIZE, 0);
  pub[arch::CCA_PUB_SEC_ID_OFF] = arch::CCA_PUB_SEC_ID;
  arch::store_be16(&pub[arch::CCA_PUB_SEC_LENGTH], static_cast<uint16_t>(arch::CCA_PUB_SEC_SIZE + e.size()));
  arch::store_be16(&pub[arch::CCA_PUB_SEC_EXP_LEN], static_cast<uint16_t>(e.size()));
  arch::store_be16(&pub[arch::CCA_PUB_SEC_MOD_BITS], static_cast<uint16_t>(8 * mod_len));
  append(pub, e);
  Bytes tok(arch::CCA_TKN_HDR_SIZE, 0);
  tok[arch::CCA_TKN_ID] = arch::CCA_TKN_HDR_ID_EXT;
  arch::store_be16(&tok[arch::CCA_TKN_LENGTH], static_cast<uint16_t>(tok.size() + sec.size() + pub.size()));
  append(tok, sec);
  append(tok, pub);
  return tok;
}

ica_xcRB prep_xcrb(uint16_t cardnr, const Bytes& cprb) {
  ica_xcRB x;
  x.agent_ID = arch::TYPE6_AGENT_CCA;
  x.user_defined = cardnr == AUTOSEL_AP ? AUTOSELECT : cardnr;
  x.request_control_blk = cprb;  // cprb_len + req_parml bytes
  x.reply_control_blk_length = arch::load_be32(&cprb[arch::CPRBX_RPL_MSGBL]);
  return x;
}

namespace {

Bytes keyblock(const Bytes& token) {
  Bytes kb;
  put16(kb, static_cast<uint16_t>(token.size() + 6));  // blen
  put16(kb, static_cast<uint16_t>(token.size() + 4));  // ulen
  put16(kb, 0);                                        // flags
  append(kb, token);
  return kb;
}


/// Where the blocks after the rule array of a reply parameter block lie in
/// reply_control_blk: the VUD's contents and the key block (with its length field).  Offsets,
/// not copies: reading a signature allocates nothing once the caller's buffer is large enough.
struct ReplyBlocks {
  size_t vud = 0, vud_len = 0, kb = 0, kb_len = 0;
};
bool reply_blocks(const ica_xcRB& x, ReplyBlocks& b) {
  const Bytes& r = x.reply_control_blk;
  if (r.size() < arch::CPRBX_SIZE + 4) return false;
  const size_t parml = arch::load_be32(&r[arch::CPRBX_RPLD_PARML]);
  if (arch::CPRBX_SIZE + parml > r.size() || parml < 4) return false;
  const uint8_t* p = &r[arch::CPRBX_SIZE];
  const size_t rl = arch::load_be16(p + 2);
  size_t off = 2 + rl;
  if (off + 2 > parml) return false;
  const size_t vl = arch::load_be16(p + off);
  if (vl < 2 || off + vl + 2 > parml) return false;
  b.vud = arch::CPRBX_SIZE + off + 2;
  b.vud_len = vl - 2;
  off += vl;
  const size_t bl = arch::load_be16(p + off);
  if (bl < 2 || off + bl > parml) return false;
  b.kb = arch::CPRBX_SIZE + off;
  b.kb_len = bl;
  return true;
}

}  // namespace

ica_xcRB cca_pka_import_xcrb(uint16_t domain, const Bytes& ext_token) {
  Bytes parm = {'P', 'I', 0x00, 0x02, 0x00, 0x02};  // subfunction, no rules, empty VUD
  append(parm, keyblock(ext_token));
  return prep_xcrb(AUTOSEL_AP, cca_prep_cprb(domain, parm, static_cast<uint32_t>(arch::CPRBX_SIZE + 64 + 2 * ext_token.size())));
}

ica_xcRB cca_dsg_xcrb(uint16_t domain, const char* hash_rule, const Bytes& hash, const Bytes& token) {
  Bytes parm = {'S', 'G', 0x00, 2 + 16};
  parm.insert(parm.end(), {'P', 'K', 'C', 'S', '-', '1', '.', '1'});
  parm.insert(parm.end(), hash_rule, hash_rule + 8);
  put16(parm, static_cast<uint16_t>(hash.size() + 2));
  append(parm, hash);
  append(parm, keyblock(token));
  return prep_xcrb(AUTOSEL_AP, cca_prep_cprb(domain, parm, static_cast<uint32_t>(arch::CPRBX_SIZE + 16 + 520)));
}

int cca_reply_codes(const ica_xcRB& x, uint16_t& rtcode, uint16_t& rscode) {
  if (x.reply_control_blk.size() < arch::CPRBX_SIZE) return -EIO;
  rtcode = arch::load_be16(&x.reply_control_blk[arch::CPRBX_CCP_RTCODE]);
  rscode = arch::load_be16(&x.reply_control_blk[arch::CPRBX_CCP_RSCODE]);
  return 0;
}

int cca_pka_import_reply(const ica_xcRB& x, Bytes& token) {
  uint16_t rc = 0, rs = 0;
  ReplyBlocks b;
  if (cca_reply_codes(x, rc, rs) || rc != 0 || !reply_blocks(x, b) || b.kb_len < 6 + arch::CCA_TKN_HDR_SIZE)
    return -EIO;
  const uint8_t* kb = x.reply_control_blk.data() + b.kb;
  token.assign(kb + 6, kb + b.kb_len);
  if (token[arch::CCA_TKN_ID] != arch::CCA_TKN_HDR_ID_INT || arch::load_be16(&token[arch::CCA_TKN_LENGTH]) != token.size())
    return -EIO;  // as cca_check_sececckeytoken: not an internal token
  return 0;
}

int cca_dsg_reply(const ica_xcRB& x, Bytes& signature) {
  uint16_t rc = 0, rs = 0;
  ReplyBlocks b;
  if (cca_reply_codes(x, rc, rs) || rc != 0 || !reply_blocks(x, b) || b.vud_len == 0) return -EIO;
  const uint8_t* vud = x.reply_control_blk.data() + b.vud;
  signature.assign(vud, vud + b.vud_len);  // no allocation when `signature` has room (issue 13)
  return 0;
}

// ---- zcrypt_ep11misc.c side -------------------------------------------------------------

void ep11_put_octets(Bytes& out, const uint8_t* v, size_t n) { arch::ep11_put_octets(out, v, n); }

void ep11_put_u32(Bytes& out, uint32_t v) { arch::ep11_put_u32(out, v); }

Bytes ep11_prep_request(uint16_t domain, uint32_t api, uint32_t function, const Bytes& params) {
  Bytes body;
  ep11_put_u32(body, (api << 16) + function);
  ep11_put_u32(body, domain);
  append(body, params);
  Bytes payload;
  arch::ep11_put_payload(payload, body);  // prep_head: lenfmt 0x82
  Bytes c(arch::EP11_CPRB_SIZE, 0);
  arch::store_be16(&c[arch::EP11_CPRB_LEN], arch::EP11_CPRB_SIZE);
  c[arch::EP11_CPRB_VER_ID] = arch::EP11_CPRB_VERSION;
  arch::store_be16(&c[arch::EP11_CPRB_FUNC_ID], arch::EP11_CPRB_FUNC_ID_T4);
  arch::store_be32(&c[arch::EP11_CPRB_TARGET_ID], domain);
  arch::store_be32(&c[arch::EP11_CPRB_RET_CODE], 0xFFFFFFFF);
  arch::store_be32(&c[arch::EP11_CPRB_PAYLOAD_LEN], static_cast<uint32_t>(payload.size()));
  append(c, payload);
  return c;
}

namespace {
ep11_urb urb_for(uint16_t domain, Bytes req, uint64_t resp_len) {
  ep11_urb u;
  u.dom_id = domain;
  u.req = std::move(req);
  u.resp_len = resp_len;
  return u;
}
}  // namespace

ep11_urb ep11_generate_random_urb(uint16_t domain, uint32_t n) {
  Bytes params;
  ep11_put_u32(params, n);
  return urb_for(domain, ep11_prep_request(domain, arch::EP11_API_V1, arch::EP11_FN_GENERATE_RANDOM, params), 64 + n);
}

ep11_urb ep11_generate_keypair_urb(uint16_t domain, uint32_t bits, uint32_t priv_attrs) {
  Bytes params, pub, priv;
  ep11_put_u32(params, arch::CKM_RSA_PKCS_KEY_PAIR_GEN);
  for (uint32_t w : {0x10020000u, arch::XCP_BLOB_VERIFY, arch::XCP_BLOB_VERIFY, arch::CKA_MODULUS_BITS, bits,
                     arch::CKA_PUBLIC_EXPONENT, 65537u}) {
    uint8_t b[4];
    arch::store_be32(b, w);
    pub.insert(pub.end(), b, b + 4);
  }
  for (uint32_t w : {0x10000000u, priv_attrs, priv_attrs}) {
    uint8_t b[4];
    arch::store_be32(b, w);
    priv.insert(priv.end(), b, b + 4);
  }
  ep11_put_octets(params, pub.data(), pub.size());
  ep11_put_octets(params, priv.data(), priv.size());
  params.insert(params.end(), {arch::EP11_OCTET_TAG, 0x00});  // empty pin
  return urb_for(domain, ep11_prep_request(domain, arch::EP11_API_V4, arch::EP11_FN_GENERATE_KEY_PAIR, params),
                 4 * bits / 8 * 2 + 1024);
}

ep11_urb ep11_sign_single_urb(uint16_t domain, uint32_t mechanism, const Bytes& blob, const Bytes& data) {
  Bytes params;
  ep11_put_u32(params, mechanism);
  ep11_put_octets(params, blob.data(), blob.size());
  ep11_put_octets(params, data.data(), data.size());
  return urb_for(domain, ep11_prep_request(domain, arch::EP11_API_V1, arch::EP11_FN_SIGN_SINGLE, params), 1024);
}

int ep11_parse_reply(const ep11_urb& urb, uint32_t& rv, std::vector<Bytes>& outputs) {
  const Bytes& r = urb.resp;
  // The octet strings after the payload's tag and length: `each(off, len)` for each; false if
  // one is malformed.  Two passes (count and check, then copy) instead of a list of fields:
  // `outputs` keeps its elements' storage from one reply to the next (issue 13).
  const auto fields = [&](size_t off, auto&& each) {
    while (off < r.size()) {
      size_t l = 0;
      if (r[off++] != arch::EP11_OCTET_TAG || !ber_len(r, off, l)) return false;
      each(off, l);
      off += l;
    }
    return true;
  };
  const auto fail = [&] {
    outputs.clear();
    return -EIO;
  };
  if (r.size() < arch::EP11_CPRB_SIZE + 2) return fail();
  if (arch::load_be32(&r[arch::EP11_CPRB_RET_CODE]) != 0) return fail();  // check_reply_cprb
  size_t off = arch::EP11_CPRB_SIZE;
  if (r[off++] != arch::EP11_PAYLOAD_TAG) return fail();
  size_t body = 0;
  if (!ber_len(r, off, body) || off + body != r.size() || body < 3 * 6) return fail();
  size_t n = 0, rv_at = 0;
  bool header_ok = true;  // function, domain and CK_RV: 4 bytes each
  if (!fields(off, [&](size_t at, size_t l) {
        if (n < 3) header_ok = header_ok && l == 4;
        if (n == 2) rv_at = at;
        ++n;
      }) ||
      n < 3 || !header_ok)
    return fail();
  rv = arch::load_be32(&r[rv_at]);
  outputs.resize(n - 3);
  n = 0;
  fields(off, [&](size_t at, size_t l) {
    if (n >= 3) outputs[n - 3].assign(r.begin() + static_cast<std::ptrdiff_t>(at), r.begin() + static_cast<std::ptrdiff_t>(at + l));
    ++n;
  });
  return 0;
}

}  // namespace apsim::driver
