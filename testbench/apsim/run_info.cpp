// testbench/apsim/run_info.cpp — see run_info.h.
#include "testbench/apsim/run_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace apsim::tb {

// cmake/apsim_version.cmake's generated source.
extern const char* const kApsimVersion;
extern const char* const kApsimCommit;
extern const bool kApsimDirty;

nlohmann::ordered_json apsim_build_info() {
  return {{"version", kApsimVersion}, {"commit", kApsimCommit}, {"dirty", kApsimDirty}};
}

namespace {

/// The value after "KEY<spaces>:" on the first line of `file` that starts with KEY.
std::string proc_field(const char* file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) != 0) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const size_t v = line.find_first_not_of(" \t", colon + 1);
    return v == std::string::npos ? "" : line.substr(v);
  }
  return "";
}

}  // namespace

nlohmann::ordered_json machine_info() {
  nlohmann::ordered_json m;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  m["hostname"] = host;
  utsname u{};
  if (uname(&u) == 0) m["os"] = std::string(u.sysname) + " " + u.release + " " + u.machine;
  m["cpu_model"] = proc_field("/proc/cpuinfo", "model name");
  m["cpus"] = sysconf(_SC_NPROCESSORS_ONLN);
  const std::string mem = proc_field("/proc/meminfo", "MemTotal");  // "24683468 kB"
  m["memory_mib"] = mem.empty() ? 0 : std::stoull(mem) / 1024;
  return m;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

void write_text_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    o << text;
    o.close();
    if (!o) {
      std::remove(tmp.c_str());
      throw std::runtime_error(path + ": cannot write: " + std::strerror(errno));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    throw std::runtime_error(path + ": cannot write: " + std::strerror(e));
  }
}

void write_json_file(const std::string& path, const nlohmann::ordered_json& j) {
  write_text_file(path, j.dump(2) + "\n");
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read the file: " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace apsim::tb
