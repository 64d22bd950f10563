// firmware/service_time.h — how long an adapter is busy with one request, in picoseconds.
//
// The only public numbers are zcrypt's relative speed ratings (spec §7, from
// drivers/s390/crypto/zcrypt_cex4.c zcrypt_cex4_card_probe, Kingxukai/linux
// @9b44fff655e2).  They are load-balancer weights, lower is faster, units undocumented.
// The model uses   service_ps = rating × rating_unit_ps.
// The absolute scale rating_unit_ps is a MODELING CHOICE (default 10 µs per rating unit,
// so e.g. CEX7A MEX_2k = 8 units = 80 µs); only the ratios between entries are backed by
// a public source.  Both the scale and single entries can be overridden (LPAR config).
//
// Choices where the table is silent:
//  - Clear-key RSA (MEX/CRT) on EP11 cards: zcrypt rates it 0 (never routed there).  The
//    model serves it at the CCA rating of the same generation (same coprocessor hardware).
//  - RNG on EP11 and RNG/SECKEY on accelerators: rating 0 = not supported; service_ps 0.
//  - Operation::invalid (a request rejected with a type-82 reply before any arithmetic):
//    1 rating unit, below the smallest published rating (6), since only the header and
//    operand checks run.
//  - CPRB requests (type 6) other than the CCA random number: zcrypt weighs them as
//    speed_idx × SECKEY rating, speed_idx = LOW 10 / MEDIUM 100 / HIGH 500 by function
//    (zcrypt_msgtype6.c speed_idx_cca/speed_idx_ep11).  The model's service time is
//    SECKEY rating × unit × speed_idx / MEDIUM: a MEDIUM request costs exactly the table's
//    SECKEY entry (so SECKEY ratios between generations are the table's), LOW a tenth of it,
//    HIGH five times it.  Normalising on MEDIUM is the modeling choice; e.g. a CEX7C "SG"
//    signature (HIGH) costs 5 × 8 = 40 units against 64 for a CRT_2k on the same card.
//  - The CCA "RL" random-number request costs the RNG rating (zcrypt's hwrng weighs it by
//    the RNG column directly, without a speed class).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "firmware/cex_firmware.h"

namespace apsim::firmware {

/// zcrypt's published speed rating for CEX<generation><A|C|P> (spec §7 table, verbatim,
/// including the zeros of the EP11 rows).  0 = not rated / not supported by zcrypt;
/// also 0 for Operation::invalid.  Throws std::out_of_range if generation is not 4..8.
unsigned zcrypt_speed_rating(unsigned generation, AdapterProfile::Mode mode, Operation op);

class ServiceTimeTable {
 public:
  static constexpr uint64_t kDefaultRatingUnitPs = 10'000'000;  // 10 µs per rating unit

  explicit ServiceTimeTable(uint64_t rating_unit_ps = kDefaultRatingUnitPs);

  uint64_t rating_unit_ps() const { return rating_unit_ps_; }
  void set_rating_unit_ps(uint64_t ps) { rating_unit_ps_ = ps; }

  /// The rating the model uses: zcrypt_speed_rating() plus the choices listed at the top
  /// of this file (EP11 RSA → CCA rating, invalid → 1).  0 = not supported.
  static unsigned model_rating(unsigned generation, AdapterProfile::Mode mode, Operation op);

  /// Service time in ps: an override if one is set, else model_rating × rating_unit_ps,
  /// then scaled by speed_idx / kSpeedMedium for Operation::seckey (see the top of this
  /// file; other operations ignore speed_idx).  0 means "not supported".  Throws
  /// std::out_of_range if generation is not 4..8.
  uint64_t service_ps(unsigned generation, AdapterProfile::Mode mode, Operation op,
                      unsigned speed_idx = kSpeedMedium) const;

  /// Replace one entry by an absolute time in ps (independent of rating_unit_ps).
  void override_service_ps(unsigned generation, AdapterProfile::Mode mode, Operation op,
                           uint64_t ps);
  void clear_override(unsigned generation, AdapterProfile::Mode mode, Operation op);
  void clear_overrides();

 private:
  static constexpr unsigned kMinGeneration = 4, kMaxGeneration = 8, kModes = 3;
  static size_t index(unsigned generation, AdapterProfile::Mode mode, Operation op);

  uint64_t rating_unit_ps_;
  std::array<std::optional<uint64_t>,
             (kMaxGeneration - kMinGeneration + 1) * kModes * kNumOperations>
      overrides_{};
};

}  // namespace apsim::firmware
