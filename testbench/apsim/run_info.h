// testbench/apsim/run_info.h — what a result file says about where it came from: apsim's
// version and commit (written at build time by cmake/apsim_version.cmake), the machine that
// ran it, the time; and writing JSON files so that a reader never sees half of one.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace apsim::tb {

/// apsim's version and build: {"version", "commit", "dirty"} (dirty: tracked files differed
/// from the commit when it was built; commit "unknown" outside a git checkout).
nlohmann::ordered_json apsim_build_info();

/// The machine this process runs on: {"hostname", "os" (uname: system, release, machine),
/// "cpu_model", "cpus" (online), "memory_mib"} — from uname(2), /proc/cpuinfo, /proc/meminfo.
nlohmann::ordered_json machine_info();

/// The current UTC time as ISO 8601, e.g. "2026-12-05T01:41:59Z".
std::string utc_now();

/// Write `j` (indented) to `path` through a temporary file and rename(2), so that a reader
/// sees the old file or the whole new one.  Throws std::runtime_error naming the path.
void write_json_file(const std::string& path, const nlohmann::ordered_json& j);

/// Read a whole text file; throws std::runtime_error naming the path.
std::string read_text_file(const std::string& path);

/// Write a whole text file (through a temporary file and rename(2)); throws
/// std::runtime_error naming the path.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace apsim::tb
