// driver/linux/zcrypt_cex4.h — the zcrypt device drivers for CEX4..CEX8 (zcrypt_cex4.c):
// cex4card and cex4queue, the default AP drivers.  They add the zcrypt attributes (`type`,
// `online`) to the devices they bind and are what lszcrypt reports under DRIVER.
#pragma once

#include <cstdint>
#include <string>

#include "driver/linux/ap_bus.h"
#include "driver/linux/zcrypt_ccamisc.h"
#include "driver/linux/zcrypt_ep11misc.h"

namespace apsim::driver {

/// zcrypt's type string for a card: "CEX<n><A|C|P>" (accelerator, CCA, EP11), spec §5.3.
std::string zcrypt_type_string(const ApCardDev& card);

// ---- the texts of the CCA and EP11 attributes (zcrypt_cex4.c *_show), from the info structs ----

/// cca_mkvps_show: nine lines, AES, APKA and ASYM, each NEW, CUR, OLD:
/// "AES NEW: <empty|partial|full> 0x%016llx\n" for a NEW state '1'..'3', "AES CUR: <invalid|
/// valid> 0x%016llx\n" for a CUR or OLD state '1'..'2' (ASYM: 32 hex digits, 0x%016llx%016llx
/// of its 16 bytes), else "<CLASS> <REG>: - -\n".  The same in 6.1.192 and 6.17.
std::string cca_mkvps_text(const CcaInfo& ci);
/// ep11_api_ordinalnr_show: "%u\n" if API_ord_nr > 0, else "\n".
std::string ep11_api_ordinalnr_text(const Ep11CardInfo& ci);
/// ep11_fw_version_show: "%d.%d\n" (major, minor) if FW_version > 0, else "\n".
std::string ep11_fw_version_text(const Ep11CardInfo& ci);
/// ep11_serialnr_show: "%16.16s\n" if serial[0] is not NUL, else "\n".
std::string ep11_serialnr_text(const Ep11CardInfo& ci);
/// ep11_card_op_modes_show / ep11_queue_op_modes_show: the names of the bits of `op_mode`
/// that ep11_op_modes[] knows, in table order, separated by blanks, then "\n".  The table
/// of 6.1.192 (FIPS2009 0, BSI2009 1, FIPS2011 2, BSI2011 3, BSICC2017 6), or with
/// `modes_2021` 6.17's (also SIGG-IMPORT 4, SIGG 5, FIPS2021 7, FIPS2024 8).
std::string ep11_op_modes_text(uint64_t op_mode, bool modes_2021);
/// ep11_mkvps_show: "WK CUR: valid 0x<64 hex digits>\n" (state '1'), "WK CUR: invalid -\n"
/// ('0'), else "WK CUR: - -\n"; then "WK NEW: empty -\n" ('0'), "WK NEW: <uncommitted|
/// committed> 0x<64 hex digits>\n" ('1', '2'), else "WK NEW: - -\n".  Hex digits lower case
/// (bin2hex).
std::string ep11_mkvps_text(const Ep11DomainInfo& di);

class Cex4CardDriver : public ApDriver {
 public:
  explicit Cex4CardDriver(LinuxKernel& k) : kernel_(k) {}
  std::string name() const override { return "cex4card"; }
  bool is_default() const override { return true; }
  bool for_cards() const override { return true; }
  /// zcrypt_cex4_card_probe: the zcrypt card attributes (type, online, load) in the card
  /// device's directory, zcrypt `online` 1, the card on zcrypt's list; a CCA card adds
  /// `serialnr`, an EP11 card `API_ordinalnr`, `FW_version`, `serialnr` and `op_modes`.
  void probe_card(ApCardDev& card) override;
  /// zcrypt_cex4_card_remove: those attributes go, the card leaves zcrypt's list.
  void remove_card(ApCardDev& card) override;

 private:
  LinuxKernel& kernel_;
};

class Cex4QueueDriver : public ApDriver {
 public:
  explicit Cex4QueueDriver(LinuxKernel& k) : kernel_(k) {}
  std::string name() const override { return "cex4queue"; }
  bool is_default() const override { return true; }
  bool for_cards() const override { return false; }
  /// zcrypt_cex4_queue_probe (CEX4..CEX8 only, else -ENODEV): `online` and `load`, zcrypt
  /// `online` 1, the queue on zcrypt's list; a CCA queue adds `mkvps`, an EP11 queue `mkvps`
  /// and `op_modes`.
  int probe_queue(ApQueueDev& q) override;
  /// zcrypt_cex4_queue_remove and ap_queue_remove: the attributes go, the queue is zeroized.
  void remove_queue(ApQueueDev& q) override;

 private:
  /// zcrypt_cex4_queue_attr_group (online, load), cca_queue_attr_grp (mkvps) and
  /// ep11_queue_attr_grp (mkvps, op_modes): made once, each queue's shows get its ApQueueDev.
  void make_groups();
  LinuxKernel& kernel_;
  std::shared_ptr<Sysfs::Group> queue_group_, cca_group_, ep11_group_;
};

}  // namespace apsim::driver
