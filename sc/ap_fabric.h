// sc/ap_fabric.h — the AP fabric: routes AP-instruction transactions from CPUs to adapters.
//
// The hardware interconnect between the CPUs and the crypto adapters.  It is called the AP
// fabric so that it is not mistaken for Linux's AP bus, the kernel's bus driver that
// drives it from the software side (driver/linux/ap_bus.h, after drivers/s390/crypto/ap_bus.c).
//
// A TLM-2.0 interconnect: one target socket for the CPUs, one initiator socket bound to
// each adapter.  It routes on the APID (address bits 8–15).  An APID with no adapter
// installed answers RC 0x01 (APQN not available).  Timing: TimingTable::bus_* in cycles
// of the AP fabric clock (ap_bus_clock_ps), annotated on the transaction.  Routing is a 256-entry table: the
// cost per instruction does not depend on how many adapters exist.
#pragma once

#include <array>
#include <cstdint>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "sc/timing.h"

namespace apsim::sc {

class ApFabric : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(ApFabric);
  tlm_utils::simple_target_socket<ApFabric> cpu_socket;
  /// One binding per adapter; none in an LPAR without crypto adapters (every APQN then
  /// answers RC 0x01).
  tlm_utils::multi_passthrough_initiator_socket<ApFabric, 32, tlm::tlm_base_protocol_types, 0,
                                                sc_core::SC_ZERO_OR_MORE_BOUND>
      adapter_socket;

  ApFabric(sc_core::sc_module_name name, const TimingTable& timing);
  /// Record that the next adapter bound to adapter_socket serves `apid`.  Call once per
  /// adapter, in binding order, before elaboration ends.
  void attach(uint8_t apid);
  /// Trace `ap_fabric.apqn` and `ap_fabric.function`.  `function` encodes the transaction on
  /// the fabric: 0 = idle (no transaction), else 1 + ApFunction (1 NQAP, 2 DQAP, 3 TAPQ,
  /// 4 RAPQ, 5 ZAPQ, 6 AQIC, 7 QACT, 8 SCLP_CONFIG; fabric_function_code()); a transaction
  /// shows from its start until its annotated delay has passed.  `apqn` keeps the last APQN.
  void trace(sc_core::sc_trace_file* tf);

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void end_transaction();  ///< SC_METHOD: the fabric is idle again

  const TimingTable& timing_;
  std::array<int, 256> route_;  ///< APID -> adapter_socket index, -1 if none
  int bound_ = 0;
  bool tracing_ = false;
  sc_core::sc_signal<uint32_t> sig_apqn_{"apqn"};
  /// Written by the CPU thread (a transaction starts) and end_transaction (it ends).
  sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS> sig_function_{"function"};
  sc_core::sc_event idle_event_;
};

}  // namespace apsim::sc
