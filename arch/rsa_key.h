// arch/rsa_key.h — the components of an RSA key held by OpenSSL, as big-endian byte strings:
// what the adapter firmware (key generation, PKCS #1 import) and the software side (apbench's
// type-50 and CCA requests, the tests) each take from an EVP_PKEY.
//
// Header-only like the rest of arch/, but it calls OpenSSL's libcrypto: a target that
// includes it links OpenSSL::Crypto itself (apsim_arch, an INTERFACE library, does not).
//
// Source: OpenSSL 3, EVP_PKEY_get_bn_param(3) with the RSA parameter names of
// <openssl/core_names.h> (OSSL_PKEY_PARAM_RSA_N, _E, _D, _FACTOR1/2 = p, q, _EXPONENT1/2 =
// dp, dq, _COEFFICIENT1 = qInv), the components of RFC 8017 §3.2 (PKCS #1 RSAPrivateKey).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

namespace apsim::arch {

/// The components of an RSA key.  Each is an unsigned big-endian integer in its minimal form
/// (no leading zero bytes, as BN_bn2bin writes it; no component of a usable key is 0); a
/// component the key does not hold is empty.  Lengths in bytes: n as long as the modulus
/// (RSA_size), p, q, dp, dq and u about half of it.
struct RsaKeyBytes {
  std::vector<uint8_t> n;   ///< modulus
  std::vector<uint8_t> e;   ///< public exponent
  std::vector<uint8_t> d;   ///< private exponent
  std::vector<uint8_t> p;   ///< first prime factor
  std::vector<uint8_t> q;   ///< second prime factor
  std::vector<uint8_t> dp;  ///< d mod (p-1)
  std::vector<uint8_t> dq;  ///< d mod (q-1)
  /// q^-1 mod p: PKCS #1's qInv (OpenSSL's COEFFICIENT1), zcrypt's and CCA's `u`
  /// (u_mult_inv).
  std::vector<uint8_t> u;
};

/// The BIGNUM parameter `name` (an OSSL_PKEY_PARAM_RSA_* name) of `key` as minimal
/// big-endian bytes; empty if the key does not hold it.  The BIGNUM is cleared before it is
/// freed (it may be private).
inline std::vector<uint8_t> rsa_key_component(const EVP_PKEY* key, const char* name) {
  BIGNUM* b = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &b) != 1) return {};
  std::vector<uint8_t> v(static_cast<size_t>(BN_num_bytes(b)));
  if (!v.empty()) BN_bn2bin(b, v.data());
  BN_clear_free(b);
  return v;
}

/// Every component of the RSA key `key` into `out`.  True iff the key holds all eight (a
/// private key with its CRT parts); a public key gives n and e and false.
inline bool extract_rsa_key(const EVP_PKEY* key, RsaKeyBytes& out) {
  out.n = rsa_key_component(key, OSSL_PKEY_PARAM_RSA_N);
  out.e = rsa_key_component(key, OSSL_PKEY_PARAM_RSA_E);
  out.d = rsa_key_component(key, OSSL_PKEY_PARAM_RSA_D);
  out.p = rsa_key_component(key, OSSL_PKEY_PARAM_RSA_FACTOR1);
  out.q = rsa_key_component(key, OSSL_PKEY_PARAM_RSA_FACTOR2);
  out.dp = rsa_key_component(key, OSSL_PKEY_PARAM_RSA_EXPONENT1);
  out.dq = rsa_key_component(key, OSSL_PKEY_PARAM_RSA_EXPONENT2);
  out.u = rsa_key_component(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
  for (const std::vector<uint8_t>* c : {&out.n, &out.e, &out.d, &out.p, &out.q, &out.dp, &out.dq, &out.u})
    if (c->empty()) return false;
  return true;
}

}  // namespace apsim::arch
