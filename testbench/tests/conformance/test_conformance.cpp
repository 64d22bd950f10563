// testbench/tests/conformance/test_conformance.cpp — the AP instructions as the
// architecture defines them (docs/ap-instructions.md, ap-facility-spec.md §1, §2, §5.3, §6):
// register decoding, program interruptions, every PQAP function, every response code in its
// condition, queue depth, adapter states, interruptions — each case on the host context
// and on a guest context (SIE interpretation, KVM/vfio_ap intercepts).
//
// One platform per process (SystemC elaborates once): sc_main builds the LPAR below, the
// CPU thread boots the host Linux, starts guest g1 (adapters 05..09, domain 0xab, through
// vfio_ap), g2 (-cpu host,ap=off) and g3 (-cpu host,apft=off), and then runs Boost.Test on
// that thread, so test cases execute instructions and let simulated time pass directly.
// Suites: host, guest (the same cases on each context), faults (adapter states), fuzz
// (malformed instructions and the no-request-lost invariant).  Every case starts from
// queues it resets itself.
#define BOOST_TEST_NO_MAIN
#define BOOST_TEST_ALTERNATIVE_INIT_API
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <systemc>

#include "arch/ap_instructions.h"
#include "arch/ap_registers.h"
#include "arch/gisa.h"
#include "arch/qci.h"
#include "driver/linux/kernel.h"
#include "driver/linux/kvm-s390.h"
#include "driver/qemu/qemu.h"
#include "driver/shell/shell.h"
#include "driver/userspace/init.h"
#include "driver/userspace/session.h"
#include "driver/linux/zcrypt_msgtype50.h"
#include "sc/lpar_config.h"
#include "sc/platform.h"

namespace {

using namespace apsim;
using arch::ApQueueStatus;
using arch::Apqn;
using arch::GeneralRegisters;
using arch::InsnOutcome;
using arch::PqapFc;
namespace bt = boost::unit_test;

// The LPAR: every adapter exercises something.
//   05 CEX5C, QD 2 read as QD+1 = 3 slots           06 CEX6A, QD 4 read as QD = 4 slots
//   07 CEX8A without 4K facilities (RC 0x16)        08 "CEX9": raw type 15, QACT -> CEX8
//   09 CEX7P with Nd 0x46: domains 0x47, 0xab answer NQAP with RC 0x42
//   0a CEX7A in the machine, not in the LPAR's configuration (faults/hmc_dynamic_change)
// Host cases use domain 0x04 (and 0x47), guest cases domain 0xab (g1's only domain).
const char* kLpar = R"({
  "adapters": [
    {"id": 5, "type": "CEX5", "mode": "cca", "qd": 2},
    {"id": 6, "type": "CEX6", "mode": "accel", "qd": 4, "qd_plus_one_slots": false},
    {"id": 7, "type": "CEX8", "mode": "accel", "mex4k": false, "crt4k": false},
    {"id": 8, "type": "CEX9", "mode": "accel"},
    {"id": 9, "type": "CEX7", "mode": "ep11", "nd": "0x46"},
    {"id": 10, "type": "CEX7", "mode": "accel", "in_config": false}
  ],
  "usage_domains": [4, "0x47", "0xab"],
  "control_domains": [4, "0x47", "0xab"],
  "facilities": {"qact": true},
  "software_costs": {"kvm_pqap_aqic": 1000},
  "kernel_cmdline": "ap.apmask=0x0 ap.aqmask=0x0"
})";

// The guests, started as an administrator would.
const char* kSetup = R"(
modprobe vfio_ap
U=$(uuidgen)
echo $U > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
for a in 5 6 7 8 9; do echo $a > /sys/devices/vfio_ap/matrix/$U/assign_adapter; done
echo 0xab > /sys/devices/vfio_ap/matrix/$U/assign_domain
echo 0xab > /sys/devices/vfio_ap/matrix/$U/assign_control_domain
qemu-system-s390x -name g1 -cpu host -m 1G -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$U
qemu-system-s390x -name g2 -cpu host,ap=off -m 256M
qemu-system-s390x -name g3 -cpu host,apft=off -m 256M
)";

constexpr uint64_t kUs = 1'000'000;       // ps
constexpr uint64_t kMs = 1'000'000'000;   // ps

/// One CPU context the cases run on.
struct Ctx {
  std::string name;
  driver::LinuxKernel* k = nullptr;
  arch::Cpu* cpu = nullptr;
  bool guest = false;
  uint8_t dom = 0;        ///< the usage domain this context's cases use
  uint64_t msg = 0;       ///< 64 KiB of scratch storage for messages
  uint64_t buf = 0;       ///< 64 KiB for replies
  uint64_t page = 0;      ///< a page for QCI blocks and NIBs
  Apqn q(unsigned apid) const { return Apqn{static_cast<uint8_t>(apid), dom}; }
};

struct Env {
  sc::Platform* platform = nullptr;
  driver::LinuxKernel* host = nullptr;
  Ctx host_ctx, guest_ctx;
  arch::Cpu* noap = nullptr;     ///< g2: no AP instructions
  arch::Cpu* noapft = nullptr;   ///< g3: no APFT (TAPQ T bit)
  driver::KvmVm* vm = nullptr;   ///< g1's VM (its GISA)
};
Env* g_env = nullptr;

// ---- instruction helpers ---------------------------------------------------------------
struct R {
  InsnOutcome o;
  GeneralRegisters r;
  ApQueueStatus s() const { return ApQueueStatus::from_gr1(r[1]); }
  uint8_t rc() const { return s().response_code; }
};

R pqap(Ctx& c, uint64_t gr0, uint64_t gr1 = 0, uint64_t gr2 = 0, bool problem_state = false) {
  R x;
  x.r[0] = gr0;
  x.r[1] = gr1;
  x.r[2] = gr2;
  x.r.problem_state = problem_state;
  x.o = c.cpu->ap().pqap(x.r);
  return x;
}
R tapq(Ctx& c, Apqn q, bool t = false) { return pqap(c, arch::make_pqap_gr0(PqapFc::TAPQ, q, t)); }
R zapq(Ctx& c, Apqn q) { return pqap(c, arch::make_pqap_gr0(PqapFc::ZAPQ, q)); }
R rapq(Ctx& c, Apqn q, bool f = false) { return pqap(c, arch::make_pqap_gr0(PqapFc::RAPQ, q, false, f)); }
R aqic(Ctx& c, Apqn q, bool enable, uint64_t nib, uint8_t isc = 3) {
  arch::AqicControl ctl;
  ctl.ir = enable;
  ctl.isc = isc;
  return pqap(c, arch::make_pqap_gr0(PqapFc::AQIC, q), ctl.pack(), nib);
}
void delay(Ctx& c, uint64_t ps) { c.cpu->delay_ps(ps); }

/// NQAP of `msg` (copied to the context's scratch storage) with PSMID `psmid`.
R nqap(Ctx& c, Apqn q, uint64_t psmid, const std::vector<uint8_t>& msg, bool last = true) {
  c.cpu->storage().write(c.msg, msg.data(), msg.size());
  R x;
  x.r[0] = arch::make_nqap_gr0(q);
  if (!last) x.r[0] &= ~arch::kGr0NqapLast;
  x.r[4] = psmid >> 32;
  x.r[5] = psmid & 0xffffffff;
  x.r[6] = c.msg;
  x.r[7] = msg.size();
  x.o = c.cpu->ap().nqap(x.r, 4, 6);
  return x;
}
/// DQAP into the context's reply buffer; `gr0` 0 = a fresh DQAP of `q`.
R dqap(Ctx& c, Apqn q, uint64_t len = 4096, uint64_t gr0 = 0) {
  R x;
  x.r[0] = gr0 ? gr0 : arch::make_dqap_gr0(q);
  x.r[6] = c.buf;
  x.r[7] = len;
  x.o = c.cpu->ap().dqap(x.r, 4, 6);
  return x;
}
uint64_t psmid_of(const R& x) { return (x.r[4] << 32) | (x.r[5] & 0xffffffff); }
std::vector<uint8_t> read_reply(Ctx& c, size_t n) {
  std::vector<uint8_t> v(n);
  c.cpu->storage().read(c.buf, v.data(), n);
  return v;
}

/// A type-50 ME request: result = m^e mod n with modulus of `bytes` bytes (1..512);
/// `n`, `e`, `m` are the low bytes of the numbers (big-endian, right-justified).
std::vector<uint8_t> mex(unsigned bytes, uint64_t n, uint64_t e, uint64_t m, bool big_modulus = false) {
  driver::ica_rsa_modexpo x;
  x.inputdatalength = x.outputdatalength = bytes;
  auto num = [bytes](uint64_t v) {
    std::vector<uint8_t> b(bytes, 0);
    for (unsigned i = 0; i < 8 && i < bytes; ++i) b[bytes - 1 - i] = static_cast<uint8_t>(v >> (8 * i));
    return b;
  };
  x.inputdata = num(m);
  x.b_key = num(e);
  x.n_modulus = num(n);
  if (big_modulus) x.n_modulus[0] = 0x80;
  std::vector<uint8_t> msg;
  BOOST_REQUIRE_EQUAL(driver::ICAMEX_msg_to_type50MEX_msg(x, msg), 0);
  return msg;
}
/// The request every case uses: 2^3 mod 197 = 8 (MEB1, a short exponent: the MEX_1k rating,
/// CEX5A 8 units = 43.2 µs, CEX6A 6 units = 32.4 µs).
std::vector<uint8_t> small_request() { return mex(1, 197, 3, 2); }

