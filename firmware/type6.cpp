// firmware/type6.cpp — the coprocessor firmware: type-6 requests with a CCA CPRBX ("RL",
// "PI", "SG", "FQ") or an EP11 CPRB (GenerateRandom, GenerateKeyPair, SignSingle,
// get_xcp_info), type-86 replies.  Layouts: arch/msgtype6.h.  Check order and codes:
// cex_firmware.h.
//
// Every read goes through Span (bounds-checked); a malformed message ends in a type-82
// reply or a type-86 reply with an error code, never in an out-of-bounds access.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "arch/bits.h"
#include "arch/ep11_ber.h"
#include "arch/msgtype50.h"
#include "arch/msgtype6.h"
#include "firmware/cex_firmware.h"
#include "firmware/crypto.h"
#include "firmware/firmware_internal.h"
#include "firmware/reply_memo.h"
#include "firmware/service_time.h"

namespace apsim::firmware {

namespace arch = apsim::arch;
using Bytes = std::vector<uint8_t>;
using Mode = AdapterProfile::Mode;

namespace {

/// A bounds-checked view of bytes.
struct Span {
  const uint8_t* p = nullptr;
  size_t n = 0;
  bool has(size_t off, size_t len) const { return off <= n && len <= n - off; }
  Span sub(size_t off, size_t len) const { return has(off, len) ? Span{p + off, len} : Span{}; }
  uint16_t u16(size_t off) const { return has(off, 2) ? arch::load_be16(p + off) : 0; }
  uint32_t u32(size_t off) const { return has(off, 4) ? arch::load_be32(p + off) : 0; }
  bool zero(size_t off, size_t len) const {
    return has(off, len) && std::all_of(p + off, p + off + len, [](uint8_t b) { return b == 0; });
  }
  Bytes bytes() const { return Bytes(p, p + n); }
};

void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void append(Bytes& b, const Bytes& v) { b.insert(b.end(), v.begin(), v.end()); }

// ---- RSA key serialisation inside tokens and blobs -----------------------------------
// u16 n_len,e_len,p_len,q_len,dp_len,dq_len,u_len ‖ n ‖ e ‖ p ‖ q ‖ dp ‖ dq ‖ u

Bytes serialize_key(const crypto::RsaCrtKey& k) {
  Bytes out;
  const Bytes* parts[] = {&k.n, &k.e, &k.p, &k.q, &k.dp, &k.dq, &k.u};
  for (const Bytes* b : parts) put16(out, static_cast<uint16_t>(b->size()));
  for (const Bytes* b : parts) append(out, *b);
  return out;
}

bool deserialize_key(const Bytes& in, crypto::RsaCrtKey& k) {
  const Span s{in.data(), in.size()};
  Bytes* parts[] = {&k.n, &k.e, &k.p, &k.q, &k.dp, &k.dq, &k.u};
  size_t off = 14;
  for (size_t i = 0; i < 7; ++i) {
    const size_t len = s.u16(2 * i);
    if (!s.has(off, len)) return false;
    *parts[i] = crypto::strip(s.p + off, len);
    off += len;
  }
  return off == in.size() && !k.n.empty() && !k.p.empty() && !k.q.empty();
}

bool parse_hash_rule(const std::string& r, crypto::Hash& h) {
  if (r == "SHA-256 ") h = crypto::Hash::sha256;
  else if (r == "SHA-384 ") h = crypto::Hash::sha384;
  else if (r == "SHA-512 ") h = crypto::Hash::sha512;
  else return false;
  return true;
}

// ---- type-86 replies -----------------------------------------------------------------

/// hdr (type 0x86, format 2) + fmt2 extension + `cprb_and_parms` (at offset1 = 48)
/// + `data` (at offset2, if any).
Bytes type86_reply(const Bytes& cprb_and_parms, const Bytes& data) {
  Bytes r(arch::T86_FMT2_SIZE, 0);
  r[arch::T86_TYPE] = arch::TYPE86_RSP_CODE;
  r[arch::T86_FORMAT] = arch::TYPE86_FMT2;
  arch::store_be32(&r[arch::T86_FMT2_COUNT1], static_cast<uint32_t>(cprb_and_parms.size()));
  arch::store_be32(&r[arch::T86_FMT2_OFFSET1], arch::TYPE86_CPRB_OFFSET);
  if (!data.empty()) {
    arch::store_be32(&r[arch::T86_FMT2_COUNT2], static_cast<uint32_t>(data.size()));
    arch::store_be32(&r[arch::T86_FMT2_OFFSET2],
                     static_cast<uint32_t>(arch::TYPE86_CPRB_OFFSET + cprb_and_parms.size()));
  }
  append(r, cprb_and_parms);
  append(r, data);
  return r;
}

// ---- EP11 payload helpers (the BER coding itself: arch/ep11_ber.h) --------------------

/// An EP11 attribute template: header 0x10nn0000, bool mask, bool bits, nn (type, value).
struct Template {
  uint32_t bool_mask = 0, bool_bits = 0;
  std::vector<std::pair<uint32_t, uint32_t>> attrs;
  std::optional<uint32_t> get(uint32_t type) const {
    for (auto& [t, v] : attrs)
      if (t == type) return v;
    return std::nullopt;
  }
};

bool parse_template(const Span& s, Template& t) {
  if (s.n < 12 || (s.u32(0) & 0xff00ffff) != 0x10000000) return false;
  const size_t pairs = (s.u32(0) >> 16) & 0xff;
  if (s.n != 12 + 8 * pairs) return false;
  t.bool_mask = s.u32(4);
  t.bool_bits = s.u32(8);
  for (size_t i = 0; i < pairs; ++i) t.attrs.emplace_back(s.u32(12 + 8 * i), s.u32(16 + 8 * i));
  return true;
}

}  // namespace

// ======================================================================================
// type-6 header
FirmwareReply CexFirmware::process_type6(uint8_t domain, const uint8_t* msg, size_t len) {
  const Span m{msg, len};
  const Operation op0 = classify_request(msg, len);
  if (len < arch::TYPE6_HDR_SIZE) return error82(arch::REP82_ERROR_INVALID_MSG_LEN, Operation::invalid);
  if (m.p[arch::T6_RESERVED1] != 0 || !m.zero(arch::T6_RESERVED2, 2) || !m.zero(arch::T6_RIGHT, 4) ||
      !m.zero(arch::T6_RESERVED3, 4) || !m.zero(arch::T6_APFS, 4) || !m.zero(arch::T6_RESERVED5, 2) ||
      !m.zero(arch::T6_RESERVED6, 2) || !m.zero(arch::T6_AGENT_ID + 2, arch::T6_AGENT_ID_SIZE - 2))
    return error82(arch::REP82_ERROR_RESERVD_FIELD, op0);
  const uint64_t to1 = m.u32(arch::T6_TOCARDLEN1), to2 = m.u32(arch::T6_TOCARDLEN2);
  const uint64_t off2 = m.u32(arch::T6_OFFSET2);
  if (m.u32(arch::T6_OFFSET1) != arch::TYPE6_CPRB_OFFSET || m.u32(arch::T6_OFFSET3) != 0 ||
      m.u32(arch::T6_OFFSET4) != 0 || m.u32(arch::T6_TOCARDLEN3) != 0 || m.u32(arch::T6_TOCARDLEN4) != 0 ||
      (to2 != 0) != (off2 != 0) || (off2 != 0 && off2 != arch::TYPE6_CPRB_OFFSET + arch::ceil4(to1)))
    return error82(arch::REP82_ERROR_FORMAT_FIELD, op0);
  const uint64_t expect = arch::TYPE6_HDR_SIZE + arch::ceil4(to1) + to2;
  if (len < expect) return error82(arch::REP82_ERROR_PACKET_TRUNCATED, op0);
  if (len > expect) return error82(arch::REP82_ERROR_INVALID_MSG_LEN, op0);
  const uint16_t agent = m.u16(arch::T6_AGENT_ID);
  if (agent != arch::TYPE6_AGENT_CCA && agent != arch::TYPE6_AGENT_EP11)
    return error82(arch::REP82_ERROR_FORMAT_FIELD, op0);
  const bool ep11 = agent == arch::TYPE6_AGENT_EP11;
  if (ep11 != (profile_.mode == Mode::ep11)) return error82(arch::REP82_ERROR_INVALID_COMMAND, op0);
  return ep11 ? process_ep11(domain, msg, len) : process_cca(domain, msg, len);
}

// ======================================================================================
// CCA
FirmwareReply CexFirmware::process_cca(uint8_t domain, const uint8_t* msg, size_t len) {
  const Span m{msg, len};
  const size_t to1 = m.u32(arch::T6_TOCARDLEN1);
  const Span cprb = m.sub(arch::TYPE6_HDR_SIZE, to1);
  Operation op = classify_request(msg, len);
  if (to1 < arch::CPRBX_SIZE || cprb.n != to1) return error82(arch::REP82_ERROR_MALFORMED_MSG, op);
  if (cprb.u16(arch::CPRBX_CPRB_LEN) != arch::CPRBX_SIZE || cprb.p[arch::CPRBX_CPRB_VER_ID] != arch::CPRBX_VERSION)
    return error82(arch::REP82_ERROR_FORMAT_FIELD, op);
  if (!cprb.zero(arch::CPRBX_PAD_009, arch::CPRBX_PAD_009_SIZE)) return error82(arch::REP82_ERROR_RESERVD_FIELD, op);
  if (cprb.u16(arch::CPRBX_FUNC_ID) != arch::CPRBX_FUNC_ID_T2) return error82(arch::REP82_ERROR_INVALID_COMMAND, op);
  const uint64_t parml = cprb.u32(arch::CPRBX_REQ_PARML);
  if (parml < 4 || arch::CPRBX_SIZE + parml > to1) return error82(arch::REP82_ERROR_MALFORMED_MSG, op);
  if (cprb.u16(arch::CPRBX_DOMAIN) != domain) return error82(arch::REP82_ERROR_INVALID_DOMAIN_PRECHECK, op);
  const Span parm = cprb.sub(arch::CPRBX_SIZE, parml);
  const uint16_t fc = parm.u16(arch::CCA_PARM_SUBFUNC);
  if (m.u16(arch::T6_FUNCTION_CODE) != fc) return error82(arch::REP82_ERROR_FORMAT_FIELD, op);
  const size_t rule_len = parm.u16(arch::CCA_PARM_RULE_LEN);
  if (rule_len < 2 || (rule_len - 2) % arch::CCA_RULE_SIZE != 0 || !parm.has(2, rule_len))
    return error82(arch::REP82_ERROR_MALFORMED_MSG, op);
  std::vector<std::string> rules;
  for (size_t i = 0; i < (rule_len - 2) / 8; ++i)
    rules.emplace_back(reinterpret_cast<const char*>(parm.p + arch::CCA_PARM_RULES + 8 * i), 8);
  Span rest = parm.sub(2 + rule_len, parm.n - 2 - rule_len);
  if (fc != arch::CCA_FC_RNG && fc != arch::CCA_FC_PKA_IMPORT && fc != arch::CCA_FC_DSG && fc != arch::CCA_FC_FQ)
    return error82(arch::REP82_ERROR_INVALID_COMMAND, op);
  op = fc == arch::CCA_FC_RNG ? Operation::rng : Operation::seckey;
  const unsigned sidx = speed_idx_cca(fc);
  // The price (service_time.h 4.): zcrypt's class unless the function's work says more.
  ServiceDemand demand;
  demand.op = op;
  demand.speed_idx = sidx;

  const uint64_t from1 = m.u32(arch::T6_FROMCARDLEN1), from2 = m.u32(arch::T6_FROMCARDLEN2);
  // The reply: the request CPRBX with the replied lengths and codes, the reply parameter
  // block, the data block.
  const auto reply = [&](uint16_t rc, uint16_t rs, const Bytes& rparm, const Bytes& data) -> FirmwareReply {
    if (arch::CPRBX_SIZE + rparm.size() > from1 || data.size() > from2)
      return error82(arch::REP82_ERROR_MESSAGE_LENGTH, op);
    Bytes cp(cprb.p, cprb.p + arch::CPRBX_SIZE);
    arch::store_be32(&cp[arch::CPRBX_RPLD_PARML], static_cast<uint32_t>(rparm.size()));
    arch::store_be32(&cp[arch::CPRBX_RPLD_DATAL], static_cast<uint32_t>(data.size()));
    arch::store_be16(&cp[arch::CPRBX_CCP_RTCODE], rc);
    arch::store_be16(&cp[arch::CPRBX_CCP_RSCODE], rs);
    append(cp, rparm);
    return priced(type86_reply(cp, data), op, sidx, rc == arch::CCA_RC_OK ? demand : ServiceDemand{});
  };
  // A reply parameter block: subfunction, no rules, then the given blocks.
  const auto rparm_of = [&](std::initializer_list<Bytes> blocks) {
    Bytes p;
    put16(p, fc);
    put16(p, 2);
    for (const Bytes& b : blocks) append(p, b);
    return p;
  };
  const Bytes empty_block = {0x00, 0x02};
  const auto fail = [&](uint16_t rs) { return reply(arch::CCA_RC_ERROR, rs, rparm_of({empty_block, empty_block}), {}); };
  // A length-prefixed VUD block at rest[0]; key block after it.
  const auto vud_of = [&](Span& vud, Span& keyblock) {
    const size_t vl = rest.u16(0);
    if (vl < 2 || !rest.has(0, vl)) return false;
    vud = rest.sub(2, vl - 2);
    keyblock = rest.sub(vl, rest.n - vl);
    return true;
  };
  // t6_keyblock_hdr {blen, ulen, flags} + token; blen covers the whole remaining block.
  const auto token_of = [&](const Span& kb, Span& token) {
    const size_t blen = kb.u16(0);
    if (blen < arch::T6_KEYBLOCK_HDR_SIZE || blen != kb.n || kb.u16(2) != blen - 2) return false;
    token = kb.sub(arch::T6_KEYBLOCK_HDR_SIZE, blen - arch::T6_KEYBLOCK_HDR_SIZE);
    return true;
  };
  const auto keyblock_bytes = [](const Bytes& token) {
    Bytes kb;
    put16(kb, static_cast<uint16_t>(token.size() + 6));
    put16(kb, static_cast<uint16_t>(token.size() + 4));
    put16(kb, 0);
    append(kb, token);
    return kb;
  };

  // ---- "RL": random number (CSNBRNG/CSNBRNGL) --------------------------------------
  if (fc == arch::CCA_FC_RNG) {
    if (rules.size() != 1 || (rules[0] != "RANDOM  " && rules[0] != "ODD     " && rules[0] != "EVEN    "))
      return fail(arch::CCA_RS_RULE_ARRAY);
    if (rest.n != 4 || rest.u16(0) != 2 || rest.u16(2) != 2) return error82(arch::REP82_ERROR_MALFORMED_MSG, op);
    const uint32_t n = cprb.u32(arch::CPRBX_RPL_DATAL);
    if (n == 0 || n > arch::CCA_RNG_MAX_BYTES) return fail(arch::CCA_RS_DATA_LENGTH);
    Bytes data(n);
    rng_->generate(data.data(), n);
    const bool odd = rules[0] == "ODD     ";
    // ODD/EVEN: adjust every byte to odd/even parity (DES key parity).
    if (rules[0] != "RANDOM  ") set_parity(data.data(), n, odd);
    // The memo keeps the answer but its data block, the reply's last n bytes (type86_reply
    // puts the data block last), which it draws anew each time (reply_memo.h).
    memo_note_ = {true, n, static_cast<uint8_t>(rules[0] == "RANDOM  " ? FreshParity::none
                                                : odd                  ? FreshParity::odd
                                                                       : FreshParity::even)};
    return reply(arch::CCA_RC_OK, 0, rparm_of({empty_block, empty_block}), data);
  }

  // ---- "FQ": cryptographic facility query (CSUACFQ), STATICSA / STATICSB -------------
  if (fc == arch::CCA_FC_FQ) {
    if (rules.size() != 1 || (rules[0] != arch::CCA_FQ_STATICSA && rules[0] != arch::CCA_FQ_STATICSB))
      return fail(arch::CCA_RS_RULE_ARRAY);
    // cca_query_crypto_facility's blocks: lv1 (verb data in, unused by these keywords), then
    // the empty "dummy" block.
    const size_t vl = rest.u16(0);
    if (vl < 2 || !rest.has(0, vl) || rest.n != vl + 2 || rest.u16(vl) != 2)
      return error82(arch::REP82_ERROR_MALFORMED_MSG, op);
    Bytes rule_array, verb_data;
    cca_facility_statics(domain, rules[0] == arch::CCA_FQ_STATICSB, rule_array, verb_data);
    Bytes p;  // struct fqrepparm: "FQ", rule-array block, verb-data block, empty key block
    put16(p, fc);
    put16(p, static_cast<uint16_t>(2 + rule_array.size()));
    append(p, rule_array);
    put16(p, static_cast<uint16_t>(2 + verb_data.size()));
    append(p, verb_data);
    append(p, empty_block);
    return reply(arch::CCA_RC_OK, 0, p, {});
  }

  Domain& dom = domain_state(domain);
  Span vud, kb, token;
  if (!vud_of(vud, kb) || !token_of(kb, token)) return error82(arch::REP82_ERROR_MALFORMED_MSG, op);

  // ---- "PI": PKA key import (external clear CRT token → internal secure token) ------
  if (fc == arch::CCA_FC_PKA_IMPORT) {
    if (!rules.empty()) return fail(arch::CCA_RS_RULE_ARRAY);
    if (vud.n != 0) return fail(arch::CCA_RS_DATA_LENGTH);
    // cca_token_hdr (0x1E) + cca_pvt_ext_crt_sec (0x08) + parts + cca_public_sec + exponent.
    if (token.n < arch::CCA_TKN_HDR_SIZE || token.p[arch::CCA_TKN_ID] != arch::CCA_TKN_HDR_ID_EXT ||
        token.u16(arch::CCA_TKN_LENGTH) != token.n)
      return fail(arch::CCA_RS_KEY_TOKEN_INVALID);
    const Span sec = token.sub(arch::CCA_TKN_HDR_SIZE, token.n - arch::CCA_TKN_HDR_SIZE);
    const size_t sec_len = sec.u16(arch::CCA_CRT_SEC_LENGTH);
    if (sec.n < arch::CCA_CRT_SEC_SIZE || sec.p[arch::CCA_CRT_SEC_ID] != arch::CCA_PVT_EXT_CRT_SEC_ID_PVT ||
        sec.p[arch::CCA_CRT_SEC_KEY_FORMAT] != arch::CCA_PVT_EXT_CRT_SEC_FMT_CL || !sec.has(0, sec_len))
      return fail(arch::CCA_RS_KEY_TOKEN_INVALID);
    size_t lens[7] = {sec.u16(arch::CCA_CRT_SEC_P_LEN),  sec.u16(arch::CCA_CRT_SEC_Q_LEN),
                      sec.u16(arch::CCA_CRT_SEC_DP_LEN), sec.u16(arch::CCA_CRT_SEC_DQ_LEN),
                      sec.u16(arch::CCA_CRT_SEC_U_LEN),  sec.u16(arch::CCA_CRT_SEC_PAD_LEN),
                      sec.u16(arch::CCA_CRT_SEC_MOD_LEN)};
    size_t total = arch::CCA_CRT_SEC_SIZE;
    for (size_t l : lens) total += l;
    if (total != sec_len) return fail(arch::CCA_RS_KEY_TOKEN_INVALID);
    crypto::RsaCrtKey k;
    Bytes* parts[7] = {&k.p, &k.q, &k.dp, &k.dq, &k.u, nullptr, &k.n};
    size_t off = arch::CCA_CRT_SEC_SIZE;
    for (size_t i = 0; i < 7; ++i) {
      if (parts[i]) *parts[i] = crypto::strip(sec.p + off, lens[i]);
      off += lens[i];
    }
    const Span pub = sec.sub(sec_len, sec.n - sec_len);
    const size_t exp_len = pub.u16(arch::CCA_PUB_SEC_EXP_LEN);
    if (pub.n < arch::CCA_PUB_SEC_SIZE || pub.p[arch::CCA_PUB_SEC_ID_OFF] != arch::CCA_PUB_SEC_ID ||
        pub.u16(arch::CCA_PUB_SEC_LENGTH) != pub.n || pub.n != arch::CCA_PUB_SEC_SIZE + exp_len)
      return fail(arch::CCA_RS_KEY_TOKEN_INVALID);
    k.e = crypto::strip(pub.p + arch::CCA_PUB_SEC_SIZE, exp_len);
    // CCA coprocessors: modulus 16..512 bytes (spec §5.3); the signature encoding needs
    // at least 64 bytes (SHA-512 DigestInfo + 11), so the model imports 64..512.
    if (k.n.size() < 64 || k.n.size() > 512 || k.e.empty()) return fail(arch::CCA_RS_DATA_LENGTH);
    if (!crypto::rsa_crt_consistent(k)) return fail(arch::CCA_RS_KEY_INCONSISTENT);
    const Bytes wrapped = crypto::aes256_kwp_wrap(dom.key, serialize_key(k));
    // Internal token: header 0x1F, section 0x31, public section with exponent and modulus.
    Bytes sect(arch::CCA_INT_SEC_HDR_SIZE, 0);
    sect[arch::CCA_INT_SEC_ID] = arch::CCA_PVT_INT_CRT_AES_SEC_ID;
    arch::store_be16(&sect[arch::CCA_INT_SEC_LENGTH], static_cast<uint16_t>(sect.size() + wrapped.size()));
    std::copy_n(dom.vp.begin(), arch::CCA_INT_SEC_MKVP_SIZE, sect.begin() + arch::CCA_INT_SEC_MKVP);
    std::copy_n(sec.p + arch::CCA_CRT_SEC_KEY_USE_FLAGS, 4, sect.begin() + arch::CCA_INT_SEC_KEY_USE_FLAGS);
    arch::store_be16(&sect[arch::CCA_INT_SEC_MOD_LEN], static_cast<uint16_t>(k.n.size()));
    arch::store_be16(&sect[arch::CCA_INT_SEC_WRAPPED_LEN], static_cast<uint16_t>(wrapped.size()));
    append(sect, wrapped);
    Bytes pubsec(arch::CCA_PUB_SEC_SIZE, 0);
    pubsec[arch::CCA_PUB_SEC_ID_OFF] = arch::CCA_PUB_SEC_ID;
    arch::store_be16(&pubsec[arch::CCA_PUB_SEC_LENGTH], static_cast<uint16_t>(pubsec.size() + k.e.size() + k.n.size()));
    arch::store_be16(&pubsec[arch::CCA_PUB_SEC_EXP_LEN], static_cast<uint16_t>(k.e.size()));
    arch::store_be16(&pubsec[arch::CCA_PUB_SEC_MOD_BITS], static_cast<uint16_t>(8 * k.n.size()));
    arch::store_be16(&pubsec[arch::CCA_PUB_SEC_MOD_BYTES], static_cast<uint16_t>(k.n.size()));
    append(pubsec, k.e);
    append(pubsec, k.n);
    Bytes tok(arch::CCA_TKN_HDR_SIZE, 0);
    tok[arch::CCA_TKN_ID] = arch::CCA_TKN_HDR_ID_INT;
    arch::store_be16(&tok[arch::CCA_TKN_LENGTH], static_cast<uint16_t>(tok.size() + sect.size() + pubsec.size()));
    append(tok, sect);
    append(tok, pubsec);
    return reply(arch::CCA_RC_OK, 0, rparm_of({empty_block, keyblock_bytes(tok)}), {});
  }

  // ---- "SG": digital signature generate with an internal token ------------------------
  crypto::Hash hash{};
  bool pkcs = false, have_hash = false, bad_rule = rules.size() != 2;
  for (const std::string& r : rules) {
    crypto::Hash h;
    if (r == "PKCS-1.1" && !pkcs) pkcs = true;
    else if (!have_hash && parse_hash_rule(r, h)) hash = h, have_hash = true;
    else bad_rule = true;
  }
  if (bad_rule || !pkcs || !have_hash) return fail(arch::CCA_RS_RULE_ARRAY);
  if (token.n < arch::CCA_TKN_HDR_SIZE || token.p[arch::CCA_TKN_ID] != arch::CCA_TKN_HDR_ID_INT ||
      token.u16(arch::CCA_TKN_LENGTH) != token.n)
    return fail(arch::CCA_RS_KEY_TOKEN_INVALID);
  const Span sec = token.sub(arch::CCA_TKN_HDR_SIZE, token.n - arch::CCA_TKN_HDR_SIZE);
  const size_t sec_len = sec.u16(arch::CCA_INT_SEC_LENGTH), wl = sec.u16(arch::CCA_INT_SEC_WRAPPED_LEN);
  if (sec.n < arch::CCA_INT_SEC_HDR_SIZE || sec.p[arch::CCA_INT_SEC_ID] != arch::CCA_PVT_INT_CRT_AES_SEC_ID ||
      sec_len != arch::CCA_INT_SEC_HDR_SIZE + wl || !sec.has(0, sec_len))
    return fail(arch::CCA_RS_KEY_TOKEN_INVALID);
  if (!std::equal(dom.vp.begin(), dom.vp.begin() + arch::CCA_INT_SEC_MKVP_SIZE, sec.p + arch::CCA_INT_SEC_MKVP))
    return fail(arch::CCA_RS_MKVP_MISMATCH);
  Bytes plain;
  crypto::RsaCrtKey k;
  if (!crypto::aes256_kwp_unwrap(dom.key, sec.p + arch::CCA_INT_SEC_WRAPPED, wl, plain) || !deserialize_key(plain, k))
    return fail(arch::CCA_RS_KEY_TOKEN_INVALID);
  const Span pub = sec.sub(sec_len, sec.n - sec_len);
  const size_t exp_len = pub.u16(arch::CCA_PUB_SEC_EXP_LEN), mod_len = pub.u16(arch::CCA_PUB_SEC_MOD_BYTES);
  if (pub.n != arch::CCA_PUB_SEC_SIZE + exp_len + mod_len || pub.p[0] != arch::CCA_PUB_SEC_ID ||
      crypto::strip(pub.p + arch::CCA_PUB_SEC_SIZE, exp_len) != k.e ||
      crypto::strip(pub.p + arch::CCA_PUB_SEC_SIZE + exp_len, mod_len) != k.n)
    return fail(arch::CCA_RS_KEY_TOKEN_INVALID);
  if (vud.n != crypto::hash_size(hash)) return fail(arch::CCA_RS_DATA_LENGTH);
  Bytes sig;
  if (!crypto::rsa_pkcs1_sign(k, hash, vud.p, vud.n, sig)) return fail(arch::CCA_RS_DATA_LENGTH);
  demand.work = CprbWork::rsa_sign;
  demand.key_bits = static_cast<unsigned>(8 * k.n.size());
  Bytes vud_out;
  put16(vud_out, static_cast<uint16_t>(sig.size() + 2));
  append(vud_out, sig);
  // RSASSA-PKCS1-v1_5 is deterministic: the answer is a function of the request and the
  // domain's master key (the memo forgets it when that key changes).
  memo_note_.keep = true;
  return reply(arch::CCA_RC_OK, 0, rparm_of({vud_out, empty_block}), {});
}

// ======================================================================================
// EP11
FirmwareReply CexFirmware::process_ep11(uint8_t domain, const uint8_t* msg, size_t len) {
  const Span m{msg, len};
  const size_t to1 = m.u32(arch::T6_TOCARDLEN1);
  const Span cprb = m.sub(arch::TYPE6_HDR_SIZE, to1);
  Operation op = Operation::seckey;
  if (to1 < arch::EP11_CPRB_SIZE || cprb.n != to1) return error82(arch::REP82_ERROR_MALFORMED_MSG, op);
  if (cprb.u16(arch::EP11_CPRB_LEN) != arch::EP11_CPRB_SIZE || cprb.p[arch::EP11_CPRB_VER_ID] != arch::EP11_CPRB_VERSION ||
      cprb.u16(arch::EP11_CPRB_FUNC_ID) != arch::EP11_CPRB_FUNC_ID_T4)
    return error82(arch::REP82_ERROR_FORMAT_FIELD, op);
  if (cprb.p[arch::EP11_CPRB_FLAGS] & arch::EP11_CPRB_FLAG_ADMIN) return error82(arch::REP82_ERROR_INVALID_COMMAND, op);
  if (!cprb.zero(arch::EP11_CPRB_PAD_000, 2) || !cprb.zero(arch::EP11_CPRB_RESERVED1, 8))
    return error82(arch::REP82_ERROR_RESERVD_FIELD, op);
  const uint64_t pl_len = cprb.u32(arch::EP11_CPRB_PAYLOAD_LEN);
  if (arch::EP11_CPRB_SIZE + pl_len != to1) return error82(arch::REP82_ERROR_MALFORMED_MSG, op);
  if (cprb.u32(arch::EP11_CPRB_TARGET_ID) != domain) return error82(arch::REP82_ERROR_INVALID_DOMAIN_PRECHECK, op);
  const Span pl = cprb.sub(arch::EP11_CPRB_SIZE, pl_len);
  size_t off = 1, body = 0;
  if (pl.n < 2 || pl.p[0] != arch::EP11_PAYLOAD_TAG || !arch::ber_get_length(pl.p, pl.n, off, body) || off + body != pl.n)
    return error82(arch::REP82_ERROR_MALFORMED_MSG, op);
  // Parameters: a sequence of 0x04 octet strings.
  std::vector<Span> params;
  while (off < pl.n) {
    size_t l = 0;
    if (pl.p[off++] != arch::EP11_OCTET_TAG || !arch::ber_get_length(pl.p, pl.n, off, l))
      return error82(arch::REP82_ERROR_MALFORMED_MSG, op);
    params.push_back(pl.sub(off, l));
    off += l;
  }
  if (params.size() < 2 || params[0].n != 4 || params[1].n != 4) return error82(arch::REP82_ERROR_MALFORMED_MSG, op);
  const uint32_t func = params[0].u32(0), fn = func & 0xffff;
  if (params[1].u32(0) != domain) return error82(arch::REP82_ERROR_INVALID_DOMAIN_PRECHECK, op);
  const unsigned sidx = speed_idx_ep11(fn);
  params.erase(params.begin(), params.begin() + 2);
  ServiceDemand demand;  // service_time.h 4.
  demand.op = op;
  demand.speed_idx = sidx;

  const uint64_t from1 = m.u32(arch::T6_FROMCARDLEN1);
  const auto reply = [&](uint32_t rv, std::initializer_list<Bytes> outputs) -> FirmwareReply {
    Bytes body;
    arch::ep11_put_u32(body, func);
    arch::ep11_put_u32(body, domain);
    arch::ep11_put_u32(body, rv);
    if (rv == arch::CKR_OK)
      for (const Bytes& o : outputs) arch::ep11_put_octets82(body, o);  // data_lenfmt 0x82
    Bytes cp(cprb.p, cprb.p + arch::EP11_CPRB_SIZE);
    Bytes payload;
    arch::ep11_put_payload(payload, body);
    arch::store_be32(&cp[arch::EP11_CPRB_RET_CODE], 0);
    arch::store_be32(&cp[arch::EP11_CPRB_PAYLOAD_LEN], static_cast<uint32_t>(payload.size()));
    append(cp, payload);
    if (cp.size() > from1) return error82(arch::REP82_ERROR_MESSAGE_LENGTH, op);
    return priced(type86_reply(cp, {}), op, sidx, rv == arch::CKR_OK ? demand : ServiceDemand{});
  };
  Domain& dom = domain_state(domain);

  switch (fn) {
    case arch::EP11_FN_GENERATE_RANDOM: {
      if (params.size() != 1 || params[0].n != 4) return reply(arch::CKR_ARGUMENTS_BAD, {});
      const uint32_t n = params[0].u32(0);
      if (n == 0 || n > arch::CCA_RNG_MAX_BYTES) return reply(arch::CKR_DATA_LEN_RANGE, {});
      Bytes data(n);
      rng_->generate(data.data(), n);
      // The memo draws the random bytes anew: the last output, the reply's last n bytes.
      memo_note_ = {true, n, static_cast<uint8_t>(FreshParity::none)};
      return reply(arch::CKR_OK, {data});
    }
    case arch::EP11_FN_GENERATE_KEY_PAIR: {
      Template pubt, privt;
      if (params.size() != 4 || params[0].n < 4 || !parse_template(params[1], pubt) || !parse_template(params[2], privt))
        return reply(arch::CKR_ARGUMENTS_BAD, {});
      if (params[0].u32(0) != arch::CKM_RSA_PKCS_KEY_PAIR_GEN || params[0].n != 4) return reply(arch::CKR_MECHANISM_INVALID, {});
      const auto bits = pubt.get(arch::CKA_MODULUS_BITS);
      const uint32_t e = pubt.get(arch::CKA_PUBLIC_EXPONENT).value_or(65537);
      if (!bits || *bits < 1024 || *bits > 4096 || *bits % 8 != 0 || e != 65537)
        return reply(arch::CKR_TEMPLATE_INCONSISTENT, {});
      crypto::RsaCrtKey k;
      Bytes spki;
      if (!crypto::rsa_generate(*bits, e, k) || !crypto::rsa_public_spki_der(k, spki))
        return reply(arch::CKR_TEMPLATE_INCONSISTENT, {});
      demand.work = CprbWork::rsa_keygen;
      demand.key_bits = *bits;
      // The blob: struct ep11keyblob-shaped header, wrapped key, HMAC.
      Bytes blob(arch::EP11_BLOB_WRAPPED, 0);
      std::copy_n(dom.vp.begin(), arch::EP11_BLOB_WKVP_SIZE, blob.begin() + arch::EP11_BLOB_WKVP);
      arch::store_be64(&blob[arch::EP11_BLOB_ATTR], privt.bool_bits & privt.bool_mask);
      arch::store_be64(&blob[arch::EP11_BLOB_MODE], arch::EP11_BLOB_MODE_RSA_PRIVATE);
      arch::store_be16(&blob[arch::EP11_BLOB_VERSION], arch::EP11_STRUCT_MAGIC);
      append(blob, crypto::aes256_kwp_wrap(dom.key, serialize_key(k)));
      const crypto::Key256 mac = crypto::hmac_sha256(dom.mac_key, blob.data(), blob.size());
      blob.insert(blob.end(), mac.begin(), mac.end());
      return reply(arch::CKR_OK, {blob, spki});
    }
    case arch::EP11_FN_SIGN_SINGLE: {
      if (params.size() != 3 || params[0].n < 4) return reply(arch::CKR_ARGUMENTS_BAD, {});
      const uint32_t mech = params[0].u32(0);
      crypto::Hash h;
      if (mech == arch::CKM_SHA256_RSA_PKCS && params[0].n == 4) h = crypto::Hash::sha256;
      else if (mech == arch::CKM_SHA512_RSA_PKCS && params[0].n == 4) h = crypto::Hash::sha512;
      else return reply(arch::CKR_MECHANISM_INVALID, {});
      const Span blob = params[1];
      if (blob.n < arch::EP11_BLOB_WRAPPED + 16 + arch::EP11_BLOB_MAC_SIZE ||
          blob.u16(arch::EP11_BLOB_VERSION) != arch::EP11_STRUCT_MAGIC)
        return reply(arch::CKR_WRAPPED_KEY_INVALID, {});
      if (!std::equal(dom.vp.begin(), dom.vp.begin() + arch::EP11_BLOB_WKVP_SIZE, blob.p + arch::EP11_BLOB_WKVP))
        return reply(arch::CKR_IBM_WKID_MISMATCH, {});
      const size_t body_len = blob.n - arch::EP11_BLOB_MAC_SIZE;
      const crypto::Key256 mac = crypto::hmac_sha256(dom.mac_key, blob.p, body_len);
      if (!std::equal(mac.begin(), mac.end(), blob.p + body_len)) return reply(arch::CKR_WRAPPED_KEY_INVALID, {});
      if (arch::load_be64(blob.p + arch::EP11_BLOB_MODE) != arch::EP11_BLOB_MODE_RSA_PRIVATE)
        return reply(arch::CKR_WRAPPED_KEY_INVALID, {});
      if (!(arch::load_be64(blob.p + arch::EP11_BLOB_ATTR) & arch::XCP_BLOB_SIGN))
        return reply(arch::CKR_KEY_FUNCTION_NOT_PERMITTED, {});
      Bytes plain;
      crypto::RsaCrtKey k;
      if (!crypto::aes256_kwp_unwrap(dom.key, blob.p + arch::EP11_BLOB_WRAPPED, body_len - arch::EP11_BLOB_WRAPPED, plain) ||
          !deserialize_key(plain, k))
        return reply(arch::CKR_WRAPPED_KEY_INVALID, {});
      const Bytes d = crypto::digest(h, params[2].p, params[2].n);
      Bytes sig;
      if (!crypto::rsa_pkcs1_sign(k, h, d.data(), d.size(), sig)) return reply(arch::CKR_DATA_LEN_RANGE, {});
      demand.work = CprbWork::rsa_sign;
      demand.key_bits = static_cast<unsigned>(8 * k.n.size());
      // CKM_SHA256/512_RSA_PKCS (RSASSA-PKCS1-v1_5) is deterministic: the memo may keep it.
      memo_note_.keep = true;
      return reply(arch::CKR_OK, {sig});
    }
    case arch::EP11_FN_GET_XCP_INFO: {
      // ep11_query_info: query type and subtype (0), each a u32.
      if (params.size() != 2 || params[0].n != 4 || params[1].n != 4 || params[1].u32(0) != 0)
        return reply(arch::CKR_ARGUMENTS_BAD, {});
      switch (params[0].u32(0)) {
        case arch::EP11_QUERY_MODULE_INFO: return reply(arch::CKR_OK, {ep11_module_info()});
        case arch::EP11_QUERY_DOMAIN_INFO: return reply(arch::CKR_OK, {ep11_domain_info(domain)});
        default: return reply(arch::CKR_ARGUMENTS_BAD, {});
      }
    }
    default:
      return reply(arch::CKR_FUNCTION_NOT_SUPPORTED, {});
  }
}

// ======================================================================================
// What a card says about itself: the answers of the query verbs.
//
// No public source says what a given card returns; these are the model's choices, each
// stable across runs so goldens can show them:
//  * serial_number(): see cex_firmware.h ("93AAC005", "93AAP00600000000").
//  * CCA master-key registers (STATICSA/STATICSB), per domain, from the one master key K the
//    domain keeps for its secure keys (cex_firmware.h "State"):
//      AES   CUR valid, pattern master_key_vp(K) — the MKVP "PI" tokens carry, so a token's
//            pattern and the queue's `mkvps` agree as they do on a real card;
//      APKA  CUR valid, K_apka = SHA-256("apsim-cca-apka-mk" ‖ K), pattern master_key_vp(K_apka);
//      ASYM  CUR valid, K_asym = the first 24 bytes of SHA-256("apsim-cca-asym-mk" ‖ K), its
//            16-byte pattern the first 16 bytes of master_key_vp(K_asym) (CCA: MDC-4);
//      SYM   (DES) empty/invalid: the model has no DES master key;
//      NEW   empty in every class (no master-key change in progress);
//      OLD   invalid until set_master_key() replaces K, then valid with the replaced key's
//            patterns (the registers' SET moves CUR to OLD).
//    A register without a valid key reports a zero pattern.
//  * EP11 module information: API ordinal 6 (EP11_API_V6, the highest zcrypt_ep11misc.c
//    sends, so every request Linux builds is within the card's API); firmware version
//    <generation>.0 (e.g. 8.0 on a CEX8P); operational modes FIPS2009, FIPS2011 and FIPS2021
//    (bits 0, 2, 7: a card set up for FIPS compliance; 6.1 names only the first two, newer
//    kernels all three); the other fields (firmware id, CSP version, hashes, date, sizes)
//    zero — Linux does not read them.
//  * EP11 domain information: imprint mode left, current wrapping key valid with the 32-byte
//    pattern master_key_vp(K) (blobs carry its first 16 bytes), no new wrapping key, the
//    card's operational modes.
// Their price is the service-time model's for a CPRB of zcrypt's class LOW ("FQ" 0x4651,
// get_xcp_info 38): a tenth of the card's SECKEY rating (service_time.h 4.).

namespace {

/// Model labels of the derived CCA registers.
constexpr char kApkaLabel[] = "apsim-cca-apka-mk";
constexpr char kAsymLabel[] = "apsim-cca-asym-mk";
constexpr uint64_t kEp11OpModes = arch::EP11_OP_MODE_FIPS2009 | arch::EP11_OP_MODE_FIPS2011 | arch::EP11_OP_MODE_FIPS2021;
constexpr uint32_t kEp11ApiOrdinal = arch::EP11_API_V6;

/// The verification patterns of the three CCA register classes for master key `k`.
struct CcaPatterns {
  Bytes aes, apka, asym;
};
CcaPatterns cca_patterns(const CexFirmware::MasterKey& k) {
  const auto derive = [&](const char* label, size_t key_len) {
    const crypto::Key256 d = crypto::sha256({{reinterpret_cast<const uint8_t*>(label), std::strlen(label)}, {k.data(), k.size()}});
    return master_key_vp(d.data(), key_len, true);
  };
  const crypto::Key256 aes = master_key_vp(k.data(), k.size(), true);
  const crypto::Key256 apka = derive(kApkaLabel, 32), asym = derive(kAsymLabel, 24);
  return {Bytes(aes.begin(), aes.begin() + arch::CCA_MKVP_SIZE), Bytes(apka.begin(), apka.begin() + arch::CCA_MKVP_SIZE),
          Bytes(asym.begin(), asym.begin() + arch::CCA_ASYM_MKVP_SIZE)};
}

/// A rule-array element: `text` left-justified, blank-padded to 8 bytes.
void put_rule(Bytes& r, const std::string& text) {
  std::string e = text.substr(0, arch::CCA_RULE_SIZE);
  e.resize(arch::CCA_RULE_SIZE, ' ');
  r.insert(r.end(), e.begin(), e.end());
}

/// A verb-data block {u16 len, u16 id, value}.
void put_vd_block(Bytes& v, uint16_t id, const Bytes& value) {
  put16(v, static_cast<uint16_t>(4 + value.size()));
  put16(v, id);
  append(v, value);
}

}  // namespace

std::string CexFirmware::serial_number() const {
  char b[24];
  std::snprintf(b, sizeof b, "93AA%c%03u", profile_.mode == Mode::ep11 ? 'P' : 'C', serial_ % 1000);
  std::string s = b;
  if (profile_.mode == Mode::ep11) s += "00000000";
  return s;
}

void CexFirmware::cca_facility_statics(uint8_t domain, bool staticsb, Bytes& rules, Bytes& vd) {
  const Domain& dom = domain_state(domain);
  const Bytes zero16(arch::CCA_ASYM_MKVP_SIZE, 0), zero8(arch::CCA_MKVP_SIZE, 0);
  const CcaPatterns cur = cca_patterns(dom.key);
  const CcaPatterns old = dom.old_key ? cca_patterns(*dom.old_key) : CcaPatterns{zero8, zero8, zero16};
  const char cur_state = arch::CCA_MK_VALID;
  const char old_state = dom.old_key ? arch::CCA_MK_VALID : arch::CCA_MK_INVALID;
  // Rule array: serial, then NEW, CUR, OLD of SYM, ASYM, AES (and APKA for STATICSB).
  rules.clear();
  put_rule(rules, serial_number());
  const std::string empty(1, arch::CCA_MK_NEW_EMPTY), invalid(1, arch::CCA_MK_INVALID);
  for (const std::string& st : {empty, invalid, invalid}) put_rule(rules, st);  // SYM
  for (int cls = 0; cls < (staticsb ? 3 : 2); ++cls) {                           // ASYM, AES, APKA
    put_rule(rules, empty);
    put_rule(rules, std::string(1, cur_state));
    put_rule(rules, std::string(1, old_state));
  }
  // Verb data (arch/msgtype6.h "FQ"): old, current, new pattern of each class.
  vd.clear();
  put_vd_block(vd, arch::CCA_FQ_VD_ID_SYM_OMK_MDC4, zero16);
  put_vd_block(vd, arch::CCA_FQ_VD_ID_SYM_CMK_MDC4, zero16);
  put_vd_block(vd, 0, zero16);  // SYM NMK
  put_vd_block(vd, 0, old.asym);
  put_vd_block(vd, 0, cur.asym);
  put_vd_block(vd, 0, zero16);  // ASYM NMK: empty
  for (int i = 0; i < 4; ++i) put_vd_block(vd, 0, zero8);  // the fields the model does not know
  put_vd_block(vd, 0, old.aes);
  put_vd_block(vd, 0, cur.aes);
  put_vd_block(vd, 0, zero8);  // AES NMK: empty
  if (staticsb) {
    put_vd_block(vd, 0, old.apka);
    put_vd_block(vd, 0, cur.apka);
    put_vd_block(vd, 0, zero8);  // APKA NMK: empty
  }
}

Bytes CexFirmware::ep11_module_info() const {
  Bytes b(arch::EP11_MQI_SIZE, 0);
  arch::store_be32(&b[arch::EP11_MQI_API_ORD_NR], kEp11ApiOrdinal);
  b[arch::EP11_MQI_FW_MAJOR] = static_cast<uint8_t>(profile_.generation);
  b[arch::EP11_MQI_FW_MINOR] = 0;
  const std::string serial = serial_number();
  std::copy_n(serial.begin(), arch::EP11_MQI_SERIAL_SIZE, b.begin() + arch::EP11_MQI_SERIAL);
  arch::store_be64(&b[arch::EP11_MQI_OP_MODE], kEp11OpModes);
  return b;
}

Bytes CexFirmware::ep11_domain_info(uint8_t domain) {
  const Domain& dom = domain_state(domain);
  Bytes b(arch::EP11_DQI_SIZE, 0);
  arch::store_be32(&b[arch::EP11_DQI_DOM_INDEX], domain);
  std::copy(dom.vp.begin(), dom.vp.end(), b.begin() + arch::EP11_DQI_CUR_WKVP);
  arch::store_be32(&b[arch::EP11_DQI_FLAGS], arch::EP11_DOM_IMPRINT_LEFT | arch::EP11_DOM_CUR_WK_VALID);
  arch::store_be64(&b[arch::EP11_DQI_OP_MODE], kEp11OpModes);
  return b;
}

}  // namespace apsim::firmware
