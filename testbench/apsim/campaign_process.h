// testbench/apsim/campaign_process.h — the campaigns' processes: SystemC elaborates one
// platform per process, so each LPAR of a campaign runs in a forked child that sends its
// result back through a pipe, `jobs` of them at once.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace apsim::tb {

/// The result of one child: its status and what it sent.
struct ChildResult {
  bool ok = false;        ///< exited with status 0
  std::string status;     ///< describe_wait_status's words
  std::string payload;    ///< what the child's body returned
};

/// Run `body(k)` for k = 0 .. count-1, each in a forked child, at most `jobs` at once; the
/// string it returns comes back as the payload.  Results in k's order.  The parent must not
/// have elaborated a SystemC design yet.  A body that throws ends its child with status 70
/// after printing the error on stderr.
std::vector<ChildResult> run_in_children(unsigned count, unsigned jobs, const std::function<std::string(unsigned)>& body);

}  // namespace apsim::tb
