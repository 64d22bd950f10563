// testbench/tests/firmware/test_cprb.cpp — the coprocessor firmware (type-6 CCA and EP11
// requests, type-86 replies) end to end through the zcrypt-side builders and readers, held
// against OpenSSL:
//
//   OpenSSL key ─► cca_ext_crt_token ─► "PI" ─► CexFirmware ─► internal token (AES-wrapped
//   under the domain's master key) ─► "SG" over an OpenSSL SHA-256 ─► signature
//        ==  OpenSSL's own RSASSA-PKCS1-v1_5 signature, and verifies with the public key.
//   EP11 GenerateKeyPair ─► blob + SPKI ─► SignSingle ─► OpenSSL EVP_DigestVerify with the SPKI.
//   RNG ("RL", GenerateRandom): length, not all zero, different between calls.
//   Card information ("FQ" STATICSA/STATICSB, get_xcp_info): what zcrypt_ccamisc.c and
//   zcrypt_ep11misc.c read from the replies, against OpenSSL's SHA-256 of the master keys.
//   Malformed, truncated, oversized, wrong-domain messages: type-82 with the right code.
#define BOOST_TEST_MODULE firmware_cprb
#include <boost/test/unit_test.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>

#include "arch/bits.h"
#include "arch/ep11_ber.h"
#include "arch/msgtype50.h"
#include "arch/msgtype6.h"
#include "arch/rsa_key.h"
#include "driver/linux/zcrypt_msgtype50.h"
#include "driver/linux/zcrypt_ccamisc.h"
#include "driver/linux/zcrypt_ep11misc.h"
#include "driver/linux/zcrypt_msgtype6.h"
#include "firmware/cex_firmware.h"
#include "firmware/service_time.h"
#include "firmware_fixture.h"

namespace {

// ---- OpenSSL helpers ------------------------------------------------------------------
struct RsaKey : arch::RsaKeyBytes {  // n, e, d, p, q, dp, dq, u = q^-1 mod p (arch/rsa_key.h)
  Pkey pkey;
};

const RsaKey& key(int bits) {
  static std::map<int, std::unique_ptr<RsaKey>> cache;
  auto& slot = cache[bits];
  if (!slot) {
    auto k = std::make_unique<RsaKey>();
    k->pkey = generate_rsa_pkey(bits);
    ossl_check(arch::extract_rsa_key(k->pkey.get(), *k), "EVP_PKEY_get_bn_param");
    slot = std::move(k);
  }
  return *slot;
}

Bytes random_bytes(size_t n) {
  Bytes b(n);
  ossl_check(RAND_bytes(b.data(), static_cast<int>(n)) == 1, "rand");
  return b;
}

Bytes sha(const EVP_MD* md, const Bytes& m) {
  Bytes d(EVP_MAX_MD_SIZE);
  unsigned n = 0;
  ossl_check(EVP_Digest(m.data(), m.size(), d.data(), &n, md, nullptr) == 1, "digest");
  d.resize(n);
  return d;
}

/// OpenSSL's RSASSA-PKCS1-v1_5 signature of a precomputed hash.
Bytes openssl_sign_hash(EVP_PKEY* k, const EVP_MD* md, const Bytes& hash) {
  Ctx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, k, nullptr));
  ossl_check(ctx && EVP_PKEY_sign_init(ctx.get()) == 1, "sign_init");
  ossl_check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1, "padding");
  ossl_check(EVP_PKEY_CTX_set_signature_md(ctx.get(), md) == 1, "md");
  size_t len = 0;
  ossl_check(EVP_PKEY_sign(ctx.get(), nullptr, &len, hash.data(), hash.size()) == 1, "size");
  Bytes sig(len);
  ossl_check(EVP_PKEY_sign(ctx.get(), sig.data(), &len, hash.data(), hash.size()) == 1, "sign");
  sig.resize(len);
  return sig;
}

bool openssl_verify_hash(EVP_PKEY* k, const EVP_MD* md, const Bytes& hash, const Bytes& sig) {
  Ctx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, k, nullptr));
  ossl_check(ctx && EVP_PKEY_verify_init(ctx.get()) == 1, "verify_init");
  ossl_check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1, "padding");
  ossl_check(EVP_PKEY_CTX_set_signature_md(ctx.get(), md) == 1, "md");
  return EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), hash.data(), hash.size()) == 1;
}

