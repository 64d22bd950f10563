// testbench/tests/sc/test_lpar_config.cpp — sc/lpar_config.h: the LPAR configuration
// parser (JSON, field-level errors), the default LPAR of the kernel document's example
// (seed 001) and the QCI image the machine answers for an LPAR (spec §2.2).
//
// Error messages must name the source, the field as `field '<path>'` and the reason.
//
// sc/lpar_config.h pulls in SystemC headers, so the executable links libsystemc, whose
// main() calls sc_main(): Boost.Test's runner is started from sc_main (no simulation runs).
#define BOOST_TEST_MODULE lpar_config
#define BOOST_TEST_NO_MAIN
#define BOOST_TEST_ALTERNATIVE_INIT_API
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "arch/qci.h"
#include "sc/lpar_config.h"

using apsim::sc::LparConfig;
using apsim::sc::LparConfigError;
using Mode = apsim::firmware::AdapterProfile::Mode;
namespace arch = apsim::arch;
namespace tt = boost::test_tools;
using Ids = std::vector<unsigned>;

namespace {

const std::string kSrc = "test.json";

// Parse `json`, expect an LparConfigError whose message contains every one of `parts`.
void expect_error(const std::string& json, std::initializer_list<std::string> parts) {
  BOOST_TEST_CONTEXT("config " << json) {
    bool threw = false;
    try {
      LparConfig::parse(json, kSrc);
    } catch (const LparConfigError& e) {
      threw = true;
      const std::string what = e.what();
      BOOST_TEST_MESSAGE("message: " << what);
      for (const auto& p : parts) BOOST_TEST(what.find(p) != std::string::npos, "'" << p << "' in: " << what);
    }
    BOOST_TEST(threw);
  }
}

// A minimal valid config with one adapter field replaced.
std::string one_adapter(const std::string& adapter_json) {
  return R"({"adapters": [)" + adapter_json + R"(], "usage_domains": [1]})";
}

}  // namespace

// =========================================================================================
BOOST_AUTO_TEST_SUITE(parse_good)

const char* kGood = R"({
  "comment": "two numeric styles, every optional field",
  "adapters": [
    {"id": 5, "type": "CEX7", "mode": "cca", "engines": 4, "qd": 7},
    {"id": "0x0a", "type": "CEX8", "mode": "ep11"},
    {"id": "17", "type": "CEX4", "mode": "accel"}
  ],
  "usage_domains": [1, "0x47", "171"],
  "control_domains": [0, 1, "0xfe"],
  "max_adapter_id": 127,
  "max_domain_id": "0xfe",
  "facilities": {"qci": true, "apft": false, "aqic": true, "apxa": true},
  "kernel_cmdline": "ap.apmask=0xffff ap.aqmask=0x40",
  "storage_mib": 4096,
  "linux": "7.3",
  "s390_tools": "2.43",
  "kernel_initcall_ms": 250,
  "timing": {"cpu_clock_ps": 200, "intercept_cycles": 5000},
  "rating_unit_ps": 1000
})";

