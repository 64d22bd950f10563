// sc/ap_bus_protocol.h — what travels on the AP bus between a CPU and a CEX adapter.
//
// One AP instruction that reaches an adapter is one TLM-2.0 generic-payload transaction:
//   * address     = APQN (APID << 8 | APQI); the AP bus routes on the APID,
//   * data        = NQAP: the request message (write command);
//                   DQAP: the receive buffer, length = its capacity (read command);
//                   other functions: none (ignore command, length 0),
//   * extension   = ApCommand: the function and its register-level inputs and outputs.
// The CPU model decodes registers and reads/writes main storage; the adapter sees only
// this payload.  Delays are annotated on the b_transport `delay` argument (LT style).
#pragma once

#include <cstdint>

#include <tlm>

#include "arch/ap_registers.h"

namespace apsim::sc {

enum class ApFunction : uint8_t { NQAP, DQAP, TAPQ, RAPQ, ZAPQ, AQIC };

inline const char* ap_function_name(ApFunction f) {
  switch (f) {
    case ApFunction::NQAP: return "NQAP";
    case ApFunction::DQAP: return "DQAP";
    case ApFunction::TAPQ: return "TAPQ";
    case ApFunction::RAPQ: return "RAPQ";
    case ApFunction::ZAPQ: return "ZAPQ";
    case ApFunction::AQIC: return "AQIC";
  }
  return "?";
}

struct ApCommand : tlm::tlm_extension<ApCommand> {
  // ---- inputs ----
  ApFunction function = ApFunction::TAPQ;
  bool t_bit = false;           ///< TAPQ: return the info word
  bool f_bit = false;           ///< RAPQ/ZAPQ: full reset
  uint64_t psmid = 0;           ///< NQAP: program-supplied message id
  arch::AqicControl aqic{};     ///< AQIC: GR1 control
  uint64_t nib_addr = 0;        ///< AQIC: host absolute address of the notification byte

  // ---- outputs ----
  arch::ApQueueStatus status{};  ///< the status word for GR1
  uint64_t info = 0;             ///< TAPQ with T bit: the info word for GR2
  uint64_t reply_psmid = 0;      ///< DQAP: PSMID of the reply
  uint32_t reply_len = 0;        ///< DQAP: bytes of reply placed in the buffer
  uint32_t residual = 0;         ///< DQAP: bytes of this reply still on the queue

  tlm::tlm_extension_base* clone() const override { return new ApCommand(*this); }
  void copy_from(const tlm::tlm_extension_base& o) override {
    *this = static_cast<const ApCommand&>(o);
  }
};

}  // namespace apsim::sc
