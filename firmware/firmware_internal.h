// firmware/firmware_internal.h — pieces shared by cex_firmware.cpp and type6.cpp (not a
// public interface).
#pragma once

#include <cstdint>
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

/// Per-domain state of a coprocessor: the master key (CCA AES master key or EP11 wrapping
/// key), its verification patterns and the MAC key derived from it.
struct CexFirmware::Domain {
  MasterKey key{};
  crypto::Key256 vp{};       ///< SHA-256 of the key; tokens carry its first 8 (CCA) or 16 (EP11) bytes
  crypto::Key256 mac_key{};  ///< SHA-256("mac" ‖ key): HMAC key of EP11 blobs
  void set_key(const MasterKey& k) {
    key = k;
    vp = crypto::sha256({{k.data(), k.size()}});
    static const uint8_t mac[] = {'m', 'a', 'c'};
    mac_key = crypto::sha256({{mac, sizeof mac}, {k.data(), k.size()}});
  }
};

}  // namespace apsim::firmware
