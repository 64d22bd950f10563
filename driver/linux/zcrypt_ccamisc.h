// driver/linux/zcrypt_ccamisc.h — what zcrypt learns from a CCA coprocessor about itself
// (drivers/s390/crypto/zcrypt_ccamisc.c): the "FQ" cryptographic facility query
// (cca_query_crypto_facility) and cca_get_info, which zcrypt_cex4.c's `serialnr` and `mkvps`
// attributes show.  Layouts: arch/msgtype6.h "FQ".
//
// Sources: Linux 6.1.192 zcrypt_ccamisc.c (cca_query_crypto_facility, fetch_cca_info,
// cca_get_info and the cca_info cache: cca_info_cache_fetch/_update), and for the newest
// release 6.17's (Kingxukai/linux @9b44fff655e2: no cache, cca_get_info is fetch_cca_info)
// with 598bbefa8032 (7.0: AUTOSEL_DOM skips zcrypt_device_status_ext).
//
// Byte strings are Bytes; functions return 0 or -errno like Linux.  The pure builders and
// parsers are separate from the functions that send, so tests can hold them against the
// firmware without a machine.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "driver/linux/zcrypt_msgtype6.h"

namespace apsim::driver {

class LinuxKernel;

/// struct cca_info (zcrypt_ccamisc.h): the master-key registers of one CCA domain and the
/// card's serial number.  States are CCA's digits ('1'..'3', 0 when unknown); a pattern is
/// filled only for a register whose state says it holds a key (NEW '3', CUR/OLD '2').
/// The 8-byte patterns are numbers as the big-endian u64 reads them.
struct CcaInfo {
  int hwtype = 0;  ///< AP_DEVICE_TYPE_* of the APQN (0 when asked with AUTOSEL_DOM)
  char new_aes_mk_state = 0, cur_aes_mk_state = 0, old_aes_mk_state = 0;
  char new_apka_mk_state = 0, cur_apka_mk_state = 0, old_apka_mk_state = 0;
  char new_asym_mk_state = 0, cur_asym_mk_state = 0, old_asym_mk_state = 0;
  uint64_t new_aes_mkvp = 0, cur_aes_mkvp = 0, old_aes_mkvp = 0;
  uint64_t new_apka_mkvp = 0, cur_apka_mkvp = 0, old_apka_mkvp = 0;
  std::array<uint8_t, 16> new_asym_mkvp{}, cur_asym_mkvp{}, old_asym_mkvp{};
  /// char serial[9] printed with %s: the 8 bytes of the reply up to the first NUL.
  std::string serial;
};

/// cca_info_list (6.1): the last cca_info fetched per (card, domain); cca_info_cache_fetch
/// and cca_info_cache_update.  Never scrubbed by the sysfs paths.  One per kernel.
class CcaInfoCache {
 public:
  /// 0 and `ci` = the cached entry, or -ENOENT.
  int fetch(uint16_t card, uint16_t domain, CcaInfo& ci) const;
  void update(uint16_t card, uint16_t domain, const CcaInfo& ci);

 private:
  std::map<std::pair<uint16_t, uint16_t>, CcaInfo> entries_;
};

/// The "FQ" request of cca_query_crypto_facility: CPRBX "T2" with CPRB domain `domain`
/// (AUTOSEL_DOM for any), parameter block "FQ" + `keyword` (8 characters, e.g.
/// "STATICSA") + the 4098-byte lv1 block + the dummy block (arch CCA_FQ_REQ_PARM_SIZE),
/// for card `cardnr` (AUTOSEL_AP for any).
ica_xcRB cca_fq_xcrb(uint16_t cardnr, uint16_t domain, const char* keyword);

/// cca_query_crypto_facility's reading of the reply in `x`: -EIO when ccp_rtcode != 0 (or
/// the reply is too short to hold what Linux reads).  Otherwise copies the rule array and
/// the verb data: for each block whose length field exceeds 2, *len = min(its data length,
/// *len) bytes into `out` (resized to *len); a block of length <= 2 leaves its buffer and
/// length as they were (Linux then goes on with whatever the page held).
int cca_fq_reply(const ica_xcRB& x, Bytes& rarray, size_t& rarraylen, Bytes& varray, size_t& varraylen);

/// cca_query_crypto_facility: send `keyword`'s "FQ" to card `cardnr`, domain `domain`
/// through zcrypt (zcrypt_send_cprb) and read the reply (cca_fq_reply).  0 or -errno
/// (-ENODEV: no usable queue; -EIO: a CCA error).
int cca_query_crypto_facility(LinuxKernel& k, uint16_t cardnr, uint16_t domain, const char* keyword, Bytes& rarray,
                              size_t& rarraylen, Bytes& varray, size_t& varraylen);

/// fetch_cca_info's use of a STATICSA reply: if `rlen` >= 10 elements and `vlen` >= 204
/// bytes, the serial and the ASYM and AES registers into `ci`, true; else false, `ci`
/// untouched.
bool cca_info_from_staticsa(const Bytes& rarray, size_t rlen, const Bytes& varray, size_t vlen, CcaInfo& ci);
/// The same for STATICSB: 13 elements and 240 bytes, the APKA registers.
bool cca_info_from_staticsb(const Bytes& rarray, size_t rlen, const Bytes& varray, size_t vlen, CcaInfo& ci);

/// fetch_cca_info (6.1; cca_get_info in the newest release): `ci` cleared; for a domain
/// other than AUTOSEL_DOM the APQN must be a zcrypt queue (zcrypt_device_status_ext, else
/// its -ENODEV) and gives ci.hwtype; then STATICSA and, if it gave data, STATICSB.  0 when
/// both did, else -ENOENT — `ci` keeps what STATICSA gave.
int fetch_cca_info(LinuxKernel& k, uint16_t card, uint16_t domain, CcaInfo& ci);

/// cca_get_info(card, dom, ci, verify) of 6.1: the cached entry if there is one and
/// `verify` is false, else fetch_cca_info (cached when it succeeds); on a fetch that fails
/// `ci` holds what the fetch left.  In the newest release (LinuxProfile::
/// zcrypt_info_no_cache) every call is fetch_cca_info and `verify` does not matter.
int cca_get_info(LinuxKernel& k, uint16_t card, uint16_t domain, CcaInfo& ci, bool verify);

}  // namespace apsim::driver
