// driver/linux/kvm-s390.h — KVM on s390 (arch/s390/kvm): one VM with one vCPU, its SIE state
// description and CRYCB in host storage, the crypto mask update, and handle_pqap.
//
// Layout (ap-facility-spec.md §3.1, arch/crycb.h): the state description is a host page;
// the CRYCB sits in a second page ("sie_page2", CRYCB at +0x800, GISA at +0x900), below
// 2 GiB so its origin fits the 31-bit CRYCB designation.
//  * CRYCB format (kvm_s390_set_crycb_format): 0 when the guest CPU model lacks MSAX3
//    (facility 76, QEMU's `msa3`), else 2 when the host's QCI reports APXA, else 1.
//  * APIE (kvm_s390_vcpu_crypto_setup): ECA.APIE is set iff the VM enabled interpretation —
//    QEMU sets KVM_S390_VM_CRYPTO_ENABLE_APIE exactly when the CPU model has `ap`
//    (kvm_s390_apply_cpu_model → kvm_s390_configure_apie(true)); KVM's default is off.
//    Without APIE and without MSAX3 the state description gets no CRYCB designation at all.
//  * kvm_arch_crypto_set_masks writes APM/AQM/ADM into the APCB of that format (format 0/1:
//    8 bytes of APM, 2 bytes of AQM and ADM) with every vCPU blocked, as KVM does:
//    HostCpu::sie_block, the writes, sie_crycb_changed (KVM_REQ_VSIE_RESTART), sie_unblock.
//    The machine's SIE unit reloads the APCB and makes it active at the unblock
//    (sc/sie.h), so the guest sees the old masks or the new, never a mix.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "arch/ap_instructions.h"
#include "arch/ap_mask.h"

namespace apsim::driver {

class LinuxKernel;

class KvmVm : public arch::SieInterceptHandler {
 public:
  /// Create a VM with `mem_bytes` of guest storage and CPU features `fac` (QEMU's -cpu).
  /// APIE is enabled when `fac.ap` (QEMU sets KVM_S390_VM_CRYPTO_ENABLE_APIE then); the
  /// CRYCB format follows fac.msax3 and the host's APXA.
  /// `emulate_ap` overrides the host's apsim.kvm_ap=intercept for this VM (benchmarks
  /// compare both kinds side by side); empty: the host's command line decides.
  KvmVm(LinuxKernel& host, const std::string& name, uint64_t mem_bytes, const arch::Facilities& fac,
        std::optional<bool> emulate_ap = std::nullopt);
  ~KvmVm() override;

  const std::string& name() const { return name_; }
  arch::Cpu& vcpu() { return *vcpu_; }
  /// CRYCB format bits of the designation: CRYCB_FORMAT0, CRYCB_FORMAT1 or CRYCB_FORMAT2 (3).
  uint32_t crycb_format() const { return format_; }
  /// Whether AP instructions are interpreted (ECA.APIE).
  bool apie() const { return apie_; }
  uint64_t sd_addr() const { return sd_; }
  uint64_t crycb_addr() const { return crycb_; }
  uint64_t gisa_addr() const { return gisa_; }
  uint64_t mso() const { return mso_; }
  uint64_t mem_bytes() const { return mem_bytes_; }
  const arch::Facilities& facilities() const { return fac_; }

  /// kvm_arch_crypto_set_masks / kvm_arch_crypto_clear_masks: the masks (256 bits each,
  /// MSB-first) are cut to the format's width, written with every vCPU blocked.
  void set_crypto_masks(const arch::ApMask& apm, const arch::ApMask& aqm, const arch::ApMask& adm);
  void clear_crypto_masks();

  /// vfio_ap's PQAP hook (kvm->arch.crypto.pqap_hook); empty when none is registered.
  std::function<arch::InsnOutcome(arch::GeneralRegisters&)> pqap_hook;

  /// SIE intercept of an AP instruction: handle_pqap for PQAP(AQIC) with APIE on; anything
  /// else goes to userspace, where QEMU injects an operation exception (spec §3.3).  In the
  /// what-if mode below, KVM emulates every AP instruction instead.
  arch::InsnOutcome handle_ap_intercept(uint16_t opcode, arch::GeneralRegisters& regs, unsigned r1,
                                        unsigned r2) override;

  /// **What-if, not Linux**: with `apsim.kvm_ap=intercept` on the host's kernel command line
  /// KVM leaves ECA.APIE off for a guest with `ap` and emulates its AP instructions itself:
  /// every NQAP, DQAP and PQAP exits SIE (timing.intercept_cycles), is checked against the
  /// guest's APM x AQM (RC 0x01 outside it), and is re-issued on the host with guest
  /// addresses translated (guest real + MSO; addressing exception beyond guest memory).  QCI
  /// shows the guest's masks; AQIC goes to vfio_ap's hook as with APIE.  The ADM is not
  /// enforced (the hypervisor does not parse CPRBs).  It lets a study price the AP
  /// interpretation facility: `apsim sweep` parameter `execution: intercepted`.
  bool emulates_ap() const { return emulate_ap_; }

 private:
  arch::InsnOutcome emulate_ap(uint16_t opcode, arch::GeneralRegisters& regs, unsigned r1, unsigned r2);
  arch::InsnOutcome handle_pqap_aqic(arch::GeneralRegisters& regs);

  LinuxKernel& host_;
  std::string name_;
  arch::Facilities fac_;
  uint64_t mem_bytes_;
  uint64_t sd_ = 0, crycb_ = 0, gisa_ = 0, mso_ = 0;
  uint32_t format_ = 0;
  bool apie_ = false;
  bool emulate_ap_ = false;        ///< apsim.kvm_ap=intercept (what-if, see emulates_ap)
  arch::ApMask apm_, aqm_, adm_;   ///< the masks last written, cut to the format's width
  arch::HostCpu* hcpu_ = nullptr;
  arch::Cpu* vcpu_ = nullptr;
};

}  // namespace apsim::driver
