// testbench/tests/rtl/rtl_swap_point.cpp — the swap point of rtl/apcb_check.sv, cycle by
// cycle, on the bare Verilated model (no SystemC, no wrapper): a request sampled on the edge
// that also samples a commit sees the old APCB, a request sampled one edge later the new one;
// a word loaded on the commit's edge is not part of that commit.  (Part of test_apcb_check;
// this translation unit includes the Verilated headers without <systemc>.)
#include "Vapcb_check.h"
//
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <memory>

namespace {

/// One Verilated apcb_check driven edge by edge.
struct Bare {
  std::unique_ptr<VerilatedContext> ctx = std::make_unique<VerilatedContext>();
  std::unique_ptr<Vapcb_check> v = std::make_unique<Vapcb_check>(ctx.get(), "bare");

  Bare() {
    v->rst_n = 0;
    idle();
    v->clk = 0;
    v->eval();
    edge();
    edge();
    v->rst_n = 1;
  }
  ~Bare() {
    // See ApcbCheckRtl::~ApcbCheckRtl: tear down under our own context.
    Verilated::threadContextp(ctx.get());
    v->final();
    v.reset();
    ctx.reset();
    Verilated::threadContextp(nullptr);
  }
  void idle() {
    v->load_valid = 0;
    v->commit_valid = 0;
    v->req_valid = 0;
  }
  /// One clock: rising edge (samples the inputs), then the inputs go idle, falling edge.
  void edge() {
    v->clk = 1;
    v->eval();
    idle();
    v->clk = 0;
    v->eval();
  }
  void load(unsigned c, unsigned sel, unsigned word, uint64_t data) {
    v->load_valid = 1;
    v->load_ctx = c;
    v->load_sel = sel;
    v->load_word = word;
    v->load_data = data;
  }
  void request(unsigned c, unsigned apid, unsigned apqi) {
    v->req_valid = 1;
    v->req_ctx = c;
    v->apid = apid;
    v->apqi = apqi;
    v->cdom_check = 0;
    v->cdom = 0;
  }
};

constexpr uint64_t bit(unsigned id) { return uint64_t{1} << (63 - id); }  // MSB-first, word 0

}  // namespace

BOOST_AUTO_TEST_CASE(swap_point_is_the_commit_edge) {
  Bare m;
  // Context 2: format 2, APM {5}, AQM {7}; committed.
  m.load(2, 3, 0, 3), m.edge();
  m.load(2, 0, 0, bit(5)), m.edge();
  m.load(2, 1, 0, bit(7)), m.edge();
  m.v->commit_valid = 1, m.v->commit_ctx = 2, m.edge();
  // Shadow: APM {6} (APQN 05.0007 no longer valid, 06.0007 valid).
  m.load(2, 0, 0, bit(6)), m.edge();

  // Edge e: commit and a request for 05.0007 sampled together -> the old APCB answers.
  m.v->commit_valid = 1, m.v->commit_ctx = 2;
  m.request(2, 5, 7);
  m.edge();  // e
  // Edge e+1: a request for 05.0007 -> the new APCB answers; the first decision comes out.
  m.request(2, 5, 7);
  m.edge();  // e+1: stage 2 of request 1
  BOOST_TEST(m.v->rsp_valid == 1);
  BOOST_TEST(m.v->allow == 1);  // sampled with the commit: old masks
  m.edge();  // e+2: stage 2 of request 2
  BOOST_TEST(m.v->rsp_valid == 1);
  BOOST_TEST(m.v->allow == 0);  // one edge later: new masks
  m.edge();
  BOOST_TEST(m.v->rsp_valid == 0);  // one response per request

  // A word loaded on the commit's edge waits for the next commit.
  m.load(2, 0, 0, bit(9));
  m.v->commit_valid = 1, m.v->commit_ctx = 2;
  m.edge();  // commit copies APM {6}; the shadow now holds {9}
  m.request(2, 9, 7), m.edge(), m.edge();
  BOOST_TEST(m.v->allow == 0);
  m.request(2, 6, 7), m.edge(), m.edge();
  BOOST_TEST(m.v->allow == 1);
  m.v->commit_valid = 1, m.v->commit_ctx = 2, m.edge();
  m.request(2, 9, 7), m.edge(), m.edge();
  BOOST_TEST(m.v->allow == 1);
}
