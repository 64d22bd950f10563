// testbench/tests/firmware/test_firmware.cpp — the adapter's RSA firmware, end to end
// through the zcrypt-side builder and reader, held byte-exact against OpenSSL.
//
//   ica_rsa_modexpo(_crt) ─► ICAMEX/ICACRT_msg_to_type50*_msg ─► process_request
//        ─► convert_response ─► result  ==  OpenSSL raw RSA (RSA_NO_PADDING) / BN_mod_exp
//
// Keys come from OpenSSL's keygen (e = 65537); messages are random below n.
#define BOOST_TEST_MODULE firmware
#include <boost/test/unit_test.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cerrno>
#include <cmath>
#include <initializer_list>
#include <map>
#include <ostream>
#include <memory>
#include <random>
#include <stdexcept>
#include <vector>

#include "arch/bits.h"
#include "arch/msgtype50.h"
#include "arch/rsa_key.h"
#include "driver/linux/zcrypt_msgtype50.h"
#include "firmware/cex_firmware.h"
#include "firmware/service_time.h"
#include "firmware_fixture.h"

namespace {

// ---- OpenSSL helpers ------------------------------------------------------------------

struct BnFree { void operator()(BIGNUM* b) const { BN_clear_free(b); } };
using Bn = std::unique_ptr<BIGNUM, BnFree>;
struct BnCtxFree { void operator()(BN_CTX* c) const { BN_CTX_free(c); } };

Bytes to_bytes(const BIGNUM* b, size_t len) {
  Bytes out(len);
  ossl_check(BN_bn2binpad(b, out.data(), static_cast<int>(len)) == static_cast<int>(len), "bn2binpad");
  return out;
}

/// A big-endian integer right-justified in `len` bytes, as to_bytes(BIGNUM) writes it.
Bytes to_bytes(const Bytes& v, size_t len) {
  ossl_check(v.size() <= len, "pad");
  Bytes out(len - v.size(), 0);
  out.insert(out.end(), v.begin(), v.end());
  return out;
}

Bn from_bytes(const Bytes& v) { return Bn(BN_bin2bn(v.data(), static_cast<int>(v.size()), nullptr)); }

struct RsaKey {
  Pkey pkey;
  arch::RsaKeyBytes parts;  // n, e, d, p, q, dp, dq, u = q^-1 mod p (arch/rsa_key.h)
  Bn n, e, d;               // the same n, e, d for OpenSSL's arithmetic
  size_t mod_len;           // RSA_size: bytes of n
};

std::unique_ptr<RsaKey> generate(int bits) {
  auto k = std::make_unique<RsaKey>();
  k->pkey = generate_rsa_pkey(bits);
  ossl_check(arch::extract_rsa_key(k->pkey.get(), k->parts), "EVP_PKEY_get_bn_param");
  k->n = from_bytes(k->parts.n);
  k->e = from_bytes(k->parts.e);
  k->d = from_bytes(k->parts.d);
  k->mod_len = k->parts.n.size();
  return k;
}

/// Keys are expensive (4096 bits: seconds); make each size once per process.
const RsaKey& key(int bits) {
  static std::map<int, std::unique_ptr<RsaKey>> cache;
  auto& slot = cache[bits];
  if (!slot) slot = generate(bits);
  return *slot;
}

/// A random message 0 <= m < n, as mod_len bytes.
Bytes random_message(const RsaKey& k) {
  Bn m(BN_new());
  ossl_check(BN_rand_range(m.get(), k.n.get()) == 1, "rand_range");
  return to_bytes(m.get(), k.mod_len);
}

/// OpenSSL's raw RSA: public (m^e mod n) or private (CRT, c^d mod n), RSA_NO_PADDING.
Bytes openssl_raw(const RsaKey& k, bool priv, const Bytes& in) {
  Ctx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, k.pkey.get(), nullptr));
  ossl_check(ctx && (priv ? EVP_PKEY_decrypt_init(ctx.get()) : EVP_PKEY_encrypt_init(ctx.get())) == 1, "init");
  ossl_check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) == 1, "padding");
  size_t out_len = 0;
  auto op = priv ? EVP_PKEY_decrypt : EVP_PKEY_encrypt;
  ossl_check(op(ctx.get(), nullptr, &out_len, in.data(), in.size()) == 1, "size");
  Bytes out(out_len);
  ossl_check(op(ctx.get(), out.data(), &out_len, in.data(), in.size()) == 1, "raw rsa");
  out.resize(out_len);
  // OpenSSL pads raw RSA output to RSA_size already; keep it explicit.
  if (out.size() < k.mod_len) out.insert(out.begin(), k.mod_len - out.size(), 0);
  return out;
}

Bytes bn_mod_exp(const Bytes& base, const BIGNUM* exp, const BIGNUM* mod, size_t len) {
  std::unique_ptr<BN_CTX, BnCtxFree> bctx(BN_CTX_new());
  Bn b = from_bytes(base), r(BN_new());
  ossl_check(BN_mod_exp(r.get(), b.get(), exp, mod, bctx.get()) == 1, "mod_exp");
  return to_bytes(r.get(), len);
}

// ---- driver-side request builders ------------------------------------------------------

drv::ica_rsa_modexpo make_mex(const RsaKey& k, const BIGNUM* exponent, const Bytes& msg) {
  drv::ica_rsa_modexpo mex;
  mex.inputdata = msg;
  mex.inputdatalength = static_cast<uint32_t>(k.mod_len);
  mex.outputdatalength = static_cast<uint32_t>(k.mod_len);
  mex.b_key = to_bytes(exponent, k.mod_len);
  mex.n_modulus = to_bytes(k.n.get(), k.mod_len);
  return mex;
}

