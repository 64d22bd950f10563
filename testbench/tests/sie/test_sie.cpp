// testbench/tests/sie/test_sie.cpp — the SIE interpretive path on a whole platform: KVM's
// CRYCB formats, APIE on and off, the APCB check of every interpreted instruction, the ADM
// check of control-domain commands, QCI under interpretation, APCB contexts, and KVM's
// blocked-vCPU mask update with instructions in flight (ap-facility-spec.md §3).
//
// One platform per process (SystemC elaborates once): sc_main builds sc::Platform in cycle
// mode (the Verilated RTL decides) and runs Boost.Test *inside the CPU's software thread*, so
// every test case executes AP instructions exactly as the driver stack does (host Linux
// booted, KVM's real VM set-up and kvm_arch_crypto_set_masks from driver/linux/kvm-s390.cpp).  Built
// twice: test_sie (an LPAR with APXA: CRYCB formats 2 and 0) and test_sie_noapxa
// (APSIM_TEST_NO_APXA: formats 1 and 0).
#define SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn
#define BOOST_TEST_MODULE sie
#define BOOST_TEST_NO_MAIN
#define BOOST_TEST_ALTERNATIVE_INIT_API
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <systemc>

#include "arch/ap_mask.h"
#include "arch/ap_registers.h"
#include "arch/crycb.h"
#include "arch/msgtype6.h"
#include "arch/qci.h"
#include "driver/linux/kernel.h"
#include "driver/linux/kvm-s390.h"
#include "driver/userspace/init.h"
#include "sc/control_domain_request.h"
#include "sc/lpar_config.h"
#include "sc/platform.h"
#include "sc/sie.h"

using namespace apsim;
using arch::ApMask;
using arch::Apqn;
using arch::GeneralRegisters;
using arch::InsnOutcome;
using arch::PqapFc;