/// Reset `q` and wait until the reset is over: an empty queue, interruptions off.
void fresh(Ctx& c, Apqn q) {
  const R z = zapq(c, q);
  BOOST_REQUIRE_MESSAGE(!z.o.interrupted() && z.rc() == 0, c.name << " ZAPQ " << q.name() << " rc " << int(z.rc()));
  delay(c, 1 * kMs);
  const R t = tapq(c, q);
  BOOST_REQUIRE_EQUAL(int(t.rc()), 0);
  BOOST_REQUIRE(t.s().queue_empty);
  BOOST_REQUIRE(!t.s().irq_enabled);
}

/// The adapter model's view of a queue, to hold the status word against it.
const sc::ApQueue* hwq(Apqn q) { return g_env->platform->adapter(q.apid)->queue(q.apqi); }
/// `exact`: nothing can have changed since the instruction.  Otherwise (the fuzz case) an
/// engine may have finished a request (a new reply) or an AQIC may have taken effect while
/// the instruction's bus transaction and storage moves took their time; occupancy changes
/// only by instructions, so queue_empty and queue_full must match exactly anyway.
void check_status_true_to_queue(const R& x, Apqn q, bool exact = true) {
  const sc::ApQueue* h = hwq(q);
  BOOST_REQUIRE(h);
  const ApQueueStatus s = x.s();
  BOOST_TEST(s.queue_empty == (h->occupancy() == 0));
  BOOST_TEST(s.queue_full == h->full());
  if (exact) {
    BOOST_TEST(s.replies_waiting == !h->replies.empty());
    BOOST_TEST(s.irq_enabled == h->irq_enabled);
  } else if (s.replies_waiting) {
    BOOST_TEST(!h->replies.empty());
  }
}

void expect_pgm(const R& x, uint16_t code, const std::string& what) {
  BOOST_TEST_CONTEXT(what) {
    BOOST_TEST(x.o.interrupted());
    BOOST_TEST(x.o.pgm == code);
  }
}

// =========================================================================================
// Cases run on both contexts
// =========================================================================================

// GR0: function code, APQN, T/F/L bits; every undefined bit of 32–47 is a specification
// exception, bits 0–31 are ignored.
void gr0_decoding(Ctx& c) {
  const Apqn q = c.q(6);
  fresh(c, q);
  // PQAP: bits 42–47 with TAPQ; bit 41 (F) with TAPQ; T with RAPQ/ZAPQ/AQIC.
  for (unsigned bit = 41; bit <= 47; ++bit)
    expect_pgm(pqap(c, arch::make_pqap_gr0(PqapFc::TAPQ, q) | arch::bit64(bit)), arch::PGM_SPECIFICATION,
               "TAPQ with GR0 bit " + std::to_string(bit));
  expect_pgm(pqap(c, arch::make_pqap_gr0(PqapFc::RAPQ, q) | arch::kGr0TBit), arch::PGM_SPECIFICATION, "RAPQ with T");
  // F is defined for RAPQ/ZAPQ: a full reset.
  BOOST_TEST(int(rapq(c, q, true).rc()) == 0);
  delay(c, 1 * kMs);
  // Bits 0–31 are ignored.
  const R t = pqap(c, 0xdeadbeef00000000ull | arch::make_pqap_gr0(PqapFc::TAPQ, q, true));
  BOOST_TEST(!t.o.interrupted());
  BOOST_TEST(int(t.rc()) == 0);
  // NQAP: all of 32–47 but 33 (L) and 41 (special); kvm-unit-tests checks 32, 34, 35, 40.
  const auto msg = small_request();
  for (unsigned bit = 32; bit <= 47; ++bit) {
    if (bit == 33 || bit == 41) continue;
    c.cpu->storage().write(c.msg, msg.data(), msg.size());
    R x;
    x.r[0] = arch::make_nqap_gr0(q) | arch::bit64(bit);
    x.r[6] = c.msg;
    x.r[7] = msg.size();
    x.o = c.cpu->ap().nqap(x.r, 4, 6);
    expect_pgm(x, arch::PGM_SPECIFICATION, "NQAP with GR0 bit " + std::to_string(bit));
  }
  BOOST_TEST(tapq(c, q).s().queue_empty);  // nothing was enqueued
  // The special bit is accepted.
  R sp;
  c.cpu->storage().write(c.msg, msg.data(), msg.size());
  sp.r[0] = arch::make_nqap_gr0(q, true);
  sp.r[6] = c.msg;
  sp.r[7] = msg.size();
  sp.o = c.cpu->ap().nqap(sp.r, 4, 6);
  BOOST_TEST(!sp.o.interrupted());
  BOOST_TEST(int(sp.rc()) == 0);
  // DQAP: all of 33–47; kvm-unit-tests checks 33, 34, 35, 40, 41.
  for (unsigned bit = 33; bit <= 47; ++bit)
    expect_pgm(dqap(c, q, 4096, arch::make_dqap_gr0(q) | arch::bit64(bit)), arch::PGM_SPECIFICATION,
               "DQAP with GR0 bit " + std::to_string(bit));
  fresh(c, q);
}

// PQAP function codes: undefined, Secure Execution only, and QCI's block alignment.
void pqap_function_codes(Ctx& c) {
  for (unsigned fc : {6u, 7u, 8u, 9u, 0x2au, 0xffu})
    expect_pgm(pqap(c, uint64_t{fc} << 24 | c.q(5).qid(), 0, c.page), arch::PGM_SPECIFICATION,
               "PQAP fc " + std::to_string(fc));
  for (unsigned off = 1; off < 8; ++off)
    expect_pgm(pqap(c, uint64_t{4} << 24, 0, c.page + off), arch::PGM_SPECIFICATION,
               "QCI block at +" + std::to_string(off));
  expect_pgm(pqap(c, uint64_t{4} << 24, 0, c.cpu->storage().size() - 64), arch::PGM_ADDRESSING,
             "QCI block across the end of storage");
}

// NQAP/DQAP operands: even/odd pairs, length, storage.
void operands(Ctx& c) {
  const Apqn q = c.q(6);
  fresh(c, q);
  const auto msg = small_request();
  c.cpu->storage().write(c.msg, msg.data(), msg.size());
  auto nq = [&](unsigned r1, unsigned r2, uint64_t addr, uint64_t len) {
    R x;
    x.r[0] = arch::make_nqap_gr0(q);
    x.r[r2 & ~1u] = addr;
    x.r[(r2 & ~1u) + 1] = len;
    x.o = c.cpu->ap().nqap(x.r, r1, r2);
    return x;
  };
  auto dq = [&](unsigned r1, unsigned r2, uint64_t addr, uint64_t len) {
    R x;
    x.r[0] = arch::make_dqap_gr0(q);
    x.r[r2 & ~1u] = addr;
    x.r[(r2 & ~1u) + 1] = len;
    x.o = c.cpu->ap().dqap(x.r, r1, r2);
    return x;
  };
  expect_pgm(nq(3, 6, c.msg, msg.size()), arch::PGM_SPECIFICATION, "NQAP R1 odd");
  expect_pgm(nq(2, 7, c.msg, msg.size()), arch::PGM_SPECIFICATION, "NQAP R2 odd");
  expect_pgm(nq(3, 7, c.msg, msg.size()), arch::PGM_SPECIFICATION, "NQAP both odd");
  // Choice (docs/ap-instructions.md §2): pairs over the implicit registers, or one pair twice.
  expect_pgm(nq(0, 6, c.msg, msg.size()), arch::PGM_SPECIFICATION, "NQAP R1 = GR0/GR1");
  expect_pgm(nq(4, 0, c.msg, msg.size()), arch::PGM_SPECIFICATION, "NQAP R2 = GR0/GR1");
  expect_pgm(nq(6, 6, c.msg, msg.size()), arch::PGM_SPECIFICATION, "NQAP R1 = R2");
  expect_pgm(nq(4, 6, c.msg, 0), arch::PGM_SPECIFICATION, "NQAP length 0");
  expect_pgm(nq(4, 6, c.msg, arch::kApMaxMessageBytes + 1), arch::PGM_SPECIFICATION, "NQAP beyond 60 KiB");
  // 06 is an accelerator: ML 3, 12 KiB.  One byte more is an invalid operand.
  expect_pgm(nq(4, 6, c.msg, 12 * 1024 + 1), arch::PGM_SPECIFICATION, "NQAP beyond the adapter's ML");
  expect_pgm(nq(4, 6, c.cpu->storage().size() - 16, msg.size()), arch::PGM_ADDRESSING, "NQAP message beyond storage");
  expect_pgm(nq(4, 6, ~uint64_t{0} - 8, 64), arch::PGM_ADDRESSING, "NQAP address wraps");
  BOOST_TEST(tapq(c, q).s().queue_empty);  // none of them changed the queue
  expect_pgm(dq(3, 6, c.buf, 4096), arch::PGM_SPECIFICATION, "DQAP R1 odd");
  expect_pgm(dq(4, 7, c.buf, 4096), arch::PGM_SPECIFICATION, "DQAP R2 odd");
  expect_pgm(dq(2, 6, c.buf, 4096), arch::PGM_SPECIFICATION, "DQAP R1 = GR2/GR3 (GR2 is the residual)");
  expect_pgm(dq(4, 0, c.buf, 4096), arch::PGM_SPECIFICATION, "DQAP R2 = GR0/GR1");
  expect_pgm(dq(6, 6, c.buf, 4096), arch::PGM_SPECIFICATION, "DQAP R1 = R2");
  expect_pgm(dq(4, 6, c.buf, 0), arch::PGM_SPECIFICATION, "DQAP length 0");
  expect_pgm(dq(4, 6, c.cpu->storage().size() - 100, 4096), arch::PGM_ADDRESSING, "DQAP buffer beyond storage");
  // A good NQAP takes the operand: R2 even += length, odd = 0; GR1 is the status.
  const R ok = nq(4, 6, c.msg, msg.size());
  BOOST_TEST(!ok.o.interrupted());
  BOOST_TEST(ok.o.cc == 0);
  BOOST_TEST(ok.r[6] == c.msg + msg.size());
  BOOST_TEST(ok.r[7] == 0u);
  fresh(c, q);
}

