// testbench/fuzz/fuzz_mdevctl.cpp — mdevctl's JSON (driver/userspace/mdevctl.cpp), as
// `mdevctl define --parent matrix --uuid U --jsonfile FILE` reads it on a host booted without
// AP hardware (testbench/tests/common/untimed_cpu.h); the stored configuration is then read
// back by `mdevctl list --defined --dumpjson`.
//
// Input: the JSON file's bytes.
// Invariants:
//  * mdevctl ends with status 0 or 1 (its own errors) and never lets an exception out (an
//    internal error of the simulation, exit 70);
//  * a refused file leaves /etc/mdevctl.d as it was (nothing defined);
//  * an accepted file is stored so that it defines again: its stored JSON given back to
//    `mdevctl define --jsonfile` for another UUID is stored byte for byte the same, and
//    `mdevctl list --defined --dumpjson` shows the device.
#include <exception>
#include <sstream>
#include <string>
#include <vector>

#include "driver/linux/kernel.h"
#include "driver/userspace/session.h"
#include "testbench/fuzz/fuzz_check.h"
#include "testbench/tests/common/untimed_cpu.h"

namespace drv = apsim::driver;

namespace {

const std::string kU1 = "4b0518fd-9237-493f-93c8-c5597f8006a3", kU2 = "c9a4cd2a-60f2-4c3c-8cc8-3e3a8a1f1e6a";
const std::string kDir = "/etc/mdevctl.d/matrix";

struct Host {
  apsim::test::UntimedCpu cpu;
  drv::LinuxKernel kernel{cpu, drv::KernelOptions{}};
  drv::Session session{kernel};
  Host() { kernel.boot(); }
  int mdevctl(const std::vector<std::string>& args, std::string* out = nullptr) {
    std::istringstream in;
    std::ostringstream o, e;
    drv::CommandIo io{&in, &o, &e};
    std::vector<std::string> argv{"mdevctl"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::optional<int> rc;
    try {
      rc = session.run_command(argv, io, "/root");
    } catch (const std::exception& ex) {
      apsim::fuzz::unexpected_exception("mdevctl", ex.what());
    }
    FUZZ_CHECK(rc.has_value(), "the host has mdevctl");
    FUZZ_CHECK(*rc == 0 || *rc == 1, "mdevctl ends with 0 or 1");
    if (out) *out = o.str();
    return *rc;
  }
  std::string file(const std::string& path) {
    std::string s;
    return kernel.sysfs().read("/", path, s) == 0 ? s : "<missing>";
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Host h;
  FUZZ_CHECK(h.kernel.sysfs().write_file("/", "/root/dev.json", apsim::fuzz::text(data, size)) == 0, "write the file");
  const int rc = h.mdevctl({"define", "--parent", "matrix", "--uuid", kU1, "--jsonfile", "/root/dev.json"});
  if (rc != 0) {
    std::vector<std::string> names;
    FUZZ_CHECK(h.kernel.sysfs().list("/", kDir, names) != 0 || names.empty(), "a refused define stores nothing");
    return 0;
  }
  const std::string stored = h.file(kDir + "/" + kU1);
  FUZZ_CHECK(stored != "<missing>", "a defined device has its file");
  FUZZ_CHECK(h.mdevctl({"define", "--parent", "matrix", "--uuid", kU2, "--jsonfile", kDir + "/" + kU1}) == 0,
             "a stored configuration defines again");
  FUZZ_CHECK(h.file(kDir + "/" + kU2) == stored, "the stored configuration is a fixed point");
  std::string listing;
  FUZZ_CHECK(h.mdevctl({"list", "--defined", "--dumpjson"}, &listing) == 0, "mdevctl list --dumpjson");
  FUZZ_CHECK(listing.find(kU1) != std::string::npos, "the listing shows the device");
  return 0;
}
