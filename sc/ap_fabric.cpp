// sc/ap_fabric.cpp — AP fabric routing and timing.
#include "sc/ap_fabric.h"

#include "sc/ap_fabric_protocol.h"
#include "sc/signal_trace.h"

namespace apsim::sc {

using namespace sc_core;

ApFabric::ApFabric(sc_module_name name, const TimingTable& timing)
    : sc_module(name), cpu_socket("cpu_socket"), adapter_socket("adapter_socket"), timing_(timing) {
  route_.fill(-1);
  cpu_socket.register_b_transport(this, &ApFabric::b_transport);
  SC_METHOD(end_transaction);
  sensitive << idle_event_;
  dont_initialize();
}

void ApFabric::end_transaction() { sig_function_.write(0); }

void ApFabric::attach(uint8_t apid) { route_[apid] = bound_++; }

void ApFabric::b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const uint64_t bytes = gp.get_data_length();
  const uint64_t cycles = timing_.bus_request_cycles + (bytes + 15) / 16 * timing_.bus_cycles_per_16b;
  // Per transaction: sc_time::from_value skips sc_time(double, unit)'s floating-point
  // conversion; the time resolution is SystemC's default 1 ps, so the value is the ps count.
  delay += sc_time::from_value(cycles * timing_.ap_bus_clock_ps);
  const uint8_t apid = static_cast<uint8_t>((gp.get_address() >> 8) & 0xff);
  ApCommand* cmd = nullptr;
  gp.get_extension(cmd);
  if (tracing_) {
    sig_apqn_.write(static_cast<uint32_t>(gp.get_address() & 0xffff));
    if (cmd) sig_function_.write(fabric_function_code(cmd->function));
  }
  const int port = route_[apid];
  if (port < 0) {  // no adapter with this APID on the fabric
    if (cmd) {
      cmd->status = arch::ApQueueStatus{};
      cmd->status.response_code = arch::AP_RESPONSE_Q_NOT_AVAIL;
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  } else {
    adapter_socket[port]->b_transport(gp, delay);
  }
  // The transaction occupies the fabric until its annotated delay has passed.
  if (tracing_) {
    idle_event_.cancel();  // loosely timed, a later transaction may start before this one ends
    idle_event_.notify(delay);
  }
}

void ApFabric::trace(sc_trace_file* tf) {
  tracing_ = true;
  trace_signals(tf, sig_apqn_, sig_function_);
}

}  // namespace apsim::sc
