// firmware/cex_firmware.h — what a CEX adapter does with one request message.
//
// Two message families (spec Appendix A, §1.5; arch/msgtype50.h, arch/msgtype6.h):
//  * type-50 clear-key RSA requests (ME keyblocks MEB1/2/3, CRT keyblocks CRB1/2/3), answered
//    by a type-80 reply or a type-82 error reply — process_request(), a pure function;
//  * type-6 requests for coprocessors, CCA (CPRBX: "RL" random number, "PI" PKA key import,
//    "SG" digital signature, "FQ" facility query) and EP11 (EP11 CPRB: GenerateRandom,
//    GenerateKeyPair, SignSingle, get_xcp_info), answered by a type-86 reply or a type-82
//    error reply — CexFirmware, which holds the adapter's state: a master key per domain
//    (CCA: AES master key; EP11: wrapping key), the card's serial number and its random
//    number generator.
// Each answer comes with its operation class and its service time in picoseconds
// (service_time.h, spec §7).  No SystemC: the adapter model (sc/) calls CexFirmware::process()
// for each accepted NQAP and waits service_ps before the reply becomes available to DQAP.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace apsim::firmware {

namespace crypto {
class Drbg;
}
class ReplyMemo;
struct ReplyMemoEntry;

/// Operation classes in the column order of zcrypt's speed-rating arrays
/// (MEX_1K, MEX_2K, MEX_4K, CRT_1K, CRT_2K, CRT_4K, RNG, SECKEY — spec §7), plus `invalid`
/// for a request whose class cannot be determined (bad header/length/keyblock).
/// The size class is the keyblock's: MEB1/CRB1 → 1k, MEB2/CRB2 → 2k, MEB3/CRB3 → 4k.
enum class Operation : uint8_t { mex_1k, mex_2k, mex_4k, crt_1k, crt_2k, crt_4k, rng, seckey, invalid };
inline constexpr size_t kNumRatedOperations = 8;  // all but `invalid`
inline constexpr size_t kNumOperations = 9;

const char* to_string(Operation op);

/// zcrypt's weights of CPRB requests (zcrypt_msgtype6.h LOW/MEDIUM/HIGH): zcrypt_api.c weighs
/// a CCA or EP11 CPRB as speed_idx × the card's SECKEY rating.
inline constexpr unsigned kSpeedLow = 10, kSpeedMedium = 100, kSpeedHigh = 500;

/// What a CPRB request's engine does, where its price follows from the work rather than from
/// zcrypt's speed class (service_time.h "CCA and EP11 functions").
enum class CprbWork : uint8_t {
  none,        ///< priced by zcrypt's speed class × SECKEY (key import, random numbers, ...)
  rsa_sign,    ///< a private-key RSA operation with a secure key (CCA "SG", EP11 SignSingle)
  rsa_keygen,  ///< an RSA key pair generated on the card (EP11 GenerateKeyPair)
};

/// Everything about one request that its service time depends on (service_time.h).
///  - op: the rating column (the keyblock's size class for type 50);
///  - exponent_bits, modulus_bits: ME only — significant bits of the exponent and of the
///    modulus (0 = unknown: priced as a short public exponent, the rating; the price counts
///    64-bit digits of each, service_time.h 2.);
///  - key_bits: CPRB rsa_sign / rsa_keygen — the RSA key's modulus length in bits;
///  - speed_idx: CPRB only — zcrypt's speed class of the function;
///  - work: CPRB only — see CprbWork.
struct ServiceDemand {
  Operation op = Operation::invalid;
  unsigned exponent_bits = 0;
  unsigned modulus_bits = 0;
  unsigned key_bits = 0;
  unsigned speed_idx = kSpeedMedium;
  CprbWork work = CprbWork::none;
};

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

