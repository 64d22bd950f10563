// driver/userspace/workload_key.h — the RSA key apbench's requests use, made from the kernel's
// seed: the same `apsim run --seed` gives the same key, the same requests and the same bytes
// in main storage and in the waves, run after run.
//
// A workload key, not a secret: its primes are found by an incremental search from a
// starting point drawn from std::mt19937_64 (seeded by the seed and the key size), each
// candidate tested by OpenSSL's BN_check_prime (trial division, then Miller-Rabin with the
// rounds OpenSSL uses for its own keys).  The search takes 40-90 ms for RSA-2048 on a 2-core
// CI-class machine, where OpenSSL's EVP_PKEY_keygen (FIPS 186-4 probable primes, fresh
// randomness) took 60-330 ms and differed from run to run (issue 13: start-up is part of the
// fast-mode figure).  Everything else is OpenSSL's: the arithmetic (BN_*), the key object
// (EVP_PKEY_fromdata) and its check (EVP_PKEY_pairwise_check).
#pragma once

#include <cstdint>
#include <memory>

#include <openssl/evp.h>

namespace apsim::driver {

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using EvpPkey = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

/// An RSA private key with its CRT parts (RFC 8017 §3.2): modulus n of exactly `bits` bits
/// (the two primes have `bits`/2 bits each, their top two bits set), public exponent 65537,
/// d = e^-1 mod lcm(p-1, q-1) as OpenSSL computes it, p > q (libica's ica_rsa_key_crt
/// order), qInv = q^-1 mod p.  `bits` is even and 512..8192 (apbench asks for 1024, 2048 or
/// 4096).  A function of (`bits`, `seed`) only.  Returns null if `bits` is out of range or
/// OpenSSL fails (it then leaves its error queue set).
EvpPkey make_workload_rsa_key(unsigned bits, uint64_t seed);

}  // namespace apsim::driver
