// driver/linux/zcrypt_msgtype6.h — zcrypt's CEXxC/CEXxP message family on the simulated CPU side:
// type-6 requests with a CCA CPRBX or an EP11 CPRB, and the readers of type-86 replies.
// Mirrors Linux drivers/s390/crypto/zcrypt_msgtype6.c (xcrb_msg_to_type6cprb_msgx,
// xcrb_msg_to_type6_ep11cprb_msgx, rng_type6cprb_msgx, convert_response_xcrb,
// convert_response_ep11_xcrb, convert_response_rng, zcrypt_msgtype6_receive) and the request
// builders of zcrypt_ccamisc.c / zcrypt_ep11misc.c (alloc_and_prep_cprbmem, prep_head, ...),
// read at Kingxukai/linux @9b44fff655e2.  Layouts: arch/msgtype6.h.
//
// User-space buffers become byte vectors.  Functions return 0 or -errno, like Linux.  No
// SystemC here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace apsim::driver {

using Bytes = std::vector<uint8_t>;

/// AUTOSELECT / AUTOSEL_AP / AUTOSEL_DOM of asm/zcrypt.h.
inline constexpr uint32_t AUTOSELECT = 0xFFFFFFFF;
inline constexpr uint16_t AUTOSEL_AP = 0xFFFF;
inline constexpr uint16_t AUTOSEL_DOM = 0xFFFF;
/// ap_msg->bufsize of a request: the AP bus' message buffer (AP_DEFAULT_MAX_MSG_SIZE).
inline constexpr size_t AP_DEFAULT_MAX_MSG_SIZE = 12 * 1024;

/// struct ica_xcRB (ZSECSENDCPRB): the user's request CPRB (+ parameter block) and data
/// block, and room for the reply.  The reply readers fill reply_control_blk/reply_data and
/// shrink the *_length fields to what the card returned.
struct ica_xcRB {
  uint16_t agent_ID = 0x4341;          ///< 'CA'
  uint32_t user_defined = AUTOSELECT;  ///< card number or AUTOSELECT
  uint16_t request_ID = 0;
  Bytes request_control_blk;           ///< CPRBX + request parameter block
  Bytes request_data;                  ///< request data block (may be empty)
  uint32_t reply_control_blk_length = 0;
  Bytes reply_control_blk;             ///< filled: reply CPRBX + reply parameter block
  uint32_t reply_data_length = 0;
  Bytes reply_data;                    ///< filled: reply data block
  uint16_t priority_window = 0;
  uint32_t status = 0;                 ///< 0x0008044D (HDD_InvalidParm) on a type-82 reply
};

/// struct ep11_urb (ZSENDEP11CPRB): one target, the request (EP11 CPRB + payload) and room
/// for the response.
struct ep11_urb {
  uint16_t ap_id = AUTOSEL_AP, dom_id = AUTOSEL_DOM;  ///< struct ep11_target_dev
  Bytes req;                                      ///< EP11 CPRB + payload
  uint64_t resp_len = 0;                          ///< room; shrunk to the response length
  Bytes resp;                                     ///< filled: response CPRB + payload
};

// ---- zcrypt_msgtype6.c ------------------------------------------------------------------

/// rng_type6cprb_msgx: the "RL" random-number request (324 bytes) for `random_number_length`
/// bytes, CPRB domain `domain` (zcrypt_msgtype6_rng sets the queue's domain there).
void rng_type6cprb_msgx(Bytes& msg, unsigned random_number_length, uint16_t domain);

/// xcrb_msg_to_type6cprb_msgx: type6_hdr + CEIL4(CPRB) + data block from an ica_xcRB.
/// `fcode` = the function code (the two bytes after the CPRB), `dom` = the CPRB's domain.
/// -EINVAL: the CPRB is shorter than its cprb_len + 2 or the message exceeds `bufsize`;
/// -EFAULT: request_control_blk shorter than 2 bytes.
int xcrb_msg_to_type6cprb_msgx(const ica_xcRB& xcrb, Bytes& msg, unsigned& fcode, uint16_t& dom,
                               size_t bufsize = AP_DEFAULT_MAX_MSG_SIZE);

