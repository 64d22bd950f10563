// driver/lszcrypt.cpp — lszcrypt, reading /sys/bus/ap like s390-tools does.
//
// Output profile: the s390-tools of the seed documents (seed 000): FUNCTIONS has nine
// characters "SMCDAXNFR" (no H column), queues bound to vfio_ap show the card's online
// state and their counters, a queue without a driver shows "-no-driver-".
#include <algorithm>
#include <cstdio>
#include <ostream>
#include <string>

#include "driver/kernel.h"
#include "driver/tools.h"

namespace apsim::driver {

namespace {

struct Row {
  std::string id, type, mode, status, requests, pending, hwtype, qdepth, functions, driver;
};

class SysReader {
 public:
  explicit SysReader(LinuxKernel& k) : k_(k) {}
  std::string attr(const std::string& path) {
    std::string v;
    if (k_.sysfs().read("/", path, v) != 0) return "";
    while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
    return v;
  }
  bool has(const std::string& path) { return k_.sysfs().exists(path); }
  std::string link_name(const std::string& path) {
    std::string target;
    if (k_.sysfs().resolve("/", path, target) != 0) return "";
    return target.substr(target.rfind('/') + 1);
  }

 private:
  LinuxKernel& k_;
};

std::string mode_of(unsigned long f) {
  if (f & 0x10000000) return "CCA-Coproc";
  if (f & 0x08000000) return "Accelerator";
  if (f & 0x04000000) return "EP11-Coproc";
  return "Unknown";
}

std::string functions_of(unsigned long f) {
  static const char chars[] = "SMCDAXNFR";
  static const unsigned long masks[] = {0x80000000, 0x40000000, 0x20000000, 0x10000000, 0x08000000,
                                        0x04000000, 0x02000000, 0x00800000, 0x00400000};
  std::string s;
  for (int i = 0; i < 9; ++i) s += (f & masks[i]) ? chars[i] : '-';
  return s;
}

std::string status_of(const std::string& config, const std::string& chkstop, const std::string& online) {
  if (config == "0") return "deconfig";
  if (chkstop == "1") return "chkstop";
  return online == "1" ? "online" : "offline";
}

Row read_row(SysReader& r, const std::string& dev, const std::string& card_dir) {
  const std::string d = "/sys/bus/ap/devices/" + dev;
  Row row;
  row.id = dev.compare(0, 4, "card") == 0 ? dev.substr(4) : dev;
  row.type = r.attr(card_dir + "/type");
  if (row.type.empty()) row.type = "-";
  const unsigned long f = std::strtoul(r.attr(card_dir + "/ap_functions").c_str(), nullptr, 16);
  row.mode = mode_of(f);
  // A queue without zcrypt's `online` attribute (vfio_ap, no driver) shows its card's state.
  const std::string online = r.has(d + "/online") ? r.attr(d + "/online") : r.attr(card_dir + "/online");
  row.status = status_of(r.attr(d + "/config"), r.attr(d + "/chkstop"), online);
  row.requests = r.attr(d + "/request_count");
  const unsigned long pend = std::strtoul(r.attr(d + "/requestq_count").c_str(), nullptr, 10) +
                             std::strtoul(r.attr(d + "/pendingq_count").c_str(), nullptr, 10);
  row.pending = std::to_string(pend);
  row.hwtype = r.attr(card_dir + "/hwtype");
  char q[16];
  std::snprintf(q, sizeof q, "%02d", std::atoi(r.attr(card_dir + "/depth").c_str()));
  row.qdepth = q;
  row.functions = functions_of(f);
  row.driver = r.link_name(d + "/driver");
  if (row.driver.empty()) row.driver = "-no-driver-";
  return row;
}

std::string rtrim(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

int lszcrypt_main(LinuxKernel& k, const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  bool verbose = false;
  std::vector<std::string> filter;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-V" || a == "--verbose") verbose = true;
    else if (a == "-b" || a == "--bus") {
      SysReader r(k);
      out << "ap_domain=0x" << r.attr("/sys/bus/ap/ap_domain") << "\n";
      out << "ap_max_domain_id=0x" << r.attr("/sys/bus/ap/ap_max_domain_id") << "\n";
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      err << "lszcrypt: Invalid option '" << a << "'\n";
      return 1;
    } else {
      filter.push_back(a);
    }
  }
  std::vector<std::string> devs;
  if (k.sysfs().list("/", "/sys/bus/ap/devices", devs) != 0) {
    err << "lszcrypt: Crypto device driver not available\n";
    return 1;
  }
  // Order: each card, then its queues.
  auto key = [](const std::string& n) { return n.compare(0, 4, "card") == 0 ? n.substr(4) + " " : n; };
  std::sort(devs.begin(), devs.end(), [&](const std::string& a, const std::string& b) { return key(a) < key(b); });
  if (devs.empty()) {
    err << "lszcrypt: No crypto card devices found\n";
    return 1;
  }
  SysReader r(k);
  char line[256];
  if (verbose) {
    out << "CARD.DOM TYPE  MODE        STATUS     REQUESTS  PENDING HWTYPE QDEPTH FUNCTIONS  DRIVER\n";
    out << std::string(92, '-') << "\n";
  } else {
    out << "CARD.DOM TYPE  MODE        STATUS     REQUESTS\n";
    out << std::string(46, '-') << "\n";
  }
  for (const std::string& dev : devs) {
    const bool is_card = dev.compare(0, 4, "card") == 0;
    const std::string card_dir = "/sys/bus/ap/devices/card" + (is_card ? dev.substr(4) : dev.substr(0, 2));
    Row row = read_row(r, dev, card_dir);
    if (!filter.empty() && std::find(filter.begin(), filter.end(), row.id) == filter.end() &&
        std::find(filter.begin(), filter.end(), row.id.substr(0, 2)) == filter.end())
      continue;
    if (verbose)
      std::snprintf(line, sizeof line, "%-8s %-5s %-11s %-10s %8s %8s %6s %6s %-10s %-11s", row.id.c_str(),
                    row.type.c_str(), row.mode.c_str(), row.status.c_str(), row.requests.c_str(), row.pending.c_str(),
                    row.hwtype.c_str(), row.qdepth.c_str(), row.functions.c_str(), row.driver.c_str());
    else
      std::snprintf(line, sizeof line, "%-8s %-5s %-11s %-10s %8s", row.id.c_str(), row.type.c_str(), row.mode.c_str(),
                    row.status.c_str(), row.requests.c_str());
    out << rtrim(line) << "\n";
  }
  return 0;
}

}  // namespace apsim::driver
