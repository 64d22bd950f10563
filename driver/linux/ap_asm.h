// driver/linux/ap_asm.h — the AP instruction wrappers of arch/s390/include/asm/ap.h, on the
// ApInstructions seam.
//
// Same names and register conventions as Linux (ap-facility-spec.md §1): GR0 = APQN and
// flags, status from GR1, TAPQ info / QCI block address / NIB address in GR2.  NQAP uses
// the even/odd pairs R1 = 4/5 (PSMID) and R2 = 6/7 (message address/length), DQAP the same
// pairs for the reply.  A program interruption in these wrappers is a kernel bug except
// for QCI (Linux has an EX_TABLE entry there and returns -EOPNOTSUPP); the wrappers report
// it through `pgm` so the caller can log it.
#pragma once

#include <cerrno>
#include <cstdint>

#include "arch/ap_instructions.h"
#include "arch/ap_registers.h"
#include "arch/qci.h"

namespace apsim::driver {

using arch::ApQueueStatus;
using arch::Apqn;

/// An interrupted instruction's status: RC 0x01 so that no caller mistakes it for success.
inline ApQueueStatus pgm_status() {
  ApQueueStatus s;
  s.response_code = arch::AP_RESPONSE_Q_NOT_AVAIL;
  return s;
}

/// ap_instructions_available (arch/s390/include/asm/ap.h): Linux issues PQAP(TAPQ) for
/// APQN 00.0000 and catches the operation exception in its EX_TABLE.  apsim asks the
/// facility the CPU context decides that exception by (arch::Facilities::ap; a guest's
/// comes from its CPU model, QEMU's `ap`), so no instruction runs and no simulated time
/// passes: the same answer without changing any other boot's timing.
inline bool ap_instructions_available(arch::Cpu& cpu) { return cpu.facilities().ap; }

inline ApQueueStatus ap_tapq(arch::Cpu& cpu, Apqn q, bool tbit, arch::TapqInfo* info, uint16_t* pgm = nullptr) {
  arch::GeneralRegisters r;
  r[0] = arch::make_pqap_gr0(arch::PqapFc::TAPQ, q, tbit);
  const arch::InsnOutcome o = cpu.ap().pqap(r);
  if (pgm) *pgm = o.pgm;
  if (o.interrupted()) return pgm_status();
  if (info) *info = arch::TapqInfo::unpack(tbit ? r[2] : 0);
  return ApQueueStatus::from_gr1(r[1]);
}

inline ApQueueStatus ap_rapq(arch::Cpu& cpu, Apqn q, bool fbit) {
  arch::GeneralRegisters r;
  r[0] = arch::make_pqap_gr0(arch::PqapFc::RAPQ, q, false, fbit);
  const arch::InsnOutcome o = cpu.ap().pqap(r);
  return o.interrupted() ? pgm_status() : ApQueueStatus::from_gr1(r[1]);
}

inline ApQueueStatus ap_zapq(arch::Cpu& cpu, Apqn q, bool fbit) {
  arch::GeneralRegisters r;
  r[0] = arch::make_pqap_gr0(arch::PqapFc::ZAPQ, q, false, fbit);
  const arch::InsnOutcome o = cpu.ap().pqap(r);
  return o.interrupted() ? pgm_status() : ApQueueStatus::from_gr1(r[1]);
}

/// PQAP(AQIC): `nib_addr` is an address in this CPU context's storage view as the
/// instruction defines it (host absolute for the host).
inline ApQueueStatus ap_aqic(arch::Cpu& cpu, Apqn q, const arch::AqicControl& ctl, uint64_t nib_addr) {
  arch::GeneralRegisters r;
  r[0] = arch::make_pqap_gr0(arch::PqapFc::AQIC, q);
  r[1] = ctl.pack();
  r[2] = nib_addr;
  const arch::InsnOutcome o = cpu.ap().pqap(r);
  return o.interrupted() ? pgm_status() : ApQueueStatus::from_gr1(r[1]);
}

/// PQAP(QCI) into the 128-byte block at `block_addr`.  Returns 0, or -EOPNOTSUPP when the
/// instruction program-checks (Linux' EX_TABLE path).
inline int ap_qci(arch::Cpu& cpu, uint64_t block_addr, arch::QciInfo& info) {
  arch::GeneralRegisters r;
  r[0] = uint64_t{static_cast<uint8_t>(arch::PqapFc::QCI)} << 24;
  r[2] = block_addr;
  const arch::InsnOutcome o = cpu.ap().pqap(r);
  if (o.interrupted()) return -EOPNOTSUPP;
  uint8_t b[arch::kQciBlockSize];
  cpu.storage().read(block_addr, b, sizeof b);
  info = arch::QciInfo::from_bytes(b);
  return 0;
}

/// NQAP of `length` bytes at `msg_addr` with `psmid`.
inline ApQueueStatus ap_nqap(arch::Cpu& cpu, Apqn q, uint64_t psmid, uint64_t msg_addr, uint64_t length,
                             uint16_t* pgm = nullptr) {
  arch::GeneralRegisters r;
  r[0] = arch::make_nqap_gr0(q);
  r[4] = psmid >> 32;
  r[5] = psmid & 0xffffffffull;
  r[6] = msg_addr;
  r[7] = length;
  arch::InsnOutcome o;
  do {
    o = cpu.ap().nqap(r, 4, 6);  // brc 2: re-execute on partial completion
  } while (!o.interrupted() && o.cc == 2);
  if (pgm) *pgm = o.pgm;
  return o.interrupted() ? pgm_status() : ApQueueStatus::from_gr1(r[1]);
}

/// DQAP into the `length`-byte buffer at `buf_addr`.  On success `psmid` is the reply's
/// PSMID and `reply_len` the bytes stored.  A reply longer than the buffer gives Linux'
/// pseudo RC 0xFF (the rest stays on the queue): then `*resgr0` (if given) is the GR0 that
/// continues it, and a call with that `*resgr0` receives the next part (Linux' resgr0); a
/// call with `*resgr0 == 0`, or without resgr0, starts a fresh DQAP (GR0 bit 32 on).
/// `reslength` (if given) receives GR2, the bytes of the reply not yet received.
inline ApQueueStatus ap_dqap(arch::Cpu& cpu, Apqn q, uint64_t& psmid, uint64_t buf_addr, uint64_t length,
                             uint64_t& reply_len, uint16_t* pgm = nullptr, uint64_t* reslength = nullptr,
                             uint64_t* resgr0 = nullptr) {
  arch::GeneralRegisters r;
  r[0] = resgr0 && *resgr0 ? *resgr0 : arch::make_dqap_gr0(q);
  r[2] = 0;
  r[6] = buf_addr;
  r[7] = length;
  arch::InsnOutcome o;
  do {
    o = cpu.ap().dqap(r, 4, 6);  // brc 6: partial receive or segment boundary
  } while (!o.interrupted() && (o.cc == 1 || o.cc == 2) && r[7] != 0);
  if (pgm) *pgm = o.pgm;
  if (o.interrupted()) return pgm_status();
  ApQueueStatus s = ApQueueStatus::from_gr1(r[1]);
  psmid = (r[4] << 32) | (r[5] & 0xffffffffull);
  reply_len = length - r[7];
  if (reslength) *reslength = r[2];
  if (s.response_code == 0 && r[2] != 0 && r[7] == 0) {
    s.response_code = 0xff;  // pseudo RC: partially received
    if (resgr0) *resgr0 = r[0];
  } else if (resgr0) {
    *resgr0 = 0;
  }
  return s;
}

/// PQAP(QACT): is the adapter of `q` compatible with `info` (mode, cat)?  On RC 0, `info`
/// holds the answer (cat = the compatible device type, 0 if none).
inline ApQueueStatus ap_qact(arch::Cpu& cpu, Apqn q, bool ifbit, arch::QactInfo& info, uint16_t* pgm = nullptr) {
  arch::GeneralRegisters r;
  r[0] = arch::make_pqap_gr0(arch::PqapFc::QACT, q, false, ifbit);
  r[1] = info.pack();
  const arch::InsnOutcome o = cpu.ap().pqap(r);
  if (pgm) *pgm = o.pgm;
  if (o.interrupted()) return pgm_status();
  const ApQueueStatus s = ApQueueStatus::from_gr1(r[1]);
  if (s.response_code == arch::AP_RESPONSE_NORMAL) info = arch::QactInfo::unpack(r[2]);
  return s;
}

}  // namespace apsim::driver