namespace {

#ifdef APSIM_TEST_NO_APXA
constexpr bool kApxa = false;
constexpr uint8_t kDomB = 0x07;  // the LPAR's second usage domain (ids 0..15 without APXA)
#else
constexpr bool kApxa = true;
constexpr uint8_t kDomB = 0x47;
#endif
constexpr uint8_t kDomA = 0x04;
constexpr uint32_t kFmtMsax3 = kApxa ? arch::CRYCB_FORMAT2 : arch::CRYCB_FORMAT1;

sc::LparConfig lpar() {
  sc::LparConfig c = sc::LparConfig::default_lpar();  // adapters 05 CEX5C, 06 CEX5A
  c.usage_domains = ApMask();
  c.control_domains = ApMask();
  for (unsigned d : {unsigned{kDomA}, unsigned{kDomB}}) {
    c.usage_domains.set(d);
    c.control_domains.set(d);
  }
  if (!kApxa) {
    c.facilities.apxa = false;
    c.max_adapter_id = 63;
    c.max_domain_id = 15;
  }
  return c;
}

struct Env {
  sc::Platform* platform = nullptr;
  arch::HostCpu* host_cpu = nullptr;
  driver::LinuxKernel* host = nullptr;
  sc::SieUnit* sie = nullptr;
};
Env g;

ApMask mask(std::initializer_list<unsigned> ids) {
  ApMask m;
  for (unsigned i : ids) m.set(i);
  return m;
}

struct Masks {
  ApMask apm, aqm, adm;
};

std::unique_ptr<driver::KvmVm> make_vm(const std::string& name, bool ap = true, bool msax3 = true) {
  arch::Facilities f = g.host_cpu->facilities();
  f.ap = ap;
  f.msax3 = msax3;
  return std::make_unique<driver::KvmVm>(*g.host, name, 64ull << 20, f);
}

struct Res {
  InsnOutcome o;
  uint8_t rc = 0;
  uint64_t gr2 = 0;
};

Res pqap(arch::Cpu& cpu, uint64_t gr0, uint64_t gr1 = 0, uint64_t gr2 = 0) {
  GeneralRegisters r;
  r[0] = gr0;
  r[1] = gr1;
  r[2] = gr2;
  Res x;
  x.o = cpu.ap().pqap(r);
  x.rc = arch::ApQueueStatus::from_gr1(r[1]).response_code;
  x.gr2 = r[2];
  return x;
}

Res tapq(arch::Cpu& cpu, Apqn q) { return pqap(cpu, arch::make_pqap_gr0(PqapFc::TAPQ, q, true)); }

Res nqap(arch::Cpu& cpu, Apqn q, const std::vector<uint8_t>& msg, uint64_t psmid = 1) {
  constexpr uint64_t kMsgAddr = 0x10000;
  BOOST_REQUIRE(cpu.storage().write(kMsgAddr, msg.data(), msg.size()));
  GeneralRegisters r;
  r[0] = arch::make_nqap_gr0(q);
  r[4] = psmid >> 32;
  r[5] = psmid & 0xffffffffu;
  r[6] = kMsgAddr;
  r[7] = msg.size();
  Res x;
  x.o = cpu.ap().nqap(r, 4, 6);
  x.rc = arch::ApQueueStatus::from_gr1(r[1]).response_code;
  return x;
}

void be(std::vector<uint8_t>& m, size_t off, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) m[off + i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
}

/// A type-6 request of `agent` ("CA" or "XC") with room for `body` bytes after the header:
/// type6_hdr with type, offset1 and agent_id set, the CPRB zero.
std::vector<uint8_t> type6_request(uint16_t agent, size_t body) {
  std::vector<uint8_t> m(arch::TYPE6_CPRB_OFFSET + body, 0);
  m[arch::T6_TYPE] = arch::TYPE6_TYPE_CODE;
  be(m, arch::T6_OFFSET1, arch::TYPE6_CPRB_OFFSET, 4);
  be(m, arch::T6_AGENT_ID, agent, 2);
  return m;
}

/// A CCA type-6 request (type6_hdr + CPRBX): func_id "T3" (administrative) or "T2" (usage),
/// CPRBX domain `dom`.
std::vector<uint8_t> cca_request(bool admin, unsigned dom) {
  std::vector<uint8_t> m = type6_request(arch::TYPE6_AGENT_CCA, arch::CPRBX_SIZE + 8);
  const size_t cprb = arch::TYPE6_CPRB_OFFSET;
  be(m, cprb + arch::CPRBX_CPRB_LEN, arch::CPRBX_SIZE, 2);
  m[cprb + arch::CPRBX_CPRB_VER_ID] = arch::CPRBX_VERSION;
  be(m, cprb + arch::CPRBX_FUNC_ID, admin ? arch::CPRBX_FUNC_ID_T3 : arch::CPRBX_FUNC_ID_T2, 2);
  be(m, cprb + arch::CPRBX_DOMAIN, dom, 2);
  return m;
}

/// An EP11 type-6 request: ep11_cprb flags 0x80 (administrative) or 0, target_id `dom`.
std::vector<uint8_t> ep11_request(bool admin, uint32_t dom) {
  std::vector<uint8_t> m = type6_request(arch::TYPE6_AGENT_EP11, arch::EP11_CPRB_SIZE + 16);
  const size_t cprb = arch::TYPE6_CPRB_OFFSET;
  m[cprb + arch::EP11_CPRB_VER_ID] = arch::EP11_CPRB_VERSION;
  m[cprb + arch::EP11_CPRB_FLAGS] = admin ? arch::EP11_CPRB_FLAG_ADMIN : 0;
  be(m, cprb + arch::EP11_CPRB_TARGET_ID, dom, 4);
  return m;
}

/// A minimal type-50 MEB1 request (RSA 1024 ME).
std::vector<uint8_t> type50_request() {
  std::vector<uint8_t> m(400, 0);
  m[1] = 0x50;
  be(m, 2, 400, 2);
  be(m, 8, 0x0001, 2);  // MEB1
  m[16 + 127] = 3;      // exponent 3
  m[16 + 128 + 127] = 0xbb;  // odd modulus
  m[16 + 128] = 0x01;
  m[16 + 256 + 127] = 2;  // message 2
  return m;
}

uint64_t now_ps() { return sc_core::sc_time_stamp().value(); }

}  // namespace