/// xcrb_msg_to_type6_ep11cprb_msgx: type6_hdr ("XC", rqid 1) + CEIL4(request).  `fcode` =
/// the payload's function id & 0xFFFF, `domain` = the CPRB's target_id.  -EINVAL for an
/// unknown payload length format or an oversized message.
int xcrb_msg_to_type6_ep11cprb_msgx(const ep11_urb& xcrb, Bytes& msg, unsigned& fcode, unsigned& domain,
                                    size_t bufsize = AP_DEFAULT_MAX_MSG_SIZE);

/// What zcrypt_msgtype6_send_cprb does before queueing: set the CPRB's domain to the queue's
/// when the caller asked for AUTOSEL_DOM (zcrypt_api.c) — here unconditionally to `domain`.
void set_cprb_domain(Bytes& msg, uint16_t domain);

/// zcrypt_msgtype6_send_cprb's reply limit: fromcardlen1 and fromcardlen2 of the type-6
/// message `msg` each at most `max_payload` bytes (the queue's reply buffer less the type-86
/// headers), and fromcardlen1 pruned when their sum exceeds it.  -EINVAL when pruning
/// fromcardlen1 is not enough (Linux's check; unreachable once both are clamped) or `msg`
/// is shorter than its header.
int zcrypt_msgtype6_limit_reply(Bytes& msg, uint32_t max_payload);

/// zcrypt_msgtype6_send_ep11_cprb's reply limit: fromcardlen1 = `max_payload` (the queue's
/// reply buffer less the type-86 headers).  No-op for a message shorter than its header.
void zcrypt_msgtype6_set_ep11_reply_limit(Bytes& msg, uint32_t max_payload);

/// zcrypt_msgtype6_send_ep11_cprb: for non-administrative CPRBs, replace target_id and the
/// payload's domain field by the queue's domain.  -EINVAL for a bad payload length format.
int ep11_set_queue_domain(Bytes& msg, unsigned domain);

/// zcrypt_msgtype6_receive (XCRB/EP11 branch): a type-86 reply is accepted iff its length is
/// offset2 + count2 (count2 != 0) or offset1 + count1, else -EMSGSIZE.  Returns 0 for a
/// type-82/88 or any reply that passes.
int zcrypt_msgtype6_receive(const uint8_t* reply, size_t len);

/// convert_response_xcrb: type 82/88 → status 0x0008044D and convert_error(); type 86 with a
/// reply_code → convert_error(); CPRB version 2 → copy CPRB (count1 bytes at offset1) and
/// data (count2 at offset2) into the xcRB (-EMSGSIZE if larger than the room); anything else
/// → -EAGAIN ("unknown response type").
int convert_response_xcrb(const uint8_t* reply, size_t len, ica_xcRB& xcrb);

/// convert_response_ep11_xcrb: type 82/87 → convert_error(); type 86 with CPRB version 4 →
/// copy count1 bytes at offset1 into urb.resp (-EMSGSIZE if more than resp_len).
int convert_response_ep11_xcrb(const uint8_t* reply, size_t len, ep11_urb& urb);

/// convert_response_rng: the random bytes (count2 at offset2), or -EINVAL when the card
/// returned ccp_rtcode/rscode != 0 or an error reply.  Returns the byte count on success.
int convert_response_rng(const uint8_t* reply, size_t len, Bytes& data);

// ---- zcrypt_ccamisc.c side: CCA request CPRBs -------------------------------------------

/// alloc_and_prep_cprbmem for one request: a CPRBX ("T2", version 2) with `domain` and the
/// parameter block `parm` appended (req_parml = its size, rpl_msgbl = `reply_room`).
Bytes cca_prep_cprb(uint16_t domain, const Bytes& parm, uint32_t reply_room = 220 + 2048);

