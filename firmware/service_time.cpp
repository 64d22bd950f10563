// firmware/service_time.cpp — the zcrypt speed-rating table as data, the rating →
// picoseconds model by operation and operand, the engines table and the service-time
// distributions.  See service_time.h for the sources and the choices made.
#include "firmware/service_time.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <boost/math/constants/constants.hpp>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/gamma_distribution.hpp>
#include <boost/random/uniform_real_distribution.hpp>

namespace apsim::firmware {

namespace {

using Mode = AdapterProfile::Mode;
using Row = std::array<unsigned, kNumRatedOperations>;

// Spec §7 [K-cex4]: zcrypt_cex4.c CEX{4..8}{A,C,P}_SPEED_IDX, columns
// MEX_1k, MEX_2k, MEX_4k, CRT_1k, CRT_2k, CRT_4k, RNG, SECKEY.  Index [generation-4].
constexpr std::array<Row, 5> kAccel = {{
    {14, 19, 249, 42, 228, 1458, 0, 0},  // CEX4A
    {8, 9, 20, 18, 66, 458, 0, 0},       // CEX5A
    {6, 9, 20, 17, 65, 438, 0, 0},       // CEX6A
    {6, 8, 17, 15, 54, 362, 0, 0},       // CEX7A
    {6, 8, 17, 15, 54, 362, 0, 0},       // CEX8A
}};
constexpr std::array<Row, 5> kCca = {{
    {59, 69, 308, 83, 278, 2204, 209, 40},  // CEX4C
    {24, 31, 50, 37, 90, 479, 27, 10},      // CEX5C
    {16, 20, 32, 27, 77, 455, 24, 9},       // CEX6C
    {14, 16, 26, 23, 64, 376, 23, 8},       // CEX7C
    {14, 16, 26, 23, 64, 376, 23, 8},       // CEX8C
}};
constexpr std::array<Row, 5> kEp11 = {{
    {0, 0, 0, 0, 0, 0, 0, 50},  // CEX4P
    {0, 0, 0, 0, 0, 0, 0, 10},  // CEX5P
    {0, 0, 0, 0, 0, 0, 0, 9},   // CEX6P
    {0, 0, 0, 0, 0, 0, 0, 8},   // CEX7P
    {0, 0, 0, 0, 0, 0, 0, 8},   // CEX8P
}};

void check_generation(unsigned generation) {
  if (generation < 4 || generation > 8)
    throw std::out_of_range("CEX generation " + std::to_string(generation) +
                            " outside 4..8");
}

bool is_rsa(Operation op) { return op <= Operation::crt_4k; }
bool is_me(Operation op) { return op <= Operation::mex_4k; }

/// The CRT column of the same size class as an ME column.
Operation crt_of(Operation me) {
  return static_cast<Operation>(static_cast<size_t>(me) + 3);  // MEX_1k..4k → CRT_1k..4k
}

uint64_t scaled(uint64_t ps, double factor) { return static_cast<uint64_t>(std::llround(static_cast<double>(ps) * factor)); }

}  // namespace

Operation crt_class(unsigned bits) {
  return bits <= 1024 ? Operation::crt_1k : bits <= 2048 ? Operation::crt_2k : Operation::crt_4k;
}

unsigned default_engines(unsigned generation, Mode) {
  check_generation(generation);
  return 1;  // see service_time.h: one RSA engine per card, sources there
}

const char* to_string(ServiceShape s) {
  switch (s) {
    case ServiceShape::deterministic: return "deterministic";
    case ServiceShape::exponential: return "exponential";
    case ServiceShape::gamma: return "gamma";
    case ServiceShape::uniform: return "uniform";
  }
  return "?";
}

double ServiceDistribution::effective_cv() const {
  return shape == ServiceShape::deterministic ? 0.0 : shape == ServiceShape::exponential ? 1.0 : cv;
}

std::string ServiceDistribution::describe() const {
  if (shape == ServiceShape::deterministic || shape == ServiceShape::exponential) return to_string(shape);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s cv %.2f", to_string(shape), cv);
  return buf;
}

uint64_t ServiceSampler::sample(uint64_t mean_ps, const ServiceDistribution& d) {
  if (mean_ps == 0 || d.shape == ServiceShape::deterministic) return mean_ps;
  const double mean = static_cast<double>(mean_ps);
  double x = mean;
  switch (d.shape) {
    case ServiceShape::deterministic: break;
    case ServiceShape::exponential:
      x = boost::random::exponential_distribution<double>(1.0 / mean)(engine_);
      break;
    case ServiceShape::gamma: {
      // shape k = 1/cv², scale θ = mean·cv²: mean kθ, variance kθ² = (cv·mean)².
      const double k = 1.0 / (d.cv * d.cv);
      x = boost::random::gamma_distribution<double>(k, mean / k)(engine_);
      break;
    }
    case ServiceShape::uniform: {
      // Half-width a = √3·cv·mean: a uniform variable's standard deviation is a/√3.
      const double a = boost::math::constants::root_three<double>() * d.cv * mean;
      x = boost::random::uniform_real_distribution<double>(mean - a, mean + a)(engine_);
      break;
    }
  }
  return std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(std::max(x, 0.0))));
}