// ---- formats and APIE ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(crycb_format_follows_msax3_and_apxa) {
  auto a = make_vm("fmt-msax3", true, true);
  auto b = make_vm("fmt-no-msax3", true, false);
  auto c = make_vm("fmt-none", false, false);
  BOOST_TEST(a->crycb_format() == kFmtMsax3);
  BOOST_TEST(b->crycb_format() == arch::CRYCB_FORMAT0);
  sc::MainStorage& st = g.platform->storage();
  BOOST_TEST(st.read_u32(a->sd_addr() + arch::kSieCrycbdOffset) == (static_cast<uint32_t>(a->crycb_addr()) | kFmtMsax3));
  BOOST_TEST(st.read_u32(b->sd_addr() + arch::kSieCrycbdOffset) == static_cast<uint32_t>(b->crycb_addr()));
  // "If the AP instructions are not being interpreted and the MSAX3 facility is not
  // configured for the guest, there is nothing to set up": no CRYCB designation, no APIE.
  BOOST_TEST(st.read_u32(c->sd_addr() + arch::kSieCrycbdOffset) == 0u);
  BOOST_TEST((st.read_u32(a->sd_addr() + arch::kSieEcaOffset) & arch::ECA_APIE) != 0u);
  BOOST_TEST((st.read_u32(c->sd_addr() + arch::kSieEcaOffset) & arch::ECA_APIE) == 0u);
}

BOOST_AUTO_TEST_CASE(apie_on_interprets_all_but_aqic) {
  auto vm = make_vm("interp");
  vm->set_crypto_masks(mask({5, 6}), mask({kDomA, kDomB}), mask({kDomA}));
  const auto& stats = g.platform->cpu().stats();
  arch::Cpu& cpu = vm->vcpu();
  const uint64_t i0 = stats.intercepts;
  BOOST_TEST(tapq(cpu, Apqn{6, kDomA}).rc == 0);
  BOOST_TEST(pqap(cpu, arch::make_pqap_gr0(PqapFc::RAPQ, Apqn{5, kDomB})).rc == 0);
  BOOST_TEST(pqap(cpu, arch::make_pqap_gr0(PqapFc::ZAPQ, Apqn{5, kDomB})).rc != 1);
  BOOST_TEST(pqap(cpu, uint64_t{static_cast<uint8_t>(PqapFc::QCI)} << 24, 0, 0x20000).o.cc == 0);
  BOOST_TEST(stats.intercepts == i0, "no interpreted instruction intercepts");
  // PQAP(AQIC) goes to KVM's handle_pqap: no vfio_ap hook -> RC 0x01, cc 3.
  const uint64_t t0 = now_ps();
  Res r = pqap(cpu, arch::make_pqap_gr0(PqapFc::AQIC, Apqn{6, kDomA}), 0, 0x3000);
  BOOST_TEST(stats.intercepts == i0 + 1);
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.o.cc == 3);
  BOOST_TEST(now_ps() - t0 >= g.platform->config().timing.intercept_cycles * g.platform->config().timing.cpu_clock_ps);
  // With the hook: cc 3 iff the hook's RC != 0 (spec §3.3).
  vm->pqap_hook = [](GeneralRegisters& regs) {
    arch::ApQueueStatus s;
    s.response_code = regs[2] == 0 ? arch::AP_RESPONSE_INVALID_ADDRESS : 0;
    regs[1] = s.gr1();
    return InsnOutcome{0, arch::PGM_NONE};
  };
  r = pqap(cpu, arch::make_pqap_gr0(PqapFc::AQIC, Apqn{6, kDomA}), 0, 0x3000);
  BOOST_TEST((r.rc == 0 && r.o.cc == 0));
  r = pqap(cpu, arch::make_pqap_gr0(PqapFc::AQIC, Apqn{6, kDomA}), 0, 0);
  BOOST_TEST((r.rc == 6 && r.o.cc == 3));
  BOOST_TEST(stats.intercepts == i0 + 3);
}

