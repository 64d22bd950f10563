// firmware/crypto.cpp — OpenSSL and GMP primitives of the coprocessor firmware model.
#include "firmware/crypto.h"

#include <gmp.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "arch/rsa_key.h"

namespace apsim::firmware::crypto {

namespace {

struct CipherCtx {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(c); }
};
struct PkeyCtx {
  EVP_PKEY_CTX* c = nullptr;
  ~PkeyCtx() { EVP_PKEY_CTX_free(c); }
};
struct Pkey {
  EVP_PKEY* k = nullptr;
  ~Pkey() { EVP_PKEY_free(k); }
};
struct Bn {
  BIGNUM* b = nullptr;
  ~Bn() { BN_clear_free(b); }
};

/// mpz_t with RAII.
struct Mpz {
  mpz_t v;
  Mpz() { mpz_init(v); }
  explicit Mpz(const Bytes& b) {
    mpz_init(v);
    if (!b.empty()) mpz_import(v, b.size(), 1, 1, 1, 0, b.data());
  }
  ~Mpz() { mpz_clear(v); }
  Mpz(const Mpz&) = delete;
  Mpz& operator=(const Mpz&) = delete;
};

/// z → big-endian, exactly n bytes (z < 256^n guaranteed by the caller; else false).
bool export_fixed(const Mpz& z, uint8_t* out, size_t n) {
  std::memset(out, 0, n);
  if (mpz_sgn(z.v) == 0) return true;
  const size_t bytes = (mpz_sizeinbase(z.v, 2) + 7) / 8;
  if (bytes > n) return false;
  size_t count = 0;
  mpz_export(out + (n - bytes), &count, 1, 1, 1, 0, z.v);
  return true;
}

Bytes export_min(const Mpz& z) {
  if (mpz_sgn(z.v) == 0) return {};
  Bytes out((mpz_sizeinbase(z.v, 2) + 7) / 8);
  size_t count = 0;
  mpz_export(out.data(), &count, 1, 1, 1, 0, z.v);
  out.resize(count);
  return out;
}

const EVP_MD* md_of(Hash h) {
  switch (h) {
    case Hash::sha256: return EVP_sha256();
    case Hash::sha384: return EVP_sha384();
    case Hash::sha512: return EVP_sha512();
  }
  return EVP_sha256();
}

// DER DigestInfo prefixes (RFC 8017 §9.2 note 1).
const uint8_t kDiSha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                             0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
const uint8_t kDiSha384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                             0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
const uint8_t kDiSha512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                             0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};

bool to_bn(const Bytes& b, Bn& out) {
  out.b = BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr);
  return out.b != nullptr;
}

/// An EVP_PKEY for the public part (private = false) or the whole key.
bool make_pkey(const RsaCrtKey& k, bool priv, Pkey& out) {
  Bn n, e, d, p, q, dp, dq, u;
  if (!to_bn(k.n, n) || !to_bn(k.e, e)) return false;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (!bld) return false;
  bool ok = OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n.b) && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e.b);
  if (ok && priv) {
    // d = e^-1 mod lcm(p-1, q-1).
    Mpz mp(k.p), mq(k.q), me(k.e), l, t, md;
    mpz_sub_ui(mp.v, mp.v, 1);
    mpz_sub_ui(mq.v, mq.v, 1);
    mpz_lcm(l.v, mp.v, mq.v);
    ok = mpz_invert(md.v, me.v, l.v) != 0;
    ok = ok && to_bn(export_min(md), d) && to_bn(k.p, p) && to_bn(k.q, q) && to_bn(k.dp, dp) && to_bn(k.dq, dq) &&
         to_bn(k.u, u);
    ok = ok && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d.b) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p.b) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q.b) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.b) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.b) &&
         OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, u.b);
  }
  OSSL_PARAM* params = ok ? OSSL_PARAM_BLD_to_param(bld) : nullptr;
  OSSL_PARAM_BLD_free(bld);
  if (!params) return false;
  PkeyCtx ctx;
  ctx.c = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  ok = ctx.c && EVP_PKEY_fromdata_init(ctx.c) == 1 &&
       EVP_PKEY_fromdata(ctx.c, &out.k, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) == 1;
  OSSL_PARAM_free(params);
  return ok;
}

/// The public and CRT parts of an RSA EVP_PKEY (arch/rsa_key.h; a part it lacks comes back
/// empty; the callers decide which ones they need).
void get_crt_params(EVP_PKEY* k, RsaCrtKey& key) {
  arch::RsaKeyBytes b;
  arch::extract_rsa_key(k, b);
  key = RsaCrtKey{std::move(b.n), std::move(b.e), std::move(b.p), std::move(b.q), std::move(b.dp), std::move(b.dq),
                  std::move(b.u)};
}

}  // namespace

