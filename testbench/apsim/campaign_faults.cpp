// testbench/apsim/campaign_faults.cpp — `apsim campaign faults` (campaign_faults.h).
#include "testbench/apsim/campaign_faults.h"

#include <cstdio>
#include <iostream>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <systemc>

#include "driver/linux/ap_asm.h"
#include "driver/linux/ap_bus.h"
#include "driver/linux/kernel.h"
#include "driver/linux/zcrypt_api.h"
#include "driver/shell/shell.h"
#include "driver/userspace/session.h"
#include "sc/platform.h"
#include "testbench/apsim/campaign_messages.h"
#include "testbench/apsim/campaign_process.h"
#include "testbench/apsim/run_command.h"

namespace apsim::tb {

namespace {

using arch::Apqn;

enum class FaultKind { checkstop, deconfigure, hmc_remove, rapq, zapq, queue_full, apmask, guest_shutdown, host_reboot };
constexpr FaultKind kKinds[] = {FaultKind::checkstop,  FaultKind::deconfigure, FaultKind::hmc_remove,
                                FaultKind::rapq,       FaultKind::zapq,        FaultKind::queue_full,
                                FaultKind::apmask,     FaultKind::guest_shutdown, FaultKind::host_reboot};

const char* kind_name(FaultKind k) {
  switch (k) {
    case FaultKind::checkstop: return "checkstop of card 06";
    case FaultKind::deconfigure: return "deconfigure of card 06 (sysfs config)";
    case FaultKind::hmc_remove: return "HMC removal of adapter 06";
    case FaultKind::rapq: return "RAPQ of guest2's 06.00ab by the host";
    case FaultKind::zapq: return "ZAPQ of guest2's 06.00ab by the host";
    case FaultKind::queue_full: return "guest1's 05.0004 filled by the host";
    case FaultKind::apmask: return "apmask edit -6";
    case FaultKind::guest_shutdown: return "shutdown of guest2";
    case FaultKind::host_reboot: return "host reboot";
  }
  return "?";
}

// The administrator's set-up: vfio_ap takes domains 04, ab and ff; one mdev per guest with
// both adapters and one domain; three guests started with the seed documents' QEMU line.
const char* kSetup = R"(modprobe vfio_ap
echo -4 > /sys/bus/ap/aqmask
echo -0xab > /sys/bus/ap/aqmask
echo -0xff > /sys/bus/ap/aqmask
for g in 1:4 2:0xab 3:0xff; do
  UUID=$(uuidgen)
  echo $UUID > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
  echo 5 > /sys/devices/vfio_ap/matrix/$UUID/assign_adapter
  echo 6 > /sys/devices/vfio_ap/matrix/$UUID/assign_adapter
  echo ${g#*:} > /sys/devices/vfio_ap/matrix/$UUID/assign_domain
  qemu-system-s390x -name guest${g%%:*} -cpu host -m 512M -device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/$UUID
done
)";

constexpr unsigned kRequestsPerLane = 24, kInflight = 4;
constexpr uint64_t kWatchdogPs = 2'000'000'000'000ull;  // 2 s of simulated time
constexpr uint64_t kSleepPs = 100'000'000;               // 100 us: the host's longest nap

struct Request {
  driver::ApMessageReq r;
  unsigned ends = 0;  ///< times it completed (must be 1)
};

struct Lane {
  std::string kernel;  ///< "" the host, else the guest's name
  Apqn qid;
  unsigned sent = 0, inflight = 0;
  bool dead = false;     ///< its kernel is gone (the workload's process with it)
  bool touched = false;  ///< the fault is meant to reach it
  bool held = false;     ///< starts only once the fault has landed
  std::vector<std::unique_ptr<Request>> reqs;
  std::string name() const { return (kernel.empty() ? std::string("host") : kernel) + " " + qid.name(); }
};

struct RunResult {
  uint64_t sent = 0, completed = 0, failed = 0, lost = 0, duplicated = 0, in_flight = 0;
  double fault_ms = 0, end_ms = 0;
  std::string untouched, problems;
};

class FaultRun {
 public:
  FaultRun(sc::Platform& platform, FaultKind kind, uint64_t seed) : platform_(platform), kind_(kind), rng_(seed) {}
  RunResult run(driver::Session& session);