/// Operation class of a request from its header alone, without validating the rest: lets
/// the adapter model check supports() at NQAP time.  Type 50: from keyblock_type (`invalid`
/// when shorter than 16 bytes or the keyblock type is unknown).  Type 6: `rng` for a CCA
/// CPRB whose parameter block starts with "RL", `seckey` for any other CCA ("CA") or EP11
/// ("XC") request, `invalid` for a message shorter than its CPRB.  Never reads outside
/// [msg, msg+len).
Operation classify_request(const uint8_t* msg, size_t len);

/// Result of one request.
///  - reply: a type-80 reply (16-byte header + result field) or an 8-byte type-82 error
///    reply.  The type-80 result field is as long as the request's message field
///    (128/256/512 bytes), the result right-justified and zero-padded, so Linux's reader
///    (`reply + len - outputdatalength`, outputdatalength <= that field) finds it for any
///    modulus length the keyblock can carry.  (The card cannot know the caller's modulus
///    length: the fields are fixed-size and zero-padded.)
///  - op: the operation class (invalid if the header or keyblock was unusable).
///  - service_ps: the mean time in picoseconds the adapter's engine is busy with this request
///    (ServiceTimeTable::service_ps of `demand`; errors cost the `invalid` entry).  The
///    adapter draws the actual time from the operation's distribution around this mean.
///  - demand: what the price was computed from (service_time.h).
struct FirmwareReply {
  std::vector<uint8_t> reply;
  Operation op;
  uint64_t service_ps;
  /// zcrypt's speed class of a CPRB request (kSpeedLow/Medium/High); kSpeedMedium otherwise.
  unsigned speed_idx = kSpeedMedium;
  ServiceDemand demand{};
};
/// zcrypt_msgtype6.c speed_idx_cca(): the class of a CCA subfunction code ("SG" = 0x5347).
unsigned speed_idx_cca(uint16_t function_code);
/// zcrypt_msgtype6.c speed_idx_ep11(): the class of an EP11 function number.
unsigned speed_idx_ep11(uint32_t function);

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