/// The public key of a SubjectPublicKeyInfo, and EVP_DigestVerify of a message with it.
bool openssl_verify_message_spki(const Bytes& spki, const EVP_MD* md, const Bytes& msg, const Bytes& sig) {
  const unsigned char* p = spki.data();
  Pkey pub(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  if (!pub) return false;
  EVP_MD_CTX* mctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(mctx, nullptr, md, nullptr, pub.get()) == 1 &&
            EVP_DigestVerify(mctx, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
  EVP_MD_CTX_free(mctx);
  return ok;
}

// ---- the card -------------------------------------------------------------------------
struct Card {
  fw::CexFirmware fw;
  explicit Card(Mode mode, unsigned gen = 7, uint32_t serial = 3)
      : fw(fw::make_profile(gen, mode), kTimes, serial) {}
  fw::FirmwareReply send(uint8_t domain, const Bytes& msg) { return fw.process(domain, msg.data(), msg.size()); }
};

/// Send an ica_xcRB through the card as zcrypt would, convert the reply into it.
int send_xcrb(Card& c, uint8_t queue_domain, drv::ica_xcRB& x, fw::FirmwareReply* keep = nullptr) {
  Bytes msg;
  unsigned fc = 0;
  uint16_t dom = 0;
  BOOST_REQUIRE_EQUAL(drv::xcrb_msg_to_type6cprb_msgx(x, msg, fc, dom), 0);
  fw::FirmwareReply r = c.send(queue_domain, msg);
  const int rc = drv::convert_response_xcrb(r.reply.data(), r.reply.size(), x);
  if (keep) *keep = std::move(r);
  return rc;
}

int send_urb(Card& c, uint8_t queue_domain, drv::ep11_urb& u, fw::FirmwareReply* keep = nullptr) {
  Bytes msg;
  unsigned fc = 0, dom = 0;
  BOOST_REQUIRE_EQUAL(drv::xcrb_msg_to_type6_ep11cprb_msgx(u, msg, fc, dom), 0);
  fw::FirmwareReply r = c.send(queue_domain, msg);
  const int rc = drv::convert_response_ep11_xcrb(r.reply.data(), r.reply.size(), u);
  if (keep) *keep = std::move(r);
  return rc;
}

/// Import `k` into domain `d` of a CCA card: the internal token.
Bytes import_key(Card& c, uint8_t d, const RsaKey& k) {
  drv::ica_xcRB x = drv::cca_pka_import_xcrb(d, drv::cca_ext_crt_token(k.n, k.e, k.p, k.q, k.dp, k.dq, k.u));
  BOOST_REQUIRE_EQUAL(send_xcrb(c, d, x), 0);
  Bytes token;
  BOOST_REQUIRE_EQUAL(drv::cca_pka_import_reply(x, token), 0);
  return token;
}

uint16_t cca_rs_of(const drv::ica_xcRB& x) {
  uint16_t rc = 0, rs = 0;
  BOOST_REQUIRE_EQUAL(drv::cca_reply_codes(x, rc, rs), 0);
  BOOST_REQUIRE_EQUAL(rc, arch::CCA_RC_ERROR);
  return rs;
}

Bytes rng_request(unsigned n, uint16_t domain) {
  Bytes m;
  drv::rng_type6cprb_msgx(m, n, domain);
  return m;
}

/// The shape every firmware reply must have: a type 86 whose length zcrypt accepts, or an
/// 8-byte type 82.
void check_reply_shape(const fw::FirmwareReply& r) {
  BOOST_TEST_REQUIRE(r.reply.size() >= 2u);
  if (r.reply[1] == arch::TYPE86_RSP_CODE) {
    BOOST_TEST_REQUIRE(drv::zcrypt_msgtype6_receive(r.reply.data(), r.reply.size()) == 0);
  } else if (r.reply[1] == arch::TYPE80_RSP_CODE) {
    BOOST_TEST_REQUIRE(arch::load_be16(&r.reply[2]) == r.reply.size());
  } else {
    BOOST_TEST_REQUIRE(r.reply[1] == arch::TYPE82_RSP_CODE);
    BOOST_TEST_REQUIRE(r.reply.size() == arch::ERRHDR_SIZE);
  }
}

}  // namespace

// ======================================================================================
BOOST_AUTO_TEST_SUITE(layouts)

BOOST_AUTO_TEST_CASE(rng_request_is_zcrypts) {
  // rng_type6cprb_msgx: sizeof(*msg) = 88 + 220 + 16 = 324; tocardlen1 = fromcardlen1 = 236.
  const Bytes m = rng_request(arch::ZCRYPT_RNG_BUFFER_SIZE, 0x47);
  BOOST_TEST(m.size() == 324u);
  BOOST_TEST(m[1] == 0x06);
  BOOST_TEST(arch::load_be32(&m[arch::T6_OFFSET1]) == 0x58u);
  BOOST_TEST(m[arch::T6_AGENT_ID] == 'C');
  BOOST_TEST(m[arch::T6_AGENT_ID + 1] == 'A');
  BOOST_TEST(m[arch::T6_FUNCTION_CODE] == 'R');
  BOOST_TEST(arch::load_be32(&m[arch::T6_TOCARDLEN1]) == 236u);
  BOOST_TEST(arch::load_be32(&m[arch::T6_FROMCARDLEN1]) == 236u);
  BOOST_TEST(arch::load_be32(&m[arch::T6_FROMCARDLEN2]) == 4096u);
  const uint8_t* c = &m[88];
  BOOST_TEST(arch::load_be16(c) == 0xDCu);
  BOOST_TEST(c[2] == 0x02);
  BOOST_TEST(arch::load_be16(c + 6) == 0x5432u);
  BOOST_TEST(arch::load_be32(c + arch::CPRBX_REQ_PARML) == 16u);
  BOOST_TEST(arch::load_be32(c + arch::CPRBX_RPL_MSGBL) == 236u);
  BOOST_TEST(arch::load_be32(c + arch::CPRBX_RPL_DATAL) == 4096u);
  BOOST_TEST(arch::load_be16(c + arch::CPRBX_DOMAIN) == 0x47u);
  const std::string parm(reinterpret_cast<const char*>(c + 220), 16);
  BOOST_TEST(parm == std::string("RL\x00\x0aRANDOM  \x00\x02\x00\x02", 16));
  BOOST_TEST(fw::classify_request(m.data(), m.size()) == fw::Operation::rng);
}

BOOST_AUTO_TEST_CASE(ep11_request_and_domain_rewrite) {
  drv::ep11_urb u = drv::ep11_generate_random_urb(0xab, 32);
  Bytes m;
  unsigned fc = 0, dom = 0;
  BOOST_REQUIRE_EQUAL(drv::xcrb_msg_to_type6_ep11cprb_msgx(u, m, fc, dom), 0);
  BOOST_TEST(fc == arch::EP11_FN_GENERATE_RANDOM);
  BOOST_TEST(dom == 0xabu);
  BOOST_TEST(m.size() == 88 + arch::ceil4(u.req.size()));
  BOOST_TEST(m[arch::T6_AGENT_ID] == 'X');
  BOOST_TEST(m[arch::T6_RQID + 1] == 0x01);
  BOOST_TEST(fw::classify_request(m.data(), m.size()) == fw::Operation::seckey);
  // zcrypt_msgtype6_send_ep11_cprb: target_id and payload domain become the queue's.
  BOOST_REQUIRE_EQUAL(drv::ep11_set_queue_domain(m, 4), 0);
  BOOST_TEST(arch::load_be32(&m[88 + arch::EP11_CPRB_TARGET_ID]) == 4u);
  Card c(Mode::ep11);
  const auto r = c.send(4, m);
  BOOST_TEST(r.reply[1] == arch::TYPE86_RSP_CODE);
}

BOOST_AUTO_TEST_CASE(speed_classes_are_zcrypts) {
  BOOST_TEST(fw::speed_idx_cca(arch::CCA_FC_DSG) == fw::kSpeedHigh);
  BOOST_TEST(fw::speed_idx_cca(arch::CCA_FC_PKA_IMPORT) == fw::kSpeedHigh);
  BOOST_TEST(fw::speed_idx_cca(arch::CCA_FC_RNG) == fw::kSpeedMedium);
  BOOST_TEST(fw::speed_idx_cca(0x4142) == fw::kSpeedLow);
  BOOST_TEST(fw::speed_idx_ep11(arch::EP11_FN_GENERATE_RANDOM) == fw::kSpeedMedium);
  BOOST_TEST(fw::speed_idx_ep11(arch::EP11_FN_SIGN_SINGLE) == fw::kSpeedHigh);
  BOOST_TEST(fw::speed_idx_ep11(arch::EP11_FN_GET_XCP_INFO) == fw::kSpeedLow);
}

BOOST_AUTO_TEST_SUITE_END()

// ======================================================================================
BOOST_AUTO_TEST_SUITE(random_numbers)

BOOST_AUTO_TEST_CASE(cca_rng_sanity) {
  Card c(Mode::cca);
  Bytes a, b;
  fw::FirmwareReply r;
  r = c.send(4, rng_request(4096, 4));
  BOOST_TEST(r.op == fw::Operation::rng);
  BOOST_TEST(r.service_ps == kTimes.service_ps(7, Mode::cca, fw::Operation::rng));
  BOOST_TEST(r.service_ps == 23 * kTimes.rating_unit_ps());
  BOOST_REQUIRE_EQUAL(drv::convert_response_rng(r.reply.data(), r.reply.size(), a), 4096);
  r = c.send(4, rng_request(4096, 4));
  BOOST_REQUIRE_EQUAL(drv::convert_response_rng(r.reply.data(), r.reply.size(), b), 4096);
  BOOST_TEST(a.size() == 4096u);
  BOOST_TEST(std::any_of(a.begin(), a.end(), [](uint8_t x) { return x != 0; }));
  BOOST_TEST(a != b);
  // Rough uniformity: the bit count of 32768 random bits is within 6 sigma of half.
  size_t ones = 0;
  for (uint8_t x : a) ones += static_cast<size_t>(__builtin_popcount(x));
  BOOST_TEST(std::abs(static_cast<long>(ones) - 16384) < 6 * 91);
  // Odd lengths and a second card (another serial) give other bytes.
  Card c2(Mode::cca, 7, 4);
  Bytes o;
  r = c2.send(4, rng_request(17, 4));
  BOOST_REQUIRE_EQUAL(drv::convert_response_rng(r.reply.data(), r.reply.size(), o), 17);
  BOOST_TEST(!std::equal(o.begin(), o.end(), a.begin()));
}

BOOST_AUTO_TEST_CASE(cca_rng_parity_rules_and_limits) {
  Card c(Mode::cca);
  Bytes m = rng_request(64, 0);
  std::copy_n("ODD     ", 8, &m[88 + 220 + 4]);
  Bytes d;
  auto r = c.send(0, m);
  BOOST_REQUIRE_EQUAL(drv::convert_response_rng(r.reply.data(), r.reply.size(), d), 64);
  for (uint8_t x : d) BOOST_TEST(__builtin_popcount(x) % 2 == 1);
  std::copy_n("NOSUCHRL", 8, &m[88 + 220 + 4]);
  r = c.send(0, m);
  BOOST_TEST(drv::convert_response_rng(r.reply.data(), r.reply.size(), d) == -EINVAL);  // rc 8
  BOOST_TEST(r.service_ps == kTimes.service_ps(7, Mode::cca, fw::Operation::invalid));
  // More random bytes than the card gives per request, or than the caller has room for.
  r = c.send(0, rng_request(arch::CCA_RNG_MAX_BYTES + 1, 0));
  BOOST_TEST(drv::convert_response_rng(r.reply.data(), r.reply.size(), d) == -EINVAL);
  Bytes small = rng_request(100, 0);
  arch::store_be32(&small[arch::T6_FROMCARDLEN2], 99);
  BOOST_TEST(reply_code82(c.send(0, small)) == arch::REP82_ERROR_MESSAGE_LENGTH);
}

BOOST_AUTO_TEST_CASE(ep11_generate_random) {
  Card c(Mode::ep11, 8);
  drv::ep11_urb u1 = drv::ep11_generate_random_urb(9, 256), u2 = drv::ep11_generate_random_urb(9, 256);
  fw::FirmwareReply r;
  BOOST_REQUIRE_EQUAL(send_urb(c, 9, u1, &r), 0);
  BOOST_TEST(r.op == fw::Operation::seckey);
  BOOST_TEST(r.service_ps == kTimes.service_ps(8, Mode::ep11, fw::Operation::seckey));  // MEDIUM: 1 x SECKEY
  BOOST_REQUIRE_EQUAL(send_urb(c, 9, u2), 0);
  uint32_t rv = 1;
  std::vector<Bytes> o1, o2;
  BOOST_REQUIRE_EQUAL(drv::ep11_parse_reply(u1, rv, o1), 0);
  BOOST_TEST(rv == arch::CKR_OK);
  BOOST_REQUIRE_EQUAL(drv::ep11_parse_reply(u2, rv, o2), 0);
  BOOST_REQUIRE_EQUAL(o1.size(), 1u);
  BOOST_TEST(o1[0].size() == 256u);
  BOOST_TEST(std::any_of(o1[0].begin(), o1[0].end(), [](uint8_t x) { return x != 0; }));
  BOOST_TEST(o1[0] != o2[0]);
  drv::ep11_urb big = drv::ep11_generate_random_urb(9, arch::CCA_RNG_MAX_BYTES + 1);
  big.resp_len = 64;
  BOOST_REQUIRE_EQUAL(send_urb(c, 9, big), 0);
  BOOST_REQUIRE_EQUAL(drv::ep11_parse_reply(big, rv, o1), 0);
  BOOST_TEST(rv == arch::CKR_DATA_LEN_RANGE);
}

BOOST_AUTO_TEST_SUITE_END()

// ======================================================================================
BOOST_AUTO_TEST_SUITE(cca_secure_key)

BOOST_AUTO_TEST_CASE(import_and_sign_matches_openssl) {
  Card c(Mode::cca, 7);
  struct H { const char* rule; const EVP_MD* md; };
  const H hashes[] = {{"SHA-256 ", EVP_sha256()}, {"SHA-384 ", EVP_sha384()}, {"SHA-512 ", EVP_sha512()}};
  for (int bits : {1024, 2048, 3072, 4096}) {
    const RsaKey& k = key(bits);
    const Bytes token = import_key(c, 0x47, k);
    // The token hides the private key: none of p, q appears in it.
    BOOST_TEST((std::search(token.begin(), token.end(), k.p.begin(), k.p.end()) == token.end()));
    BOOST_TEST((std::search(token.begin(), token.end(), k.q.begin(), k.q.end()) == token.end()));
    for (const H& h : hashes) {
      const Bytes msg = random_bytes(100);
      const Bytes hash = sha(h.md, msg);
      drv::ica_xcRB x = drv::cca_dsg_xcrb(0x47, h.rule, hash, token);
      fw::FirmwareReply r;
      BOOST_REQUIRE_EQUAL(send_xcrb(c, 0x47, x, &r), 0);
      BOOST_TEST(r.op == fw::Operation::seckey);
      // "SG" (service_time.h 4.): the CRT of the key's class on this card, plus SECKEY.
      BOOST_TEST(r.service_ps == kTimes.service_ps(7, Mode::cca, fw::crt_class(bits)) +
                                     kTimes.service_ps(7, Mode::cca, fw::Operation::seckey));
      BOOST_TEST((r.demand.work == fw::CprbWork::rsa_sign && r.demand.key_bits == unsigned(bits)));
      Bytes sig;
      BOOST_REQUIRE_EQUAL(drv::cca_dsg_reply(x, sig), 0);
      BOOST_TEST(sig.size() == k.n.size());
      BOOST_TEST(openssl_verify_hash(k.pkey.get(), h.md, hash, sig), "bits " << bits << " " << h.rule);
      BOOST_TEST(sig == openssl_sign_hash(k.pkey.get(), h.md, hash), "bits " << bits << " " << h.rule);
    }
  }
}

BOOST_AUTO_TEST_CASE(master_key_is_per_domain) {
  Card c(Mode::cca, 6);
  const RsaKey& k = key(2048);
  const Bytes token = import_key(c, 4, k);
  const Bytes hash = sha(EVP_sha256(), random_bytes(10));
  // Another domain of the same card has another master key.
  drv::ica_xcRB x = drv::cca_dsg_xcrb(5, "SHA-256 ", hash, token);
  BOOST_REQUIRE_EQUAL(send_xcrb(c, 5, x), 0);
  BOOST_TEST(cca_rs_of(x) == arch::CCA_RS_MKVP_MISMATCH);
  Bytes sig;
  BOOST_TEST(drv::cca_dsg_reply(x, sig) == -EIO);
  // Same domain number on another card (another serial): another master key too.
  Card other(Mode::cca, 6, 99);
  x = drv::cca_dsg_xcrb(4, "SHA-256 ", hash, token);
  BOOST_REQUIRE_EQUAL(send_xcrb(other, 4, x), 0);
  BOOST_TEST(cca_rs_of(x) == arch::CCA_RS_MKVP_MISMATCH);
  // A new master key in domain 4 retires the token.
  x = drv::cca_dsg_xcrb(4, "SHA-256 ", hash, token);
  BOOST_REQUIRE_EQUAL(send_xcrb(c, 4, x), 0);
  BOOST_REQUIRE_EQUAL(drv::cca_dsg_reply(x, sig), 0);
  fw::CexFirmware::MasterKey mk{};
  mk[0] = 1;
  c.fw.set_master_key(4, mk);
  x = drv::cca_dsg_xcrb(4, "SHA-256 ", hash, token);
  BOOST_REQUIRE_EQUAL(send_xcrb(c, 4, x), 0);
  BOOST_TEST(cca_rs_of(x) == arch::CCA_RS_MKVP_MISMATCH);
}

BOOST_AUTO_TEST_CASE(bad_tokens_rules_and_keys) {
  Card c(Mode::cca, 7);
  const RsaKey& k = key(2048);
  const Bytes token = import_key(c, 1, k);
  const Bytes hash = sha(EVP_sha256(), random_bytes(10));
  // A flipped bit in the wrapped key: the AES key wrap's integrity check refuses it.
  Bytes t = token;
  t[arch::CCA_TKN_HDR_SIZE + arch::CCA_INT_SEC_WRAPPED + 5] ^= 0x10;
  drv::ica_xcRB x = drv::cca_dsg_xcrb(1, "SHA-256 ", hash, t);
  BOOST_REQUIRE_EQUAL(send_xcrb(c, 1, x), 0);
  BOOST_TEST(cca_rs_of(x) == arch::CCA_RS_KEY_TOKEN_INVALID);
  // A changed modulus in the public section.
  t = token;
  t[t.size() - 1] ^= 0x02;
  x = drv::cca_dsg_xcrb(1, "SHA-256 ", hash, t);
  BOOST_REQUIRE_EQUAL(send_xcrb(c, 1, x), 0);
  BOOST_TEST(cca_rs_of(x) == arch::CCA_RS_KEY_TOKEN_INVALID);
  // Hash length not the rule's, unknown rule.
  x = drv::cca_dsg_xcrb(1, "SHA-512 ", hash, token);
  BOOST_REQUIRE_EQUAL(send_xcrb(c, 1, x), 0);
  BOOST_TEST(cca_rs_of(x) == arch::CCA_RS_DATA_LENGTH);
  x = drv::cca_dsg_xcrb(1, "MD5     ", hash, token);
  BOOST_REQUIRE_EQUAL(send_xcrb(c, 1, x), 0);
  BOOST_TEST(cca_rs_of(x) == arch::CCA_RS_RULE_ARRAY);
  // An external (clear) token cannot sign.
  x = drv::cca_dsg_xcrb(1, "SHA-256 ", hash, drv::cca_ext_crt_token(k.n, k.e, k.p, k.q, k.dp, k.dq, k.u));
  BOOST_REQUIRE_EQUAL(send_xcrb(c, 1, x), 0);
  BOOST_TEST(cca_rs_of(x) == arch::CCA_RS_KEY_TOKEN_INVALID);
  // Import of inconsistent parts (u of another key).
  const RsaKey& k2 = key(1024);
  Bytes wrong_u = k2.u;
  wrong_u.resize(std::min(wrong_u.size(), k.u.size()));
  x = drv::cca_pka_import_xcrb(1, drv::cca_ext_crt_token(k.n, k.e, k.p, k.q, k.dp, k.dq, wrong_u));
  BOOST_REQUIRE_EQUAL(send_xcrb(c, 1, x), 0);
  BOOST_TEST(cca_rs_of(x) == arch::CCA_RS_KEY_INCONSISTENT);
}

BOOST_AUTO_TEST_CASE(wrong_domain_and_wrong_card) {
  Card c(Mode::cca, 7);
  const RsaKey& k = key(1024);
  // CPRB domain 5 arriving on the queue of domain 4: type 82 INVALID_DOMAIN_PRECHECK, which
  // zcrypt maps to -EINVAL.
  drv::ica_xcRB x = drv::cca_pka_import_xcrb(5, drv::cca_ext_crt_token(k.n, k.e, k.p, k.q, k.dp, k.dq, k.u));
  fw::FirmwareReply r;
  BOOST_TEST(send_xcrb(c, 4, x, &r) == -EINVAL);
  BOOST_TEST(reply_code82(r) == arch::REP82_ERROR_INVALID_DOMAIN_PRECHECK);
  BOOST_TEST(x.status == 0x0008044Du);
  // A CCA request on an EP11 card, a type 6 on an accelerator.
  Card ep(Mode::ep11);
  BOOST_TEST(reply_code82(ep.send(0, rng_request(16, 0))) == arch::REP82_ERROR_INVALID_COMMAND);
  Card acc(Mode::accel);
  BOOST_TEST(reply_code82(acc.send(0, rng_request(16, 0))) == arch::REP82_ERROR_MESSAGE_TYPE);
  BOOST_TEST(!fw::supports(fw::make_profile(7, Mode::accel), fw::classify_request(rng_request(16, 0).data(), 324)));
}

BOOST_AUTO_TEST_SUITE_END()

// ======================================================================================
BOOST_AUTO_TEST_SUITE(ep11_secure_key)

BOOST_AUTO_TEST_CASE(keypair_sign_verifies_with_openssl) {
  Card c(Mode::ep11, 7);
  for (uint32_t bits : {2048u, 3072u}) {
    drv::ep11_urb g = drv::ep11_generate_keypair_urb(2, bits, arch::XCP_BLOB_SIGN);
    fw::FirmwareReply r;
    BOOST_REQUIRE_EQUAL(send_urb(c, 2, g, &r), 0);
    // GenerateKeyPair (service_time.h 4.): 2 primes × Miller–Rabin tests × a full-length ME
    // modulo a bits/2 prime (the CCA rating of the generation), plus SECKEY.
    const uint64_t me = kTimes.full_me_ps(7, Mode::cca, fw::crt_class(bits / 2));
    BOOST_TEST(me == 3 * kTimes.service_ps(7, Mode::cca, fw::crt_class(bits / 2)));
    BOOST_TEST(r.service_ps == 2 * fw::ServiceTimeTable::miller_rabin_tests_per_prime(bits / 2) * me +
                                   kTimes.service_ps(7, Mode::ep11, fw::Operation::seckey));
    BOOST_TEST(fw::ServiceTimeTable::miller_rabin_tests_per_prime(1024) == 41u);  // 36 + 5 rounds
    uint32_t rv = 1;
    std::vector<Bytes> out;
    BOOST_REQUIRE_EQUAL(drv::ep11_parse_reply(g, rv, out), 0);
    BOOST_REQUIRE_EQUAL(rv, arch::CKR_OK);
    BOOST_REQUIRE_EQUAL(out.size(), 2u);
    const Bytes blob = out[0], spki = out[1];
    for (const EVP_MD* md : {EVP_sha256(), EVP_sha512()}) {
      const Bytes msg = random_bytes(333);
      drv::ep11_urb s = drv::ep11_sign_single_urb(
          2, md == EVP_sha256() ? arch::CKM_SHA256_RSA_PKCS : arch::CKM_SHA512_RSA_PKCS, blob, msg);
      fw::FirmwareReply sr;
      BOOST_REQUIRE_EQUAL(send_urb(c, 2, s, &sr), 0);
      // SignSingle: the CRT of the key's class at the CCA rating (same coprocessor) + SECKEY.
      BOOST_TEST(sr.service_ps == kTimes.service_ps(7, Mode::cca, fw::crt_class(bits)) +
                                      kTimes.service_ps(7, Mode::ep11, fw::Operation::seckey));
      BOOST_REQUIRE_EQUAL(drv::ep11_parse_reply(s, rv, out), 0);
      BOOST_REQUIRE_EQUAL(rv, arch::CKR_OK);
      BOOST_REQUIRE_EQUAL(out.size(), 1u);
      BOOST_TEST(out[0].size() == bits / 8);
      BOOST_TEST(openssl_verify_message_spki(spki, md, msg, out[0]), "bits " << bits);
      Bytes other = msg;
      other[0] ^= 1;
      BOOST_TEST(!openssl_verify_message_spki(spki, md, other, out[0]));
    }
  }
}

BOOST_AUTO_TEST_CASE(blob_checks) {
  Card c(Mode::ep11, 7);
  drv::ep11_urb g = drv::ep11_generate_keypair_urb(2, 2048, arch::XCP_BLOB_SIGN);
  BOOST_REQUIRE_EQUAL(send_urb(c, 2, g), 0);
  uint32_t rv = 1;
  std::vector<Bytes> out;
  BOOST_REQUIRE_EQUAL(drv::ep11_parse_reply(g, rv, out), 0);
  const Bytes blob = out[0];
  const auto sign_rv = [&](uint8_t domain, const Bytes& b, uint32_t mech = arch::CKM_SHA256_RSA_PKCS) {
    drv::ep11_urb s = drv::ep11_sign_single_urb(domain, mech, b, Bytes{1, 2, 3});
    BOOST_REQUIRE_EQUAL(send_urb(c, domain, s), 0);
    uint32_t v = 0;
    std::vector<Bytes> o;
    BOOST_REQUIRE_EQUAL(drv::ep11_parse_reply(s, v, o), 0);
    return v;
  };
  BOOST_TEST(sign_rv(2, blob) == arch::CKR_OK);
  BOOST_TEST(sign_rv(3, blob) == arch::CKR_IBM_WKID_MISMATCH);  // another domain's wrapping key
  Bytes t = blob;
  t[arch::EP11_BLOB_ATTR + 7] ^= 0x01;  // attributes are MAC-protected
  BOOST_TEST(sign_rv(2, t) == arch::CKR_WRAPPED_KEY_INVALID);
  t = blob;
  t[arch::EP11_BLOB_WRAPPED + 3] ^= 0x80;
  BOOST_TEST(sign_rv(2, t) == arch::CKR_WRAPPED_KEY_INVALID);
  BOOST_TEST(sign_rv(2, Bytes(blob.begin(), blob.begin() + 100)) == arch::CKR_WRAPPED_KEY_INVALID);
  BOOST_TEST(sign_rv(2, blob, arch::CKM_RSA_PKCS_KEY_PAIR_GEN) == arch::CKR_MECHANISM_INVALID);
  // A key without the SIGN attribute.
  drv::ep11_urb g2 = drv::ep11_generate_keypair_urb(2, 1024, 0);
  BOOST_REQUIRE_EQUAL(send_urb(c, 2, g2), 0);
  BOOST_REQUIRE_EQUAL(drv::ep11_parse_reply(g2, rv, out), 0);
  BOOST_TEST(sign_rv(2, out[0]) == arch::CKR_KEY_FUNCTION_NOT_PERMITTED);
  // Unknown function: EncryptSingle (19, ep11_cryptsingle's) is not modelled.
  drv::ep11_urb q;
  q.req = drv::ep11_prep_request(2, 1, 19, {});
  q.resp_len = 256;
  fw::FirmwareReply r;
  BOOST_REQUIRE_EQUAL(send_urb(c, 2, q, &r), 0);
  BOOST_REQUIRE_EQUAL(drv::ep11_parse_reply(q, rv, out), 0);
  BOOST_TEST(rv == arch::CKR_FUNCTION_NOT_SUPPORTED);
  BOOST_TEST(r.service_ps == kTimes.service_ps(7, Mode::ep11, fw::Operation::invalid));
  // Bad template: modulus bits out of range.
  drv::ep11_urb g3 = drv::ep11_generate_keypair_urb(2, 512, arch::XCP_BLOB_SIGN);
  BOOST_REQUIRE_EQUAL(send_urb(c, 2, g3), 0);
  BOOST_REQUIRE_EQUAL(drv::ep11_parse_reply(g3, rv, out), 0);
  BOOST_TEST(rv == arch::CKR_TEMPLATE_INCONSISTENT);
}

BOOST_AUTO_TEST_SUITE_END()

// ======================================================================================
BOOST_AUTO_TEST_SUITE(card_info)

namespace {

/// SHA-256 of `parts` concatenated, by OpenSSL.
Bytes sha256_of(std::initializer_list<Bytes> parts) {
  Bytes all;
  for (const Bytes& p : parts) all.insert(all.end(), p.begin(), p.end());
  return sha(EVP_sha256(), all);
}

Bytes mk_bytes(const fw::CexFirmware::MasterKey& k) { return Bytes(k.begin(), k.end()); }

/// One "FQ" through the card as zcrypt sends it (CPRB domain AUTOSEL_DOM replaced by the
/// queue's), read back as cca_query_crypto_facility does.
int fq(Card& c, uint8_t domain, const char* keyword, Bytes& r, size_t& rlen, Bytes& v, size_t& vlen,
       fw::FirmwareReply* keep = nullptr) {
  drv::ica_xcRB x = drv::cca_fq_xcrb(drv::AUTOSEL_AP, drv::AUTOSEL_DOM, keyword);
  Bytes msg;
  unsigned fc = 0;
  uint16_t dom = 0;
  BOOST_REQUIRE_EQUAL(drv::xcrb_msg_to_type6cprb_msgx(x, msg, fc, dom), 0);
  BOOST_TEST(fc == arch::CCA_FC_FQ);
  BOOST_TEST(dom == drv::AUTOSEL_DOM);
  drv::set_cprb_domain(msg, domain);
  fw::FirmwareReply rep = c.send(domain, msg);
  check_reply_shape(rep);
  BOOST_REQUIRE_EQUAL(drv::convert_response_xcrb(rep.reply.data(), rep.reply.size(), x), 0);
  if (keep) *keep = rep;
  rlen = vlen = 2048;
  r.assign(2048, 0);
  v.assign(2048, 0);
  return drv::cca_fq_reply(x, r, rlen, v, vlen);
}

/// One get_xcp_info through the card as zcrypt sends it (the queue's domain into the CPRB
/// and the payload), read back as ep11_query_info does.
int xcp_info(Card& c, uint8_t domain, uint32_t type, size_t buflen, Bytes& buf, fw::FirmwareReply* keep = nullptr) {
  drv::ep11_urb u = drv::ep11_query_info_urb(drv::AUTOSEL_AP, drv::AUTOSEL_DOM, type, buflen);
  Bytes msg;
  unsigned fc = 0, dom = 0;
  BOOST_REQUIRE_EQUAL(drv::xcrb_msg_to_type6_ep11cprb_msgx(u, msg, fc, dom), 0);
  BOOST_TEST(fc == arch::EP11_FN_GET_XCP_INFO);
  BOOST_REQUIRE_EQUAL(drv::ep11_set_queue_domain(msg, domain), 0);
  drv::zcrypt_msgtype6_set_ep11_reply_limit(msg, drv::AP_DEFAULT_MAX_MSG_SIZE - arch::T86_FMT2_SIZE);
  fw::FirmwareReply rep = c.send(domain, msg);
  check_reply_shape(rep);
  if (keep) *keep = rep;
  if (int rc = drv::convert_response_ep11_xcrb(rep.reply.data(), rep.reply.size(), u); rc) return rc;
  return drv::ep11_query_info_reply(u, buflen, buf);
}

}  // namespace

BOOST_AUTO_TEST_CASE(fq_request_is_zcrypts) {
  // cca_query_crypto_facility: struct fqreqparm (4112 bytes) after a "T2" CPRBX, rpl_msgbl
  // = CPRBX + parameter block, card 5.
  const drv::ica_xcRB x = drv::cca_fq_xcrb(5, 0x47, "STATICSB");
  BOOST_TEST(x.user_defined == 5u);
  BOOST_TEST(x.agent_ID == 0x4341);
  const Bytes& c = x.request_control_blk;
  BOOST_REQUIRE_EQUAL(c.size(), arch::CPRBX_SIZE + 4112);
  BOOST_TEST(arch::load_be16(&c[arch::CPRBX_FUNC_ID]) == arch::CPRBX_FUNC_ID_T2);
  BOOST_TEST(arch::load_be16(&c[arch::CPRBX_DOMAIN]) == 0x47u);
  BOOST_TEST(arch::load_be32(&c[arch::CPRBX_REQ_PARML]) == 4112u);
  BOOST_TEST(arch::load_be32(&c[arch::CPRBX_RPL_MSGBL]) == 220u + 4112u);
  BOOST_TEST(x.reply_control_blk_length == 220u + 4112u);
  const uint8_t* p = &c[arch::CPRBX_SIZE];
  BOOST_TEST(std::string(reinterpret_cast<const char*>(p), 12) == std::string("FQ\x00\x0a" "STATICSB", 12));
  BOOST_TEST(arch::load_be16(p + 12) == 4098u);                  // lv1.len
  BOOST_TEST(std::all_of(p + 14, p + 14 + 4096, [](uint8_t b) { return b == 0; }));
  BOOST_TEST(arch::load_be16(p + 4110) == 2u);                   // dummylen
  BOOST_TEST(drv::prep_xcrb(drv::AUTOSEL_AP, c).user_defined == drv::AUTOSELECT);
}

BOOST_AUTO_TEST_CASE(cca_statics_as_zcrypt_reads_them) {
  Card c(Mode::cca, 8, 5);
  BOOST_TEST(c.fw.serial_number() == "93AAC005");
  Bytes r, v;
  size_t rlen = 0, vlen = 0;
  fw::FirmwareReply rep;
  BOOST_REQUIRE_EQUAL(fq(c, 4, "STATICSA", r, rlen, v, vlen, &rep), 0);
  BOOST_TEST(rlen == 10u * 8);
  BOOST_TEST(vlen == 204u);
  // A query costs zcrypt's LOW class: a tenth of SECKEY (service_time.h 4.).
  BOOST_TEST(rep.op == fw::Operation::seckey);
  BOOST_TEST(rep.speed_idx == fw::kSpeedLow);
  BOOST_TEST(rep.service_ps == kTimes.service_ps(8, Mode::cca, fw::Operation::seckey, fw::kSpeedLow));
  drv::CcaInfo ci;
  BOOST_REQUIRE(drv::cca_info_from_staticsa(r, rlen, v, vlen, ci));
  BOOST_REQUIRE_EQUAL(fq(c, 4, "STATICSB", r, rlen, v, vlen), 0);
  BOOST_TEST(rlen == 13u * 8);
  BOOST_TEST(vlen == 240u);
  BOOST_REQUIRE(drv::cca_info_from_staticsb(r, rlen, v, vlen, ci));
  BOOST_TEST(ci.serial == "93AAC005");
  BOOST_TEST(std::string(reinterpret_cast<const char*>(r.data()), 8) == "93AAC005");
  BOOST_TEST(std::string(reinterpret_cast<const char*>(&r[8]), 8) == "1       ");  // blank-padded digit
  for (char st : {ci.new_aes_mk_state, ci.new_apka_mk_state, ci.new_asym_mk_state}) BOOST_TEST(st == '1');
  for (char st : {ci.cur_aes_mk_state, ci.cur_apka_mk_state, ci.cur_asym_mk_state}) BOOST_TEST(st == '2');
  for (char st : {ci.old_aes_mk_state, ci.old_apka_mk_state, ci.old_asym_mk_state}) BOOST_TEST(st == '1');
  // AES MKVP: the first 8 bytes of SHA-256(X'01' || key) (IBM's algorithm) -- and what a
  // "PI" token made in the domain carries.
  const Bytes k4 = mk_bytes(c.fw.master_key(4));
  const Bytes aes = sha256_of({{0x01}, k4});
  BOOST_TEST(ci.cur_aes_mkvp == arch::load_be64(aes.data()));
  const Bytes token = import_key(c, 4, key(1024));
  BOOST_TEST(arch::load_be64(&token[arch::CCA_TKN_HDR_SIZE + arch::CCA_INT_SEC_MKVP]) == ci.cur_aes_mkvp);
  // APKA and ASYM: keys derived from it (type6.cpp), patterns by the same algorithm.
  const std::string apka_label = "apsim-cca-apka-mk", asym_label = "apsim-cca-asym-mk";
  const Bytes apka = sha256_of({Bytes(apka_label.begin(), apka_label.end()), k4});
  Bytes asym = sha256_of({Bytes(asym_label.begin(), asym_label.end()), k4});
  asym.resize(24);
  BOOST_TEST(ci.cur_apka_mkvp == arch::load_be64(sha256_of({{0x01}, apka}).data()));
  const Bytes asym_vp = sha256_of({{0x01}, asym});
  BOOST_TEST((Bytes(ci.cur_asym_mkvp.begin(), ci.cur_asym_mkvp.end()) == Bytes(asym_vp.begin(), asym_vp.begin() + 16)));
  BOOST_TEST((ci.new_aes_mkvp == 0 && ci.old_aes_mkvp == 0 && ci.old_apka_mkvp == 0));
  // Another domain, another key; the same serial.
  drv::CcaInfo c47;
  BOOST_REQUIRE_EQUAL(fq(c, 0x47, "STATICSA", r, rlen, v, vlen), 0);
  BOOST_REQUIRE(drv::cca_info_from_staticsa(r, rlen, v, vlen, c47));
  BOOST_TEST(c47.serial == ci.serial);
  BOOST_TEST(c47.cur_aes_mkvp != ci.cur_aes_mkvp);
  // A new master key: the replaced one becomes OLD (valid), the new one CUR.
  fw::CexFirmware::MasterKey mk{};
  mk[31] = 7;
  c.fw.set_master_key(4, mk);
  drv::CcaInfo after;
  BOOST_REQUIRE_EQUAL(fq(c, 4, "STATICSB", r, rlen, v, vlen), 0);
  BOOST_REQUIRE(drv::cca_info_from_staticsa(r, rlen, v, vlen, after));
  BOOST_REQUIRE(drv::cca_info_from_staticsb(r, rlen, v, vlen, after));
  BOOST_TEST(after.old_aes_mk_state == '2');
  BOOST_TEST(after.old_aes_mkvp == ci.cur_aes_mkvp);
  BOOST_TEST(after.old_apka_mkvp == ci.cur_apka_mkvp);
  BOOST_TEST((after.old_asym_mkvp == ci.cur_asym_mkvp));
  BOOST_TEST(after.cur_aes_mkvp == arch::load_be64(sha256_of({{0x01}, mk_bytes(mk)}).data()));
}

BOOST_AUTO_TEST_CASE(fq_refusals) {
  Card c(Mode::cca, 7);
  Bytes r, v;
  size_t rlen = 0, vlen = 0;
  // An unknown keyword: CCA 8/33, which cca_query_crypto_facility turns into -EIO.
  BOOST_TEST(fq(c, 4, "STATICSX", r, rlen, v, vlen) == -EIO);
  // A parameter block without the dummy block: malformed (type 82).
  drv::ica_xcRB x = drv::cca_fq_xcrb(drv::AUTOSEL_AP, 4, "STATICSA");
  Bytes parm(x.request_control_blk.begin() + arch::CPRBX_SIZE, x.request_control_blk.end() - 2);
  x = drv::prep_xcrb(drv::AUTOSEL_AP, drv::cca_prep_cprb(4, parm));
  fw::FirmwareReply rep;
  send_xcrb(c, 4, x, &rep);
  BOOST_TEST(reply_code82(rep) == arch::REP82_ERROR_MALFORMED_MSG);
  // An EP11 card does not take CCA requests.
  Card e(Mode::ep11, 7);
  x = drv::cca_fq_xcrb(drv::AUTOSEL_AP, 4, "STATICSA");
  send_xcrb(e, 4, x, &rep);
  BOOST_TEST(reply_code82(rep) == arch::REP82_ERROR_INVALID_COMMAND);
}

BOOST_AUTO_TEST_CASE(fq_reply_reading) {
  // cca_query_crypto_facility's copy rules on hand-made replies: a block is cut to the room
  // given ...
  drv::ica_xcRB x;
  x.reply_control_blk.assign(arch::CPRBX_SIZE, 0);
  const Bytes parm = {'F', 'Q', 0x00, 0x04, 'r', 's', 0x00, 0x06, 'a', 'b', 'c', 'd'};
  x.reply_control_blk.insert(x.reply_control_blk.end(), parm.begin(), parm.end());
  Bytes r = {9, 9, 9}, v = {7};
  size_t rlen = 3, vlen = 2;
  BOOST_REQUIRE_EQUAL(drv::cca_fq_reply(x, r, rlen, v, vlen), 0);
  BOOST_TEST((r == Bytes{'r', 's'} && rlen == 2u));
  BOOST_TEST((v == Bytes{'a', 'b'} && vlen == 2u));
  // ... and a block of length <= 2 leaves the caller's buffer and length -- and, as Linux
  // does not step past it, the verb data is read at the same place: nothing either.
  drv::ica_xcRB e = x;
  e.reply_control_blk.resize(arch::CPRBX_SIZE);
  const Bytes parm2 = {'F', 'Q', 0x00, 0x02, 0x00, 0x06, 'a', 'b', 'c', 'd'};
  e.reply_control_blk.insert(e.reply_control_blk.end(), parm2.begin(), parm2.end());
  r = {9};
  v = {7};
  rlen = vlen = 5;
  BOOST_REQUIRE_EQUAL(drv::cca_fq_reply(e, r, rlen, v, vlen), 0);
  BOOST_TEST((r == Bytes{9} && rlen == 5u && v == Bytes{7} && vlen == 5u));
  // A CCA error, or a reply shorter than its blocks: -EIO.
  arch::store_be16(&x.reply_control_blk[arch::CPRBX_CCP_RTCODE], 8);
  BOOST_TEST(drv::cca_fq_reply(x, r, rlen, v, vlen) == -EIO);
  arch::store_be16(&x.reply_control_blk[arch::CPRBX_CCP_RTCODE], 0);
  x.reply_control_blk.resize(x.reply_control_blk.size() - 2);
  BOOST_TEST(drv::cca_fq_reply(x, r, rlen, v, vlen) == -EIO);
  // fetch_cca_info's thresholds: fewer elements or verb-data bytes than it reads -> no data.
  drv::CcaInfo ci;
  BOOST_TEST(!drv::cca_info_from_staticsa(Bytes(79, '1'), 79, Bytes(204, 0), 204, ci));
  BOOST_TEST(!drv::cca_info_from_staticsa(Bytes(80, '1'), 80, Bytes(203, 0), 203, ci));
  BOOST_TEST(!drv::cca_info_from_staticsb(Bytes(104, '1'), 104, Bytes(239, 0), 239, ci));
  BOOST_TEST(ci.serial.empty());
}

BOOST_AUTO_TEST_CASE(ep11_module_and_domain_information) {
  Card c(Mode::ep11, 8, 6);
  BOOST_TEST(c.fw.serial_number() == "93AAP00600000000");
  Bytes mqi;
  fw::FirmwareReply rep;
  BOOST_REQUIRE_EQUAL(xcp_info(c, 4, arch::EP11_QUERY_MODULE_INFO, arch::EP11_MQI_SIZE, mqi, &rep), 0);
  BOOST_TEST(mqi.size() == 196u);
  BOOST_TEST(rep.speed_idx == fw::kSpeedLow);
  BOOST_TEST(rep.service_ps == kTimes.service_ps(8, Mode::ep11, fw::Operation::seckey, fw::kSpeedLow));
  drv::Ep11CardInfo ci;
  drv::ep11_card_info_from_module_info(mqi, ci);
  BOOST_TEST(ci.API_ord_nr == 6u);
  BOOST_TEST(ci.FW_version == 0x0800);
  BOOST_TEST(std::string(ci.serial.begin(), ci.serial.end()) == "93AAP00600000000");
  BOOST_TEST(ci.op_mode == (arch::EP11_OP_MODE_FIPS2009 | arch::EP11_OP_MODE_FIPS2011 | arch::EP11_OP_MODE_FIPS2021));
  // The domain: current wrapping key valid, its 32-byte pattern SHA-256(key); the first 16
  // bytes are what a blob made in the domain carries.
  Bytes dqi;
  BOOST_REQUIRE_EQUAL(xcp_info(c, 4, arch::EP11_QUERY_DOMAIN_INFO, arch::EP11_DQI_SIZE, dqi), 0);
  BOOST_TEST(dqi.size() == 80u);
  BOOST_TEST(arch::load_be32(&dqi[arch::EP11_DQI_DOM_INDEX]) == 4u);
  drv::Ep11DomainInfo di;
  drv::ep11_domain_info_from_query(dqi, di);
  BOOST_TEST(di.cur_wk_state == '1');
  BOOST_TEST(di.new_wk_state == '0');
  BOOST_TEST((Bytes(di.cur_wkvp.begin(), di.cur_wkvp.end()) == sha256_of({mk_bytes(c.fw.master_key(4))})));
  BOOST_TEST(di.op_mode == ci.op_mode);
  drv::ep11_urb g = drv::ep11_generate_keypair_urb(4, 1024, arch::XCP_BLOB_SIGN);
  BOOST_REQUIRE_EQUAL(send_urb(c, 4, g), 0);
  uint32_t rv = 1;
  std::vector<Bytes> out;
  BOOST_REQUIRE_EQUAL(drv::ep11_parse_reply(g, rv, out), 0);
  BOOST_TEST((Bytes(out[0].begin() + arch::EP11_BLOB_WKVP, out[0].begin() + arch::EP11_BLOB_WKVP + 16) ==
              Bytes(di.cur_wkvp.begin(), di.cur_wkvp.begin() + 16)));
  // Linux's flag rules: without "left imprint mode" neither key counts; a new key present or
  // committed is '1' or '2' with its pattern.
  arch::store_be32(&dqi[arch::EP11_DQI_FLAGS], arch::EP11_DOM_CUR_WK_VALID);
  drv::ep11_domain_info_from_query(dqi, di);
  BOOST_TEST((di.cur_wk_state == '0' && di.new_wk_state == '0' && di.cur_wkvp[0] == 0));
  arch::store_be32(&dqi[arch::EP11_DQI_FLAGS], arch::EP11_DOM_IMPRINT_LEFT | arch::EP11_DOM_NEW_WK_COMMITTED);
  dqi[arch::EP11_DQI_NEW_WKVP] = 0xab;
  drv::ep11_domain_info_from_query(dqi, di);
  BOOST_TEST((di.cur_wk_state == '0' && di.new_wk_state == '2' && di.new_wkvp[0] == 0xab));
}

BOOST_AUTO_TEST_CASE(ep11_query_refusals) {
  Card c(Mode::ep11, 7);
  Bytes buf;
  // A buffer smaller than the data: the reply does not fit the room zcrypt was given
  // (convert_response_ep11_xcrb: -EMSGSIZE) -- before ep11_query_info's own -ENOSPC check.
  BOOST_TEST(xcp_info(c, 4, arch::EP11_QUERY_MODULE_INFO, 100, buf) == -EMSGSIZE);
  // An unknown query type: CKR_ARGUMENTS_BAD, which check_reply_pl turns into -EIO.
  BOOST_TEST(xcp_info(c, 4, 2, 196, buf) == -EIO);
  // get_xcp_info without its parameters: CKR_ARGUMENTS_BAD.
  drv::ep11_urb q;
  q.req = drv::ep11_prep_request(2, 1, arch::EP11_FN_GET_XCP_INFO, {});
  q.resp_len = 256;
  BOOST_REQUIRE_EQUAL(send_urb(c, 2, q), 0);
  uint32_t rv = 0;
  std::vector<Bytes> out;
  BOOST_REQUIRE_EQUAL(drv::ep11_parse_reply(q, rv, out), 0);
  BOOST_TEST(rv == arch::CKR_ARGUMENTS_BAD);
  // A data field in the one-byte length form: Linux's struct wants 0x82 (-EIO).
  drv::ep11_urb u = drv::ep11_query_info_urb(drv::AUTOSEL_AP, 4, arch::EP11_QUERY_DOMAIN_INFO, 80);
  Bytes body;
  arch::ep11_put_u32(body, (1u << 16) + arch::EP11_FN_GET_XCP_INFO);
  arch::ep11_put_u32(body, 4);
  arch::ep11_put_u32(body, arch::CKR_OK);
  const Bytes data(80, 0);
  arch::ep11_put_octets(body, data.data(), data.size());
  u.resp.assign(arch::EP11_CPRB_SIZE, 0);
  arch::ep11_put_payload(u.resp, body);
  BOOST_TEST(drv::ep11_query_info_reply(u, 80, buf) == -EIO);
  // The same with 04 82: accepted.
  body.resize(18);
  arch::ep11_put_octets82(body, data);
  u.resp.assign(arch::EP11_CPRB_SIZE, 0);
  arch::ep11_put_payload(u.resp, body);
  BOOST_TEST(drv::ep11_query_info_reply(u, 80, buf) == 0);
  BOOST_TEST(buf.size() == 80u);
  // More data than the buffer: -ENOSPC.
  BOOST_TEST(drv::ep11_query_info_reply(u, 79, buf) == -ENOSPC);
}

BOOST_AUTO_TEST_SUITE_END()

// ======================================================================================
BOOST_AUTO_TEST_SUITE(malformed)

BOOST_AUTO_TEST_CASE(header_and_length_errors) {
  Card c(Mode::cca);
  const Bytes good = rng_request(32, 0);
  BOOST_TEST(c.send(0, good).reply[1] == arch::TYPE86_RSP_CODE);
  const auto code = [&](const Bytes& m, uint8_t dom = 0) { return reply_code82(c.send(dom, m)); };
  BOOST_TEST(code(Bytes(good.begin(), good.begin() + 87)) == arch::REP82_ERROR_INVALID_MSG_LEN);  // < header
  BOOST_TEST(code(Bytes(good.begin(), good.end() - 1)) == arch::REP82_ERROR_PACKET_TRUNCATED);
  Bytes big = good;
  big.insert(big.end(), 4, 0);  // oversized: more than the header announces
  BOOST_TEST(code(big) == arch::REP82_ERROR_INVALID_MSG_LEN);
  for (size_t off : {size_t{0}, size_t{2}, size_t{4}, size_t{8}, size_t{12}, size_t{34}, size_t{50}, size_t{54}}) {
    Bytes m = good;
    m[off] = 1;
    BOOST_TEST(code(m) == arch::REP82_ERROR_RESERVD_FIELD, "offset " << off);
  }
  Bytes m = good;
  arch::store_be32(&m[arch::T6_OFFSET1], 0x60);
  BOOST_TEST(code(m) == arch::REP82_ERROR_FORMAT_FIELD);
  m = good;
  arch::store_be32(&m[arch::T6_TOCARDLEN2], 4);  // data block without offset2
  BOOST_TEST(code(m) == arch::REP82_ERROR_FORMAT_FIELD);
  m = good;
  m[arch::T6_AGENT_ID] = 'Q';
  BOOST_TEST(code(m) == arch::REP82_ERROR_FORMAT_FIELD);
  m = good;
  m[88 + arch::CPRBX_CPRB_VER_ID] = 3;
  BOOST_TEST(code(m) == arch::REP82_ERROR_FORMAT_FIELD);
  m = good;
  m[88 + arch::CPRBX_PAD_009 + 11] = 1;  // "reserved, checked for zeros"
  BOOST_TEST(code(m) == arch::REP82_ERROR_RESERVD_FIELD);
  m = good;
  m[88 + arch::CPRBX_FUNC_ID + 1] = '3';  // T3: administrative, not modeled
  BOOST_TEST(code(m) == arch::REP82_ERROR_INVALID_COMMAND);
  m = good;
  arch::store_be32(&m[88 + arch::CPRBX_REQ_PARML], 17);  // parm block beyond the CPRB
  BOOST_TEST(code(m) == arch::REP82_ERROR_MALFORMED_MSG);
  m = good;
  m[88 + 220] = 'Z';  // subfunction differs from the header's function code
  BOOST_TEST(code(m) == arch::REP82_ERROR_FORMAT_FIELD);
  m[arch::T6_FUNCTION_CODE] = 'Z';  // consistent, but unknown
  BOOST_TEST(code(m) == arch::REP82_ERROR_INVALID_COMMAND);
  m = good;
  arch::store_be16(&m[88 + 220 + 2], 11);  // rule_array_len not 2 + 8k
  BOOST_TEST(code(m) == arch::REP82_ERROR_MALFORMED_MSG);
  BOOST_TEST(code(good, 1) == arch::REP82_ERROR_INVALID_DOMAIN_PRECHECK);
  // Every error costs the `invalid` service time.
  BOOST_TEST(c.send(1, good).service_ps == kTimes.service_ps(7, Mode::cca, fw::Operation::invalid));
  // Nothing and null.
  BOOST_TEST(reply_code82(c.fw.process(0, nullptr, 0)) == arch::REP82_ERROR_INVALID_MSG_LEN);
  BOOST_TEST(reply_code82(c.fw.process(0, nullptr, 500)) == arch::REP82_ERROR_INVALID_MSG_LEN);
}

BOOST_AUTO_TEST_CASE(ep11_framing_errors) {
  Card c(Mode::ep11);
  drv::ep11_urb u = drv::ep11_generate_random_urb(0, 8);
  Bytes good;
  unsigned fc, dom;
  BOOST_REQUIRE_EQUAL(drv::xcrb_msg_to_type6_ep11cprb_msgx(u, good, fc, dom), 0);
  BOOST_TEST(c.send(0, good).reply[1] == arch::TYPE86_RSP_CODE);
  const auto code = [&](const Bytes& m, uint8_t d = 0) { return reply_code82(c.send(d, m)); };
  Bytes m = good;
  m[88 + arch::EP11_CPRB_VER_ID] = 2;
  BOOST_TEST(code(m) == arch::REP82_ERROR_FORMAT_FIELD);
  m = good;
  m[88 + arch::EP11_CPRB_FLAGS] = arch::EP11_CPRB_FLAG_ADMIN;
  BOOST_TEST(code(m) == arch::REP82_ERROR_INVALID_COMMAND);
  m = good;
  m[88 + arch::EP11_CPRB_SIZE] = 0x31;  // not a sequence
  BOOST_TEST(code(m) == arch::REP82_ERROR_MALFORMED_MSG);
  m = good;
  arch::store_be32(&m[88 + arch::EP11_CPRB_PAYLOAD_LEN], 3);
  BOOST_TEST(code(m) == arch::REP82_ERROR_MALFORMED_MSG);
  BOOST_TEST(code(good, 7) == arch::REP82_ERROR_INVALID_DOMAIN_PRECHECK);
  m = good;
  arch::store_be32(&m[arch::T6_FROMCARDLEN1], 40);  // no room for the reply
  BOOST_TEST(code(m) == arch::REP82_ERROR_MESSAGE_LENGTH);
}

/// Random mutations of valid requests and pure noise: every answer is a well-formed
/// type 86 (zcrypt accepts its length) or an 8-byte type 82; nothing crashes.
BOOST_AUTO_TEST_CASE(fuzz_type6_never_crashes) {
  const unsigned seed = 20250611;
  BOOST_TEST_MESSAGE("fuzz seed " << seed);
  std::mt19937 rng(seed);
  Card cca(Mode::cca, 5), ep11(Mode::ep11, 8);
  const RsaKey& k = key(1024);
  const Bytes token = import_key(cca, 0, k);
  drv::ep11_urb g = drv::ep11_generate_keypair_urb(0, 1024, arch::XCP_BLOB_SIGN);
  BOOST_REQUIRE_EQUAL(send_urb(ep11, 0, g), 0);
  uint32_t rv;
  std::vector<Bytes> out;
  BOOST_REQUIRE_EQUAL(drv::ep11_parse_reply(g, rv, out), 0);
  std::vector<std::pair<Card*, Bytes>> seeds;
  const auto add_x = [&](drv::ica_xcRB x) {
    Bytes m;
    unsigned fc;
    uint16_t d;
    BOOST_REQUIRE_EQUAL(drv::xcrb_msg_to_type6cprb_msgx(x, m, fc, d), 0);
    seeds.emplace_back(&cca, m);
  };
  const auto add_u = [&](drv::ep11_urb u) {
    Bytes m;
    unsigned fc, d;
    BOOST_REQUIRE_EQUAL(drv::xcrb_msg_to_type6_ep11cprb_msgx(u, m, fc, d), 0);
    seeds.emplace_back(&ep11, m);
  };
  seeds.emplace_back(&cca, rng_request(64, 0));
  add_x(drv::cca_pka_import_xcrb(0, drv::cca_ext_crt_token(k.n, k.e, k.p, k.q, k.dp, k.dq, k.u)));
  add_x(drv::cca_dsg_xcrb(0, "SHA-256 ", Bytes(32, 7), token));
  add_u(drv::ep11_generate_random_urb(0, 16));
  add_u(drv::ep11_sign_single_urb(0, arch::CKM_SHA256_RSA_PKCS, out[0], Bytes(20, 1)));
  int k86 = 0, k82 = 0;
  for (int i = 0; i < 4000; ++i) {
    auto& [card, base] = seeds[static_cast<size_t>(i) % seeds.size()];
    Bytes m = base;
    switch (rng() % 4) {
      case 0:  // flip 1..4 random bytes
        for (unsigned j = 0, n = 1 + rng() % 4; j < n; ++j) m[rng() % m.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
        break;
      case 1:  // truncate
        m.resize(rng() % m.size());
        break;
      case 2:  // extend with noise
        for (unsigned j = 0, n = 1 + rng() % 64; j < n; ++j) m.push_back(static_cast<uint8_t>(rng()));
        break;
      default:  // mutate inside the CPRB/parameter area only (passes the header checks more often)
        if (m.size() > 88) m[88 + rng() % (m.size() - 88)] = static_cast<uint8_t>(rng());
        break;
    }
    const auto r = card->send(static_cast<uint8_t>(rng() % 4 == 0 ? rng() : 0), m);
    check_reply_shape(r);
    (r.reply[1] == arch::TYPE86_RSP_CODE ? k86 : k82)++;
    (void)fw::classify_request(m.data(), m.size());
  }
  // Pure noise with the type-6 byte.
  for (int i = 0; i < 2000; ++i) {
    Bytes m(rng() % 700);
    for (auto& b : m) b = static_cast<uint8_t>(rng());
    if (m.size() > 1) m[1] = 0x06;
    if (m.size() > 33 && i % 2) m[32] = 'X', m[33] = 'C';
    check_reply_shape((i % 2 ? ep11 : cca).send(0, m));
  }
  BOOST_TEST_MESSAGE("type-6 fuzz: " << k86 << " type86, " << k82 << " type82");
  BOOST_TEST(k86 > 0);
  BOOST_TEST(k82 > 0);
}

BOOST_AUTO_TEST_SUITE_END()

// ======================================================================================
BOOST_AUTO_TEST_SUITE(memo)

BOOST_AUTO_TEST_CASE(type50_memo_is_transparent) {
  fw::CexFirmware on(fw::make_profile(7, Mode::accel), kTimes, 1), off(fw::make_profile(7, Mode::accel), kTimes, 1);
  off.set_memo_enabled(false);
  const RsaKey& k = key(2048);
  std::vector<Bytes> reqs;
  for (int i = 0; i < 4; ++i) {
    drv::ica_rsa_modexpo mex;
    mex.inputdatalength = mex.outputdatalength = static_cast<uint32_t>(k.n.size());
    mex.inputdata = random_bytes(k.n.size());
    mex.inputdata[0] = 0;  // below n
    mex.b_key = k.e;
    mex.b_key.insert(mex.b_key.begin(), k.n.size() - k.e.size(), 0);
    mex.n_modulus = k.n;
    Bytes m;
    BOOST_REQUIRE_EQUAL(drv::ICAMEX_msg_to_type50MEX_msg(mex, m), 0);
    reqs.push_back(m);
  }
  Bytes bad = reqs[0];
  bad[4] = 1;  // reserved: a type-82 answer is memoized as well
  reqs.push_back(bad);
  for (int round = 0; round < 3; ++round)
    for (const Bytes& m : reqs) {
      const auto a = on.process(0, m.data(), m.size()), b = off.process(0, m.data(), m.size());
      BOOST_TEST(a.reply == b.reply);
      BOOST_TEST(a.service_ps == b.service_ps);
      BOOST_TEST(a.op == b.op);
    }
  BOOST_TEST(on.memo_misses() == reqs.size());
  BOOST_TEST(on.memo_hits() == 2 * reqs.size());
  BOOST_TEST(off.memo_hits() == 0u);
}

// The type-6 memo (issue 13 part 3): CCA "SG" and "RL" (RANDOM, ODD) and EP11 SignSingle and
// GenerateRandom answer byte for byte and picosecond for picosecond as without it — the random
// bytes drawn anew on each hit, from the same generator stream — into the buffer given; a new
// master key makes the remembered signatures go (the card refuses the old token again).
BOOST_AUTO_TEST_CASE(type6_memo_is_transparent) {
  Card on(Mode::cca, 7), off(Mode::cca, 7);
  off.fw.set_memo_enabled(false);
  const RsaKey& k = key(2048);
  const Bytes token = import_key(on, 0x47, k);
  BOOST_REQUIRE(token == import_key(off, 0x47, k));  // same serial, same master key
  std::vector<Bytes> reqs;
  for (int i = 0; i < 3; ++i) {
    Bytes m;
    unsigned fc = 0;
    uint16_t dom = 0;
    BOOST_REQUIRE_EQUAL(drv::xcrb_msg_to_type6cprb_msgx(drv::cca_dsg_xcrb(0x47, "SHA-256 ", sha(EVP_sha256(), random_bytes(64)), token), m, fc, dom), 0);
    reqs.push_back(m);
  }
  reqs.push_back(rng_request(64, 0x47));
  Bytes odd = rng_request(33, 0x47);
  std::copy_n("ODD     ", 8, &odd[88 + 220 + 4]);
  reqs.push_back(odd);
  std::vector<uint8_t> buffer;
  std::vector<Bytes> randoms;
  for (int round = 0; round < 3; ++round)
    for (const Bytes& m : reqs) {
      buffer.reserve(4096);
      const uint8_t* storage = buffer.data();
      fw::FirmwareReply a = on.fw.process(0x47, m.data(), m.size(), &buffer);
      const fw::FirmwareReply b = off.send(0x47, m);
      BOOST_TEST(a.reply == b.reply);
      BOOST_TEST(a.service_ps == b.service_ps);
      BOOST_TEST(a.speed_idx == b.speed_idx);
      BOOST_TEST(a.op == b.op);
      if (round > 0) BOOST_TEST(a.reply.data() == storage);  // a hit answers in the buffer given
      if (a.op == fw::Operation::rng) randoms.push_back(a.reply);
      buffer = std::move(a.reply);  // as DQAP gives it back
    }
  BOOST_TEST(on.fw.memo_misses() == reqs.size() + 1);  // and the "PI" key import
  BOOST_TEST(on.fw.memo_hits() == 2 * reqs.size());
  for (size_t i = 2; i < randoms.size(); ++i) BOOST_TEST(randoms[i] != randoms[i - 2]);  // fresh each time
  // A new master key: the token is refused on both cards, not answered from the memo.
  fw::CexFirmware::MasterKey mk{};
  mk[0] = 1;
  on.fw.set_master_key(0x47, mk);
  off.fw.set_master_key(0x47, mk);
  const auto a = on.send(0x47, reqs[0]), b = off.send(0x47, reqs[0]);
  BOOST_TEST(a.reply == b.reply);
  drv::ica_xcRB x;
  x.reply_control_blk_length = 4096;
  BOOST_REQUIRE_EQUAL(drv::convert_response_xcrb(a.reply.data(), a.reply.size(), x), 0);
  BOOST_TEST(cca_rs_of(x) == arch::CCA_RS_MKVP_MISMATCH);

  Card eon(Mode::ep11, 8), eoff(Mode::ep11, 8);
  eoff.fw.set_memo_enabled(false);
  drv::ep11_urb g = drv::ep11_generate_keypair_urb(2, 2048, arch::XCP_BLOB_SIGN);
  BOOST_REQUIRE_EQUAL(send_urb(eon, 2, g), 0);
  uint32_t rv = 1;
  std::vector<Bytes> out;
  BOOST_REQUIRE_EQUAL(drv::ep11_parse_reply(g, rv, out), 0);
  BOOST_REQUIRE_EQUAL(out.size(), 2u);
  std::vector<Bytes> ereqs;
  for (const drv::ep11_urb& u : {drv::ep11_sign_single_urb(2, arch::CKM_SHA256_RSA_PKCS, out[0], random_bytes(64)),
                                 drv::ep11_generate_random_urb(2, 256)}) {
    Bytes m;
    unsigned fc = 0, dom = 0;
    BOOST_REQUIRE_EQUAL(drv::xcrb_msg_to_type6_ep11cprb_msgx(u, m, fc, dom), 0);
    ereqs.push_back(m);
  }
  Bytes last;
  for (int round = 0; round < 3; ++round)
    for (const Bytes& m : ereqs) {
      const auto a2 = eon.send(2, m), b2 = eoff.send(2, m);
      BOOST_TEST(a2.reply == b2.reply);
      BOOST_TEST(a2.service_ps == b2.service_ps);
      if (&m == &ereqs[1]) {
        BOOST_TEST(a2.reply != last);
        last = a2.reply;
      }
    }
  BOOST_TEST(eon.fw.memo_hits() == 4u);
}

BOOST_AUTO_TEST_SUITE_END()
