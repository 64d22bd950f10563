// testbench/fuzz/fuzz_driver.cpp — the main() of a fuzz target in a build without libFuzzer
// (the default gcc build, the asan preset): it runs LLVMFuzzerTestOneInput once on every file
// of the directories (or files) it is given — the target's seed corpus and its kept crashers
// (testbench/fuzz/corpus/NAME, regressions/NAME) — so each input stays a regression test in
// CI.  A failed invariant aborts (FUZZ_CHECK); a missing directory is skipped with a note
// (regressions/NAME exists only once a crasher was kept); no input at all is an error.
// Usage: fuzz_NAME DIR_OR_FILE...
//
// apsim_fuzz_run_corpus() is the loop; main() calls it after LLVMFuzzerInitialize, and a
// target with its own main (fuzz_platform.cpp: the loop runs on the simulated CPU) calls it
// directly.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Optional, as in libFuzzer: a target that needs one-time setup defines it.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace fs = std::filesystem;

int apsim_fuzz_run_corpus(int argc, char** argv) {
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path p = argv[i];
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file()) inputs.push_back(e.path());
    } else if (fs::is_regular_file(p, ec)) {
      inputs.push_back(p);
    } else {
      std::printf("%s: no such file or directory, skipped\n", argv[i]);
    }
  }
  std::sort(inputs.begin(), inputs.end());  // the same order on every run
  if (inputs.empty()) {
    std::fprintf(stderr, "%s: no inputs\n", argv[0]);
    return 2;
  }
  for (const auto& p : inputs) {
    std::ifstream f(p, std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    if (!f.good() && !f.eof()) {
      std::fprintf(stderr, "%s: cannot read\n", p.c_str());
      return 2;
    }
    std::printf("running %s (%zu bytes)\n", p.c_str(), bytes.size());
    std::fflush(stdout);  // the last name printed is the input that failed
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("%zu inputs passed\n", inputs.size());
  return 0;
}

#ifndef APSIM_FUZZ_NO_MAIN
int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  return apsim_fuzz_run_corpus(argc, argv);
}
#endif
