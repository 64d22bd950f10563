// firmware/cex_firmware.cpp — type-50 parsing, RSA ME/CRT with GMP, type-80/82 replies; the
// stateful CexFirmware (master keys, RNG, type-50 memo).  The type-6 (CCA/EP11) path is in
// type6.cpp.  The check order and reply codes are documented in cex_firmware.h.
#include "firmware/cex_firmware.h"

#include <gmp.h>

#include <algorithm>
#include <cstring>

#include "arch/bits.h"
#include "arch/msgtype50.h"
#include "arch/msgtype6.h"
#include "firmware/crypto.h"
#include "firmware/firmware_internal.h"
#include "firmware/reply_memo.h"
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

/// Significant bits of a big-endian field (0 for zero).
unsigned field_bits(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n && p[i] == 0) ++i;
  if (i == n) return 0;
  unsigned top = 0;
  for (uint8_t b = p[i]; b; b >>= 1) ++top;
  return static_cast<unsigned>((n - i - 1) * 8 + top);
}

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

unsigned speed_idx_cca(uint16_t fc) {
  // zcrypt_msgtype6.c speed_idx_cca(), the same code lists.
  switch (fc) {
    case 0x4142: case 0x4149: case 0x414D: case 0x4341: case 0x4344: case 0x4354:
    case 0x4358: case 0x444B: case 0x4558: case 0x4643: case 0x4651: case 0x4C47:
    case 0x4C4B: case 0x4C51: case 0x4F48: case 0x504F: case 0x5053: case 0x5058:
    case 0x5343: case 0x5344: case 0x5345: case 0x5350:
      return kSpeedLow;
    case 0x414B: case 0x4345: case 0x4349: case 0x434D: case 0x4847: case 0x4849:
    case 0x484D: case 0x4850: case 0x4851: case 0x4954: case 0x4958: case 0x4B43:
    case 0x4B44: case 0x4B45: case 0x4B47: case 0x4B48: case 0x4B49: case 0x4B4E:
    case 0x4B50: case 0x4B52: case 0x4B54: case 0x4B58: case 0x4D50: case 0x4D53:
    case 0x4D56: case 0x4D58: case 0x5044: case 0x5045: case 0x5046: case 0x5047:
    case 0x5049: case 0x504B: case 0x504D: case 0x5254: case 0x5347: case 0x5349:
    case 0x534B: case 0x534D: case 0x5356: case 0x5358: case 0x5443: case 0x544B:
    case 0x5647:
      return kSpeedHigh;
    default:
      return kSpeedMedium;
  }
}

unsigned speed_idx_ep11(uint32_t fn) {
  // zcrypt_msgtype6.c speed_idx_ep11().
  switch (fn) {
    case 1: case 2: case 36: case 37: case 38: case 39: case 40:
      return kSpeedLow;
    case 17: case 18: case 19: case 20: case 21: case 22: case 26:
    case 30: case 31: case 32: case 33: case 34: case 35:
      return kSpeedHigh;
    default:
      return kSpeedMedium;
  }
}

Operation classify_request(const uint8_t* msg, size_t len) {
  if (msg != nullptr && len >= arch::TYPE6_HDR_SIZE && msg[arch::T6_TYPE] == arch::TYPE6_TYPE_CODE) {
    const uint16_t agent = arch::load_be16(msg + arch::T6_AGENT_ID);
    if (agent == arch::TYPE6_AGENT_EP11) return Operation::seckey;
    if (agent != arch::TYPE6_AGENT_CCA) return Operation::invalid;
    const size_t parm = arch::TYPE6_HDR_SIZE + arch::CPRBX_SIZE;
    if (len < parm + 2) return Operation::invalid;
    return arch::load_be16(msg + parm) == arch::CCA_FC_RNG ? Operation::rng : Operation::seckey;
  }
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
  // The price: ME by its exponent's length against the modulus' (service_time.h 2.), CRT by
  // the keyblock's class.
  ServiceDemand d;
  d.op = kb.op;
  if (!kb.crt) {
    d.exponent_bits = field_bits(msg + kb.meb.exponent(), kb.meb.field);
    d.modulus_bits = field_bits(msg + kb.meb.modulus(), kb.meb.field);
  }
  FirmwareReply r{type80_reply(result, kb.message_size()), kb.op, times.service_ps(profile.generation, profile.mode, d)};
  r.demand = d;
  return r;
}

// ---- CexFirmware ------------------------------------------------------------------------

namespace {
// Per memo (type 50, type 6): 1024 sets of 8, allocated at the first insert: room for
// apbench's 16 distinct messages per queue on all 256 domains of a card, less the conflict
// misses of that half fill, ~1 % (32 slots in all thrashed from three domains of one card on:
// every request missed, redid the arithmetic, and the steady state allocated again).  An
// entry is about 100 bytes empty, its buffers the size of the requests and replies seen.
constexpr size_t kMemoSets = 1024, kMemoWays = 8;
}

CexFirmware::CexFirmware(const AdapterProfile& profile, const ServiceTimeTable& times, uint32_t serial, uint64_t seed)
    : profile_(profile),
      times_(times),
      serial_(serial),
      memo50_(std::make_unique<ReplyMemo>(kMemoSets, kMemoWays)),
      memo6_(std::make_unique<ReplyMemo>(kMemoSets, kMemoWays)) {
  uint8_t label[16] = {'a', 'p', 's', 'i', 'm', '-', 'c', 'e', 'x', '-', 'r', 'n', 'g'};
  uint8_t id[12];
  arch::store_be32(id, serial);
  arch::store_be64(id + 4, seed);
  rng_ = std::make_unique<crypto::Drbg>(crypto::sha256({{label, sizeof label}, {id, sizeof id}}));
}

