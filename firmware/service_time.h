// firmware/service_time.h — how long an adapter's engine is busy with one request, in
// picoseconds: the mean by operation and operand, the engines of a card, and the spread.
//
// Every constant below states its source or its reasoning; docs/calibration.md has the whole
// derivation with the public figures it was checked against.
//
// 1. The rated price.  The only public relative costs are zcrypt's speed ratings (spec §7,
//    drivers/s390/crypto/zcrypt_cex4.c, Kingxukai/linux @9b44fff655e2): load-balancer
//    weights per generation, mode and column MEX_1k..SECKEY, lower is faster.  The model
//    prices a rated request at  rating × rating_unit_ps, so every ratio of the table holds.
//    - rating_unit_ps (default 5.4 µs) is calibrated on the two absolute figures IBM
//      published for one machine (zEC12, about 4,400 SSL handshakes/s per CEX4A and about
//      2,250/s per CEX4C, read as RSA-1024 CRT private-key operations on one engine): 1 /
//      (4400 × 42) = 5.41 µs and 1 / (2250 × 83) = 5.35 µs per unit (docs/calibration.md).
//      It remains a calibration, not a measurement of CEX5S..CEX8S, and can be overridden.
//
// 2. Modular exponentiation priced by its exponent.  zcrypt's MEX ratings are below its CRT
//    ratings (CEX7A MEX_2k 8 against CRT_2k 54), which only a short exponent explains: the ME
//    path (ica_rsa_modexpo) is what libica uses for public-key operations, e = 65537 (17
//    bits).  A full-length private exponent costs more than the CRT of the same modulus: CRT
//    does two exponentiations with half-length exponents modulo half-length primes, so
//    ME_full(n) / CRT(n) = M(n) / M(n/2), the cost ratio of one modular multiplication at
//    twice the width — 4 for a quadratic multiplier (Menezes, van Oorschot, Vanstone,
//    Handbook of Applied Cryptography, note 14.75: CRT decryption "approximately four times
//    faster"); zcrypt's own CRT column gives CRT(2n) / (2 × CRT(n)) = M(n) / M(n/2) as
//    2.7..4.0 for the 1024→2048-bit multiplication (CRT_4k / (2 × CRT_2k), CEX4A..CEX7C) and
//    1.2..2.7 for 512→1024 bits, where the fixed per-request work weighs more.  The model:
//      ME(e) = MEX + x × (me_full_over_crt × CRT − MEX),   x = (de − 1) / (dn − 1)
//    with de, dn the exponent's and the modulus' length in 64-bit digits (ceil(bits / 64)),
//    MEX and CRT the rated prices of the keyblock's size class.  The cost of square-and-
//    multiply is linear in the exponent's length (one squaring per bit, one multiplication
//    per window), so x interpolates linearly between the anchors e = 65537 (one digit: the
//    rating) and a full-length exponent (as many digits as the modulus).  The 64-bit digit —
//    the engine consumes the exponent a machine word at a time — is a modelling choice; it
//    also makes a private exponent's price independent of the few leading zero bits a
//    generated d happens to have (every 2048-bit d costs the same).  me_full_over_crt defaults to 3 (modelling choice inside the 1.2..4 the
//    sources give, near the 2048-bit step's 2.7..4.0; the LPAR config's
//    service_time.me_full_over_crt overrides it).
//    Every exponent of one digit costs the rating (no data below e = 65537; zcrypt weighs
//    every ME alike).  E.g. CEX7A mex-2048 with its private exponent: 3 × 54 = 162 units =
//    20 × MEX_2k.
//
// 3. CRT by the modulus: the keyblock's size class (CRB1/2/3 → CRT_1k/2k/4k), as zcrypt
//    weighs it; CRT exponents are always about half the modulus, so the class sets the work.
//
// 4. CCA and EP11 functions (type 6), by what the function does (CprbWork):
//    - rsa_sign (CCA "SG", EP11 SignSingle): the CRT of the key's size class on this card
//      (EP11 cards: the CCA rating, same coprocessor) plus one SECKEY rating for the
//      secure-key work around it (unwrapping the key under the master key, hashing,
//      padding).  A signature cannot cost less than the private-key operation it contains;
//      zcrypt's HIGH class (5 × SECKEY = 40 units on a CEX7C) would price it below CRT_2k (64).
//    - rsa_keygen (EP11 GenerateKeyPair, n-bit key): 2 primes × (expected Miller–Rabin
//      exponentiations per prime) × a full-length ME modulo an n/2-bit candidate, plus one
//      SECKEY.  Per b-bit prime: about b·ln2/2 odd candidates (prime number theorem), of which
//      a sieve by the primes below 2^16 leaves the fraction 2e^−γ / ln 2^16 = 0.101 (Mertens'
//      theorem) for a first Miller–Rabin test, plus 5 confirming rounds (FIPS 186-4 Table
//      C.3 for 1024-bit primes); 41 tests for a 1024-bit prime.  The sieve bound is a
//      modelling choice.
//    - none: zcrypt's weight, SECKEY × speed_idx / MEDIUM: a MEDIUM request costs the
//      SECKEY entry, LOW a tenth, HIGH five times (zcrypt_msgtype6.c speed_idx_cca /
//      speed_idx_ep11).  The CCA "RL" random number costs the RNG rating (zcrypt's hwrng
//      weighs it by that column).  The queries behind zcrypt's sysfs attributes — CCA "FQ"
//      (0x4651) and EP11 get_xcp_info (38), both LOW — thus cost a tenth of SECKEY: 0.8
//      rating units = 4.3 µs on a CEX7/CEX8 coprocessor, 1 unit = 5.4 µs on a CEX5.  The
//      card only reads registers it holds, so the cheapest class is the model's choice too.
//
// 5. Choices where the table is silent:
//    - Clear-key RSA on EP11 cards (zcrypt rates it 0, never routes it there): the CCA rating
//      of the same generation (same coprocessor hardware).
//    - RNG on EP11 and RNG/SECKEY on accelerators: rating 0 = not supported; service 0.
//    - Operation::invalid (rejected with a type-82 reply before any arithmetic): 1 rating
//      unit, below the smallest published rating (6): only the header and operand checks run.
//
// 6. Engines per card: default_engines().  7. Spread: ServiceDistribution, ServiceSampler.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/random/mersenne_twister.hpp>

