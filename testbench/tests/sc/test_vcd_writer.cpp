// testbench/tests/sc/test_vcd_writer.cpp — apsim's VCD writer (sc/vcd_writer.h) on a small
// module whose thread sets plain variables of each kind the writer takes (bool, unsigned, an
// int traced as 8 bits, sc_uint<12>, sc_lv<4> with X and Z, sc_bv<70>, double) to values of
// step k at k·10 ns, k = 0..10, then stops at 110 ns.  The expected value lines are written
// out by hand from IEEE 1364 §18's format (vectors "bBITS ID" without leading zeros, scalars
// "VID", reals "rVALUE ID").
//
// main() is libsystemc's and calls sc_main(), which runs Boost.Test; each case is its own
// process (ctest), so each elaborates its own module.
#define BOOST_TEST_MODULE vcd_writer
#define BOOST_TEST_NO_MAIN
#define BOOST_TEST_ALTERNATIVE_INIT_API
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <systemc>

#include "sc/vcd_writer.h"

namespace {

using apsim::sc::VcdOptions;
using apsim::sc::VcdWriter;
using namespace sc_core;

SC_MODULE(Steps) {
  bool b = false;
  unsigned u = 0;
  int i = 0;
  sc_dt::sc_uint<12> x;
  sc_dt::sc_lv<4> lv;
  sc_dt::sc_bv<70> bv;
  double d = 0;

  SC_CTOR(Steps) { SC_THREAD(run); }

  void set(int k) {
    static const char* const lv_values[] = {"0000", "01XZ", "ZZZZ", "0001"};
    b = k & 1;
    u = 3 * static_cast<unsigned>(k);
    i = -k;
    x = 0x100 + k;
    lv = lv_values[k % 4];
    bv = 0;
    bv.range(3, 0) = k;
    bv.range(69, 66) = k;
    d = k / 4.0;
  }
  void run() {
    for (int k = 0; k <= 10; ++k) {
      set(k);
      wait(10, SC_NS);
    }
    sc_stop();
  }
  void trace(sc_trace_file* tf) {
    sc_trace(tf, b, "top.b");
    sc_trace(tf, u, "top.u");
    sc_trace(tf, i, "top.i", 8);
    sc_trace(tf, x, "top.x");
    sc_trace(tf, lv, "top.lv");
    sc_trace(tf, bv, "top.sub.bv");
    sc_trace(tf, d, "top.d");
  }
};

// bv of step k: bits 69..66 and 3..0 are k (k <= 10), the rest 0; leading zeros dropped.
std::string bv_bits(int k) {
  std::string s;
  for (int bit = 69; bit >= 0; --bit) {
    const bool one = bit >= 66 ? (k >> (bit - 66) & 1) : bit < 4 ? (k >> bit & 1) : false;
    if (one || !s.empty() || bit == 0) s += one ? '1' : '0';
  }
  return s;
}

// The value lines of step k, in trace order (ids a..g); bv's id is f, d's g: bv is declared
// under the sub-scope but numbered in trace order.
std::string step(int k) {
  static const char* const u[] = {"0", "11", "110", "1001", "1100", "1111", "10010"};
  static const char* const i8[] = {"0", "11111111", "11111110", "11111101", "11111100", "11111011", "11111010"};
  static const char* const x[] = {"100000000", "100000001", "100000010", "100000011", "100000100", "100000101", "100000110"};
  static const char* const lv[] = {"0", "1xz", "zzzz", "1"};
  static const char* const d[] = {"0", "0.25", "0.5", "0.75", "1", "1.25", "1.5"};
  std::ostringstream o;
  o << (k & 1) << "a\nb" << u[k] << " b\nb" << i8[k] << " c\nb" << x[k] << " d\nb" << lv[k % 4] << " e\nb" << bv_bits(k)
    << " f\nr" << d[k] << " g\n";
  return o.str();
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What follows the declarations.
std::string values_of(const std::string& vcd) {
  const std::string end = "$enddefinitions $end\n";
  const size_t at = vcd.find(end);
  return at == std::string::npos ? "" : vcd.substr(at + end.size());
}

std::string run(const VcdOptions& options, const std::string& path) {
  Steps steps("steps");
  VcdWriter vcd(path, options);
  steps.trace(&vcd);
  BOOST_REQUIRE(vcd.unmatched_scopes().empty());
  BOOST_REQUIRE_EQUAL(vcd.open(), "");
  sc_start();
  BOOST_REQUIRE_EQUAL(vcd.close(), "");
  return read(path);
}

}  // namespace

// [25 ns, 65 ns]: the values of step 2 at exactly 25 ns (no step is at 25 ns), steps 3..6 at
// their times, the end at exactly 65 ns, nothing from 70 ns on.
BOOST_AUTO_TEST_CASE(window_starts_with_the_values_at_from_and_ends_at_to) {
  VcdOptions o;
  o.from_ps = 25000;
  o.to_ps = 65000;
  const std::string vcd = run(o, "test_vcd_writer_window.vcd");
  BOOST_TEST(vcd.find("$scope module top $end") != std::string::npos);
  BOOST_TEST(vcd.find("$var wire 8 c i [7:0] $end") != std::string::npos);
  BOOST_TEST(vcd.find("$scope module sub $end\n$var wire 70 f bv [69:0] $end") != std::string::npos);
  BOOST_TEST(vcd.find("$var real 64 g d $end") != std::string::npos);
  const std::string want = "#25000\n$dumpvars\n" + step(2) + "$end\n#30000\n" + step(3) + "#40000\n" + step(4) +
                           "#50000\n" + step(5) + "#60000\n" + step(6) + "#65000\n";
  BOOST_TEST(values_of(vcd) == want);
}

// No --vcd-to: the run's last changes (100 ns) and its end (110 ns, sc_stop) close the file.
BOOST_AUTO_TEST_CASE(run_ending_inside_the_window_ends_the_file) {
  VcdOptions o;
  o.from_ps = 95000;
  const std::string vcd = run(o, "test_vcd_writer_open_end.vcd");
  // Step 9 at 95 ns; at 100 ns step 10 changes what differs from step 9.
  const std::string v = values_of(vcd);
  BOOST_TEST(v.rfind("#95000\n$dumpvars\n1a\n", 0) == 0, v);
  BOOST_TEST(v.find("#100000\n0a\nb11110 b\n") != std::string::npos, v);
  BOOST_TEST(v.size() > 8);
  BOOST_TEST(v.substr(v.size() - 8) == "#110000\n");
}

// The scope filter: a glob or a scope name keeps its signals, the others are not declared;
// a pattern that keeps nothing is reported; the types no model traces are refused by name.
BOOST_AUTO_TEST_CASE(scope_filter_and_refused_types) {
  BOOST_TEST(apsim::sc::vcd_scope_matches("card06.*", "card06.occupancy"));
  BOOST_TEST(apsim::sc::vcd_scope_matches("cpu", "cpu.cpu0.state"));
  BOOST_TEST(apsim::sc::vcd_scope_matches("cpu.*.state", "cpu.cpu1.state"));
  BOOST_TEST(!apsim::sc::vcd_scope_matches("cpu", "cpu_complex.x"));
  BOOST_TEST(!apsim::sc::vcd_scope_matches("card0", "card06.occupancy"));
  VcdOptions o;
  o.scopes = {"top.sub", "top.?", "nothing.*"};
  Steps steps("steps");
  VcdWriter vcd("test_vcd_writer_scopes.vcd", o);
  steps.trace(&vcd);
  BOOST_TEST(vcd.declared("top.sub.bv"));
  BOOST_TEST(vcd.declared("top.b"));
  BOOST_TEST(!vcd.declared("top.lv"));
  BOOST_TEST(vcd.unmatched_scopes() == std::vector<std::string>{"nothing.*"});
  sc_event e("e");
  BOOST_CHECK_THROW(sc_trace(&vcd, e, "top.e"), std::invalid_argument);
}

int sc_main(int argc, char** argv) { return boost::unit_test::unit_test_main(&init_unit_test, argc, argv); }
