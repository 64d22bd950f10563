// driver/userspace/host_program.h — running one of the machine's own programs (GNU grep, sort,
// sed, ...) on text of the simulated instance: fork and execv with an argument vector (never
// a shell string), the text on its standard input, its output and errors captured.  Used by
// the real filters (filters.cpp) and grep (grep.cpp).  Internal to driver/userspace.
#pragma once

#include <string>
#include <vector>

namespace apsim::driver {

/// Run the program at `path` with `argv` (argv[0] included) in the C locale, `input` on its
/// standard input; its standard output and error are appended to `out` and `err`.
/// Returns its exit status (128 + N if signal N ended it), or -errno if it could not be
/// started (127 if execv failed in the child: the program is not installed).
int run_host_program(const std::string& path, const std::vector<std::string>& argv, const std::string& input,
                     std::string& out, std::string& err);

}  // namespace apsim::driver
