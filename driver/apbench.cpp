// driver/apbench.cpp — RSA workload on one APQN with a window of requests in flight.
//
// apbench --apqn XX.YYYY [--op mex-1024|mex-2048|mex-4096|crt-1024|crt-2048|crt-4096]
//         [--requests N] [--inflight K]
// Keys come from OpenSSL; each request is a type50 message built by the zcrypt message
// code; every reply is converted as zcrypt does and compared with OpenSSL's result.
// Latency is submit-to-reply in simulated time (the AP bus' request path: NQAP, service,
// the poll or interrupt that finds the reply, DQAP).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "driver/ap_bus.h"
#include "driver/kernel.h"
#include "driver/tools.h"
#include "driver/zcrypt_msgtype50.h"

namespace apsim::driver {

namespace {

using Bytes = std::vector<uint8_t>;

struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnDeleter>;

Bytes bn_bytes(const BIGNUM* b, size_t len) {
  Bytes v(len);
  BN_bn2binpad(b, v.data(), static_cast<int>(len));
  return v;
}

Bn get_param(EVP_PKEY* k, const char* name) {
  BIGNUM* b = nullptr;
  EVP_PKEY_get_bn_param(k, name, &b);
  return Bn(b);
}

struct RsaKey {
  Bn n, e, d, p, q, dp, dq, qinv;
  size_t bytes = 0;
};

bool make_key(unsigned bits, RsaKey& key) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* pkey = nullptr;
  const bool ok = ctx && EVP_PKEY_keygen_init(ctx) > 0 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, static_cast<int>(bits)) > 0 &&
                  EVP_PKEY_keygen(ctx, &pkey) > 0;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return false;
  key.n = get_param(pkey, OSSL_PKEY_PARAM_RSA_N);
  key.e = get_param(pkey, OSSL_PKEY_PARAM_RSA_E);
  key.d = get_param(pkey, OSSL_PKEY_PARAM_RSA_D);
  key.p = get_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR1);
  key.q = get_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR2);
  key.dp = get_param(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT1);
  key.dq = get_param(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT2);
  key.qinv = get_param(pkey, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
  key.bytes = bits / 8;
  EVP_PKEY_free(pkey);
  return key.n && key.d && key.p && key.q && key.dp && key.dq && key.qinv;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace

int apbench_main(LinuxKernel& k, const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"RSA workload on one AP queue", "apbench"};
  std::string apqn_s, op = "mex-2048";
  unsigned requests = 100, inflight = 1;
  app.add_option("--apqn", apqn_s, "queue XX.YYYY")->required();
  app.add_option("--op", op, "operation")
      ->check(CLI::IsMember({"mex-1024", "mex-2048", "mex-4096", "crt-1024", "crt-2048", "crt-4096"}));
  app.add_option("--requests", requests, "number of requests")->check(CLI::Range(1u, 10000000u));
  app.add_option("--inflight", inflight, "requests in flight")->check(CLI::Range(1u, 1024u));
  std::vector<const char*> args;
  for (const auto& a : argv) args.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::ParseError& e) {
    std::ostringstream o, e2;
    const int rc = app.exit(e, o, e2);
    out << o.str();
    err << e2.str();
    return rc;
  }
  arch::Apqn qid;
  if (!arch::parse_apqn(apqn_s, qid)) {
    err << "apbench: invalid APQN '" << apqn_s << "' (expected XX.YYYY)\n";
    return 2;
  }
  ApBus& bus = k.ap_bus();
  ApQueueDev* q = bus.queue(qid);
  if (!q) {
    err << "apbench: APQN " << qid.name() << " does not exist on this system\n";
    return 1;
  }
  if (!q->driver || q->driver->name() != "cex4queue") {
    err << "apbench: APQN " << qid.name() << " is not available to zcrypt (driver: "
        << (q->driver ? q->driver->name() : "none") << ")\n";
    return 1;
  }
  const bool crt = op.compare(0, 3, "crt") == 0;
  const unsigned bits = static_cast<unsigned>(std::stoul(op.substr(4)));
  RsaKey key;
  if (!make_key(bits, key)) {
    err << "apbench: OpenSSL could not generate an RSA-" << bits << " key\n";
    return 1;
  }

  // A pool of distinct messages; the expected results come from OpenSSL (BN_mod_exp).
  constexpr unsigned kPool = 16;
  std::vector<Bytes> msgs, expect, reqs;
  BN_CTX* bctx = BN_CTX_new();
  for (unsigned i = 0; i < kPool; ++i) {
    Bn m(BN_new()), r(BN_new());
    Bytes raw(key.bytes);
    for (auto& b : raw) b = static_cast<uint8_t>(k.rng()());
    BN_bin2bn(raw.data(), static_cast<int>(raw.size()), m.get());
    BN_mod(m.get(), m.get(), key.n.get(), bctx);
    BN_mod_exp(r.get(), m.get(), key.d.get(), key.n.get(), bctx);
    msgs.push_back(bn_bytes(m.get(), key.bytes));
    expect.push_back(bn_bytes(r.get(), key.bytes));
    Bytes msg;
    int rc;
    if (crt) {
      ica_rsa_modexpo_crt c;
      c.inputdata = msgs.back();
      c.inputdatalength = c.outputdatalength = static_cast<uint32_t>(key.bytes);
      // The ioctl layout: p, dp and u carry MSGTYPE_ADJUSTMENT extra (leading zero) bytes.
      c.np_prime = bn_bytes(key.p.get(), key.bytes / 2 + MSGTYPE_ADJUSTMENT);
      c.nq_prime = bn_bytes(key.q.get(), key.bytes / 2);
      c.bp_key = bn_bytes(key.dp.get(), key.bytes / 2 + MSGTYPE_ADJUSTMENT);
      c.bq_key = bn_bytes(key.dq.get(), key.bytes / 2);
      c.u_mult_inv = bn_bytes(key.qinv.get(), key.bytes / 2 + MSGTYPE_ADJUSTMENT);
      rc = ICACRT_msg_to_type50CRT_msg(c, msg);
    } else {
      ica_rsa_modexpo m2;
      m2.inputdata = msgs.back();
      m2.inputdatalength = m2.outputdatalength = static_cast<uint32_t>(key.bytes);
      m2.b_key = bn_bytes(key.d.get(), key.bytes);
      m2.n_modulus = bn_bytes(key.n.get(), key.bytes);
      rc = ICAMEX_msg_to_type50MEX_msg(m2, msg);
    }
    if (rc) {
      BN_CTX_free(bctx);
      err << "apbench: building the type50 request failed (" << rc << ")\n";
      return 1;
    }
    reqs.push_back(std::move(msg));
  }
  BN_CTX_free(bctx);

  arch::Cpu& cpu = k.cpu();
  std::vector<std::unique_ptr<ApMessageReq>> all(requests);
  std::vector<double> lat_us;
  unsigned sent = 0, done = 0, failed = 0, wrong = 0;
  const uint64_t t0 = cpu.now_ps();
  auto on_done = [&](ApMessageReq& r) {
    ++done;
    lat_us.push_back(static_cast<double>(r.t_reply_ps - r.t_submit_ps) / 1e6);
  };
  std::vector<unsigned> pool_of(requests);
  while (done < requests) {
    while (sent < requests && sent - done < inflight) {
      auto& r = all[sent];
      r = std::make_unique<ApMessageReq>();
      pool_of[sent] = sent % kPool;
      r->msg = reqs[pool_of[sent]];
      r->on_done = on_done;
      ++sent;
      bus.queue_message(*q, *r);
    }
    if (done < requests) bus.wait_and_poll();
  }
  const uint64_t t1 = cpu.now_ps();
  for (unsigned i = 0; i < requests; ++i) {
    ApMessageReq& r = *all[i];
    if (r.rc != 0) {
      ++failed;
      continue;
    }
    Bytes result;
    if (convert_response(r.reply.data(), r.reply.size(), key.bytes, result) != 0 || result != expect[pool_of[i]])
      ++wrong;
  }
  const double secs = static_cast<double>(t1 - t0) / 1e12;
  char buf[256];
  out << "apbench: " << qid.name() << " " << op << ", " << requests << " requests, " << inflight << " in flight, "
      << (bus.use_interrupts() ? "interrupts" : "polling") << "\n";
  std::snprintf(buf, sizeof buf, "  completed %u, failed %u, wrong %u\n", requests - failed - wrong, failed, wrong);
  out << buf;
  std::snprintf(buf, sizeof buf, "  throughput %.1f requests/s (simulated time %.3f ms)\n", secs > 0 ? requests / secs : 0.0,
                secs * 1e3);
  out << buf;
  std::snprintf(buf, sizeof buf, "  latency us: min %.1f median %.1f p99 %.1f max %.1f\n", percentile(lat_us, 0),
                percentile(lat_us, 0.5), percentile(lat_us, 0.99), percentile(lat_us, 1));
  out << buf;
  if (failed || wrong) {
    err << "apbench: " << failed << " requests failed and " << wrong << " replies were wrong\n";
    return 1;
  }
  return 0;
}

}  // namespace apsim::driver