BOOST_AUTO_TEST_CASE(apie_off_intercepts_everything_to_an_operation_exception) {
  // -cpu host,ap=off: QEMU never sets KVM_S390_VM_CRYPTO_ENABLE_APIE.
  auto vm = make_vm("no-apie", false, true);
  BOOST_TEST(!vm->apie());
  arch::Cpu& cpu = vm->vcpu();
  const auto& stats = g.platform->cpu().stats();
  const uint64_t i0 = stats.intercepts;
  const uint64_t t0 = now_ps();
  BOOST_TEST(tapq(cpu, Apqn{6, kDomA}).o.pgm == arch::PGM_OPERATION);
  BOOST_TEST(now_ps() - t0 >= g.platform->config().timing.intercept_cycles * g.platform->config().timing.cpu_clock_ps);
  BOOST_TEST(nqap(cpu, Apqn{6, kDomA}, type50_request()).o.pgm == arch::PGM_OPERATION);
  BOOST_TEST(pqap(cpu, arch::make_pqap_gr0(PqapFc::AQIC, Apqn{6, kDomA}), 0, 0x3000).o.pgm == arch::PGM_OPERATION);
  BOOST_TEST(pqap(cpu, uint64_t{static_cast<uint8_t>(PqapFc::QCI)} << 24, 0, 0x20000).o.pgm == arch::PGM_OPERATION);
  BOOST_TEST(stats.intercepts == i0 + 4);
  BOOST_TEST(g.sie->context_of(vm->sd_addr()) == -1, "no APCB context without interpretation");
}

// ---- the APCB check -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(apqn_outside_the_matrix_is_rc01) {
  auto vm = make_vm("matrix");
  vm->set_crypto_masks(mask({6}), mask({kDomA}), ApMask());
  arch::Cpu& cpu = vm->vcpu();
  const auto& stats = g.platform->cpu().stats();
  const uint64_t d0 = stats.sie_denied;
  BOOST_TEST(tapq(cpu, Apqn{6, kDomA}).rc == 0);
  for (Apqn q : {Apqn{5, kDomA}, Apqn{6, kDomB}, Apqn{5, kDomB}}) {
    const Res r = tapq(cpu, q);
    BOOST_TEST(r.rc == 1, "TAPQ " << int(q.apid) << "." << int(q.apqi));
    BOOST_TEST(r.o.cc == 3);
  }
  BOOST_TEST(nqap(cpu, Apqn{5, kDomA}, type50_request()).rc == 1);
  BOOST_TEST(stats.sie_denied == d0 + 4);
}

BOOST_AUTO_TEST_CASE(format0_width_is_apid_63_apqi_15) {
  auto vm = make_vm("fmt0", true, false);
  BOOST_REQUIRE(vm->crycb_format() == arch::CRYCB_FORMAT0);
  vm->set_crypto_masks(ApMask::all(), ApMask::all(), ApMask::all());  // KVM keeps 64/16/16 bits
  arch::Cpu& cpu = vm->vcpu();
  BOOST_TEST(tapq(cpu, Apqn{6, kDomA}).rc == 0);
  // A domain beyond 15 is never valid in format 0, whatever the stored AQM word holds.
  if (kApxa) BOOST_TEST(tapq(cpu, Apqn{6, kDomB}).rc == 1);
  // QCI under interpretation: the guest's own masks, cut to the format's width.
  constexpr uint64_t kQci = 0x20000;
  BOOST_TEST(pqap(cpu, uint64_t{static_cast<uint8_t>(PqapFc::QCI)} << 24, 0, kQci).o.cc == 0);
  uint8_t b[arch::kQciBlockSize];
  cpu.storage().read(kQci, b, sizeof b);
  const arch::QciInfo q = arch::QciInfo::from_bytes(b);
  BOOST_TEST(q.apm.ids().size() == 64u);
  BOOST_TEST(q.aqm.ids().size() == 16u);
  BOOST_TEST(q.adm.ids().size() == 16u);
  BOOST_TEST(!q.apxa());
  BOOST_TEST(int(q.nd) == 15);
}

