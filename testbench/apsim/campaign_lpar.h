// testbench/apsim/campaign_lpar.h — random LPARs and random, non-overlapping guest matrices
// for the isolation campaign (campaign_isolation.h).  Kernel-free.
//
// An LPAR: 3..8 adapters at random APIDs (CEX4..CEX8, accelerator/CCA/EP11, QD 1..7 so that
// queues fill), 6..24 usage domains, control domains = the usage domains and up to 4 more,
// APXA on three times in four (without it ids stop at 63 and 15).  Guests: 3..16 (or the
// number asked for), each with a CRYCB format (MSAX3 in four guests of five; format 0 without
// it, whose masks KVM cuts to APID 63 / APQI 15) and a matrix APM x AQM that shares no APQN
// with any other guest's — vfio_ap's rule (vfio_ap_mdev_verify_no_sharing) — plus a random
// ADM.  A guest for which no free APQN is left gets an empty matrix (every APQN refused).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "arch/ap_mask.h"
#include "sc/lpar_config.h"

namespace apsim::tb {

/// What one guest is meant to have: its vfio_ap matrix and the CPU model feature that picks
/// its CRYCB format.  The campaign's ground truth: never read back from the machine.
struct CampaignGuest {
  std::string name;
  arch::ApMask apm, aqm, adm;
  bool msax3 = true;  ///< false: CRYCB format 0 (ids above 63 / 15 cut off)
  bool holds(unsigned apid, unsigned apqi) const { return apm.test(apid) && aqm.test(apqi); }
};

struct CampaignLpar {
  sc::LparConfig cfg;
  std::vector<CampaignGuest> guests;
  /// One line: adapters, domains, guests, formats.
  std::string describe() const;
};

/// A random LPAR and `guests` guests (0: 3..16 at random), drawn from `rng`.
CampaignLpar random_campaign_lpar(std::mt19937_64& rng, unsigned guests);

/// Whether two matrices share an APQN.
bool matrices_overlap(const CampaignGuest& a, const CampaignGuest& b);

}  // namespace apsim::tb
