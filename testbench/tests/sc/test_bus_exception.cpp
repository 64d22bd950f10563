// testbench/tests/sc/test_bus_exception.cpp — an exception inside an AP fabric transaction
// leaves the machine in a state it can be torn down from (issue 15, memory safety).
//
// The CPU model reuses one TLM payload for every transaction and hangs the instruction's
// ApCommand (a stack object) on it as an extension.  When b_transport threw, the payload kept
// the pointer: apsim printed the internal error, then tlm_generic_payload's destructor called
// free() on the dead stack object and the process died at teardown.  Here a probe that throws
// on the first dequeued reply (it runs inside DQAP's bus transaction, sc/ap_probe.h) ends the
// simulation with that exception; the platform must then be destroyed cleanly and the error
// must carry the probe's message.
//
// main() is libsystemc's and calls sc_main(), which runs Boost.Test; the one case elaborates
// the one platform of this process.
#define BOOST_TEST_MODULE bus_exception
#define BOOST_TEST_NO_MAIN
#define BOOST_TEST_ALTERNATIVE_INIT_API
#include <boost/test/unit_test.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <systemc>

#include "arch/ap_registers.h"
#include "sc/ap_probe.h"
#include "sc/lpar_config.h"
#include "sc/platform.h"

namespace arch = apsim::arch;
namespace asc = apsim::sc;

namespace {

/// Throws from inside the DQAP's bus transaction that takes the first reply.
struct ThrowingProbe : asc::ApProbe {
  unsigned calls = 0;
  void request_done(const asc::ApRequestTrace&) override {
    ++calls;
    throw std::runtime_error("probe failure inside the DQAP transaction");
  }
};

constexpr uint64_t kMsgAddr = 0x10000;
constexpr uint64_t kReplyAddr = 0x20000;

}  // namespace

BOOST_AUTO_TEST_CASE(exception_in_transaction_tears_down_cleanly) {
  auto platform = std::make_unique<asc::Platform>(asc::LparConfig::default_lpar(), asc::SimMode::cycle);
  ThrowingProbe probe;
  platform->set_probe(&probe);
  // Adapter 06 (CEX5A), usage domain 0x04: any message gets a reply (an error reply for this
  // one); DQAP until it is there.
  const arch::Apqn q = arch::Apqn::from_qid(0x0604);
  unsigned dqaps = 0;
  std::string error;
  try {
    platform->run([&](arch::HostCpu& cpu) {
      const std::vector<uint8_t> msg(256, 0);
      cpu.storage().write(kMsgAddr, msg.data(), msg.size());
      arch::GeneralRegisters r;
      r[0] = arch::make_nqap_gr0(q);
      r[2] = 0, r[3] = 0x1234;  // PSMID
      r[4] = kMsgAddr, r[5] = msg.size();
      cpu.ap().nqap(r, 2, 4);
      BOOST_TEST_REQUIRE(arch::ApQueueStatus::from_gr1(r[1]).response_code == arch::AP_RESPONSE_NORMAL);
      for (dqaps = 0; dqaps < 1000; ++dqaps) {
        cpu.delay_ps(1'000'000);
        r[0] = arch::make_dqap_gr0(q);
        r[6] = kReplyAddr, r[7] = 4096;  // DQAP: R1, R2 clear of GR0..GR2 (PSMID to GR4/GR5)
        cpu.ap().dqap(r, 4, 6);
      }
    });
  } catch (const std::exception& e) {
    error = e.what();
  }
  BOOST_TEST(probe.calls == 1u);
  BOOST_TEST(dqaps < 1000u, "the reply never came: the probe was not reached");
  BOOST_TEST(error.find("probe failure inside the DQAP transaction") != std::string::npos, "error: " << error);
  platform.reset();  // before the fix: free() of the dead ApCommand -> abort or SIGSEGV here
  BOOST_TEST(true, "torn down");
}

int sc_main(int argc, char** argv) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  return boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
}
