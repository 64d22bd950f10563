// sc/apcb_check_rtl.cpp — drives the Verilated rtl/apcb_check.sv (see sc/apcb_check_rtl.h).
//
// The only file that includes the Verilated headers of apcb_check (they stay C++-mode, no
// systemc.h; systemc-verilator-notes.md §2.3 pitfall 5).  Costs: load 1 cycle, commit 1
// cycle, check 2 cycles (stage 1: register request and select bits; stage 2: combine and
// register the decision).  The Verilated headers come first, before anything includes
// <systemc>: verilated_funcs.h (5.006) switches to its SystemC flavour when SYSTEMC_VERSION
// is defined and then wants a global ::sc_time_stamp(), which <systemc> (unlike systemc.h)
// does not provide.  The model and the runtime in apsim_rtl are built as plain C++ (--cc),
// so this TU must see them so too.
#include "Vapcb_check.h"
#include "Vapcb_check___024root.h"  // the /*verilator public_flat_rd*/ registers
//
#include "sc/apcb_check_rtl.h"

#include <stdexcept>
#include <string>

namespace apsim::sc {

using sc_core::sc_time;
using sc_core::SC_MANY_WRITERS;

namespace {
// Several vCPU threads may share one checker; each write comes from whichever operates it.
template <class T>
using TraceSig = sc_core::sc_signal<T, SC_MANY_WRITERS>;
template <int W>
using TraceVec = TraceSig<sc_dt::sc_uint<W>>;

constexpr uint32_t kMaxCycles = 16;  // a response later than this is an RTL bug

/// Bits [lsb, lsb+64) of a Verilated wide vector (32-bit words, word 0 = bits 31..0).
template <class Wide>
uint64_t wide_u64(const Wide& w, unsigned lsb) {
  return static_cast<uint64_t>(w[lsb / 32]) | static_cast<uint64_t>(w[lsb / 32 + 1]) << 32;
}
}  // namespace

struct ApcbCheckRtl::Impl {
  explicit Impl(const sc_time& clock_period)
      : ctx(std::make_unique<VerilatedContext>()),
        v(std::make_unique<Vapcb_check>(ctx.get(), "apcb_check")),
        period(clock_period),
        half(clock_period / 2.0),
        rest(clock_period - half) {}

  // Constructed inside the module's constructor, so the signals are the module's children
  // and their names are hierarchical ("sie.apcb_check.clk").
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vapcb_check> v;
  const sc_time period, half, rest;

  bool busy = false;
  unsigned waiters = 0;
  sc_core::sc_event free_ev{"apcb_check_free"};

  uint64_t n_checks = 0, n_cycles = 0;
  bool tracing = false;

  // Trace mirrors of the RTL (written only when tracing).
  TraceSig<bool> clk{"clk"}, rst_n{"rst_n"};
  TraceSig<bool> load_valid{"load_valid"};
  TraceVec<2> load_ctx{"load_ctx"}, load_sel{"load_sel"}, load_word{"load_word"};
  TraceVec<64> load_data{"load_data"};
  TraceSig<bool> commit_valid{"commit_valid"};
  TraceVec<2> commit_ctx{"commit_ctx"};
  TraceSig<bool> req_valid{"req_valid"};
  TraceVec<2> req_ctx{"req_ctx"};
  TraceVec<8> apid{"apid"}, apqi{"apqi"};
  TraceSig<bool> cdom_check{"cdom_check"};
  TraceVec<8> cdom{"cdom"};
  TraceVec<8> act_fmt{"act_fmt"};  // active format of contexts 3..0, 2 bits each
  TraceSig<bool> s1_valid{"s1_valid"};
  TraceVec<2> s1_ctx{"s1_ctx"}, s1_fmt{"s1_fmt"};
  TraceVec<8> s1_apid{"s1_apid"}, s1_apqi{"s1_apqi"};
  TraceSig<bool> s1_fmt_ok{"s1_fmt_ok"}, s1_apm_bit{"s1_apm_bit"}, s1_aqm_bit{"s1_aqm_bit"},
      s1_ids_in{"s1_ids_in"}, s1_cdom_check{"s1_cdom_check"}, s1_cdom_ok{"s1_cdom_ok"};
  TraceSig<bool> rsp_valid{"rsp_valid"}, allow{"allow"}, cdom_allow{"cdom_allow"};
  TraceVec<2> reason{"reason"};

  void rise() {
    v->clk = 1;
    v->eval();
  }
  void fall() {
    v->clk = 0;
    v->eval();
  }