BOOST_AUTO_TEST_CASE(qci_shows_the_guests_own_masks) {
  auto vm = make_vm("qci");
  const Masks m{mask({5, 6}), mask({kDomB}), mask({kDomA, kDomB})};
  vm->set_crypto_masks(m.apm, m.aqm, m.adm);
  arch::Cpu& cpu = vm->vcpu();
  constexpr uint64_t kQci = 0x20000;
  BOOST_TEST(pqap(cpu, uint64_t{static_cast<uint8_t>(PqapFc::QCI)} << 24, 0, kQci).o.cc == 0);
  uint8_t b[arch::kQciBlockSize];
  cpu.storage().read(kQci, b, sizeof b);
  const arch::QciInfo q = arch::QciInfo::from_bytes(b);
  BOOST_TEST(q.apm.to_hex() == m.apm.to_hex());
  BOOST_TEST(q.aqm.to_hex() == m.aqm.to_hex());
  BOOST_TEST(q.adm.to_hex() == m.adm.to_hex());
  BOOST_TEST(q.apxa() == (kFmtMsax3 == arch::CRYCB_FORMAT2));
}

// ---- ADM: control-domain commands -----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(adm_decides_control_domain_commands) {
  auto vm = make_vm("adm");
  vm->set_crypto_masks(mask({5}), mask({kDomA}), mask({kDomA}));  // may modify only kDomA
  arch::Cpu& cpu = vm->vcpu();
  const Apqn q{5, kDomA};  // CEX5C (CCA)
  const uint8_t denied_rc = g.sie->adm_denied_rc();
  BOOST_TEST(int(denied_rc) == 0x42);
  // Administrative CCA request for a domain in the ADM: enqueued.
  Res r = nqap(cpu, q, cca_request(true, kDomA), 11);
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(g.sie->verdict(vm->sd_addr()).cdom_check);
  // ... for a domain outside the ADM: RC 0x42, cc 3, never reaches the adapter.
  const uint64_t checks0 = g.sie->stats().denied_cdom;
  r = nqap(cpu, q, cca_request(true, kDomB), 12);
  BOOST_TEST(int(r.rc) == int(denied_rc));
  BOOST_TEST(r.o.cc == 3);
  BOOST_TEST(g.sie->stats().denied_cdom == checks0 + 1);
  // ... for a domain no ADM can hold.
  BOOST_TEST(int(nqap(cpu, q, cca_request(true, 0x100), 13).rc) == int(denied_rc));
  // A usage request ("T2") names a domain but modifies none: no ADM check.
  r = nqap(cpu, q, cca_request(false, kDomB), 14);
  BOOST_TEST(!g.sie->verdict(vm->sd_addr()).cdom_check);
  BOOST_TEST(int(r.rc) != int(denied_rc));
  // EP11: the admin flag of the CPRB, target_id.
  BOOST_TEST(int(nqap(cpu, q, ep11_request(true, kDomB), 15).rc) == int(denied_rc));
  BOOST_TEST(g.sie->verdict(vm->sd_addr()).cdom == kDomB);
  r = nqap(cpu, q, ep11_request(true, kDomA), 16);
  BOOST_TEST(int(r.rc) != int(denied_rc));
  BOOST_TEST(g.sie->verdict(vm->sd_addr()).cdom_allow);
  // Type-50 RSA modifies no domain.
  vm->set_crypto_masks(mask({5}), mask({kDomA}), ApMask());
  r = nqap(cpu, q, type50_request(), 17);
  BOOST_TEST(!g.sie->verdict(vm->sd_addr()).cdom_check);
  BOOST_TEST(int(r.rc) != int(denied_rc));
  // The APQN check comes first: APQN outside the matrix is RC 0x01 even for an admin request.
  BOOST_TEST(nqap(cpu, Apqn{6, kDomA}, cca_request(true, kDomA), 18).rc == 1);
  // The request whose ADM bit KVM set after the fact gets through (same guest, new masks).
  vm->set_crypto_masks(mask({5}), mask({kDomA}), mask({kDomA, kDomB}));
  BOOST_TEST(int(nqap(cpu, q, cca_request(true, kDomB), 19).rc) != int(denied_rc));
  BOOST_TEST(pqap(cpu, arch::make_pqap_gr0(PqapFc::ZAPQ, q)).rc == 0);  // leave the queue empty
}

