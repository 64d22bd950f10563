// driver/userspace/s390_tools.cpp — the s390-tools releases apsim knows.
#include "driver/userspace/s390_tools.h"

namespace apsim::driver {

const std::vector<S390ToolsRelease>& S390ToolsRelease::known() {
  static const std::vector<S390ToolsRelease> releases = [] {
    S390ToolsRelease r225;
    r225.version = "2.25.0";
    r225.argv_index_reuse = true;
    S390ToolsRelease r243;
    r243.version = "2.43.0";
    r243.functions_h = true;
    r243.qdepth_plus_one = false;
    r243.capability_stateless = true;
    r243.queue_capability = true;
    r243.empty_list_is_header = true;
    r243.default_domain_warning = true;
    r243.copyright = "Copyright IBM Corp. 2008, 2023";
    r243.mdevctl = "1.4.0";
    r243.apqn_spelling = true;
    r243.ap_check_live_modify = true;
    return std::vector<S390ToolsRelease>{r225, r243};
  }();
  return releases;
}

const S390ToolsRelease* S390ToolsRelease::find(const std::string& name) {
  for (const S390ToolsRelease& r : known())
    if (name == r.version || name + ".0" == r.version) return &r;
  return nullptr;
}

const S390ToolsRelease& S390ToolsRelease::for_linux(const std::string& linux_version) {
  return *find(linux_version == "7.3" ? "2.43" : "2.25");
}

std::string S390ToolsRelease::known_names() {
  std::string s;
  for (const S390ToolsRelease& r : known()) s += (s.empty() ? "" : ", ") + r.version.substr(0, r.version.rfind('.'));
  return s;
}

}  // namespace apsim::driver
