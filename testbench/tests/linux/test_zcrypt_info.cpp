// testbench/tests/linux/test_zcrypt_info.cpp — the texts of zcrypt's CCA and EP11 attributes
// (driver/linux/zcrypt_cex4.h, from zcrypt_cex4.c's *_show functions of 6.1.192 and 6.17)
// from the info structs zcrypt_ccamisc.c / zcrypt_ep11misc.c fill: the forms with data, the
// "no data" forms of a struct left zeroed, the two releases' op_modes tables; and
// zcrypt_msgtype6_send_cprb's reply limit.  The replies themselves are tested against the
// firmware in testbench/tests/firmware/test_cprb.cpp (suite card_info).
#define BOOST_TEST_MODULE zcrypt_info
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <string>

#include "arch/bits.h"
#include "arch/msgtype6.h"
#include "driver/linux/zcrypt_cex4.h"
#include "driver/linux/zcrypt_msgtype6.h"

namespace drv = apsim::driver;
namespace arch = apsim::arch;

BOOST_AUTO_TEST_SUITE(cca)

BOOST_AUTO_TEST_CASE(mkvps_without_data) {
  // cca_mkvps_show after a failed cca_get_info: memset(&ci, 0) -> every line "- -".
  BOOST_TEST(drv::cca_mkvps_text(drv::CcaInfo{}) ==
             "AES NEW: - -\nAES CUR: - -\nAES OLD: - -\n"
             "APKA NEW: - -\nAPKA CUR: - -\nAPKA OLD: - -\n"
             "ASYM NEW: - -\nASYM CUR: - -\nASYM OLD: - -\n");
}