// NQAP, DQAP, PQAP are privileged.
void privileged(Ctx& c) {
  const uint64_t before = g_env->platform->cpu().stats().pgm_privileged_op;
  const Apqn q = c.q(6);
  expect_pgm(pqap(c, arch::make_pqap_gr0(PqapFc::TAPQ, q), 0, 0, true), arch::PGM_PRIVILEGED_OP, "TAPQ");
  expect_pgm(pqap(c, uint64_t{4} << 24, 0, c.page, true), arch::PGM_PRIVILEGED_OP, "QCI");
  expect_pgm(pqap(c, arch::make_pqap_gr0(PqapFc::AQIC, q), 0, c.page, true), arch::PGM_PRIVILEGED_OP,
             "AQIC (intercepted for a guest)");
  R n;
  n.r.problem_state = true;
  n.r[0] = arch::make_nqap_gr0(q);
  n.r[7] = 0;  // privileged operation comes before the specification exception
  n.o = c.cpu->ap().nqap(n.r, 3, 7);
  expect_pgm(n, arch::PGM_PRIVILEGED_OP, "NQAP");
  R d;
  d.r.problem_state = true;
  d.r[0] = arch::make_dqap_gr0(q);
  d.o = c.cpu->ap().dqap(d.r, 0, 2);
  expect_pgm(d, arch::PGM_PRIVILEGED_OP, "DQAP");
  BOOST_TEST(g_env->platform->cpu().stats().pgm_privileged_op == before + 5);
}

// TAPQ with T: the info word of each adapter type (spec §2.1).
void tapq_info(Ctx& c) {
  struct Expect {
    unsigned apid;
    uint32_t mode_bit;
    uint8_t at, nd, ml, qd;
  };
  // QD: 2 and 4 as configured; 7 is the card table's default (sc/cex_adapter.h: the raw
  // TAPQ value, which lszcrypt shows as 8).
  const Expect ex[] = {{5, arch::AP_FUNC_COPRO, 11, 255, 8, 2},
                       {6, arch::AP_FUNC_ACCEL, 12, 255, 3, 4},
                       {7, arch::AP_FUNC_ACCEL, 14, 255, 3, 7},
                       {8, arch::AP_FUNC_ACCEL, 15, 255, 3, 7},
                       {9, arch::AP_FUNC_EP11, 13, 0x46, 8, 7}};
  for (const Expect& e : ex) {
    BOOST_TEST_CONTEXT("adapter " << e.apid) {
      R t = tapq(c, c.q(e.apid), true);
      BOOST_TEST(!t.o.interrupted());
      BOOST_TEST(int(t.rc()) == 0);
      const arch::TapqInfo i = arch::TapqInfo::unpack(t.r[2]);
      BOOST_TEST((i.functions & e.mode_bit) != 0u);
      BOOST_TEST((i.functions & arch::AP_FUNC_APXA) != 0u);
      BOOST_TEST(int(i.at) == int(e.at));
      BOOST_TEST(int(i.nd) == int(e.nd));
      BOOST_TEST(int(i.ml) == int(e.ml));
      BOOST_TEST(int(i.qd) == int(e.qd));
    }
  }
  // 4K facility bits: 06 has M and C, 07 has neither (LPAR config).
  BOOST_TEST((arch::TapqInfo::unpack(tapq(c, c.q(6), true).r[2]).functions & arch::AP_FUNC_MEX4K) != 0u);
  BOOST_TEST((arch::TapqInfo::unpack(tapq(c, c.q(7), true).r[2]).functions &
              (arch::AP_FUNC_MEX4K | arch::AP_FUNC_CRT4K)) == 0u);
  // Without T, GR2 is left as it was.
  R t = pqap(c, arch::make_pqap_gr0(PqapFc::TAPQ, c.q(6)), 0, 0x1234);
  BOOST_TEST(t.r[2] == 0x1234u);
  // A queue that does not exist: APID without adapter, APQI not a usage domain.
  BOOST_TEST(int(tapq(c, Apqn{0x0a, c.dom}).rc()) == 1);
  BOOST_TEST(tapq(c, Apqn{0x0a, c.dom}).o.cc == 3);
  BOOST_TEST(int(tapq(c, Apqn{6, 0x10}).rc()) == 1);
}

// The status word's four bits, after each step, always equal the queue's state.
void status_bits(Ctx& c) {
  const Apqn q = c.q(5);  // 3 slots
  fresh(c, q);
  R t = tapq(c, q);
  check_status_true_to_queue(t, q);
  const auto msg = small_request();
  for (int i = 0; i < 3; ++i) {
    const R n = nqap(c, q, 100 + i, msg);
    BOOST_TEST(int(n.rc()) == 0);
    check_status_true_to_queue(n, q);
    check_status_true_to_queue(tapq(c, q), q);
  }
  BOOST_TEST(tapq(c, q).s().queue_full);
  BOOST_TEST(!tapq(c, q).s().replies_waiting);
  delay(c, 2 * kMs);  // every request served
  t = tapq(c, q);
  BOOST_TEST(t.s().replies_waiting);
  BOOST_TEST(t.s().queue_full);  // slots stay occupied until DQAP
  check_status_true_to_queue(t, q);
  const R d = dqap(c, q);
  BOOST_TEST(int(d.rc()) == 0);
  check_status_true_to_queue(d, q);
  BOOST_TEST(!d.s().queue_full);
  fresh(c, q);
}

// RAPQ and ZAPQ: asynchronous, RC 0x02 while they run, all work and replies discarded,
// interruptions off afterwards.
void reset_functions(Ctx& c) {
  const Apqn q = c.q(6);
  for (PqapFc fc : {PqapFc::RAPQ, PqapFc::ZAPQ}) {
    BOOST_TEST_CONTEXT((fc == PqapFc::RAPQ ? "RAPQ" : "ZAPQ")) {
      fresh(c, q);
      BOOST_REQUIRE(int(aqic(c, q, true, c.page).rc()) == 0);
      const auto msg = small_request();
      BOOST_REQUIRE(int(nqap(c, q, 1, msg).rc()) == 0);
      delay(c, 1 * kMs);  // the first has its reply
      BOOST_REQUIRE(int(nqap(c, q, 2, msg).rc()) == 0);
      BOOST_REQUIRE(int(nqap(c, q, 3, msg).rc()) == 0);  // one in service, one waiting
      BOOST_REQUIRE(tapq(c, q).s().replies_waiting);
      BOOST_REQUIRE(tapq(c, q).s().irq_enabled);
      const R r = pqap(c, arch::make_pqap_gr0(fc, q));
      BOOST_TEST(int(r.rc()) == 0);
      BOOST_TEST(r.o.cc == 0);
      BOOST_TEST(r.s().queue_empty);
      BOOST_TEST(!r.s().irq_enabled);
      // While the reset runs: RC 0x02 for every function; TAPQ's info word stays valid.
      const R t = tapq(c, q, true);
      BOOST_TEST(int(t.rc()) == 2);
      BOOST_TEST(t.o.cc == 3);
      BOOST_TEST(int(arch::TapqInfo::unpack(t.r[2]).at) == 12);
      BOOST_TEST(int(nqap(c, q, 4, msg).rc()) == 2);
      BOOST_TEST(int(dqap(c, q).rc()) == 2);
      BOOST_TEST(int(aqic(c, q, true, c.page).rc()) == 2);
      BOOST_TEST(int(pqap(c, arch::make_pqap_gr0(fc, q)).rc()) == 2);
      // The reset lasts adapter_reset_cycles (200 µs at 1 GHz).
      delay(c, 150 * kUs);
      BOOST_TEST(int(tapq(c, q).rc()) == 2);
      delay(c, 100 * kUs);
      BOOST_TEST(int(tapq(c, q).rc()) == 0);
      // Discarded: the pending reply, the request in service and the waiting one.
      delay(c, 2 * kMs);
      const R d = dqap(c, q);
      BOOST_TEST(int(d.rc()) == 0x10);
      BOOST_TEST(d.s().queue_empty);
      BOOST_TEST(!d.s().irq_enabled);
    }
  }
}