// ---- APCB contexts ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(more_guests_than_contexts) {
  // kApcbContexts contexts; more guests than that are reloaded on SIE entry, never mixed up.
  std::vector<std::unique_ptr<driver::KvmVm>> vms;
  std::vector<Masks> masks;
  for (unsigned i = 0; i < sc::kApcbContexts + 2; ++i) {
    vms.push_back(make_vm("ctx" + std::to_string(i), true, i % 2 == 0));
    masks.push_back(Masks{mask({i % 2 ? 5u : 6u}), mask({i % 3 ? unsigned{kDomA} : unsigned{kDomB}}), ApMask()});
    vms.back()->set_crypto_masks(masks.back().apm, masks.back().aqm, masks.back().adm);
  }
  const uint64_t fetches0 = g.sie->stats().crycb_fetches;
  for (int round = 0; round < 3; ++round)
    for (size_t i = 0; i < vms.size(); ++i)
      for (Apqn q : {Apqn{5, kDomA}, Apqn{6, kDomA}, Apqn{5, kDomB}, Apqn{6, kDomB}}) {
        const uint32_t fmt = vms[i]->crycb_format();
        const bool expect = masks[i].apm.test(q.apid) && masks[i].aqm.test(q.apqi) &&
                            q.apid <= arch::crycb_max_id(fmt, arch::ApcbMask::APM) &&
                            q.apqi <= arch::crycb_max_id(fmt, arch::ApcbMask::AQM);
        BOOST_TEST((tapq(vms[i]->vcpu(), q).rc != 1) == expect, "guest " << i << " APQN " << int(q.apid) << "."
                                                                          << int(q.apqi));
      }
  BOOST_TEST(g.sie->stats().crycb_fetches > fetches0, "contexts were reloaded");
}

BOOST_AUTO_TEST_CASE(a_crycb_write_without_the_protocol_is_not_seen) {
  // The machine works from the APCB context it loaded: rewriting the CRYCB in storage without
  // KVM's block / VSIE-restart / unblock changes nothing for a vCPU in SIE.  (This is why
  // kvm_arch_crypto_set_masks blocks the vCPUs.)
  auto vm = make_vm("raw");
  vm->set_crypto_masks(mask({6}), mask({kDomA}), ApMask());
  arch::Cpu& cpu = vm->vcpu();
  BOOST_TEST(tapq(cpu, Apqn{6, kDomA}).rc == 0);
  uint8_t zero[32] = {};
  g.platform->storage().write(vm->crycb_addr() + (kFmtMsax3 == arch::CRYCB_FORMAT2 ? 0x80 : 0x00),
                              zero, kFmtMsax3 == arch::CRYCB_FORMAT2 ? 32 : 8);
  BOOST_TEST(tapq(cpu, Apqn{6, kDomA}).rc == 0, "old APCB still active");
  vm->set_crypto_masks(ApMask(), mask({kDomA}), ApMask());
  BOOST_TEST(tapq(cpu, Apqn{6, kDomA}).rc == 1, "new APCB after the protocol");
}

// ---- KVM's update while the guest runs -----------------------------------------------------------

