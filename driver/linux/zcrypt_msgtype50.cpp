// driver/linux/zcrypt_msgtype50.cpp — type-50 request builders and type-80/82 reply readers,
// following Linux zcrypt_msgtype50.c / zcrypt_error.h step by step (see the header).
#include "driver/linux/zcrypt_msgtype50.h"

#include <algorithm>
#include <cerrno>

#include "arch/bits.h"
#include "arch/msgtype50.h"

namespace apsim::driver {

namespace arch = apsim::arch;

namespace {

/// memset(msg, 0, size); header.msg_type_code = 0x50; header.msg_len = size;
/// keyblock_type = fmt.
void init_type50(std::vector<uint8_t>& msg, size_t size, uint16_t fmt) {
  msg.assign(size, 0);
  msg[arch::HDR50_MSG_TYPE_CODE] = arch::TYPE50_TYPE_CODE;
  arch::store_be16(&msg[arch::HDR50_MSG_LEN], static_cast<uint16_t>(size));
  arch::store_be16(&msg[arch::T50_KEYBLOCK_TYPE], fmt);
}

/// copy_from_user(dst, src + skip, n): -EFAULT if src holds fewer than skip + n bytes.
bool copy_in(uint8_t* dst, const std::vector<uint8_t>& src, size_t skip, size_t n) {
  if (src.size() < skip + n) return false;
  std::copy_n(src.begin() + static_cast<std::ptrdiff_t>(skip), n, dst);
  return true;
}

}  // namespace

int ICAMEX_msg_to_type50MEX_msg(const ica_rsa_modexpo& mex, std::vector<uint8_t>& msg) {
  const size_t mod_len = mex.inputdatalength;
  arch::MebLayout l{};
  if (mod_len == 0) return -EINVAL;  // get_rsa_modex_fc
  if (mod_len <= 128) l = arch::MEB1;
  else if (mod_len <= 256) l = arch::MEB2;
  else if (mod_len <= 512) l = arch::MEB3;
  else return -EINVAL;

  init_type50(msg, l.total(), l.keyblock_type);
  // Each field right-justified: field + sizeof(field) - mod_len.
  const size_t pad = l.field - mod_len;
  if (!copy_in(&msg[l.modulus() + pad], mex.n_modulus, 0, mod_len) ||
      !copy_in(&msg[l.exponent() + pad], mex.b_key, 0, mod_len) ||
      !copy_in(&msg[l.message() + pad], mex.inputdata, 0, mod_len))
    return -EFAULT;
  return 0;
}

int ICACRT_msg_to_type50CRT_msg(const ica_rsa_modexpo_crt& crt, std::vector<uint8_t>& msg,
                                unsigned max_mod_size) {
  const size_t mod_len = crt.inputdatalength;
  const size_t short_len = (mod_len + 1) / 2;
  arch::CrbLayout l{};
  if (mod_len == 0) return -EINVAL;  // get_rsa_crt_fc
  if (mod_len <= 128) l = arch::CRB1;
  else if (mod_len <= 256) l = arch::CRB2;
  else if (mod_len <= 512 && max_mod_size == CEX3A_MAX_MOD_SIZE) l = arch::CRB3;
  else return -EINVAL;

  init_type50(msg, l.total(), l.keyblock_type);
  const size_t pad = l.half - short_len;
  // "correct the offset of p, bp and mult_inv according zcrypt.h": skip
  // MSGTYPE_ADJUSTMENT leading bytes of np_prime, bp_key and u_mult_inv.
  if (!copy_in(&msg[l.p() + pad], crt.np_prime, MSGTYPE_ADJUSTMENT, short_len) ||
      !copy_in(&msg[l.q() + pad], crt.nq_prime, 0, short_len) ||
      !copy_in(&msg[l.dp() + pad], crt.bp_key, MSGTYPE_ADJUSTMENT, short_len) ||
      !copy_in(&msg[l.dq() + pad], crt.bq_key, 0, short_len) ||
      !copy_in(&msg[l.u() + pad], crt.u_mult_inv, MSGTYPE_ADJUSTMENT, short_len) ||
      !copy_in(&msg[l.message() + l.message_size() - mod_len], crt.inputdata, 0, mod_len))
    return -EFAULT;
  return 0;
}

int convert_type80(const uint8_t* reply, size_t len, size_t outputdatalength,
                   std::vector<uint8_t>& out) {
  if (reply == nullptr || len < arch::HDR80_SIZE) return -EMSGSIZE;
  const size_t t80_len = arch::load_be16(reply + arch::HDR80_LEN);
  if (t80_len != len) return -EMSGSIZE;  // zcrypt_msgtype50_receive: "len mismatch"
  if (t80_len < arch::HDR80_SIZE + outputdatalength) return -EAGAIN;  // result too short
  if (t80_len > arch::CEX3A_MAX_RESPONSE_SIZE) return -EMSGSIZE;      // Linux: BUG_ON
  const uint8_t* data = reply + t80_len - outputdatalength;
  out.assign(data, data + outputdatalength);
  return 0;
}

int convert_error(const uint8_t* reply, size_t len) {
  if (reply == nullptr || len < arch::ERRHDR_SIZE) return -EMSGSIZE;
  switch (reply[arch::ERRHDR_REPLY_CODE]) {
    case arch::REP82_ERROR_INVALID_MSG_LEN:        // 0x23
    case arch::REP82_ERROR_RESERVD_FIELD:          // 0x24
    case arch::REP82_ERROR_FORMAT_FIELD:           // 0x29
    case arch::REP82_ERROR_MALFORMED_MSG:          // 0x40
    case arch::REP82_ERROR_INVALID_SPECIAL_CMD:    // 0x41
    case arch::REP82_ERROR_INVALID_DOMAIN_PRECHECK:// 0x42
    case arch::REP82_ERROR_MESSAGE_LENGTH:         // 0x80
    case arch::REP82_ERROR_OPERAND_INVALID:        // 0x82
    case arch::REP82_ERROR_OPERAND_SIZE:           // 0x84
    case arch::REP82_ERROR_EVEN_MOD_IN_OPND:       // 0x85
    case arch::REP82_ERROR_INVALID_DOMAIN_PENDING: // 0x8A
    case arch::REP82_ERROR_FILTERED_BY_HYPERVISOR: // 0x8B
    case arch::REP82_ERROR_PACKET_TRUNCATED:       // 0xA0
    case arch::REP88_ERROR_MESSAGE_MALFORMD:       // 0x22
    case arch::REP88_ERROR_KEY_TYPE:               // 0x34
      return -EINVAL;  // "RY indicates malformed request"
    default:
      // 0x10 MACHINE_FAILURE, 0x20 MESSAGE_TYPE, 0x90 TRANSPORT_FAIL (bus rescan) and
      // unknown codes: "Assume request is valid and a retry will be worth it".
      return -EAGAIN;
  }
}

int convert_response(const uint8_t* reply, size_t len, size_t outputdatalength,
                     std::vector<uint8_t>& out) {
  if (reply == nullptr || len < 2) return -EMSGSIZE;
  switch (reply[1]) {  // "Response type byte is the second byte in the response."
    case arch::TYPE82_RSP_CODE:
    case arch::TYPE88_RSP_CODE:
      return convert_error(reply, len);
    case arch::TYPE80_RSP_CODE:
      return convert_type80(reply, len, outputdatalength, out);
    default:
      return -EAGAIN;
  }
}

}  // namespace apsim::driver