// AQIC: asynchronous enable and disable, RC 0x05 while one runs, 0x07 when redundant,
// 0x06 for an invalid NIB; a reset disables.
void aqic_function(Ctx& c) {
  const Apqn q = c.q(6);
  fresh(c, q);
  // Invalid NIB: 0 and an address beyond storage.
  BOOST_TEST(int(aqic(c, q, true, 0).rc()) == 6);
  BOOST_TEST(aqic(c, q, true, 0).o.cc == 3);
  BOOST_TEST(int(aqic(c, q, true, ~uint64_t{0}).rc()) == 6);
  // Disable while disabled.
  R r = aqic(c, q, false, 0);
  BOOST_TEST(int(r.rc()) == 7);
  BOOST_TEST(r.o.cc == 3);
  // Enable: RC 0, cc 0; irq_enabled appears only after adapter_aqic_cycles (10 µs).
  r = aqic(c, q, true, c.page);
  const uint64_t enabled_at = c.cpu->now_ps();
  BOOST_TEST(int(r.rc()) == 0);
  BOOST_TEST(r.o.cc == 0);
  BOOST_TEST(!r.s().irq_enabled);
  BOOST_TEST(!tapq(c, q).s().irq_enabled);
  BOOST_TEST(int(aqic(c, q, true, c.page).rc()) == 5);   // busy: the enable is on its way
  BOOST_TEST(int(aqic(c, q, false, 0).rc()) == 5);
  // TAPQ polling, as Linux and kvm-unit-tests do.
  int polls = 0;
  while (!tapq(c, q).s().irq_enabled && polls < 100) delay(c, 1 * kUs), ++polls;
  BOOST_TEST(tapq(c, q).s().irq_enabled);
  // Not at once, but after about 10 µs.  Counted in time, not in polls: in a guest the busy
  // AQICs above cost KVM's intercept, its handler and vfio_ap's pr_warn of RC 0x05 (a printk,
  // arch/software_cost.h) before the polling starts.  (kLpar sets the handler, kvm_pqap_aqic,
  // to 1 µs instead of its 5 µs default, so that a guest's two busy AQICs still land within
  // the adapter's 10 µs AQIC: these cases check the adapter, not KVM's cost.)
  const uint64_t seen_after = c.cpu->now_ps() - enabled_at;
  BOOST_TEST(seen_after >= 9 * kUs);
  BOOST_TEST(seen_after <= 13 * kUs);
  BOOST_TEST(polls <= 11);
  BOOST_TEST(int(aqic(c, q, true, c.page).rc()) == 7);   // enable while enabled
  // Disable, also asynchronous.
  r = aqic(c, q, false, 0);
  BOOST_TEST(int(r.rc()) == 0);
  BOOST_TEST(r.s().irq_enabled);
  delay(c, 20 * kUs);
  BOOST_TEST(!tapq(c, q).s().irq_enabled);
  BOOST_TEST(int(aqic(c, q, false, 0).rc()) == 7);
  // A reset cancels an enable in progress.
  BOOST_TEST(int(aqic(c, q, true, c.page).rc()) == 0);
  BOOST_TEST(int(zapq(c, q).rc()) == 0);
  delay(c, 1 * kMs);
  BOOST_TEST(!tapq(c, q).s().irq_enabled);
}

// With AQIC on, a reply sets the NIB and raises an adapter interruption: host ISC 6, a guest
// through its GISA (IPM bit of the guest ISC).  Without, nothing is raised.
void interruptions(Ctx& c) {
  const Apqn q = c.q(6);
  fresh(c, q);
  const uint8_t zero = 0;
  c.cpu->storage().write(c.page, &zero, 1);
  sc::MainStorage& hs = g_env->platform->storage();
  const uint64_t ipm = g_env->vm->gisa_addr() + arch::kGisaIpmOffset;
  hs.write(ipm, &zero, 1);
  c.cpu->wait_for_interrupt(0);  // forget an interruption left by an earlier case
  // Polled: no interruption, the NIB stays 0.
  BOOST_REQUIRE(int(nqap(c, q, 7, small_request()).rc()) == 0);
  BOOST_TEST((c.cpu->wait_for_interrupt(1 * kMs) == arch::WakeReason::timeout));
  uint8_t nib = 0xee;
  c.cpu->storage().read(c.page, &nib, 1);
  BOOST_TEST(int(nib) == 0);
  BOOST_TEST(int(dqap(c, q).rc()) == 0);
  // Interrupt-driven.
  BOOST_REQUIRE(int(aqic(c, q, true, c.page, 3).rc()) == 0);
  delay(c, 20 * kUs);
  const uint64_t t0 = c.cpu->now_ps();
  BOOST_REQUIRE(int(nqap(c, q, 8, small_request()).rc()) == 0);
  BOOST_TEST((c.cpu->wait_for_interrupt(10 * kMs) == arch::WakeReason::adapter_interrupt));
  BOOST_TEST(c.cpu->now_ps() - t0 < 1 * kMs);  // woken by the reply, not by the timeout
  c.cpu->storage().read(c.page, &nib, 1);
  BOOST_TEST(int(nib) == 1);
  uint8_t ipm_byte = 0;
  hs.read(ipm, &ipm_byte, 1);
  if (c.guest) BOOST_TEST(int(ipm_byte) == int(arch::gisa_isc_bit(3)));  // guest ISC 3 pending in the GISA
  else BOOST_TEST(int(ipm_byte) == 0);                                  // the host's own ISC: no GISA
  const R d = dqap(c, q);
  BOOST_TEST(int(d.rc()) == 0);
  BOOST_TEST(psmid_of(d) == 8u);
  fresh(c, q);
}

// QCI: the 128-byte block — the LPAR's configuration for the host, the CRYCB's for a guest.
void qci_function(Ctx& c) {
  std::vector<uint8_t> junk(128, 0x5a);
  c.cpu->storage().write(c.page, junk.data(), junk.size());
  const R r = pqap(c, uint64_t{4} << 24, 0, c.page);
  BOOST_TEST(!r.o.interrupted());
  BOOST_TEST(r.o.cc == 0);
  uint8_t b[arch::kQciBlockSize];
  c.cpu->storage().read(c.page, b, sizeof b);
  const arch::QciInfo i = arch::QciInfo::from_bytes(b);
  BOOST_TEST(i.apxa());
  BOOST_TEST((i.flags & arch::QCI_FLAG_QACT) != 0u);
  BOOST_TEST(int(i.na) == 255);
  BOOST_TEST(int(i.nd) == 255);
  std::vector<unsigned> apm = i.apm.ids(), aqm = i.aqm.ids(), adm = i.adm.ids();
  BOOST_TEST((apm == std::vector<unsigned>{5, 6, 7, 8, 9}));
  if (c.guest) {
    BOOST_TEST((aqm == std::vector<unsigned>{0xab}));
    BOOST_TEST((adm == std::vector<unsigned>{0xab}));
  } else {
    BOOST_TEST((aqm == std::vector<unsigned>{4, 0x47, 0xab}));
    BOOST_TEST((adm == std::vector<unsigned>{4, 0x47, 0xab}));
  }
  BOOST_TEST(std::all_of(b + 112, b + 128, [](uint8_t x) { return x == 0; }));  // reserved bytes stored as 0
}

// QACT: a type beyond CEX8 maps to CEX8 in its own mode; the AP bus uses it (spec §2.1).
void qact_function(Ctx& c) {
  auto qact = [&](unsigned apid, uint8_t mode, uint8_t cat) {
    arch::QactInfo in;
    in.mode = mode;
    in.cat = cat;
    return pqap(c, arch::make_pqap_gr0(PqapFc::QACT, c.q(apid)), in.pack(), 0);
  };
  const uint8_t accel = arch::qact_mode(arch::AP_FUNC_ACCEL), cca = arch::qact_mode(arch::AP_FUNC_COPRO);
  R r = qact(8, accel, arch::AP_DEVICE_TYPE_CEX8);
  BOOST_TEST(int(r.rc()) == 0);
  BOOST_TEST(int(arch::QactInfo::unpack(r.r[2]).cat) == 14);
  BOOST_TEST(int(arch::QactInfo::unpack(r.r[2]).mode) == int(accel));
  BOOST_TEST(int(arch::QactInfo::unpack(qact(8, cca, 14).r[2]).cat) == 0);    // other mode
  BOOST_TEST(int(arch::QactInfo::unpack(qact(8, accel, 9).r[2]).cat) == 0);   // below CEX4
  BOOST_TEST(int(arch::QactInfo::unpack(qact(8, accel, 12).r[2]).cat) == 12); // compatible downwards
  BOOST_TEST(int(arch::QactInfo::unpack(qact(5, cca, 14).r[2]).cat) == 11);   // CEX5C: itself
  BOOST_TEST(int(qact(0x0a, accel, 14).rc()) == 1);
  // The ifbit (GR0 bit 41) is accepted.
  BOOST_TEST(!pqap(c, arch::make_pqap_gr0(PqapFc::QACT, c.q(8), false, true)).o.interrupted());
  // The AP bus of this context mapped card08 to CEX8 (hwtype 14, raw_hwtype 15).
  std::string hw, raw;
  BOOST_TEST(c.k->sysfs().read("/", "/sys/bus/ap/devices/card08/hwtype", hw) == 0);
  BOOST_TEST(c.k->sysfs().read("/", "/sys/bus/ap/devices/card08/raw_hwtype", raw) == 0);
  BOOST_TEST(hw == "14\n");
  BOOST_TEST(raw == "15\n");
}