BOOST_AUTO_TEST_CASE(fields) {
  const LparConfig c = LparConfig::parse(kGood, kSrc);
  BOOST_TEST_REQUIRE(c.adapters.size() == 3u);
  const auto& a0 = c.adapters[0];
  BOOST_TEST(unsigned(a0.apid) == 5u);
  BOOST_TEST(a0.generation == 7u);
  BOOST_TEST((a0.mode == Mode::cca));
  BOOST_TEST(a0.engines == 4u);
  BOOST_TEST(unsigned(a0.qd) == 7u);
  BOOST_TEST(unsigned(a0.nd) == 0xfeu);  // the LPAR's max_domain_id
  BOOST_TEST(a0.apxa);
  const auto& a1 = c.adapters[1];
  BOOST_TEST(unsigned(a1.apid) == 0x0au);  // "0x0a"
  BOOST_TEST(a1.generation == 8u);
  BOOST_TEST((a1.mode == Mode::ep11));
  BOOST_TEST(a1.engines == 0u);            // default: the card's (firmware::default_engines)
  BOOST_TEST(unsigned(a1.qd) == 7u);       // default: 8 slots
  const auto& a2 = c.adapters[2];
  BOOST_TEST(unsigned(a2.apid) == 17u);    // "17" (decimal string)
  BOOST_TEST(a2.generation == 4u);
  BOOST_TEST((a2.mode == Mode::accel));

  BOOST_TEST(c.usage_domains.ids() == (Ids{1, 0x47, 171}), tt::per_element());
  BOOST_TEST(c.control_domains.ids() == (Ids{0, 1, 0xfe}), tt::per_element());
  BOOST_TEST(c.max_adapter_id == 127u);
  BOOST_TEST(c.max_domain_id == 0xfeu);
  BOOST_TEST(c.facilities.qci);
  BOOST_TEST(!c.facilities.apft);
  BOOST_TEST(c.facilities.aqic);
  BOOST_TEST(c.facilities.apxa);
  BOOST_TEST(c.kernel_cmdline == "ap.apmask=0xffff ap.aqmask=0x40");
  BOOST_TEST(c.storage_bytes == 4294967296ull);  // 4096 MiB = 2^32 bytes
  BOOST_TEST(c.linux_version == "7.3");
  BOOST_TEST(c.s390_tools == "2.43");
  BOOST_TEST_REQUIRE(c.kernel_initcall_ps.has_value());
  BOOST_TEST(*c.kernel_initcall_ps == 250'000'000'000ull);  // 250 ms in ps
  BOOST_TEST(!LparConfig::parse(R"({"adapters": [], "usage_domains": []})", kSrc).kernel_initcall_ps);
  BOOST_TEST(c.timing.cpu_clock_ps == 200u);
  BOOST_TEST(c.timing.intercept_cycles == 5000u);
  BOOST_TEST(c.timing.ap_bus_clock_ps == 1000u);       // not overridden: sc/timing.h default
  BOOST_TEST(c.timing.adapter_reset_cycles == 200000u);
  BOOST_TEST(c.rating_unit_ps == 1000u);
}

// The AP-instruction fields (docs/ap-instructions.md §9): a type beyond CEX8, Nd, the 4K
// facility bits, the SCLP state, queue depth per type and its reading, QACT, no AP facility.
BOOST_AUTO_TEST_CASE(ap_instruction_fields) {
  const LparConfig c = LparConfig::parse(R"({
    "adapters": [
      {"id": 1, "type": "CEX9", "mode": "accel", "nd": 16, "mex4k": false, "configured": false},
      {"id": 2, "type": "CEX5", "mode": "cca", "qd_plus_one_slots": true, "crt4k": true},
      {"id": 3, "type": "CEX5", "mode": "cca", "qd": 1, "in_config": false}
    ],
    "qd_by_type": {"CEX5": 3, "CEX9": 6},
    "qd_plus_one_slots": false,
    "usage_domains": [1],
    "facilities": {"ap": false, "qact": true},
    "timing": {"adapter_aqic_cycles": 7, "sclp_ap_config_cycles": 9}
  })", kSrc);
  BOOST_TEST_REQUIRE(c.adapters.size() == 3u);
  const auto& a = c.adapters[0];
  BOOST_TEST(a.generation == 8u);         // CEX8 firmware
  BOOST_TEST(unsigned(a.device_type) == 15u);
  BOOST_TEST(unsigned(a.nd) == 16u);
  BOOST_TEST((a.mex4k && !*a.mex4k));
  BOOST_TEST(!a.crt4k.has_value());
  BOOST_TEST(!a.configured);
  BOOST_TEST(unsigned(a.qd) == 6u);        // qd_by_type
  BOOST_TEST(!a.qd_plus_one_slots);        // top-level default
  BOOST_TEST(c.adapters[1].qd_plus_one_slots);  // its own
  BOOST_TEST(unsigned(c.adapters[1].qd) == 3u);
  BOOST_TEST((c.adapters[1].crt4k && *c.adapters[1].crt4k));
  BOOST_TEST(unsigned(c.adapters[1].device_type) == 0u);  // generation + 6
  BOOST_TEST(unsigned(c.adapters[2].qd) == 1u);            // its own qd wins over the type's
  BOOST_TEST(c.adapters[1].configured);
  BOOST_TEST(c.adapters[1].in_config);
  BOOST_TEST(!c.adapters[2].in_config);  // in the machine, not in the LPAR's configuration:
  BOOST_TEST((c.qci().apm.ids() == std::vector<unsigned>{1, 2}));  // not in QCI's APM
  BOOST_TEST(!c.facilities.ap);
  BOOST_TEST(c.qact);
  BOOST_TEST((c.qci().flags & arch::QCI_FLAG_QACT) != 0u);
  BOOST_TEST(c.timing.adapter_aqic_cycles == 7u);
  BOOST_TEST(c.timing.sclp_ap_config_cycles == 9u);
}

