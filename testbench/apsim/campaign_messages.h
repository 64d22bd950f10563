// testbench/apsim/campaign_messages.h — request messages for the campaigns: the fields the
// machine looks at, the rest random or zero (the firmware answers nonsense with an error
// reply, which is what a campaign wants to see too).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace apsim::tb {

/// A type-6 request with a CCA CPRBX (func_id "T3", administrative, or "T2", usage) for `dom`,
/// or an EP11 CPRB (flags 0x80 administrative) with target_id `dom`: the fields
/// sc/control_domain_request.h reads (arch/msgtype6.h's layout), the rest zero.  256 bytes of
/// CPRB.
std::vector<uint8_t> type6_request(bool ep11, bool admin, uint32_t dom);

/// A type-50 MEB1 (RSA-1024 ME) request, 400 bytes, with random operands (a full-length odd
/// modulus, a message below it): the firmware computes it.
std::vector<uint8_t> type50_request(std::mt19937_64& rng);

}  // namespace apsim::tb
