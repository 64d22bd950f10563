// firmware/firmware_internal.h — pieces shared by cex_firmware.cpp and type6.cpp (not a
// public interface).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "arch/msgtype50.h"
#include "firmware/cex_firmware.h"
#include "firmware/crypto.h"

namespace apsim::firmware {

/// An 8-byte type-82 error reply (struct error_hdr) with `reply_code`.
inline std::vector<uint8_t> error_reply(uint8_t reply_code) {
  std::vector<uint8_t> r(arch::ERRHDR_SIZE, 0);
  r[arch::ERRHDR_TYPE] = arch::TYPE82_RSP_CODE;
  r[arch::ERRHDR_REPLY_CODE] = reply_code;
  return r;
}

/// The verification pattern of a master key `k` as the model computes it (a SHA-256 digest;
/// callers keep its first 8 or 16 bytes):
///  * CCA (`cca`): SHA-256(X'01' ‖ k), IBM's "AES master key verification pattern algorithm"
///    (CCA and ICSF documentation: the first eight bytes of the hash are the AES MKVP).  The
///    model uses it for every CCA register, also the APKA one and the ASYM one, whose CCA
///    pattern is an MDC-4 hash (16 bytes) instead: a stand-in, not CCA's algorithm.
///  * EP11: SHA-256(k), all 32 bytes the wrapping key's verification pattern (a modelling
///    choice: the EP11 algorithm is not in our sources); blobs carry its first 16 bytes.
inline crypto::Key256 master_key_vp(const uint8_t* k, size_t n, bool cca) {
  static const uint8_t x01 = 0x01;
  return cca ? crypto::sha256({{&x01, 1}, {k, n}}) : crypto::sha256({{k, n}});
}

/// Per-domain state of a coprocessor: the master key (CCA AES master key or EP11 wrapping
/// key), its verification patterns and the MAC key derived from it.
struct CexFirmware::Domain {
  MasterKey key{};
  crypto::Key256 vp{};       ///< master_key_vp(key); tokens carry its first 8 (CCA) or 16 (EP11) bytes
  crypto::Key256 mac_key{};  ///< SHA-256("mac" ‖ key): HMAC key of EP11 blobs
  /// The key set_master_key() replaced (CCA's OLD master-key register); none at first.
  std::optional<MasterKey> old_key;
  void set_key(const MasterKey& k, bool cca) {
    key = k;
    vp = master_key_vp(k.data(), k.size(), cca);
    static const uint8_t mac[] = {'m', 'a', 'c'};
    mac_key = crypto::sha256({{mac, sizeof mac}, {k.data(), k.size()}});
  }
};

}  // namespace apsim::firmware