drv::ica_rsa_modexpo_crt make_crt(const RsaKey& k, const Bytes& msg) {
  const size_t short_len = (k.mod_len + 1) / 2;
  const size_t adj = drv::MSGTYPE_ADJUSTMENT;
  drv::ica_rsa_modexpo_crt crt;
  crt.inputdata = msg;
  crt.inputdatalength = static_cast<uint32_t>(k.mod_len);
  crt.outputdatalength = static_cast<uint32_t>(k.mod_len);
  crt.np_prime = to_bytes(k.parts.p, short_len + adj);
  crt.bp_key = to_bytes(k.parts.dp, short_len + adj);
  crt.u_mult_inv = to_bytes(k.parts.u, short_len + adj);
  crt.nq_prime = to_bytes(k.parts.q, short_len);
  crt.bq_key = to_bytes(k.parts.dq, short_len);
  return crt;
}

const fw::AdapterProfile kCex7a = fw::make_profile(7, Mode::accel);

/// Run one request through the firmware and back through zcrypt's reader.
int roundtrip(const fw::AdapterProfile& prof, const Bytes& req, size_t outlen, Bytes& out,
              fw::FirmwareReply* keep = nullptr) {
  fw::FirmwareReply r = fw::process_request(prof, req.data(), req.size(), kTimes);
  const int rc = drv::convert_response(r.reply.data(), r.reply.size(), outlen, out);
  if (keep) *keep = std::move(r);
  return rc;
}

fw::FirmwareReply run(const Bytes& req, const fw::AdapterProfile& prof = kCex7a) {
  return fw::process_request(prof, req.data(), req.size(), kTimes);
}

/// A valid MEB request for `bits` with the public exponent and a random message.
Bytes valid_mex_request(int bits) {
  const RsaKey& k = key(bits);
  Bytes req;
  BOOST_REQUIRE_EQUAL(drv::ICAMEX_msg_to_type50MEX_msg(make_mex(k, k.e.get(), random_message(k)), req), 0);
  return req;
}

}  // namespace

// ======================================================================================
BOOST_AUTO_TEST_SUITE(layouts)

BOOST_AUTO_TEST_CASE(sizes_and_offsets_match_appendix_a) {
  BOOST_TEST(arch::MEB1.total() == 400u);
  BOOST_TEST(arch::MEB2.total() == 784u);
  BOOST_TEST(arch::MEB3.total() == 1552u);
  BOOST_TEST(arch::CRB1.total() == 464u);
  BOOST_TEST(arch::CRB2.total() == 912u);
  BOOST_TEST(arch::CRB3.total() == 1808u);
  BOOST_TEST(arch::CRB1.message() == 16u + 5 * 64);
  BOOST_TEST(arch::MEB2.modulus() == 16u + 256);
}

BOOST_AUTO_TEST_CASE(builder_chooses_keyblock_by_length) {
  const std::pair<uint32_t, uint16_t> mex_cases[] = {{1, 0x0001}, {128, 0x0001}, {129, 0x0002},
                                                      {256, 0x0002}, {257, 0x0003}, {512, 0x0003}};
  for (auto [len, fmt] : mex_cases) {
    drv::ica_rsa_modexpo mex;
    mex.inputdatalength = len;
    mex.inputdata = mex.b_key = mex.n_modulus = Bytes(len, 0x11);
    Bytes msg;
    BOOST_REQUIRE_EQUAL(drv::ICAMEX_msg_to_type50MEX_msg(mex, msg), 0);
    BOOST_TEST(msg[1] == 0x50);
    BOOST_TEST(arch::load_be16(&msg[2]) == msg.size());
    BOOST_TEST(arch::load_be16(&msg[8]) == fmt);
    BOOST_TEST(msg.back() == 0x11);                    // right-justified
    BOOST_TEST(fw::classify_request(msg.data(), msg.size()) ==
               (len <= 128 ? fw::Operation::mex_1k : len <= 256 ? fw::Operation::mex_2k : fw::Operation::mex_4k));
  }
  drv::ica_rsa_modexpo mex;
  Bytes msg;
  BOOST_TEST(drv::ICAMEX_msg_to_type50MEX_msg(mex, msg) == -EINVAL);  // length 0
  mex.inputdatalength = 513;
  BOOST_TEST(drv::ICAMEX_msg_to_type50MEX_msg(mex, msg) == -EINVAL);
  mex.inputdatalength = 100;
  mex.inputdata = mex.b_key = Bytes(100, 1);
  mex.n_modulus = Bytes(99, 1);  // copy_from_user would fault
  BOOST_TEST(drv::ICAMEX_msg_to_type50MEX_msg(mex, msg) == -EFAULT);
}

BOOST_AUTO_TEST_CASE(crt_builder_skips_msgtype_adjustment) {
  drv::ica_rsa_modexpo_crt crt;
  crt.inputdatalength = 256;
  crt.inputdata = Bytes(256, 0x77);
  for (Bytes* v : {&crt.np_prime, &crt.bp_key, &crt.u_mult_inv}) {
    *v = Bytes(128 + 8, 0xEE);  // the 8 leading bytes must not reach the message
    std::fill(v->begin() + 8, v->end(), 0x01);
  }
  crt.nq_prime = crt.bq_key = Bytes(128, 0x02);
  Bytes msg;
  BOOST_REQUIRE_EQUAL(drv::ICACRT_msg_to_type50CRT_msg(crt, msg), 0);
  BOOST_TEST(msg.size() == arch::CRB2.total());
  BOOST_TEST(arch::load_be16(&msg[8]) == arch::TYPE50_CRB2_FMT);
  for (size_t i = 0; i < 128; ++i) {
    BOOST_TEST_REQUIRE(msg[arch::CRB2.p() + i] == 0x01);
    BOOST_TEST_REQUIRE(msg[arch::CRB2.dp() + i] == 0x01);
    BOOST_TEST_REQUIRE(msg[arch::CRB2.u() + i] == 0x01);
    BOOST_TEST_REQUIRE(msg[arch::CRB2.q() + i] == 0x02);
  }
  // CRB3 only when the card does 4K.
  crt.inputdatalength = 384;
  crt.inputdata = Bytes(384, 1);
  for (Bytes* v : {&crt.np_prime, &crt.bp_key, &crt.u_mult_inv}) *v = Bytes(192 + 8, 1);
  crt.nq_prime = crt.bq_key = Bytes(192, 1);
  BOOST_TEST(drv::ICACRT_msg_to_type50CRT_msg(crt, msg, drv::CEX2A_MAX_MOD_SIZE) == -EINVAL);
  BOOST_REQUIRE_EQUAL(drv::ICACRT_msg_to_type50CRT_msg(crt, msg, drv::CEX3A_MAX_MOD_SIZE), 0);
  BOOST_TEST(arch::load_be16(&msg[8]) == arch::TYPE50_CRB3_FMT);
  crt.np_prime.resize(192 + 7);
  BOOST_TEST(drv::ICACRT_msg_to_type50CRT_msg(crt, msg) == -EFAULT);
}

