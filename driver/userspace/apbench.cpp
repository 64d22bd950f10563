// driver/userspace/apbench.cpp — a crypto workload on one or more APQNs, through the AP bus' request
// path (NQAP, service, the poll or interruption that finds the reply, DQAP).
//
// apbench (--apqn XX.YYYY | --apqns N|XX.YYYY,XX.YYYY,...) [--guests NAME,NAME,...]
//         [--op mex-1024|mex-2048|mex-4096|crt-1024|crt-2048|crt-4096|cca-seckey|ep11-seckey|rng]
//         [--exponent private|public] [--requests N] [--inflight K] [--mode polling|interrupts]
//         [--rate R] [--threads T] [--stages] [--report text|kv]
//
//  * RSA ops: type-50 requests (zcrypt_msgtype50) with an OpenSSL key; every reply is
//    compared with OpenSSL's BN_mod_exp.  mex-* sends the private exponent d (full length,
//    what a private-key operation without CRT costs) or, with --exponent public, e = 65537
//    (what libica's public-key operations send, and what zcrypt's MEX rating prices).
//  * cca-seckey: an OpenSSL RSA-2048 key imported into each APQN's domain ("PI", wrapped
//    under the domain's master key), then "SG" RSASSA-PKCS1-v1_5 signatures of SHA-256
//    hashes; every signature must equal OpenSSL's.  CCA coprocessors only.
//  * ep11-seckey: an RSA-2048 key pair generated in each APQN's domain (GenerateKeyPair),
//    then SignSingle (CKM_SHA256_RSA_PKCS); the first signature of each message must verify
//    with OpenSSL against the returned SPKI, every later one must equal it (the scheme is
//    deterministic).  EP11 coprocessors only.
//  * rng: CCA "RL" (ZCRYPT_RNG_BUFFER_SIZE bytes, zcrypt's hwrng request) or EP11
//    GenerateRandom; every answer must have the length asked for, not be all zero, and differ
//    from the queue's previous one.
// Requests go round-robin over the APQNs.  Closed loop (default): at most --inflight requests
// outstanding, the next one submitted when one completes.  Open loop (--rate R): arrivals form
// a Poisson process of R requests per simulated second (seeded from the kernel's seed);
// --inflight bounds what is outstanding (default: unbounded), later arrivals wait in the
// application's backlog, and latency counts from the arrival.
// --threads T: T software threads, each issuing synchronous requests through the zcrypt ioctl
// as libica does (one request per thread, blocked in the kernel until its reply), instead of
// the --inflight window (which stays for raw queue studies: it costs no software time).  Each
// request runs on the LPAR's CPU complex (docs/cpu-complex.md): system call entry, zcrypt's
// ioctl and ap_queue_message() as one kernel path on the thread's CPU, then the NQAP; when the
// AP bus finds the reply, the interruption's entry (interruptions only) and the tasklet's poll
// work on a CPU, the thread's wakeup and the system call's exit on the thread's CPU, each the
// cost of arch/software_cost.h plus any wait for a CPU.  The requests go round-robin over the
// APQNs in the order the threads issue them; latency runs from the system call's entry to its
// exit.  In a guest (ssh guest1 apbench --threads) the threads run on the guest's vCPUs and
// the reply's interruption reaches the woken thread's vCPU through the GISA or the GIB alert
// (arch::Cpu::deliver_interruption); with --guests T threads run in each guest.  Not with
// --rate (a closed loop).  The report adds each host
// CPU's busy share of the run (host/guest/kernel/interruption).
// --mode switches the AP bus between interruptions and the poll timer for this run only
// (ApBus::set_use_interrupts, the ap.useirq knob).
// --guests (on the host): run the workload in each named guest at once — each guest's own
// AP bus, its APQNs (--apqns/--apqn resolved in each guest), its SIE context; the requests go
// round-robin over every guest's APQNs and --inflight is the window of each guest.  The
// simulated machine has one CPU, so the guests' vCPUs time-share it: while all of them wait,
// the host sleeps until an adapter interruption of any guest (a GIB alert, spec §6.2) or the
// poll timer, and then runs every guest's AP bus tasklet.
// Below the header, one line per adapter used: its processing engines and the service time of
// the chosen operation — the firmware's mean and the mean actually drawn — as the adapter
// reported them with each reply (the testbench's probe; apsim's own figures, not Linux's).
// --stages prints each request's latency split into stages, from the driver's times and the
// hardware's (the adapter probe, when the platform offers it): app backlog (arrival → submit;
// with --threads "user->kernel": the system call's entry, the ioctl and ap_queue_message,
// waits for a CPU included), driver queue (submit →
// the NQAP that took it), SIE/bus (that NQAP → the adapter accepted it), queue wait (→ an
// engine started it), service (→ the engine finished), reply wait (→ the DQAP that took the
// reply returned), and with --threads "wakeup->user" (the DQAP that took the reply → the
// system call's exit: interruption, poll work, wakeup); the stages add up to the latency.
// --report kv adds one machine-readable line `apbench: result k=v ...`
// (apbench.h hands the same figures to the program hosting the simulation as data).
#include <CLI/CLI.hpp>
#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <sstream>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "arch/ap_registers.h"
#include "arch/rsa_key.h"
#include "arch/msgtype6.h"
#include "driver/linux/ap_bus.h"
#include "driver/linux/kernel.h"
#include "driver/qemu/qemu.h"
#include "driver/linux/zcrypt_api.h"
#include "driver/userspace/apbench.h"
#include "driver/userspace/latency_record.h"
#include "driver/userspace/tool_args.h"
#include "driver/userspace/workload_key.h"
#include "driver/userspace/programs.h"
#include "driver/userspace/session.h"
#include "driver/linux/zcrypt_msgtype50.h"
#include "driver/linux/zcrypt_msgtype6.h"

