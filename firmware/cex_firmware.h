// firmware/cex_firmware.h — what a CEX adapter does with one clear-key RSA request.
//
// Input: a type-50 request message (ME keyblocks MEB1/2/3 or CRT keyblocks CRB1/2/3,
// layouts in arch/msgtype50.h, spec Appendix A).  Output: a type-80 reply carrying the
// result, or a type-82 error reply with a REP82 reply code (spec §1.5), plus the
// operation class and its service time in picoseconds (service_time.h, spec §7).
//
// Pure functions, no SystemC, no global state: the adapter model (sc/) calls
// process_request() when a queue entry reaches the head of the adapter, and waits
// service_ps before making the reply available to DQAP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace apsim::firmware {

/// Operation classes in the column order of zcrypt's speed-rating arrays
/// (MEX_1K, MEX_2K, MEX_4K, CRT_1K, CRT_2K, CRT_4K, RNG, SECKEY — spec §7), plus `invalid`
/// for a request whose class cannot be determined (bad header/length/keyblock).
/// The size class is the keyblock's: MEB1/CRB1 → 1k, MEB2/CRB2 → 2k, MEB3/CRB3 → 4k.
enum class Operation : uint8_t { mex_1k, mex_2k, mex_4k, crt_1k, crt_2k, crt_4k, rng, seckey, invalid };
inline constexpr size_t kNumRatedOperations = 8;  // all but `invalid`
inline constexpr size_t kNumOperations = 9;

const char* to_string(Operation op);

/// One adapter as the firmware sees it.
///
/// mex4k / crt4k are the TAPQ facility bits "M" (0x40000000) and "C" (0x20000000)
/// (spec §5.4).  make_profile() sets them as follows (a modeling choice; the spec gives no
/// table):
///  - accelerators CEX4A..CEX8A: both on.  The spec's lszcrypt example for CEX6A is
///    "-MC-A-NF-", and zcrypt rates MEX_4K/CRT_4K for every CEXnA including CEX4A (§7),
///    which it only can use when max_mod_size is 512, i.e. when both bits are on (§5.3).
///  - CCA and EP11 coprocessors: both off, as in every captured lszcrypt line of such
///    cards (§5.4 (a)–(d): "S--D--NF-", "-----XNF-", "---D--N--R").  zcrypt nevertheless
///    allows 4096-bit keys on CCA (CEX4C_MAX_MOD_SIZE = 512, §5.3), so supports() uses the
///    bits only for accelerators.
struct AdapterProfile {
  enum class Mode { accel, cca, ep11 };
  unsigned generation;  // 4..8 for CEX4..CEX8
  Mode mode;
  bool mex4k;
  bool crt4k;

  /// The profile of a CEX<generation> card in `mode`, bits as described above.
  static AdapterProfile make(unsigned generation, Mode mode);
};

/// Same as AdapterProfile::make.
AdapterProfile make_profile(unsigned generation, AdapterProfile::Mode mode);

/// Whether the adapter performs `op`.  False for `invalid`; for 4k ops on an accelerator
/// without the mex4k/crt4k bit (the adapter model then answers NQAP with AP RC 0x16,
/// REQ_FAC_NOT_INST); for RNG/SECKEY where zcrypt's rating is 0 (accelerators; RNG on
/// EP11).  Clear-key RSA on EP11 is supported here although zcrypt never routes it
/// there (its EP11 ratings are 0): a modeling choice so a type-50 sent to any card is
/// served; see service_time.h for its timing.
bool supports(const AdapterProfile& profile, Operation op);

/// Operation class of a type-50 request from its header and keyblock_type alone, without
/// validating the rest: lets the adapter model check supports() at NQAP time.  Returns
/// `invalid` when the message is shorter than 16 bytes, its type is not 0x50, or the
/// keyblock type is unknown.  Never reads outside [msg, msg+len).
Operation classify_request(const uint8_t* msg, size_t len);

/// Result of one request.
///  - reply: a type-80 reply (16-byte header + result field) or an 8-byte type-82 error
///    reply.  The type-80 result field is as long as the request's message field
///    (128/256/512 bytes), the result right-justified and zero-padded, so Linux's reader
///    (`reply + len - outputdatalength`, outputdatalength <= that field) finds it for any
///    modulus length the keyblock can carry.  (The card cannot know the caller's modulus
///    length: the fields are fixed-size and zero-padded.)
///  - op: the operation class (invalid if the header or keyblock was unusable).
///  - service_ps: picoseconds the adapter is busy with this request (ServiceTimeTable;
///    errors cost its `invalid` entry).
struct FirmwareReply {
  std::vector<uint8_t> reply;
  Operation op;
  uint64_t service_ps;
};

class ServiceTimeTable;

/// Process one type-50 request of `len` bytes at `msg` (msg may be null iff len == 0).
///
/// Checks, in order, each failing with a type-82 reply carrying the code shown:
///  1. msg_type_code (byte 1, if present) == 0x50            else 0x20 MESSAGE_TYPE
///  2. len >= 16 (header + keyblock_type + reserved)         else 0x23 INVALID_MSG_LEN
///  3. header msg_len == len                                 else 0x23 INVALID_MSG_LEN
///  4. keyblock_type is MEB1/2/3 or CRB1/2/3                 else 0x40 MALFORMED_MSG
///  5. len == the keyblock's total size                      else 0x23 INVALID_MSG_LEN
///  6. reserved1/2/3 and keyblock reserved[6] are zero       else 0x24 RESERVD_FIELD
///  7. supports(profile, op)                                 else 0x84 OPERAND_SIZE
///     (normally unreachable: the adapter model rejects such NQAPs with AP RC 0x16)
///  8. ME: modulus != 0 (else 0x82), modulus odd (else 0x85 EVEN_MOD_IN_OPND),
///     message < modulus (else 0x82 OPERAND_INVALID).
///     CRT: p, q != 0 (else 0x82), p, q odd (else 0x85), message < p*q (else 0x82).
/// Then ME: result = message^exponent mod modulus.  CRT (u = q^-1 mod p):
/// m1 = c^dp mod p, m2 = c^dq mod q, h = u*(m1-m2) mod p, result = m2 + h*q.
/// Never crashes or reads out of bounds, whatever the bytes.  Throws std::out_of_range
/// only for a profile whose generation is outside 4..8 (a configuration error).
FirmwareReply process_request(const AdapterProfile& profile, const uint8_t* msg, size_t len,
                              const ServiceTimeTable& times);

}  // namespace apsim::firmware
