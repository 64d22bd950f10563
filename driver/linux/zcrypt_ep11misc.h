// driver/linux/zcrypt_ep11misc.h — what zcrypt learns from an EP11 coprocessor about itself
// (drivers/s390/crypto/zcrypt_ep11misc.c): get_xcp_info (function 38) module and domain
// queries (ep11_query_info), ep11_get_card_info and ep11_get_domain_info, which
// zcrypt_cex4.c's EP11 card and queue attributes show.  Layouts: arch/msgtype6.h
// "get_xcp_info".
//
// Sources: Linux 6.1.192 zcrypt_ep11misc.c (ep11_query_info, check_reply_pl,
// ep11_get_card_info with the card_list cache, ep11_get_domain_info); the newest release
// 6.17's (Kingxukai/linux @9b44fff655e2: no cache).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>

#include "driver/linux/zcrypt_msgtype6.h"

namespace apsim::driver {

class LinuxKernel;

/// struct ep11_card_info.
struct Ep11CardInfo {
  uint32_t API_ord_nr = 0;       ///< API ordinal number
  uint16_t FW_version = 0;       ///< (major << 8) + minor
  std::array<char, 16> serial{};  ///< 16 ASCII characters, no NUL
  uint64_t op_mode = 0;          ///< operational modes (bit n: ep11_op_modes[] of zcrypt_cex4.c)
};

/// struct ep11_domain_info: the wrapping-key states ('0'.. as Linux sets them, 0 when no
/// query succeeded) and patterns, and the domain's operational modes.
struct Ep11DomainInfo {
  char cur_wk_state = 0;  ///< '0' invalid, '1' valid
  char new_wk_state = 0;  ///< '0' empty, '1' uncommitted, '2' committed
  std::array<uint8_t, 32> cur_wkvp{}, new_wkvp{};
  uint64_t op_mode = 0;
};

/// card_list (6.1): the last ep11_card_info per card (card_cache_fetch/_update/_scrub).
class Ep11CardCache {
 public:
  /// 0 and `ci` = the cached entry, or -ENOENT (`ci` untouched).
  int fetch(uint16_t card, Ep11CardInfo& ci) const;
  void update(uint16_t card, const Ep11CardInfo& ci);
  void scrub(uint16_t card);

 private:
  std::map<uint16_t, Ep11CardInfo> entries_;
};

/// ep11_query_info's request: an EP11 CPRB (target_id 0, as alloc_cprb leaves it) with the
/// payload of get_xcp_info (API 1, function 38, domain field 0 as prep_head leaves it,
/// query_type, query_subtype 0), for card `cardnr` / domain `domain` (AUTOSEL_AP /
/// AUTOSEL_DOM for any), with room for a reply of `buflen` data bytes (resp_len = CPRB +
/// the 26-byte struct ep11_info_rep_pl + buflen).
ep11_urb ep11_query_info_urb(uint16_t cardnr, uint16_t domain, uint32_t query_type, size_t buflen);

/// ep11_query_info's reading of a reply: check_reply_pl (tag 0x30, a length of at least 18,
/// function, domain and return-value fields, return value 0), then the data field as
/// struct ep11_info_rep_pl places it: tag 0x04 with length format 0x82 (else -EIO), length
/// <= `buflen` (else -ENOSPC).  `buf` gets the data (its length is the field's).  -EIO too for
/// a reply too short to hold these fields.
int ep11_query_info_reply(const ep11_urb& urb, size_t buflen, Bytes& buf);

/// ep11_query_info: the query through zcrypt (zcrypt_send_ep11_cprb) and its reading.
int ep11_query_info(LinuxKernel& k, uint16_t cardnr, uint16_t domain, uint32_t query_type, size_t buflen, Bytes& buf);

/// ep11_get_card_info's reading of the module information (struct ep11_module_query_info,
/// arch EP11_MQI_*): `info` cleared, then API ordinal, firmware version, serial, op modes.
/// Bytes missing from a short `mqi` read as zero.
void ep11_card_info_from_module_info(const Bytes& mqi, Ep11CardInfo& info);

/// ep11_get_domain_info's reading of the domain information (arch EP11_DQI_*): `info`
/// cleared, both states '0'; with "left imprint mode" a valid current key ('1' and its
/// pattern) and a new key present ('1') or committed ('2') with its pattern; the op modes.
void ep11_domain_info_from_query(const Bytes& dqi, Ep11DomainInfo& info);

/// ep11_get_card_info(card, info, verify) of 6.1: the cached entry if there is one and
/// `verify` is false; else the module query (AUTOSEL_DOM) — on success `info` and the cache
/// are replaced; on failure `info` keeps what the cache gave and -ENODEV scrubs the entry.
/// Newest release (LinuxProfile::zcrypt_info_no_cache): always the query, no cache.
int ep11_get_card_info(LinuxKernel& k, uint16_t card, Ep11CardInfo& info, bool verify);

/// ep11_get_domain_info: the domain query of card `card`, domain `domain`; `info` set on
/// success, untouched on failure.
int ep11_get_domain_info(LinuxKernel& k, uint16_t card, uint16_t domain, Ep11DomainInfo& info);

}  // namespace apsim::driver
