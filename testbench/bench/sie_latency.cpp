// testbench/bench/sie_latency.cpp — where the simulated time of a guest's AP instruction goes
// (bench_sie_latency; not a test: it measures and prints, docs/sie-and-apcb.md quotes it).
//
//   bench_sie_latency
//
// Builds the platform of the default LPAR (adapters 05 CEX5C, 06 CEX5A) the way sc::Platform
// does — storage, SIE unit with the Verilated APCB check, CPU, AP fabric, adapters — with a TLM
// probe on each side of the AP fabric, boots the host Linux, gives 06.0004 to a guest through
// vfio_ap (qemu-system-s390x -cpu host), and then, acting as that guest's vCPU, measures:
//   1. an interpreted NQAP (type-50 MEB1, 400 bytes) three times: with SIE entry and CRYCB
//      fetch (its APCB context was evicted by other guests), right after SIE entry from
//      another guest (context still loaded), and inside SIE;
//   2. an interpreted TAPQ, and a TAPQ of a guest without APIE (-cpu host,ap=off: intercept,
//      operation exception from QEMU);
//   3. an intercepted PQAP(AQIC) through KVM's handle_pqap to vfio_ap's hook;
//   4. KVM's blocked-vCPU mask update (kvm_arch_crypto_set_masks) as the host sees it;
//   5. the what-if apsim.kvm_ap=intercept: an NQAP and its DQAP that KVM emulates.
// Stage times come from the SIE unit's record of the instruction (sc/sie.h SieStageTimes)
// and from the probes (the delay the AP fabric and the adapter annotate); all in simulated time.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "arch/ap_registers.h"
#include "driver/linux/kernel.h"
#include "driver/linux/kvm-s390.h"
#include "driver/qemu/qemu.h"
#include "driver/shell/shell.h"
#include "driver/userspace/init.h"
#include "driver/userspace/session.h"
#include "firmware/service_time.h"
#include "sc/ap_fabric.h"
#include "sc/cex_adapter.h"
#include "sc/cpu.h"
#include "sc/lpar_config.h"
#include "sc/main_storage.h"
#include "sc/sie.h"

using namespace apsim;
using arch::Apqn;
using arch::GeneralRegisters;
using arch::PqapFc;