 private:
  driver::LinuxKernel* kernel_of(driver::Session& s, const Lane& l);
  void submit(driver::Session& s, Lane& l);
  /// Land the fault; "" or why it could not be made (then the run proves nothing).
  std::string inject(driver::Session& s);
  bool touches(const Lane& l) const;

  sc::Platform& platform_;
  FaultKind kind_;
  std::mt19937_64 rng_;
  std::vector<Lane> lanes_;
  std::vector<uint8_t> msg_;
  unsigned host_life_ = 0;  ///< reboots of the host so far
  std::set<std::string> psmids_;
  uint64_t psmid_repeats_ = 0;
};

driver::LinuxKernel* FaultRun::kernel_of(driver::Session& s, const Lane& l) {
  if (l.kernel.empty()) return &s.kernel();
  auto it = s.guests().find(l.kernel);
  return it == s.guests().end() ? nullptr : &it->second.kernel();
}

bool FaultRun::touches(const Lane& l) const {
  switch (kind_) {
    case FaultKind::checkstop:
    case FaultKind::deconfigure:
    case FaultKind::hmc_remove: return l.qid.apid == 6;
    case FaultKind::rapq:
    case FaultKind::zapq:
    case FaultKind::guest_shutdown: return l.kernel == "guest2";
    case FaultKind::queue_full: return l.kernel == "guest1";
    case FaultKind::apmask: return l.kernel.empty() && l.qid.apid == 6;
    case FaultKind::host_reboot: return true;
  }
  return true;
}

void FaultRun::submit(driver::Session& s, Lane& l) {
  driver::LinuxKernel* k = l.dead || l.held ? nullptr : kernel_of(s, l);
  if (!k) return;
  driver::ApBus& bus = k->ap_bus();
  while (l.sent < kRequestsPerLane && l.inflight < kInflight) {
    driver::ApQueueDev* q = bus.queue(l.qid);
    if (!q) return;  // the queue device is gone: the workload cannot name it any more
    auto req = std::make_unique<Request>();
    Request& r = *req;
    l.reqs.push_back(std::move(req));
    r.r.msg = msg_;
    const std::string life = l.name() + "#" + std::to_string(l.kernel.empty() ? host_life_ : 0);
    r.r.on_done = [this, &l, &r, life](driver::ApMessageReq& m) {
      if (r.ends++ == 0) --l.inflight;
      // The PSMID the AP bus gave it names it once in its kernel's life.
      if (m.psmid && !psmids_.insert(life + "#" + std::to_string(m.psmid)).second && r.ends == 1) ++psmid_repeats_;
    };
    ++l.sent;
    ++l.inflight;
    driver::zcrypt_send(bus, *q, r.r);
  }
}

std::string FaultRun::inject(driver::Session& s) {
  arch::Cpu& cpu = s.kernel().cpu();
  const auto sysfs = [&](const char* path, const char* value) {
    const int rc = s.write_sysfs(path, value);
    return rc < 0 ? std::string("echo ") + value + " > " + path + ": error " + std::to_string(rc) : std::string();
  };
  switch (kind_) {
    case FaultKind::checkstop: platform_.adapter(6)->inject(sc::CexAdapter::Fault::checkstop, true, 0); return "";
    case FaultKind::deconfigure: return sysfs("/sys/bus/ap/devices/card06/config", "0");
    case FaultKind::hmc_remove: {
      sc::LparChange c;
      c.what = sc::LparChange::What::adapter;
      c.add = false;
      c.id = 6;
      if (const std::string why = platform_.hmc().check(c); !why.empty()) return why;
      platform_.hmc().schedule(c, 0);
      return "";
    }
    case FaultKind::rapq:
      return driver::ap_rapq(cpu, Apqn{6, 0xab}, false).response_code ? "RAPQ was refused" : "";
    case FaultKind::zapq:
      return driver::ap_zapq(cpu, Apqn{6, 0xab}, false).response_code ? "ZAPQ was refused" : "";
    case FaultKind::queue_full: {
      // Requests of the host's own on a queue it gave away, until the queue answers RC 0x10.
      const uint64_t buf = s.kernel().alloc_pages(1);
      cpu.storage().write(buf, msg_.data(), msg_.size());
      for (uint64_t i = 1; i <= 64; ++i) {
        const uint8_t rc = driver::ap_nqap(cpu, Apqn{5, 4}, 0xfa0100000000ull + i, buf, msg_.size()).response_code;
        if (rc == arch::AP_RESPONSE_Q_FULL) return "";
        if (rc != 0) return "the host's NQAP answered RC " + std::to_string(rc);
      }
      return "the queue never became full";
    }
    case FaultKind::apmask: return sysfs("/sys/bus/ap/apmask", "-6");
    case FaultKind::guest_shutdown:
      s.guests().erase("guest2");  // its QEMU ends: the guest kernel and its AP bus go
      for (Lane& l : lanes_) l.dead |= l.kernel == "guest2";
      return "";
    case FaultKind::host_reboot:
      s.reboot();
      ++host_life_;
      for (Lane& l : lanes_) l.dead = true;
      return "";
  }
  return "unknown fault";
}

RunResult FaultRun::run(driver::Session& session) {
  RunResult res;
  std::ostringstream setup_out;
  driver::Shell shell(session, setup_out, setup_out);
  if (shell.run_script(kSetup) != 0 || session.guests().size() != 3)
    throw std::runtime_error("the set-up failed:\n" + setup_out.str());
  msg_ = type50_request(rng_);
  const std::pair<const char*, Apqn> lanes[] = {{"", Apqn{5, 0x47}},       {"", Apqn{6, 0x47}},
                                                {"guest1", Apqn{5, 0x04}}, {"guest2", Apqn{6, 0xab}},
                                                {"guest3", Apqn{5, 0xff}}, {"guest3", Apqn{6, 0xff}}};
  lanes_.resize(sizeof lanes / sizeof lanes[0]);  // never again: requests point at their lane
  for (size_t i = 0; i < lanes_.size(); ++i) {
    lanes_[i].kernel = lanes[i].first;
    lanes_[i].qid = lanes[i].second;
    lanes_[i].touched = touches(lanes_[i]);
    // The queue the host fills is idle until then: guest1's AP bus then meets a full queue
    // of replies it never asked for with nothing of its own on it (issue 15's hang).
    lanes_[i].held = kind_ == FaultKind::queue_full && lanes_[i].kernel == "guest1";
  }
  arch::Cpu& cpu = session.kernel().cpu();
  const uint64_t t0 = cpu.now_ps();
  const uint64_t fault_at = t0 + 500'000'000 + rng_() % 11'500'000'000ull;  // 0.5 .. 12 ms in
  bool faulted = false;
  uint64_t in_flight_at_fault = 0;
  for (;;) {
    if (!faulted && cpu.now_ps() >= fault_at) {
      for (const Lane& l : lanes_) in_flight_at_fault += l.inflight;
      res.fault_ms = static_cast<double>(cpu.now_ps() - t0) / 1e9;
      res.in_flight = in_flight_at_fault;
      if (const std::string why = inject(session); !why.empty()) res.problems += "  the fault was not made: " + why + "\n";
      faulted = true;
      for (Lane& l : lanes_) l.held = false;
    }
    bool busy = false;
    for (Lane& l : lanes_) {
      submit(session, l);
      busy |= l.inflight > 0 || l.held || (!l.dead && l.sent < kRequestsPerLane && kernel_of(session, l) &&
                                 kernel_of(session, l)->ap_bus().queue(l.qid));
    }
    if (faulted && !busy) break;
    if (cpu.now_ps() - t0 > kWatchdogPs) break;  // the watchdog: whatever is left is lost
    const uint64_t now = cpu.now_ps();
    uint64_t nap = kSleepPs;
    if (!faulted && fault_at > now) nap = std::min(nap, fault_at - now);
    cpu.wait_for_interrupt(nap);
    session.kernel().ap_bus().poll();
    for (auto& [name, g] : session.guests()) g.kernel().ap_bus().poll();
  }
  res.end_ms = static_cast<double>(cpu.now_ps() - t0) / 1e9;
  if (in_flight_at_fault == 0) res.problems += "  no request was in flight when the fault landed\n";
  for (const Lane& l : lanes_) {
    unsigned done_ok = 0;
    for (const auto& r : l.reqs) {
      if (r->ends == 0) continue;
      res.duplicated += r->ends - 1;
      if (r->r.rc == 0) ++res.completed, ++done_ok;
      else ++res.failed;
    }
    res.sent += l.sent;
    if (!l.touched) {
      res.untouched += (res.untouched.empty() ? "" : ", ") + l.name() + " " + std::to_string(done_ok) + "/" +
                       std::to_string(kRequestsPerLane);
      if (done_ok != kRequestsPerLane) res.problems += "  untouched " + l.name() + " completed only " +
                                                       std::to_string(done_ok) + " of " +
                                                       std::to_string(kRequestsPerLane) + "\n";
    }
  }
  res.duplicated += psmid_repeats_;
  res.lost = res.sent - res.completed - res.failed;
  return res;
}

std::string encode(const RunResult& r) {
  std::ostringstream o;
  o.precision(17);
  o << r.sent << ' ' << r.completed << ' ' << r.failed << ' ' << r.lost << ' ' << r.duplicated << ' ' << r.in_flight << ' ' << r.fault_ms << ' '
    << r.end_ms << '\n'
    << r.untouched << '\n'
    << r.problems;
  return o.str();
}

bool decode(const std::string& s, RunResult& r) {
  std::istringstream in(s);
  std::string head;
  if (!std::getline(in, head) || !std::getline(in, r.untouched)) return false;
  std::istringstream h(head);
  h >> r.sent >> r.completed >> r.failed >> r.lost >> r.duplicated >> r.in_flight >> r.fault_ms >> r.end_ms;
  std::ostringstream rest;
  rest << in.rdbuf();
  r.problems = rest.str();
  return static_cast<bool>(h);
}

}  // namespace

int run_fault_campaign(const FaultOptions& o) {
  const unsigned kinds = sizeof kKinds / sizeof kKinds[0];
  const unsigned runs = kinds * o.rounds;
  std::cout << "fault campaign: " << kinds << " fault kinds x " << o.rounds << " round" << (o.rounds == 1 ? "" : "s")
            << ", seed " << o.seed << "; host and 3 guests, " << kRequestsPerLane << " requests on each of 6 APQNs, "
            << kInflight << " in flight; watchdog " << kWatchdogPs / 1e12 << " s simulated\n";
  const auto results = run_in_children(runs, o.jobs, [&](unsigned k) {
    const FaultKind kind = kKinds[k % kinds];
    const uint64_t seed = o.seed * 1000003ull + k;
    HostSetup setup;
    if (const std::string e = prepare_host("", "", "", seed, setup); !e.empty()) throw std::runtime_error(e);
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc::Platform platform(setup.cfg, sc::SimMode::fast);
    RunResult res;
    std::string error;
    int status = 0;
    run_on_host(platform, setup, seed, [&](driver::Session& s) {
      try {
        res = FaultRun(platform, kind, seed).run(s);
      } catch (const std::exception& e) {
        error = e.what();
      }
      return 0;
    }, status);
    if (!error.empty() || status) throw std::runtime_error(error.empty() ? "the host failed" : error);
    return encode(res);
  });
  RunResult sum;
  int status = 0;
  for (unsigned k = 0; k < runs; ++k) {
    const char* what = kind_name(kKinds[k % kinds]);
    RunResult r;
    if (!results[k].ok || !decode(results[k].payload, r)) {
      std::cout << "  " << what << ": the process ended with " << results[k].status << "\n";
      status = 70;
      continue;
    }
    char b[256];
    std::snprintf(b, sizeof b,
                  " at %.3f ms (%llu in flight): %llu requests, %llu completed, %llu failed, %llu lost, %llu duplicated; "
                  "all ended at %.3f ms\n",
                  r.fault_ms, static_cast<unsigned long long>(r.in_flight), static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.completed),
                  static_cast<unsigned long long>(r.failed), static_cast<unsigned long long>(r.lost),
                  static_cast<unsigned long long>(r.duplicated), r.end_ms);
    std::cout << "  " << what << b;
    if (!r.untouched.empty()) std::cout << "    untouched: " << r.untouched << "\n";
    std::cout << r.problems;
    if (!r.problems.empty() && status == 0) status = 1;
    sum.sent += r.sent, sum.completed += r.completed, sum.failed += r.failed, sum.lost += r.lost;
    sum.duplicated += r.duplicated;
  }
  std::cout << "faults: " << sum.sent << " requests, " << sum.completed << " completed, " << sum.failed << " failed, "
            << sum.lost << " lost, " << sum.duplicated << " duplicated\n";
  if (status) return status;
  return sum.lost || sum.duplicated ? 1 : 0;
}

}  // namespace apsim::tb
