// testbench/tests/firmware/firmware_fixture.h — what the two firmware tests (test_firmware.cpp,
// the RSA accelerator path; test_cprb.cpp, the coprocessor path) share: printing Operation in
// Boost.Test messages, the namespace aliases, OpenSSL ownership and RSA key generation, the
// service-time table and the type-82 reply check.  Each test is its own executable, so these
// are defined here once rather than linked from a library.
//
// Include after `#define BOOST_TEST_MODULE ...` and <boost/test/unit_test.hpp>.
#pragma once

#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstdint>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "arch/msgtype50.h"
#include "firmware/cex_firmware.h"
#include "firmware/service_time.h"

namespace apsim::firmware {
// Lets Boost.Test print Operation values in failure messages.
inline std::ostream& operator<<(std::ostream& os, Operation op) { return os << to_string(op); }
}  // namespace apsim::firmware

namespace fw = apsim::firmware;
namespace drv = apsim::driver;
namespace arch = apsim::arch;
using Bytes = std::vector<uint8_t>;
using Mode = fw::AdapterProfile::Mode;

// ---- OpenSSL helpers ------------------------------------------------------------------

struct PkeyFree { void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); } };
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct CtxFree { void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); } };
using Ctx = std::unique_ptr<EVP_PKEY_CTX, CtxFree>;

/// Test setup that OpenSSL refuses is not a result to compare: fail the test case loudly.
inline void ossl_check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL: ") + what);
}

/// A new RSA key pair of `bits` from OpenSSL's keygen (e = 65537, its default).
inline Pkey generate_rsa_pkey(int bits) {
  Ctx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  ossl_check(ctx && EVP_PKEY_keygen_init(ctx.get()) == 1, "keygen_init");
  ossl_check(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) == 1, "keygen_bits");
  EVP_PKEY* raw = nullptr;
  ossl_check(EVP_PKEY_generate(ctx.get(), &raw) == 1, "generate");
  return Pkey(raw);
}

// ---- the firmware side ------------------------------------------------------------------

/// The default service-time model (the times only matter to the tests that check them).
inline const fw::ServiceTimeTable kTimes;

/// The reply code of a type-82 error reply; fails the test case if `r` is not one.
inline uint8_t reply_code82(const fw::FirmwareReply& r) {
  BOOST_REQUIRE_EQUAL(r.reply.size(), arch::ERRHDR_SIZE);
  BOOST_REQUIRE_EQUAL(r.reply[arch::ERRHDR_TYPE], arch::TYPE82_RSP_CODE);
  return r.reply[arch::ERRHDR_REPLY_CODE];
}