namespace {

/// Passes b_transport through and remembers the annotated delay before and after.
struct TlmProbe : sc_core::sc_module {
  tlm_utils::simple_target_socket<TlmProbe> target;
  tlm_utils::simple_initiator_socket<TlmProbe> initiator;
  uint64_t in_ps = 0, out_ps = 0;
  explicit TlmProbe(const sc_core::sc_module_name& n) : sc_core::sc_module(n), target("target"), initiator("initiator") {
    target.register_b_transport(this, &TlmProbe::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    in_ps = delay.value();
    initiator->b_transport(gp, delay);
    out_ps = delay.value();
  }
};

uint64_t now_ps() { return sc_core::sc_time_stamp().value(); }

struct Row {
  const char* stage;
  uint64_t ps[3];
};

void be(std::vector<uint8_t>& m, size_t off, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) m[off + i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
}

std::vector<uint8_t> meb1() {  // RSA-1024 ME: 2^3 mod an odd modulus
  std::vector<uint8_t> m(400, 0);
  m[1] = 0x50;
  be(m, 2, 400, 2);
  be(m, 8, 0x0001, 2);
  m[16 + 127] = 3;
  m[16 + 128] = 0x01;
  m[16 + 128 + 127] = 0xbb;
  m[16 + 256 + 127] = 2;
  return m;
}

}  // namespace

int sc_main(int, char**) {
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  const sc::LparConfig cfg = sc::LparConfig::default_lpar();
  const sc::TimingTable& tt = cfg.timing;
  firmware::ServiceTimeTable service;
  sc::MainStorage storage(cfg.storage_bytes);
  sc::SieUnit sie("sie", storage, tt, sc::SieCheckerKind::rtl);
  sc::CpuModel cpu("cpu", storage, tt, sie, cfg.facilities, cfg.qci());
  sc::ApFabric fabric("ap_fabric", tt);
  TlmProbe probe_cpu("probe_cpu_fabric");
  cpu.bus_socket.bind(probe_cpu.target);
  probe_cpu.initiator.bind(fabric.cpu_socket);
  std::vector<std::unique_ptr<sc::CexAdapter>> adapters;
  std::vector<std::unique_ptr<TlmProbe>> probes;
  for (const auto& a : cfg.adapters) {
    char name[32];
    std::snprintf(name, sizeof name, "card%02x", a.apid);
    adapters.push_back(std::make_unique<sc::CexAdapter>(name, a, cfg.usage_domains, tt, service, storage));
    std::snprintf(name, sizeof name, "probe_fabric_card%02x", a.apid);
    probes.push_back(std::make_unique<TlmProbe>(name));
    fabric.adapter_socket.bind(probes.back()->target);
    probes.back()->initiator.bind(adapters.back()->socket);
    fabric.attach(a.apid);
    adapters.back()->set_interrupt_sink(&cpu);
  }
  TlmProbe& probe_card = *probes.at(1);  // card06

  const double cyc = static_cast<double>(tt.cpu_clock_ps);
  int status = 0;
  cpu.set_software([&](arch::HostCpu& hcpu) {
    driver::KernelOptions ko;
    ko.init = driver::init_main;
    driver::LinuxKernel host(hcpu, ko);
    driver::Session session(host);
    host.boot();
    std::ostringstream out, err;
    driver::Shell sh(session, out, err);
    const int rc = sh.run_script(
        "modprobe vfio_ap\n"
        "echo -4 > /sys/bus/ap/aqmask\n"
        "UUID=$(uuidgen)\n"
        "echo $UUID > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create\n"
        "echo 6 > /sys/devices/vfio_ap/matrix/$UUID/assign_adapter\n"
        "echo 4 > /sys/devices/vfio_ap/matrix/$UUID/assign_domain\n"
        "echo 4 > /sys/devices/vfio_ap/matrix/$UUID/assign_control_domain\n"
        "qemu-system-s390x -name bench -cpu host -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$UUID\n");
    if (rc != 0 || !session.guests().count("bench")) {
      std::fprintf(stderr, "bench_sie_latency: set-up failed (%d)\n%s%s", rc, out.str().c_str(), err.str().c_str());
      status = 1;
      return;
    }
    driver::KvmVm& vm = session.guests().at("bench").qemu->vm();
    arch::Cpu& vcpu = vm.vcpu();
    const Apqn q{6, 4};
    // Other guests (no device), each with its own CRYCB: running them takes the CPU out of
    // the bench guest's SIE, and enough of them evict its APCB context.
    std::vector<std::unique_ptr<driver::KvmVm>> others;
    for (unsigned i = 0; i < sc::kApcbContexts; ++i)
      others.push_back(std::make_unique<driver::KvmVm>(host, "other" + std::to_string(i), 64ull << 20,
                                                       hcpu.facilities()));
    auto tapq = [](arch::Cpu& c, Apqn a) {
      GeneralRegisters r;
      r[0] = arch::make_pqap_gr0(PqapFc::TAPQ, a, true);
      return c.ap().pqap(r);
    };
    const std::vector<uint8_t> msg = meb1();
    constexpr uint64_t kMsg = 0x10000, kReply = 0x20000;
    vcpu.storage().write(kMsg, msg.data(), msg.size());

    // One measured NQAP; the reply is then collected so the queue stays empty.
    auto measured_nqap = [&](uint64_t psmid, uint64_t ps[9]) {
      GeneralRegisters r;
      r[0] = arch::make_nqap_gr0(q);
      r[4] = psmid >> 32;
      r[5] = psmid & 0xffffffffu;
      r[6] = kMsg;
      r[7] = msg.size();
      const uint64_t t0 = now_ps();
      const arch::InsnOutcome o = vcpu.ap().nqap(r, 4, 6);
      const uint64_t t1 = now_ps();
      const sc::SieStageTimes& s = sie.last_stages();
      const uint64_t fabric_ps = probe_card.in_ps - probe_cpu.in_ps, enq_ps = probe_card.out_ps - probe_card.in_ps;
      ps[0] = s.begin_ps - t0;                                                  // decode
      ps[1] = s.sd_fetch_ps;                                                    // SIE entry
      ps[2] = s.crycb_fetch_ps;                                                 // CRYCB fetch
      ps[3] = s.check_begin_ps - s.begin_ps - s.sd_fetch_ps - s.crycb_fetch_ps;  // message move
      ps[4] = s.check_ps;                                                       // mask check
      ps[5] = fabric_ps;                                                        // AP fabric
      ps[6] = enq_ps;                                                           // enqueue
      ps[7] = t1 - t0;                                                          // total
      ps[8] = t1 - (s.check_begin_ps + s.check_ps) - fabric_ps - enq_ps;        // unaccounted
      if (o.interrupted() || arch::ApQueueStatus::from_gr1(r[1]).response_code != 0) status = 1;
      hcpu.delay_ps(2'000'000'000);  // let the adapter finish (2 ms)
      GeneralRegisters d;
      d[0] = arch::make_dqap_gr0(q);
      d[6] = kReply;
      d[7] = 4096;
      vcpu.ap().dqap(d, 4, 6);
    };

    uint64_t cold[9], entry[9], in_sie[9];
    for (auto& o : others) tapq(o->vcpu(), q);  // evict the bench guest's APCB context
    measured_nqap(1, cold);
    tapq(others[0]->vcpu(), q);  // the CPU runs another guest: SIE exit for 'bench'
    measured_nqap(2, entry);
    measured_nqap(3, in_sie);

    // TAPQ interpreted vs intercepted (APIE off).
    tapq(vcpu, q);
    uint64_t t0 = now_ps();
    tapq(vcpu, q);
    const uint64_t tapq_interp = now_ps() - t0;
    arch::Facilities noap = hcpu.facilities();
    noap.ap = false;
    driver::KvmVm off(host, "noapie", 64ull << 20, noap);
    tapq(off.vcpu(), q);
    t0 = now_ps();
    const arch::InsnOutcome off_o = tapq(off.vcpu(), q);
    const uint64_t tapq_intercepted = now_ps() - t0;
    const uint64_t off_entry = sie.last_stages().sd_fetch_ps;

    // The what-if apsim.kvm_ap=intercept (driver/linux/kvm-s390.h): a VM whose KVM emulates AP.  Acting
    // as KVM, the bench gives it the same APQN, then times one NQAP and its DQAP.
    driver::KvmVm emu(host, "emulated", 64ull << 20, hcpu.facilities(), true);
    emu.set_crypto_masks(arch::ApMask({0x0200000000000000ull, 0, 0, 0}), arch::ApMask({0x0800000000000000ull, 0, 0, 0}),
                         arch::ApMask());
    emu.vcpu().storage().write(kMsg, msg.data(), msg.size());
    GeneralRegisters en;
    en[0] = arch::make_nqap_gr0(q);
    en[5] = 0x77;
    en[6] = kMsg;
    en[7] = msg.size();
    t0 = now_ps();
    const arch::InsnOutcome emu_o = emu.vcpu().ap().nqap(en, 4, 6);
    const uint64_t nqap_emulated = now_ps() - t0;
    hcpu.delay_ps(2'000'000'000);  // the adapter's service (2 ms)
    GeneralRegisters ed;
    ed[0] = arch::make_dqap_gr0(q);
    ed[6] = kReply;
    ed[7] = 4096;
    t0 = now_ps();
    const arch::InsnOutcome emu_d = emu.vcpu().ap().dqap(ed, 4, 6);
    const uint64_t dqap_emulated = now_ps() - t0;
    const bool emu_ok = !emu_o.interrupted() && arch::ApQueueStatus::from_gr1(en[1]).response_code == 0 &&
                        !emu_d.interrupted() && arch::ApQueueStatus::from_gr1(ed[1]).response_code == 0 &&
                        ((ed[4] << 32) | ed[5]) == 0x77;

    // PQAP(AQIC) enable, intercepted to KVM -> vfio_ap (guest NIB at 0x30000, guest ISC 3).
    // The guest's AP bus enabled interruptions at boot: disable them first (not measured:
    // vfio_ap then polls TAPQ every 20 ms until the queue reports them off).
    GeneralRegisters a;
    a[0] = arch::make_pqap_gr0(PqapFc::AQIC, q);
    vcpu.ap().pqap(a);
    hcpu.delay_ps(100'000'000'000);  // 100 ms
    arch::AqicControl ctl;
    ctl.ir = true;
    ctl.isc = 3;
    a[0] = arch::make_pqap_gr0(PqapFc::AQIC, q);
    a[1] = ctl.pack();
    a[2] = 0x30000;
    t0 = now_ps();
    const arch::InsnOutcome aqic_o = vcpu.ap().pqap(a);
    const unsigned aqic_rc = arch::ApQueueStatus::from_gr1(a[1]).response_code;
    const uint64_t aqic_total = now_ps() - t0;
    const sc::SieStageTimes aqic_s = sie.last_stages();
    const uint64_t aqic_handler = t0 + aqic_total - aqic_s.intercept_ps - tt.intercept_cycles * tt.cpu_clock_ps;

    // KVM's mask update of the running guest (same masks: the cost of the protocol).
    const uint64_t reloads0 = sie.stats().crycb_reloads;
    t0 = now_ps();
    vm.set_crypto_masks(arch::ApMask({0x0200000000000000ull, 0, 0, 0}), arch::ApMask({0x0800000000000000ull, 0, 0, 0}),
                        arch::ApMask({0x0800000000000000ull, 0, 0, 0}));
    const uint64_t update = now_ps() - t0;

    std::printf("bench_sie_latency: guest 'bench' (CRYCB format %u, APIE on), APQN 06.0004 (CEX5A), CPU clock %llu ps\n",
                vm.crycb_format() == 3 ? 2u : vm.crycb_format(), static_cast<unsigned long long>(tt.cpu_clock_ps));
    std::printf("\ninterpreted NQAP, type-50 MEB1 (400 bytes); CPU cycles (ns)\n");
    std::printf("  %-34s %16s %16s %16s\n", "stage", "entry+fetch", "SIE entry", "in SIE");
    const char* names[] = {"decode (millicode entry)", "SIE entry: state description",
                           "CRYCB fetch: 12 words, commit", "message move (storage -> fabric)",
                           "APCB mask check (RTL)", "AP fabric", "adapter enqueue", "total", "(not attributed)"};
    for (int i = 0; i < 9; ++i) {
      if (i == 8 && cold[8] == 0 && entry[8] == 0 && in_sie[8] == 0) continue;
      std::printf("  %-34s", names[i]);
      for (const uint64_t* v : {cold, entry, in_sie})
        std::printf(" %7.0f (%6.1f)", static_cast<double>(v[i]) / cyc, static_cast<double>(v[i]) / 1000.0);
      std::printf("\n");
    }
    std::printf("\nTAPQ: interpreted (in SIE)            %7.0f cycles (%7.1f ns)\n", tapq_interp / cyc, tapq_interp / 1000.0);
    std::printf("TAPQ: APIE off, intercepted          %7.0f cycles (%7.1f ns), %s; SIE entry %.0f, intercept %llu\n",
                tapq_intercepted / cyc, tapq_intercepted / 1000.0,
                off_o.pgm == arch::PGM_OPERATION ? "operation exception" : "UNEXPECTED", off_entry / cyc,
                static_cast<unsigned long long>(tt.intercept_cycles));
    std::printf("PQAP(AQIC): intercepted to vfio_ap   %7.0f cycles (%7.1f ns), RC 0x%02x cc %d; intercept %llu, "
                "handler (vfio_ap, host AQIC) %.0f\n",
                aqic_total / cyc, aqic_total / 1000.0, aqic_rc, aqic_o.cc,
                static_cast<unsigned long long>(tt.intercept_cycles), aqic_handler / cyc);
    std::printf("NQAP: what-if, emulated by KVM      %7.0f cycles (%7.1f ns), DQAP %.0f cycles (%.1f ns)%s\n",
                nqap_emulated / cyc, nqap_emulated / 1000.0, dqap_emulated / cyc, dqap_emulated / 1000.0,
                emu_ok ? "" : " UNEXPECTED: the request failed");
    std::printf("KVM mask update (block, write, reload %llu, unblock): %.0f cycles (%.1f ns)\n",
                static_cast<unsigned long long>(sie.stats().crycb_reloads - reloads0), update / cyc, update / 1000.0);
    if (off_o.pgm != arch::PGM_OPERATION || aqic_o.interrupted() || !emu_ok) status = 1;
  });
  sc_core::sc_start();
  return status;
}
