// testbench/fuzz/fuzz_sweep_spec.cpp — the sweep spec (testbench/apsim/sweep_spec.h,
// docs/sweeps.md), as `apsim sweep SPEC` reads it: load_spec, then make_points.  The spec is
// written to a scratch folder that also holds base.sh and lpar.json (copies of
// testbench/sweeps/base.sh and lpar-cex7a.json), which the seeds name as their base.
//
// Input: the spec file's text.
// Invariants:
//  * a refused spec throws SpecError naming the spec file; any other exception would be an
//    internal error of `apsim sweep`;
//  * an accepted spec has at most kMaxPoints points; make_points (run for grids of at most
//    1000 points, to keep each input fast) makes exactly the product of the grid's list
//    lengths, with distinct folder names, each point's LPAR text accepted by
//    LparConfig::parse as `apsim run` will read it.
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "sc/lpar_config.h"
#include "testbench/apsim/sweep_spec.h"
#include "testbench/fuzz/fuzz_check.h"

namespace tb = apsim::tb;
namespace fs = std::filesystem;

namespace {

std::string g_dir;  // the scratch folder

void write(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  FUZZ_CHECK(f.good(), "write the scratch file");
}

}  // namespace

// libsystemc.so refers to sc_main; this program has its own main and never starts SystemC.
int sc_main(int, char**) { return 2; }

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char tmpl[] = "/tmp/apsim-fuzz-sweep-XXXXXX";
  FUZZ_CHECK(mkdtemp(tmpl) != nullptr, "make the scratch folder");
  g_dir = tmpl;
  fs::copy_file(APSIM_SOURCE_DIR "/testbench/sweeps/base.sh", g_dir + "/base.sh");
  fs::copy_file(APSIM_SOURCE_DIR "/testbench/sweeps/lpar-cex7a.json", g_dir + "/lpar.json");
  std::atexit([] { fs::remove_all(g_dir); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = g_dir + "/spec.json";
  write(path, apsim::fuzz::text(data, size));
  tb::Spec spec;
  try {
    spec = tb::load_spec(path);
  } catch (const tb::SpecError& e) {
    FUZZ_CHECK(std::string(e.what()).find(path) != std::string::npos, "a spec error names the spec file");
    return 0;
  } catch (const std::exception& e) {
    apsim::fuzz::unexpected_exception("load_spec", e.what());
  }
  unsigned long long points = 1;
  for (const auto& [name, values] : spec.grid) points *= values.size();
  FUZZ_CHECK(points >= 1 && points <= tb::kMaxPoints, "an accepted grid has 1..kMaxPoints points");
  if (points > 1000) return 0;
  std::vector<tb::Point> made;
  try {
    made = tb::make_points(spec);
  } catch (const tb::SpecError& e) {
    return 0;  // e.g. an LPAR that cannot hold the guests a point asks for
  } catch (const std::exception& e) {
    apsim::fuzz::unexpected_exception("make_points", e.what());
  }
  FUZZ_CHECK(made.size() == points, "one point per combination of the grid");
  std::set<std::string> names;
  for (const auto& p : made) {
    FUZZ_CHECK(names.insert(p.name).second, "point folders are distinct");
    try {
      (void)apsim::sc::LparConfig::parse(p.lpar_text, p.name + "/lpar.json");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "point %s: %s\n", p.name.c_str(), e.what());
      FUZZ_CHECK(false, "a point's LPAR is one apsim run accepts");
    }
  }
  return 0;
}