// RC 0x10 on NQAP exactly when full (QD+1 or QD slots); RC 0x10 on DQAP with no reply.
void queue_depth(Ctx& c) {
  const auto msg = small_request();
  for (auto [apid, slots] : {std::pair<unsigned, unsigned>{5, 3}, {6, 4}}) {
    BOOST_TEST_CONTEXT("adapter " << apid << ", " << slots << " slots") {
      const Apqn q = c.q(apid);
      fresh(c, q);
      BOOST_TEST(int(dqap(c, q).rc()) == 0x10);
      for (unsigned i = 0; i < slots; ++i) {
        const R n = nqap(c, q, 1000 + i, msg);
        BOOST_TEST(int(n.rc()) == 0);
        BOOST_TEST(n.s().queue_full == (i + 1 == slots));
      }
      R n = nqap(c, q, 2000, msg);
      BOOST_TEST(int(n.rc()) == 0x10);
      BOOST_TEST(n.o.cc == 3);
      BOOST_TEST(n.s().queue_full);
      BOOST_TEST(n.r[7] == msg.size());  // not taken: the operand registers are unchanged
      delay(c, 2 * kMs);
      BOOST_TEST(int(nqap(c, q, 2001, msg).rc()) == 0x10);  // replies hold their slots
      std::set<uint64_t> got;
      const R d = dqap(c, q);
      BOOST_TEST(int(d.rc()) == 0);
      got.insert(psmid_of(d));
      BOOST_TEST(int(nqap(c, q, 2002, msg).rc()) == 0);     // one slot free again
      BOOST_TEST(int(nqap(c, q, 2003, msg).rc()) == 0x10);
      delay(c, 2 * kMs);
      for (unsigned i = 0; i < slots; ++i) {
        const R x = dqap(c, q);
        BOOST_TEST(int(x.rc()) == 0);
        got.insert(psmid_of(x));
      }
      const R e = dqap(c, q);
      BOOST_TEST(int(e.rc()) == 0x10);
      BOOST_TEST(e.s().queue_empty);
      std::set<uint64_t> want;
      for (unsigned i = 0; i < slots; ++i) want.insert(1000 + i);
      want.insert(2002);
      BOOST_TEST((got == want));  // in order of arrival, each once
    }
  }
}

// DQAP: a reply larger than the buffer is received in parts; GR0 bit 32 off continues it;
// continuing with nothing partially received is RC 0x13.
void dqap_parts(Ctx& c) {
  const Apqn q = c.q(6);
  fresh(c, q);
  BOOST_TEST(int(dqap(c, q, 16, arch::make_dqap_gr0(q) & ~arch::kGr0DqapFirstPart).rc()) == 0x13);
  BOOST_REQUIRE(int(nqap(c, q, 0x1122334455667788ull, small_request()).rc()) == 0);
  delay(c, 1 * kMs);
  // The type-80 reply of a MEB1 request: 16-byte header + 128-byte result field.
  R p = dqap(c, q, 100);
  BOOST_TEST(!p.o.interrupted());
  BOOST_TEST(p.o.cc == 0);
  BOOST_TEST(int(p.rc()) == 0);
  BOOST_TEST(p.r[7] == 0u);             // buffer used up
  BOOST_TEST(p.r[2] == 144u - 100u);    // residual reply length
  BOOST_TEST((p.r[0] & arch::kGr0DqapFirstPart) == 0u);  // continuation GR0
  BOOST_TEST(p.s().replies_waiting);
  const std::vector<uint8_t> head = read_reply(c, 100);
  BOOST_TEST(int(head[1]) == 0x80);
  R rest;
  rest.r[0] = p.r[0];
  rest.r[6] = c.buf + 100;
  rest.r[7] = 4096;
  rest.o = c.cpu->ap().dqap(rest.r, 4, 6);
  BOOST_TEST(int(rest.rc()) == 0);
  BOOST_TEST(rest.r[2] == 0u);
  BOOST_TEST(rest.r[7] == 4096u - 44u);
  BOOST_TEST(psmid_of(rest) == 0x1122334455667788ull);
  const std::vector<uint8_t> whole = read_reply(c, 144);
  BOOST_TEST(int(whole[143]) == 8);     // 2^3 mod 197
  BOOST_TEST(rest.s().queue_empty);
  BOOST_TEST(int(dqap(c, q, 16, rest.r[0]).rc()) == 0x13);  // nothing left to continue
  // A fresh DQAP (bit 32 on) during a partial receive starts the reply again.
  BOOST_REQUIRE(int(nqap(c, q, 9, small_request()).rc()) == 0);
  delay(c, 1 * kMs);
  BOOST_TEST(dqap(c, q, 10).r[2] == 134u);
  const R again = dqap(c, q, 4096);
  BOOST_TEST(again.r[2] == 0u);
  BOOST_TEST(again.r[7] == 4096u - 144u);
  fresh(c, q);
}

// Multi-part NQAP: GR0 bit 33 off = more parts follow (cc 1); the part with the same PSMID
// and bit 33 on completes it; a message that grows beyond the adapter's maximum is RC 0x15.
void nqap_multipart(Ctx& c) {
  const Apqn q = c.q(6);
  fresh(c, q);
  const auto msg = small_request();  // 400 bytes
  const std::vector<uint8_t> a(msg.begin(), msg.begin() + 150), b(msg.begin() + 150, msg.end());
  R p = nqap(c, q, 77, a, false);
  BOOST_TEST(int(p.rc()) == 0);
  BOOST_TEST(p.o.cc == 1);
  BOOST_TEST(!p.s().queue_empty);  // the open message holds a slot
  BOOST_TEST(p.r[7] == 0u);
  p = nqap(c, q, 77, b, true);
  BOOST_TEST(int(p.rc()) == 0);
  BOOST_TEST(p.o.cc == 0);
  delay(c, 1 * kMs);
  const R d = dqap(c, q);
  BOOST_TEST(int(d.rc()) == 0);
  BOOST_TEST(psmid_of(d) == 77u);
  const std::vector<uint8_t> reply = read_reply(c, 144);
  BOOST_TEST(int(reply[1]) == 0x80);   // type 80: the two parts made one valid request
  BOOST_TEST(int(reply[143]) == 8);
  // An unfinished message is dropped by the next message (it was never accepted).
  BOOST_TEST(nqap(c, q, 78, a, false).o.cc == 1);
  BOOST_TEST(nqap(c, q, 79, msg).o.cc == 0);
  delay(c, 1 * kMs);
  BOOST_TEST(psmid_of(dqap(c, q)) == 79u);
  BOOST_TEST(int(dqap(c, q).rc()) == 0x10);
  BOOST_TEST(tapq(c, q).s().queue_empty);
  // Parts beyond the adapter's 12 KiB: RC 0x15, the parts are dropped.
  const std::vector<uint8_t> big(8 * 1024, 0);
  BOOST_TEST(nqap(c, q, 80, big, false).o.cc == 1);
  const R tb = nqap(c, q, 80, big, true);
  BOOST_TEST(int(tb.rc()) == 0x15);
  BOOST_TEST(tb.o.cc == 3);
  BOOST_TEST(tb.s().queue_empty);
  fresh(c, q);
}

// RC 0x16: a 4096-bit request to an accelerator without the 4K facilities (07); the same
// request is served by one with them (06).  RC 0x42: NQAP to a domain above the adapter's
// Nd (09, Nd 0x46).  RC 0x01: no such adapter or domain.
void nqap_refusals(Ctx& c) {
  const auto meb3 = mex(512, 197, 3, 2, true);
  fresh(c, c.q(7));
  const R r16 = nqap(c, c.q(7), 1, meb3);
  BOOST_TEST(int(r16.rc()) == 0x16);
  BOOST_TEST(r16.o.cc == 3);
  BOOST_TEST(r16.s().queue_empty);
  BOOST_TEST(int(nqap(c, c.q(7), 2, small_request()).rc()) == 0);  // 1K is fine
  fresh(c, c.q(7));
  fresh(c, c.q(6));
  BOOST_TEST(int(nqap(c, c.q(6), 3, meb3).rc()) == 0);
  fresh(c, c.q(6));
  const Apqn beyond_nd = c.guest ? c.q(9) : Apqn{9, 0x47};
  fresh(c, beyond_nd);
  const R r42 = nqap(c, beyond_nd, 4, small_request());
  BOOST_TEST(int(r42.rc()) == 0x42);
  BOOST_TEST(r42.o.cc == 3);
  BOOST_TEST(int(tapq(c, beyond_nd).rc()) == 0);  // the queue itself exists
  if (!c.guest) {
    fresh(c, Apqn{9, 4});
    BOOST_TEST(int(nqap(c, Apqn{9, 4}, 5, small_request()).rc()) == 0);  // domain 4 <= Nd
    fresh(c, Apqn{9, 4});
  }
  BOOST_TEST(int(nqap(c, Apqn{0x0a, c.dom}, 6, small_request()).rc()) == 1);
  BOOST_TEST(int(nqap(c, Apqn{6, 0x10}, 6, small_request()).rc()) == 1);
  BOOST_TEST(int(dqap(c, Apqn{0x0a, c.dom}).rc()) == 1);
}