/// prep_xcrb (zcrypt_ccamisc.c): an ica_xcRB for the request CPRB + parameter block `cprb`
/// (cca_prep_cprb's): agent "CA", user_defined = `cardnr` (AUTOSELECT for AUTOSEL_AP), room
/// for the reply as the CPRB's rpl_msgbl says.
ica_xcRB prep_xcrb(uint16_t cardnr, const Bytes& cprb);

/// The clear external RSA CRT key token of zcrypt_type6_crt_key (cca_token_hdr 0x1E +
/// cca_pvt_ext_crt_sec 0x08 + p, q, dp, dq, u, pad, modulus + cca_public_sec + exponent),
/// with the real modulus.  Numbers big-endian; mod_len is n's length.
Bytes cca_ext_crt_token(const Bytes& n, const Bytes& e, const Bytes& p, const Bytes& q, const Bytes& dp,
                        const Bytes& dq, const Bytes& u);

/// "PI" PKA key import of an external token → an ica_xcRB ready for send.
ica_xcRB cca_pka_import_xcrb(uint16_t domain, const Bytes& ext_token);
/// "SG" digital signature generate (rules "PKCS-1.1" + hash_rule, e.g. "SHA-256 ") of
/// `hash` with internal token `token`.
ica_xcRB cca_dsg_xcrb(uint16_t domain, const char* hash_rule, const Bytes& hash, const Bytes& token);

/// The CCA return/reason codes of a reply CPRB (-EIO if it is too short).
int cca_reply_codes(const ica_xcRB& xcrb, uint16_t& rtcode, uint16_t& rscode);
/// The internal token of a "PI" reply; -EIO if the reply's rc != 0 or it is malformed.
int cca_pka_import_reply(const ica_xcRB& xcrb, Bytes& token);
/// The signature of an "SG" reply; -EIO if the reply's rc != 0 or it is malformed.  Assigns
/// into `signature` (no allocation when it has room: apbench's steady state, issue 13).
int cca_dsg_reply(const ica_xcRB& xcrb, Bytes& signature);

// ---- zcrypt_ep11misc.c side: EP11 requests ----------------------------------------------

/// alloc_cprbmem + prep_head: an EP11 CPRB ("T4", version 4, ret_code 0xFFFFFFFF) with a
/// payload `30 82 len  04 04 (api << 16 | function)  04 04 domain  params...`.
Bytes ep11_prep_request(uint16_t domain, uint32_t api, uint32_t function, const Bytes& params);
/// asn1tag_write(0x04, value): an octet string with a BER length (<= 2 length bytes).
void ep11_put_octets(Bytes& out, const uint8_t* v, size_t n);
void ep11_put_u32(Bytes& out, uint32_t v);

ep11_urb ep11_generate_random_urb(uint16_t domain, uint32_t n);
/// GenerateKeyPair: RSA `bits`, public exponent 65537, private key attributes `priv_attrs`
/// (XCP_BLOB_* bits, e.g. XCP_BLOB_SIGN).
ep11_urb ep11_generate_keypair_urb(uint16_t domain, uint32_t bits, uint32_t priv_attrs);
ep11_urb ep11_sign_single_urb(uint16_t domain, uint32_t mechanism, const Bytes& blob, const Bytes& data);

/// check_reply_cprb + check_reply_pl: the reply's CK_RV in `rv`, then its output octet
/// strings.  -EIO for a malformed reply or a non-zero CPRB ret_code (`outputs` then empty);
/// 0 otherwise (check rv).  `outputs` is resized to the count and each element assigned, so a
/// caller that reuses it allocates nothing once its elements have room (issue 13).
int ep11_parse_reply(const ep11_urb& urb, uint32_t& rv, std::vector<Bytes>& outputs);

}  // namespace apsim::driver
