// arch/msgtype6.h — the CEXxC/CEXxP message family: type-6 requests carrying a CCA CPRBX or
// an EP11 CPRB, and type-86 replies (type-82 error replies as in arch/msgtype50.h).
//
// Sources (read through the search tool at Kingxukai/linux @9b44fff655e2, v6.17-rc3):
//   drivers/s390/crypto/zcrypt_msgtype6.h   struct type6_hdr, type86_hdr, type86_fmt2_ext,
//                                           rng_type6cprb_msgx() (the "RL" random request)
//   drivers/s390/crypto/zcrypt_msgtype6.c   xcrb_msg_to_type6cprb_msgx,
//                                           xcrb_msg_to_type6_ep11cprb_msgx, type86x_reply,
//                                           convert_type86_xcrb/_rng/_ep11_xcrb,
//                                           speed_idx_cca / speed_idx_ep11
//   arch/s390/include/uapi/asm/zcrypt.h     struct CPRBX, struct ep11_cprb
//   drivers/s390/crypto/zcrypt_cca_key.h    t6_keyblock_hdr, cca_token_hdr, cca_public_sec,
//                                           cca_pvt_ext_crt_sec (clear RSA CRT key token)
//   drivers/s390/crypto/zcrypt_ccamisc.c    the CCA parameter-block idiom (subfunc_code,
//                                           rule_array_len, rule_array, length-prefixed blocks)
//   drivers/s390/crypto/zcrypt_ep11misc.c   struct pl_head, the ASN.1-like EP11 payload
//                                           (0x30 sequence, 0x04 octet strings), function
//                                           numbers 21 GenerateKey, 34 UnwrapKey, 38 get_xcp_info
//
// Everything is big-endian (the device "does *not* have 'Intel inside'"), so every layout is
// a set of byte offsets; read and write with arch/bits.h load_be*/store_be*.
//
// Where Linux does not define a layout (it passes user CPRBs through), this file says so and
// the layout is the model's own, built in the same idiom: the CCA verbs "PI" (PKA key import,
// CSNDPKI-like) and "SG" (digital signature generate, CSNDDSG-like), the internal (secure)
// RSA key token, the EP11 GenerateRandom / GenerateKeyPair / SignSingle payloads and the EP11
// key blob.  Their two-letter CCA codes are ones zcrypt's speed_idx_cca() lists ("PI" 0x5049
// and "SG" 0x5347 are HIGH, "RL" 0x524C is MEDIUM), and the EP11 function numbers follow the
// EP11 host library numbering that speed_idx_ep11() classifies (4 MEDIUM; 22, 31 HIGH).
#pragma once

#include <cstddef>
#include <cstdint>