// =========================================================================================
// Guest-only cases
// =========================================================================================

// Operation exception: a guest without the AP feature (QEMU -cpu host,ap=off).
void operation_exception(Ctx&) {
  arch::Cpu& cpu = *g_env->noap;
  const uint64_t before = g_env->platform->cpu().stats().pgm_operation;
  GeneralRegisters r;
  r[0] = arch::make_pqap_gr0(PqapFc::TAPQ, Apqn{6, 0xab});
  BOOST_TEST(cpu.ap().pqap(r).pgm == arch::PGM_OPERATION);
  r[0] = arch::make_nqap_gr0(Apqn{6, 0xab});
  BOOST_TEST(cpu.ap().nqap(r, 3, 7).pgm == arch::PGM_OPERATION);  // before the specification exception
  r.problem_state = true;
  BOOST_TEST(cpu.ap().dqap(r, 4, 6).pgm == arch::PGM_OPERATION);  // before the privileged operation
  BOOST_TEST(g_env->platform->cpu().stats().pgm_operation == before + 3);
}

// TAPQ with T without APFT (QEMU -cpu host,apft=off): specification exception.
void tapq_without_apft(Ctx&) {
  arch::Cpu& cpu = *g_env->noapft;
  GeneralRegisters r;
  r[0] = arch::make_pqap_gr0(PqapFc::TAPQ, Apqn{6, 0xab}, true);
  BOOST_TEST(cpu.ap().pqap(r).pgm == arch::PGM_SPECIFICATION);
  r[0] = arch::make_pqap_gr0(PqapFc::TAPQ, Apqn{6, 0xab}, false);
  const InsnOutcome o = cpu.ap().pqap(r);
  BOOST_TEST(!o.interrupted());  // g3 has no mdev: the APQN is outside its (empty) APCB
  BOOST_TEST(int(ApQueueStatus::from_gr1(r[1]).response_code) == 1);
}

// =========================================================================================
// Adapter states (suite "faults")
// =========================================================================================

// Deconfigure (SCLP) and configure again with requests in flight and replies pending; the
// same seen from the guest.
void deconfigure(Ctx&) {
  Ctx& h = g_env->host_ctx;
  Ctx& g = g_env->guest_ctx;
  arch::HostCpu& hcpu = dynamic_cast<arch::HostCpu&>(*h.cpu);
  sc::CexAdapter& ad = *g_env->platform->adapter(6);
  for (Ctx* c : {&h, &g}) {
    fresh(*c, c->q(6));
    BOOST_REQUIRE(int(aqic(*c, c->q(6), true, c->page).rc()) == 0);
    BOOST_REQUIRE(int(nqap(*c, c->q(6), 1, small_request()).rc()) == 0);
  }
  delay(h, 1 * kMs);
  for (Ctx* c : {&h, &g}) BOOST_REQUIRE(int(nqap(*c, c->q(6), 2, small_request()).rc()) == 0);
  BOOST_TEST(hcpu.sclp_configure_ap(6, false) == 0);
  BOOST_TEST(!ad.configured());
  for (Ctx* c : {&h, &g}) {
    BOOST_TEST_CONTEXT(c->name) {
      const R t = tapq(*c, c->q(6), true);
      BOOST_TEST(int(t.rc()) == 3);
      BOOST_TEST(t.o.cc == 3);
      BOOST_TEST(int(arch::TapqInfo::unpack(t.r[2]).at) == 12);  // info valid
      BOOST_TEST(t.s().queue_empty);                             // the work is gone
      BOOST_TEST(!t.s().irq_enabled);
      BOOST_TEST(int(nqap(*c, c->q(6), 3, small_request()).rc()) == 3);
      BOOST_TEST(int(dqap(*c, c->q(6)).rc()) == 3);
      BOOST_TEST(int(rapq(*c, c->q(6)).rc()) == 3);
      BOOST_TEST(int(aqic(*c, c->q(6), true, c->page).rc()) == 3);
      arch::QactInfo in;
      in.mode = arch::qact_mode(arch::AP_FUNC_ACCEL);
      in.cat = 14;
      BOOST_TEST(int(pqap(*c, arch::make_pqap_gr0(PqapFc::QACT, c->q(6)), in.pack()).rc()) == 3);
    }
  }
  // A checkstop on a deconfigured adapter still answers 0x03 (deconfigured first).
  ad.set_checkstopped(true);
  BOOST_TEST(int(tapq(h, h.q(6)).rc()) == 3);
  ad.set_checkstopped(false);
  // SCLP from a guest context is not offered; an APID with no adapter is -ENODEV.
  BOOST_TEST(dynamic_cast<arch::HostCpu&>(*g.cpu).sclp_configure_ap(6, true) == -EOPNOTSUPP);
  BOOST_TEST(hcpu.sclp_configure_ap(0x0a, true) == -ENODEV);
  BOOST_TEST(hcpu.sclp_configure_ap(6, true) == 0);
  for (Ctx* c : {&h, &g}) {
    BOOST_TEST_CONTEXT(c->name) {
      const R t = tapq(*c, c->q(6));
      BOOST_TEST(int(t.rc()) == 0);
      BOOST_TEST(t.s().queue_empty);
      BOOST_TEST(!t.s().irq_enabled);
      delay(*c, 2 * kMs);
      BOOST_TEST(int(dqap(*c, c->q(6)).rc()) == 0x10);  // nothing comes back from before
      BOOST_TEST(int(nqap(*c, c->q(6), 4, small_request()).rc()) == 0);
      delay(*c, 1 * kMs);
      BOOST_TEST(psmid_of(dqap(*c, c->q(6))) == 4u);
    }
  }
}

// Checkstop: every function answers 0x04, the adapter's work is lost, it comes back empty.
// Injected with a delay it lands while requests are in service.
void checkstop(Ctx&) {
  Ctx& h = g_env->host_ctx;
  Ctx& g = g_env->guest_ctx;
  sc::CexAdapter& ad = *g_env->platform->adapter(5);
  for (Ctx* c : {&h, &g}) {
    fresh(*c, c->q(5));
    BOOST_REQUIRE(int(nqap(*c, c->q(5), 1, small_request()).rc()) == 0);
  }
  ad.inject(sc::CexAdapter::Fault::checkstop, true, 10 * kUs);
  BOOST_TEST(int(tapq(h, h.q(5)).rc()) == 0);  // not yet
  delay(h, 20 * kUs);
  BOOST_TEST(ad.checkstopped());
  for (Ctx* c : {&h, &g}) {
    BOOST_TEST_CONTEXT(c->name) {
      const R t = tapq(*c, c->q(5), true);
      BOOST_TEST(int(t.rc()) == 4);
      BOOST_TEST(int(arch::TapqInfo::unpack(t.r[2]).at) == 11);
      BOOST_TEST(t.s().queue_empty);
      BOOST_TEST(int(nqap(*c, c->q(5), 2, small_request()).rc()) == 4);
      BOOST_TEST(int(dqap(*c, c->q(5)).rc()) == 4);
      BOOST_TEST(int(zapq(*c, c->q(5)).rc()) == 4);
      BOOST_TEST(int(aqic(*c, c->q(5), true, c->page).rc()) == 4);
    }
  }
  delay(h, 2 * kMs);  // the request that was in service never completes
  ad.inject(sc::CexAdapter::Fault::checkstop, false, 0);
  for (Ctx* c : {&h, &g}) {
    const R d = dqap(*c, c->q(5));
    BOOST_TEST(int(d.rc()) == 0x10);
    BOOST_TEST(d.s().queue_empty);
  }
}