namespace {

struct Decision {
  uint64_t start, end;
  Apqn q;
  bool allowed;
};
struct Update {
  uint64_t begin, end;  // around kvm_arch_crypto_set_masks
  int set;              // index into the mask sets
};

/// Run a guest vCPU thread issuing TAPQs on `probes` while `writer` (on this thread) rewrites
/// the masks; returns what the guest saw.
std::vector<Decision> drive(arch::Cpu& vcpu, const std::vector<Apqn>& probes, const std::function<void()>& writer) {
  std::vector<Decision> seen;
  bool stop = false, done = false;
  sc_core::sc_event done_ev;
  sc_core::sc_spawn_options opt;
  opt.set_stack_size(1 << 20);
  sc_core::sc_spawn(
      [&] {
        for (size_t i = 0; !stop; ++i) {
          const Apqn q = probes[i % probes.size()];
          const uint64_t s = now_ps();
          const Res r = tapq(vcpu, q);
          seen.push_back({s, now_ps(), q, r.rc != 1});
        }
        done = true;
        done_ev.notify();
      },
      nullptr, &opt);
  writer();
  stop = true;
  if (!done) sc_core::wait(done_ev);
  return seen;
}

/// Decisions that fit no APCB the instruction could have seen: the one in effect when it
/// started (an update that began before it — its vCPU was blocked until the update ended),
/// or one written by an update that began while it ran (KVM waits for it, or it started SIE
/// entry only after the unblock).  Never a mix of two of them.
size_t mismatches(const std::vector<Decision>& seen, const std::vector<Update>& ups, const std::vector<Masks>& sets,
                  int first_set) {
  size_t bad = 0;
  for (const Decision& d : seen) {
    std::vector<int> candidates = {first_set};
    for (const Update& u : ups) {
      if (u.begin < d.start) candidates[0] = u.set;
      else if (u.begin <= d.end) candidates.push_back(u.set);
    }
    bool ok = false;
    for (int set : candidates) ok |= (sets[set].apm.test(d.q.apid) && sets[set].aqm.test(d.q.apqi)) == d.allowed;
    bad += !ok;
  }
  return bad;
}

}  // namespace

BOOST_AUTO_TEST_CASE(instructions_across_updates_see_old_or_new_never_a_mix) {
  // Mask sets chosen so that a mix is visible: 05.kDomB and 06.kDomA are granted only by a
  // mix of A's APM with B's AQM or the other way round.
  const std::vector<Masks> sets = {{mask({5}), mask({kDomA}), ApMask()}, {mask({6}), mask({kDomB}), ApMask()}};
  const std::vector<Apqn> probes = {Apqn{5, kDomA}, Apqn{6, kDomB}, Apqn{5, kDomB}, Apqn{6, kDomA}};
  auto vm = make_vm("update");
  vm->set_crypto_masks(sets[0].apm, sets[0].aqm, sets[0].adm);
  std::vector<Update> ups;
  std::mt19937 rng(77);
  const uint64_t reloads0 = g.sie->stats().crycb_reloads;
  const auto seen = drive(vm->vcpu(), probes, [&] {
    for (int k = 1; k <= 60; ++k) {
      sc_core::wait(sc_core::sc_time::from_value(1000 + rng() % 400000));  // 1..400 ns
      const int s = k % 2;
      const uint64_t b = now_ps();
      vm->set_crypto_masks(sets[s].apm, sets[s].aqm, sets[s].adm);
      ups.push_back({b, now_ps(), s});
    }
    sc_core::wait(sc_core::sc_time::from_value(20000000));
  });
  BOOST_TEST(g.sie->stats().crycb_reloads == reloads0 + 60);
  BOOST_TEST(seen.size() > 200u);
  size_t allowed = 0, straddling = 0;
  for (const Decision& d : seen) {
    allowed += d.allowed;
    for (const Update& u : ups) straddling += d.start < u.begin && d.end > u.begin;
  }
  BOOST_TEST(allowed > 0u);
  BOOST_TEST(straddling > 0u, "some instructions were in flight when KVM blocked the vCPU");
  BOOST_TEST(mismatches(seen, ups, sets, 0) == 0u);
}