BOOST_AUTO_TEST_CASE(qci_image) {
  const LparConfig c = LparConfig::parse(kGood, kSrc);
  const arch::QciInfo q = c.qci();
  BOOST_TEST(q.flags == 0x40000000u);  // APXA only
  BOOST_TEST(unsigned(q.na) == 127u);
  BOOST_TEST(unsigned(q.nd) == 0xfeu);
  BOOST_TEST(q.apm.ids() == (Ids{5, 10, 17}), tt::per_element());
  BOOST_TEST(q.aqm.ids() == (Ids{1, 0x47, 171}), tt::per_element());
  BOOST_TEST(q.adm.ids() == (Ids{0, 1, 0xfe}), tt::per_element());
  std::array<uint8_t, 128> b{};
  q.to_bytes(b.data());
  BOOST_TEST(unsigned(b[0]) == 0x40u);  // APXA flag
  BOOST_TEST(unsigned(b[4]) == 0x7fu);  // Na = 127
  BOOST_TEST(unsigned(b[5]) == 0xfeu);  // Nd
  BOOST_TEST(unsigned(b[16]) == 0x04u);  // apm id 5
  BOOST_TEST(unsigned(b[17]) == 0x20u);  // apm id 10 = byte 1 bit 2
  BOOST_TEST(unsigned(b[18]) == 0x40u);  // apm id 17 = byte 2 bit 1
  BOOST_TEST(unsigned(b[48]) == 0x40u);  // aqm id 1
  BOOST_TEST(unsigned(b[80]) == 0xc0u);  // adm ids 0, 1
  BOOST_TEST(unsigned(b[111]) == 0x02u);  // adm id 0xfe = byte 31 bit 6
}

BOOST_AUTO_TEST_CASE(service_time) {
  using apsim::firmware::ServiceShape;
  const auto c = apsim::sc::LparConfig::parse(R"({"adapters": [], "usage_domains": [1],
      "service_time": {"by_operation": {"crt_2k": {"shape": "gamma", "cv": 0.3}, "invalid": "deterministic"},
                       "distribution": "exponential", "seed": 7, "me_full_over_crt": 3.5}})", kSrc);
  const auto& d = c.service_distributions;
  BOOST_TEST((d[1].shape == ServiceShape::exponential));  // mex_2k: the common one
  BOOST_TEST((d[4].shape == ServiceShape::gamma));        // crt_2k: its own, whatever the field order
  BOOST_TEST(d[4].cv == 0.3);
  BOOST_TEST((d[8].shape == ServiceShape::deterministic));
  BOOST_TEST(c.service_seed.value_or(0) == 7u);
  BOOST_TEST(c.me_full_over_crt == 3.5);
  const auto none = apsim::sc::LparConfig::parse(R"({"adapters": [], "usage_domains": [1]})", kSrc);
  BOOST_TEST(!none.service_seed);
  BOOST_TEST((none.service_distributions[4].shape == ServiceShape::deterministic));
}

BOOST_AUTO_TEST_CASE(minimal_defaults) {
  const LparConfig c = LparConfig::parse(R"({"adapters": [], "usage_domains": []})", kSrc);
  BOOST_TEST(c.adapters.empty());
  BOOST_TEST(c.usage_domains.empty());
  BOOST_TEST(c.control_domains.empty());
  BOOST_TEST(c.facilities.qci);
  BOOST_TEST(c.facilities.apft);
  BOOST_TEST(c.facilities.aqic);
  BOOST_TEST(c.facilities.apxa);
  BOOST_TEST(c.max_adapter_id == 255u);  // APXA default
  BOOST_TEST(c.max_domain_id == 255u);
  BOOST_TEST(c.storage_bytes == (16384ull << 20));
  BOOST_TEST(c.rating_unit_ps == 0u);
  BOOST_TEST(c.kernel_cmdline.empty());
}