// =========================================================================================
// Bad input (suite "fuzz"): random, mostly malformed instructions on both contexts.  Nothing
// crashes; every instruction ends in a program interruption or a condition code with a
// status word true to the queue; and every request an NQAP accepted is answered exactly
// once by DQAP, unless a reset the program issued (RC 0) or an SCLP deconfigure it
// requested discarded it.
// =========================================================================================
void fuzz(Ctx&) {
  std::mt19937_64 rng(20240607);
  auto pick = [&](uint64_t n) { return rng() % n; };
  Ctx* ctxs[] = {&g_env->host_ctx, &g_env->guest_ctx};
  arch::HostCpu& hcpu = dynamic_cast<arch::HostCpu&>(*g_env->host_ctx.cpu);
  const std::vector<uint8_t> good = small_request();
  std::map<uint16_t, std::multiset<uint64_t>> outstanding;  // APQN -> accepted PSMIDs
  uint64_t next_psmid = 1, accepted = 0, answered = 0, discarded = 0, pgms = 0;
  for (Ctx* c : ctxs)
    for (unsigned a = 5; a <= 9; ++a) fresh(*c, c->q(a));

  auto status_ok = [&](const R& x, Apqn q) {
    const sc::CexAdapter* ad = g_env->platform->adapter(q.apid);
    if (!ad || !ad->queue(q.apqi) || x.o.interrupted() || x.rc() == 1) return;
    check_status_true_to_queue(x, q, false);
  };
  auto answer = [&](Ctx& c, Apqn q, uint64_t psmid) {
    auto& set = outstanding[q.qid()];
    auto it = set.find(psmid);
    BOOST_TEST((it != set.end()), c.name << ": reply with PSMID " << psmid << " on " << q.name()
                                         << " was never accepted, or was answered twice");
    if (it != set.end()) set.erase(it), ++answered;
  };
  // Addresses a program may name: good ones, and ones that are not storage.  Never a random
  // address inside storage: a NIB or QCI block there would overwrite the kernels' own data,
  // which on a real machine is a program bug too.
  auto some_address = [&](Ctx& c, uint64_t good_addr) -> uint64_t {
    switch (pick(6)) {
      case 0: return 0;
      case 1: return ~uint64_t{0} - pick(4096);
      case 2: return c.cpu->storage().size() - pick(64);
      case 3: return good_addr + pick(8);
      default: return good_addr;
    }
  };

  for (int step = 0; step < 4000; ++step) {
    Ctx& c = *ctxs[pick(2)];
    // Mostly the context's own queues; sometimes others (not available, or another domain).
    const uint8_t apid = static_cast<uint8_t>(pick(10) < 8 ? 5 + pick(5) : pick(256));
    const uint8_t apqi = pick(10) < 8 ? c.dom : static_cast<uint8_t>(pick(256));
    const Apqn q{apid, apqi};
    uint64_t gr0_noise = pick(8) == 0 ? arch::bit64(32 + static_cast<unsigned>(pick(16))) : 0;
    if (pick(16) == 0) gr0_noise |= (rng() & 0xffffffffull) << 32;  // bits 0–31: ignored
    const bool pstate = pick(64) == 0;
    const unsigned kind = static_cast<unsigned>(pick(100));
    R x;
    x.r.problem_state = pstate;
    if (kind < 35) {  // NQAP
      std::vector<uint8_t> msg = good;
      if (pick(4) == 0) msg.assign(1 + pick(600), static_cast<uint8_t>(pick(256)));
      c.cpu->storage().write(c.msg, msg.data(), msg.size());
      const unsigned r1 = pick(10) == 0 ? static_cast<unsigned>(pick(16)) : 4;
      const unsigned r2 = pick(10) == 0 ? static_cast<unsigned>(pick(16)) : 6;
      const uint64_t psmid = next_psmid++;
      x.r[0] = arch::make_nqap_gr0(q) | gr0_noise;
      if (pick(20) == 0) x.r[0] &= ~arch::kGr0NqapLast;  // a first part that is never finished
      x.r[r1 & ~1u] = psmid >> 32;
      x.r[(r1 & ~1u) + 1] = psmid & 0xffffffff;
      const unsigned lsel = static_cast<unsigned>(pick(20));
      x.r[r2 & ~1u] = lsel == 0 ? some_address(c, c.msg) : c.msg;
      x.r[(r2 & ~1u) + 1] = lsel == 1 ? 0 : lsel == 2 ? rng() : lsel == 3 ? 12 * 1024 + 1 : msg.size();
      // What the instruction will see once the pairs overlap as they may (R1 = 0, R1 = R2).
      const uint64_t real_psmid = (x.r[r1 & ~1u] << 32) | (x.r[(r1 & ~1u) + 1] & 0xffffffff);
      const Apqn real_q = arch::gr0_apqn(x.r[0]);
      x.o = c.cpu->ap().nqap(x.r, r1, r2);
      if (!x.o.interrupted() && x.o.cc == 0 && x.rc() == 0) {
        outstanding[real_q.qid()].insert(real_psmid);
        ++accepted;
      }
      status_ok(x, real_q);
    } else if (kind < 65) {  // DQAP, sometimes into a small buffer, then continued
      const uint64_t len = pick(5) == 0 ? 1 + pick(200) : 4096;
      x.r[0] = (pick(20) == 0 ? arch::make_dqap_gr0(q) & ~arch::kGr0DqapFirstPart : arch::make_dqap_gr0(q)) | gr0_noise;
      x.r[6] = pick(30) == 0 ? some_address(c, c.buf) : c.buf;
      x.r[7] = len;
      x.o = c.cpu->ap().dqap(x.r, 4, 6);
      int parts = 0;
      while (!x.o.interrupted() && x.rc() == 0 && x.r[2] != 0 && parts < 1000) {  // receive the rest
        R more;
        more.r[0] = x.r[0];
        more.r[6] = c.buf;
        more.r[7] = len;
        more.o = c.cpu->ap().dqap(more.r, 4, 6);
        BOOST_TEST(!more.o.interrupted());
        BOOST_TEST(int(more.rc()) == 0);
        BOOST_TEST(psmid_of(more) == psmid_of(x));
        x = more;
        ++parts;
      }
      if (!x.o.interrupted() && x.rc() == 0) answer(c, q, psmid_of(x));
      status_ok(x, q);
    } else if (kind < 75) {  // TAPQ, random T
      x = pqap(c, arch::make_pqap_gr0(PqapFc::TAPQ, q, pick(2)) | gr0_noise, 0, 0, pstate);
      status_ok(x, q);
    } else if (kind < 80) {  // RAPQ/ZAPQ
      x = pqap(c, arch::make_pqap_gr0(pick(2) ? PqapFc::RAPQ : PqapFc::ZAPQ, q, false, pick(2)) | gr0_noise, 0, 0,
               pstate);
      if (!x.o.interrupted() && x.rc() == 0) {  // the program was told: its requests are gone
        discarded += outstanding[q.qid()].size();
        outstanding[q.qid()].clear();
      }
      status_ok(x, q);
    } else if (kind < 88) {  // AQIC, random NIB and ISC
      arch::AqicControl ctl = arch::AqicControl::unpack(rng());
      ctl.gisa = 0;  // a host program names no GISA (KVM does, on a guest's behalf)
      x = pqap(c, arch::make_pqap_gr0(PqapFc::AQIC, q) | gr0_noise, ctl.pack(), some_address(c, c.page), pstate);
      // A guest's AQIC is KVM's emulation: for the RCs vfio_ap decides itself (0x01, 0x06) it
      // returns a status word with only the RC set, as Linux' vfio_ap_irq_enable does.
      if (!c.guest) status_ok(x, q);
    } else if (kind < 92) {  // QCI, QACT, undefined functions
      const uint64_t fc = pick(3) == 0 ? 4 : pick(3) == 0 ? 5 : pick(256);
      x = pqap(c, fc << 24 | q.qid() | gr0_noise, rng(), some_address(c, c.page), pstate);
    } else if (kind < 93 && !c.guest) {  // SCLP deconfigure / configure from the host
      const unsigned a = 5 + static_cast<unsigned>(pick(5));
      const bool on = pick(2);
      const bool was = g_env->platform->adapter(a)->configured();
      BOOST_TEST(hcpu.sclp_configure_ap(a, on) == 0);
      if (was && !on)
        for (auto& [qid, set] : outstanding)
          if (Apqn::from_qid(qid).apid == a) discarded += set.size(), set.clear();
      continue;
    } else {
      delay(c, pick(300) * kUs);
      continue;
    }
    if (x.o.interrupted()) ++pgms;
    BOOST_TEST((x.o.interrupted() || (x.o.cc >= 0 && x.o.cc <= 3)));
  }
  // Everything back online; wait for the last replies and drain every queue.
  for (unsigned a = 5; a <= 9; ++a) BOOST_TEST(hcpu.sclp_configure_ap(a, true) == 0);
  delay(g_env->host_ctx, 20 * kMs);
  for (Ctx* c : ctxs)
    for (unsigned a = 5; a <= 9; ++a) {
      const Apqn q = c->q(a);
      for (int i = 0; i < 64; ++i) {
        const R x = dqap(*c, q, 4096);
        if (x.rc() == 0x02) {
          delay(*c, 1 * kMs);
          continue;
        }
        if (x.rc() != 0) {
          BOOST_TEST(int(x.rc()) == 0x10, q.name() << " rc " << int(x.rc()));
          break;
        }
        answer(*c, q, psmid_of(x));
      }
      BOOST_TEST(outstanding[q.qid()].empty(),
                 q.name() << ": " << outstanding[q.qid()].size() << " accepted requests were never answered");
      const sc::ApQueue* h = hwq(q);
      BOOST_TEST(h->occupancy() == (h->open ? 1u : 0u));  // at most a first part nobody finished
      fresh(*c, q);
    }
  BOOST_TEST_MESSAGE("fuzz: " << accepted << " accepted, " << answered << " answered, " << discarded
                              << " discarded by resets, " << pgms << " program interruptions");
  BOOST_TEST(accepted > 100u);
  BOOST_TEST(answered > 50u);
  BOOST_TEST(pgms > 100u);
  BOOST_TEST(accepted == answered + discarded);
}

