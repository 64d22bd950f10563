// driver/userspace/tool_args.h — command-line parsing shared by the tools the scenario shell runs
// (driver/userspace/programs.h).  They get their arguments as a vector of strings and write to the
// shell's streams, not to the process' argv and stdout, so CLI11's usual
// `CLI11_PARSE(app, argc, argv)` does not fit them.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace apsim::driver {

/// The version apsim's own tools (apbench, apinsn) print for --version: apsim's
/// (driver/CMakeLists.txt passes the project's version).
inline constexpr const char* kApsimVersion = APSIM_VERSION;

/// Parse `argv` (argv[0] is the tool's name) into `app`.  Empty when the tool should go on;
/// otherwise --help was asked for or the arguments were wrong: CLI11's text went to `out`
/// and `err`, and the value is CLI11's exit status (0 for --help) for the tool to map.
inline std::optional<int> parse_tool_args(CLI::App& app, const std::vector<std::string>& argv, std::ostream& out,
                                          std::ostream& err) {
  std::vector<const char*> args;
  args.reserve(argv.size());
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
  return std::nullopt;
}

}  // namespace apsim::driver
