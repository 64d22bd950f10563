// firmware/crypto.h — the cryptographic primitives inside a CEX coprocessor's firmware model,
// on OpenSSL (hashing, AES key wrap, HMAC, AES-CTR keystream, key generation, DER) and GMP
// (the RSA private-key arithmetic, as the type-50 path uses it).
//
// Pure helpers, no state except the Drbg object.  Every function is total: bad input gives
// an empty result or false, never an exception or an out-of-bounds access.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace apsim::firmware::crypto {

using Bytes = std::vector<uint8_t>;
using Key256 = std::array<uint8_t, 32>;

/// SHA-256 of the concatenation of `parts`.
Key256 sha256(std::initializer_list<std::pair<const uint8_t*, size_t>> parts);
Key256 sha256(const Bytes& data);

/// Hash algorithms of the signature verbs.
enum class Hash { sha256, sha384, sha512 };
size_t hash_size(Hash h);
/// Digest of `data` with `h`.
Bytes digest(Hash h, const uint8_t* data, size_t len);

/// AES-256 key wrap with padding (RFC 5649, OpenSSL EVP_aes_256_wrap_pad).  Wrapping never
/// fails for 1..65535 bytes; unwrap returns false on any integrity failure or bad length.
Bytes aes256_kwp_wrap(const Key256& kek, const Bytes& plaintext);
bool aes256_kwp_unwrap(const Key256& kek, const uint8_t* wrapped, size_t len, Bytes& out);

/// HMAC-SHA-256.
Key256 hmac_sha256(const Key256& key, const uint8_t* data, size_t len);

/// Deterministic random bit generator: an AES-256-CTR keystream (the generate function of
/// NIST SP 800-90A CTR_DRBG without reseeding) under a key fixed at construction, so a
/// simulation with the same seed reproduces the same random numbers.
class Drbg {
 public:
  explicit Drbg(const Key256& key);
  ~Drbg();
  Drbg(const Drbg&) = delete;
  Drbg& operator=(const Drbg&) = delete;
  /// Fill out[0..n) with the next n keystream bytes.
  void generate(uint8_t* out, size_t n);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// An RSA private key in CRT form, numbers big-endian without leading zeros except where
/// noted.  n and e are the public part.
struct RsaCrtKey {
  Bytes n, e, p, q, dp, dq, u;  ///< u = q^-1 mod p (zcrypt/CCA convention)
};

/// RSASSA-PKCS1-v1_5 signature of a hash with the CRT private key (GMP arithmetic):
/// EMSA-PKCS1-v1_5 encoding with the DigestInfo of `h`, then m2 + q*(u*(m1-m2) mod p).
/// Returns false if the key is unusable (zero or even primes, modulus too short for the
/// encoding) — the result then is empty.  The signature is as long as the modulus.
bool rsa_pkcs1_sign(const RsaCrtKey& key, Hash h, const uint8_t* hash, size_t hash_len, Bytes& sig);

/// The raw private operation c^d mod n by CRT (no padding); `in` must be below n.
bool rsa_crt_private(const RsaCrtKey& key, const Bytes& in, Bytes& out);

/// Consistency of an imported CRT key: n = p*q, p and q odd and > 1, u*q = 1 mod p,
/// dp < p, dq < q, and (for e != 0) e*dp = 1 mod (p-1) and e*dq = 1 mod (q-1).
bool rsa_crt_consistent(const RsaCrtKey& key);

/// Generate an RSA key with OpenSSL (EVP_PKEY_keygen; OpenSSL's own DRBG: not reproducible
/// across runs).  bits in 1024..4096, e odd >= 3.
bool rsa_generate(unsigned bits, unsigned long e, RsaCrtKey& key);

/// DER encodings through OpenSSL: PKCS #1 RSAPrivateKey and SubjectPublicKeyInfo.
bool rsa_to_pkcs1_der(const RsaCrtKey& key, Bytes& der);
bool rsa_from_pkcs1_der(const uint8_t* der, size_t len, RsaCrtKey& key);
bool rsa_public_spki_der(const RsaCrtKey& key, Bytes& der);

/// Strip leading zero bytes (big-endian number normal form).
Bytes strip(const uint8_t* p, size_t n);

}  // namespace apsim::firmware::crypto
