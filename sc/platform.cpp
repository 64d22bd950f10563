// sc/platform.cpp — builds and runs one LPAR.
#include "sc/platform.h"

#include "sc/apcb_check_rtl.h"

namespace apsim::sc {

using namespace sc_core;

Platform::Platform(const LparConfig& cfg, SimMode mode) : cfg_(cfg) {
  if (cfg_.rating_unit_ps) service_.set_rating_unit_ps(cfg_.rating_unit_ps);
  storage_ = std::make_unique<MainStorage>(cfg_.storage_bytes);
  if (mode == SimMode::cycle)
    checker_ = std::make_unique<ApcbCheckRtl>("apcb_check", sc_time(static_cast<double>(cfg_.timing.cpu_clock_ps), SC_PS));
  else
    checker_ = std::make_unique<ApcbCheckRef>();  // fast mode: C++ reference, no cycles
  sie_ = std::make_unique<SieUnit>("sie", *storage_, cfg_.timing, *checker_);
  cpu_ = std::make_unique<CpuModel>("cpu", *storage_, cfg_.timing, *sie_, cfg_.facilities, cfg_.qci());
  bus_ = std::make_unique<ApBus>("ap_bus", cfg_.timing);
  cpu_->bus_socket.bind(bus_->cpu_socket);
  for (const auto& a : cfg_.adapters) {
    char name[16];
    std::snprintf(name, sizeof name, "card%02x", a.apid);
    adapters_.push_back(std::make_unique<CexAdapter>(name, a, cfg_.usage_domains, cfg_.timing, service_, *storage_));
    bus_->adapter_socket.bind(adapters_.back()->socket);
    bus_->attach(a.apid);
    adapters_.back()->set_interrupt_sink(cpu_.get());
  }
}

Platform::~Platform() {
  if (vcd_) sc_close_vcd_trace_file(vcd_);
}

CexAdapter* Platform::adapter(unsigned apid) {
  for (auto& a : adapters_)
    if (a->config().apid == apid) return a.get();
  return nullptr;
}

void Platform::open_vcd(const std::string& path) {
  std::string base = path;
  if (base.size() > 4 && base.compare(base.size() - 4, 4, ".vcd") == 0) base.resize(base.size() - 4);
  vcd_ = sc_create_vcd_trace_file(base.c_str());
  vcd_->set_time_unit(1, SC_PS);
  cpu_->trace(vcd_);
  sie_->trace(vcd_);
  if (auto* rtl = dynamic_cast<ApcbCheckRtl*>(checker_.get())) rtl->trace(vcd_);
  bus_->trace(vcd_);
  for (auto& a : adapters_) a->trace(vcd_);
}

uint64_t Platform::run(std::function<void(arch::HostCpu&)> software) {
  cpu_->set_software(std::move(software));
  sc_start();
  return sc_time_stamp().value();
}

}  // namespace apsim::sc