CexFirmware::~CexFirmware() = default;

CexFirmware::Domain& CexFirmware::domain_state(uint8_t domain) {
  auto& d = domains_[domain];
  if (!d) {
    d = std::make_unique<Domain>();
    const char* label = profile_.mode == AdapterProfile::Mode::ep11 ? "apsim-ep11-wk" : "apsim-cca-aes-mk";
    uint8_t id[5];
    arch::store_be32(id, serial_);
    id[4] = domain;
    d->set_key(crypto::sha256({{reinterpret_cast<const uint8_t*>(label), std::strlen(label)}, {id, sizeof id}}),
               profile_.mode != AdapterProfile::Mode::ep11);
  }
  return *d;
}

const CexFirmware::MasterKey& CexFirmware::master_key(uint8_t domain) { return domain_state(domain).key; }

void CexFirmware::set_master_key(uint8_t domain, const MasterKey& key) {
  Domain& d = domain_state(domain);
  d.old_key = d.key;  // CCA: CUR -> OLD, as SET does with the master-key registers
  d.set_key(key, profile_.mode != AdapterProfile::Mode::ep11);
  memo6_->clear();  // remembered signatures were made under the replaced key
}

FirmwareReply CexFirmware::error82(uint8_t reply_code, Operation op) const {
  return FirmwareReply{error_reply(reply_code), op, cost(ServiceDemand{}), kSpeedMedium};
}

uint64_t CexFirmware::cost(const ServiceDemand& d) const {
  return times_.service_ps(profile_.generation, profile_.mode, d);
}

FirmwareReply CexFirmware::priced(std::vector<uint8_t> reply, Operation op, unsigned speed_idx,
                                  const ServiceDemand& d) const {
  FirmwareReply r{std::move(reply), op, cost(d), speed_idx};
  r.demand = d;
  return r;
}

FirmwareReply CexFirmware::process(uint8_t domain, const uint8_t* msg, size_t len, std::vector<uint8_t>* buffer) {
  if (msg == nullptr) len = 0;
  if (len > arch::T6_TYPE && msg[arch::T6_TYPE] == arch::TYPE6_TYPE_CODE) {
    if (profile_.mode == AdapterProfile::Mode::accel) return error82(arch::REP82_ERROR_MESSAGE_TYPE, Operation::invalid);
    return process_type6_memoized(domain, msg, len, buffer);
  }
  return process_type50(msg, len, buffer);  // type 0x50, and every other type byte (0x20 there)
}

FirmwareReply CexFirmware::from_memo(const ReplyMemo::Entry& e, std::vector<uint8_t>* buffer) {
  ++memo_hits_;
  // Priced again from the remembered demand (the table may have changed since); errors
  // cost the `invalid` entry whatever their class (as process_request's fail()).
  FirmwareReply r{{}, e.op, cost(e.demand), e.speed_idx};
  if (buffer) {
    buffer->assign(e.reply.begin(), e.reply.end());
    r.reply = std::move(*buffer);
  } else {
    r.reply = e.reply;
  }
  if (e.fresh) {  // the random bytes: the generator's next ones, as the full path draws them
    uint8_t* p = r.reply.data() + (r.reply.size() - e.fresh);
    rng_->generate(p, e.fresh);
    if (e.parity != FreshParity::none) set_parity(p, e.fresh, e.parity == FreshParity::odd);
  }
  r.demand = e.demand;
  return r;
}

FirmwareReply CexFirmware::process_type50(const uint8_t* msg, size_t len, std::vector<uint8_t>* buffer) {
  if (!memo_enabled_ || len == 0) return process_request(profile_, msg, len, times_);
  // The hash only picks candidates (every hit is checked byte for byte), so it reads the
  // keyblock header and the last 64 bytes — the message field, the part that differs
  // between the requests of one key — instead of all of up to 1808 bytes.
  const size_t tail = std::min<size_t>(len, 64), head = std::min<size_t>(len - tail, 16);
  const size_t h = ReplyMemo::hash_of(msg + len - tail, tail) ^ (ReplyMemo::hash_of(msg, head) * 31 + len);
  if (const ReplyMemo::Entry* e = memo50_->find(h, 0, msg, len)) return from_memo(*e, buffer);
  ++memo_misses_;
  FirmwareReply r = process_request(profile_, msg, len, times_);
  memo50_->insert(h, 0, msg, len, r);
  return r;
}

FirmwareReply CexFirmware::process_type6_memoized(uint8_t domain, const uint8_t* msg, size_t len,
                                                  std::vector<uint8_t>* buffer) {
  if (!memo_enabled_) return process_type6(domain, msg, len);
  const size_t h = ReplyMemo::hash_of(msg, len);
  if (const ReplyMemo::Entry* e = memo6_->find(h, domain, msg, len)) return from_memo(*e, buffer);
  ++memo_misses_;
  memo_note_ = MemoNote{};
  FirmwareReply r = process_type6(domain, msg, len);
  // Only type-86 answers of the functions that said so (an error82 after the random bytes
  // were drawn, MESSAGE_LENGTH, stays on the full path so the generator's stream is the same).
  if (memo_note_.keep && !r.reply.empty() && r.reply[arch::T86_TYPE] == arch::TYPE86_RSP_CODE)
    memo6_->insert(h, domain, msg, len, r, memo_note_.fresh, static_cast<FreshParity>(memo_note_.parity));
  return r;
}

}  // namespace apsim::firmware