/// The firmware of one adapter, with its state.
///
/// State (a modeling choice; where real cards keep it is not public):
///  * one 256-bit master key per usage domain — the CCA AES master key (CCA mode) or the EP11
///    wrapping key (EP11 mode) — derived on first use as SHA-256("apsim-cca-aes-mk" |
///    "apsim-ep11-wk", serial, domain), so every run of a configuration sees the same keys;
///    set_master_key() loads another one (as a TKE would; the replaced CCA key becomes the
///    OLD register's); tokens and blobs carry a verification pattern (first 8/16 bytes of
///    master_key_vp(), firmware_internal.h: IBM's AES MKVP algorithm on CCA cards) and are
///    refused under any other key (CCA rc/rs 8/48, EP11 CKR_IBM_WKID_MISMATCH);
///  * what the query verbs report (CCA "FQ" STATICSA/STATICSB, EP11 get_xcp_info module and
///    domain information): serial_number(), the master-key registers, the EP11 API ordinal,
///    firmware version and operational modes — the values and why are in type6.cpp,
///    "What a card says about itself";
///  * the card's random number generator (crypto::Drbg keyed from serial and seed);
///  * memos of answers (firmware/reply_memo.h): the answers to up to 8192 distinct requests
///    (1024 sets of 8 by std::hash of the bytes, checked byte for byte, replaced first in first
///    out within a set; allocated at the first answer) are reused.  Type 50: process_request()
///    is a pure function of the request bytes.
///    Type 6 (a second memo of that size, keyed by the queue's domain too): CCA "SG" and EP11
///    SignSingle — RSASSA-PKCS1-v1_5 is deterministic, so the answer is a function of the
///    request and the domain's master key; set_master_key() empties this memo — and CCA "RL"
///    and EP11 GenerateRandom, whose answer is the request's function but for the random
///    bytes at its end, which every hit draws anew from the card's generator (ODD/EVEN parity
///    applied), the same bytes the full path would draw.  Only type-86 answers are kept; key
///    import, key generation, "FQ", get_xcp_info and errors always take the full path.
///    Workloads repeat a pool of messages, so sweeps and the speed benchmark do not redo RSA
///    arithmetic, and their steady state allocates nothing (issue 13); replies and prices are
///    identical with and without the memos.
///
/// process() dispatches on the message type byte: 0x50 → process_request() (memoized),
/// 0x06 → the type-6 path below (memoized as said), anything else → type-82 0x20 MESSAGE_TYPE.
///
/// Type-6 checks, in order, each failing with a type-82 reply carrying the code shown:
///  1. len >= 88 (the type6_hdr)                                  else 0x23 INVALID_MSG_LEN
///  2. reserved1..6, right, apfs zero; agent_id[2..15] zero        else 0x24 RESERVD_FIELD
///  3. offset1 == 0x58, offset3/4 and tocardlen3/4 zero, offset2 ==
///     0x58 + CEIL4(tocardlen1) iff tocardlen2 != 0                else 0x29 FORMAT_FIELD
///  4. len == 88 + CEIL4(tocardlen1) + tocardlen2: shorter         →   0xA0 PACKET_TRUNCATED
///                                                  longer          →   0x23 INVALID_MSG_LEN
///  5. agent_id "CA" or "XC"                                       else 0x29 FORMAT_FIELD
///     and the card's mode (CCA / EP11)                             else 0x30 INVALID_COMMAND
///  CCA: tocardlen1 >= 220 (0x40); cprb_len 220, version 2 (0x29); pad_009 zero (0x24);
///     func_id "T2" — administrative CPRBs are not modeled (0x30); 4 <= req_parml and
///     220 + req_parml <= tocardlen1 (0x40); CPRB domain == the queue's domain
///     (0x42 INVALID_DOMAIN_PRECHECK); hdr function_code == parm subfunction (0x29);
///     rule_array_len 2 + 8k within req_parml (0x40); subfunction RL/PI/SG/FQ (0x30).
///     Then a type-86 reply whose CPRB carries ccp_rtcode/ccp_rscode (arch CCA_RC_*/RS_*).
///  EP11: tocardlen1 >= 32 (0x40); cprb_len 32, version 4, func_id "T4" (0x29); not an
///     admin CPRB (0x30); pad/reserved zero (0x24); 32 + payload_len == tocardlen1 and a
///     well-formed 0x30 payload with function and domain fields (0x40); target_id and the
///     payload domain == the queue's domain (0x42).  Then a type-86 reply whose payload
///     carries a CK_RV: bad parameters CKR_ARGUMENTS_BAD, unknown function
///     CKR_FUNCTION_NOT_SUPPORTED, etc. (arch/msgtype6.h).
///  Both: the reply must fit fromcardlen1/fromcardlen2       else 0x80 MESSAGE_LENGTH.
/// Service time (service_time.h 4.): CCA "SG" and EP11 SignSingle the CRT of the key's class
/// plus SECKEY; EP11 GenerateKeyPair its expected Miller–Rabin exponentiations plus SECKEY; CCA
/// "RL" the RNG rating; other CPRBs the SECKEY rating × speed_idx / MEDIUM; a type-82 reply or
/// a non-zero CCA rc / EP11 CK_RV the `invalid` entry.
/// Never crashes or reads out of bounds, whatever the bytes.
class CexFirmware {
 public:
  using MasterKey = std::array<uint8_t, 32>;

  /// `profile`: the card; `times`: the service-time table (must outlive this object);
  /// `serial`: distinguishes cards (the adapter model passes its APID); `seed`: varies the RNG.
  CexFirmware(const AdapterProfile& profile, const ServiceTimeTable& times, uint32_t serial, uint64_t seed = 0);
  ~CexFirmware();
  CexFirmware(const CexFirmware&) = delete;
  CexFirmware& operator=(const CexFirmware&) = delete;

  /// Process one request that arrived on the queue of usage domain `domain`.  `buffer` (may be
  /// null): storage the caller no longer needs, for the reply — a memo hit (type 50 or type 6)
  /// copies the remembered reply into it and hands it back as FirmwareReply::reply, so that a
  /// workload's steady state allocates nothing (issue 13); other paths build their own.
  FirmwareReply process(uint8_t domain, const uint8_t* msg, size_t len, std::vector<uint8_t>* buffer = nullptr);