BOOST_AUTO_TEST_CASE(without_apxa) {
  // No APXA: ids limited to 63 / 15 by default; QCI reports no APXA flag.
  const LparConfig c = LparConfig::parse(
      R"({"adapters": [{"id": 63, "type": "CEX5", "mode": "accel"}], "usage_domains": [15],
          "facilities": {"apxa": false}})",
      kSrc);
  BOOST_TEST(c.max_adapter_id == 63u);
  BOOST_TEST(c.max_domain_id == 15u);
  BOOST_TEST(!c.adapters.at(0).apxa);
  const arch::QciInfo q = c.qci();
  BOOST_TEST(q.flags == 0u);
  BOOST_TEST(!q.apxa());
  BOOST_TEST(q.max_adapter_id() == 63u);
  BOOST_TEST(q.max_domain_id() == 15u);
  BOOST_TEST(q.apm.word32(1) == 0x00000001u);  // id 63 = last bit of u32 apm[1]
  BOOST_TEST(q.aqm.word32(0) == 0x00010000u);  // id 15
  expect_error(R"({"adapters": [{"id": 64, "type": "CEX5", "mode": "accel"}], "usage_domains": [],
                   "facilities": {"apxa": false}})",
               {kSrc, "field 'adapters[0].id'", "out of range 0..63"});
  expect_error(R"({"adapters": [], "usage_domains": [16], "facilities": {"apxa": false}})",
               {kSrc, "field 'usage_domains[0]'", "out of range 0..15"});
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
BOOST_AUTO_TEST_SUITE(default_lpar)

BOOST_AUTO_TEST_CASE(seed001_machine) {
  const LparConfig c = LparConfig::default_lpar();
  BOOST_TEST_REQUIRE(c.adapters.size() == 2u);
  BOOST_TEST(unsigned(c.adapters[0].apid) == 0x05u);
  BOOST_TEST(c.adapters[0].generation == 5u);  // CEX5
  BOOST_TEST((c.adapters[0].mode == Mode::cca));
  BOOST_TEST(unsigned(c.adapters[1].apid) == 0x06u);
  BOOST_TEST(c.adapters[1].generation == 5u);
  BOOST_TEST((c.adapters[1].mode == Mode::accel));
  BOOST_TEST(c.usage_domains.ids() == (Ids{0x04, 0x47, 0xab, 0xff}), tt::per_element());
  BOOST_TEST(c.control_domains.ids() == (Ids{0x04, 0x47, 0xab, 0xff}), tt::per_element());
  BOOST_TEST(c.facilities.apxa);
  BOOST_TEST(c.facilities.qci);
}

BOOST_AUTO_TEST_CASE(seed001_qci) {
  const arch::QciInfo q = LparConfig::default_lpar().qci();
  BOOST_TEST(q.apxa());
  BOOST_TEST(q.flags == 0x40000000u);
  BOOST_TEST(unsigned(q.na) == 255u);
  BOOST_TEST(unsigned(q.nd) == 255u);
  BOOST_TEST(q.apm.word32(0) == 0x06000000u);  // ids 5, 6
  std::array<uint8_t, 128> b{};
  q.to_bytes(b.data());
  BOOST_TEST(unsigned(b[16]) == 0x06u);
  BOOST_TEST(unsigned(b[48]) == 0x08u);  // aqm id 4
  BOOST_TEST(unsigned(b[56]) == 0x01u);  // id 0x47
  BOOST_TEST(unsigned(b[69]) == 0x10u);  // id 0xab
  BOOST_TEST(unsigned(b[79]) == 0x01u);  // id 0xff
  BOOST_TEST(unsigned(b[80]) == 0x08u);  // adm = aqm
  BOOST_TEST(unsigned(b[111]) == 0x01u);
}

BOOST_AUTO_TEST_SUITE_END()

// =========================================================================================
// Every rejection names source, field path and reason.
BOOST_AUTO_TEST_SUITE(parse_errors)

BOOST_AUTO_TEST_CASE(top_level) {
  expect_error(R"({"adapters": [], "usage_domains": [], "bogus": 1})",
               {kSrc, "field 'bogus'", "unknown field"});
  expect_error(R"({"usage_domains": [1]})", {kSrc, "field 'adapters'", "missing"});
  expect_error(R"({"adapters": {}, "usage_domains": [1]})", {kSrc, "field 'adapters'", "expected a list"});
  expect_error(R"({"adapters": []})", {kSrc, "field 'usage_domains'", "missing"});
  expect_error(R"({"adapters": [], "usage_domains": 5})", {kSrc, "field 'usage_domains'", "expected a list"});
  expect_error(R"({"adapters": [], "usage_domains": [], "kernel_cmdline": 5})",
               {kSrc, "field 'kernel_cmdline'", "expected a string"});
  expect_error(R"({"adapters": [], "usage_domains": [], "storage_mib": 1})",
               {kSrc, "field 'storage_mib'", "out of range"});
  expect_error(R"({"adapters": [], "usage_domains": [], "kernel_initcall_ms": 60001})",
               {kSrc, "field 'kernel_initcall_ms'", "out of range"});
  expect_error(R"({"adapters": [], "usage_domains": [], "linux": 6.1})", {kSrc, "field 'linux'", "expected a string"});
}