BOOST_AUTO_TEST_CASE(mkvps_with_data) {
  drv::CcaInfo ci;
  ci.new_aes_mk_state = '3';  // full
  ci.new_aes_mkvp = 0x0123456789abcdefull;
  ci.cur_aes_mk_state = '2';
  ci.cur_aes_mkvp = 0xfedcba9876543210ull;
  ci.old_aes_mk_state = '1';  // invalid: the pattern Linux left 0
  ci.new_apka_mk_state = '2';  // partial
  ci.cur_apka_mk_state = '2';
  ci.cur_apka_mkvp = 0x42;
  ci.old_apka_mk_state = '3';  // not a CUR/OLD state: "- -"
  ci.new_asym_mk_state = '1';
  ci.cur_asym_mk_state = '2';
  for (int i = 0; i < 16; ++i) ci.cur_asym_mkvp[i] = static_cast<uint8_t>(i * 0x11);
  ci.old_asym_mk_state = '0';  // below '1': "- -"
  BOOST_TEST(drv::cca_mkvps_text(ci) ==
             "AES NEW: full 0x0123456789abcdef\n"
             "AES CUR: valid 0xfedcba9876543210\n"
             "AES OLD: invalid 0x0000000000000000\n"
             "APKA NEW: partial 0x0000000000000000\n"
             "APKA CUR: valid 0x0000000000000042\n"
             "APKA OLD: - -\n"
             "ASYM NEW: empty 0x00000000000000000000000000000000\n"
             "ASYM CUR: valid 0x00112233445566778899aabbccddeeff\n"
             "ASYM OLD: - -\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ep11)

BOOST_AUTO_TEST_CASE(card_attributes) {
  drv::Ep11CardInfo ci;
  // Without data every card attribute is an empty line (API/FW only print when > 0).
  BOOST_TEST(drv::ep11_api_ordinalnr_text(ci) == "\n");
  BOOST_TEST(drv::ep11_fw_version_text(ci) == "\n");
  BOOST_TEST(drv::ep11_serialnr_text(ci) == "\n");
  BOOST_TEST(drv::ep11_op_modes_text(ci.op_mode, false) == "\n");
  ci.API_ord_nr = 6;
  ci.FW_version = 0x0812;
  const std::string serial = "93AAP00600000000";
  std::copy(serial.begin(), serial.end(), ci.serial.begin());
  BOOST_TEST(drv::ep11_api_ordinalnr_text(ci) == "6\n");
  BOOST_TEST(drv::ep11_fw_version_text(ci) == "8.18\n");
  BOOST_TEST(drv::ep11_serialnr_text(ci) == "93AAP00600000000\n");
  // "%16.16s" of a serial that ends early: right-aligned in 16.
  ci.serial.fill(0);
  ci.serial[0] = 'A';
  ci.serial[1] = 'B';
  BOOST_TEST(drv::ep11_serialnr_text(ci) == "              AB\n");
}

BOOST_AUTO_TEST_CASE(op_modes_by_release) {
  const uint64_t all = 0x1ff;
  // 6.1.192's ep11_op_modes[]: bits 0, 1, 2, 3, 6.
  BOOST_TEST(drv::ep11_op_modes_text(all, false) == "FIPS2009 BSI2009 FIPS2011 BSI2011 BSICC2017\n");
  // 6.17's: also 4, 5, 7, 8, in table order.
  BOOST_TEST(drv::ep11_op_modes_text(all, true) ==
             "FIPS2009 BSI2009 FIPS2011 BSI2011 SIGG-IMPORT SIGG BSICC2017 FIPS2021 FIPS2024\n");
  const uint64_t model = arch::EP11_OP_MODE_FIPS2009 | arch::EP11_OP_MODE_FIPS2011 | arch::EP11_OP_MODE_FIPS2021;
  BOOST_TEST(drv::ep11_op_modes_text(model, false) == "FIPS2009 FIPS2011\n");
  BOOST_TEST(drv::ep11_op_modes_text(model, true) == "FIPS2009 FIPS2011 FIPS2021\n");
  BOOST_TEST(drv::ep11_op_modes_text(1ull << 9, true) == "\n");  // a bit no table names
}

BOOST_AUTO_TEST_CASE(mkvps) {
  // No query (queue offline) or a failed one: the struct stays zero.
  BOOST_TEST(drv::ep11_mkvps_text(drv::Ep11DomainInfo{}) == "WK CUR: - -\nWK NEW: - -\n");
  drv::Ep11DomainInfo di;
  di.cur_wk_state = '0';
  di.new_wk_state = '0';
  BOOST_TEST(drv::ep11_mkvps_text(di) == "WK CUR: invalid -\nWK NEW: empty -\n");
  di.cur_wk_state = '1';
  di.new_wk_state = '1';
  for (int i = 0; i < 32; ++i) di.cur_wkvp[i] = static_cast<uint8_t>(i);
  di.new_wkvp.fill(0xAB);
  const std::string cur = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
  std::string nw_ab;
  for (int i = 0; i < 32; ++i) nw_ab += "ab";
  BOOST_TEST(drv::ep11_mkvps_text(di) == "WK CUR: valid 0x" + cur + "\nWK NEW: uncommitted 0x" + nw_ab + "\n");
  di.new_wk_state = '2';
  BOOST_TEST(drv::ep11_mkvps_text(di) == "WK CUR: valid 0x" + cur + "\nWK NEW: committed 0x" + nw_ab + "\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(msgtype6)

BOOST_AUTO_TEST_CASE(reply_limit_of_send_cprb) {
  // zcrypt_msgtype6_send_cprb: each from-length at most the payload, and fromcardlen1
  // pruned when their sum exceeds it (after the clamp, pruning always suffices).
  drv::Bytes m(arch::TYPE6_HDR_SIZE, 0);
  const auto set = [&](uint32_t a, uint32_t b) {
    arch::store_be32(&m[arch::T6_FROMCARDLEN1], a);
    arch::store_be32(&m[arch::T6_FROMCARDLEN2], b);
  };
  const auto f1 = [&] { return arch::load_be32(&m[arch::T6_FROMCARDLEN1]); };
  const auto f2 = [&] { return arch::load_be32(&m[arch::T6_FROMCARDLEN2]); };
  set(4332, 0);
  BOOST_TEST(drv::zcrypt_msgtype6_limit_reply(m, 12240) == 0);
  BOOST_TEST((f1() == 4332u && f2() == 0u));
  set(20000, 100);
  BOOST_TEST(drv::zcrypt_msgtype6_limit_reply(m, 12240) == 0);
  BOOST_TEST((f1() == 12140u && f2() == 100u));
  set(100, 20000);  // fromcardlen2 is trusted: clamped to 12240, then 100 over
  BOOST_TEST(drv::zcrypt_msgtype6_limit_reply(m, 12240) == 0);
  BOOST_TEST((f1() == 0u && f2() == 12240u));
  drv::Bytes shorter(10, 0);  // no header to limit
  BOOST_TEST(drv::zcrypt_msgtype6_limit_reply(shorter, 12240) == -EINVAL);
  drv::zcrypt_msgtype6_set_ep11_reply_limit(m, 12240);
  BOOST_TEST(f1() == 12240u);
}

BOOST_AUTO_TEST_SUITE_END()