unsigned zcrypt_speed_rating(unsigned generation, Mode mode, Operation op) {
  check_generation(generation);
  if (op == Operation::invalid) return 0;
  const auto& table = mode == Mode::accel ? kAccel : mode == Mode::cca ? kCca : kEp11;
  return table[generation - 4][static_cast<size_t>(op)];
}

ServiceTimeTable::ServiceTimeTable(uint64_t rating_unit_ps) : rating_unit_ps_(rating_unit_ps) {}

uint64_t ServiceTimeTable::full_me_ps(unsigned generation, Mode mode, Operation op) const {
  return scaled(service_ps(generation, mode, is_me(op) ? crt_of(op) : op), me_full_over_crt_);
}

unsigned ServiceTimeTable::miller_rabin_tests_per_prime(unsigned bits) {
  // Odd candidates until a prime: b·ln2/2 (prime number theorem); the sieve by the primes
  // below 2^16 leaves 2e^−γ / ln 2^16 of them (Mertens) for a first test; plus the rounds
  // that confirm the prime.
  const double ln2 = boost::math::constants::ln_two<double>();
  const double candidates = bits * ln2 / 2.0;
  const double survive = 2.0 * std::exp(-boost::math::constants::euler<double>()) / (kSieveBoundBits * ln2);
  return static_cast<unsigned>(std::lround(candidates * survive)) + kMillerRabinRounds;
}

uint64_t ServiceTimeTable::service_ps(unsigned generation, Mode mode, const ServiceDemand& d) const {
  const Operation op = d.op;
  const auto digits = [](unsigned bits) { return (bits + kExponentDigitBits - 1) / kExponentDigitBits; };
  if (is_me(op) && digits(d.exponent_bits) > 1 && digits(d.modulus_bits) > 1) {
    // 2.: linear in the exponent's 64-bit digits between the rated one-digit exponent and a
    // full-length one.
    const uint64_t rated = service_ps(generation, mode, op);
    const uint64_t full = std::max(rated, full_me_ps(generation, mode, op));
    const double x = std::min(1.0, static_cast<double>(digits(d.exponent_bits) - 1) /
                                       static_cast<double>(digits(d.modulus_bits) - 1));
    return rated + scaled(full - rated, x);
  }
  if (op == Operation::seckey && d.work == CprbWork::rsa_sign && d.key_bits > 0) {
    // 4.: the private-key CRT of the key's class (the CCA rating on EP11 cards) + SECKEY.
    const Mode rsa_mode = mode == Mode::ep11 ? Mode::cca : mode;
    return service_ps(generation, rsa_mode, crt_class(d.key_bits)) + service_ps(generation, mode, Operation::seckey);
  }
  if (op == Operation::seckey && d.work == CprbWork::rsa_keygen && d.key_bits > 0) {
    const unsigned prime_bits = d.key_bits / 2;
    const Mode rsa_mode = mode == Mode::ep11 ? Mode::cca : mode;
    const uint64_t me = full_me_ps(generation, rsa_mode, crt_class(prime_bits));
    return 2 * uint64_t{miller_rabin_tests_per_prime(prime_bits)} * me + service_ps(generation, mode, Operation::seckey);
  }
  return service_ps(generation, mode, op, d.speed_idx);
}

unsigned ServiceTimeTable::model_rating(unsigned generation, Mode mode, Operation op) {
  check_generation(generation);
  if (op == Operation::invalid) return 1;
  // EP11 coprocessors run the same hardware as CCA ones; zcrypt just never sends them
  // clear-key RSA, so the public table has no number.  Borrow the CCA one.
  if (mode == Mode::ep11 && is_rsa(op)) return zcrypt_speed_rating(generation, Mode::cca, op);
  return zcrypt_speed_rating(generation, mode, op);
}

size_t ServiceTimeTable::index(unsigned generation, Mode mode, Operation op) {
  check_generation(generation);
  return ((generation - kMinGeneration) * kModes + static_cast<size_t>(mode)) * kNumOperations +
         static_cast<size_t>(op);
}

uint64_t ServiceTimeTable::service_ps(unsigned generation, Mode mode, Operation op, unsigned speed_idx) const {
  const auto& o = overrides_.at(index(generation, mode, op));
  const uint64_t base = o ? *o : uint64_t{model_rating(generation, mode, op)} * rating_unit_ps_;
  if (op != Operation::seckey || speed_idx == kSpeedMedium) return base;
  return base * speed_idx / kSpeedMedium;
}

void ServiceTimeTable::override_service_ps(unsigned generation, Mode mode, Operation op,
                                           uint64_t ps) {
  overrides_.at(index(generation, mode, op)) = ps;
}

void ServiceTimeTable::clear_override(unsigned generation, Mode mode, Operation op) {
  overrides_.at(index(generation, mode, op)).reset();
}

void ServiceTimeTable::clear_overrides() { overrides_.fill(std::nullopt); }

}  // namespace apsim::firmware