BOOST_AUTO_TEST_CASE(service_time_fields) {
  const std::string pre = R"({"adapters": [], "usage_domains": [1], "service_time": )";
  expect_error(pre + R"("gamma"})", {kSrc, "field 'service_time'", "expected an object"});
  expect_error(pre + R"({"distribution": "normal"}})",
               {kSrc, "field 'service_time.distribution'", "expected \"deterministic\"", "got \"normal\""});
  expect_error(pre + R"({"distribution": "gamma"}})", {kSrc, "field 'service_time.distribution'", "needs a cv"});
  expect_error(pre + R"({"distribution": {"shape": "gamma"}}})", {kSrc, "field 'service_time.distribution.cv'", "missing"});
  expect_error(pre + R"({"distribution": {"shape": "uniform", "cv": 0.9}}})",
               {kSrc, "field 'service_time.distribution.cv'", "expected a number in (0, 1/sqrt(3)"});
  expect_error(pre + R"({"distribution": {"shape": "exponential", "cv": 0.5}}})",
               {kSrc, "field 'service_time.distribution.cv'", "only gamma and uniform take a cv"});
  expect_error(pre + R"({"distribution": {"cv": 0.5}}})", {kSrc, "field 'service_time.distribution.shape'", "missing"});
  expect_error(pre + R"({"by_operation": {"mex_8k": "exponential"}}})",
               {kSrc, "field 'service_time.by_operation.mex_8k'", "unknown operation"});
  expect_error(pre + R"({"me_full_over_crt": 0.5}})", {kSrc, "field 'service_time.me_full_over_crt'", "[1, 100]"});
  expect_error(pre + R"({"seed": -1}})", {kSrc, "field 'service_time.seed'", "non-negative integer"});
  expect_error(pre + R"({"jitter": 1}})", {kSrc, "field 'service_time.jitter'", "unknown field"});
}

BOOST_AUTO_TEST_CASE(invalid_json) {
  expect_error(R"({"adapters": [)", {kSrc, "not valid JSON"});
  expect_error("", {kSrc, "not valid JSON"});
  expect_error("[1, 2]", {kSrc, "expected a JSON object"});
}

// Issue 15: `{"adapters": [[[[...` nested 10^5 deep crashed the loader (the error message
// dumped the value recursively).  The depth is refused before parsing, with the byte where
// it went too deep; brackets inside strings do not count.
BOOST_AUTO_TEST_CASE(nesting_bounded) {
  const std::size_t n = 100000;
  expect_error(R"({"adapters": )" + std::string(n, '[') + std::string(n, ']') + "}",
               {kSrc, "nested deeper than 64 levels", "(byte 77)"});
  // 64 levels are read (the object is level 1; the 65th level is refused): the message is the field's.
  const std::string deep63 = std::string(63, '[') + std::string(63, ']');
  expect_error(R"({"adapters": )" + deep63 + "}", {kSrc, "field 'adapters[0]'", "expected an object"});
  BOOST_CHECK_NO_THROW(LparConfig::parse(R"({"kernel_cmdline": ")" + std::string(1000, '[') + R"(\"[", "adapters": [], "usage_domains": []})", kSrc));
}

// A value in a message is cut to 80 bytes and "…", never dumped whole.
BOOST_AUTO_TEST_CASE(values_in_messages_are_brief) {
  std::string big = "[";
  for (int i = 0; i < 100000; ++i) big += (i ? ",1" : "1");
  big += "]";
  try {
    LparConfig::parse(R"({"adapters": [], "usage_domains": [], "timing": )" + big + "}", kSrc);
    BOOST_TEST(false, "a list as 'timing' was accepted");
  } catch (const LparConfigError& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find("field 'timing': expected an object, got [1,1,1,") != std::string::npos, what);
    BOOST_TEST(what.size() < 200u, what);
    BOOST_TEST(what.substr(what.size() - 3) == "…");
  }
}