#include "firmware/cex_firmware.h"

namespace apsim::firmware {

/// zcrypt's published speed rating for CEX<generation><A|C|P> (spec §7 table, verbatim,
/// including the zeros of the EP11 rows).  0 = not rated / not supported by zcrypt;
/// also 0 for Operation::invalid.  Throws std::out_of_range if generation is not 4..8.
unsigned zcrypt_speed_rating(unsigned generation, AdapterProfile::Mode mode, Operation op);

/// Processing engines of a CEX<generation> card in `mode` when the LPAR config names none:
/// how many requests the card serves at once.  1 for every generation and mode:
///  - IBM's PCIe Cryptographic Coprocessor technical note ("Enhancing throughput with CCA",
///    the 4765 = CEX4S) names one "RSA engine" beside the DES engine, CPU, RNG and PCIe
///    interface, which overlap the parts of different requests: RSA work is served one at a
///    time, the rest of a request hides behind it;
///  - the IBM 4764 (the CEX2C's coprocessor) signs 794 RSA-1024 requests/s from one thread and
///    1,074/s from ten (IBM i performance capabilities reference, table 8.5): 1.35×, the
///    overlap of host and card work, not a second engine;
///  - for CEX5S..CEX8S (4767, 4768, 4769) the public descriptions speak of "engines" without
///    a count: keeping 1 is a modelling choice.
/// The calibration of the rating unit (docs/calibration.md) assumes these counts: a card's
/// throughput is engines / service time, so a larger count needs a larger unit to match the
/// same published throughput.  Throws std::out_of_range if generation is not 4..8.
unsigned default_engines(unsigned generation, AdapterProfile::Mode mode);

/// Shapes of the service-time distribution around the model's mean (ServiceSampler).
enum class ServiceShape : uint8_t {
  deterministic,  ///< exactly the mean (the default)
  exponential,    ///< memoryless, coefficient of variation 1 (M/M/c service)
  gamma,          ///< gamma with the given coefficient of variation: shape 1/cv², Erlang-k when 1/cv² = k
  uniform,        ///< uniform on mean × [1 − √3·cv, 1 + √3·cv] (a bounded jitter), 0 < cv <= 1/√3
};
const char* to_string(ServiceShape s);

/// The spread of one operation's service time.  cv = standard deviation / mean (ignored by
/// deterministic and exponential, which have 0 and 1).
struct ServiceDistribution {
  ServiceShape shape = ServiceShape::deterministic;
  double cv = 0;
  /// "deterministic", "exponential", "gamma cv 0.25", "uniform cv 0.10".
  std::string describe() const;
  /// The coefficient of variation the shape has (0, 1, or cv).
  double effective_cv() const;
};

/// One distribution per Operation (index static_cast<size_t>(op)).
using ServiceDistributions = std::array<ServiceDistribution, kNumOperations>;

/// Draws service times: one per adapter, seeded, so a run is reproducible (same seed, same
/// draws in the same order).  Boost.Random's engine and distributions: their algorithms are
/// fixed by Boost, not left to the standard library's implementation.
class ServiceSampler {
 public:
  explicit ServiceSampler(uint64_t seed) : engine_(seed) {}
  /// A service time in ps with mean `mean_ps` from `d`, rounded to the picosecond and at
  /// least 1 ps for a non-zero mean; deterministic returns `mean_ps` and draws nothing.
  uint64_t sample(uint64_t mean_ps, const ServiceDistribution& d);

