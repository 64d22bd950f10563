// driver/linux/zcrypt_msgtype50.h — zcrypt's CEXxA message family on the simulated CPU side:
// build type-50 requests from the ICARSAMODEXPO / ICARSACRT ioctl arguments and read the
// type-80 / type-82 replies.  Mirrors Linux drivers/s390/crypto/zcrypt_msgtype50.c and
// zcrypt_error.h (spec Appendix A, §1.5; read at Kingxukai/linux @0291023e7330) and the
// argument structs of arch/s390/include/uapi/asm/zcrypt.h.  Layouts: arch/msgtype50.h.
//
// User-space pointers become byte vectors; copy_from_user failing becomes "vector too
// short" → -EFAULT.  Functions return 0 or -errno, like Linux.  No SystemC here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace apsim::driver {

/// zcrypt_msgtype50.h: "type04 extension (not needed in type50)".  np_prime, bp_key and
/// u_mult_inv carry this many extra leading bytes that the driver skips.
inline constexpr size_t MSGTYPE_ADJUSTMENT = 8;
/// Card max_mod_size with 4K support (zcrypt_msgtype50.c CEX3A_MAX_MOD_SIZE) and without.
inline constexpr unsigned CEX3A_MAX_MOD_SIZE = 512;
inline constexpr unsigned CEX2A_MAX_MOD_SIZE = 256;

/// struct ica_rsa_modexpo.  Requirements (zcrypt.h): all numbers big-endian,
/// right-justified, zero-padded; b_key and n_modulus are inputdatalength bytes;
/// outputdatalength >= inputdatalength.
struct ica_rsa_modexpo {
  std::vector<uint8_t> inputdata;   // message, inputdatalength bytes
  uint32_t inputdatalength = 0;     // = modulus length in bytes (1..512)
  uint32_t outputdatalength = 0;    // bytes of result wanted
  std::vector<uint8_t> b_key;       // exponent
  std::vector<uint8_t> n_modulus;   // modulus
};

/// struct ica_rsa_modexpo_crt.  With short_len = (inputdatalength + 1) / 2 (zcrypt.h
/// writes inputdatalength/2 and requires it even; the driver rounds up):
///   np_prime   (p)          short_len + MSGTYPE_ADJUSTMENT bytes
///   nq_prime   (q)          short_len
///   bp_key     (dp)         short_len + MSGTYPE_ADJUSTMENT
///   bq_key     (dq)         short_len
///   u_mult_inv (q^-1 mod p) short_len + MSGTYPE_ADJUSTMENT
///   inputdata                inputdatalength
struct ica_rsa_modexpo_crt {
  std::vector<uint8_t> inputdata;
  uint32_t inputdatalength = 0;
  uint32_t outputdatalength = 0;
  std::vector<uint8_t> bp_key;
  std::vector<uint8_t> bq_key;
  std::vector<uint8_t> np_prime;
  std::vector<uint8_t> nq_prime;
  std::vector<uint8_t> u_mult_inv;
};

/// Build a type-50 ME request into `msg` (resized to the keyblock's size): MEB1 for
/// inputdatalength <= 128, MEB2 <= 256, MEB3 <= 512.  -EINVAL for inputdatalength 0
/// (get_rsa_modex_fc) or > 512; -EFAULT if a vector is shorter than inputdatalength.
int ICAMEX_msg_to_type50MEX_msg(const ica_rsa_modexpo& mex, std::vector<uint8_t>& msg);

/// Build a type-50 CRT request: CRB1 <= 128, CRB2 <= 256, CRB3 <= 512 but only if the
/// card's max_mod_size is 512 (4K keys), else -EINVAL.  p, dp, u are taken from byte
/// MSGTYPE_ADJUSTMENT of their buffers on.  -EINVAL for length 0; -EFAULT on short vectors.
int ICACRT_msg_to_type50CRT_msg(const ica_rsa_modexpo_crt& crt, std::vector<uint8_t>& msg,
                                unsigned max_mod_size = CEX3A_MAX_MOD_SIZE);

/// Copy the result of a type-80 reply of `len` bytes: out = the last outputdatalength
/// bytes of the reply (`reply + t80h->len - outputdatalength`).
///   -EMSGSIZE  len < 16, or header len != len (zcrypt_msgtype50_receive's check),
///              or header len > CEX3A_MAX_RESPONSE_SIZE (where Linux has a BUG_ON)
///   -EAGAIN    header len < 16 + outputdatalength (Linux also sets the queue offline)
int convert_type80(const uint8_t* reply, size_t len, size_t outputdatalength,
                   std::vector<uint8_t>& out);

/// Map a type-82/88 error reply to -errno as zcrypt_error.h convert_error() does:
/// -EINVAL for "malformed request" codes (0x23 0x24 0x29 0x40 0x41 0x42 0x80 0x82 0x84 0x85
/// 0x8A 0x8B 0xA0, and REP88 0x22 0x34), -EAGAIN for everything else (card failure,
/// wrong message type, unknown code).  -EMSGSIZE if len < 8.
int convert_error(const uint8_t* reply, size_t len);

/// zcrypt_msgtype50.c convert_response(): dispatch on the reply type byte (byte 1):
/// 0x82/0x88 → convert_error, 0x80 → convert_type80, anything else → -EAGAIN
/// ("should NEVER EVER happen"; Linux sets the queue offline).  -EMSGSIZE if len < 2.
int convert_response(const uint8_t* reply, size_t len, size_t outputdatalength,
                     std::vector<uint8_t>& out);

}  // namespace apsim::driver
