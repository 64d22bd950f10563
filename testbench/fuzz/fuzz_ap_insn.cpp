// testbench/fuzz/fuzz_ap_insn.cpp — the AP instruction decoder and its execution
// (sc/cpu.cpp: PQAP with every function code, NQAP, DQAP; what `apinsn` runs), on the host
// context of the simulated machine (fuzz_platform.h), through the arch::ApInstructions seam.
//
// Each input starts from reset queues: ZAPQ of every APQN of the LPAR, then 10 ms of
// simulated time for the resets to complete.  Operand addresses point into 64 KiB of scratch
// storage of the host kernel, or, when the input says so, anywhere (addressing exceptions).
// Input: up to 32 instructions, each [op, GR0 (8), GR1 (8), GR2/R2 address selector and
// offset, R1/R2 nibbles, length (2), message bytes].
// Invariants (z/Architecture, ap-facility-spec.md §1):
//  * problem state: a privileged-operation exception, whatever else is wrong;
//  * a program interruption leaves every register as it was (the instruction is
//    suppressed), and is one of operation/privileged-operation/addressing/specification;
//  * otherwise the condition code is 0, 1 (NQAP only: a message part taken) or 3, and for
//    every function that stores a status word, cc 3 exactly when its response code is not 0;
//    the status word's upper half of GR1 is zero;
//  * NQAP cc 0/1: the whole operand was taken (R2+1 = 0, R2 advanced by the length);
//    DQAP cc 0: R2 advanced and R2+1 decreased by the same count; DQAP cc 3 leaves GR2 0.
#include <cstring>
#include <string>
#include <vector>

#include "arch/ap_instructions.h"
#include "arch/ap_registers.h"
#include "testbench/fuzz/fuzz_check.h"
#include "testbench/fuzz/fuzz_input.h"
#include "testbench/fuzz/fuzz_platform.h"

namespace arch = apsim::arch;

namespace {

constexpr uint64_t kScratchBytes = 64 * 1024;
uint64_t g_scratch = 0;
constexpr unsigned kApids[] = {5, 6, 7, 8};
constexpr unsigned kApqis[] = {4, 0x47, 0xab, 0xd0};

void reset_queues(arch::Cpu& cpu) {
  for (unsigned a : kApids)
    for (unsigned d : kApqis) {
      arch::GeneralRegisters r;
      r[0] = static_cast<uint64_t>(arch::PqapFc::ZAPQ) << 24 | a << 8 | d;
      cpu.ap().pqap(r);
    }
  cpu.delay_ps(10'000'000'000ull);  // 10 ms: resets complete (timing.h reset cycles)
}

bool stores_status(uint16_t op, uint8_t fc) {
  if (op != arch::kOpPQAP) return true;
  return fc != static_cast<uint8_t>(arch::PqapFc::QCI);
}

}  // namespace

void fuzz_platform_setup(apsim::fuzz::Machine& m) {
  g_scratch = m.kernel->alloc_pages(kScratchBytes / 4096);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  arch::Cpu& cpu = *apsim::fuzz::machine().cpu;
  reset_queues(cpu);
  apsim::fuzz::Input in(data, size);
  for (int n = 0; n < 32 && in.left() >= 8; ++n) {
    const uint8_t op_byte = in.byte();
    const uint16_t op = op_byte % 3 == 0 ? arch::kOpPQAP : op_byte % 3 == 1 ? arch::kOpNQAP : arch::kOpDQAP;
    arch::GeneralRegisters regs;
    regs.problem_state = op_byte & 0x80;
    regs[0] = static_cast<uint64_t>(in.u32()) << 32 | in.u32();
    if (!(op_byte & 0x40)) regs[0] &= 0xffffffffull;  // the wrappers' zero high half, mostly
    regs[1] = static_cast<uint64_t>(in.u32()) << 32 | in.u32();
    const uint8_t sel = in.byte();
    const uint16_t off = in.u16();
    const uint64_t wild = static_cast<uint64_t>(in.u32()) << 32 | in.u32();
    const uint64_t addr = sel & 1 ? wild : g_scratch + off % kScratchBytes;
    const unsigned r1 = in.byte() % 16, r2 = in.byte() % 16;
    const uint16_t len = in.u16();
    const std::vector<uint8_t> msg = in.bytes(std::min<size_t>(len, 64));
    if (!msg.empty() && !(sel & 1) && off % kScratchBytes + msg.size() <= kScratchBytes)
      cpu.storage().write(addr, msg.data(), msg.size());
    regs[2] = addr;
    if (op != arch::kOpPQAP) {
      regs[r2] = addr;
      if (r2 < 15) regs[r2 + 1] = sel & 2 ? wild : len;
      if (r1 < 15) regs[r1] ^= sel;  // a PSMID from the selector's bits
    }
    const arch::GeneralRegisters before = regs;
    const arch::InsnOutcome o = op == arch::kOpPQAP ? cpu.ap().pqap(regs)
                                : op == arch::kOpNQAP ? cpu.ap().nqap(regs, r1, r2)
                                                      : cpu.ap().dqap(regs, r1, r2);
    if (regs.problem_state) FUZZ_CHECK(o.pgm == arch::PGM_PRIVILEGED_OP, "AP instructions are privileged");
    if (o.interrupted()) {
      FUZZ_CHECK(o.pgm == arch::PGM_OPERATION || o.pgm == arch::PGM_PRIVILEGED_OP || o.pgm == arch::PGM_ADDRESSING ||
                     o.pgm == arch::PGM_SPECIFICATION,
                 "a program interruption the AP instructions can raise");
      FUZZ_CHECK(regs.gr == before.gr, "a suppressed instruction changes no register");
      continue;
    }
    FUZZ_CHECK(o.cc == 0 || o.cc == 3 || (o.cc == 1 && op == arch::kOpNQAP), "cc 0, 3, or 1 for NQAP");
    const uint8_t fc = arch::gr0_fc(before[0]);
    if (stores_status(op, fc)) {
      const uint8_t rc = arch::ApQueueStatus::unpack(static_cast<uint32_t>(regs[1])).response_code;
      FUZZ_CHECK((regs[1] >> 32) == 0, "GR1 holds the status word in its low half");
      FUZZ_CHECK((o.cc == 3) == (rc != arch::AP_RESPONSE_NORMAL), "cc 3 exactly when the response code is not 0");
    }
    if (op == arch::kOpNQAP && o.cc != 3) {
      FUZZ_CHECK(regs[r2 + 1] == 0 && regs[r2] == before[r2] + before[r2 + 1], "NQAP takes the whole operand");
    }
    if (op == arch::kOpDQAP && o.cc == 0) {
      FUZZ_CHECK(regs[r2] - before[r2] == before[r2 + 1] - regs[r2 + 1], "DQAP's address and length move together");
    }
    if (op == arch::kOpDQAP && o.cc == 3) FUZZ_CHECK(regs[2] == 0, "a DQAP that fails leaves no residual count");
  }
  return 0;
}