BOOST_AUTO_TEST_CASE(adapter_fields) {
  expect_error(one_adapter(R"({"id": 1, "type": "CEX10", "mode": "cca"})"),
               {kSrc, "field 'adapters[0].type'", "expected one of \"CEX4\"..\"CEX9\"", "\"CEX10\""});
  expect_error(one_adapter(R"({"id": 1, "type": "CEX5", "mode": "cca", "nd": 256})"),
               {kSrc, "field 'adapters[0].nd'", "out of range 0..255"});
  expect_error(one_adapter(R"({"id": 1, "type": "CEX5", "mode": "cca", "mex4k": 1})"),
               {kSrc, "field 'adapters[0].mex4k'", "expected true or false"});
  expect_error(one_adapter(R"({"id": 1, "type": "CEX5", "mode": "cca", "configured": "no"})"),
               {kSrc, "field 'adapters[0].configured'", "expected true or false"});
  expect_error(one_adapter(R"({"id": 1, "type": "CEX5", "mode": "cca", "in_config": 0})"),
               {kSrc, "field 'adapters[0].in_config'", "expected true or false"});
  expect_error(one_adapter(R"({"id": 1, "type": "CEX5", "mode": "cca", "qd_plus_one_slots": 0})"),
               {kSrc, "field 'adapters[0].qd_plus_one_slots'", "expected true or false"});
  expect_error(R"({"adapters": [], "usage_domains": [], "qd_by_type": {"CEX3": 4}})",
               {kSrc, "field 'qd_by_type.CEX3'", "unknown adapter type"});
  expect_error(R"({"adapters": [], "usage_domains": [], "qd_by_type": {"CEX5": 16}})",
               {kSrc, "field 'qd_by_type.CEX5'", "out of range 0..15"});
  expect_error(R"({"adapters": [], "usage_domains": [], "facilities": {"qact": "yes"}})",
               {kSrc, "field 'facilities.qact'", "expected true or false"});
  expect_error(one_adapter(R"({"id": 1, "type": 5, "mode": "cca"})"),
               {kSrc, "field 'adapters[0].type'", "expected one of"});
  expect_error(one_adapter(R"({"id": 1, "type": "CEX5", "mode": "foo"})"),
               {kSrc, "field 'adapters[0].mode'", "expected \"accel\", \"cca\" or \"ep11\"", "\"foo\""});
  expect_error(one_adapter(R"({"type": "CEX5", "mode": "cca"})"), {kSrc, "field 'adapters[0].id'", "missing"});
  expect_error(one_adapter(R"({"id": 1, "mode": "cca"})"), {kSrc, "field 'adapters[0].type'", "missing"});
  expect_error(one_adapter(R"({"id": 1, "type": "CEX5"})"), {kSrc, "field 'adapters[0].mode'", "missing"});
  expect_error(one_adapter(R"({"id": 1, "type": "CEX5", "mode": "cca", "colour": "red"})"),
               {kSrc, "field 'adapters[0].colour'", "unknown field"});
  expect_error(one_adapter(R"({"id": 1, "type": "CEX5", "mode": "cca", "engines": 0})"),
               {kSrc, "field 'adapters[0].engines'", "out of range 1..64"});
  expect_error(one_adapter(R"({"id": 1, "type": "CEX5", "mode": "cca", "qd": 16})"),
               {kSrc, "field 'adapters[0].qd'", "out of range 0..15"});
  expect_error(one_adapter(R"("CEX5")"), {kSrc, "field 'adapters[0]'", "expected an object"});
}

BOOST_AUTO_TEST_CASE(duplicate_adapter) {
  expect_error(R"({"adapters": [{"id": 5, "type": "CEX5", "mode": "cca"},
                                {"id": "0x05", "type": "CEX6", "mode": "accel"}],
                   "usage_domains": [1]})",
               {kSrc, "field 'adapters[1].id'", "adapter id 5 is listed twice"});
}

