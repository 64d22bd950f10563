// driver/userspace/workload_key.cpp — apbench's RSA key from a seed (driver/userspace/workload_key.h).
#include "driver/userspace/workload_key.h"

#include <random>
#include <vector>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

namespace apsim::driver {

namespace {

struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
struct BnCtxFree {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamsFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

Bn bn() { return Bn(BN_new()); }

/// The first prime from a random odd `bits`-bit start (top two bits set) upwards whose p-1 is
/// prime to `e`, or null.
Bn find_prime(unsigned bits, std::mt19937_64& gen, const BIGNUM* e, BN_CTX* ctx) {
  std::vector<unsigned char> start(bits / 8);
  for (auto& b : start) b = static_cast<unsigned char>(gen());
  start.front() |= 0xC0;  // two top bits: the product of two such primes has 2 * bits bits
  start.back() |= 1;
  Bn c(BN_bin2bn(start.data(), static_cast<int>(start.size()), nullptr)), c1 = bn(), g = bn();
  if (!c || !c1 || !g) return nullptr;
  // Prime gaps near 2^1024 are a few hundred on average; a search that runs past the top
  // of the range would change the prime's size, which the two top bits rule out for any
  // size apbench uses (the gap would have to exceed 2^(bits-2)).
  for (;;) {
    const int prime = BN_check_prime(c.get(), ctx, nullptr);
    if (prime < 0) return nullptr;
    if (prime == 1) {
      if (!BN_sub(c1.get(), c.get(), BN_value_one()) || !BN_gcd(g.get(), c1.get(), e, ctx)) return nullptr;
      if (BN_is_one(g.get())) return c;
    }
    if (!BN_add_word(c.get(), 2)) return nullptr;
  }
}

}  // namespace

EvpPkey make_workload_rsa_key(unsigned bits, uint64_t seed) {
  if (bits < 512 || bits > 8192 || bits % 16 != 0) return nullptr;
  std::seed_seq sq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), bits, 0x6b6579u /* "key" */};
  std::mt19937_64 gen(sq);
  std::unique_ptr<BN_CTX, BnCtxFree> ctx(BN_CTX_new());
  Bn e = bn();
  if (!ctx || !e || !BN_set_word(e.get(), 65537)) return nullptr;
  Bn p = find_prime(bits / 2, gen, e.get(), ctx.get()), q;
  if (!p) return nullptr;
  do {  // (a second search that finds p again — no realistic chance — starts afresh)
    q = find_prime(bits / 2, gen, e.get(), ctx.get());
    if (!q) return nullptr;
  } while (BN_cmp(p.get(), q.get()) == 0);
  if (BN_cmp(p.get(), q.get()) < 0) std::swap(p, q);

  Bn n = bn(), p1 = bn(), q1 = bn(), g = bn(), lambda = bn(), d = bn(), dp = bn(), dq = bn(), qinv = bn();
  const bool ok = n && p1 && q1 && g && lambda && d && dp && dq && qinv && BN_mul(n.get(), p.get(), q.get(), ctx.get()) &&
                  BN_sub(p1.get(), p.get(), BN_value_one()) && BN_sub(q1.get(), q.get(), BN_value_one()) &&
                  // lcm(p-1, q-1) = (p-1)(q-1) / gcd(p-1, q-1)
                  BN_gcd(g.get(), p1.get(), q1.get(), ctx.get()) && BN_mul(lambda.get(), p1.get(), q1.get(), ctx.get()) &&
                  BN_div(lambda.get(), nullptr, lambda.get(), g.get(), ctx.get()) &&
                  BN_mod_inverse(d.get(), e.get(), lambda.get(), ctx.get()) &&
                  BN_mod(dp.get(), d.get(), p1.get(), ctx.get()) && BN_mod(dq.get(), d.get(), q1.get(), ctx.get()) &&
                  BN_mod_inverse(qinv.get(), q.get(), p.get(), ctx.get());
  if (!ok) return nullptr;

  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, d.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv.get()))
    return nullptr;
  std::unique_ptr<OSSL_PARAM, ParamsFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> fctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !fctx || EVP_PKEY_fromdata_init(fctx.get()) <= 0 ||
      EVP_PKEY_fromdata(fctx.get(), &key, EVP_PKEY_KEYPAIR, params.get()) <= 0)
    return nullptr;
  EvpPkey out(key);
  // n = pq, de = 1 mod lambda, the CRT parts: OpenSSL's own consistency check of a key pair.
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> cctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!cctx || EVP_PKEY_pairwise_check(cctx.get()) != 1) return nullptr;
  return out;
}

}  // namespace apsim::driver
