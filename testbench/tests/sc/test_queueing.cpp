// testbench/tests/sc/test_queueing.cpp — the CEX adapter model (sc/cex_adapter.h) against
// queueing theory.  A stimulus module drives the adapter's TLM socket directly (NQAP, DQAP,
// AQIC, as the AP fabric would) and reads every request's timestamps from the adapter's probe
// (sc/ap_probe.h): enqueue (the NQAP accepted it), start (an engine took it), finish.
//
// The adapter serves its queues' requests in arrival order on `engines` engines: one FCFS
// queue with c servers.  The requests go round-robin over 64 usage domains (QD 15, 16 slots
// each), so the AP queues' slots never refuse one (the test fails if one does) and the waiting
// room is effectively unbounded, as the closed forms assume.  Service times are the firmware's
// mean (a MEX_1k entry overridden to S = 1 µs) drawn from the LPAR's distribution
// (firmware/service_time.h ServiceSampler).
//
// Each case cites its closed form and runs enough requests for its 2 % bound: the relative
// standard error of the measured mean (batch means over 20 batches, printed with
// --log_level=message) is 0.2-0.55 %, so the bound is about four standard errors or more.  The
// first 1 % of the requests are a warm-up (the queue starts empty) and are not counted.  The
// cases run 1.5-12 million requests each, 2-30 s on the 2-core development VM; they carry the
// label `queueing`.
//
// main() is libsystemc's and calls sc_main(), which runs Boost.Test; each case is its own
// process (ctest), so each elaborates its own adapter.
#define BOOST_TEST_MODULE queueing
#define BOOST_TEST_NO_MAIN
#define BOOST_TEST_ALTERNATIVE_INIT_API
#include <boost/test/unit_test.hpp>

#include <boost/math/special_functions/factorials.hpp>
#include <boost/random/exponential_distribution.hpp>
#include <boost/random/mersenne_twister.hpp>

#include <cmath>
#include <cstdint>
#include <memory>
#include <queue>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "arch/bits.h"
#include "arch/msgtype50.h"
#include "firmware/service_time.h"
#include "sc/ap_probe.h"
#include "sc/cex_adapter.h"
#include "sc/main_storage.h"
#include "sc/timing.h"

namespace {

using namespace sc_core;
namespace fw = apsim::firmware;
namespace asc = apsim::sc;
using Mode = fw::AdapterProfile::Mode;

constexpr uint64_t kServicePs = 1'000'000;  // S = 1 µs, the mean of every request
constexpr unsigned kDomains = 64;
constexpr uint64_t kNibAddr = 0x1000;

/// A valid type-50 MEB1 request: 2^3 mod (2^1024 - 1).  Exponent 3 (2 bits) is priced at the
/// MEX_1k entry (service_time.h 2.), which the bench overrides to S.
std::vector<uint8_t> meb1_request() {
  const auto& l = apsim::arch::MEB1;
  std::vector<uint8_t> m(l.total(), 0);
  m[apsim::arch::HDR50_MSG_TYPE_CODE] = apsim::arch::TYPE50_TYPE_CODE;
  apsim::arch::store_be16(&m[apsim::arch::HDR50_MSG_LEN], static_cast<uint16_t>(m.size()));
  apsim::arch::store_be16(&m[apsim::arch::T50_KEYBLOCK_TYPE], l.keyblock_type);
  m[l.exponent() + l.field - 1] = 3;
  std::fill(m.begin() + static_cast<std::ptrdiff_t>(l.modulus()), m.begin() + static_cast<std::ptrdiff_t>(l.modulus() + l.field), 0xff);
  m[l.message() + l.field - 1] = 2;
  return m;
}

/// The adapter's timestamps of each request, by PSMID.
struct Record : asc::ApProbe {
  std::vector<asc::ApRequestTrace> by_psmid;
  uint64_t reported = 0;
  void request_done(const asc::ApRequestTrace& t) override {
    if (t.psmid < by_psmid.size()) by_psmid[t.psmid] = t;
    ++reported;
  }
};

/// Adapter interruptions wake the closed-loop driver.
struct Irq : asc::AdapterInterruptSink {
  sc_event ev;
  void adapter_interrupt(const apsim::arch::AqicControl&) override { ev.notify(SC_ZERO_TIME); }
};

/// A CEX7A with `engines` engines, 64 queues, service S drawn from `shape`, and a stimulus.
struct Bench : sc_module {
  tlm_utils::simple_initiator_socket<Bench> socket{"socket"};
  asc::TimingTable timing;
  fw::ServiceTimeTable times;
  asc::MainStorage storage{1 << 20};
  std::unique_ptr<asc::CexAdapter> adapter;
  Record rec;
  Irq irq;
  std::vector<uint8_t> msg = meb1_request();
  boost::random::mt19937_64 rng{20240917};
  bool refused = false;