BOOST_AUTO_TEST_CASE(adapter_id_range) {
  expect_error(one_adapter(R"({"id": "0x100", "type": "CEX5", "mode": "cca"})"),
               {kSrc, "field 'adapters[0].id'", "id 256 is out of range 0..255"});
  expect_error(one_adapter(R"({"id": 256, "type": "CEX5", "mode": "cca"})"),
               {kSrc, "field 'adapters[0].id'", "id 256 is out of range 0..255"});
  expect_error(one_adapter(R"({"id": -1, "type": "CEX5", "mode": "cca"})"),
               {kSrc, "field 'adapters[0].id'", "id -1 is out of range 0..255"});
  expect_error(R"({"adapters": [{"id": 16, "type": "CEX5", "mode": "cca"}], "usage_domains": [1],
                   "max_adapter_id": 15})",
               {kSrc, "field 'adapters[0].id'", "id 16 is out of range 0..15"});
  expect_error(one_adapter(R"({"id": "zz", "type": "CEX5", "mode": "cca"})"),
               {kSrc, "field 'adapters[0].id'", "expected a number or a \"0x..\" string", "\"zz\""});
  expect_error(one_adapter(R"({"id": "", "type": "CEX5", "mode": "cca"})"),
               {kSrc, "field 'adapters[0].id'", "expected a number"});
  expect_error(one_adapter(R"({"id": "5x", "type": "CEX5", "mode": "cca"})"),
               {kSrc, "field 'adapters[0].id'", "expected a number"});
  expect_error(one_adapter(R"({"id": 5.5, "type": "CEX5", "mode": "cca"})"),
               {kSrc, "field 'adapters[0].id'", "expected a number"});
  expect_error(one_adapter(R"({"id": true, "type": "CEX5", "mode": "cca"})"),
               {kSrc, "field 'adapters[0].id'", "expected a number"});
  expect_error(R"({"adapters": [], "usage_domains": [], "max_adapter_id": 256})",
               {kSrc, "field 'max_adapter_id'", "out of range 0..255"});
}

BOOST_AUTO_TEST_CASE(domains) {
  expect_error(R"({"adapters": [], "usage_domains": [4, "0x04"]})",
               {kSrc, "field 'usage_domains[1]'", "id 4 is listed twice"});
  expect_error(R"({"adapters": [], "usage_domains": [], "control_domains": [1, 2, 2]})",
               {kSrc, "field 'control_domains[2]'", "listed twice"});
  expect_error(R"({"adapters": [], "usage_domains": [256]})",
               {kSrc, "field 'usage_domains[0]'", "out of range 0..255"});
  expect_error(R"({"adapters": [], "usage_domains": [16], "max_domain_id": 15})",
               {kSrc, "field 'usage_domains[0]'", "id 16 is out of range 0..15"});
  expect_error(R"({"adapters": [], "usage_domains": ["zz"]})",
               {kSrc, "field 'usage_domains[0]'", "\"zz\""});
}

BOOST_AUTO_TEST_CASE(timing_and_facilities) {
  expect_error(R"({"adapters": [], "usage_domains": [], "timing": {"warp_factor": 9}})",
               {kSrc, "field 'timing.warp_factor'", "unknown timing parameter"});
  expect_error(R"({"adapters": [], "usage_domains": [], "timing": {"cpu_clock_ps": 0}})",
               {kSrc, "field 'timing.cpu_clock_ps'", "out of range"});
  expect_error(R"({"adapters": [], "usage_domains": [], "timing": {"insn_base_cycles": -3}})",
               {kSrc, "field 'timing.insn_base_cycles'", "expected a non-negative integer"});
  // Each value in range, together a step longer than 2^40 ps (sc/timing.h kTimingStepMaxPs):
  // cycles times the clock's period, per-bytes costs over the largest message.
  expect_error(R"({"adapters": [], "usage_domains": [], "timing": {"cpu_clock_ps": 1099511627776}})",
               {kSrc, "field 'timing.insn_base_cycles'", "60 cpu_clock cycles at 1099511627776 ps a cycle", "more than the 2^40 ps"});
  expect_error(R"({"adapters": [], "usage_domains": [], "timing": {"move_cycles_per_256b": 23860930}})",
               {kSrc, "field 'timing.move_cycles_per_256b'", "(x 240 in the largest message) at 192 ps a cycle"});
  BOOST_CHECK_NO_THROW(LparConfig::parse(R"({"adapters": [], "usage_domains": [], "timing": {"move_cycles_per_256b": 23860929}})", kSrc));
  BOOST_CHECK_NO_THROW(LparConfig::parse(R"({"adapters": [], "usage_domains": [], "timing": {"adapter_reset_cycles": 1099511627}})", kSrc));
  expect_error(R"({"adapters": [], "usage_domains": [], "timing": {"adapter_reset_cycles": 1099511628}})",
               {kSrc, "field 'timing.adapter_reset_cycles'"});
  expect_error(R"({"adapters": [], "usage_domains": [], "timing": 5})",
               {kSrc, "field 'timing'", "expected an object"});
  expect_error(R"({"adapters": [], "usage_domains": [], "facilities": {"qci": "yes"}})",
               {kSrc, "field 'facilities.qci'", "expected true or false"});
  expect_error(R"({"adapters": [], "usage_domains": [], "facilities": {"qci": 1}})",
               {kSrc, "field 'facilities.qci'", "expected true or false"});
  expect_error(R"({"adapters": [], "usage_domains": [], "facilities": {"msa9": true}})",
               {kSrc, "field 'facilities.msa9'", "unknown facility"});
  expect_error(R"({"adapters": [], "usage_domains": [], "facilities": []})",
               {kSrc, "field 'facilities'", "expected an object"});
}