  const AdapterProfile& profile() const { return profile_; }
  /// The domain's master key (CCA AES master key or EP11 wrapping key).
  const MasterKey& master_key(uint8_t domain);
  /// Load a new master key into `domain` (tokens wrapped under the old one stop working).
  /// On a CCA card the key it replaces is reported as the OLD register's from then on.
  void set_master_key(uint8_t domain, const MasterKey& key);
  /// The card's serial number as the query verbs report it: 8 characters on a CCA card
  /// ("93AAC" and the APID given as `serial` in three decimal digits, e.g. "93AAC005"),
  /// 16 on an EP11 card (the same with "P" for "C", then eight zeros).  A modelling choice:
  /// unique per APID and stable across runs; real serials look alike ("93AADHZU42082261" in
  /// s390-tools' pvapconfig tests) but their scheme is not public.
  std::string serial_number() const;

  /// The memos (on by default; switching them off changes timing of nothing and the replies
  /// of nothing — they keep arithmetic and allocation out of wall time).  Hits and misses
  /// count lookups of both.
  void set_memo_enabled(bool on) { memo_enabled_ = on; }
  uint64_t memo_hits() const { return memo_hits_; }
  uint64_t memo_misses() const { return memo_misses_; }

 private:
  struct Domain;
  /// What the type-6 path tells the memo about the answer it is building (process_type6_memoized):
  /// `keep` — a function of the request and the domain's master key (CCA "SG", EP11
  /// SignSingle) or of the request and `fresh` trailing random bytes (CCA "RL", EP11
  /// GenerateRandom), with `parity` the FreshParity of those bytes.
  struct MemoNote {
    bool keep = false;
    size_t fresh = 0;
    uint8_t parity = 0;
  };
  Domain& domain_state(uint8_t domain);
  FirmwareReply process_type50(const uint8_t* msg, size_t len, std::vector<uint8_t>* buffer);
  FirmwareReply process_type6_memoized(uint8_t domain, const uint8_t* msg, size_t len, std::vector<uint8_t>* buffer);
  /// A memo hit's answer, in `buffer` when given (see process()).
  FirmwareReply from_memo(const ReplyMemoEntry& e, std::vector<uint8_t>* buffer);
  FirmwareReply process_type6(uint8_t domain, const uint8_t* msg, size_t len);
  FirmwareReply process_cca(uint8_t domain, const uint8_t* msg, size_t len);
  FirmwareReply process_ep11(uint8_t domain, const uint8_t* msg, size_t len);
  /// "FQ" STATICSA (`staticsb` false) or STATICSB: the reply's rule array and verb data.
  void cca_facility_statics(uint8_t domain, bool staticsb, std::vector<uint8_t>& rules,
                            std::vector<uint8_t>& verb_data);
  /// get_xcp_info's module (EP11_QUERY_MODULE_INFO) and domain information.
  std::vector<uint8_t> ep11_module_info() const;
  std::vector<uint8_t> ep11_domain_info(uint8_t domain);
  FirmwareReply error82(uint8_t reply_code, Operation op) const;
  uint64_t cost(const ServiceDemand& d) const;
  /// A type-86 reply priced by `d` (Operation::invalid: the `invalid` entry).
  FirmwareReply priced(std::vector<uint8_t> reply, Operation op, unsigned speed_idx, const ServiceDemand& d) const;

  AdapterProfile profile_;
  const ServiceTimeTable& times_;
  uint32_t serial_;
  std::array<std::unique_ptr<Domain>, 256> domains_;
  std::unique_ptr<crypto::Drbg> rng_;
  bool memo_enabled_ = true;
  std::unique_ptr<ReplyMemo> memo50_, memo6_;  // firmware/reply_memo.h
  MemoNote memo_note_;
  uint64_t memo_hits_ = 0, memo_misses_ = 0;
};

}  // namespace apsim::firmware
