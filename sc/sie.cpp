// sc/sie.cpp — SIE interpretation: state description and CRYCB reads, the mask check.
#include "sc/sie.h"

namespace apsim::sc {

using namespace sc_core;
using arch::ApcbMask;

SieUnit::SieUnit(sc_module_name name, MainStorage& storage, const TimingTable& timing, ApcbChecker& checker)
    : sc_module(name), storage_(storage), timing_(timing), checker_(&checker) {}

void SieUnit::storage_delay(unsigned accesses) {
  wait(sc_time(static_cast<double>(accesses * timing_.storage_access_cycles * timing_.cpu_clock_ps), SC_PS));
}

bool SieUnit::apie(uint64_t sd_addr) {
  storage_delay(1);
  return storage_.read_u32(sd_addr + arch::kSieEcaOffset) & arch::ECA_APIE;
}

SieDecision SieUnit::check_apqn(uint64_t sd_addr, uint8_t apid, uint8_t apqi) {
  const uint32_t crycbd = storage_.read_u32(sd_addr + arch::kSieCrycbdOffset);
  const uint32_t fmt = crycbd & arch::CRYCB_FORMAT_MASK;
  const uint64_t crycb = crycbd & arch::CRYCB_ORIGIN_MASK;
  ApcbCheckRequest req{};
  req.fmt = fmt;
  req.apid = apid;
  req.apqi = apqi;
  req.apm_word = storage_.read_u64(crycb + arch::crycb_mask_word_offset(fmt, ApcbMask::APM, apid));
  req.aqm_word = storage_.read_u64(crycb + arch::crycb_mask_word_offset(fmt, ApcbMask::AQM, apqi));
  req.adm_word = storage_.read_u64(crycb + arch::crycb_mask_word_offset(fmt, ApcbMask::ADM, 0));
  storage_delay(4);  // crycbd + three mask words
  if (tracing_) {
    sig_req_.write(true);
    sig_apqn_.write(static_cast<uint32_t>(apid) << 8 | apqi);
    sig_fmt_.write(fmt);
    sig_allow_.write(false);
    sig_deny_.write(false);
  }
  const ApcbCheckResult r = checker_->check(req);
  if (tracing_) {
    sig_req_.write(false);
    sig_allow_.write(r.allow);
    sig_deny_.write(!r.allow);
  }
  return r.allow ? SieDecision::interpret : SieDecision::deny;
}

arch::QciInfo SieUnit::guest_qci(uint64_t sd_addr, const arch::QciInfo& host) {
  const uint32_t crycbd = storage_.read_u32(sd_addr + arch::kSieCrycbdOffset);
  const uint32_t fmt = crycbd & arch::CRYCB_FORMAT_MASK;
  const uint64_t crycb = crycbd & arch::CRYCB_ORIGIN_MASK;
  arch::QciInfo q;
  if (fmt == arch::CRYCB_FORMAT2) {
    uint8_t b[32];
    storage_.read(crycb + 0x80, b, 32);
    q.apm = arch::ApMask::from_bytes(b);
    storage_.read(crycb + 0xa0, b, 32);
    q.aqm = arch::ApMask::from_bytes(b);
    storage_.read(crycb + 0xc0, b, 32);
    q.adm = arch::ApMask::from_bytes(b);
    q.flags = arch::QCI_FLAG_APXA;
    q.na = host.na;
    q.nd = host.nd;
    storage_delay(12);
  } else {
    q.apm.set_word64(0, storage_.read_u64(crycb + 0x00));
    q.aqm.set_word64(0, storage_.read_u64(crycb + 0x08) & 0xffff000000000000ull);
    q.adm.set_word64(0, storage_.read_u64(crycb + 0x10) & 0xffff000000000000ull);
    q.na = 63;
    q.nd = 15;
    storage_delay(3);
  }
  return q;
}

void SieUnit::trace(sc_trace_file* tf) {
  tracing_ = true;
  const std::string n = name();
  sc_trace(tf, sig_req_, n + ".req");
  sc_trace(tf, sig_apqn_, n + ".apqn");
  sc_trace(tf, sig_fmt_, n + ".fmt");
  sc_trace(tf, sig_allow_, n + ".allow");
  sc_trace(tf, sig_deny_, n + ".deny");
}

}  // namespace apsim::sc
