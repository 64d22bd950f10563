// sc/ap_fabric_protocol.h — what travels on the AP fabric between a CPU and a CEX adapter.
//
// One AP instruction that reaches an adapter is one TLM-2.0 generic-payload transaction:
//   * address     = APQN (APID << 8 | APQI); the AP fabric routes on the APID,
//   * data        = NQAP: the request message (write command);
//                   DQAP: the receive buffer, length = its capacity (read command);
//                   other functions: none (ignore command, length 0),
//   * extension   = ApCommand: the function and its register-level inputs and outputs.
// The CPU model decodes registers and reads/writes main storage; the adapter sees only
// this payload.  Delays are annotated on the b_transport `delay` argument (LT style).
// SCLP_CONFIG is not an AP instruction: the SCLP "configure/deconfigure AP" command reaches
// the adapter the same way (modeling simplification: the service element's path to the card
// is not modeled separately; address = APID << 8).
#pragma once

#include <cstdint>

#include <tlm>

#include "arch/ap_registers.h"

namespace apsim::sc {

enum class ApFunction : uint8_t { NQAP, DQAP, TAPQ, RAPQ, ZAPQ, AQIC, QACT, SCLP_CONFIG };

inline const char* ap_function_name(ApFunction f) {
  switch (f) {
    case ApFunction::NQAP: return "NQAP";
    case ApFunction::DQAP: return "DQAP";
    case ApFunction::TAPQ: return "TAPQ";
    case ApFunction::RAPQ: return "RAPQ";
    case ApFunction::ZAPQ: return "ZAPQ";
    case ApFunction::AQIC: return "AQIC";
    case ApFunction::QACT: return "QACT";
    case ApFunction::SCLP_CONFIG: return "SCLP_CONFIG";
  }
  return "?";
}

/// The value `ap_fabric.function` shows in the VCD for a transaction of function `f`: 1 + its
/// ApFunction value; 0 means the fabric is idle (sc/ap_fabric.h).
inline uint32_t fabric_function_code(ApFunction f) { return 1u + static_cast<uint32_t>(f); }

struct ApCommand : tlm::tlm_extension<ApCommand> {
  // ---- inputs ----
  ApFunction function = ApFunction::TAPQ;
  bool t_bit = false;           ///< TAPQ: return the info word
  bool f_bit = false;           ///< RAPQ/ZAPQ: full reset
  uint64_t psmid = 0;           ///< NQAP: program-supplied message id
  bool last_part = true;        ///< NQAP: GR0 bit 33 (L); false = more parts of this message follow
  bool first_part = true;       ///< DQAP: GR0 bit 32 (kGr0DqapFirstPart); false = continue a partial reply
  arch::AqicControl aqic{};     ///< AQIC: GR1 control
  uint64_t nib_addr = 0;        ///< AQIC: host absolute address of the notification byte
  uint64_t qact_in = 0;         ///< QACT: GR1 input (arch::QactInfo)
  bool configure = false;       ///< SCLP_CONFIG: true = configure, false = deconfigure

  // ---- outputs ----
  arch::ApQueueStatus status{};  ///< the status word for GR1
  uint64_t info = 0;             ///< TAPQ with T bit: the info word for GR2; QACT: the GR2 output
  uint64_t reply_psmid = 0;      ///< DQAP: PSMID of the reply
  uint32_t reply_len = 0;        ///< DQAP: bytes of reply placed in the buffer
  uint32_t residual = 0;         ///< DQAP: bytes of this reply still on the queue
  bool message_open = false;     ///< NQAP: the part was taken and the message awaits more parts (cc 1)
  /// A program interruption the adapter's side recognised (NQAP longer than the adapter's
  /// maximum message size: specification).  Nothing changed on the queue; the CPU raises it.
  uint16_t pgm = 0;
  int sclp_rc = 0;               ///< SCLP_CONFIG: 0, or -errno

  tlm::tlm_extension_base* clone() const override { return new ApCommand(*this); }
  void copy_from(const tlm::tlm_extension_base& o) override {
    *this = static_cast<const ApCommand&>(o);
  }
};

}  // namespace apsim::sc
