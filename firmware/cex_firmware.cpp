// firmware/cex_firmware.cpp — type-50 parsing, RSA ME/CRT with GMP, type-80/82 replies.
// The check order and reply codes are documented in cex_firmware.h.
#include "firmware/cex_firmware.h"

#include <gmp.h>

#include <algorithm>

#include "arch/bits.h"
#include "arch/msgtype50.h"
#include "firmware/service_time.h"

namespace apsim::firmware {

namespace arch = apsim::arch;
using Mode = AdapterProfile::Mode;

const char* to_string(Operation op) {
  switch (op) {
    case Operation::mex_1k: return "MEX_1k";
    case Operation::mex_2k: return "MEX_2k";
    case Operation::mex_4k: return "MEX_4k";
    case Operation::crt_1k: return "CRT_1k";
    case Operation::crt_2k: return "CRT_2k";
    case Operation::crt_4k: return "CRT_4k";
    case Operation::rng: return "RNG";
    case Operation::seckey: return "SECKEY";
    case Operation::invalid: break;
  }
  return "invalid";
}

AdapterProfile AdapterProfile::make(unsigned generation, Mode mode) {
  const bool accel = mode == Mode::accel;  // see the AdapterProfile comment
  return AdapterProfile{generation, mode, accel, accel};
}

AdapterProfile make_profile(unsigned generation, Mode mode) {
  return AdapterProfile::make(generation, mode);
}

bool supports(const AdapterProfile& profile, Operation op) {
  switch (op) {
    case Operation::mex_1k: case Operation::mex_2k:
    case Operation::crt_1k: case Operation::crt_2k:
      return true;
    case Operation::mex_4k: return profile.mode != Mode::accel || profile.mex4k;
    case Operation::crt_4k: return profile.mode != Mode::accel || profile.crt4k;
    case Operation::rng: return profile.mode == Mode::cca;
    case Operation::seckey: return profile.mode != Mode::accel;
    case Operation::invalid: break;
  }
  return false;
}

namespace {

// ---- keyblock lookup ------------------------------------------------------------------

struct Keyblock {
  Operation op;
  bool crt;
  arch::MebLayout meb;  // valid if !crt
  arch::CrbLayout crb;  // valid if crt
  size_t total() const { return crt ? crb.total() : meb.total(); }
  size_t message_size() const { return crt ? crb.message_size() : meb.message_size(); }
};

bool find_keyblock(uint16_t type, Keyblock& kb) {
  const arch::CrbLayout no_crb{0, 0};
  const arch::MebLayout no_meb{0, 0};
  switch (type) {
    case arch::TYPE50_MEB1_FMT: kb = {Operation::mex_1k, false, arch::MEB1, no_crb}; return true;
    case arch::TYPE50_MEB2_FMT: kb = {Operation::mex_2k, false, arch::MEB2, no_crb}; return true;
    case arch::TYPE50_MEB3_FMT: kb = {Operation::mex_4k, false, arch::MEB3, no_crb}; return true;
    case arch::TYPE50_CRB1_FMT: kb = {Operation::crt_1k, true, no_meb, arch::CRB1}; return true;
    case arch::TYPE50_CRB2_FMT: kb = {Operation::crt_2k, true, no_meb, arch::CRB2}; return true;
    case arch::TYPE50_CRB3_FMT: kb = {Operation::crt_4k, true, no_meb, arch::CRB3}; return true;
    default: return false;
  }
}

// ---- GMP helpers ----------------------------------------------------------------------

/// mpz_t with RAII; the firmware never lets an exception or early return leak limbs.
struct Mpz {
  mpz_t v;
  Mpz() { mpz_init(v); }
  ~Mpz() { mpz_clear(v); }
  Mpz(const Mpz&) = delete;
  Mpz& operator=(const Mpz&) = delete;
};

/// Big-endian unsigned field [p, p+n) → z.
void load_field(Mpz& z, const uint8_t* p, size_t n) {
  mpz_import(z.v, n, /*order=*/1, /*size=*/1, /*endian=*/1, /*nails=*/0, p);
}

/// z → big-endian field [p, p+n), right-justified, zero-padded.  Caller guarantees
/// 0 <= z < 256^n (the result is reduced modulo a number that fits the field).
void store_field(const Mpz& z, uint8_t* p, size_t n) {
  std::fill(p, p + n, uint8_t{0});
  if (mpz_sgn(z.v) == 0) return;
  const size_t bytes = (mpz_sizeinbase(z.v, 2) + 7) / 8;
  if (bytes > n) return;  // impossible by the caller's guarantee; never write out of bounds
  size_t count = 0;
  mpz_export(p + (n - bytes), &count, 1, 1, 1, 0, z.v);
}

// ---- replies --------------------------------------------------------------------------

std::vector<uint8_t> error_reply(uint8_t reply_code) {
  std::vector<uint8_t> r(arch::ERRHDR_SIZE, 0);
  r[arch::ERRHDR_TYPE] = arch::TYPE82_RSP_CODE;
  r[arch::ERRHDR_REPLY_CODE] = reply_code;
  return r;
}

std::vector<uint8_t> type80_reply(const Mpz& result, size_t field) {
  std::vector<uint8_t> r(arch::HDR80_SIZE + field, 0);
  r[arch::HDR80_TYPE] = arch::TYPE80_RSP_CODE;
  arch::store_be16(&r[arch::HDR80_LEN], static_cast<uint16_t>(r.size()));
  // code, reserved2, reserved3 stay 0.
  store_field(result, r.data() + arch::HDR80_SIZE, field);
  return r;
}

bool all_zero(const uint8_t* p, size_t n) {
  return std::all_of(p, p + n, [](uint8_t b) { return b == 0; });
}

// ---- the arithmetic -------------------------------------------------------------------

/// ME.  Returns 0 and sets `result`, or the REP82 code.
uint8_t run_me(const uint8_t* msg, const arch::MebLayout& l, Mpz& result) {
  Mpz e, n, c;
  load_field(e, msg + l.exponent(), l.field);
  load_field(n, msg + l.modulus(), l.field);
  load_field(c, msg + l.message(), l.field);
  if (mpz_sgn(n.v) == 0) return arch::REP82_ERROR_OPERAND_INVALID;
  if (mpz_even_p(n.v)) return arch::REP82_ERROR_EVEN_MOD_IN_OPND;
  if (mpz_cmp(c.v, n.v) >= 0) return arch::REP82_ERROR_OPERAND_INVALID;
  mpz_powm(result.v, c.v, e.v, n.v);
  return 0;
}

/// CRT (Garner with u = q^-1 mod p).  Returns 0 and sets `result`, or the REP82 code.
uint8_t run_crt(const uint8_t* msg, const arch::CrbLayout& l, Mpz& result) {
  Mpz p, q, dp, dq, u, c;
  load_field(p, msg + l.p(), l.half);
  load_field(q, msg + l.q(), l.half);
  load_field(dp, msg + l.dp(), l.half);
  load_field(dq, msg + l.dq(), l.half);
  load_field(u, msg + l.u(), l.half);
  load_field(c, msg + l.message(), l.message_size());
  if (mpz_sgn(p.v) == 0 || mpz_sgn(q.v) == 0) return arch::REP82_ERROR_OPERAND_INVALID;
  if (mpz_even_p(p.v) || mpz_even_p(q.v)) return arch::REP82_ERROR_EVEN_MOD_IN_OPND;
  {
    Mpz n;
    mpz_mul(n.v, p.v, q.v);
    if (mpz_cmp(c.v, n.v) >= 0) return arch::REP82_ERROR_OPERAND_INVALID;
  }
  Mpz m1, m2, h;
  mpz_powm(m1.v, c.v, dp.v, p.v);  // c^dp mod p
  mpz_powm(m2.v, c.v, dq.v, q.v);  // c^dq mod q
  mpz_sub(h.v, m1.v, m2.v);
  mpz_mul(h.v, h.v, u.v);
  mpz_mod(h.v, h.v, p.v);  // h = u*(m1-m2) mod p, in [0, p)
  mpz_mul(result.v, h.v, q.v);
  mpz_add(result.v, result.v, m2.v);  // m2 + h*q < q + (p-1)q = pq
  return 0;
}

}  // namespace

Operation classify_request(const uint8_t* msg, size_t len) {
  if (msg == nullptr || len < arch::T50_FIELDS_OFFSET) return Operation::invalid;
  if (msg[arch::HDR50_MSG_TYPE_CODE] != arch::TYPE50_TYPE_CODE) return Operation::invalid;
  Keyblock kb{};
  if (!find_keyblock(arch::load_be16(msg + arch::T50_KEYBLOCK_TYPE), kb)) return Operation::invalid;
  return kb.op;
}

FirmwareReply process_request(const AdapterProfile& profile, const uint8_t* msg, size_t len,
                              const ServiceTimeTable& times) {
  const auto fail = [&](uint8_t code, Operation op) {
    return FirmwareReply{error_reply(code), op,
                         times.service_ps(profile.generation, profile.mode, Operation::invalid)};
  };
  if (msg == nullptr) len = 0;

  // 1.–5.: header, lengths, keyblock.
  if (len > arch::HDR50_MSG_TYPE_CODE && msg[arch::HDR50_MSG_TYPE_CODE] != arch::TYPE50_TYPE_CODE)
    return fail(arch::REP82_ERROR_MESSAGE_TYPE, Operation::invalid);
  if (len < arch::T50_FIELDS_OFFSET) return fail(arch::REP82_ERROR_INVALID_MSG_LEN, Operation::invalid);
  if (arch::load_be16(msg + arch::HDR50_MSG_LEN) != len)
    return fail(arch::REP82_ERROR_INVALID_MSG_LEN, Operation::invalid);
  Keyblock kb{};
  if (!find_keyblock(arch::load_be16(msg + arch::T50_KEYBLOCK_TYPE), kb))
    return fail(arch::REP82_ERROR_MALFORMED_MSG, Operation::invalid);
  if (len != kb.total()) return fail(arch::REP82_ERROR_INVALID_MSG_LEN, kb.op);

  // 6. Reserved fields ("all reserved fields must be zeroes", zcrypt_msgtype50.c).
  //    The header's `ignored` byte is deliberately not checked.
  if (msg[arch::HDR50_RESERVED1] != 0 || msg[arch::HDR50_RESERVED2] != 0 ||
      !all_zero(msg + arch::HDR50_RESERVED3, 2) ||
      !all_zero(msg + arch::T50_KEYBLOCK_RESERVED, arch::T50_KEYBLOCK_RESERVED_SIZE))
    return fail(arch::REP82_ERROR_RESERVD_FIELD, kb.op);

  // 7. Capability (the adapter model normally stops this at NQAP with AP RC 0x16).
  if (!supports(profile, kb.op)) return fail(arch::REP82_ERROR_OPERAND_SIZE, kb.op);

  // 8. Operands and arithmetic.
  Mpz result;
  const uint8_t rc = kb.crt ? run_crt(msg, kb.crb, result) : run_me(msg, kb.meb, result);
  if (rc != 0) return fail(rc, kb.op);
  return FirmwareReply{type80_reply(result, kb.message_size()), kb.op,
                       times.service_ps(profile.generation, profile.mode, kb.op)};
}

}  // namespace apsim::firmware
