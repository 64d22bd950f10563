// testbench/fuzz/fuzz_firmware.cpp — the CEX firmware's request messages
// (firmware/cex_firmware.h): type 50 (clear-key RSA ME/CRT), type 6 with a CCA CPRBX and
// with an EP11 CPRB, as a card of any generation and mode receives them; and the kernel's
// readers of the replies (driver/linux/zcrypt_msgtype50.h, zcrypt_msgtype6.h).
//
// Input: a header picks the card (generation 4..8, mode accel/cca/ep11), the queue's domain
// and how the message is made — raw bytes, or one of the kernel's builders (ICAMEX, ICACRT,
// the "RL" random-number CPRB, EP11 GenerateRandom, a CCA PKA key import of fuzzed token
// bytes) from fuzzed fields, then optionally one byte flipped at a fuzzed offset — so the
// fuzzer reaches past the header checks.
// Invariants:
//  * every reply is a type-80, -82 or -86 message, a type-82 one exactly 8 bytes;
//  * CexFirmware::process of a type-50 message gives, byte for byte, what the pure
//    process_request gives, also the second time (its memo answers then);
//  * an ME request built by the kernel and answered with a type-80 reply carries
//    message^exponent mod modulus (OpenSSL BN_mod_exp), read through convert_response;
//  * the kernel's reply readers (convert_response, zcrypt_msgtype6_receive,
//    convert_response_xcrb/_ep11_xcrb/_rng) return 0 or a -errno on every reply.
#include <openssl/bn.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <vector>

#include "arch/msgtype50.h"
#include "arch/msgtype6.h"
#include "driver/linux/zcrypt_msgtype50.h"
#include "driver/linux/zcrypt_msgtype6.h"
#include "firmware/cex_firmware.h"
#include "firmware/service_time.h"
#include "testbench/fuzz/fuzz_check.h"
#include "testbench/fuzz/fuzz_input.h"

namespace fw = apsim::firmware;
namespace drv = apsim::driver;
namespace arch = apsim::arch;
using Bytes = std::vector<uint8_t>;

namespace {

struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
Bn bn(const Bytes& b) { return Bn(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr)); }

/// message^exponent mod modulus, right-justified in `len` bytes (OpenSSL).
Bytes mod_exp(const Bytes& m, const Bytes& e, const Bytes& n, size_t len) {
  std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), BN_CTX_free);
  Bn r(BN_new());
  FUZZ_CHECK(BN_mod_exp(r.get(), bn(m).get(), bn(e).get(), bn(n).get(), ctx.get()) == 1, "OpenSSL BN_mod_exp");
  Bytes out(len);
  FUZZ_CHECK(BN_bn2binpad(r.get(), out.data(), static_cast<int>(len)) == static_cast<int>(len), "result fits");
  return out;
}

/// The kernel's readers must answer every reply with 0 or a -errno (and never crash).
void read_reply(const Bytes& reply, size_t outputdatalength) {
  Bytes out;
  const int a = drv::convert_response(reply.data(), reply.size(), outputdatalength, out);
  FUZZ_CHECK(a <= 0, "convert_response returns 0 or -errno");
  const int b = drv::zcrypt_msgtype6_receive(reply.data(), reply.size());
  FUZZ_CHECK(b == 0 || b == -EMSGSIZE, "zcrypt_msgtype6_receive returns 0 or -EMSGSIZE");
  if (b != 0) return;  // Linux drops such a reply before converting it
  drv::ica_xcRB x;
  x.reply_control_blk_length = 4096;
  x.reply_data_length = 4096;
  FUZZ_CHECK(drv::convert_response_xcrb(reply.data(), reply.size(), x) <= 0, "convert_response_xcrb");
  drv::ep11_urb u;
  u.resp_len = 4096;
  FUZZ_CHECK(drv::convert_response_ep11_xcrb(reply.data(), reply.size(), u) <= 0, "convert_response_ep11_xcrb");
  Bytes rnd;
  (void)drv::convert_response_rng(reply.data(), reply.size(), rnd);  // a count or -errno
}

