// arch/msgtype50.h — RSA request/reply message layouts of the CEXxA message family:
// type-50 requests (ME and CRT), type-80 replies, type-82/88 error replies.
//
// Source: ap-facility-spec.md Appendix A and §1.5, which read Linux
// drivers/s390/crypto/zcrypt_msgtype50.c [K-mt50] and zcrypt_error.h [K-zerr]
// (Kingxukai/linux @0291023e7330, v6.17-rc3).  Field names follow those files.
//
// Storage is big-endian (z/Architecture); every layout below is a set of constexpr byte
// offsets and sizes into a byte buffer — read/write multi-byte fields with bits.h's
// load_be16/store_be16.  No packed structs: the model's host is little-endian.
//
// All number fields (exponent, modulus, message, p, q, dp, dq, u) are unsigned big-endian
// integers, right-justified in their field and zero-padded on the left.  Linux's comment:
// "all reserved fields must be zeroes".
#pragma once

#include <cstddef>
#include <cstdint>

namespace apsim::arch {

// ---- Type-50 request header (8 bytes) -------------------------------------------------
//   u8 reserved1; u8 msg_type_code (0x50); u16 msg_len; u8 reserved2; u8 ignored;
//   u16 reserved3;
inline constexpr uint8_t TYPE50_TYPE_CODE = 0x50;
inline constexpr size_t HDR50_RESERVED1 = 0;
inline constexpr size_t HDR50_MSG_TYPE_CODE = 1;
inline constexpr size_t HDR50_MSG_LEN = 2;  // u16, whole message length in bytes
inline constexpr size_t HDR50_RESERVED2 = 4;
inline constexpr size_t HDR50_IGNORED = 5;  // Linux: "ignored" (not a reserved field)
inline constexpr size_t HDR50_RESERVED3 = 6;  // u16
inline constexpr size_t HDR50_SIZE = 8;

// Every type-50 body starts with `u16 keyblock_type; u8 reserved[6];` after the header.
inline constexpr size_t T50_KEYBLOCK_TYPE = 8;  // u16
inline constexpr size_t T50_KEYBLOCK_RESERVED = 10;
inline constexpr size_t T50_KEYBLOCK_RESERVED_SIZE = 6;
inline constexpr size_t T50_FIELDS_OFFSET = 16;  // first key/message field

// ---- keyblock_type values (Appendix A) --------------------------------------------------
inline constexpr uint16_t TYPE50_MEB1_FMT = 0x0001;  // ME,  modulus up to 1024 bits
inline constexpr uint16_t TYPE50_MEB2_FMT = 0x0002;  // ME,  up to 2048 bits
inline constexpr uint16_t TYPE50_MEB3_FMT = 0x0003;  // ME,  up to 4096 bits
inline constexpr uint16_t TYPE50_CRB1_FMT = 0x0011;  // CRT, up to 1024 bits
inline constexpr uint16_t TYPE50_CRB2_FMT = 0x0012;  // CRT, up to 2048 bits
inline constexpr uint16_t TYPE50_CRB3_FMT = 0x0013;  // CRT, up to 4096 bits

/// ME keyblock (MEB1/2/3): exponent[F], modulus[F], message[F], each F bytes.
struct MebLayout {
  uint16_t keyblock_type;
  size_t field;  // F: bytes per field (128/256/512)
  constexpr size_t exponent() const { return T50_FIELDS_OFFSET; }
  constexpr size_t modulus() const { return T50_FIELDS_OFFSET + field; }
  constexpr size_t message() const { return T50_FIELDS_OFFSET + 2 * field; }
  constexpr size_t message_size() const { return field; }
  constexpr size_t total() const { return T50_FIELDS_OFFSET + 3 * field; }
};

/// CRT keyblock (CRB1/2/3): p[H], q[H], dp[H], dq[H], u[H], message[2H].
/// u = q^-1 mod p.  The device fields are all H bytes; the MSGTYPE_ADJUSTMENT of 8 bytes
/// the spec mentions belongs to the *ioctl* buffers np_prime/bp_key/u_mult_inv (zcrypt.h:
/// "length(bp_key) = inputdatalength/2 + 8"), which the driver skips when copying
/// ("type04 extension (not needed in type50)", zcrypt_msgtype50.h) — see driver/.
struct CrbLayout {
  uint16_t keyblock_type;
  size_t half;  // H: bytes per key-part field (64/128/256)
  constexpr size_t p() const { return T50_FIELDS_OFFSET; }
  constexpr size_t q() const { return T50_FIELDS_OFFSET + half; }
  constexpr size_t dp() const { return T50_FIELDS_OFFSET + 2 * half; }
  constexpr size_t dq() const { return T50_FIELDS_OFFSET + 3 * half; }
  constexpr size_t u() const { return T50_FIELDS_OFFSET + 4 * half; }
  constexpr size_t message() const { return T50_FIELDS_OFFSET + 5 * half; }
  constexpr size_t message_size() const { return 2 * half; }
  constexpr size_t total() const { return T50_FIELDS_OFFSET + 7 * half; }
};

inline constexpr MebLayout MEB1{TYPE50_MEB1_FMT, 128};
inline constexpr MebLayout MEB2{TYPE50_MEB2_FMT, 256};
inline constexpr MebLayout MEB3{TYPE50_MEB3_FMT, 512};
inline constexpr CrbLayout CRB1{TYPE50_CRB1_FMT, 64};
inline constexpr CrbLayout CRB2{TYPE50_CRB2_FMT, 128};
inline constexpr CrbLayout CRB3{TYPE50_CRB3_FMT, 256};

static_assert(MEB1.total() == 400 && MEB2.total() == 784 && MEB3.total() == 1552);
static_assert(CRB1.total() == 464 && CRB2.total() == 912 && CRB3.total() == 1808);
static_assert(CRB2.total() == 0x390 && CRB3.total() == 0x710);  // MSGTYPE50_CRB*_MAX_MSG_SIZE

/// Largest type-50 request (MSGTYPE50_CRB3_MAX_MSG_SIZE).
inline constexpr size_t TYPE50_MAX_MSG_SIZE = CRB3.total();

// ---- Type-80 reply header (16 bytes) ----------------------------------------------------
//   u8 reserved1; u8 type (0x80); u16 len; u8 code (0x00); u8 reserved2[3];
//   u8 reserved3[8];
// The result follows the header; Linux reads it at `reply + len - outputdatalength`, so it
// must be right-justified and end at `len`.
inline constexpr uint8_t TYPE80_RSP_CODE = 0x80;
inline constexpr size_t HDR80_RESERVED1 = 0;
inline constexpr size_t HDR80_TYPE = 1;
inline constexpr size_t HDR80_LEN = 2;  // u16, whole reply length in bytes
inline constexpr size_t HDR80_CODE = 4;
inline constexpr size_t HDR80_RESERVED2 = 5;  // 3 bytes
inline constexpr size_t HDR80_RESERVED3 = 8;  // 8 bytes
inline constexpr size_t HDR80_SIZE = 16;
/// CEX3A_MAX_RESPONSE_SIZE: 512-byte result + type-80 header.
inline constexpr size_t CEX3A_MAX_RESPONSE_SIZE = 0x210;
static_assert(CEX3A_MAX_RESPONSE_SIZE == HDR80_SIZE + 512);

// ---- Type-82/88 error reply header (8 bytes), struct error_hdr [K-zerr] ---------------
//   u8 reserved1; u8 type (0x82 or 0x88); u8 reserved2[2]; u8 reply_code;
//   u8 reserved3[3];
inline constexpr uint8_t TYPE82_RSP_CODE = 0x82;
inline constexpr uint8_t TYPE88_RSP_CODE = 0x88;
inline constexpr size_t ERRHDR_RESERVED1 = 0;
inline constexpr size_t ERRHDR_TYPE = 1;
inline constexpr size_t ERRHDR_RESERVED2 = 2;  // 2 bytes
inline constexpr size_t ERRHDR_REPLY_CODE = 4;
inline constexpr size_t ERRHDR_RESERVED3 = 5;  // 3 bytes
inline constexpr size_t ERRHDR_SIZE = 8;

// ---- Reply codes of error replies (spec §1.5; a namespace distinct from AP RCs) ------
inline constexpr uint8_t REP82_ERROR_MACHINE_FAILURE = 0x10;
inline constexpr uint8_t REP82_ERROR_PREEMPT_FAILURE = 0x12;
inline constexpr uint8_t REP82_ERROR_CHECKPT_FAILURE = 0x14;
inline constexpr uint8_t REP82_ERROR_MESSAGE_TYPE = 0x20;
inline constexpr uint8_t REP82_ERROR_INVALID_COMM_CD = 0x21;  // type 84
inline constexpr uint8_t REP82_ERROR_INVALID_MSG_LEN = 0x23;
inline constexpr uint8_t REP82_ERROR_RESERVD_FIELD = 0x24;  // was 0x50
inline constexpr uint8_t REP82_ERROR_FORMAT_FIELD = 0x29;
inline constexpr uint8_t REP82_ERROR_INVALID_COMMAND = 0x30;
inline constexpr uint8_t REP82_ERROR_MALFORMED_MSG = 0x40;
inline constexpr uint8_t REP82_ERROR_INVALID_SPECIAL_CMD = 0x41;
inline constexpr uint8_t REP82_ERROR_INVALID_DOMAIN_PRECHECK = 0x42;  // some copies only
inline constexpr uint8_t REP82_ERROR_RESERVED_FIELDO = 0x50;  // old value
inline constexpr uint8_t REP82_ERROR_WORD_ALIGNMENT = 0x60;
inline constexpr uint8_t REP82_ERROR_MESSAGE_LENGTH = 0x80;
inline constexpr uint8_t REP82_ERROR_OPERAND_INVALID = 0x82;
inline constexpr uint8_t REP82_ERROR_OPERAND_SIZE = 0x84;
inline constexpr uint8_t REP82_ERROR_EVEN_MOD_IN_OPND = 0x85;
inline constexpr uint8_t REP82_ERROR_RESERVED_FIELD = 0x88;
inline constexpr uint8_t REP82_ERROR_INVALID_DOMAIN_PENDING = 0x8A;
inline constexpr uint8_t REP82_ERROR_FILTERED_BY_HYPERVISOR = 0x8B;
inline constexpr uint8_t REP82_ERROR_TRANSPORT_FAIL = 0x90;
inline constexpr uint8_t REP82_ERROR_PACKET_TRUNCATED = 0xA0;
inline constexpr uint8_t REP82_ERROR_ZERO_BUFFER_LEN = 0xB0;

inline constexpr uint8_t REP88_ERROR_MODULE_FAILURE = 0x10;
inline constexpr uint8_t REP88_ERROR_MESSAGE_TYPE = 0x20;
inline constexpr uint8_t REP88_ERROR_MESSAGE_MALFORMD = 0x22;
inline constexpr uint8_t REP88_ERROR_MESSAGE_LENGTH = 0x23;
inline constexpr uint8_t REP88_ERROR_RESERVED_FIELD = 0x24;
inline constexpr uint8_t REP88_ERROR_KEY_TYPE = 0x34;
inline constexpr uint8_t REP88_ERROR_INVALID_KEY = 0x82;       // CEX2A
inline constexpr uint8_t REP88_ERROR_OPERAND = 0x84;           // CEX2A
inline constexpr uint8_t REP88_ERROR_OPERAND_EVEN_MOD = 0x85;  // CEX2A

}  // namespace apsim::arch