namespace apsim::driver {

namespace {

using Bytes = std::vector<uint8_t>;

struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnDeleter>;
using Pkey = EvpPkey;

Bytes bn_bytes(const BIGNUM* b, size_t len) {
  Bytes v(len);
  BN_bn2binpad(b, v.data(), static_cast<int>(len));
  return v;
}
Bytes bn_min(const BIGNUM* b) {
  Bytes v(static_cast<size_t>(BN_num_bytes(b)));
  BN_bn2bin(b, v.data());
  return v;
}

Bn to_bn(const Bytes& v) { return Bn(BN_bin2bn(v.data(), static_cast<int>(v.size()), nullptr)); }

struct RsaKey {
  Pkey pkey;
  Bn n, e, d, p, q, dp, dq, qinv;
  size_t bytes = 0;
};

bool make_key(unsigned bits, uint64_t seed, RsaKey& key) {
  key.pkey = make_workload_rsa_key(bits, seed);  // reproducible from the kernel's seed
  if (!key.pkey) return false;
  arch::RsaKeyBytes parts;
  if (!arch::extract_rsa_key(key.pkey.get(), parts)) return false;
  key.n = to_bn(parts.n);
  key.e = to_bn(parts.e);
  key.d = to_bn(parts.d);
  key.p = to_bn(parts.p);
  key.q = to_bn(parts.q);
  key.dp = to_bn(parts.dp);
  key.dq = to_bn(parts.dq);
  key.qinv = to_bn(parts.u);
  key.bytes = bits / 8;
  return key.n && key.d && key.p && key.q && key.dp && key.dq && key.qinv;
}

Bytes sha256(const Bytes& m) {
  Bytes d(32);
  unsigned n = 0;
  EVP_Digest(m.data(), m.size(), d.data(), &n, EVP_sha256(), nullptr);
  return d;
}

/// OpenSSL's RSASSA-PKCS1-v1_5 signature of a SHA-256 hash (deterministic).
Bytes openssl_sign(EVP_PKEY* k, const Bytes& hash) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, k, nullptr);
  Bytes sig;
  size_t len = 0;
  if (ctx && EVP_PKEY_sign_init(ctx) > 0 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
      EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0 && EVP_PKEY_sign(ctx, nullptr, &len, hash.data(), hash.size()) > 0) {
    sig.resize(len);
    if (EVP_PKEY_sign(ctx, sig.data(), &len, hash.data(), hash.size()) <= 0) sig.clear();
  }
  EVP_PKEY_CTX_free(ctx);
  return sig;
}

