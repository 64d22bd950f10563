// testbench/fuzz/fuzz_sysfs_store.cpp — every sysfs store handler of the host kernel
// (driver/linux: the AP bus's apmask/aqmask/config_time/poll_*, the cards' and queues'
// attributes, zcrypt's, vfio_ap's matrix device and an mdev's assign_*/unassign_*/
// ap_config/remove), with the simulated AP hardware behind them (fuzz_platform.h).
//
// Each input starts from the same machine: the host reboots (LinuxKernel::reboot; /etc and
// /root stay, the adapters keep their queues) and runs kSetup — vfio_ap loaded, adapter 5 and
// domain 0x47 given to it (apmask/aqmask), an mdev with them assigned.  The writable
// attributes are listed once, sorted, at setup.
// Input: up to 8 records [selector, length, bytes...]: write the bytes to writable attribute
// selector % count, as echo -n would.  Or, when it starts with '/', text lines
// "PATH<TAB>DATA" with "\n" in DATA for a newline — the form of the seeds and kept crashers,
// which stays valid when attributes are added.
// Invariants:
//  * a store returns 0 or a -errno (Sysfs::write), never throws (an internal error);
//  * a refused write changes nothing: every readable attribute under /sys reads the same
//    and every directory lists the same names before and after it.
#include <algorithm>
#include <cerrno>
#include <exception>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "driver/linux/sysfs.h"
#include "testbench/fuzz/fuzz_check.h"
#include "testbench/fuzz/fuzz_input.h"
#include "testbench/fuzz/fuzz_platform.h"

namespace drv = apsim::driver;

namespace {

const char* kSetup = R"(
echo -0x5 > /sys/bus/ap/apmask
echo -0x47 > /sys/bus/ap/aqmask
modprobe vfio_ap
U=4b0518fd-9237-493f-93c8-c5597f8006a3
echo $U > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
echo 5 > /sys/devices/vfio_ap/matrix/$U/assign_adapter
echo 0x47 > /sys/devices/vfio_ap/matrix/$U/assign_domain
echo 0xd0 > /sys/devices/vfio_ap/matrix/$U/assign_control_domain
)";

std::vector<std::string> g_writable;
/// Writes per input: each costs a walk of /sys, and an input must stay well under a second.
constexpr size_t kMaxWrites = 8;

/// Every path under `dir` (links not followed), depth first, sorted.
void walk(drv::Sysfs& fs, const std::string& dir, std::vector<std::string>& files, std::vector<std::string>& dirs) {
  std::vector<std::string> names;
  if (fs.list("/", dir, names) != 0) return;
  dirs.push_back(dir);
  for (const auto& n : names) {
    const std::string p = dir + "/" + n;
    drv::SysfsStat st;
    if (fs.stat("/", p, false, st) != 0 || st.type == 'l') continue;
    if (st.type == 'd') walk(fs, p, files, dirs);
    else files.push_back(p);
  }
}

/// What user space can see of /sys: each directory's names, each readable file's text.
std::map<std::string, std::string> snapshot(drv::Sysfs& fs) {
  std::vector<std::string> files, dirs;
  walk(fs, "/sys", files, dirs);
  std::map<std::string, std::string> s;
  for (const auto& d : dirs) {
    std::vector<std::string> names;
    fs.list("/", d, names);
    std::string all;
    for (const auto& n : names) all += n + "\n";
    s[d + "/"] = all;
  }
  for (const auto& f : files) {
    std::string text;
    const int rc = fs.read("/", f, text);
    s[f] = rc == 0 ? text : "<errno " + std::to_string(rc) + ">";
  }
  return s;
}

void setup_machine(apsim::fuzz::Machine& m) {
  std::string out;
  FUZZ_CHECK(m.sh(kSetup, &out) == 0, "the fuzz machine's setup runs");
}

}  // namespace

void fuzz_platform_setup(apsim::fuzz::Machine& m) {
  setup_machine(m);
  std::vector<std::string> files, dirs;
  walk(m.kernel->sysfs(), "/sys", files, dirs);
  for (const auto& f : files) {
    drv::SysfsStat st;
    if (m.kernel->sysfs().stat("/", f, false, st) == 0 && (st.mode & 0200)) g_writable.push_back(f);
  }
  std::sort(g_writable.begin(), g_writable.end());
  std::printf("fuzz_sysfs_store: %zu writable attributes\n", g_writable.size());
}

namespace {

/// The writes an input asks for, as (path, bytes).
std::vector<std::pair<std::string, std::string>> writes_of(const uint8_t* data, size_t size) {
  std::vector<std::pair<std::string, std::string>> w;
  if (size > 0 && data[0] == '/') {
    std::string text = apsim::fuzz::text(data, size), line;
    std::istringstream lines(text);
    while (std::getline(lines, line)) {
      const auto tab = line.find('\t');
      if (tab == std::string::npos) continue;
      std::string buf = line.substr(tab + 1);
      for (size_t i; (i = buf.find("\\n")) != std::string::npos;) buf.replace(i, 2, "\n");
      if (w.size() < kMaxWrites) w.emplace_back(line.substr(0, tab), buf);
    }
    return w;
  }
  apsim::fuzz::Input in(data, size);
  while (in.left() >= 2 && w.size() < kMaxWrites) {
    const std::string& path = g_writable[in.byte() % g_writable.size()];
    const std::vector<uint8_t> bytes = in.bytes(in.byte());
    w.emplace_back(path, std::string(bytes.begin(), bytes.end()));
  }
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  apsim::fuzz::Machine& m = apsim::fuzz::machine();
  m.kernel->reboot();
  setup_machine(m);
  drv::Sysfs& fs = m.kernel->sysfs();
  // What /sys shows now; taken again only after a write, so each write costs one walk.
  auto state = snapshot(fs);
  for (const auto& [path, buf] : writes_of(data, size)) {
    int rc = 0;
    try {
      rc = fs.write("/", path, buf);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "write of %s\n", path.c_str());
      apsim::fuzz::unexpected_exception("a sysfs store", e.what());
    }
    FUZZ_CHECK(rc <= 0, "a store returns 0 or -errno");
    if (rc == -EIOCBQUEUED) fs.take_sleeping();  // a store that sleeps (mdev remove in use): not a refusal
    auto after = snapshot(fs);
    if (rc < 0 && rc != -EIOCBQUEUED) {
      for (const auto& [p, text] : state) {
        auto it = after.find(p);
        if (it == after.end() || it->second != text) {
          std::fprintf(stderr, "write '%s' to %s: %d, but %s changed\n", buf.c_str(), path.c_str(), rc, p.c_str());
          FUZZ_CHECK(false, "a refused sysfs write changes nothing");
        }
      }
      FUZZ_CHECK(after.size() == state.size(), "a refused sysfs write creates nothing");
    }
    state = std::move(after);
  }
  return 0;
}