Bytes strip(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n && p[i] == 0) ++i;
  return Bytes(p + i, p + n);
}

Key256 sha256(std::initializer_list<std::pair<const uint8_t*, size_t>> parts) {
  Key256 out{};
  EVP_MD_CTX* c = EVP_MD_CTX_new();
  unsigned len = 0;
  if (c && EVP_DigestInit_ex(c, EVP_sha256(), nullptr) == 1) {
    for (const auto& [p, n] : parts)
      if (n) EVP_DigestUpdate(c, p, n);
    EVP_DigestFinal_ex(c, out.data(), &len);
  }
  EVP_MD_CTX_free(c);
  return out;
}

Key256 sha256(const Bytes& data) { return sha256({{data.data(), data.size()}}); }

size_t hash_size(Hash h) {
  switch (h) {
    case Hash::sha256: return 32;
    case Hash::sha384: return 48;
    case Hash::sha512: return 64;
  }
  return 0;
}

Bytes digest(Hash h, const uint8_t* data, size_t len) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned n = 0;
  static const uint8_t empty = 0;
  if (EVP_Digest(len ? data : &empty, len, out.data(), &n, md_of(h), nullptr) != 1) return {};
  out.resize(n);
  return out;
}

Bytes aes256_kwp_wrap(const Key256& kek, const Bytes& plaintext) {
  if (plaintext.empty() || plaintext.size() > 0xffff) return {};
  CipherCtx ctx;
  EVP_CIPHER_CTX_set_flags(ctx.c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  Bytes out(plaintext.size() + 16);
  int n = 0, m = 0;
  if (EVP_EncryptInit_ex(ctx.c, EVP_aes_256_wrap_pad(), nullptr, kek.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.c, out.data(), &n, plaintext.data(), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.c, out.data() + n, &m) != 1)
    return {};
  out.resize(static_cast<size_t>(n + m));
  return out;
}

bool aes256_kwp_unwrap(const Key256& kek, const uint8_t* wrapped, size_t len, Bytes& out) {
  out.clear();
  if (!wrapped || len < 16 || len % 8 != 0 || len > 0x10000) return false;
  CipherCtx ctx;
  EVP_CIPHER_CTX_set_flags(ctx.c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  out.resize(len);
  int n = 0, m = 0;
  if (EVP_DecryptInit_ex(ctx.c, EVP_aes_256_wrap_pad(), nullptr, kek.data(), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.c, out.data(), &n, wrapped, static_cast<int>(len)) != 1 || n <= 0 ||
      EVP_DecryptFinal_ex(ctx.c, out.data() + n, &m) != 1) {
    out.clear();
    return false;
  }
  out.resize(static_cast<size_t>(n + m));
  return true;
}

Key256 hmac_sha256(const Key256& key, const uint8_t* data, size_t len) {
  Key256 out{};
  size_t n = 0;
  static const uint8_t empty = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(), len ? data : &empty, len, out.data(),
            out.size(), &n);
  return out;
}

// ---- DRBG ------------------------------------------------------------------------------
struct Drbg::Impl {
  CipherCtx ctx;
};

Drbg::Drbg(const Key256& key) : impl_(std::make_unique<Impl>()) {
  const uint8_t iv[16] = {};
  EVP_EncryptInit_ex(impl_->ctx.c, EVP_aes_256_ctr(), nullptr, key.data(), iv);
}

Drbg::~Drbg() = default;

void Drbg::generate(uint8_t* out, size_t n) {
  static const uint8_t zeros[1024] = {};
  while (n > 0) {
    const int chunk = static_cast<int>(std::min<size_t>(n, sizeof zeros));
    int got = 0;
    EVP_EncryptUpdate(impl_->ctx.c, out, &got, zeros, chunk);  // CTR: keystream XOR 0
    out += chunk;
    n -= static_cast<size_t>(chunk);
  }
}

// ---- RSA -------------------------------------------------------------------------------
bool rsa_crt_private(const RsaCrtKey& k, const Bytes& in, Bytes& out) {
  Mpz p(k.p), q(k.q), dp(k.dp), dq(k.dq), u(k.u), n(k.n), c(in);
  if (mpz_cmp_ui(p.v, 1) <= 0 || mpz_cmp_ui(q.v, 1) <= 0 || mpz_even_p(p.v) || mpz_even_p(q.v)) return false;
  if (mpz_sgn(n.v) == 0 || mpz_cmp(c.v, n.v) >= 0) return false;
  Mpz m1, m2, h, r;
  mpz_powm(m1.v, c.v, dp.v, p.v);
  mpz_powm(m2.v, c.v, dq.v, q.v);
  mpz_sub(h.v, m1.v, m2.v);
  mpz_mul(h.v, h.v, u.v);
  mpz_mod(h.v, h.v, p.v);
  mpz_mul(r.v, h.v, q.v);
  mpz_add(r.v, r.v, m2.v);
  out.assign(k.n.size(), 0);
  return export_fixed(r, out.data(), out.size());
}

bool rsa_pkcs1_sign(const RsaCrtKey& key, Hash h, const uint8_t* hash, size_t hash_len, Bytes& sig) {
  sig.clear();
  const uint8_t* di = h == Hash::sha256 ? kDiSha256 : h == Hash::sha384 ? kDiSha384 : kDiSha512;
  const size_t di_len = sizeof kDiSha256;  // all three prefixes are 19 bytes
  if (!hash || hash_len != hash_size(h)) return false;
  const size_t k = key.n.size(), t = di_len + hash_len;
  if (k < t + 11) return false;
  Bytes em(k, 0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[k - t - 1] = 0x00;
  std::memcpy(&em[k - t], di, di_len);
  std::memcpy(&em[k - hash_len], hash, hash_len);
  return rsa_crt_private(key, em, sig);
}

bool rsa_crt_consistent(const RsaCrtKey& k) {
  Mpz n(k.n), e(k.e), p(k.p), q(k.q), dp(k.dp), dq(k.dq), u(k.u), t;
  if (mpz_cmp_ui(p.v, 1) <= 0 || mpz_cmp_ui(q.v, 1) <= 0 || mpz_even_p(p.v) || mpz_even_p(q.v)) return false;
  mpz_mul(t.v, p.v, q.v);
  if (mpz_cmp(t.v, n.v) != 0) return false;
  if (mpz_cmp(dp.v, p.v) >= 0 || mpz_cmp(dq.v, q.v) >= 0) return false;
  mpz_mul(t.v, u.v, q.v);
  mpz_mod(t.v, t.v, p.v);
  if (mpz_cmp_ui(t.v, 1) != 0) return false;
  if (mpz_sgn(e.v) != 0) {
    Mpz pm1, qm1;
    mpz_sub_ui(pm1.v, p.v, 1);
    mpz_sub_ui(qm1.v, q.v, 1);
    mpz_mul(t.v, e.v, dp.v);
    mpz_mod(t.v, t.v, pm1.v);
    if (mpz_cmp_ui(t.v, 1) != 0) return false;
    mpz_mul(t.v, e.v, dq.v);
    mpz_mod(t.v, t.v, qm1.v);
    if (mpz_cmp_ui(t.v, 1) != 0) return false;
  }
  return true;
}

bool rsa_generate(unsigned bits, unsigned long e, RsaCrtKey& key) {
  if (bits < 1024 || bits > 4096 || e < 3 || e % 2 == 0) return false;
  PkeyCtx ctx;
  ctx.c = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  Bn eb;
  eb.b = BN_new();
  Pkey pk;
  if (!ctx.c || !eb.b || !BN_set_word(eb.b, e) || EVP_PKEY_keygen_init(ctx.c) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.c, static_cast<int>(bits)) != 1 ||
      EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.c, eb.b) != 1 || EVP_PKEY_generate(ctx.c, &pk.k) != 1)
    return false;
  get_crt_params(pk.k, key);
  return !key.n.empty() && !key.p.empty() && !key.q.empty() && !key.u.empty();
}

bool rsa_to_pkcs1_der(const RsaCrtKey& key, Bytes& der) {
  Pkey pk;
  if (!make_pkey(key, true, pk)) return false;
  unsigned char* buf = nullptr;
  const int n = i2d_PrivateKey(pk.k, &buf);
  if (n <= 0) return false;
  der.assign(buf, buf + n);
  OPENSSL_clear_free(buf, static_cast<size_t>(n));
  return true;
}

bool rsa_from_pkcs1_der(const uint8_t* der, size_t len, RsaCrtKey& key) {
  const unsigned char* p = der;
  Pkey pk;
  pk.k = d2i_PrivateKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(len));
  if (!pk.k) return false;
  get_crt_params(pk.k, key);
  return !key.p.empty();
}

bool rsa_public_spki_der(const RsaCrtKey& key, Bytes& der) {
  Pkey pk;
  if (!make_pkey(key, false, pk)) return false;
  unsigned char* buf = nullptr;
  const int n = i2d_PUBKEY(pk.k, &buf);
  if (n <= 0) return false;
  der.assign(buf, buf + n);
  OPENSSL_free(buf);
  return true;
}

}  // namespace apsim::firmware::crypto
