// firmware/service_time.cpp — the zcrypt speed-rating table as data, and the
// rating → picoseconds model.  See service_time.h for the choices made.
#include "firmware/service_time.h"

#include <stdexcept>
#include <string>

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

}  // namespace

unsigned zcrypt_speed_rating(unsigned generation, Mode mode, Operation op) {
  check_generation(generation);
  if (op == Operation::invalid) return 0;
  const auto& table = mode == Mode::accel ? kAccel : mode == Mode::cca ? kCca : kEp11;
  return table[generation - 4][static_cast<size_t>(op)];
}

ServiceTimeTable::ServiceTimeTable(uint64_t rating_unit_ps) : rating_unit_ps_(rating_unit_ps) {}

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