 private:
  boost::random::mt19937_64 engine_;
};

class ServiceTimeTable {
 public:
  static constexpr uint64_t kDefaultRatingUnitPs = 5'400'000;  ///< 5.4 µs per rating unit (see 1.)
  static constexpr double kDefaultMeFullOverCrt = 3.0;         ///< see 2.
  static constexpr unsigned kExponentDigitBits = 64;           ///< the exponent's digit (see 2.)
  static constexpr unsigned kSieveBoundBits = 16;              ///< key generation's trial division (see 4.)
  static constexpr unsigned kMillerRabinRounds = 5;            ///< FIPS 186-4 Table C.3, 1024-bit primes

  explicit ServiceTimeTable(uint64_t rating_unit_ps = kDefaultRatingUnitPs);

  uint64_t rating_unit_ps() const { return rating_unit_ps_; }
  void set_rating_unit_ps(uint64_t ps) { rating_unit_ps_ = ps; }
  /// ME_full(n) / CRT(n) (dimensionless, >= 1).
  double me_full_over_crt() const { return me_full_over_crt_; }
  void set_me_full_over_crt(double r) { me_full_over_crt_ = r; }

  /// The rating the model uses: zcrypt_speed_rating() plus the choices of 5. above
  /// (EP11 RSA → CCA rating, invalid → 1).  0 = not supported.
  static unsigned model_rating(unsigned generation, AdapterProfile::Mode mode, Operation op);

  /// The rated price in ps: an override if one is set, else model_rating × rating_unit_ps,
  /// scaled by speed_idx / kSpeedMedium for Operation::seckey (other operations ignore
  /// speed_idx).  For ME this is the price of a short public exponent.  0 = "not
  /// supported".  Throws std::out_of_range if generation is not 4..8.
  uint64_t service_ps(unsigned generation, AdapterProfile::Mode mode, Operation op,
                      unsigned speed_idx = kSpeedMedium) const;

  /// The model's mean service time in ps for one request (2.–4. above).  Throws
  /// std::out_of_range if generation is not 4..8.
  uint64_t service_ps(unsigned generation, AdapterProfile::Mode mode, const ServiceDemand& d) const;

  /// A full-length ME of an `op`-class modulus (me_full_over_crt × the class's CRT), in ps;
  /// `op` is an ME or a CRT column of that class.
  uint64_t full_me_ps(unsigned generation, AdapterProfile::Mode mode, Operation op) const;

  /// Miller–Rabin exponentiations expected for one `bits`-bit prime (see 4.).
  static unsigned miller_rabin_tests_per_prime(unsigned bits);

  /// Replace one rated entry by an absolute time in ps (independent of rating_unit_ps).
  void override_service_ps(unsigned generation, AdapterProfile::Mode mode, Operation op,
                           uint64_t ps);
  void clear_override(unsigned generation, AdapterProfile::Mode mode, Operation op);
  void clear_overrides();

 private:
  static constexpr unsigned kMinGeneration = 4, kMaxGeneration = 8, kModes = 3;
  static size_t index(unsigned generation, AdapterProfile::Mode mode, Operation op);

  uint64_t rating_unit_ps_;
  double me_full_over_crt_ = kDefaultMeFullOverCrt;
  std::array<std::optional<uint64_t>,
             (kMaxGeneration - kMinGeneration + 1) * kModes * kNumOperations>
      overrides_{};
};

/// The size class of a `bits`-bit RSA modulus: 1k (<= 1024), 2k (<= 2048), else 4k, as the
/// CRT columns (crt_1k/2k/4k).
Operation crt_class(unsigned bits);

}  // namespace apsim::firmware