namespace apsim::arch {

// ======================================================================================
// Type-6 request header (struct type6_hdr, 88 bytes = 0x58)
//   u8 reserved1; u8 type (0x06); u8 reserved2[2]; u8 right[4]; u8 reserved3[2];
//   u8 reserved4[2]; u8 apfs[4]; u32 offset1 (0x58: the CPRB); u32 offset2 (data block,
//   0 if none); u32 offset3, offset4; u8 agent_id[16] ("CA" CCA, "XC" EP11); u8 rqid[2];
//   u8 reserved5[2]; u8 function_code[2]; u8 reserved6[2]; u32 tocardlen1..4;
//   u32 fromcardlen1..4.
// ======================================================================================
inline constexpr uint8_t TYPE6_TYPE_CODE = 0x06;
inline constexpr size_t T6_RESERVED1 = 0;
inline constexpr size_t T6_TYPE = 1;
inline constexpr size_t T6_RESERVED2 = 2;      // 2 bytes
inline constexpr size_t T6_RIGHT = 4;          // 4 bytes
inline constexpr size_t T6_RESERVED3 = 8;      // 2 bytes
inline constexpr size_t T6_RESERVED4 = 10;     // 2 bytes
inline constexpr size_t T6_APFS = 12;          // 4 bytes
inline constexpr size_t T6_OFFSET1 = 16;       // u32
inline constexpr size_t T6_OFFSET2 = 20;       // u32
inline constexpr size_t T6_OFFSET3 = 24;       // u32
inline constexpr size_t T6_OFFSET4 = 28;       // u32
inline constexpr size_t T6_AGENT_ID = 32;      // 16 bytes
inline constexpr size_t T6_AGENT_ID_SIZE = 16;
inline constexpr size_t T6_RQID = 48;          // 2 bytes
inline constexpr size_t T6_RESERVED5 = 50;     // 2 bytes
inline constexpr size_t T6_FUNCTION_CODE = 52; // 2 bytes (CCA: the parm block's subfunction)
inline constexpr size_t T6_RESERVED6 = 54;     // 2 bytes
inline constexpr size_t T6_TOCARDLEN1 = 56;    // u32: request CPRB + parameter block
inline constexpr size_t T6_TOCARDLEN2 = 60;    // u32: request data block
inline constexpr size_t T6_TOCARDLEN3 = 64;
inline constexpr size_t T6_TOCARDLEN4 = 68;
inline constexpr size_t T6_FROMCARDLEN1 = 72;  // u32: room for the reply CPRB + parameters
inline constexpr size_t T6_FROMCARDLEN2 = 76;  // u32: room for the reply data block
inline constexpr size_t T6_FROMCARDLEN3 = 80;
inline constexpr size_t T6_FROMCARDLEN4 = 84;
inline constexpr size_t TYPE6_HDR_SIZE = 88;
inline constexpr uint32_t TYPE6_CPRB_OFFSET = 0x58;  // offset1 of every request

/// agent_id[0..1]: 'C','A' (0x4341) for CCA requests, 'X','C' (0x5843) for EP11 requests.
inline constexpr uint16_t TYPE6_AGENT_CCA = 0x4341;
inline constexpr uint16_t TYPE6_AGENT_EP11 = 0x5843;

/// CEIL4 of zcrypt_msgtype6.c: CPRB blocks are padded to 4 bytes in the message.
constexpr size_t ceil4(size_t x) { return (x + 3) / 4 * 4; }

// ======================================================================================
// CPRBX (CCA connectivity programming request/reply block, 220 = 0xDC bytes)
// ======================================================================================
inline constexpr size_t CPRBX_CPRB_LEN = 0;       // u16, 0x00DC
inline constexpr size_t CPRBX_CPRB_VER_ID = 2;    // u8, 0x02
inline constexpr size_t CPRBX_CTFM = 3;           // u8, command type filtering mask
inline constexpr size_t CPRBX_PAD_000 = 4;        // 2 bytes
inline constexpr size_t CPRBX_FUNC_ID = 6;        // 2 bytes, "T2" (0x5432) usage, T3/T5..T7 admin
inline constexpr size_t CPRBX_CPRB_FLAGS = 8;     // 4 bytes
inline constexpr size_t CPRBX_REQ_PARML = 12;     // u32: request parameter block length
inline constexpr size_t CPRBX_REQ_DATAL = 16;     // u32
inline constexpr size_t CPRBX_RPL_MSGBL = 20;     // u32: reply message block length
inline constexpr size_t CPRBX_RPLD_PARML = 24;    // u32: replied parameter block length
inline constexpr size_t CPRBX_RPL_DATAL = 28;     // u32: reply data block length (room)
inline constexpr size_t CPRBX_RPLD_DATAL = 32;    // u32: replied data block length
inline constexpr size_t CPRBX_REQ_EXTBL = 36;     // u32
inline constexpr size_t CPRBX_PAD_001 = 40;       // 4 bytes
inline constexpr size_t CPRBX_RPLD_EXTBL = 44;    // u32
inline constexpr size_t CPRBX_POINTERS = 48;      // 6 x 16-byte 'addresses' (mean nothing)
inline constexpr size_t CPRBX_CCP_RTCODE = 144;   // u16: server return code
inline constexpr size_t CPRBX_CCP_RSCODE = 146;   // u16: server reason code
inline constexpr size_t CPRBX_MAC_DATA_LEN = 148; // u32
inline constexpr size_t CPRBX_LOGON_ID = 152;     // 8 bytes
inline constexpr size_t CPRBX_MAC_VALUE = 160;    // 8 bytes
inline constexpr size_t CPRBX_MAC_CONTENT_FLGS = 168;
inline constexpr size_t CPRBX_PAD_008 = 169;
inline constexpr size_t CPRBX_DOMAIN = 170;       // u16: the usage domain
inline constexpr size_t CPRBX_PAD_009 = 172;      // 12 bytes, "reserved, checked for zeros"
inline constexpr size_t CPRBX_PAD_009_SIZE = 12;
inline constexpr size_t CPRBX_PAD_010 = 184;      // 36 bytes reserved
inline constexpr size_t CPRBX_SIZE = 220;
inline constexpr uint8_t CPRBX_VERSION = 0x02;
/// func_id, the CPRB minor version: "T2" marks a usage request, "T3", "T5", "T6" and "T7" an
/// administrative one (xcrb_msg_to_type6cprb_msgx sets AP_MSG_FLAG_USAGE or AP_MSG_FLAG_ADMIN
/// from it, zcrypt_msgtype6.c; _zcrypt_send_cprb then checks an admin request's `domain`
/// against the ADM).
inline constexpr uint16_t CPRBX_FUNC_ID_T2 = 0x5432;
inline constexpr uint16_t CPRBX_FUNC_ID_T3 = 0x5433;
inline constexpr uint16_t CPRBX_FUNC_ID_T5 = 0x5435;
inline constexpr uint16_t CPRBX_FUNC_ID_T6 = 0x5436;
inline constexpr uint16_t CPRBX_FUNC_ID_T7 = 0x5437;
/// Whether a CPRBX func_id marks an administrative request (AP_MSG_FLAG_ADMIN).
constexpr bool cprbx_func_id_is_admin(uint16_t func_id) {
  return func_id == CPRBX_FUNC_ID_T3 || func_id == CPRBX_FUNC_ID_T5 || func_id == CPRBX_FUNC_ID_T6 ||
         func_id == CPRBX_FUNC_ID_T7;
}
static_assert(CPRBX_SIZE == 0xDC);

// ---- CCA parameter blocks (after the CPRBX, req_parml bytes) ----------------------------
// Idiom of zcrypt_msgtype6.c / zcrypt_ccamisc.c:
//   u8 subfunc_code[2]; u16 rule_array_len (2 + 8 * rules); char rule_array[8 * rules];
//   then length-prefixed blocks, each `u16 len` counting itself:
//     VUD block (verb unique data)       u16 len; u8 data[len - 2]
//     key block                          u16 blen; u16 ulen; u16 flags; u8 token[blen - 6]
//   (t6_keyblock_hdr: blen = token + 6, ulen = token + 4; an empty key block is `u16 2`).
inline constexpr size_t CCA_PARM_SUBFUNC = 0;       // 2 bytes
inline constexpr size_t CCA_PARM_RULE_LEN = 2;      // u16
inline constexpr size_t CCA_PARM_RULES = 4;         // 8 bytes each
inline constexpr size_t CCA_RULE_SIZE = 8;
inline constexpr size_t T6_KEYBLOCK_HDR_SIZE = 6;   // struct t6_keyblock_hdr {blen, ulen, flags}

/// Subfunction (function) codes, ASCII, as u16.
inline constexpr uint16_t CCA_FC_RNG = 0x524C;      // "RL": CSNBRNG/CSNBRNGL (rng_type6cprb_msgx)
inline constexpr uint16_t CCA_FC_PKA_IMPORT = 0x5049;  // "PI": CSNDPKI-like (model layout)
inline constexpr uint16_t CCA_FC_DSG = 0x5347;      // "SG": CSNDDSG-like (model layout)
inline constexpr uint16_t CCA_FC_PKD = 0x5044;      // "PD": PKA decrypt (zcrypt ICA CRT path)
inline constexpr uint16_t CCA_FC_PKE = 0x504B;      // "PK": PKA encrypt (zcrypt ICA ME path)
inline constexpr uint16_t CCA_FC_FQ = 0x4651;       // "FQ": CSUACFQ facility query (LOW)

/// The "RL" request as rng_type6cprb_msgx builds it: after the CPRBX
///   char function_code[2] "RL"; short rule_length 0x0a; char rule[8] "RANDOM  ";
///   short verb_length 2; short key_length 2.
/// hdr.fromcardlen2 and cprbx.rpl_datal carry the number of random bytes wanted.
inline constexpr size_t CCA_RNG_PARM_SIZE = 16;
inline constexpr size_t CCA_RNG_MSG_SIZE = TYPE6_HDR_SIZE + CPRBX_SIZE + CCA_RNG_PARM_SIZE;  // 324
/// ZCRYPT_RNG_BUFFER_SIZE: what zcrypt's hwrng asks for per request.
inline constexpr uint32_t ZCRYPT_RNG_BUFFER_SIZE = 4096;
/// Largest random block the model's firmware returns per request (modeling choice: two of
/// zcrypt's buffers; the card's real limit is not public).
inline constexpr uint32_t CCA_RNG_MAX_BYTES = 8192;

// ---- "FQ" cryptographic facility query (CSUACFQ) -----------------------------------------
// The request as zcrypt_ccamisc.c cca_query_crypto_facility builds it (struct fqreqparm):
//   char subfunc_code[2] "FQ"; u16 rule_array_len 10; char rule_array[8] (the keyword);
//   struct lv1 { u16 len = 2 + VARDATASIZE; u8 data[VARDATASIZE]; }; u16 dummylen 2;
// req_parml = the whole block (4112 bytes), rpl_msgbl = CPRBX + the block (alloc_and_prep_
// cprbmem's cprbplusparamblen).  The reply parameter block (struct fqrepparm): "FQ", then
// length-prefixed blocks, each u16 len counting itself: the rule array (8-byte elements),
// the verb data, and (model) an empty key block u16 2.  Linux reads the first two.
inline constexpr size_t CCA_VARDATASIZE = 4096;  // VARDATASIZE of zcrypt_ccamisc.c
inline constexpr size_t CCA_FQ_REQ_PARM_SIZE = 2 + 2 + CCA_RULE_SIZE + 2 + CCA_VARDATASIZE + 2;  // 4112

/// The FQ keywords zcrypt's cca_get_info (fetch_cca_info in 6.1) sends.
inline constexpr char CCA_FQ_STATICSA[] = "STATICSA";  // serial, ASYM and AES master-key registers
inline constexpr char CCA_FQ_STATICSB[] = "STATICSB";  // STATICSA's data and the APKA registers

/// STATICSA/STATICSB rule-array elements (0-based; the byte offset is 8 times the index),
/// as cca_get_info reads them: element 0 the serial number (8 characters), then the state
/// of each master-key register as a digit left-justified in its 8 bytes.  Elements 1..3
/// (the DES "SYM" registers) are not read by Linux; which register they hold is the model's
/// reading of CCA's element order (STATCCA lists NMK, CMK, OMK).
inline constexpr size_t CCA_FQ_RULE_SERIAL = 0;
inline constexpr size_t CCA_FQ_RULE_SYM_NEW = 1, CCA_FQ_RULE_SYM_CUR = 2, CCA_FQ_RULE_SYM_OLD = 3;
inline constexpr size_t CCA_FQ_RULE_ASYM_NEW = 4, CCA_FQ_RULE_ASYM_CUR = 5, CCA_FQ_RULE_ASYM_OLD = 6;
inline constexpr size_t CCA_FQ_RULE_AES_NEW = 7, CCA_FQ_RULE_AES_CUR = 8, CCA_FQ_RULE_AES_OLD = 9;
inline constexpr size_t CCA_FQ_RULE_APKA_NEW = 10, CCA_FQ_RULE_APKA_CUR = 11, CCA_FQ_RULE_APKA_OLD = 12;
/// Rule-array elements and verb-data bytes of each keyword: the least cca_get_info accepts
/// (rlen >= 10 * 8 && vlen >= 204; rlen >= 13 * 8 && vlen >= 240), which the model returns.
inline constexpr size_t CCA_STATICSA_RULES = 10, CCA_STATICSA_VERB_DATA = 204;
inline constexpr size_t CCA_STATICSB_RULES = 13, CCA_STATICSB_VERB_DATA = 240;
/// Register states (the rule-array digits): a NEW register is empty, partially full or full;
/// a CURRENT or OLD register invalid (clear) or valid.
inline constexpr char CCA_MK_NEW_EMPTY = '1', CCA_MK_NEW_PARTIAL = '2', CCA_MK_NEW_FULL = '3';
inline constexpr char CCA_MK_INVALID = '1', CCA_MK_VALID = '2';
/// Verb data: blocks {u16 len (counting itself), u16 id, value} in this order (IBM's CCA
/// documentation of STATICSA/STATICSB; ids of the SYM MDC-4 blocks as documented, the
/// others the model's).  Linux reads the values at the offsets marked *:
///   0 SYM OMK MDC-4 (16)   20 SYM CMK MDC-4 (16)    40 SYM NMK MDC-4 (16)
///  60 ASYM OMK (16) *64    80 ASYM CMK (16) *84    100 ASYM NMK (16) *104
/// 120..167: four 12-byte blocks the model returns zero-valued (fields of IBM's table this
///          model does not know)
/// 168 AES OMK VP (8) *172 180 AES CMK VP (8) *184  192 AES NMK VP (8) *196   (204: STATICSA)
/// 204 APKA OMK VP (8) *208 216 APKA CMK VP (8) *220 228 APKA NMK VP (8) *232 (240: STATICSB)
inline constexpr size_t CCA_FQ_VD_ASYM_OLD = 64, CCA_FQ_VD_ASYM_CUR = 84, CCA_FQ_VD_ASYM_NEW = 104;
inline constexpr size_t CCA_FQ_VD_AES_OLD = 172, CCA_FQ_VD_AES_CUR = 184, CCA_FQ_VD_AES_NEW = 196;
inline constexpr size_t CCA_FQ_VD_APKA_OLD = 208, CCA_FQ_VD_APKA_CUR = 220, CCA_FQ_VD_APKA_NEW = 232;
inline constexpr size_t CCA_ASYM_MKVP_SIZE = 16;  // ASYM hash pattern (MDC-4 in CCA)
inline constexpr size_t CCA_MKVP_SIZE = 8;        // AES and APKA verification patterns
inline constexpr uint16_t CCA_FQ_VD_ID_SYM_OMK_MDC4 = 0x0F02, CCA_FQ_VD_ID_SYM_CMK_MDC4 = 0x0F01;

// ---- CCA key tokens (zcrypt_cca_key.h and the model's internal token) -----------------
// struct cca_token_hdr: u8 token_identifier; u8 version; u16 token_length; u8 reserved[4].
inline constexpr size_t CCA_TKN_HDR_SIZE = 8;
inline constexpr size_t CCA_TKN_ID = 0;
inline constexpr size_t CCA_TKN_VERSION = 1;
inline constexpr size_t CCA_TKN_LENGTH = 2;   // u16: whole token
inline constexpr uint8_t CCA_TKN_HDR_ID_EXT = 0x1E;  // external (clear) token
inline constexpr uint8_t CCA_TKN_HDR_ID_INT = 0x1F;  // internal (secure) token

// struct cca_pvt_ext_crt_sec (clear RSA CRT private section, id 0x08, 132 bytes), then
// p (p_len), q, dp, dq, u, pad (pad_len), modulus (mod_len).  zcrypt fills the modulus with
// 0xFF ("doesn't appear"); the model's PKA import reads the real modulus there.
inline constexpr uint8_t CCA_PVT_EXT_CRT_SEC_ID_PVT = 0x08;
inline constexpr uint8_t CCA_PVT_EXT_CRT_SEC_FMT_CL = 0x40;
inline constexpr uint8_t CCA_PVT_USAGE_ALL = 0x80;
inline constexpr size_t CCA_CRT_SEC_ID = 0;
inline constexpr size_t CCA_CRT_SEC_LENGTH = 2;       // u16: section incl. key parts
inline constexpr size_t CCA_CRT_SEC_KEY_FORMAT = 28;
inline constexpr size_t CCA_CRT_SEC_KEY_USE_FLAGS = 50;  // 4 bytes
inline constexpr size_t CCA_CRT_SEC_P_LEN = 54;       // u16 each: p, q, dp, dq, u, mod
inline constexpr size_t CCA_CRT_SEC_Q_LEN = 56;
inline constexpr size_t CCA_CRT_SEC_DP_LEN = 58;
inline constexpr size_t CCA_CRT_SEC_DQ_LEN = 60;
inline constexpr size_t CCA_CRT_SEC_U_LEN = 62;
inline constexpr size_t CCA_CRT_SEC_MOD_LEN = 64;
inline constexpr size_t CCA_CRT_SEC_PAD_LEN = 70;     // u16
inline constexpr size_t CCA_CRT_SEC_SIZE = 132;

// struct cca_public_sec (id 0x04, 12 bytes) followed by the exponent (exponent_len) and,
// in a public or the model's internal token, the modulus (modulus_byte_len).
inline constexpr uint8_t CCA_PUB_SEC_ID = 0x04;
inline constexpr size_t CCA_PUB_SEC_ID_OFF = 0;
inline constexpr size_t CCA_PUB_SEC_LENGTH = 2;       // u16: section incl. exponent, modulus
inline constexpr size_t CCA_PUB_SEC_EXP_LEN = 6;      // u16
inline constexpr size_t CCA_PUB_SEC_MOD_BITS = 8;     // u16
inline constexpr size_t CCA_PUB_SEC_MOD_BYTES = 10;   // u16
inline constexpr size_t CCA_PUB_SEC_SIZE = 12;

/// The model's internal (secure) RSA CRT private section — CCA's AES-protected CRT section
/// has id 0x31; its real layout is not public, so this one is the model's:
///   u8 section_identifier (0x31); u8 version (0); u16 section_length;
///   u8 mkvp[8]  (master-key verification pattern of the wrapping master key);
///   u8 key_use_flags[4]; u16 mod_len; u16 wrapped_len; u8 reserved[4];
///   u8 wrapped[wrapped_len]: AES-256 key wrap with padding (RFC 5649) under the domain's
///      AES master key of   u16 p_len,q_len,dp_len,dq_len,u_len ‖ p ‖ q ‖ dp ‖ dq ‖ u.
/// An internal token = cca_token_hdr (0x1F) + this section + cca_public_sec with exponent
/// and modulus.
inline constexpr uint8_t CCA_PVT_INT_CRT_AES_SEC_ID = 0x31;
inline constexpr size_t CCA_INT_SEC_ID = 0;
inline constexpr size_t CCA_INT_SEC_LENGTH = 2;
inline constexpr size_t CCA_INT_SEC_MKVP = 4;         // 8 bytes
inline constexpr size_t CCA_INT_SEC_MKVP_SIZE = 8;
inline constexpr size_t CCA_INT_SEC_KEY_USE_FLAGS = 12;  // 4 bytes
inline constexpr size_t CCA_INT_SEC_MOD_LEN = 16;     // u16
inline constexpr size_t CCA_INT_SEC_WRAPPED_LEN = 18; // u16
inline constexpr size_t CCA_INT_SEC_WRAPPED = 24;
inline constexpr size_t CCA_INT_SEC_HDR_SIZE = 24;

// ---- "PI" PKA key import (model layout, CSNDPKI-like) -----------------------------------
//   request parm:  "PI"; rule_array_len 2 (no rules); VUD u16 2 (empty);
//                  key block: t6_keyblock_hdr + external CRT token (zcrypt_type6_crt_key's
//                  layout with the real modulus) + cca_public_sec + exponent.
//   reply parm:    "PI"; u16 2; VUD u16 2; key block: t6_keyblock_hdr + internal token.
// ---- "SG" digital signature generate (model layout, CSNDDSG-like) -----------------------
//   request parm:  "SG"; rules "PKCS-1.1" and one hash rule "SHA-256 " | "SHA-384 " |
//                  "SHA-512 " (in any order); VUD: u16 len + the hash; key block:
//                  t6_keyblock_hdr + internal token.
//   reply parm:    "SG"; u16 2; VUD: u16 len + the signature (modulus length); key block u16 2.
//   The signature is RSASSA-PKCS1-v1_5 (EMSA-PKCS1-v1_5 with the hash's DigestInfo).

/// CCA return/reason codes the model's firmware puts in ccp_rtcode/ccp_rscode.  Only the
/// pairs zcrypt's convert_type86_ica treats as "malformed request" (8/65, 8/66, 8/72,
/// 8/770, 12/769) are known from a public source; which condition yields which is the
/// model's choice (the CCA manual's tables are not in our sources).
inline constexpr uint16_t CCA_RC_OK = 0;
inline constexpr uint16_t CCA_RC_ERROR = 8;
inline constexpr uint16_t CCA_RS_RULE_ARRAY = 33;        // rule array keyword not valid
inline constexpr uint16_t CCA_RS_MKVP_MISMATCH = 48;     // token not wrapped under this domain's MK
inline constexpr uint16_t CCA_RS_KEY_INCONSISTENT = 65;  // imported key parts inconsistent
inline constexpr uint16_t CCA_RS_DATA_LENGTH = 66;       // VUD/hash length not valid
inline constexpr uint16_t CCA_RS_KEY_TOKEN_INVALID = 72; // token malformed or unwrap failed

// ======================================================================================
// Type-86 reply (struct type86_hdr, 8 bytes + struct type86_fmt2_ext, 40 bytes)
//   hdr:  u8 reserved1; u8 type (0x86); u8 format (0x02 ok, 0x01 error); u8 reserved2;
//         u8 reply_code; u8 reserved3[3]
//   fmt2: u8 reserved[4]; u8 apfs[4]; u32 count1 (CPRB + parameters); u32 offset1 (to the
//         CPRB); u32 count2 (data block); u32 offset2; u32 count3, offset3, count4, offset4
// zcrypt_msgtype6_receive accepts an XCRB/EP11 reply iff its length equals
// offset2 + count2 (count2 != 0) or offset1 + count1.
// ======================================================================================
inline constexpr uint8_t TYPE86_RSP_CODE = 0x86;
inline constexpr uint8_t TYPE87_RSP_CODE = 0x87;
inline constexpr uint8_t TYPE86_FMT2 = 0x02;
inline constexpr size_t T86_TYPE = 1;
inline constexpr size_t T86_FORMAT = 2;
inline constexpr size_t T86_REPLY_CODE = 4;
inline constexpr size_t T86_HDR_SIZE = 8;
inline constexpr size_t T86_FMT2_APFS = 8 + 4;
inline constexpr size_t T86_FMT2_COUNT1 = 8 + 8;
inline constexpr size_t T86_FMT2_OFFSET1 = 8 + 12;
inline constexpr size_t T86_FMT2_COUNT2 = 8 + 16;
inline constexpr size_t T86_FMT2_OFFSET2 = 8 + 20;
inline constexpr size_t T86_FMT2_SIZE = 8 + 40;   // header + fmt2 extension = 48
/// Where the reply CPRB starts in the model's replies (directly after the extension).
inline constexpr uint32_t TYPE86_CPRB_OFFSET = 48;
/// CEXXC_MAX_ICA_RESPONSE_SIZE: max size of a type-86 v2 reply zcrypt expects for ICA.
inline constexpr size_t CEXXC_MAX_ICA_RESPONSE_SIZE = 0x77c;

// ======================================================================================
// EP11 CPRB (struct ep11_cprb, 32 bytes) and payload
//   u16 cprb_len (0x20); u8 cprb_ver_id (0x04); u8 pad_000[2]; u8 flags (0x80 admin,
//   0x20 special); u8 func_id[2] ("T4"); u32 source_id; u32 target_id (the domain);
//   u32 ret_code; u32 reserved1; u32 reserved2; u32 payload_len.
// The payload follows: tag 0x30, a length (BER: < 0x80 one byte, 0x81 + 1, 0x82 + 2 bytes),
// then `04 04 u32 function` ((api << 16) + function number), `04 04 u32 domain`, then the
// function's parameters as 0x04 octet strings with BER lengths.  A reply payload adds
// `04 04 u32 rc` (a PKCS #11 CK_RV) after the domain, then its output strings.
// ======================================================================================
inline constexpr size_t EP11_CPRB_LEN = 0;       // u16
inline constexpr size_t EP11_CPRB_VER_ID = 2;    // u8, 0x04
inline constexpr size_t EP11_CPRB_PAD_000 = 3;   // 2 bytes
inline constexpr size_t EP11_CPRB_FLAGS = 5;     // u8
inline constexpr size_t EP11_CPRB_FUNC_ID = 6;   // 2 bytes "T4"
inline constexpr size_t EP11_CPRB_SOURCE_ID = 8; // u32
inline constexpr size_t EP11_CPRB_TARGET_ID = 12;// u32
inline constexpr size_t EP11_CPRB_RET_CODE = 16; // u32
inline constexpr size_t EP11_CPRB_RESERVED1 = 20;
inline constexpr size_t EP11_CPRB_RESERVED2 = 24;
inline constexpr size_t EP11_CPRB_PAYLOAD_LEN = 28;  // u32
inline constexpr size_t EP11_CPRB_SIZE = 32;
inline constexpr uint8_t EP11_CPRB_VERSION = 0x04;
inline constexpr uint16_t EP11_CPRB_FUNC_ID_T4 = 0x5434;
/// flags 0x80: an administrative request (xcrb_msg_to_type6_ep11cprb_msgx sets
/// AP_MSG_FLAG_ADMIN; _zcrypt_send_ep11_cprb checks its target_id against the ADM).
inline constexpr uint8_t EP11_CPRB_FLAG_ADMIN = 0x80;
inline constexpr uint8_t EP11_CPRB_FLAG_SPECIAL = 0x20;
inline constexpr uint8_t EP11_PAYLOAD_TAG = 0x30;
inline constexpr uint8_t EP11_OCTET_TAG = 0x04;
/// EP11 API ordinals used by zcrypt_ep11misc.c.
inline constexpr uint32_t EP11_API_V1 = 1;
inline constexpr uint32_t EP11_API_V4 = 4;
inline constexpr uint32_t EP11_API_V6 = 6;

/// EP11 function numbers (EP11 host library numbering; 21/34/38 as zcrypt_ep11misc.c uses
/// them, the zcrypt speed_idx_ep11 classes in brackets).
inline constexpr uint32_t EP11_FN_GENERATE_RANDOM = 4;    // m_GenerateRandom     [MEDIUM]
inline constexpr uint32_t EP11_FN_GENERATE_KEY = 21;      // m_GenerateKey        [HIGH]
inline constexpr uint32_t EP11_FN_GENERATE_KEY_PAIR = 22; // m_GenerateKeyPair    [HIGH]
inline constexpr uint32_t EP11_FN_SIGN_SINGLE = 31;       // m_SignSingle         [HIGH]
inline constexpr uint32_t EP11_FN_UNWRAP_KEY = 34;        // m_UnwrapKey          [HIGH]
inline constexpr uint32_t EP11_FN_GET_XCP_INFO = 38;      // m_get_xcp_info       [LOW]

// ---- get_xcp_info (function 38), as zcrypt_ep11misc.c ep11_query_info sends it ----------
//   request: API 1; 04 04 u32 query_type; 04 04 u32 query_subtype (0);
//   reply:   rc; 04 82 u16 n data[n] (struct ep11_info_rep_pl: Linux wants the 0x82 form
//            and n <= its buffer, else -EIO / -ENOSPC).
inline constexpr uint32_t EP11_QUERY_MODULE_INFO = 0x01;  // ep11_get_card_info
inline constexpr uint32_t EP11_QUERY_DOMAIN_INFO = 0x03;  // ep11_get_domain_info
/// The module information (struct ep11_module_query_info of ep11_get_card_info, 196 bytes,
/// big-endian): the fields Linux reads and their offsets.
inline constexpr size_t EP11_MQI_API_ORD_NR = 0;      // u32
inline constexpr size_t EP11_MQI_FIRMWARE_ID = 4;     // u32
inline constexpr size_t EP11_MQI_FW_MAJOR = 8;        // u8
inline constexpr size_t EP11_MQI_FW_MINOR = 9;        // u8
inline constexpr size_t EP11_MQI_CSP_MAJOR = 10;      // u8
inline constexpr size_t EP11_MQI_CSP_MINOR = 11;      // u8
inline constexpr size_t EP11_MQI_SERIAL = 108;        // 16 ASCII characters, no NUL
inline constexpr size_t EP11_MQI_SERIAL_SIZE = 16;
inline constexpr size_t EP11_MQI_OP_MODE = 140;       // u64
inline constexpr size_t EP11_MQI_DOMAINS = 156;       // u32
inline constexpr size_t EP11_MQI_SIZE = 196;
/// The domain information (struct ep11_domain_query_info of ep11_get_domain_info, 80 bytes).
inline constexpr size_t EP11_DQI_DOM_INDEX = 0;       // u32
inline constexpr size_t EP11_DQI_CUR_WKVP = 4;        // 32 bytes
inline constexpr size_t EP11_DQI_NEW_WKVP = 36;       // 32 bytes
inline constexpr size_t EP11_DQI_WKVP_SIZE = 32;
inline constexpr size_t EP11_DQI_FLAGS = 68;          // u32
inline constexpr size_t EP11_DQI_OP_MODE = 72;        // u64
inline constexpr size_t EP11_DQI_SIZE = 80;
/// dom_flags bits ep11_get_domain_info tests.
inline constexpr uint32_t EP11_DOM_CUR_WK_VALID = 0x02;
inline constexpr uint32_t EP11_DOM_NEW_WK_PRESENT = 0x04;
inline constexpr uint32_t EP11_DOM_NEW_WK_COMMITTED = 0x08;
inline constexpr uint32_t EP11_DOM_IMPRINT_LEFT = 0x10;  // "left imprint mode"
/// op_mode bits (zcrypt_cex4.c ep11_op_modes[]): 0 FIPS2009, 1 BSI2009, 2 FIPS2011,
/// 3 BSI2011, 6 BSICC2017 in 6.1; newer kernels name 4 SIGG-IMPORT, 5 SIGG, 7 FIPS2021,
/// 8 FIPS2024 as well.
inline constexpr uint64_t EP11_OP_MODE_FIPS2009 = 1ull << 0;
inline constexpr uint64_t EP11_OP_MODE_FIPS2011 = 1ull << 2;
inline constexpr uint64_t EP11_OP_MODE_FIPS2021 = 1ull << 7;

// ---- the model's EP11 function payloads (after the function and domain fields) --------
//   GenerateRandom   request: 04 04 u32 length (1..CCA_RNG_MAX_BYTES)
//                    reply:   rc; 04 82 u16 n random[n]
//   GenerateKeyPair  request: 04 04 u32 mechanism (CKM_RSA_PKCS_KEY_PAIR_GEN);
//                             04 L public template; 04 L private template; 04 00 (pin)
//                    template: u32 header 0x10nn0000 (nn = attribute pairs); u32 bool mask;
//                              u32 bool bits; nn x (u32 type, u32 value)  (the layout of
//                              _ep11_genaeskey's attributes); public: CKA_MODULUS_BITS
//                              (1024..4096) and optionally CKA_PUBLIC_EXPONENT (65537)
//                    reply:   rc; 04 82 u16 n private key blob; 04 82 u16 m SPKI (DER)
//   SignSingle       request: 04 04 u32 mechanism (CKM_SHA256_RSA_PKCS / CKM_SHA512_RSA_PKCS
//                             hash the data; CKM_RSA_PKCS signs a DigestInfo given as data);
//                             04 L key blob; 04 L data
//                    reply:   rc; 04 82 u16 n signature
inline constexpr uint32_t CKM_RSA_PKCS_KEY_PAIR_GEN = 0x00000000;
inline constexpr uint32_t CKM_RSA_PKCS = 0x00000001;
inline constexpr uint32_t CKM_SHA256_RSA_PKCS = 0x00000040;
inline constexpr uint32_t CKM_SHA512_RSA_PKCS = 0x00000042;
inline constexpr uint32_t CKA_MODULUS_BITS = 0x00000121;
inline constexpr uint32_t CKA_PUBLIC_EXPONENT = 0x00000122;
/// Boolean key attributes of an EP11 blob (XCP_BLOB_*; zcrypt_ep11misc.c uses 0x00006c00 =
/// EN/DECRYPT, WRAP/UNWRAP and 0x00200c00).  SIGN is 0x0100 in that numbering.
inline constexpr uint32_t XCP_BLOB_SIGN = 0x00000100;
inline constexpr uint32_t XCP_BLOB_VERIFY = 0x00008000;
/// PKCS #11 return values the model's EP11 firmware uses.
inline constexpr uint32_t CKR_OK = 0x00000000;
inline constexpr uint32_t CKR_ARGUMENTS_BAD = 0x00000007;
inline constexpr uint32_t CKR_DATA_LEN_RANGE = 0x00000021;
inline constexpr uint32_t CKR_FUNCTION_NOT_SUPPORTED = 0x00000054;
inline constexpr uint32_t CKR_KEY_FUNCTION_NOT_PERMITTED = 0x00000068;
inline constexpr uint32_t CKR_MECHANISM_INVALID = 0x00000070;
inline constexpr uint32_t CKR_TEMPLATE_INCONSISTENT = 0x000000D1;
inline constexpr uint32_t CKR_WRAPPED_KEY_INVALID = 0x00000110;
inline constexpr uint32_t CKR_IBM_WKID_MISMATCH = 0x80010001;  // CKR_VENDOR_DEFINED + 0x10001

/// The model's EP11 key blob, shaped after Linux's struct ep11keyblob:
///   u8 session[32] (0); u8 wkvp[16] (verification pattern of the domain's wrapping key);
///   u64 attr (XCP_BLOB_* bits); u64 mode (the model's key type: 2 = RSA private);
///   u16 version (0x1234, EP11_STRUCT_MAGIC); u8 iv[14] (0);
///   u8 wrapped[n]: AES-256 key wrap with padding (RFC 5649) under the wrapping key of
///      u16 n_len,e_len,p_len,q_len,dp_len,dq_len,u_len ‖ n ‖ e ‖ p ‖ q ‖ dp ‖ dq ‖ u;
///   u8 mac[32]: HMAC-SHA-256 over everything before it, keyed from the wrapping key.
inline constexpr size_t EP11_BLOB_WKVP = 32;
inline constexpr size_t EP11_BLOB_WKVP_SIZE = 16;
inline constexpr size_t EP11_BLOB_ATTR = 48;
inline constexpr size_t EP11_BLOB_MODE = 56;
inline constexpr size_t EP11_BLOB_VERSION = 64;
inline constexpr size_t EP11_BLOB_WRAPPED = 80;
inline constexpr size_t EP11_BLOB_MAC_SIZE = 32;
inline constexpr uint16_t EP11_STRUCT_MAGIC = 0x1234;
inline constexpr uint64_t EP11_BLOB_MODE_RSA_PRIVATE = 2;

}  // namespace apsim::arch