// The CPU complex (issue 12): "cpus" 1..256, default 4; "software_costs" in ns over the table
// of arch/software_cost.h, an unknown step or a negative cost refused naming the field.
BOOST_AUTO_TEST_CASE(cpu_complex_fields) {
  const LparConfig d = LparConfig::parse(R"({"adapters": [], "usage_domains": []})", kSrc);
  BOOST_TEST(d.cpus == 4u);
  for (size_t i = 0; i < arch::kSoftwareStepCount; ++i)
    BOOST_TEST(d.software_costs.ps[i] == arch::kSoftwareCostRows[i].default_ps);
  const LparConfig c = LparConfig::parse(
      R"({"adapters": [], "usage_domains": [], "cpus": 256,
          "software_costs": {"fork_exec": 1000, "printk": 0.5, "syscall": 0}})", kSrc);
  BOOST_TEST(c.cpus == 256u);
  BOOST_TEST(c.software_costs.cost_ps(arch::SoftwareStep::fork_exec) == 1'000'000u);
  BOOST_TEST(c.software_costs.cost_ps(arch::SoftwareStep::printk) == 500u);
  BOOST_TEST(c.software_costs.cost_ps(arch::SoftwareStep::syscall) == 0u);
  BOOST_TEST(c.software_costs.cost_ps(arch::SoftwareStep::sysfs_read) ==
             arch::software_cost_row(arch::SoftwareStep::sysfs_read).default_ps);  // untouched
  BOOST_TEST(LparConfig::parse(R"({"adapters": [], "usage_domains": [], "cpus": 1})", kSrc).cpus == 1u);

  expect_error(R"({"adapters": [], "usage_domains": [], "cpus": 0})", {kSrc, "field 'cpus'", "out of range 1..256"});
  expect_error(R"({"adapters": [], "usage_domains": [], "cpus": 257})", {kSrc, "field 'cpus'", "out of range 1..256"});
  expect_error(R"({"adapters": [], "usage_domains": [], "cpus": -1})", {kSrc, "field 'cpus'", "non-negative integer"});
  expect_error(R"({"adapters": [], "usage_domains": [], "cpus": "four"})", {kSrc, "field 'cpus'"});
  expect_error(R"({"adapters": [], "usage_domains": [], "software_costs": {"fork": 1}})",
               {kSrc, "field 'software_costs.fork'", "unknown software step"});
  expect_error(R"({"adapters": [], "usage_domains": [], "software_costs": {"printk": -1}})",
               {kSrc, "field 'software_costs.printk'", "cannot be negative"});
  expect_error(R"({"adapters": [], "usage_domains": [], "software_costs": {"printk": "2us"}})",
               {kSrc, "field 'software_costs.printk'", "expected a number of nanoseconds"});
  expect_error(R"({"adapters": [], "usage_domains": [], "software_costs": {"printk": 2e9}})",
               {kSrc, "field 'software_costs.printk'", "beyond the largest cost"});
  expect_error(R"({"adapters": [], "usage_domains": [], "software_costs": [1]})",
               {kSrc, "field 'software_costs'", "expected an object"});
}

BOOST_AUTO_TEST_CASE(load_unreadable_file) {
  const std::string path = "/nonexistent/apsim/lpar.json";
  try {
    LparConfig::load(path);
    BOOST_TEST(false, "load of a missing file did not throw");
  } catch (const LparConfigError& e) {
    const std::string what = e.what();
    BOOST_TEST(what.find(path) != std::string::npos);
    BOOST_TEST(what.find("cannot read") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()

int sc_main(int argc, char** argv) { return boost::unit_test::unit_test_main(&init_unit_test, argc, argv); }
