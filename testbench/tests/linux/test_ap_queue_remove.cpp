// testbench/tests/linux/test_ap_queue_remove.cpp — a queue device that goes away first fails
// the requests it still holds with -EAGAIN, as Linux's ap_device_remove does through
// ap_queue_prepare_remove -> __ap_flush_queue (drivers/s390/crypto/ap_bus.c, ap_queue.c,
// 6.1): whoever waits for them is told, nothing waits forever, and nothing of theirs reaches
// the queue's next owner.  The ways a queue device goes: an apmask edit that takes it from
// cex4queue, an explicit unbind, an HMC change that takes its adapter out of the LPAR, and a
// deconfiguration of its card.
//
// The hardware is the real platform (sc::Platform, fast mode) with service times so long that
// a request stays on the queue for the whole test; the host kernel (driver/linux) runs on its
// CPU.  One platform per process: each case is its own ctest entry.
#define BOOST_TEST_MODULE ap_queue_remove
#define BOOST_TEST_NO_MAIN
#define BOOST_TEST_ALTERNATIVE_INIT_API
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <cstdint>
#include <vector>

#include <systemc>

#include "driver/linux/ap_bus.h"
#include "driver/linux/kernel.h"
#include "driver/linux/zcrypt_api.h"
#include "driver/linux/zcrypt_msgtype50.h"
#include "sc/hmc.h"
#include "sc/lpar_config.h"
#include "sc/platform.h"

using namespace apsim;

namespace {

struct Env {
  sc::Platform* platform = nullptr;
  driver::LinuxKernel* host = nullptr;
};
Env g;

const arch::Apqn kQueue{0x06, 0x04};  // CEX5A, usage domain 4 of the default LPAR

// A request on kQueue that stays there: a 1024-bit ME whose service, at one simulated second
// per rating unit, outlasts the test.
struct PendingRequest {
  driver::ApMessageReq req;
  int completions = 0;
  explicit PendingRequest(driver::ApBus& bus) {
    driver::ica_rsa_modexpo mex;
    mex.inputdatalength = mex.outputdatalength = 128;
    mex.inputdata.assign(128, 0x11);
    mex.b_key.assign(128, 0);
    mex.b_key.back() = 3;
    mex.n_modulus.assign(128, 0xff);
    BOOST_REQUIRE(driver::ICAMEX_msg_to_type50MEX_msg(mex, req.msg) == 0);
    req.on_done = [this](driver::ApMessageReq&) { ++completions; };
    driver::ApQueueDev* q = bus.queue(kQueue);
    BOOST_REQUIRE(q != nullptr);
    BOOST_REQUIRE(q->driver != nullptr);
    BOOST_REQUIRE(q->driver->name() == "cex4queue");
    driver::zcrypt_send(bus, *q, req);
    BOOST_REQUIRE(!req.done);  // enqueued (NQAP RC 0), reply outstanding
    BOOST_REQUIRE(q->pendingq.size() == 1u);
  }
  void expect_flushed() {
    BOOST_TEST(req.done);
    BOOST_TEST(req.rc == -EAGAIN);
    BOOST_TEST(completions == 1);
  }
};

int write(const std::string& path, const std::string& text) { return g.host->sysfs().write("/", path, text); }

}  // namespace

BOOST_AUTO_TEST_CASE(apmask_edit_takes_the_queue_from_cex4queue) {
  driver::ApBus& bus = g.host->ap_bus();
  PendingRequest p(bus);
  BOOST_TEST(write("/sys/bus/ap/apmask", "-6\n") == 0);  // ap_bus.c apmask_store -> unbind
  p.expect_flushed();
  driver::ApQueueDev* q = bus.queue(kQueue);
  BOOST_REQUIRE(q != nullptr);
  BOOST_TEST(q->driver == nullptr);
  BOOST_TEST(q->pendingq.empty());
  BOOST_TEST(q->requestq.empty());
  BOOST_TEST(!bus.poll());  // nothing left for the poll work to send or read
}

BOOST_AUTO_TEST_CASE(explicit_unbind) {
  PendingRequest p(g.host->ap_bus());
  BOOST_TEST(write("/sys/bus/ap/drivers/cex4queue/unbind", kQueue.name() + "\n") == 0);
  p.expect_flushed();
}

BOOST_AUTO_TEST_CASE(hmc_removes_the_adapter) {
  driver::ApBus& bus = g.host->ap_bus();
  PendingRequest p(bus);
  sc::LparChange c;
  c.what = sc::LparChange::What::adapter;
  c.add = false;
  c.id = kQueue.apid;
  BOOST_REQUIRE(g.platform->hmc().check(c).empty());
  g.platform->hmc().schedule(c, 0);
  g.host->cpu().delay_ps(1'000'000);  // the HMC's change lands; Linux learns it at a scan
  bus.scan();
  BOOST_TEST(bus.queue(kQueue) == nullptr);
  p.expect_flushed();
}

BOOST_AUTO_TEST_CASE(card_deconfigured) {
  PendingRequest p(g.host->ap_bus());
  BOOST_TEST(write("/sys/devices/ap/card06/config", "0\n") == 0);  // SCLP deconfigure, rescan
  p.expect_flushed();
}

int sc_main(int argc, char** argv) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc::LparConfig cfg = sc::LparConfig::default_lpar();
  cfg.rating_unit_ps = 1'000'000'000'000;  // one simulated second per rating unit
  sc::Platform platform(cfg, sc::SimMode::fast);
  g.platform = &platform;
  int rc = 1;
  platform.run([&](arch::HostCpu& cpu) {
    driver::KernelOptions ko;
    driver::LinuxKernel host(cpu, ko);
    host.boot();
    g.host = &host;
    rc = boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
    g.host = nullptr;
  });
  return rc;
}