  /// Reset: two clocks with rst_n low.  No simulated time (construction / elaboration).
  void reset() {
    v->rst_n = 0;
    v->req_valid = 0;
    v->load_valid = 0;
    v->commit_valid = 0;
    fall();
    for (int i = 0; i < 2; ++i) {
      rise();
      fall();
    }
    v->rst_n = 1;
    v->eval();
  }

  /// Copy the model's state into the trace signals (visible after this delta).
  void publish() {
    const Vapcb_check& m = *v;
    const Vapcb_check___024root& r = *v->rootp;
    clk.write(m.clk);
    rst_n.write(m.rst_n);
    load_valid.write(m.load_valid);
    load_ctx.write(m.load_ctx);
    load_sel.write(m.load_sel);
    load_word.write(m.load_word);
    load_data.write(m.load_data);
    commit_valid.write(m.commit_valid);
    commit_ctx.write(m.commit_ctx);
    req_valid.write(m.req_valid);
    req_ctx.write(m.req_ctx);
    apid.write(m.apid);
    apqi.write(m.apqi);
    cdom_check.write(m.cdom_check);
    cdom.write(m.cdom);
    act_fmt.write(r.apcb_check__DOT__act_fmt);
    s1_valid.write(r.apcb_check__DOT__s1_valid);
    s1_ctx.write(r.apcb_check__DOT__s1_ctx);
    s1_fmt.write(r.apcb_check__DOT__s1_fmt);
    s1_apid.write(r.apcb_check__DOT__s1_apid);
    s1_apqi.write(r.apcb_check__DOT__s1_apqi);
    s1_fmt_ok.write(r.apcb_check__DOT__s1_fmt_ok);
    s1_apm_bit.write(r.apcb_check__DOT__s1_apm_bit);
    s1_aqm_bit.write(r.apcb_check__DOT__s1_aqm_bit);
    s1_ids_in.write(r.apcb_check__DOT__s1_ids_in);
    s1_cdom_check.write(r.apcb_check__DOT__s1_cdom_check);
    s1_cdom_ok.write(r.apcb_check__DOT__s1_cdom_ok);
    rsp_valid.write(m.rsp_valid);
    allow.write(m.allow);
    cdom_allow.write(m.cdom_allow);
    reason.write(m.reason);
  }

  /// Clock the model with the inputs as set: the one-cycle pulses (load_valid, commit_valid,
  /// req_valid) are dropped at the first rising edge.  Runs one cycle, or until rsp_valid
  /// when `until_response`.  Returns the cycles run; simulated time advances by as many
  /// periods.
  uint32_t run(bool until_response, const char* who) {
    uint32_t cycles = 0;
    if (!tracing) {
      // Both edges of every cycle back to back, then one wait for the whole operation.
      do {
        rise();
        drop_pulses();
        fall();
        ++cycles;
      } while (until_response && !v->rsp_valid && cycles < kMaxCycles);
      sc_core::wait(period * static_cast<double>(cycles));
    } else {
      // Per cycle: clk low for half a period (inputs visible), rising edge, clk high for the
      // rest of the period; the falling edge starts the next cycle.  Signal writes become
      // visible in the delta after each write, i.e. at the time of the wait that follows.
      do {
        publish();
        sc_core::wait(half);
        rise();
        drop_pulses();
        publish();
        sc_core::wait(rest);
        fall();
        ++cycles;
      } while (until_response && !v->rsp_valid && cycles < kMaxCycles);
      publish();  // clk low again while idle
    }
    if (until_response && !v->rsp_valid)
      SC_REPORT_ERROR(who, ("apcb_check: no response after " + std::to_string(cycles) + " cycles").c_str());
    n_cycles += cycles;
    return cycles;
  }

  void drop_pulses() {
    v->req_valid = 0;
    v->load_valid = 0;
    v->commit_valid = 0;
  }