bool openssl_verify_spki(const Bytes& spki, const Bytes& msg, const Bytes& sig) {
  const unsigned char* p = spki.data();
  Pkey pub(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  if (!pub) return false;
  EVP_MD_CTX* m = EVP_MD_CTX_new();
  const bool ok = EVP_DigestVerifyInit(m, nullptr, EVP_sha256(), nullptr, pub.get()) == 1 &&
                  EVP_DigestVerify(m, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
  EVP_MD_CTX_free(m);
  return ok;
}

enum class Kind { rsa, cca_seckey, ep11_seckey, rng };

constexpr unsigned kPool = 16;  ///< distinct messages per queue, reused round-robin

/// What one queue sends and how its replies are checked.
struct Lane {
  ApQueueDev* q = nullptr;
  ApBus* bus = nullptr;         ///< the AP bus (of the host or a guest) the queue belongs to
  unsigned group = 0;           ///< index of that bus (its own --inflight window)
  std::vector<Bytes> reqs;      ///< kPool request messages
  std::vector<Bytes> expect;    ///< RSA: results; CCA: signatures
  std::vector<Bytes> msgs;      ///< EP11: the signed messages
  Bytes spki;                   ///< EP11: the public key
  std::vector<Bytes> verified;  ///< EP11: each message's signature once OpenSSL verified it
  Bytes last_random;            ///< rng: the previous answer
  bool ep11 = false;            ///< rng: EP11 GenerateRandom instead of CCA "RL"
};

/// A type-6 message from an ica_xcRB for queue q (the CPRB's domain is the queue's).
Bytes cca_message(ica_xcRB x, const ApQueueDev& q) {
  Bytes m;
  unsigned fc = 0;
  uint16_t dom = 0;
  if (xcrb_msg_to_type6cprb_msgx(x, m, fc, dom) != 0) return {};
  set_cprb_domain(m, q.qid.apqi);
  return m;
}

Bytes ep11_message(const ep11_urb& u, const ApQueueDev& q) {
  Bytes m;
  unsigned fc = 0, dom = 0;
  if (xcrb_msg_to_type6_ep11cprb_msgx(u, m, fc, dom) != 0 || ep11_set_queue_domain(m, q.qid.apqi) != 0) return {};
  return m;
}

// Linux's AP bus timers (ap_bus.c): poll_high_timeout in an LPAR, poll_low_timeout.
constexpr uint64_t kPollHighTimeoutPs = 250'000'000;
constexpr uint64_t kPollLowTimeoutPs = 40'000'000'000;

/// set_apbench_result_sink's listener (apbench.h).
std::function<void(const ApbenchResult&)>& result_sink() {
  static std::function<void(const ApbenchResult&)> sink;
  return sink;
}

const char* kStageNames[] = {"app backlog", "driver queue", "SIE/bus", "queue wait", "service", "reply wait",
                             "wakeup->user"};
const char* kStageKeys[] = {"backlog", "driver", "siebus", "qwait", "service", "replywait", "delivery"};
/// The stages; the last (wakeup->user) only with --threads.
constexpr size_t kStages = 7;

}  // namespace

void set_apbench_result_sink(std::function<void(const ApbenchResult&)> sink) { result_sink() = std::move(sink); }

int apbench_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  // The process's heap allocations, when it has an allocation counter (the test's LD_PRELOAD
  // library testbench/cli/alloc_count.cpp exports apsim_alloc_count; a normal run has none
  // and reports nothing): apbench reports those of its set-up (options, keys, messages: never
  // zero, the proof that the counter counts) and those of its steady state (below).
  using AllocCount = unsigned long long (*)();
  const auto alloc_count = reinterpret_cast<AllocCount>(dlsym(RTLD_DEFAULT, "apsim_alloc_count"));
  const unsigned long long allocs_start = alloc_count ? alloc_count() : 0;
  LinuxKernel& k = s.kernel();
  std::ostream &out = *io.out, &err = *io.err;
  CLI::App app{"crypto workload on AP queues", "apbench"};
  std::string apqn_s, apqns_s, op = "mex-2048", mode, report = "text", guests_s, exponent = "private";
  unsigned requests = 100, inflight = 1, threads = 0;
  double rate = 0;
  auto* o_apqn = app.add_option("--apqn", apqn_s, "queue XX.YYYY");
  auto* o_apqns = app.add_option("--apqns", apqns_s, "N (the first N usable queues) or a list XX.YYYY,XX.YYYY,...");
  o_apqn->excludes(o_apqns);
  app.add_option("--op", op, "operation")
      ->check(CLI::IsMember({"mex-1024", "mex-2048", "mex-4096", "crt-1024", "crt-2048", "crt-4096", "cca-seckey",
                             "ep11-seckey", "rng"}));
  auto* o_exponent = app.add_option("--exponent", exponent, "mex-*: the private exponent d or the public e = 65537")
                         ->check(CLI::IsMember({"private", "public"}));
  app.add_option("--requests", requests, "number of requests")->check(CLI::Range(1u, 10000000u));
  auto* o_inflight = app.add_option("--inflight", inflight, "requests in flight")->check(CLI::Range(1u, 4096u));
  auto* o_threads = app.add_option("--threads", threads, "synchronous software threads (libica-like), one request each")
                        ->check(CLI::Range(1u, 4096u));
  o_threads->excludes(o_inflight);
  bool stages = false;
  app.add_flag("--stages", stages, "print the latency split into stages (needs the hardware probe)");
  app.add_option("--mode", mode, "AP bus: interruptions or the poll timer")->check(CLI::IsMember({"polling", "interrupts"}));
  app.add_option("--rate", rate, "open loop: Poisson arrivals, requests per simulated second")
      ->check(CLI::Range(1e-3, 1e12));
  app.add_option("--guests", guests_s, "run in these guests at once (on the host): NAME,NAME,...");
  app.add_option("--report", report, "text, or kv: also a machine-readable result line")->check(CLI::IsMember({"text", "kv"}));
  app.set_version_flag("--version", std::string("apbench (apsim) ") + kApsimVersion);
  if (const auto rc = parse_tool_args(app, argv, out, err)) return *rc == 0 ? 0 : 2;  // usage errors: status 2, as apinsn
  if (apqn_s.empty() && apqns_s.empty()) {
    err << "apbench: --apqn or --apqns is required\n";
    return 2;
  }
  if (o_exponent->count() && op.compare(0, 3, "mex") != 0) {
    err << "apbench: --exponent applies to mex-* only, not to " << op << "\n";
    return 2;
  }
  const bool open_loop = rate > 0;
  if (threads && open_loop) {
    // Open loop with threads would need a thread per arrival (or a pool and a backlog): not
    // modelled; the --inflight window's open loop stays.
    err << "apbench: --threads runs a closed loop (each thread issues its next request when its reply is back): "
           "not with --rate\n";
    return 2;
  }
  if (open_loop && o_inflight->count() == 0) inflight = 4096;
  const Kind kind = op == "cca-seckey" ? Kind::cca_seckey : op == "ep11-seckey" ? Kind::ep11_seckey
                    : op == "rng"      ? Kind::rng : Kind::rsa;
  // The kernels to run in: this one, or the named guests of this host.
  std::vector<LinuxKernel*> kernels;
  std::vector<std::string> guest_names;
  if (!guests_s.empty()) {
    std::stringstream gs(guests_s);
    std::string g;
    while (std::getline(gs, g, ',')) {
      auto it = s.guests().find(g);
      if (it == s.guests().end()) {
        err << "apbench: --guests: no guest named '" << g << "' runs on " << k.hostname() << "\n";
        return 1;
      }
      if (std::find(guest_names.begin(), guest_names.end(), g) != guest_names.end()) {
        err << "apbench: --guests: guest '" << g << "' is listed twice\n";
        return 2;
      }
      guest_names.push_back(g);
      kernels.push_back(&it->second.kernel());
    }
  } else {
    kernels.push_back(&k);
  }

  // ---- the queues ------------------------------------------------------------------------
  const auto usable = [&](ApQueueDev* q) { return q && q->driver && q->driver->name() == "cex4queue"; };
  const auto fits = [&](const ApQueueDev& q) {
    const uint32_t f = q.card ? q.card->functions : 0;
    switch (kind) {
      case Kind::cca_seckey: return (f & arch::AP_FUNC_COPRO) != 0;
      case Kind::ep11_seckey: return (f & arch::AP_FUNC_EP11) != 0;
      case Kind::rng: return (f & (arch::AP_FUNC_COPRO | arch::AP_FUNC_EP11)) != 0;
      case Kind::rsa: return true;
    }
    return false;
  };
  const char* what_card = kind == Kind::cca_seckey ? "a CCA coprocessor" : kind == Kind::ep11_seckey ? "an EP11 coprocessor"
                                                                                                     : "a coprocessor (CCA or EP11)";
  std::vector<ApQueueDev*> queues;
  std::vector<ApBus*> queue_bus;
  std::vector<ApBus*> buses;
  // The queues of one kernel (this one or a guest), in APQN order or as listed.
  const auto resolve = [&](LinuxKernel& kk) -> int {
    ApBus& bus = kk.ap_bus();
    const size_t first = queues.size();
    const std::string where = &kk == &k ? std::string() : " in " + kk.hostname();
    if (!bus.registered()) {
      // No AP instructions: ap_module_init registered no bus (no /sys/bus/ap), so there are
      // no queues and no zcrypt driver to send requests through.
      err << "apbench: no AP bus" << where << ": /sys/bus/ap: No such file or directory\n";
      return 1;
    }
    std::vector<std::string> names;
    const bool count_form = !apqns_s.empty() && apqns_s.find('.') == std::string::npos;
    if (count_form) {
      unsigned want = 0;
      if (apqns_s.find_first_not_of("0123456789") != std::string::npos || apqns_s.size() > 5 ||
          (want = static_cast<unsigned>(std::stoul(apqns_s))) == 0) {
        err << "apbench: --apqns: expected a count >= 1 or a list XX.YYYY,..., got '" << apqns_s << "'\n";
        return 2;
      }
      for (ApQueueDev* q : bus.queues())
        if (usable(q) && fits(*q) && queues.size() - first < want) queues.push_back(q);
      if (queues.size() - first < want) {
        err << "apbench: --apqns " << want << ": only " << queues.size() - first << " APQNs bound to cex4queue can run "
            << op << where << "\n";
        return 1;
      }
    } else {
      std::stringstream ss(apqn_s.empty() ? apqns_s : apqn_s);
      std::string item;
      while (std::getline(ss, item, ',')) names.push_back(item);
      for (const std::string& s : names) {
        arch::Apqn qid;
        if (!arch::parse_apqn(s, qid)) {
          err << "apbench: invalid APQN '" << s << "' (expected XX.YYYY)\n";
          return 2;
        }
        ApQueueDev* q = bus.queue(qid);
        if (!q) {
          err << "apbench: APQN " << qid.name() << " does not exist on this system" << where << "\n";
          return 1;
        }
        if (!usable(q)) {
          err << "apbench: APQN " << qid.name() << " is not available to zcrypt (driver: "
              << (q->driver ? q->driver->name() : "none") << ")" << where << "\n";
          return 1;
        }
        if (!fits(*q)) {
          err << "apbench: APQN " << qid.name() << " cannot run " << op << ": it is not " << what_card << "\n";
          return 1;
        }
        if (std::find(queues.begin() + static_cast<std::ptrdiff_t>(first), queues.end(), q) != queues.end()) {
          err << "apbench: APQN " << qid.name() << " is listed twice\n";
          return 2;
        }
        queues.push_back(q);
      }
    }
    queue_bus.resize(queues.size(), &bus);
    return 0;
  };
  for (LinuxKernel* kk : kernels) {
    buses.push_back(&kk->ap_bus());
    if (int rc = resolve(*kk); rc) return rc;
  }

  // ---- interruptions or polling for this run ------------------------------------------
  struct Restore {
    std::vector<std::pair<ApBus*, bool>> was;
    ~Restore() {
      for (auto& [b, irq] : was) b->set_use_interrupts(irq);
    }
  } restore;
  if (!mode.empty())  // restored at the end of the run, and only then
    for (ApBus* b : buses) restore.was.emplace_back(b, b->use_interrupts());
  if (!mode.empty())
    for (ApBus* b : buses)
      if (b->set_use_interrupts(mode == "interrupts") != 0) {
        err << "apbench: --mode interrupts: this system has no AP adapter interruptions (AQIC facility)\n";
        return 1;
      }
  for (ApBus* b : buses)
    if (b->use_interrupts() != buses[0]->use_interrupts()) {
      err << "apbench: the guests differ in interruptions and polling; choose one with --mode\n";
      return 1;
    }
  ApBus& bus = *buses[0];
  const auto group_of = [&](ApBus* b) {
    return static_cast<unsigned>(std::find(buses.begin(), buses.end(), b) - buses.begin());
  };

  // ---- the work per queue -----------------------------------------------------------------
  std::vector<Lane> lanes(queues.size());
  // A setup request (key import, key pair) that failed — a fault that landed before the run
  // began: the run's requests are never sent, and each is reported failed with the setup's
  // error, so that completed + failed = --requests whatever happened (issue 15).
  int setup_rc = 0;
  RsaKey key;
  if (kind == Kind::rsa || kind == Kind::cca_seckey) {
    const unsigned bits = kind == Kind::rsa ? static_cast<unsigned>(std::stoul(op.substr(4))) : 2048;
    if (!make_key(bits, k.options().seed, key)) {
      err << "apbench: OpenSSL could not generate an RSA-" << bits << " key\n";
      return 1;
    }
  }
  if (kind == Kind::rsa) {
    // A pool of distinct messages; the expected results come from OpenSSL (BN_mod_exp).
    const bool crt = op.compare(0, 3, "crt") == 0;
    BN_CTX* bctx = BN_CTX_new();
    std::vector<Bytes> reqs, expect;
    for (unsigned i = 0; i < kPool; ++i) {
      Bn m(BN_new()), r(BN_new());
      Bytes raw(key.bytes);
      for (auto& b : raw) b = static_cast<uint8_t>(k.rng()());
      BN_bin2bn(raw.data(), static_cast<int>(raw.size()), m.get());
      BN_mod(m.get(), m.get(), key.n.get(), bctx);
      BN_mod_exp(r.get(), m.get(), !crt && exponent == "public" ? key.e.get() : key.d.get(), key.n.get(), bctx);
      const Bytes mb = bn_bytes(m.get(), key.bytes);
      expect.push_back(bn_bytes(r.get(), key.bytes));
      Bytes msg;
      int rc;
      if (crt) {
        ica_rsa_modexpo_crt c;
        c.inputdata = mb;
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
        m2.inputdata = mb;
        m2.inputdatalength = m2.outputdatalength = static_cast<uint32_t>(key.bytes);
        m2.b_key = bn_bytes(exponent == "public" ? key.e.get() : key.d.get(), key.bytes);
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
    for (size_t i = 0; i < queues.size(); ++i)
      lanes[i] = Lane{queues[i], queue_bus[i], group_of(queue_bus[i]), reqs, expect, {}, {}, {}, {}, false};
  } else {
    for (size_t i = 0; i < queues.size() && setup_rc == 0; ++i) {
      Lane& l = lanes[i];
      l.q = queues[i];
      l.bus = queue_bus[i];
      l.group = group_of(queue_bus[i]);
      const uint16_t dom = l.q->qid.apqi;
      if (kind == Kind::rng) {
        l.ep11 = l.q->card && (l.q->card->functions & arch::AP_FUNC_EP11);
        Bytes m;
        if (l.ep11) m = ep11_message(ep11_generate_random_urb(dom, arch::ZCRYPT_RNG_BUFFER_SIZE), *l.q);
        else rng_type6cprb_msgx(m, arch::ZCRYPT_RNG_BUFFER_SIZE, dom);
        l.reqs.assign(1, m);
        continue;
      }
      Bytes reply;
      if (kind == Kind::cca_seckey) {
        // Import the key into this queue's domain: the token is wrapped under its master key.
        ica_xcRB x = cca_pka_import_xcrb(dom, cca_ext_crt_token(bn_min(key.n.get()), bn_min(key.e.get()), bn_min(key.p.get()),
                                                                bn_min(key.q.get()), bn_min(key.dp.get()),
                                                                bn_min(key.dq.get()), bn_min(key.qinv.get())));
        Bytes token;
        int rc = zcrypt_send_sync(*l.bus, *l.q, cca_message(x, *l.q), reply);  // setup: key import
        if (rc == 0) rc = convert_response_xcrb(reply.data(), reply.size(), x);
        if (rc == 0) rc = cca_pka_import_reply(x, token);
        if (rc != 0) {
          err << "apbench: PKA key import on " << l.q->qid.name() << " failed (" << rc << ")\n";
          setup_rc = rc;
          break;
        }
        for (unsigned j = 0; j < kPool; ++j) {
          Bytes msg(64);
          for (auto& b : msg) b = static_cast<uint8_t>(k.rng()());
          const Bytes hash = sha256(msg);
          l.reqs.push_back(cca_message(cca_dsg_xcrb(dom, "SHA-256 ", hash, token), *l.q));
          l.expect.push_back(openssl_sign(key.pkey.get(), hash));
        }
      } else {  // ep11-seckey
        ep11_urb g = ep11_generate_keypair_urb(dom, 2048, arch::XCP_BLOB_SIGN);
        int rc = zcrypt_send_sync(*l.bus, *l.q, ep11_message(g, *l.q), reply);  // setup: key pair
        if (rc == 0) rc = convert_response_ep11_xcrb(reply.data(), reply.size(), g);
        uint32_t rv = 1;
        std::vector<Bytes> outs;
        if (rc == 0) rc = ep11_parse_reply(g, rv, outs);
        if (rc != 0 || rv != arch::CKR_OK || outs.size() != 2) {
          err << "apbench: EP11 key pair generation on " << l.q->qid.name() << " failed (" << rc << ", CK_RV 0x" << std::hex
              << rv << std::dec << ")\n";
          setup_rc = rc != 0 ? rc : -EIO;
          break;
        }
        l.spki = outs[1];
        for (unsigned j = 0; j < kPool; ++j) {
          Bytes msg(64);
          for (auto& b : msg) b = static_cast<uint8_t>(k.rng()());
          l.reqs.push_back(ep11_message(ep11_sign_single_urb(dom, arch::CKM_SHA256_RSA_PKCS, outs[0], msg), *l.q));
          l.msgs.push_back(msg);
        }
        l.verified.assign(kPool, Bytes{});
      }
    }
  }

  // ---- the run ----------------------------------------------------------------------------
  // Flat memory (issue 13): a request lives in a slot from its submission until its reply is
  // checked and its times are counted, then the slot takes the next request; at most
  // --inflight per bus (or one per --threads thread) are outstanding, so the slots, their
  // message and reply buffers and the fixed-size latency records are all a run keeps,
  // whatever --requests is.  The steady state allocates nothing: the buffers keep their
  // capacity from one request to the next, the checks' buffers too (RSA, CCA, EP11, random
  // numbers: the reply readers assign into them).
  arch::Cpu& cpu = k.cpu();
  struct Slot {
    ApMessageReq req;
    unsigned index = 0;  // the request's number, 0 .. requests - 1
    uint64_t arrival_ps = 0;
    unsigned lane = 0, pool = 0;
    // --threads: the end of the submitting kernel path, and the system call's exit.
    uint64_t sw_submitted_ps = 0, user_ps = 0;
  };
  const unsigned capacity = (threads ? threads : inflight) * static_cast<unsigned>(buses.size());
  std::vector<Slot> slots(capacity);
  std::vector<unsigned> free_slots;  // a stack of the slots not in use (--threads: thread t uses slot t)
  free_slots.reserve(capacity);
  if (!threads)
    for (unsigned s = capacity; s-- > 0;) free_slots.push_back(s);
  unsigned sent = 0, done = 0;
  std::vector<unsigned> just_done;  // slots completed by the last poll, in order
  just_done.reserve(capacity);
  // Outstanding requests per bus (each guest has its own --inflight window).
  std::vector<unsigned> outstanding(buses.size(), 0);
  std::mt19937_64 arrivals(open_loop ? k.rng()() : 0);  // no draw in closed loop: later uuidgen unchanged
  std::exponential_distribution<double> gap(open_loop ? rate : 1.0);
  const auto next_gap_ps = [&] { return static_cast<uint64_t>(std::llround(gap(arrivals) * 1e12)); };
  const uint64_t t0 = cpu.now_ps();
  const unsigned long long allocs_setup = alloc_count ? alloc_count() - allocs_start : 0;
  uint64_t next_arrival = t0;
  for (unsigned s = 0; s < capacity; ++s)
    slots[s].req.on_done = [&done, &outstanding, &just_done, &slots, &lanes, s](ApMessageReq&) {
      ++done;
      --outstanding[lanes[slots[s].lane].group];
      just_done.push_back(s);
    };
  const auto lane_of = [&](unsigned i) { return i % static_cast<unsigned>(lanes.size()); };
  const auto window_open = [&](unsigned i) { return outstanding[lanes[lane_of(i)].group] < inflight; };
  std::function<void()> finish_done;  // (below) checks and frees the slots just_done names
  // Request i into a free slot (or slot `at`), stamped with its arrival.  A window that is open
  // has a slot free, or one whose request ended at once (e.g. -ENODEV) and waits in just_done.
  const auto take_slot = [&](unsigned i, uint64_t arrival_ps, unsigned at = UINT_MAX) -> Slot& {
    unsigned s = at;
    if (s == UINT_MAX) {
      if (free_slots.empty()) finish_done();
      s = free_slots.back();
      free_slots.pop_back();
    }
    Slot& r = slots[s];
    r.index = i;
    r.arrival_ps = arrival_ps;
    r.lane = lane_of(i);
    // (A lane whose setup never ran has no messages: its requests are never sent.)
    r.pool = (i / static_cast<unsigned>(lanes.size())) % std::max(1u, static_cast<unsigned>(lanes[r.lane].reqs.size()));
    r.req.rc = 0;
    r.req.hw_valid = false;
    r.req.reply.clear();
    return r;
  };
  const auto submit = [&](Slot& r) {
    Lane& l = lanes[r.lane];
    r.req.msg = l.reqs[r.pool];  // copied into the slot's buffer: no allocation once it is large enough
    ++outstanding[l.group];
    zcrypt_send(*l.bus, *l.q, r.req);
  };

  // ---- checking and counting, as each request ends ------------------------------------------
  unsigned failed = 0, wrong = 0;
  int first_error = 0;  // -errno of the failed request with the lowest number
  unsigned first_error_index = UINT_MAX;
  LatencyRecord lat;
  LatencyRecord stage[kStages];
  bool have_hw = true;
  // The adapters as they reported themselves (engines, service time of this operation), by APID.
  struct CardFigures {
    unsigned engines = 0;
    const char* shape = "";
    double cv = 0;
    uint64_t n = 0;
    unsigned __int128 mean_sum_ps = 0, drawn_sum_ps = 0;
  };
  std::vector<CardFigures> cards(256);
  // The checks' buffers, reused from one request to the next: the reply readers assign into
  // them, which allocates nothing once they are large enough (issue 13).
  Bytes result;         // RSA: the result
  ica_xcRB xcrb;        // CCA: the reply CPRB and data block
  ep11_urb urb;         // EP11: the response CPRB
  std::vector<Bytes> outs;  // EP11: the response's output octet strings
  Bytes sig, data;      // CCA: the signature; rng: the random bytes
  const auto check = [&](Slot& r) {
    const Bytes& rep = r.req.reply;
    Lane& l = lanes[r.lane];
    uint32_t rv = 1;
    // The EP11 response's one output (convert_response_ep11_xcrb, ep11_parse_reply), or null.
    const auto ep11_output = [&](uint64_t room) -> const Bytes* {
      urb.resp_len = room;
      const bool ok = convert_response_ep11_xcrb(rep.data(), rep.size(), urb) == 0 && ep11_parse_reply(urb, rv, outs) == 0 &&
                      rv == arch::CKR_OK && outs.size() == 1;
      return ok ? &outs[0] : nullptr;
    };
    switch (kind) {
      case Kind::rsa:
        return convert_response(rep.data(), rep.size(), key.bytes, result) == 0 && result == l.expect[r.pool];
      case Kind::cca_seckey:
        xcrb.reply_control_blk_length = 4096;
        xcrb.reply_data_length = 0;
        return convert_response_xcrb(rep.data(), rep.size(), xcrb) == 0 && cca_dsg_reply(xcrb, sig) == 0 &&
               sig == l.expect[r.pool];
      case Kind::ep11_seckey: {
        const Bytes* s = ep11_output(4096);
        if (!s) return false;
        // CKM_SHA256_RSA_PKCS (RSASSA-PKCS1-v1_5) is deterministic: a message has one correct
        // signature under the key.  The first answer for each message is verified by OpenSSL
        // against the SPKI; every later one must equal it byte for byte — as strict a check,
        // without OpenSSL's allocations on every request.
        Bytes& good = l.verified[r.pool];
        if (!good.empty()) return *s == good;
        if (!openssl_verify_spki(l.spki, l.msgs[r.pool], *s)) return false;
        good = *s;
        return true;
      }
      case Kind::rng: {
        data.clear();
        if (l.ep11) {
          if (const Bytes* d = ep11_output(2 * arch::ZCRYPT_RNG_BUFFER_SIZE)) data.assign(d->begin(), d->end());
        } else if (convert_response_rng(rep.data(), rep.size(), data) < 0) {
          data.clear();
        }
        const bool ok = data.size() == arch::ZCRYPT_RNG_BUFFER_SIZE &&
                        std::any_of(data.begin(), data.end(), [](uint8_t b) { return b != 0; }) && data != l.last_random;
        l.last_random.swap(data);  // the buffers change places: neither is freed
        return ok;
      }
    }
    return false;
  };
  // The steady state's heap allocations (with the counter, see the top): counted from the
  // moment half of the requests have ended to the end of the run — submissions, waits,
  // polls, instructions, the adapters, replies, checks and counting, everything the path of a
  // request does.
  unsigned ended = 0;
  unsigned long long allocs_mid = 0;
  // Request in slot s has ended (its reply taken, or with --threads its system call returned):
  // check it, count its times, and free the slot.
  const auto finish = [&](unsigned s) {
    Slot& r = slots[s];
    const ApMessageReq& q = r.req;
    if (!threads) free_slots.push_back(s);
    if (++ended == requests / 2 && alloc_count) allocs_mid = alloc_count();
    if (q.rc != 0) {
      ++failed;
      if (r.index < first_error_index) first_error_index = r.index, first_error = q.rc;
      return;
    }
    if (!check(r)) ++wrong;
    const uint64_t end_ps = threads ? r.user_ps : q.t_reply_ps;
    lat.add(end_ps - r.arrival_ps);
    if (!q.hw_valid) {
      have_hw = false;
      return;
    }
    const uint64_t pts[] = {r.arrival_ps,   threads ? r.sw_submitted_ps : q.t_submit_ps,
                            q.t_nqap_start_ps, q.hw.enqueue_ps, q.hw.start_ps, q.hw.finish_ps, q.t_reply_ps, end_ps};
    for (size_t i = 0; i < kStages; ++i) stage[i].add(pts[i + 1] >= pts[i] ? pts[i + 1] - pts[i] : 0);
    if (q.hw.engines != 0) {
      CardFigures& c = cards[lanes[r.lane].q->qid.apid];
      c.engines = q.hw.engines;
      c.shape = q.hw.service_shape;
      c.cv = q.hw.service_cv;
      c.mean_sum_ps += q.hw.service_mean_ps;
      c.drawn_sum_ps += q.hw.finish_ps - q.hw.start_ps;
      ++c.n;
    }
  };
  finish_done = [&] {
    for (unsigned s : just_done) finish(s);
    just_done.clear();
  };

  // Sleep until a reply may be there (or `deadline`), then poll.  One bus: its own
  // wait_and_poll.  Several (guests driven from the host): the host CPU sleeps until an
  // interruption of any of them (GIB alert) or the poll timer, then runs every bus' tasklet.
  const auto wait = [&](uint64_t deadline) {
    if (buses.size() == 1) {
      if (deadline == UINT64_MAX) bus.wait_and_poll();
      else bus.wait_and_poll_until(deadline);
      return;
    }
    const uint64_t now = cpu.now_ps(), span = deadline > now ? deadline - now : 0;
    if (span > 0) {
      if (bus.use_interrupts()) cpu.wait_for_interrupt(std::min(span, kPollLowTimeoutPs));
      else cpu.delay_ps(std::min(span, kPollHighTimeoutPs));
    }
    for (ApBus* b : buses) b->poll();
  };
  if (setup_rc != 0) {  // every request fails with the setup's error, none is sent
    failed = requests;
    first_error = setup_rc < 0 ? setup_rc : -EIO;
    done = sent = requests;
  }
  // --threads: each thread's clock is its own (its steps are booked on the CPU complex with
  // place_software); the SystemC clock is woken for what happens next — a thread's NQAP at the
  // end of its submitting path, or the AP bus's next poll — and the completions the poll finds
  // start each thread's way back to user space.  Thread j's request lives in slot j.
  const auto run_threads = [&] {
    using arch::SoftwareStep;
    enum class Phase { issue, submit, blocked, back, finished };
    struct Thread {
      Phase phase = Phase::issue;
      uint64_t at_ps = 0;  // when its next action is due
    };
    // T threads in each kernel the run uses (this one, or each guest of --guests): thread j is
    // thread j mod T of kernel j / T, and issues the requests of that kernel's APQNs in order.
    const unsigned groups = static_cast<unsigned>(kernels.size()), all_threads = threads * groups;
    std::vector<Thread> th(all_threads);
    for (Thread& x : th) x.at_ps = t0;
    // Request i goes to lane i mod L; kernel g's requests are those of its lanes, in order:
    // round c, its lanes in ascending order, request c * L + lane (computed, not listed: flat
    // memory).  group_left[g] counts what kernel g has still to issue.
    const unsigned n_lanes = static_cast<unsigned>(lanes.size());
    std::vector<std::vector<unsigned>> group_lanes(groups);
    std::vector<unsigned> group_left(groups, 0), group_next(groups, 0), group_round(groups, 0);
    for (unsigned l = 0; l < n_lanes; ++l) {
      group_lanes[lanes[l].group].push_back(l);
      if (l < requests) group_left[lanes[l].group] += (requests - l + n_lanes - 1) / n_lanes;
    }
    // The interruption and the tasklet: on the host a thread of their own (any host CPU); in a
    // guest on the vCPU of the thread the reply wakes (a floating interruption is taken by some
    // enabled vCPU: apsim's choice, so that one vCPU's queue does not hold up the others').
    const unsigned irq_thread = threads;
    const auto place = [&](unsigned j, SoftwareStep st, uint64_t ready) {
      return kernels[j / threads]->cpu().place_software(j % threads, st, ready);
    };
    unsigned finished = 0;
    while (finished < all_threads) {
      for (unsigned s : just_done) {  // the poll found these replies now: the way back
        Slot& r = slots[s];
        Thread& x = th[s];
        LinuxKernel& kk = *kernels[s / threads];
        uint64_t t = r.req.t_reply_ps;
        const unsigned handler = kk.options().is_guest ? s % threads : irq_thread;
        if (bus.use_interrupts()) {
          // Presented to the CPU the handler runs on: at once on the host; in a guest through
          // the GISA (vCPU in SIE) or the GIB alert (arch::Cpu::deliver_interruption).
          t = kk.cpu().deliver_interruption(handler, t);
          t = kk.cpu().place_software(handler, SoftwareStep::interruption_entry, t);
        }
        t = kk.cpu().place_software(handler, SoftwareStep::ap_poll_work, t);
        t = place(s, SoftwareStep::task_wakeup, t);
        x.at_ps = place(s, SoftwareStep::syscall, t);
        x.phase = Phase::back;
      }
      just_done.clear();
      const uint64_t now = cpu.now_ps();
      uint64_t next = UINT64_MAX;
      for (unsigned j = 0; j < all_threads; ++j) {
        Thread& x = th[j];
        if (x.phase == Phase::back && x.at_ps <= now) {  // back in user space: the next request
          slots[j].user_ps = x.at_ps;
          finish(j);
          x.phase = Phase::issue;
        }
        if (x.phase == Phase::issue && x.at_ps <= now) {
          const unsigned g = j / threads;
          if (group_left[g] == 0) {
            x.phase = Phase::finished;
            ++finished;
            continue;
          }
          const unsigned i = group_lanes[g][group_next[g]] + group_round[g] * n_lanes;
          if (++group_next[g] == group_lanes[g].size()) group_next[g] = 0, ++group_round[g];
          --group_left[g];
          ++sent;
          Slot& r = take_slot(i, x.at_ps, j);
          uint64_t e = place(j, SoftwareStep::syscall, x.at_ps);
          e = place(j, SoftwareStep::zcrypt_ioctl, e);
          x.at_ps = place(j, SoftwareStep::ap_queue_message, e);
          r.sw_submitted_ps = x.at_ps;
          x.phase = Phase::submit;
        }
        if (x.phase == Phase::submit && x.at_ps <= now) {
          submit(slots[j]);  // the NQAP, now
          x.phase = Phase::blocked;
        }
        if (x.phase != Phase::blocked && x.phase != Phase::finished) next = std::min(next, x.at_ps);
      }
      if (finished == all_threads) break;
      if (next <= cpu.now_ps()) continue;  // due already: no sleep, no poll
      if (done < sent) {
        if (buses.size() > 1) wait(next);  // the guests' buses, from the host (GIB alert or poll timer)
        else if (next == UINT64_MAX) bus.wait_and_poll();
        else bus.wait_and_poll_until(next);
      } else {
        cpu.delay_ps(next - cpu.now_ps());
      }
    }
  };
  // The CPU complex's busy time by CPU and column before the run (the report's utilisation).
  const std::vector<std::array<uint64_t, 4>> busy0 = threads ? cpu.cpu_busy_ps() : std::vector<std::array<uint64_t, 4>>();
  if (threads && setup_rc == 0) run_threads();  // a failed setup has failed them all
  while (!threads && done < requests) {
    if (open_loop) {
      // Arrivals up to now join the backlog; the backlog is submitted while the window allows.
      const uint64_t now = cpu.now_ps();
      while (sent < requests && next_arrival <= now && window_open(sent)) {
        submit(take_slot(sent++, next_arrival));
        next_arrival += next_gap_ps();
      }
      finish_done();  // (a request can fail at once)
      if (done >= requests) break;
      const bool more = sent < requests && window_open(sent);
      const uint64_t deadline = more ? next_arrival : UINT64_MAX;
      if (buses.size() == 1) bus.wait_and_poll_until(deadline);
      else wait(deadline);
    } else {
      while (sent < requests && window_open(sent)) submit(take_slot(sent++, cpu.now_ps()));
      finish_done();
      if (done < requests) wait(UINT64_MAX);
    }
    finish_done();
  }
  const uint64_t t1 = cpu.now_ps();
  const unsigned long long allocs_end = alloc_count ? alloc_count() : 0;
  // Each host CPU's busy share of the run, split as `apsim run --stats` splits it (every step
  // of a --threads run has ended by t1: a thread finishes back in user space).
  std::vector<std::array<uint64_t, 4>> busy = threads ? cpu.cpu_busy_ps() : std::vector<std::array<uint64_t, 4>>();
  for (size_t c = 0; c < busy.size() && c < busy0.size(); ++c)
    for (size_t u = 0; u < 4; ++u) busy[c][u] -= busy0[c][u];

  // ---- figures ---------------------------------------------------------------------------
  if (lat.count() == 0) have_hw = false;
  const auto us = [](double ps) { return ps / 1e6; };
  const double secs = static_cast<double>(t1 - t0) / 1e12;
  // Good replies per simulated second: failed and wrong requests do not count as work done
  // (requests that all fail at once would otherwise give an absurd rate).
  const double tput = secs > 0 ? (requests - failed - wrong) / secs : 0.0;
  const char* how = bus.use_interrupts() ? "interrupts" : "polling";
  char buf[256];
  if (queues.size() == 1) out << "apbench: " << queues[0]->qid.name() << " " << op;
  else out << "apbench: " << queues.size() << " APQNs " << op;
  if (o_exponent->count()) out << " (" << exponent << " exponent)";
  if (!guest_names.empty()) out << " in " << guest_names.size() << (guest_names.size() == 1 ? " guest" : " guests");
  out << ", " << requests << " requests, ";
  if (open_loop) {
    std::snprintf(buf, sizeof buf, "open loop %.1f requests/s", rate);
    out << buf;
    if (o_inflight->count()) out << " (at most " << inflight << " in flight)";
  } else if (threads) {
    out << threads << (threads == 1 ? " thread" : " threads");
  } else {
    out << inflight << " in flight";
  }
  out << ", " << how << "\n";
  if (queues.size() > 1 || !guest_names.empty()) {
    out << "  APQNs";
    for (size_t i = 0; i < queues.size(); ++i) {
      out << " " << queues[i]->qid.name();
      if (!guest_names.empty()) out << "@" << guest_names[lanes[i].group];
    }
    out << "\n";
  }
  const auto per_request_us = [](unsigned __int128 sum_ps, uint64_t n) {
    return static_cast<double>(static_cast<long double>(sum_ps) / static_cast<long double>(n) / 1e6L);
  };
  for (unsigned apid = 0; apid < cards.size(); ++apid) {
    const CardFigures& c = cards[apid];
    if (c.n == 0) continue;
    std::snprintf(buf, sizeof buf, "  card %02x: %u engine%s, service %.1f us per request (%s", apid, c.engines,
                  c.engines == 1 ? "" : "s", per_request_us(c.mean_sum_ps, c.n), c.shape);
    out << buf;
    if (std::strcmp(c.shape, "gamma") == 0 || std::strcmp(c.shape, "uniform") == 0) {
      std::snprintf(buf, sizeof buf, " cv %.2f", c.cv);
      out << buf;
    }
    std::snprintf(buf, sizeof buf, "), measured mean %.1f us\n", per_request_us(c.drawn_sum_ps, c.n));
    out << buf;
  }
  std::snprintf(buf, sizeof buf, "  completed %u, failed %u, wrong %u\n", requests - failed - wrong, failed, wrong);
  out << buf;
  std::snprintf(buf, sizeof buf, "  throughput %.1f requests/s (simulated time %.3f ms)\n", tput, secs * 1e3);
  out << buf;
  std::snprintf(buf, sizeof buf, "  latency us: min %.1f median %.1f p99 %.1f max %.1f\n", us(lat.percentile(0)),
                us(lat.percentile(0.5)), us(lat.percentile(0.99)), us(lat.percentile(1)));
  out << buf;
  if (stages && !have_hw) out << "  stages: no hardware timestamps on this system\n";
  if (stages && have_hw) {
    out << "  stage us          mean      p50      p99      max\n";
    for (size_t s = 0; s < kStages; ++s) {
      if (s == 0 && !open_loop && !threads) continue;  // closed loop: no backlog
      if (s == kStages - 1 && !threads) continue;     // no software way back without threads
      const char* name = s == 0 && threads ? "user->kernel" : kStageNames[s];
      std::snprintf(buf, sizeof buf, "  %-12s %9.1f %8.1f %8.1f %8.1f\n", name, us(stage[s].mean()),
                    us(stage[s].percentile(0.5)), us(stage[s].percentile(0.99)), us(stage[s].percentile(1)));
      out << buf;
    }
  }
  // Per host CPU (--threads, where the run's software is on the CPU complex): busy % of the
  // run, then host (user) / guest / kernel / interruption, as `apsim run --stats`.
  const auto pct = [&](uint64_t ps) { return t1 > t0 ? 100.0 * static_cast<double>(ps) / static_cast<double>(t1 - t0) : 0.0; };
  for (size_t c = 0; c < busy.size(); ++c) {
    std::snprintf(buf, sizeof buf, "  cpu %3zu: busy %7.3f %% (host %7.3f, guest %7.3f, kernel %7.3f, interruption %7.3f)\n",
                  c, pct(busy[c][0] + busy[c][1] + busy[c][2] + busy[c][3]), pct(busy[c][0]), pct(busy[c][1]),
                  pct(busy[c][2]), pct(busy[c][3]));
    out << buf;
  }
  ApbenchResult res;
  std::snprintf(buf, sizeof buf, "%.6g", rate);
  res.params = {{"op", op},
                {"apqns", std::to_string(queues.size())},
                {"guests", std::to_string(guest_names.size())},
                {"requests", std::to_string(requests)},
                // --threads: at most one request per thread is in flight
                {"inflight", std::to_string(threads ? threads : open_loop && !o_inflight->count() ? 0u : inflight)},
                {"mode", how},
                {"rate", buf}};
  res.figures = {{"completed", double(requests - failed - wrong), 0}, {"failed", double(failed), 0},
                 {"wrong", double(wrong), 0}, {"sim_ms", secs * 1e3, 6}, {"throughput", tput, 3},
                 {"lat_mean_us", us(lat.mean()), 3}, {"lat_min_us", us(lat.percentile(0)), 3},
                 {"lat_p50_us", us(lat.percentile(0.5)), 3}, {"lat_p99_us", us(lat.percentile(0.99)), 3},
                 {"lat_max_us", us(lat.percentile(1)), 3}};
  // The engines the adapters reported (card_engines: the sweep's `engines` column is the
  // configured value) and the model's mean service time of this operation, when the adapters
  // reported them (firmware/service_time.h).
  {
    unsigned __int128 mean_sum = 0;
    uint64_t n = 0;
    const CardFigures* first = nullptr;
    for (const CardFigures& c : cards)
      if (c.n) {
        if (!first) first = &c;
        mean_sum += c.mean_sum_ps, n += c.n;
      }
    if (first) {
      res.figures.push_back({"card_engines", double(first->engines), 0});
      res.figures.push_back({"service_model_us", per_request_us(mean_sum, n), 3});
    }
  }
  if (threads) res.params.push_back({"threads", std::to_string(threads)});
  static const char* kUseKeys[] = {"host", "guest", "kernel", "irq"};
  for (size_t c = 0; c < busy.size(); ++c) {
    const std::string cpu_key = "cpu" + std::to_string(c) + "_";
    res.figures.push_back({cpu_key + "busy_pct", pct(busy[c][0] + busy[c][1] + busy[c][2] + busy[c][3]), 3});
    for (size_t u = 0; u < 4; ++u) res.figures.push_back({cpu_key + kUseKeys[u] + "_pct", pct(busy[c][u]), 3});
  }
  for (size_t s = 0; s < kStages && have_hw; ++s) {
    if (s == kStages - 1 && !threads) continue;
    res.figures.push_back({std::string(kStageKeys[s]) + "_mean_us", us(stage[s].mean()), 3});
    res.figures.push_back({std::string(kStageKeys[s]) + "_p50_us", us(stage[s].percentile(0.5)), 3});
    res.figures.push_back({std::string(kStageKeys[s]) + "_p99_us", us(stage[s].percentile(0.99)), 3});
  }
  if (alloc_count) res.figures.push_back({"setup_allocs", double(allocs_setup), 0});
  if (alloc_count && requests >= 2 && ended == requests) {
    res.figures.push_back({"steady_requests", double(requests - requests / 2), 0});
    res.figures.push_back({"steady_allocs", double(allocs_end - allocs_mid), 0});
  }
  if (report == "kv") {
    out << "apbench: result";
    for (const auto& [key, value] : res.params) out << " " << key << "=" << value;
    for (const ApbenchFigure& f : res.figures) {
      std::snprintf(buf, sizeof buf, " %s=%.*f", f.key.c_str(), f.decimals, f.value);
      out << buf;
    }
    out << "\n";
  }
  if (result_sink()) result_sink()(res);
  if (failed || wrong) {
    err << "apbench: " << failed << " requests failed";
    if (failed) err << " (first: " << std::strerror(-first_error) << ")";
    err << " and " << wrong << " replies were wrong\n";
    return 1;
  }
  return 0;
}

}  // namespace apsim::driver
