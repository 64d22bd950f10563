// sc/platform.cpp — builds and runs one LPAR.
#include "sc/platform.h"
#include "sc/sim_time.h"

#include <cstdio>

namespace apsim::sc {

using namespace sc_core;

Platform::Platform(const LparConfig& cfg, SimMode mode) : cfg_(cfg), mode_(mode) {
  if (cfg_.rating_unit_ps) service_.set_rating_unit_ps(cfg_.rating_unit_ps);
  if (cfg_.me_full_over_crt > 0) service_.set_me_full_over_crt(cfg_.me_full_over_crt);
  storage_ = std::make_unique<MainStorage>(cfg_.storage_bytes);
  // The SIE unit builds the APCB check as its child "sie.apcb_check": the Verilated RTL in
  // cycle mode, the C++ reference (same decisions, no cycles) in fast mode.
  sie_ = std::make_unique<SieUnit>("sie", *storage_, cfg_.timing,
                                   mode == SimMode::cycle ? SieCheckerKind::rtl : SieCheckerKind::reference);
  cpu_ = std::make_unique<CpuModel>("cpu", *storage_, cfg_.timing, *sie_, cfg_.facilities, cfg_.qci());
  cpu_->set_cpu_complex(cfg_.cpus, cfg_.software_costs);
  if (mode == SimMode::fast) cpu_->set_loosely_timed(true, cfg_.quantum_ps);
  fabric_ = std::make_unique<ApFabric>("ap_fabric", cfg_.timing);
  cpu_->bus_socket.bind(fabric_->cpu_socket);
  for (auto a : cfg_.adapters) {
    // Each adapter draws its service times from its own stream: the LPAR's seed and its APID
    // (splitmix64's multiplier spreads neighbouring seeds apart).
    a.service = cfg_.service_distributions;
    a.service_seed = (cfg_.service_seed.value_or(1) ^ (uint64_t{a.apid} * 0x9E3779B97F4A7C15ull)) + a.apid;
    char name[16];
    std::snprintf(name, sizeof name, "card%02x", a.apid);
    adapters_.push_back(std::make_unique<CexAdapter>(name, a, cfg_.usage_domains, cfg_.timing, service_, *storage_));
    fabric_->adapter_socket.bind(adapters_.back()->socket);
    fabric_->attach(a.apid);
    adapters_.back()->set_interrupt_sink(cpu_.get());
  }
  std::vector<CexAdapter*> all;
  for (auto& a : adapters_) all.push_back(a.get());
  hmc_ = std::make_unique<Hmc>("hmc", *cpu_, std::move(all), cfg_.qci());
}

Platform::~Platform() { close_vcd(); }

std::string Platform::close_vcd() { return vcd_ ? vcd_->close() : ""; }

CexAdapter* Platform::adapter(unsigned apid) {
  for (auto& a : adapters_)
    if (a->config().apid == apid) return a.get();
  return nullptr;
}

std::string Platform::open_vcd(const std::string& path, const std::vector<uint16_t>& queues,
                               const VcdOptions& options) {
  vcd_ = std::make_unique<VcdWriter>(path, options);
  cpu_->trace(vcd_.get());
  sie_->trace(vcd_.get());  // and sie.apcb_check.* in cycle mode
  fabric_->trace(vcd_.get());
  for (auto& a : adapters_) a->trace(vcd_.get());
  for (uint16_t apqn : queues)
    if (CexAdapter* a = adapter(apqn >> 8)) a->trace_queue(vcd_.get(), static_cast<uint8_t>(apqn & 0xff));
  if (const std::vector<std::string> none = vcd_->unmatched_scopes(); !none.empty()) {
    std::string under;
    for (const std::string& t : vcd_->top_scopes()) under += (under.empty() ? "" : ", ") + t;
    return "'" + none.front() + "' matches no signal (the signals are under " + under + ")";
  }
  return vcd_->open();
}

void Platform::set_probe(ApProbe* probe) {
  for (auto& a : adapters_) a->set_probe(probe);
}

void Platform::set_watch(ApQueueWatch* watch) {
  for (auto& a : adapters_) a->set_watch(watch);
}

uint64_t Platform::run(std::function<void(arch::HostCpu&)> software) {
  // The software's end is a synchronisation point: the simulated time it ran is all spent.
  cpu_->set_software([this, sw = std::move(software)](arch::HostCpu& host) {
    sw(host);
    cpu_->sync_local_time();
  });
  sc_start();
  return sim_now_ps();
}

}  // namespace apsim::sc