  Bench(sc_module_name n, unsigned engines, fw::ServiceShape shape) : sc_module(n) {
    times.override_service_ps(7, Mode::accel, fw::Operation::mex_1k, kServicePs);
    asc::CexAdapterConfig c;
    c.apid = 6;
    c.generation = 7;
    c.mode = Mode::accel;
    c.engines = engines;
    c.qd = 15;
    c.service.fill(fw::ServiceDistribution{shape, 0});
    c.service_seed = 7;
    apsim::arch::ApMask domains;
    for (unsigned d = 0; d < kDomains; ++d) domains.set(d);
    adapter = std::make_unique<asc::CexAdapter>("card06", c, domains, timing, times, storage);
    socket.bind(adapter->socket);
    adapter->set_probe(&rec);
    adapter->set_interrupt_sink(&irq);
  }

  asc::ApCommand call(asc::ApFunction f, unsigned apqi, uint64_t psmid = 0, std::vector<uint8_t>* data = nullptr) {
    asc::ApCommand cmd;
    cmd.function = f;
    cmd.psmid = psmid;
    tlm::tlm_generic_payload gp;
    std::vector<uint8_t> buf(1024);
    std::vector<uint8_t>& d = data ? *data : buf;
    gp.set_address(apqi);
    gp.set_data_ptr(d.data());
    gp.set_data_length(static_cast<unsigned>(d.size()));
    gp.set_command(f == asc::ApFunction::NQAP ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_extension(&cmd);
    if (f == asc::ApFunction::AQIC) {
      cmd.aqic.ir = true;
      cmd.aqic.isc = 6;
      cmd.nib_addr = kNibAddr;
    }
    sc_time delay = SC_ZERO_TIME;
    socket->b_transport(gp, delay);
    gp.clear_extension(&cmd);
    return cmd;
  }

  void nqap(unsigned apqi, uint64_t psmid) {
    const asc::ApCommand c = call(asc::ApFunction::NQAP, apqi, psmid, &msg);
    if (c.status.response_code != apsim::arch::AP_RESPONSE_NORMAL) refused = true;
  }
  /// DQAP until the queue has no reply; the probe records each.
  void drain(unsigned apqi) {
    while (call(asc::ApFunction::DQAP, apqi).status.response_code == apsim::arch::AP_RESPONSE_NORMAL) {
    }
  }
  sc_time ps(double x) { return sc_time::from_value(static_cast<uint64_t>(std::llround(x))); }
};

/// Mean of v[from..] and its standard error by 20 batch means.
struct Estimate {
  double mean = 0, se = 0;
};
Estimate batch_means(const std::vector<double>& v, size_t from) {
  const size_t k = 20, len = (v.size() - from) / k;
  std::vector<double> b(k, 0);
  for (size_t j = 0; j < k; ++j) {
    for (size_t i = 0; i < len; ++i) b[j] += v[from + j * len + i];
    b[j] /= static_cast<double>(len);
  }
  Estimate e;
  for (double x : b) e.mean += x / k;
  double s2 = 0;
  for (double x : b) s2 += (x - e.mean) * (x - e.mean) / (k - 1);
  e.se = std::sqrt(s2 / k);
  return e;
}

/// Open loop: `n` Poisson arrivals at rate λ = rho·engines/S, round-robin over the domains.
/// Returns each request's wait in queue (start − enqueue) in units of S.
std::vector<double> open_loop(unsigned engines, fw::ServiceShape shape, double rho, size_t n) {
  auto* b = new Bench("bench", engines, shape);
  b->rec.by_psmid.resize(n);
  struct Source : sc_module {
    SC_HAS_PROCESS(Source);
    Bench& b;
    double rate_per_ps;
    size_t n;
    Source(sc_module_name nm, Bench& bb, double r, size_t nn) : sc_module(nm), b(bb), rate_per_ps(r), n(nn) {
      SC_THREAD(run);
    }
    void run() {
      boost::random::exponential_distribution<double> gap(rate_per_ps);
      for (size_t i = 0; i < n; ++i) {
        wait(b.ps(gap(b.rng)));
        const unsigned q = static_cast<unsigned>(i % kDomains);
        b.drain(q);  // the queue's earlier replies leave first: its slots stay free
        b.nqap(q, i);
      }
      while (b.adapter->requests_completed() < n) wait(b.ps(100.0 * kServicePs));
      for (unsigned q = 0; q < kDomains; ++q) b.drain(q);
      sc_stop();
    }
  };
  new Source("source", *b, rho * engines / static_cast<double>(kServicePs), n);
  sc_start();
  BOOST_TEST_REQUIRE(!b->refused, "an NQAP was refused (queue full)");
  BOOST_TEST_REQUIRE(b->rec.reported == n);
  std::vector<double> w(n);
  for (size_t i = 0; i < n; ++i) {
    const auto& t = b->rec.by_psmid[i];
    BOOST_REQUIRE(t.start_ps >= t.enqueue_ps);
    w[i] = static_cast<double>(t.start_ps - t.enqueue_ps) / static_cast<double>(kServicePs);
  }
  return w;
}

/// Erlang C: probability that an arrival waits in M/M/c with offered load a = λS (a < c).
double erlang_c(unsigned c, double a) {
  double sum = 0;
  for (unsigned k = 0; k < c; ++k) sum += std::pow(a, k) / boost::math::factorial<double>(k);
  const double top = std::pow(a, c) / boost::math::factorial<double>(c) * c / (c - a);
  return top / (sum + top);
}

void check(const char* what, const std::vector<double>& w, double expect) {
  const Estimate e = batch_means(w, w.size() / 100);
  BOOST_TEST_MESSAGE(what << ": measured Wq = " << e.mean << " S (standard error " << e.se << "), closed form "
                          << expect << " S, ratio " << e.mean / expect);
  BOOST_TEST(std::abs(e.mean / expect - 1) < 0.02, what << ": Wq " << e.mean << " against " << expect);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(open_loop_poisson)

// M/D/1, Pollaczek–Khinchine with a deterministic service time:
//   Wq = ρ S / (2 (1 − ρ))   (Kleinrock, Queueing Systems vol. 1, eq. 5.73 with C_b² = 0)
BOOST_AUTO_TEST_CASE(md1_rho_0_5) {
  check("M/D/1 rho 0.5", open_loop(1, fw::ServiceShape::deterministic, 0.5, 3'000'000), 0.5 / (2 * 0.5));
}
BOOST_AUTO_TEST_CASE(md1_rho_0_8) {
  check("M/D/1 rho 0.8", open_loop(1, fw::ServiceShape::deterministic, 0.8, 4'000'000), 0.8 / (2 * 0.2));
}

// M/M/1: Wq = ρ S / (1 − ρ)  (Kleinrock vol. 1, eq. 3.26, W − S)
BOOST_AUTO_TEST_CASE(mm1_rho_0_5) {
  check("M/M/1 rho 0.5", open_loop(1, fw::ServiceShape::exponential, 0.5, 4'000'000), 0.5 / 0.5);
}
BOOST_AUTO_TEST_CASE(mm1_rho_0_8) {
  check("M/M/1 rho 0.8", open_loop(1, fw::ServiceShape::exponential, 0.8, 8'000'000), 0.8 / 0.2);
}

// M/M/c with c = 4 engines, ρ = λS/c = 0.8: Wq = C(c, a) S / (c − a), a = λS = 3.2, with
// Erlang's C formula (Kleinrock vol. 1, eqs. 3.40-3.41).
BOOST_AUTO_TEST_CASE(mmc_4_engines_rho_0_8) {
  const double a = 3.2;
  check("M/M/4 rho 0.8", open_loop(4, fw::ServiceShape::exponential, 0.8, 12'000'000), erlang_c(4, a) / (4 - a));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(closed_loop)

// N requests circulate: each waits an exponential think time Z, then is served by the
// adapter (c engines, exponential service: a product-form network), so exact mean-value
// analysis with a load-dependent station gives throughput and response time (Reiser and
// Lavenberg, "Mean-value analysis of closed multichain queuing networks", J. ACM 27(2), 1980;
// load-dependent form as in Lazowska et al., Quantitative System Performance, ch. 8):
//   R(n) = Σ_j j S / min(j, c) · p(j − 1 | n − 1),  X(n) = n / (Z + R(n)),
//   p(j | n) = X(n) S / min(j, c) · p(j − 1 | n − 1),  p(0 | n) = 1 − Σ_{j≥1} p(j | n).
// Little's law ties the three measured figures: the time-average number at the adapter
// equals X·R, and N = X·(R + Z).
BOOST_AUTO_TEST_CASE(mva_and_littles_law) {
  const unsigned kN = 8, kEngines = 2;
  const double Z = 2.0;  // think time, in S
  const size_t kRequests = 1'500'000;
  // Exact load-dependent MVA (times in S).
  std::vector<double> p(kN + 1, 0);
  p[0] = 1;
  double X = 0, R = 0;
  for (unsigned n = 1; n <= kN; ++n) {
    R = 0;
    for (unsigned j = 1; j <= n; ++j) R += j / static_cast<double>(std::min(j, kEngines)) * p[j - 1];
    X = n / (Z + R);
    std::vector<double> q(kN + 1, 0);
    double rest = 0;
    for (unsigned j = 1; j <= n; ++j) rest += q[j] = X / std::min(j, kEngines) * p[j - 1];
    q[0] = 1 - rest;
    p = q;
  }

  auto* b = new Bench("bench", kEngines, fw::ServiceShape::exponential);
  b->rec.by_psmid.resize(kRequests);
  struct Driver : sc_module {
    SC_HAS_PROCESS(Driver);
    Bench& b;
    size_t total;
    double think_ps;
    std::vector<double> response;        // enqueue → finish, in S, by PSMID
    double area = 0, last_t = 0;         // ∫ number at the adapter dt, in S·S
    unsigned at_adapter = 0;
    double t_begin = 0, t_end = 0;
    double accept_ps = 0;                // the NQAP's transaction delay (enqueue_ps − NQAP time)
    size_t done_in_window = 0;
    Driver(sc_module_name nm, Bench& bb, size_t n, double z) : sc_module(nm), b(bb), total(n), think_ps(z) {
      SC_THREAD(run);
    }
    void run() {
      for (unsigned q = 0; q < kN; ++q) b.call(asc::ApFunction::AQIC, q);
      wait(b.ps(1e3 * kServicePs));  // the AQICs take effect
      boost::random::exponential_distribution<double> think(1.0 / think_ps);
      // Customer q uses domain q; next NQAP time of each (the heap), and its request.
      using Due = std::pair<double, unsigned>;
      std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due;
      const double t0 = sc_time_stamp().to_double();
      // A request is accepted (enqueue_ps) one bus transaction after its NQAP: send it that
      // much early, so that the time between a finish and the next enqueue is the think time.
      accept_ps = static_cast<double>(b.timing.adapter_queue_op_cycles * b.timing.adapter_clock_ps);
      for (unsigned q = 0; q < kN; ++q) due.push({t0 + think(b.rng) - accept_ps, q});
      std::vector<uint64_t> outstanding(kN, UINT64_MAX);
      size_t sent = 0, done = 0;
      const size_t warm = total / 100;
      response.assign(total, 0);
      last_t = t0;
      while (done < total) {
        if (sent == total) due = {};  // every request is out: no more arrivals
        if (due.empty()) wait(b.irq.ev);
        else if (due.top().first > sc_time_stamp().to_double())
          wait(b.ps(std::ceil(due.top().first - sc_time_stamp().to_double())), b.irq.ev);
        const double now = sc_time_stamp().to_double();
        // Replies first (each finished at its finish_ps; its think time starts then).
        for (unsigned q = 0; q < kN; ++q) {
          if (outstanding[q] == UINT64_MAX) continue;
          const uint64_t before = b.rec.reported;
          b.drain(q);
          if (b.rec.reported == before) continue;
          const asc::ApRequestTrace& t = b.rec.by_psmid[outstanding[q]];
          account(static_cast<double>(t.finish_ps), -1);
          if (outstanding[q] >= warm) {
            response[outstanding[q]] = static_cast<double>(t.finish_ps - t.enqueue_ps) / kServicePs;
            ++done_in_window;
          }
          if (outstanding[q] == warm) t_begin = static_cast<double>(t.enqueue_ps);
          outstanding[q] = UINT64_MAX;
          ++done;
          if (sent < total) due.push({static_cast<double>(t.finish_ps) + think(b.rng) - accept_ps, q});
        }
        while (!due.empty() && due.top().first <= now && sent < total) {
          const unsigned q = due.top().second;
          due.pop();
          account(now + accept_ps, +1);
          b.nqap(q, sent);
          outstanding[q] = sent++;
        }
      }
      t_end = sc_time_stamp().to_double();
      sc_stop();
    }
    /// The number at the adapter changes by `d` at time t (ps); integrate it after warm-up.
    void account(double t, int d) {
      if (t_begin > 0) area += at_adapter * (t - last_t) / kServicePs;
      last_t = t;
      at_adapter = static_cast<unsigned>(static_cast<int>(at_adapter) + d);
    }
  };
  auto* drv = new Driver("driver", *b, kRequests, Z * kServicePs);
  sc_start();
  BOOST_TEST_REQUIRE(!b->refused);
  const Estimate r = batch_means(drv->response, kRequests / 100);
  // Throughput over the measured window: requests completed after warm-up per S.
  const double span = (drv->t_end - drv->t_begin) / kServicePs;
  const double x = static_cast<double>(drv->done_in_window) / span;
  const double l = drv->area / span;
  BOOST_TEST_MESSAGE("closed loop N=" << kN << " c=" << kEngines << " Z=" << Z << " S: X = " << x << " /S (MVA " << X
                                      << "), R = " << r.mean << " S (MVA " << R << ", standard error " << r.se
                                      << "), L = " << l << " (X R = " << x * r.mean << "), X (R + Z) = "
                                      << x * (r.mean + Z));
  BOOST_TEST(std::abs(x / X - 1) < 0.02);
  BOOST_TEST(std::abs(r.mean / R - 1) < 0.02);
  BOOST_TEST(std::abs(l / (x * r.mean) - 1) < 0.02);     // Little: L = X R at the adapter
  BOOST_TEST(std::abs(x * (r.mean + Z) / kN - 1) < 0.02);  // Little: N = X (R + Z)
}

BOOST_AUTO_TEST_SUITE_END()

int sc_main(int argc, char** argv) { return boost::unit_test::unit_test_main(&init_unit_test, argc, argv); }
