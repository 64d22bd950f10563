// driver/linux/kvm-s390.cpp — VM creation, CRYCB mask updates, handle_pqap.
#include "driver/linux/kvm-s390.h"

#include <stdexcept>

#include "arch/ap_registers.h"
#include "arch/bits.h"
#include "arch/crycb.h"
#include "arch/qci.h"
#include "driver/linux/ap_bus.h"
#include "driver/linux/kernel.h"

namespace apsim::driver {

using arch::InsnOutcome;

namespace {
void store_u32(arch::Storage& s, uint64_t a, uint32_t v) {
  uint8_t b[4];
  arch::store_be32(b, v);
  s.write(a, b, 4);
}
void store_u64(arch::Storage& s, uint64_t a, uint64_t v) {
  uint8_t b[8];
  arch::store_be64(b, v);
  s.write(a, b, 8);
}
}  // namespace

KvmVm::KvmVm(LinuxKernel& host, const std::string& name, uint64_t mem_bytes, const arch::Facilities& fac,
             std::optional<bool> emulate_ap)
    : host_(host), name_(name), fac_(fac), mem_bytes_(mem_bytes) {
  arch::Storage& st = host.cpu().storage();
  sd_ = host.alloc_pages(1);
  const uint64_t page2 = host.alloc_pages(1);  // sie_page2: CRYCB at +0x800, GISA at +0x900
  crycb_ = page2 + 0x800;
  gisa_ = page2 + 0x900;
  mso_ = host.alloc_guest_memory(mem_bytes);
  // kvm_s390_set_crycb_format: format 0 by default; with MSAX3 (facility 76) format 2 if the
  // host's QCI reports APXA, else format 1.
  const bool apxa = host.ap_bus().qci().apxa();
  format_ = !fac.msax3 ? arch::CRYCB_FORMAT0 : apxa ? arch::CRYCB_FORMAT2 : arch::CRYCB_FORMAT1;
  // KVM_S390_VM_CRYPTO_ENABLE_APIE: QEMU sets it iff the CPU model has `ap` -- unless the
  // what-if apsim.kvm_ap=intercept has KVM emulate AP instead (see kvm.h).
  emulate_ap_ = fac.ap && emulate_ap.value_or(host.cmdline_param("apsim.kvm_ap") == "intercept");
  apie_ = fac.ap && !emulate_ap_;
  // kvm_s390_vcpu_crypto_setup: "If the AP instructions are not being interpreted and the
  // MSAX3 facility is not configured for the guest, there is nothing to set up."
  if (apie_ || fac.msax3) store_u32(st, sd_ + arch::kSieCrycbdOffset, static_cast<uint32_t>(crycb_) | format_);
  // ECA_APIE iff the VM enabled AP interpretation; ECA_AIV for adapter-interruption
  // virtualization (the host has it whenever it has AQIC).
  uint32_t eca = 0;
  if (apie_) eca |= arch::ECA_APIE;
  if (fac.aqic) eca |= arch::ECA_AIV;
  store_u32(st, sd_ + arch::kSieEcaOffset, eca);
  store_u64(st, sd_ + arch::kSieMsoOffset, mso_);
  store_u64(st, sd_ + arch::kSieMslOffset, mem_bytes);
  store_u64(st, sd_ + arch::kSieGisaOffset, gisa_);
  hcpu_ = dynamic_cast<arch::HostCpu*>(&host.cpu());
  if (!hcpu_) throw std::logic_error("KVM runs on a host CPU only (nested virtualization is not modeled)");
  vcpu_ = &hcpu_->sie_context(sd_, name, fac, this);
  host.kvm_vm_created();
}

// The guest's memory goes back to the host (zeroed).  The state description and
// sie_page2 pages are kept: the SIE unit's APCB contexts are tagged by CRYCB address, and a
// later VM must never find a context of this one under its own CRYCB.
KvmVm::~KvmVm() {
  host_.free_guest_memory(mso_, mem_bytes_);
  host_.kvm_vm_destroyed();
}

void KvmVm::set_crypto_masks(const arch::ApMask& apm, const arch::ApMask& aqm, const arch::ApMask& adm) {
  arch::Storage& st = host_.cpu().storage();
  hcpu_->sie_block(sd_);  // kvm_s390_vcpu_block_all: no vCPU runs while the masks change
  if (format_ == arch::CRYCB_FORMAT2) {
    uint8_t b[32];
    apm.to_bytes(b);
    st.write(crycb_ + 0x80, b, 32);
    aqm.to_bytes(b);
    st.write(crycb_ + 0xa0, b, 32);
    adm.to_bytes(b);
    st.write(crycb_ + 0xc0, b, 32);
  } else {  // CRYCB_FORMAT1 and CRYCB_FORMAT0: APCB0
    store_u64(st, crycb_ + 0x00, apm.word64(0));
    uint8_t b[2];
    arch::store_be16(b, static_cast<uint16_t>(aqm.word64(0) >> 48));
    st.write(crycb_ + 0x08, b, 2);
    arch::store_be16(b, static_cast<uint16_t>(adm.word64(0) >> 48));
    st.write(crycb_ + 0x10, b, 2);
  }
  hcpu_->sie_crycb_changed(sd_);  // kvm_s390_sync_request_broadcast(kvm, KVM_REQ_VSIE_RESTART)
  hcpu_->sie_unblock(sd_);        // kvm_s390_vcpu_unblock_all
  // What the APCB now says, for the what-if emulation: cut to the format's width.
  apm_ = apm.limited_to(arch::crycb_max_id(format_, arch::ApcbMask::APM));
  aqm_ = aqm.limited_to(arch::crycb_max_id(format_, arch::ApcbMask::AQM));
  adm_ = adm.limited_to(arch::crycb_max_id(format_, arch::ApcbMask::ADM));
}

void KvmVm::clear_crypto_masks() {
  arch::Storage& st = host_.cpu().storage();
  const uint8_t zero[0x100] = {};
  hcpu_->sie_block(sd_);
  st.write(crycb_, zero, 0x20);          // apcb0
  st.write(crycb_ + 0x80, zero, 0x80);   // apcb1
  hcpu_->sie_crycb_changed(sd_);
  hcpu_->sie_unblock(sd_);
  apm_ = aqm_ = adm_ = arch::ApMask();
}

InsnOutcome KvmVm::handle_ap_intercept(uint16_t opcode, arch::GeneralRegisters& regs, unsigned r1, unsigned r2) {
  if (emulate_ap_) return emulate_ap(opcode, regs, r1, r2);
  // kvm_s390_handle_b2 dispatches only PQAP; NQAP/DQAP and any PQAP KVM declines go to
  // userspace, and QEMU's handle_b2 has no case for them: operation exception (spec §3.3).
  const InsnOutcome to_qemu{0, arch::PGM_OPERATION};
  if (opcode != arch::kOpPQAP) return to_qemu;
  // handle_pqap
  // No AP instructions on the host, or no ECA_APIE for the vCPU: -EOPNOTSUPP, to userspace.
  if (!apie_ || arch::gr0_fc(regs[0]) != static_cast<uint8_t>(arch::PqapFc::AQIC)) return to_qemu;
  return handle_pqap_aqic(regs);
}

// handle_pqap (arch/s390/kvm/priv.c) for PQAP(AQIC), past its APIE check.
InsnOutcome KvmVm::handle_pqap_aqic(arch::GeneralRegisters& regs) {
  const uint64_t gr0 = regs[0];
  if (regs.problem_state) return InsnOutcome{0, arch::PGM_PRIVILEGED_OP};
  if (gr0 & 0x007f0000) return InsnOutcome{0, arch::PGM_SPECIFICATION};
  if ((gr0 & 0x00800000) && !fac_.apft) return InsnOutcome{0, arch::PGM_SPECIFICATION};
  if (format_ != arch::CRYCB_FORMAT2 && (gr0 & 0x0000c0f0)) return InsnOutcome{0, arch::PGM_SPECIFICATION};
  if (!fac_.aqic) return InsnOutcome{0, arch::PGM_SPECIFICATION};
  if (pqap_hook) {
    // handle_pqap -> vfio_ap's handle_pqap: the handler's software on the host CPU the vCPU
    // left SIE on (the SIE exit and re-entry are the machine's intercept_cycles).
    vcpu_->run_software(arch::SoftwareStep::kvm_pqap_aqic);
    InsnOutcome o = pqap_hook(regs);
    if (!o.interrupted()) o.cc = (regs[1] & 0x00ff0000) ? 3 : 0;
    return o;
  }
  // No hook means no driver to enable the SIE CRYCB and no queues: RC 0x01, cc 3.
  arch::ApQueueStatus s;
  s.response_code = arch::AP_RESPONSE_Q_NOT_AVAIL;
  regs[1] = s.gr1();
  return InsnOutcome{3, arch::PGM_NONE};
}

// The what-if emulation (kvm.h, emulates_ap).  The host instruction runs on the host CPU,
// so its cycles add to the intercept's; its program interruptions are the guest's.
InsnOutcome KvmVm::emulate_ap(uint16_t opcode, arch::GeneralRegisters& regs, unsigned r1, unsigned r2) {
  using arch::PqapFc;
  if (regs.problem_state) return InsnOutcome{0, arch::PGM_PRIVILEGED_OP};
  const arch::Apqn q = arch::gr0_apqn(regs[0]);
  const auto not_available = [&regs] {
    arch::ApQueueStatus s;
    s.response_code = arch::AP_RESPONSE_Q_NOT_AVAIL;
    regs[1] = s.gr1();
    return InsnOutcome{3, arch::PGM_NONE};
  };
  const bool in_matrix = apm_.test(q.apid) && aqm_.test(q.apqi);
  arch::ApInstructions& host_ap = host_.cpu().ap();
  arch::GeneralRegisters h = regs;  // the host instruction's registers (supervisor state, as checked)
  if (opcode == arch::kOpPQAP) {
    const auto fc = static_cast<PqapFc>(arch::gr0_fc(regs[0]));
    if (fc == PqapFc::AQIC) return handle_pqap_aqic(regs);
    if (fc == PqapFc::QCI) {
      vcpu_->run_software(arch::SoftwareStep::kvm_pqap_qci);  // the emulation's own software
      // The host's block, with the guest's own masks, stored in guest storage.
      if (regs[2] % 8) return InsnOutcome{0, arch::PGM_SPECIFICATION};
      if (regs[2] > mem_bytes_ || arch::kQciBlockSize > mem_bytes_ - regs[2]) return InsnOutcome{0, arch::PGM_ADDRESSING};
      h[2] = host_.persistent_page("kvm qci");
      const InsnOutcome o = host_ap.pqap(h);
      if (o.interrupted()) return o;
      uint8_t block[arch::kQciBlockSize];
      host_.cpu().storage().read(h[2], block, sizeof block);
      arch::QciInfo info = arch::QciInfo::from_bytes(block);
      info.apm = apm_;
      info.aqm = aqm_;
      info.adm = adm_;
      info.to_bytes(block);
      vcpu_->storage().write(regs[2], block, sizeof block);
      regs[0] = h[0];
      regs[1] = h[1];
      return o;
    }
    const bool per_queue = fc == PqapFc::TAPQ || fc == PqapFc::RAPQ || fc == PqapFc::ZAPQ || fc == PqapFc::QACT;
    if (per_queue && !in_matrix) return not_available();
    const InsnOutcome o = host_ap.pqap(h);  // other function codes: the host's exception
    regs[0] = h[0], regs[1] = h[1], regs[2] = h[2];
    return o;
  }
  if (opcode != arch::kOpNQAP && opcode != arch::kOpDQAP) return InsnOutcome{0, arch::PGM_OPERATION};
  if (!in_matrix) return not_available();
  // The R2 operand is guest real storage: translate it.  An operand beyond guest memory is
  // given to the host instruction as an address beyond host storage, so the machine's own
  // checks decide, in the machine's order (a specification exception for a length beyond
  // the largest message comes before the addressing exception, as when interpreted).
  const unsigned ra = r2 & ~1u;
  const bool translated = r2 % 2 == 0 && r2 <= 14;
  bool fits = false;
  if (translated) {
    const uint64_t addr = regs[ra], len = regs[ra + 1];
    fits = addr <= mem_bytes_ && len <= mem_bytes_ - addr;
    h[ra] = fits ? mso_ + addr : host_.cpu().storage().size();
  }
  const InsnOutcome o = opcode == arch::kOpNQAP ? host_ap.nqap(h, r1, r2) : host_ap.dqap(h, r1, r2);
  const uint64_t ra_back = fits ? h[ra] - mso_ : regs[ra];
  regs = h;
  if (translated) regs[ra] = ra_back;
  return o;
}

}  // namespace apsim::driver