BOOST_AUTO_TEST_SUITE_END()

// ======================================================================================
BOOST_AUTO_TEST_SUITE(rsa_against_openssl)

// 1000 and 3072 bits: modulus lengths (125, 384 bytes) that leave left padding in the
// fields, and an odd CRT modulus length (short_len rounds up).
static const int kBits[] = {1000, 1024, 2048, 3072, 4096};

BOOST_AUTO_TEST_CASE(me_public_exponent) {
  for (int bits : kBits) {
    const RsaKey& k = key(bits);
    for (int i = 0; i < 4; ++i) {
      const Bytes m = random_message(k);
      Bytes req, out;
      BOOST_REQUIRE_EQUAL(drv::ICAMEX_msg_to_type50MEX_msg(make_mex(k, k.e.get(), m), req), 0);
      fw::FirmwareReply r;
      BOOST_REQUIRE_EQUAL(roundtrip(kCex7a, req, k.mod_len, out, &r), 0);
      BOOST_TEST(r.op == (bits <= 1024 ? fw::Operation::mex_1k : bits <= 2048 ? fw::Operation::mex_2k
                                                                             : fw::Operation::mex_4k));
      BOOST_TEST(r.service_ps == kTimes.service_ps(7, Mode::accel, r.op));
      BOOST_TEST(out == openssl_raw(k, false, m), "bits " << bits << " message " << i);
    }
  }
}

BOOST_AUTO_TEST_CASE(me_private_exponent) {
  for (int bits : kBits) {
    const RsaKey& k = key(bits);
    for (int i = 0; i < 2; ++i) {
      const Bytes c = random_message(k);
      Bytes req, out;
      BOOST_REQUIRE_EQUAL(drv::ICAMEX_msg_to_type50MEX_msg(make_mex(k, k.d.get(), c), req), 0);
      BOOST_REQUIRE_EQUAL(roundtrip(kCex7a, req, k.mod_len, out), 0);
      BOOST_TEST(out == openssl_raw(k, true, c), "bits " << bits);
      BOOST_TEST(out == bn_mod_exp(c, k.d.get(), k.n.get(), k.mod_len), "bits " << bits);
    }
  }
}

BOOST_AUTO_TEST_CASE(crt_matches_openssl_private_operation) {
  for (int bits : kBits) {
    const RsaKey& k = key(bits);
    for (int i = 0; i < 4; ++i) {
      const Bytes c = random_message(k);
      Bytes req, out;
      BOOST_REQUIRE_EQUAL(drv::ICACRT_msg_to_type50CRT_msg(make_crt(k, c), req), 0);
      fw::FirmwareReply r;
      BOOST_REQUIRE_EQUAL(roundtrip(kCex7a, req, k.mod_len, out, &r), 0);
      BOOST_TEST(r.op == (bits <= 1024 ? fw::Operation::crt_1k : bits <= 2048 ? fw::Operation::crt_2k
                                                                             : fw::Operation::crt_4k));
      BOOST_TEST(out == openssl_raw(k, true, c), "bits " << bits << " message " << i);
    }
  }
}

BOOST_AUTO_TEST_CASE(crt_then_public_roundtrip_and_edge_messages) {
  const RsaKey& k = key(2048);
  Bn nm1(BN_dup(k.n.get()));
  BN_sub_word(nm1.get(), 1);
  for (const Bytes& c : {Bytes(k.mod_len, 0), to_bytes(BN_value_one(), k.mod_len), to_bytes(nm1.get(), k.mod_len)}) {
    Bytes req, sig, back;
    BOOST_REQUIRE_EQUAL(drv::ICACRT_msg_to_type50CRT_msg(make_crt(k, c), req), 0);
    BOOST_REQUIRE_EQUAL(roundtrip(kCex7a, req, k.mod_len, sig), 0);
    BOOST_TEST(sig == openssl_raw(k, true, c));
    BOOST_REQUIRE_EQUAL(drv::ICAMEX_msg_to_type50MEX_msg(make_mex(k, k.e.get(), sig), req), 0);
    BOOST_REQUIRE_EQUAL(roundtrip(kCex7a, req, k.mod_len, back), 0);
    BOOST_TEST(back == c);
  }
}