  void acquire() {
    while (busy) {
      ++waiters;
      sc_core::wait(free_ev);
      --waiters;
    }
    busy = true;
  }
  void release() {
    busy = false;
    if (waiters) free_ev.notify(sc_core::SC_ZERO_TIME);
  }
};

ApcbCheckRtl::ApcbCheckRtl(const sc_core::sc_module_name& name, const sc_time& clock_period)
    : sc_core::sc_module(name), impl_(std::make_unique<Impl>(clock_period)) {
  impl_->reset();
}

ApcbCheckRtl::~ApcbCheckRtl() {
  // Verilator 5.006 unregisters the model's scopes (there are some: the public registers)
  // through Verilated::threadContextp(), i.e. the context constructed last on this thread —
  // possibly another checker's, already deleted: seen as a hang in ~VerilatedScope with two
  // checkers.  Point it at our own context while we tear down, and leave no dangling pointer
  // to it behind.
  Verilated::threadContextp(impl_->ctx.get());
  impl_->v->final();
  impl_->v.reset();
  impl_->ctx.reset();
  Verilated::threadContextp(nullptr);  // next use falls back to Verilated's default context
}

uint32_t ApcbCheckRtl::load(unsigned ctx, ApcbLoadSel sel, unsigned word, uint64_t data) {
  if (ctx >= kApcbContexts || word >= 4) throw std::out_of_range("ApcbCheckRtl::load: context or word out of range");
  Impl& m = *impl_;
  m.acquire();
  Vapcb_check& v = *m.v;
  v.load_ctx = static_cast<uint8_t>(ctx);
  v.load_sel = static_cast<uint8_t>(sel);
  v.load_word = static_cast<uint8_t>(word);
  v.load_data = data;
  v.load_valid = 1;
  const uint32_t cycles = m.run(false, name());
  m.release();
  return cycles;
}

uint32_t ApcbCheckRtl::commit(unsigned ctx) {
  if (ctx >= kApcbContexts) throw std::out_of_range("ApcbCheckRtl::commit: context out of range");
  Impl& m = *impl_;
  m.acquire();
  m.v->commit_ctx = static_cast<uint8_t>(ctx);
  m.v->commit_valid = 1;
  const uint32_t cycles = m.run(false, name());
  m.release();
  return cycles;
}

ApcbCheckResult ApcbCheckRtl::check(const ApcbCheckRequest& req) {
  Impl& m = *impl_;
  m.acquire();
  Vapcb_check& v = *m.v;
  v.req_ctx = static_cast<uint8_t>(req.ctx & 3u);
  v.apid = req.apid;
  v.apqi = req.apqi;
  v.cdom_check = req.cdom_check;
  v.cdom = req.cdom;
  v.req_valid = 1;
  const uint32_t cycles = m.run(true, name());
  const ApcbCheckResult res{v.allow != 0, v.cdom_allow != 0, cycles};
  ++m.n_checks;
  m.release();
  return res;
}

Apcb ApcbCheckRtl::active(unsigned ctx) const {
  if (ctx >= kApcbContexts) throw std::out_of_range("ApcbCheckRtl::active: context out of range");
  const Vapcb_check___024root& r = *impl_->v->rootp;
  Apcb a;
  a.fmt = (r.apcb_check__DOT__act_fmt >> (2 * ctx)) & 3u;
  for (unsigned w = 0; w < 4; ++w) {
    // Word w (ids 64w..64w+63) of context ctx: bits ctx*256 + (3-w)*64 + 63 .. + 0.
    const unsigned lsb = ctx * 256 + (3 - w) * 64;
    a.apm.set_word64(w, wide_u64(r.apcb_check__DOT__act_apm, lsb));
    a.aqm.set_word64(w, wide_u64(r.apcb_check__DOT__act_aqm, lsb));
    a.adm.set_word64(w, wide_u64(r.apcb_check__DOT__act_adm, lsb));
  }
  return a;
}

void ApcbCheckRtl::trace(sc_core::sc_trace_file* tf) const {
  if (!tf) return;
  Impl& m = *impl_;
  m.tracing = true;
  m.publish();  // initial values = the state after reset
  auto t = [tf](const auto& sig) { sc_core::sc_trace(tf, sig, sig.name()); };
  t(m.clk), t(m.rst_n);
  t(m.load_valid), t(m.load_ctx), t(m.load_sel), t(m.load_word), t(m.load_data);
  t(m.commit_valid), t(m.commit_ctx), t(m.act_fmt);
  t(m.req_valid), t(m.req_ctx), t(m.apid), t(m.apqi), t(m.cdom_check), t(m.cdom);
  t(m.s1_valid), t(m.s1_ctx), t(m.s1_fmt), t(m.s1_apid), t(m.s1_apqi), t(m.s1_fmt_ok), t(m.s1_apm_bit);
  t(m.s1_aqm_bit), t(m.s1_ids_in), t(m.s1_cdom_check), t(m.s1_cdom_ok);
  t(m.rsp_valid), t(m.allow), t(m.cdom_allow), t(m.reason);
}

const sc_time& ApcbCheckRtl::clock_period() const { return impl_->period; }
uint64_t ApcbCheckRtl::checks() const { return impl_->n_checks; }
uint64_t ApcbCheckRtl::cycles() const { return impl_->n_cycles; }

}  // namespace apsim::sc
