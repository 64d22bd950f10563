// testbench/tests/userspace/test_workload_key.cpp — apbench's RSA key from the kernel's seed
// (driver/userspace/workload_key.h): a valid key pair by OpenSSL's full check, of the size
// asked, the same for the same seed and different for another.
#define BOOST_TEST_MODULE test_workload_key
#include <boost/test/unit_test.hpp>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "arch/rsa_key.h"
#include "driver/userspace/workload_key.h"

using apsim::driver::make_workload_rsa_key;

namespace {

apsim::arch::RsaKeyBytes parts_of(const EVP_PKEY* k) {
  apsim::arch::RsaKeyBytes p;
  BOOST_REQUIRE(apsim::arch::extract_rsa_key(k, p));
  return p;
}

int cmp(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a < b ? -1 : a == b ? 0 : 1;
}

}  // namespace

BOOST_AUTO_TEST_CASE(keys_of_every_size_apbench_uses_pass_openssls_full_check) {
  for (unsigned bits : {1024u, 2048u, 4096u}) {
    BOOST_TEST_CONTEXT("RSA-" << bits) {
      auto k = make_workload_rsa_key(bits, 1);
      BOOST_REQUIRE(k);
      BOOST_TEST(EVP_PKEY_get_bits(k.get()) == static_cast<int>(bits));
      // EVP_PKEY_check: primality of p and q, n = pq, d, the CRT parts (RSA_check_key_ex).
      EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_pkey(nullptr, k.get(), nullptr);
      BOOST_TEST(EVP_PKEY_check(c) == 1);
      EVP_PKEY_CTX_free(c);
      const auto p = parts_of(k.get());
      BOOST_TEST(p.e == (std::vector<uint8_t>{0x01, 0x00, 0x01}));
      BOOST_TEST(cmp(p.p, p.q) > 0);  // p > q
      BOOST_TEST(p.p.size() == bits / 16);
      BOOST_TEST(p.q.size() == bits / 16);
    }
  }
}

BOOST_AUTO_TEST_CASE(signs_and_verifies) {
  auto k = make_workload_rsa_key(2048, 7);
  BOOST_REQUIRE(k);
  const unsigned char msg[] = "an administrator's request";
  EVP_MD_CTX* s = EVP_MD_CTX_new();
  size_t len = 0;
  BOOST_REQUIRE(EVP_DigestSignInit(s, nullptr, EVP_sha256(), nullptr, k.get()) == 1);
  BOOST_REQUIRE(EVP_DigestSign(s, nullptr, &len, msg, sizeof msg) == 1);
  std::vector<unsigned char> sig(len);
  BOOST_REQUIRE(EVP_DigestSign(s, sig.data(), &len, msg, sizeof msg) == 1);
  EVP_MD_CTX_free(s);
  EVP_MD_CTX* v = EVP_MD_CTX_new();
  BOOST_REQUIRE(EVP_DigestVerifyInit(v, nullptr, EVP_sha256(), nullptr, k.get()) == 1);
  BOOST_TEST(EVP_DigestVerify(v, sig.data(), len, msg, sizeof msg) == 1);
  sig[10] ^= 1;
  BOOST_TEST(EVP_DigestVerify(v, sig.data(), len, msg, sizeof msg) == 0);
  EVP_MD_CTX_free(v);
}

BOOST_AUTO_TEST_CASE(a_function_of_size_and_seed) {
  const auto a = parts_of(make_workload_rsa_key(1024, 42).get());
  const auto b = parts_of(make_workload_rsa_key(1024, 42).get());
  BOOST_TEST(a.n == b.n);
  BOOST_TEST(a.d == b.d);
  BOOST_TEST(parts_of(make_workload_rsa_key(1024, 43).get()).n != a.n);
  // The seed's high half counts too.
  BOOST_TEST(parts_of(make_workload_rsa_key(1024, 42 + (uint64_t{1} << 32)).get()).n != a.n);
  BOOST_TEST(parts_of(make_workload_rsa_key(2048, 42).get()).n != a.n);
}

BOOST_AUTO_TEST_CASE(sizes_outside_the_range_give_no_key) {
  BOOST_TEST(!make_workload_rsa_key(0, 1));
  BOOST_TEST(!make_workload_rsa_key(256, 1));
  BOOST_TEST(!make_workload_rsa_key(1000, 1));  // not a multiple of 16
  BOOST_TEST(!make_workload_rsa_key(16384, 1));
}