BOOST_AUTO_TEST_CASE(reply_shape_is_what_zcrypt_reads) {
  const RsaKey& k = key(1000);  // 125-byte modulus in a 128-byte field
  Bytes req;
  BOOST_REQUIRE_EQUAL(drv::ICAMEX_msg_to_type50MEX_msg(make_mex(k, k.e.get(), random_message(k)), req), 0);
  const fw::FirmwareReply r = run(req);
  BOOST_REQUIRE_EQUAL(r.reply.size(), arch::HDR80_SIZE + 128);
  BOOST_TEST(r.reply[arch::HDR80_TYPE] == arch::TYPE80_RSP_CODE);
  BOOST_TEST(arch::load_be16(&r.reply[arch::HDR80_LEN]) == r.reply.size());
  BOOST_TEST(r.reply[arch::HDR80_CODE] == 0);
  for (size_t i = arch::HDR80_SIZE; i < arch::HDR80_SIZE + 3; ++i) BOOST_TEST(r.reply[i] == 0);  // left pad
  // zcrypt reader: too long an outputdatalength → -EAGAIN; wrong len → -EMSGSIZE.
  Bytes out;
  BOOST_TEST(drv::convert_type80(r.reply.data(), r.reply.size(), 129, out) == -EAGAIN);
  BOOST_TEST(drv::convert_type80(r.reply.data(), r.reply.size() - 1, 125, out) == -EMSGSIZE);
  BOOST_TEST(drv::convert_type80(r.reply.data(), 15, 0, out) == -EMSGSIZE);
  BOOST_TEST(drv::convert_type80(r.reply.data(), r.reply.size(), 128, out) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

// ======================================================================================
BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(wrong_type_byte) {
  Bytes req = valid_mex_request(1024);
  req[1] = 0x51;
  const fw::FirmwareReply r = run(req);
  BOOST_TEST(reply_code82(r) == arch::REP82_ERROR_MESSAGE_TYPE);
  BOOST_TEST(r.op == fw::Operation::invalid);
  BOOST_TEST(r.service_ps == kTimes.service_ps(7, Mode::accel, fw::Operation::invalid));
  Bytes out;
  BOOST_TEST(drv::convert_response(r.reply.data(), r.reply.size(), 128, out) == -EAGAIN);
}

BOOST_AUTO_TEST_CASE(truncated_and_length_mismatch) {
  const Bytes good = valid_mex_request(1024);
  Bytes t(good.begin(), good.end() - 1);  // truncated, msg_len still 400
  BOOST_TEST(reply_code82(run(t)) == arch::REP82_ERROR_INVALID_MSG_LEN);
  arch::store_be16(&t[2], static_cast<uint16_t>(t.size()));  // consistent but wrong for MEB1
  BOOST_TEST(reply_code82(run(t)) == arch::REP82_ERROR_INVALID_MSG_LEN);
  Bytes m = good;
  arch::store_be16(&m[2], 401);  // header disagrees with the NQAP length
  BOOST_TEST(reply_code82(run(m)) == arch::REP82_ERROR_INVALID_MSG_LEN);
  Bytes h(good.begin(), good.begin() + 8);  // header only
  BOOST_TEST(reply_code82(run(h)) == arch::REP82_ERROR_INVALID_MSG_LEN);
  Bytes out;
  const auto r = run(m);
  BOOST_TEST(drv::convert_response(r.reply.data(), r.reply.size(), 128, out) == -EINVAL);
}

BOOST_AUTO_TEST_CASE(unknown_keyblock_and_reserved_fields) {
  Bytes req = valid_mex_request(1024);
  Bytes kb = req;
  arch::store_be16(&kb[8], 0x0004);
  BOOST_TEST(reply_code82(run(kb)) == arch::REP82_ERROR_MALFORMED_MSG);
  for (size_t off : {size_t{0}, size_t{4}, size_t{6}, size_t{7}, size_t{10}, size_t{15}}) {
    Bytes r = req;
    r[off] = 1;
    BOOST_TEST(reply_code82(run(r)) == arch::REP82_ERROR_RESERVD_FIELD, "offset " << off);
  }
  Bytes ign = req;
  ign[arch::HDR50_IGNORED] = 0xFF;  // "ignored" is not reserved
  BOOST_TEST(run(ign).reply[1] == arch::TYPE80_RSP_CODE);
}

BOOST_AUTO_TEST_CASE(input_not_below_modulus) {
  const RsaKey& k = key(1024);
  for (const BIGNUM* big : std::initializer_list<const BIGNUM*>{k.n.get(), nullptr}) {
    Bytes m = big ? to_bytes(big, k.mod_len) : Bytes(k.mod_len, 0xFF);
    Bytes req;
    BOOST_REQUIRE_EQUAL(drv::ICAMEX_msg_to_type50MEX_msg(make_mex(k, k.e.get(), m), req), 0);
    const auto r = run(req);
    BOOST_TEST(reply_code82(r) == arch::REP82_ERROR_OPERAND_INVALID);
    BOOST_TEST(r.op == fw::Operation::mex_1k);
    Bytes out;
    BOOST_TEST(drv::convert_response(r.reply.data(), r.reply.size(), k.mod_len, out) == -EINVAL);
    BOOST_REQUIRE_EQUAL(drv::ICACRT_msg_to_type50CRT_msg(make_crt(k, m), req), 0);
    BOOST_TEST(reply_code82(run(req)) == arch::REP82_ERROR_OPERAND_INVALID);
  }
}

BOOST_AUTO_TEST_CASE(even_or_zero_modulus) {
  const RsaKey& k = key(1024);
  Bytes req = valid_mex_request(1024);
  Bytes even = req;
  even[arch::MEB1.modulus() + 127] &= 0xFE;
  BOOST_TEST(reply_code82(run(even)) == arch::REP82_ERROR_EVEN_MOD_IN_OPND);
  Bytes zero = req;
  std::fill_n(zero.begin() + arch::MEB1.modulus(), 128, 0);
  BOOST_TEST(reply_code82(run(zero)) == arch::REP82_ERROR_OPERAND_INVALID);
  Bytes crt;
  BOOST_REQUIRE_EQUAL(drv::ICACRT_msg_to_type50CRT_msg(make_crt(k, random_message(k)), crt), 0);
  Bytes ep = crt;
  ep[arch::CRB1.p() + 63] &= 0xFE;
  BOOST_TEST(reply_code82(run(ep)) == arch::REP82_ERROR_EVEN_MOD_IN_OPND);
  Bytes zq = crt;
  std::fill_n(zq.begin() + arch::CRB1.q(), 64, 0);
  BOOST_TEST(reply_code82(run(zq)) == arch::REP82_ERROR_OPERAND_INVALID);
}

BOOST_AUTO_TEST_CASE(no_4k_on_adapter_without_mex4k_crt4k) {
  fw::AdapterProfile no4k = fw::make_profile(5, Mode::accel);
  no4k.mex4k = no4k.crt4k = false;
  BOOST_TEST(!fw::supports(no4k, fw::Operation::mex_4k));
  BOOST_TEST(!fw::supports(no4k, fw::Operation::crt_4k));
  BOOST_TEST(fw::supports(no4k, fw::Operation::mex_2k));
  const RsaKey& k = key(4096);
  Bytes req;
  BOOST_REQUIRE_EQUAL(drv::ICAMEX_msg_to_type50MEX_msg(make_mex(k, k.e.get(), random_message(k)), req), 0);
  BOOST_TEST(fw::classify_request(req.data(), req.size()) == fw::Operation::mex_4k);
  const auto r = run(req, no4k);  // the adapter model answers RC 0x16 before this
  BOOST_TEST(r.op == fw::Operation::mex_4k);
  BOOST_TEST(reply_code82(r) == arch::REP82_ERROR_OPERAND_SIZE);
  BOOST_TEST(fw::supports(kCex7a, fw::Operation::mex_4k));
}

BOOST_AUTO_TEST_CASE(convert_error_mapping) {
  Bytes out;
  for (uint8_t code : {0x23, 0x24, 0x29, 0x40, 0x41, 0x42, 0x80, 0x82, 0x84, 0x85, 0x8A, 0x8B, 0xA0, 0x22, 0x34}) {
    const Bytes e = {0, 0x82, 0, 0, code, 0, 0, 0};
    BOOST_TEST(drv::convert_response(e.data(), e.size(), 16, out) == -EINVAL, "code " << int(code));
  }
  for (uint8_t code : {0x10, 0x20, 0x90, 0x77}) {
    const Bytes e = {0, 0x88, 0, 0, code, 0, 0, 0};
    BOOST_TEST(drv::convert_response(e.data(), e.size(), 16, out) == -EAGAIN, "code " << int(code));
  }
  const Bytes unknown = {0, 0x84, 0, 0, 0, 0, 0, 0};
  BOOST_TEST(drv::convert_response(unknown.data(), unknown.size(), 16, out) == -EAGAIN);
  BOOST_TEST(drv::convert_error(unknown.data(), 7) == -EMSGSIZE);
}

BOOST_AUTO_TEST_SUITE_END()

// ======================================================================================
BOOST_AUTO_TEST_SUITE(robustness)

/// Every reply must be a well-formed type 80 or an 8-byte type 82 — and nothing may crash
/// or read out of bounds (run under ASan/valgrind for the latter; the build here is plain).
void check_reply_shape(const fw::FirmwareReply& r) {
  BOOST_TEST_REQUIRE(r.reply.size() >= 2u);
  if (r.reply[1] == arch::TYPE80_RSP_CODE) {
    BOOST_TEST_REQUIRE(r.reply.size() >= arch::HDR80_SIZE);
    BOOST_TEST_REQUIRE(arch::load_be16(&r.reply[2]) == r.reply.size());
    BOOST_TEST_REQUIRE(r.op != fw::Operation::invalid);
  } else {
    BOOST_TEST_REQUIRE(r.reply[1] == arch::TYPE82_RSP_CODE);
    BOOST_TEST_REQUIRE(r.reply.size() == arch::ERRHDR_SIZE);
  }
}

BOOST_AUTO_TEST_CASE(random_bytes_never_crash) {
  const unsigned seed = 20240611;
  BOOST_TEST_MESSAGE("fuzz seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  const fw::AdapterProfile profiles[] = {kCex7a, fw::make_profile(4, Mode::cca), fw::make_profile(8, Mode::ep11),
                                         fw::AdapterProfile{6, Mode::accel, false, false}};
  // Null pointer and empty buffer.
  check_reply_shape(fw::process_request(kCex7a, nullptr, 0, kTimes));
  check_reply_shape(fw::process_request(kCex7a, nullptr, 400, kTimes));
  BOOST_TEST(fw::classify_request(nullptr, 400) == fw::Operation::invalid);
  // Pure noise, lengths 0..2100, heap-allocated to the exact length.
  for (int i = 0; i < 3000; ++i) {
    Bytes m(std::uniform_int_distribution<size_t>(0, 2100)(rng));
    for (auto& b : m) b = static_cast<uint8_t>(byte(rng));
    if (i % 3 == 0 && m.size() >= 2) m[1] = 0x50;  // get past the type check sometimes
    const auto& prof = profiles[i % 4];
    check_reply_shape(fw::process_request(prof, m.data(), m.size(), kTimes));
    (void)fw::classify_request(m.data(), m.size());
  }
}

BOOST_AUTO_TEST_CASE(structured_random_requests_never_crash) {
  // Valid header, keyblock and length; random fields: drives the arithmetic with random
  // (mostly non-prime, sometimes even, sometimes zero) moduli, primes and exponents.
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  const uint16_t fmts[] = {0x0001, 0x0002, 0x0011, 0x0012, 0x0001, 0x0011, 0x0003, 0x0013};
  const size_t totals[] = {400, 784, 464, 912, 400, 464, 1552, 1808};
  int ok = 0, err = 0;
  for (int i = 0; i < 1500; ++i) {
    const size_t which = (i % 50 == 49) ? 6 + (i / 50) % 2 : i % 6;  // few 4K (slow) ones
    Bytes m(totals[which]);
    for (size_t j = 16; j < m.size(); ++j) m[j] = static_cast<uint8_t>(byte(rng));
    if (i % 5 == 0) std::fill(m.begin() + 16, m.begin() + 16 + m.size() / 3, 0);  // small / zero fields
    m[1] = 0x50;
    arch::store_be16(&m[2], static_cast<uint16_t>(m.size()));
    arch::store_be16(&m[8], fmts[which]);
    const auto r = fw::process_request(kCex7a, m.data(), m.size(), kTimes);
    check_reply_shape(r);
    (r.reply[1] == arch::TYPE80_RSP_CODE ? ok : err)++;
    if (r.reply[1] == arch::TYPE80_RSP_CODE) {
      Bytes out;
      const size_t field = r.reply.size() - arch::HDR80_SIZE;
      BOOST_TEST_REQUIRE(drv::convert_response(r.reply.data(), r.reply.size(), field, out) == 0);
    }
  }
  BOOST_TEST_MESSAGE("structured fuzz: " << ok << " type80, " << err << " type82");
  BOOST_TEST(ok > 0);
  BOOST_TEST(err > 0);
}

BOOST_AUTO_TEST_SUITE_END()

// ======================================================================================
BOOST_AUTO_TEST_SUITE(service_time)

BOOST_AUTO_TEST_CASE(ratios_equal_rating_ratios) {
  const fw::ServiceTimeTable t;
  // CEX7A MEX_2k / MEX_1k == 8 / 6.
  BOOST_TEST(t.service_ps(7, Mode::accel, fw::Operation::mex_2k) * 6 ==
             t.service_ps(7, Mode::accel, fw::Operation::mex_1k) * 8);
  BOOST_TEST(t.service_ps(7, Mode::accel, fw::Operation::mex_1k) == 6 * fw::ServiceTimeTable::kDefaultRatingUnitPs);
  // Every published entry: service_ps == rating × unit, so all ratios are the table's.
  for (unsigned g = 4; g <= 8; ++g)
    for (Mode mode : {Mode::accel, Mode::cca, Mode::ep11})
      for (size_t o = 0; o < fw::kNumRatedOperations; ++o) {
        const auto op = static_cast<fw::Operation>(o);
        const unsigned rating = fw::zcrypt_speed_rating(g, mode, op);
        if (rating == 0) continue;
        BOOST_TEST(t.service_ps(g, mode, op) == uint64_t{rating} * t.rating_unit_ps());
      }
  BOOST_TEST(fw::zcrypt_speed_rating(4, Mode::accel, fw::Operation::crt_4k) == 1458u);
  BOOST_TEST(fw::zcrypt_speed_rating(6, Mode::cca, fw::Operation::rng) == 24u);
  const unsigned ep11_seckey[] = {50, 10, 9, 8, 8};
  for (unsigned g = 4; g <= 8; ++g)
    BOOST_TEST(fw::zcrypt_speed_rating(g, Mode::ep11, fw::Operation::seckey) == ep11_seckey[g - 4]);
}

/// Spec §7, typed from the spec's table (independently of firmware/service_time.cpp's copy):
/// columns MEX_1k MEX_2k MEX_4k CRT_1k CRT_2k CRT_4k RNG SECKEY, rows CEX4..CEX8.
const unsigned kSpecTable[3][5][8] = {
    {{14, 19, 249, 42, 228, 1458, 0, 0},
     {8, 9, 20, 18, 66, 458, 0, 0},
     {6, 9, 20, 17, 65, 438, 0, 0},
     {6, 8, 17, 15, 54, 362, 0, 0},
     {6, 8, 17, 15, 54, 362, 0, 0}},
    {{59, 69, 308, 83, 278, 2204, 209, 40},
     {24, 31, 50, 37, 90, 479, 27, 10},
     {16, 20, 32, 27, 77, 455, 24, 9},
     {14, 16, 26, 23, 64, 376, 23, 8},
     {14, 16, 26, 23, 64, 376, 23, 8}},
    {{0, 0, 0, 0, 0, 0, 0, 50},
     {0, 0, 0, 0, 0, 0, 0, 10},
     {0, 0, 0, 0, 0, 0, 0, 9},
     {0, 0, 0, 0, 0, 0, 0, 8},
     {0, 0, 0, 0, 0, 0, 0, 8}}};

BOOST_AUTO_TEST_CASE(every_ratio_of_the_spec_table) {
  // For every pair of rated entries (any generation, mode, operation — including CCA RNG,
  // CCA SECKEY and EP11 SECKEY), the model's service-time ratio equals the table's rating
  // ratio: t(a) / t(b) == r(a) / r(b), compared exactly as t(a) * r(b) == t(b) * r(a).
  const Mode modes[] = {Mode::accel, Mode::cca, Mode::ep11};
  for (uint64_t unit : {uint64_t{10'000'000}, uint64_t{1234}}) {
    const fw::ServiceTimeTable t(unit);
    struct Entry { unsigned g; Mode m; fw::Operation op; unsigned rating; uint64_t ps; };
    std::vector<Entry> rated;
    for (size_t mi = 0; mi < 3; ++mi)
      for (unsigned g = 4; g <= 8; ++g)
        for (size_t o = 0; o < fw::kNumRatedOperations; ++o) {
          const auto op = static_cast<fw::Operation>(o);
          const unsigned r = kSpecTable[mi][g - 4][o];
          BOOST_TEST_REQUIRE(fw::zcrypt_speed_rating(g, modes[mi], op) == r);
          if (r) rated.push_back({g, modes[mi], op, r, t.service_ps(g, modes[mi], op)});
        }
    BOOST_TEST(rated.size() == 30u + 40u + 5u);  // accel 5x6, CCA 5x8, EP11 5x1
    size_t pairs = 0;
    for (const Entry& a : rated)
      for (const Entry& b : rated) {
        ++pairs;
        BOOST_TEST_REQUIRE(a.ps * b.rating == b.ps * a.rating);
      }
    BOOST_TEST(pairs == rated.size() * rated.size());
    // Spot values: CEX4C RNG / CEX8C RNG = 209 / 23; CEX4P SECKEY / CEX5P = 5.
    BOOST_TEST(t.service_ps(4, Mode::cca, fw::Operation::rng) * 23 == t.service_ps(8, Mode::cca, fw::Operation::rng) * 209);
    BOOST_TEST(t.service_ps(4, Mode::ep11, fw::Operation::seckey) == 5 * t.service_ps(5, Mode::ep11, fw::Operation::seckey));
  }
}

BOOST_AUTO_TEST_CASE(cprb_speed_classes_scale_seckey) {
  // zcrypt weighs a CPRB as speed_idx × SECKEY; the model: SECKEY × speed_idx / MEDIUM.
  const fw::ServiceTimeTable t;
  for (unsigned g = 4; g <= 8; ++g)
    for (Mode m : {Mode::cca, Mode::ep11}) {
      const uint64_t base = t.service_ps(g, m, fw::Operation::seckey);
      BOOST_TEST(base == uint64_t{fw::zcrypt_speed_rating(g, m, fw::Operation::seckey)} * t.rating_unit_ps());
      BOOST_TEST(t.service_ps(g, m, fw::Operation::seckey, fw::kSpeedHigh) == 5 * base);
      BOOST_TEST(t.service_ps(g, m, fw::Operation::seckey, fw::kSpeedLow) * 10 == base);
      // Other operations ignore the class.
      BOOST_TEST(t.service_ps(g, m, fw::Operation::crt_2k, fw::kSpeedHigh) == t.service_ps(g, m, fw::Operation::crt_2k));
    }
}

BOOST_AUTO_TEST_CASE(modeling_choices_and_overrides) {
  fw::ServiceTimeTable t(1000);
  // Not supported → 0 and supports() false.
  BOOST_TEST(t.service_ps(8, Mode::accel, fw::Operation::rng) == 0u);
  BOOST_TEST(!fw::supports(fw::make_profile(8, Mode::accel), fw::Operation::rng));
  BOOST_TEST(!fw::supports(fw::make_profile(8, Mode::accel), fw::Operation::seckey));
  BOOST_TEST(fw::supports(fw::make_profile(8, Mode::cca), fw::Operation::rng));
  BOOST_TEST(!fw::supports(fw::make_profile(8, Mode::ep11), fw::Operation::rng));
  BOOST_TEST(!fw::supports(kCex7a, fw::Operation::invalid));
  // EP11 clear-key RSA borrows the CCA rating.
  BOOST_TEST(t.service_ps(6, Mode::ep11, fw::Operation::crt_2k) == t.service_ps(6, Mode::cca, fw::Operation::crt_2k));
  BOOST_TEST(fw::zcrypt_speed_rating(6, Mode::ep11, fw::Operation::crt_2k) == 0u);
  // Rejected requests cost one rating unit.
  BOOST_TEST(t.service_ps(5, Mode::cca, fw::Operation::invalid) == 1000u);
  // Scale and single-entry overrides.
  t.set_rating_unit_ps(2000);
  BOOST_TEST(t.service_ps(7, Mode::accel, fw::Operation::mex_2k) == 16000u);
  t.override_service_ps(7, Mode::accel, fw::Operation::mex_2k, 123);
  BOOST_TEST(t.service_ps(7, Mode::accel, fw::Operation::mex_2k) == 123u);
  BOOST_TEST(t.service_ps(8, Mode::accel, fw::Operation::mex_2k) == 16000u);
  t.clear_override(7, Mode::accel, fw::Operation::mex_2k);
  BOOST_TEST(t.service_ps(7, Mode::accel, fw::Operation::mex_2k) == 16000u);
  t.override_service_ps(4, Mode::ep11, fw::Operation::seckey, 5);
  t.clear_overrides();
  BOOST_TEST(t.service_ps(4, Mode::ep11, fw::Operation::seckey) == 100000u);
  BOOST_CHECK_THROW(t.service_ps(3, Mode::accel, fw::Operation::mex_1k), std::out_of_range);
  BOOST_CHECK_THROW(t.service_ps(9, Mode::accel, fw::Operation::mex_1k), std::out_of_range);
}

BOOST_AUTO_TEST_CASE(me_priced_by_exponent_length) {
  // service_time.h 2.: a short public exponent costs the MEX rating (so every ratio of the
  // §7 table holds for it, every_ratio_of_the_spec_table), a full-length one
  // me_full_over_crt × CRT of the same class, linear in the exponent's bits in between.
  for (int bits : {1024, 2048, 4096}) {
    const RsaKey& k = key(bits);
    const fw::Operation me = bits == 1024 ? fw::Operation::mex_1k : bits == 2048 ? fw::Operation::mex_2k
                                                                                 : fw::Operation::mex_4k;
    const fw::Operation crt = fw::crt_class(static_cast<unsigned>(bits));
    for (unsigned g = 4; g <= 8; ++g)
      for (Mode m : {Mode::accel, Mode::cca}) {
        const fw::AdapterProfile prof = fw::make_profile(g, m);
        Bytes req;
        BOOST_REQUIRE_EQUAL(drv::ICAMEX_msg_to_type50MEX_msg(make_mex(k, k.e.get(), random_message(k)), req), 0);
        const fw::FirmwareReply pub = fw::process_request(prof, req.data(), req.size(), kTimes);
        BOOST_TEST(pub.demand.exponent_bits == 17u);  // 65537
        BOOST_TEST(pub.demand.modulus_bits == unsigned(bits));
        BOOST_TEST(pub.service_ps == kTimes.service_ps(g, m, me));
        BOOST_REQUIRE_EQUAL(drv::ICAMEX_msg_to_type50MEX_msg(make_mex(k, k.d.get(), random_message(k)), req), 0);
        const fw::FirmwareReply priv = fw::process_request(prof, req.data(), req.size(), kTimes);
        const unsigned eb = static_cast<unsigned>(BN_num_bits(k.d.get()));
        BOOST_TEST(priv.demand.exponent_bits == eb);
        // A generated d has as many 64-bit digits as n: exactly 3 × CRT.
        BOOST_TEST((eb + 63) / 64 == unsigned(bits) / 64);
        const double rated = static_cast<double>(kTimes.service_ps(g, m, me));
        BOOST_TEST(priv.service_ps == 3 * kTimes.service_ps(g, m, crt));
        // A full-length private exponent: 7.5× (CEX7A 1k) .. 69× (CEX5A 4k) the MEX rating.
        BOOST_TEST(static_cast<double>(priv.service_ps) > 4.0 * rated);
      }
  }
  // CEX7A MEX_2k with d of exactly 2048 bits: 3 × 54 = 162 units, 20.25 × the rating's 8.
  fw::ServiceDemand d;
  d.op = fw::Operation::mex_2k;
  d.exponent_bits = d.modulus_bits = 2048;
  const fw::ServiceTimeTable t;
  BOOST_TEST(t.service_ps(7, Mode::accel, d) == 162 * t.rating_unit_ps());
  d.exponent_bits = 2041;  // a few leading zero bits: still 32 digits, the same price
  BOOST_TEST(t.service_ps(7, Mode::accel, d) == 162 * t.rating_unit_ps());
  d.exponent_bits = 16 * 64 + 1;  // 17 of 32 digits: linear in the digits, 16 / 31 of the way
  BOOST_TEST(std::abs(static_cast<double>(t.service_ps(7, Mode::accel, d)) -
                      (8 + 154 * 16.0 / 31) * static_cast<double>(t.rating_unit_ps())) <= 1.0);
  d.exponent_bits = 64;  // one digit: the rating, as e = 3 and e = 65537
  BOOST_TEST(t.service_ps(7, Mode::accel, d) == 8 * t.rating_unit_ps());
  d.exponent_bits = 2;
  BOOST_TEST(t.service_ps(7, Mode::accel, d) == 8 * t.rating_unit_ps());
  d.exponent_bits = 0;  // unknown: the rating
  BOOST_TEST(t.service_ps(7, Mode::accel, d) == 8 * t.rating_unit_ps());
  // The ratio is a parameter.
  fw::ServiceTimeTable t4;
  t4.set_me_full_over_crt(4.0);
  d.exponent_bits = 2048;
  BOOST_TEST(t4.service_ps(7, Mode::accel, d) == 216 * t4.rating_unit_ps());
  // CRT is priced by the class only.
  d.op = fw::Operation::crt_2k;
  BOOST_TEST(t.service_ps(7, Mode::accel, d) == 54 * t.rating_unit_ps());
}

BOOST_AUTO_TEST_CASE(default_scale_and_engines) {
  // docs/calibration.md: 5.4 µs per unit puts a CEX4A's CRT_1k at 4,409/s and a CEX4C's at
  // 2,231/s on one engine, against IBM's "almost 4400" and "about 2250" (zEC12).
  BOOST_TEST(fw::ServiceTimeTable::kDefaultRatingUnitPs == 5'400'000u);
  const fw::ServiceTimeTable t;
  const double cex4a = 1e12 / static_cast<double>(t.service_ps(4, Mode::accel, fw::Operation::crt_1k));
  const double cex4c = 1e12 / static_cast<double>(t.service_ps(4, Mode::cca, fw::Operation::crt_1k));
  BOOST_TEST(std::abs(cex4a / 4400 - 1) < 0.01);
  BOOST_TEST(std::abs(cex4c / 2250 - 1) < 0.01);
  for (unsigned g = 4; g <= 8; ++g)
    for (Mode m : {Mode::accel, Mode::cca, Mode::ep11}) BOOST_TEST(fw::default_engines(g, m) == 1u);
  BOOST_CHECK_THROW(fw::default_engines(3, Mode::cca), std::out_of_range);
}

BOOST_AUTO_TEST_CASE(distributions_have_their_mean_and_cv_and_repeat) {
  // Each shape over 400,000 draws: the sample mean within 0.5 % and the coefficient of
  // variation within 2 % of what was asked (standard errors: cv/√n = 0.16 % of the mean for
  // cv 1; the cv's own about 0.2 %), and the same seed gives the same draws.
  const uint64_t mean = 80'000'000;
  const fw::ServiceDistribution shapes[] = {{fw::ServiceShape::exponential, 0},
                                            {fw::ServiceShape::gamma, 0.5},
                                            {fw::ServiceShape::gamma, 2.0},
                                            {fw::ServiceShape::uniform, 0.2}};
  for (const auto& d : shapes) {
    fw::ServiceSampler a(42), b(42), c(43);
    const int n = 400'000;
    double sum = 0, sq = 0;
    bool same = true, differs = false;
    for (int i = 0; i < n; ++i) {
      const uint64_t x = a.sample(mean, d);
      same = same && x == b.sample(mean, d);
      differs = differs || x != c.sample(mean, d);
      sum += static_cast<double>(x);
      sq += static_cast<double>(x) * static_cast<double>(x);
    }
    const double m = sum / n, cv = std::sqrt(sq / n - m * m) / m;
    BOOST_TEST(std::abs(m / mean - 1) < 0.005, d.describe() << ": mean " << m);
    BOOST_TEST(std::abs(cv / d.effective_cv() - 1) < 0.02, d.describe() << ": cv " << cv);
    BOOST_TEST(same);
    BOOST_TEST(differs);
  }
  fw::ServiceSampler s(1);
  BOOST_TEST(s.sample(mean, fw::ServiceDistribution{}) == mean);  // deterministic: no draw
  BOOST_TEST(s.sample(0, fw::ServiceDistribution{fw::ServiceShape::exponential, 0}) == 0u);
  BOOST_TEST(fw::ServiceDistribution({fw::ServiceShape::gamma, 0.25}).describe() == "gamma cv 0.25");
}

BOOST_AUTO_TEST_CASE(profiles) {
  for (unsigned g = 4; g <= 8; ++g) {
    const auto a = fw::make_profile(g, Mode::accel);
    BOOST_TEST((a.mex4k && a.crt4k));
    const auto c = fw::AdapterProfile::make(g, Mode::cca);
    BOOST_TEST((!c.mex4k && !c.crt4k));  // lszcrypt shows no M/C on CCA cards
    BOOST_TEST(fw::supports(c, fw::Operation::crt_4k));  // but CCA does 4096-bit keys
  }
}

BOOST_AUTO_TEST_SUITE_END()
