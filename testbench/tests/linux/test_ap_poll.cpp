// testbench/tests/linux/test_ap_poll.cpp — the AP bus's poll work costs O(busy queues), not
// O(queue devices) (issue 13 part 2: "the cost of one instruction does not depend on the
// number of queues").  On a 256 x 256 LPAR (65,536 queue devices bound to cex4queue) the
// poll visits only the queues given work since a poll last found them idle
// (ApBus::poll_queue_visits, a count, not a time), and still completes every request.
//
// The hardware is the real platform (sc::Platform, fast mode); the host kernel (driver/linux)
// runs on its CPU.  One platform per process (SystemC elaborates once), so the cases share
// the booted kernel and each starts and ends with every queue idle.
#define BOOST_TEST_MODULE ap_poll
#define BOOST_TEST_NO_MAIN
#define BOOST_TEST_ALTERNATIVE_INIT_API
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <memory>
#include <sstream>
#include <vector>

#include <systemc>

#include "driver/linux/ap_bus.h"
#include "driver/linux/kernel.h"
#include "driver/linux/zcrypt_api.h"
#include "driver/linux/zcrypt_msgtype50.h"
#include "sc/lpar_config.h"
#include "sc/platform.h"

using namespace apsim;

namespace {

driver::LinuxKernel* g_host = nullptr;
constexpr unsigned kSide = 256;  // adapters and usage domains

/// 256 CEX7 accelerators x 256 usage domains (APXA for adapter IDs above 63).
sc::LparConfig lpar() {
  std::ostringstream j;
  j << R"({"facilities": {"apxa": true}, "adapters": [)";
  for (unsigned a = 0; a < kSide; ++a) j << (a ? "," : "") << R"({"id": )" << a << R"(, "type": "CEX7", "mode": "accel"})";
  j << R"(], "usage_domains": [)";
  for (unsigned d = 0; d < kSide; ++d) j << (d ? "," : "") << d;
  j << "]}";
  return sc::LparConfig::parse(j.str(), "test_ap_poll");
}

/// One RSA-1024 ME request on `q`, sent through zcrypt; counts its completions.
struct Request {
  driver::ApMessageReq req;
  int completions = 0;
  Request(driver::ApBus& bus, arch::Apqn qid) {
    driver::ica_rsa_modexpo mex;
    mex.inputdatalength = mex.outputdatalength = 128;
    mex.inputdata.assign(128, 0x11);
    mex.b_key.assign(128, 0);
    mex.b_key.back() = 3;
    mex.n_modulus.assign(128, 0xC3);
    mex.n_modulus.back() = 0xC5;
    BOOST_REQUIRE(driver::ICAMEX_msg_to_type50MEX_msg(mex, req.msg) == 0);
    req.on_done = [this](driver::ApMessageReq&) { ++completions; };
    driver::ApQueueDev* q = bus.queue(qid);
    BOOST_REQUIRE(q != nullptr);
    BOOST_REQUIRE(q->driver != nullptr);
    BOOST_REQUIRE(q->driver->name() == "cex4queue");
    driver::zcrypt_send(bus, *q, req);
  }
};

/// Poll (with the poll timer's sleeps) until every request is done; returns the number of
/// polls and checks that none visited more than `busy` queues.
unsigned poll_until_done(driver::ApBus& bus, const std::vector<std::unique_ptr<Request>>& reqs, unsigned busy) {
  unsigned polls = 0;
  const auto all_done = [&] {
    for (const auto& r : reqs)
      if (!r->req.done) return false;
    return true;
  };
  while (!all_done()) {
    BOOST_REQUIRE(polls < 100'000);  // a guard: the replies come within a few poll periods
    const uint64_t before = bus.poll_queue_visits();
    bus.wait_and_poll();
    ++polls;
    BOOST_TEST(bus.poll_queue_visits() - before <= busy);
  }
  return polls;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_lpar_has_65536_bound_queues) {
  driver::ApBus& bus = g_host->ap_bus();
  unsigned bound = 0;
  for (driver::ApQueueDev* q : bus.queues()) bound += q->driver != nullptr && q->driver->name() == "cex4queue";
  BOOST_TEST(bound == kSide * kSide);
}

BOOST_AUTO_TEST_CASE(an_idle_bus_polls_no_queue) {
  driver::ApBus& bus = g_host->ap_bus();
  const uint64_t before = bus.poll_queue_visits();
  BOOST_TEST(!bus.poll());
  BOOST_TEST(bus.poll_queue_visits() == before);
}

BOOST_AUTO_TEST_CASE(one_busy_queue_is_the_only_one_polled) {
  driver::ApBus& bus = g_host->ap_bus();
  const uint64_t before = bus.poll_queue_visits();
  std::vector<std::unique_ptr<Request>> reqs;
  reqs.push_back(std::make_unique<Request>(bus, arch::Apqn{0x80, 0x80}));
  const unsigned polls = poll_until_done(bus, reqs, 1);
  BOOST_TEST(polls >= 1u);
  BOOST_TEST(bus.poll_queue_visits() - before == polls);  // exactly one queue per poll
  BOOST_TEST(reqs[0]->completions == 1);
  BOOST_TEST(reqs[0]->req.rc == 0);
  BOOST_TEST(reqs[0]->req.reply.size() == 16u + 128u);  // type-80 reply: 16-byte header + the result
  // It was idle after the last poll: the next one visits nothing.
  const uint64_t after = bus.poll_queue_visits();
  BOOST_TEST(!bus.poll());
  BOOST_TEST(bus.poll_queue_visits() == after);
}

BOOST_AUTO_TEST_CASE(three_busy_queues_at_most_three_visits_per_poll) {
  driver::ApBus& bus = g_host->ap_bus();
  const uint64_t before = bus.poll_queue_visits();
  std::vector<std::unique_ptr<Request>> reqs;
  for (arch::Apqn qid : {arch::Apqn{0xff, 0xff}, arch::Apqn{0x00, 0x00}, arch::Apqn{0x12, 0x34}})
    reqs.push_back(std::make_unique<Request>(bus, qid));
  const unsigned polls = poll_until_done(bus, reqs, 3);
  BOOST_TEST(bus.poll_queue_visits() - before <= 3u * polls);
  for (const auto& r : reqs) {
    BOOST_TEST(r->completions == 1);
    BOOST_TEST(r->req.rc == 0);
  }
  const uint64_t after = bus.poll_queue_visits();
  BOOST_TEST(!bus.poll());
  BOOST_TEST(bus.poll_queue_visits() == after);
}

int sc_main(int argc, char** argv) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc::Platform platform(lpar(), sc::SimMode::fast);
  int rc = 1;
  platform.run([&](arch::HostCpu& cpu) {
    driver::KernelOptions ko;
    driver::LinuxKernel host(cpu, ko);
    host.boot();
    g_host = &host;
    rc = boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
    g_host = nullptr;
  });
  return rc;
}