const fw::ServiceTimeTable& times() {
  static const fw::ServiceTimeTable t;
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  apsim::fuzz::Input in(data, size);
  const uint8_t card = in.byte();
  const unsigned generation = 4 + (card & 7) % 5;
  const auto mode = static_cast<fw::AdapterProfile::Mode>((card >> 3) % 3);
  const uint8_t domain = in.byte();
  const uint8_t how = in.byte() % 6;
  const bool flip = in.byte() & 1;
  const uint32_t flip_at = in.u16(), flip_xor = in.byte() | 1;

  Bytes msg, me_m, me_e, me_n;
  size_t outlen = 256;  // the result length a type-80 reply is read for
  switch (how) {
    case 0: msg = in.rest_bytes(); break;
    case 1: {  // ME, as zcrypt_msgtype50 builds it
      drv::ica_rsa_modexpo mex;
      mex.inputdatalength = in.range(1, 512);
      mex.outputdatalength = outlen = mex.inputdatalength;
      mex.n_modulus = me_n = in.padded(mex.inputdatalength);
      mex.b_key = me_e = in.padded(mex.inputdatalength);
      mex.inputdata = me_m = in.padded(mex.inputdatalength);
      if (drv::ICAMEX_msg_to_type50MEX_msg(mex, msg) != 0) return 0;
      break;
    }
    case 2: {  // CRT
      drv::ica_rsa_modexpo_crt crt;
      crt.inputdatalength = in.range(2, 512) & ~1u;
      crt.outputdatalength = crt.inputdatalength;
      const size_t half = crt.inputdatalength / 2, adj = drv::MSGTYPE_ADJUSTMENT;
      outlen = crt.outputdatalength;
      crt.np_prime = in.padded(half + adj);
      crt.nq_prime = in.padded(half);
      crt.bp_key = in.padded(half + adj);
      crt.bq_key = in.padded(half);
      crt.u_mult_inv = in.padded(half + adj);
      crt.inputdata = in.padded(crt.inputdatalength);
      if (drv::ICACRT_msg_to_type50CRT_msg(crt, msg) != 0) return 0;
      break;
    }
    case 3: drv::rng_type6cprb_msgx(msg, in.range(0, 8192), domain); break;
    case 4: {
      const drv::ep11_urb u = drv::ep11_generate_random_urb(domain, in.range(0, 8192));
      unsigned fc = 0, dom = 0;
      if (drv::xcrb_msg_to_type6_ep11cprb_msgx(u, msg, fc, dom) != 0) return 0;
      break;
    }
    case 5: {
      const drv::ica_xcRB x = drv::cca_pka_import_xcrb(domain, in.rest_bytes());
      unsigned fc = 0;
      uint16_t dom = 0;
      if (drv::xcrb_msg_to_type6cprb_msgx(x, msg, fc, dom) != 0) return 0;
      break;
    }
  }
  if (flip && !msg.empty()) msg[flip_at % msg.size()] ^= static_cast<uint8_t>(flip_xor);

  const fw::AdapterProfile profile = fw::make_profile(generation, mode);
  (void)fw::classify_request(msg.data(), msg.size());  // must stay inside the message
  fw::CexFirmware card_fw(profile, times(), 5, 0);
  const fw::FirmwareReply r = card_fw.process(domain, msg.data(), msg.size());
  const Bytes& reply = r.reply;
  FUZZ_CHECK(reply.size() >= 2, "a reply has a header");
  const uint8_t type = reply[arch::ERRHDR_TYPE];
  FUZZ_CHECK(type == arch::TYPE80_RSP_CODE || type == arch::TYPE82_RSP_CODE || type == arch::TYPE86_RSP_CODE,
             "a reply is of type 80, 82 or 86");
  if (type == arch::TYPE82_RSP_CODE) FUZZ_CHECK(reply.size() == arch::ERRHDR_SIZE, "a type-82 reply is 8 bytes");

  if (msg.size() >= 2 && msg[1] == 0x50) {
    const fw::FirmwareReply pure = fw::process_request(profile, msg.data(), msg.size(), times());
    FUZZ_CHECK(pure.reply == reply && pure.op == r.op && pure.service_ps == r.service_ps,
               "CexFirmware::process answers a type-50 request as process_request does");
    const fw::FirmwareReply again = card_fw.process(domain, msg.data(), msg.size());
    FUZZ_CHECK(again.reply == reply, "the memo's answer is the computed one");
  }
  if (how == 1 && !flip && type == arch::TYPE80_RSP_CODE) {
    Bytes out;
    FUZZ_CHECK(drv::convert_response(reply.data(), reply.size(), me_m.size(), out) == 0,
               "the kernel reads a type-80 reply to its own ME request");
    FUZZ_CHECK(out == mod_exp(me_m, me_e, me_n, me_m.size()), "the ME result is message^exponent mod modulus");
  }
  read_reply(reply, outlen);
  return 0;
}