// HMC dynamic change (docs/ap-instructions.md §7, sc/hmc.h): adapter 0a is in the machine but
// not in the LPAR's configuration, domain 0x10 neither.  QCI and TAPQ before and after an
// add; a removed domain answers RC 0x01 and its work in service is lost; the configuration
// is restored at the end.  The host AP bus does not scan meanwhile (no sleep).
void hmc_dynamic_change(Ctx&) {
  Ctx& h = g_env->host_ctx;
  sc::Hmc& hmc = g_env->platform->hmc();
  using W = sc::LparChange::What;
  auto qci = [&h] {
    const R r = pqap(h, uint64_t{4} << 24, 0, h.page);
    BOOST_REQUIRE(!r.o.interrupted());
    uint8_t b[arch::kQciBlockSize];
    h.cpu->storage().read(h.page, b, sizeof b);
    return arch::QciInfo::from_bytes(b);
  };
  const Apqn card0a{0x0a, 0x04}, dom10{0x06, 0x10};
  BOOST_TEST(!qci().apm.test(0x0a));
  BOOST_TEST(!qci().aqm.test(0x10));
  BOOST_TEST(int(tapq(h, card0a, true).rc()) == 0x01);
  BOOST_TEST(int(tapq(h, dom10).rc()) == 0x01);
  // Refused: not in the machine, beyond Nd, no change.
  BOOST_TEST(!hmc.check({W::adapter, true, 0x0b}).empty());
  BOOST_TEST(!hmc.check({W::usage_domain, true, 256}).empty());
  BOOST_TEST(!hmc.check({W::usage_domain, true, 4}).empty());
  BOOST_TEST(!hmc.check({W::control_domain, false, 0x10}).empty());

  for (const sc::LparChange& ch : {sc::LparChange{W::adapter, true, 0x0a}, sc::LparChange{W::usage_domain, true, 0x10},
                                   sc::LparChange{W::control_domain, true, 0x10}}) {
    BOOST_TEST_REQUIRE(hmc.check(ch).empty());
    hmc.schedule(ch, 0);
  }
  arch::QciInfo i = qci();
  BOOST_TEST((i.apm.ids() == std::vector<unsigned>{5, 6, 7, 8, 9, 10}));
  BOOST_TEST((i.aqm.ids() == std::vector<unsigned>{4, 0x10, 0x47, 0xab}));
  BOOST_TEST((i.adm.ids() == std::vector<unsigned>{4, 0x10, 0x47, 0xab}));
  const R t = tapq(h, card0a, true);
  BOOST_TEST(int(t.rc()) == 0);
  BOOST_TEST(int(arch::TapqInfo::unpack(t.r[2]).at) == 13);  // CEX7
  BOOST_TEST(t.s().queue_empty);
  BOOST_TEST(int(tapq(h, Apqn{0x0a, 0x10}).rc()) == 0);
  BOOST_TEST(tapq(h, dom10).s().queue_empty);

  // A request in service when its domain leaves (--after) is lost; back, the queue is empty.
  BOOST_REQUIRE(int(nqap(h, dom10, 0x10, small_request()).rc()) == 0);
  hmc.schedule({W::usage_domain, false, 0x10}, 10 * kUs);
  delay(h, 5 * kUs);
  BOOST_TEST(int(tapq(h, dom10).rc()) == 0);
  BOOST_TEST(!tapq(h, dom10).s().queue_empty);
  delay(h, 10 * kUs);
  BOOST_TEST(int(tapq(h, dom10).rc()) == 0x01);
  BOOST_TEST(int(nqap(h, dom10, 0x11, small_request()).rc()) == 0x01);
  BOOST_TEST(!qci().aqm.test(0x10));
  hmc.schedule({W::usage_domain, true, 0x10}, 0);
  delay(h, 1 * kMs);  // long after the request's service would have ended
  BOOST_TEST(tapq(h, dom10).s().queue_empty);
  BOOST_TEST(int(dqap(h, dom10).rc()) == 0x10);  // no reply: the work was lost

  for (const sc::LparChange& ch : {sc::LparChange{W::adapter, false, 0x0a}, sc::LparChange{W::usage_domain, false, 0x10},
                                   sc::LparChange{W::control_domain, false, 0x10}})
    hmc.schedule(ch, 0);
  i = qci();
  BOOST_TEST((i.apm.ids() == std::vector<unsigned>{5, 6, 7, 8, 9}));
  BOOST_TEST((i.aqm.ids() == std::vector<unsigned>{4, 0x47, 0xab}));
  BOOST_TEST(int(tapq(h, card0a, true).rc()) == 0x01);
}

// =========================================================================================
// Registration and the platform
// =========================================================================================
using CaseFn = void (*)(Ctx&);
struct Case {
  const char* name;
  CaseFn fn;
};
const Case kBoth[] = {{"gr0_decoding", gr0_decoding},     {"pqap_function_codes", pqap_function_codes},
                      {"operands", operands},             {"privileged", privileged},
                      {"tapq_info", tapq_info},           {"status_bits", status_bits},
                      {"reset_functions", reset_functions}, {"aqic_function", aqic_function},
                      {"interruptions", interruptions},   {"qci_function", qci_function},
                      {"qact_function", qact_function},   {"queue_depth", queue_depth},
                      {"dqap_parts", dqap_parts},         {"nqap_multipart", nqap_multipart},
                      {"nqap_refusals", nqap_refusals}};

bt::test_suite* suite(const char* name) {
  bt::test_suite* s = BOOST_TEST_SUITE(name);
  bt::framework::master_test_suite().add(s);
  return s;
}
void add(bt::test_suite* s, const char* name, CaseFn fn, Ctx* (*ctx)()) {
  s->add(bt::make_test_case([fn, ctx] { fn(*ctx()); }, name, __FILE__, __LINE__));
}
Ctx* host_ctx() { return &g_env->host_ctx; }
Ctx* guest_ctx() { return &g_env->guest_ctx; }

bool init_conformance() {
  bt::test_suite* host = suite("host");
  bt::test_suite* guest = suite("guest");
  for (const Case& c : kBoth) {
    add(host, c.name, c.fn, host_ctx);
    add(guest, c.name, c.fn, guest_ctx);
  }
  add(guest, "operation_exception", operation_exception, guest_ctx);
  add(guest, "tapq_without_apft", tapq_without_apft, guest_ctx);
  bt::test_suite* faults = suite("faults");
  add(faults, "deconfigure", deconfigure, host_ctx);
  add(faults, "checkstop", checkstop, host_ctx);
  add(faults, "hmc_dynamic_change", hmc_dynamic_change, host_ctx);
  bt::test_suite* fz = suite("fuzz");
  add(fz, "bad_input_no_request_lost", fuzz, host_ctx);
  return true;
}

void set_up_context(Ctx& c, const std::string& name, driver::LinuxKernel& k, bool guest, uint8_t dom) {
  c.name = name;
  c.k = &k;
  c.cpu = &k.cpu();
  c.guest = guest;
  c.dom = dom;
  c.msg = k.alloc_pages(16);
  c.buf = k.alloc_pages(16);
  c.page = k.alloc_pages(1);
}

}  // namespace

int sc_main(int argc, char** argv) {
  using namespace sc_core;
  sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);
  sc::LparConfig cfg = sc::LparConfig::parse(kLpar, "conformance.json");
  sc::Platform platform(cfg, sc::SimMode::cycle);
  int status = 1;
  platform.run([&](arch::HostCpu& cpu) {
    Env env;
    env.platform = &platform;
    driver::KernelOptions ko;
    ko.cmdline = cfg.kernel_cmdline;
    ko.init = driver::init_main;
    driver::LinuxKernel host(cpu, ko);
    driver::Session session(host);
    host.boot();
    std::ostringstream out;
    driver::Shell shell(session, out, out);
    if (shell.run_script(kSetup) != 0 || !session.guests().count("g1")) {
      std::fprintf(stderr, "test_conformance: setting up the guests failed:\n%s", out.str().c_str());
      return;
    }
    env.host = &host;
    driver::QemuProcess& g1 = *session.guests().at("g1").qemu;
    set_up_context(env.host_ctx, "host", host, false, 0x04);
    set_up_context(env.guest_ctx, "guest g1", g1.guest(), true, 0xab);
    env.vm = &g1.vm();
    env.noap = &session.guests().at("g2").kernel().cpu();
    env.noapft = &session.guests().at("g3").kernel().cpu();
    g_env = &env;
    status = bt::unit_test_main(&init_conformance, argc, argv);
    g_env = nullptr;
  });
  return status;
}