BOOST_AUTO_TEST_CASE(updates_racing_crycb_fetches_never_tear) {
  // The vCPU thread cycles over more guests than there are APCB contexts, so every SIE entry
  // fetches its APCB from the CRYCB word by word — while KVM rewrites one of those CRYCBs.
  // KVM's block waits for the instruction in flight, SIE entry and fetch included, so no
  // fetch reads half an update.
  const std::vector<Masks> sets = {{mask({5}), mask({kDomA}), ApMask()}, {mask({6}), mask({kDomB}), ApMask()}};
  const std::vector<Apqn> probes = {Apqn{5, kDomA}, Apqn{6, kDomB}, Apqn{5, kDomB}, Apqn{6, kDomA}};
  std::vector<std::unique_ptr<driver::KvmVm>> vms;
  for (unsigned i = 0; i <= sc::kApcbContexts; ++i) {
    vms.push_back(make_vm("race" + std::to_string(i)));
    vms.back()->set_crypto_masks(sets[0].apm, sets[0].aqm, sets[0].adm);
  }
  std::vector<Decision> seen;
  bool stop = false, done = false;
  sc_core::sc_event done_ev;
  sc_core::sc_spawn_options opt;
  opt.set_stack_size(1 << 20);
  const uint64_t fetches0 = g.sie->stats().crycb_fetches;
  sc_core::sc_spawn(
      [&] {
        for (size_t i = 0; !stop; ++i) {
          const size_t v = i % vms.size();
          const Apqn q = probes[(i / vms.size()) % probes.size()];
          const uint64_t s = now_ps();
          const Res r = tapq(vms[v]->vcpu(), q);
          if (v == 0) seen.push_back({s, now_ps(), q, r.rc != 1});
        }
        done = true;
        done_ev.notify();
      },
      nullptr, &opt);
  std::vector<Update> ups;
  std::mt19937 rng(78);
  for (int k = 1; k <= 400; ++k) {
    sc_core::wait(sc_core::sc_time::from_value(1000 + rng() % 150000));  // 1 .. 150 ns
    const int s = k % 2;
    const uint64_t b = now_ps();
    vms[0]->set_crypto_masks(sets[s].apm, sets[s].aqm, sets[s].adm);
    ups.push_back({b, now_ps(), s});
  }
  stop = true;
  if (!done) sc_core::wait(done_ev);
  BOOST_TEST(g.sie->stats().crycb_fetches - fetches0 > 200u, "SIE entries fetched APCBs");
  BOOST_TEST(seen.size() > 50u);
  BOOST_TEST(mismatches(seen, ups, sets, 0) == 0u);
}

BOOST_AUTO_TEST_CASE(the_mix_detector_sees_a_torn_update) {
  // Negative control of the test above: a broken KVM that makes the machine reload between
  // the APM write and the AQM write (two protocol runs for one update) exposes a mixed APCB
  // (new APM, old AQM) — the same checker must report it.
  const std::vector<Masks> sets = {{mask({5}), mask({kDomA}), ApMask()},
                                   {mask({6}), mask({kDomB}), ApMask()},
                                   {mask({6}), mask({kDomA}), ApMask()}};  // the torn state
  const std::vector<Apqn> probes = {Apqn{5, kDomA}, Apqn{6, kDomB}, Apqn{5, kDomB}, Apqn{6, kDomA}};
  auto vm = make_vm("torn");
  vm->set_crypto_masks(sets[0].apm, sets[0].aqm, sets[0].adm);
  std::vector<Update> ups;
  const auto seen = drive(vm->vcpu(), probes, [&] {
    for (int k = 1; k <= 10; ++k) {
      sc_core::wait(sc_core::sc_time::from_value(50000));
      const int s = k % 2 ? 1 : 0;
      // Half an update as its own protocol run: the APM of the new set, the old AQM.
      vm->set_crypto_masks(sets[s].apm, sets[1 - s].aqm, sets[s].adm);
      const uint64_t b = now_ps();
      sc_core::wait(sc_core::sc_time::from_value(300000));
      vm->set_crypto_masks(sets[s].apm, sets[s].aqm, sets[s].adm);
      ups.push_back({b, now_ps(), s});
    }
  });
  BOOST_TEST(mismatches(seen, ups, sets, 0) > 0u, "a torn update must be detected");
}

// ---- sc_main: one platform, Boost.Test inside the CPU's software thread ---------------------------

int sc_main(int argc, char** argv) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc::Platform platform(lpar(), sc::SimMode::cycle);
  g.platform = &platform;
  g.sie = dynamic_cast<sc::SieUnit*>(sc_core::sc_find_object("sie"));
  if (!g.sie) return 3;
  int rc = 0;
  platform.run([&](arch::HostCpu& cpu) {
    driver::KernelOptions ko;
    ko.init = driver::init_main;
    driver::LinuxKernel host(cpu, ko);
    host.boot();
    g.host_cpu = &cpu;
    g.host = &host;
    rc = boost::unit_test::unit_test_main(&init_unit_test, argc, argv);
  });
  return rc;
}
