// sc/lpar_config.h — the LPAR configuration: what the HMC activation profile's crypto page
// assigns to the LPAR, plus the simulator's parameters.
//
// JSON fields (README "LPAR config", docs/ap-instructions.md):
//   adapters          list of {"id": ID, "type": "CEX4".."CEX9", "mode": "accel"|"cca"|"ep11",
//                     optional "engines": N (1..64; default the card's, firmware::default_engines), "qd": 0..15 (the TAPQ QD field),
//                     "qd_plus_one_slots": bool (QD+1 queue slots, else QD), "nd": ID (the
//                     TAPQ Nd field, default max_domain_id), "mex4k"/"crt4k": bool (facility
//                     bits M/C), "configured": bool (SCLP state at power-on, default true)}.
//                     "CEX9" is a device type beyond CEX8 (raw type 15) with CEX8 firmware,
//                     mapped by PQAP(QACT) (spec §2.1).
//                     "in_config": bool (default true): in the LPAR's crypto configuration
//                     (QCI APM) at activation.  false: the card is in the machine — elaborated
//                     at start, as SystemC cannot create modules later and the card is in the
//                     CEC — but only the HMC's dynamic change (`apsim-inject lpar add adapter`,
//                     sc/hmc.h) brings it into the LPAR; until then its APQNs answer RC 0x01.
//   qd_by_type        {"CEX4".."CEX9": 0..15}: the QD field of adapters without their own "qd"
//                     (default 7 for every type: eight queue slots)
//   qd_plus_one_slots bool: default for the adapters (true: QD+1 slots, commit 3317785a8803)
//   usage_domains     list of IDs          control_domains   list of IDs
//                     (the configuration at activation; the HMC may add any domain up to
//                     max_domain_id later or remove one: `apsim-inject lpar`, sc/hmc.h)
//   max_adapter_id    0..255 (default 255 with APXA, else 63)
//   max_domain_id     0..255 (default 255 with APXA, else 15)
//   facilities        {"ap", "qci", "apft", "aqic", "apxa", "qact"}: booleans (default all true
//                     but "qact", false: the QCI flag C that offers PQAP(QACT))
//   kernel_cmdline    string, e.g. "ap.apmask=0xffff ap.aqmask=0x40"
//   linux             the Linux release the host and its guests run: "6.1" (default) or "7.3"
//                     (driver/linux/profile.h); checked against that list at `apsim run`
//   s390_tools        the s390-tools release of their user space: "2.25" or "2.43"; default
//                     the release of the kernel's era (driver/userspace/s390_tools.h)
//   kernel_initcall_ms  0..60000: simulated time from a kernel's start (host and guests) to
//                     its device initcalls, where the AP bus comes up (default 500;
//                     driver/linux/kernel.h KernelOptions::initcall_ps)
//   storage_mib       host main storage in MiB (default 16384)
//   timing            {TimingTable member: number, ...}  (sc/timing.h): each in its range, and
//                     together no step longer than 2^40 ps (cycles x the clock's period; the
//                     per-bytes costs over the largest message), kTimingStepMaxPs, so that a
//                     run can simulate the table (the derivation is in sc/timing.h)
//   cpus              1..256: the LPAR's host logical CPUs (default 4), the CPU complex that
//                     runs the software (sc/cpu_complex.h, docs/cpu-complex.md)
//   software_costs    {step: nanoseconds (≥ 0, fractions allowed)}: overrides of the software
//                     cost table (arch/software_cost.h); an unknown step or a negative cost is
//                     refused
//   rating_unit_ps    scale of the firmware service-time table, ps per zcrypt rating unit
//                     (default 5.4 µs, docs/calibration.md; firmware/service_time.h)
//   service_time      {"distribution": D, "by_operation": {"mex_1k".."seckey", "invalid": D},
//                     "seed": N, "me_full_over_crt": X}: the spread of the engines' service
//                     times around the firmware's mean — D is "deterministic" (default),
//                     "exponential", or {"shape": "gamma"|"uniform"|..., "cv": C} —, the seed of
//                     the draws (default: apsim run --seed; each adapter mixes in its APID),
//                     and the cost of a full-length ME over a CRT of the same modulus
//                     (default 3, firmware/service_time.h)
//   quantum_ps        --mode fast: the CPU's global quantum (tlm_quantumkeeper), 1..2^40 ps,
//                     default 1 µs; it bounds how far the CPU runs ahead between syncs and
//                     changes no result (sc/cpu.h set_loosely_timed)
// IDs are JSON numbers or strings "0x.." / decimal.  Any other field is an error.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "arch/ap_instructions.h"
#include "arch/ap_mask.h"
#include "arch/qci.h"
#include "arch/software_cost.h"
#include "sc/cex_adapter.h"
#include "sc/cpu_complex.h"
#include "sc/timing.h"

namespace apsim::sc {

/// A malformed config: what() names the file, the field and the reason.
class LparConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LparConfig {
  std::vector<CexAdapterConfig> adapters;
  arch::ApMask usage_domains;
  arch::ApMask control_domains;
  unsigned max_adapter_id = 255;
  unsigned max_domain_id = 255;
  arch::Facilities facilities;
  /// QCI flag C: PQAP(QACT) is installed (else it is a specification exception).
  bool qact = false;
  std::string kernel_cmdline;
  std::string linux_version;   ///< "linux" ("" = the default, 6.1)
  std::string s390_tools;      ///< "s390_tools" ("" = the kernel's era)
  /// "kernel_initcall_ms" in ps; unset: the kernel's default (KernelOptions::kInitcallPs).
  std::optional<uint64_t> kernel_initcall_ps;
  uint64_t storage_bytes = 16ull << 30;
  TimingTable timing;
  unsigned cpus = 4;                        ///< "cpus": host logical CPUs
  arch::SoftwareCostTable software_costs;   ///< "software_costs" over the defaults
  uint64_t rating_unit_ps = 0;  ///< 0 = the firmware table's default
  /// service_time.distribution / by_operation (copied into every adapter's config).
  firmware::ServiceDistributions service_distributions{};
  /// service_time.seed; unset = the run's --seed (Platform::Platform mixes in each APID).
  std::optional<uint64_t> service_seed;
  double me_full_over_crt = 0;  ///< service_time.me_full_over_crt; 0 = the table's default
  uint64_t quantum_ps = 1'000'000;  ///< --mode fast: the CPU's global quantum in ps

  /// The machine's answer to PQAP(QCI) for this LPAR.
  arch::QciInfo qci() const;

  /// The default LPAR: the machine of the kernel document's example (seed 001): adapters
  /// 05 CEX5C and 06 CEX5A, usage and control domains 0x04, 0x47, 0xab, 0xff.
  static LparConfig default_lpar();
  /// Parse JSON text; `source` names the file in error messages.  Throws LparConfigError.
  static LparConfig parse(const std::string& json_text, const std::string& source);
  /// Read and parse a file.  Throws LparConfigError (also for an unreadable file).
  static LparConfig load(const std::string& path);
};

}  // namespace apsim::sc
