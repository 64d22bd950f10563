// driver/userspace/apinsn.cpp — `apinsn`: execute one AP instruction with given registers.
//
//   apinsn pqap|nqap|dqap [--gr0 V] [--gr1 V] [--gr2 V|buf|buf+N] [--r1 N] [--r2 N]
//                         [--len N] [--problem-state]
//
// Runs on the CPU context of the instance it is started on (the host, or a guest through
// `ssh NAME apinsn ...`), through the same arch::ApInstructions seam as the kernel's
// wrappers, so a guest's instruction goes through SIE interpretation (or its intercept to
// KVM).  Values are decimal or 0x-hex.  Registers not given are zero, except:
//   * NQAP/DQAP: the even register of the R2 pair (--r2, default 6; R1 defaults to 4, the
//     pairs of driver/linux/ap_asm.h) holds the address of a zeroed buffer of --len bytes (default
//     4096; at most 64 KiB are allocated, the length register says --len regardless), and
//     the odd one holds --len;
//   * --gr2 buf (or buf+N): GR2 holds the address of a zeroed page-aligned page (plus N) in
//     this instance's storage — for PQAP(QCI)'s block and AQIC's NIB.
// An explicit --grN wins over these defaults.  Every invocation gets fresh buffers; the queue
// state is the machine's, so several apinsn lines in a row act on the same queues.
//
// Output: one line, `cc=C gr0=0x… gr1=0x… gr2=0x… rc=0xRR` (the registers after the
// instruction, rc = the status word's response code in GR1) and exit status 0, or
// `program-interruption code=0xNNNN NAME` and exit status 1.  Usage errors: status 2.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "arch/ap_instructions.h"
#include "arch/ap_registers.h"
#include "driver/linux/kernel.h"
#include "driver/userspace/tool_args.h"
#include "driver/userspace/programs.h"
#include "driver/userspace/session.h"

namespace apsim::driver {

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kMaxBufferBytes = 64 * 1024;  ///< cap of the R2 buffer actually allocated

/// "123" or "0x7b" (no sign, no octal); false otherwise.
bool parse_value(const std::string& s, uint64_t& v) {
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  const std::string digits = hex ? s.substr(2) : s;
  if (digits.empty() || digits.size() > (hex ? 16u : 20u)) return false;
  if (digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") != std::string::npos) return false;
  errno = 0;
  v = std::strtoull(digits.c_str(), nullptr, hex ? 16 : 10);
  return errno == 0;
}

std::string value_check(const std::string& s) {
  uint64_t v;
  return parse_value(s, v) ? std::string() : "expected a decimal or 0x-hex number, got '" + s + "'";
}

}  // namespace

int apinsn_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  LinuxKernel& k = s.kernel();
  std::ostream &out = *io.out, &err = *io.err;
  CLI::App app{"execute one AP instruction (NQAP, DQAP, PQAP) with the given registers", "apinsn"};
  std::string insn, gr0_s, gr1_s, gr2_s, len_s = "4096";
  unsigned r1 = 4, r2 = 6;
  bool problem_state = false;
  app.add_option("instruction", insn, "pqap, nqap or dqap")->required()->check(CLI::IsMember({"pqap", "nqap", "dqap"}));
  app.add_option("--gr0", gr0_s, "GR0 (APQN, function code, flags)")->check(value_check);
  app.add_option("--gr1", gr1_s, "GR1 (AQIC control, QACT info)")->check(value_check);
  app.add_option("--gr2", gr2_s, "GR2, or buf[+N] for a page-aligned buffer (QCI block, AQIC NIB)")
      ->check([](const std::string& s) {
        if (s == "buf") return std::string();
        if (s.compare(0, 4, "buf+") == 0) return value_check(s.substr(4));
        return value_check(s);
      });
  app.add_option("--r1", r1, "R1 field: NQAP/DQAP PSMID register pair (default 4)")->check(CLI::Range(0u, 15u));
  app.add_option("--r2", r2, "R2 field: NQAP/DQAP message register pair (default 6)")->check(CLI::Range(0u, 15u));
  app.add_option("--len", len_s, "length in the odd R2 register, bytes (default 4096)")->check(value_check);
  app.add_flag("--problem-state", problem_state, "execute in problem state (PSW bit 15)");
  app.set_version_flag("--version", std::string("apinsn (apsim) ") + kApsimVersion);
  if (const auto rc = parse_tool_args(app, argv, out, err)) return *rc == 0 ? 0 : 2;  // usage errors: status 2

  arch::GeneralRegisters regs;
  regs.problem_state = problem_state;
  bool given[16] = {};
  uint64_t v = 0;
  if (!gr0_s.empty() && parse_value(gr0_s, v)) regs[0] = v, given[0] = true;
  if (!gr1_s.empty() && parse_value(gr1_s, v)) regs[1] = v, given[1] = true;
  if (!gr2_s.empty()) {
    if (gr2_s == "buf" || gr2_s.compare(0, 4, "buf+") == 0) {
      uint64_t off = 0;
      if (gr2_s.size() > 4) parse_value(gr2_s.substr(4), off);
      // One page for the whole boot: an NIB given to AQIC must stay valid after this
      // command, and successive commands see the same address.
      const uint64_t buf = k.persistent_page("apinsn buf");
      if (off > UINT64_MAX - buf) {
        err << "apinsn: --gr2 " << gr2_s << ": the address wraps past 2^64\n";
        return 2;
      }
      regs[2] = buf + off;
    } else if (parse_value(gr2_s, v)) {
      regs[2] = v;
    }
    given[2] = true;
  }
  uint64_t len = 0;
  parse_value(len_s, len);
  uint64_t msg_buf = 0;  // the R2 buffer this command allocates, freed when it ends
  unsigned msg_pages = 0;
  if (insn != "pqap") {
    // The message buffer of the R2 pair, unless the registers were given explicitly.
    const uint64_t bytes = std::min<uint64_t>(std::max<uint64_t>(len, 1), kMaxBufferBytes);
    if (!given[r2 & ~1u]) {
      msg_pages = static_cast<unsigned>((bytes + kPage - 1) / kPage);
      msg_buf = k.alloc_pages(msg_pages);
      regs[r2 & ~1u] = msg_buf;
    }
    if (!given[(r2 & ~1u) + 1]) regs[(r2 & ~1u) + 1] = len;
  }

  arch::ApInstructions& ap = k.cpu().ap();
  arch::InsnOutcome o;
  if (insn == "pqap") o = ap.pqap(regs);
  else if (insn == "nqap") o = ap.nqap(regs, r1, r2);
  else o = ap.dqap(regs, r1, r2);
  // NQAP has read the message and DQAP stored the reply by now: the buffer can go.
  if (msg_pages) k.free_pages(msg_buf, msg_pages);

  char line[160];
  if (o.interrupted()) {
    std::snprintf(line, sizeof line, "program-interruption code=0x%04x %s\n", o.pgm,
                  arch::program_interruption_name(o.pgm));
    out << line;
    return 1;
  }
  const uint8_t rc = arch::ApQueueStatus::from_gr1(regs[1]).response_code;
  std::snprintf(line, sizeof line, "cc=%d gr0=0x%" PRIx64 " gr1=0x%" PRIx64 " gr2=0x%" PRIx64 " rc=0x%02x\n", o.cc,
                regs[0], regs[1], regs[2], rc);
  out << line;
  return 0;
}

}  // namespace apsim::driver
