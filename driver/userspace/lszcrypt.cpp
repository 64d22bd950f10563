// driver/userspace/lszcrypt.cpp — lszcrypt, reading /sys/bus/ap like s390-tools does.
//
// Output profile: the s390-tools of the seed documents (seed 000): FUNCTIONS has nine
// characters "SMCDAXNFR" (no H column), queues bound to vfio_ap show the card's online
// state and their counters, a queue without a driver shows "-no-driver-".  The layout is
// util_rec's wide format (every field padded, the last one too).  Without -V only what
// zcrypt drives is listed (a queue bound to vfio_ap has no `online`: seed 000 lists those
// with `lszcrypt -V`).  -d prints the domain map, -b the bus attributes.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <ostream>
#include <string>

#include "driver/linux/kernel.h"
#include "driver/userspace/programs.h"
#include "driver/userspace/session.h"

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
  bool is_dir(const std::string& path) { return k_.sysfs().is_dir(path); }
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

// The util_rec "wide" layout: fields joined by one space, each padded to its width
// (left- or right-aligned), the last one too; the header is underlined with '-' across
// the sum of the widths plus the separators.
struct Column {
  int width;
  bool left;
};

std::string wide_row(const std::vector<Column>& cols, const std::vector<std::string>& vals) {
  std::string line;
  char b[64];
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) line += ' ';
    std::snprintf(b, sizeof b, cols[i].left ? "%-*s" : "%*s", cols[i].width, vals[i].c_str());
    line += b;
  }
  return line + "\n";
}

std::string underline(const std::vector<Column>& cols) {
  size_t n = cols.size() - 1;
  for (const Column& c : cols) n += static_cast<size_t>(c.width);
  return std::string(n, '-') + "\n";
}

// lszcrypt -d (show_domains): the usage/control domain map of the AP configuration.
int show_domains(SysReader& r, std::ostream& out, std::ostream& err) {
  const std::string ctrl = r.attr("/sys/bus/ap/ap_control_domain_mask");
  const std::string usage = r.attr("/sys/bus/ap/ap_usage_domain_mask");
  if (ctrl.find("not") != std::string::npos || ctrl.size() < 66) {
    err << "lszcrypt: Control domain mask not available.\n";
    return 1;
  }
  if (usage.find("not") != std::string::npos || usage.size() < 66) {
    err << "lszcrypt: Usage domain mask not available.\n";
    return 1;
  }
  std::vector<Column> cols{{6, false}};
  std::vector<std::string> hdr{"DOMAIN"};
  char b[8];
  for (int i = 0; i < 16; ++i) {
    cols.push_back({2, false});
    std::snprintf(b, sizeof b, "%02x", i);
    hdr.push_back(b);
  }
  out << wide_row(cols, hdr) << underline(cols);
  auto bit = [](const std::string& mask, int n) {
    const int digit = std::stoi(mask.substr(2 + n / 4, 1), nullptr, 16);
    return (digit & (8 >> (n % 4))) != 0;
  };
  for (int row = 0; row < 16; ++row) {
    std::vector<std::string> vals;
    std::snprintf(b, sizeof b, "%02x", row * 16);
    vals.push_back(b);
    for (int x = 0; x < 16; ++x) {
      const int d = row * 16 + x;
      const bool c = bit(ctrl, d), u = bit(usage, d);
      vals.push_back(c && u ? "B" : c ? "C" : u ? "U" : ".");
    }
    out << wide_row(cols, vals);
  }
  out << "------------------------------------------------------\n"
      << "C: Control domain\n"
      << "U: Usage domain\n"
      << "B: Both (Control + Usage domain)\n";
  return 0;
}

// lszcrypt -b (show_bus).
int show_bus(SysReader& r, std::ostream& out) {
  auto hex = [&](const std::string& attr) {
    char b[32];
    std::snprintf(b, sizeof b, "0x%lx", std::strtol(r.attr("/sys/bus/ap/" + attr).c_str(), nullptr, 10));
    return std::string(b);
  };
  out << "ap_domain=" << hex("ap_domain") << "\n";
  out << "ap_max_domain_id=" << hex("ap_max_domain_id") << "\n";
  if (r.has("/sys/bus/ap/ap_interrupts"))
    out << "ap_interrupts are " << (r.attr("/sys/bus/ap/ap_interrupts") == "1" ? "enabled" : "disabled") << "\n";
  out << "config_time=" << std::strtol(r.attr("/sys/bus/ap/config_time").c_str(), nullptr, 10) << " (seconds)\n";
  out << "poll_thread is " << (r.attr("/sys/bus/ap/poll_thread") == "1" ? "enabled" : "disabled") << "\n";
  if (r.has("/sys/bus/ap/poll_timeout"))
    out << "poll_timeout=" << std::strtoull(r.attr("/sys/bus/ap/poll_timeout").c_str(), nullptr, 10)
        << " (nanoseconds)\n";
  return 0;
}

// lszcrypt -c DEVICE_ID (show_capability, s390-tools 2.x of the seed era: the nine-letter
// FUNCTIONS profile above): what a card can do, from its hwtype and ap_functions.
// DEVICE_ID is read with strtol(..., 0) as the tool does: "5", "0x05", "05" (octal) name
// card05, "10" names card0a.
int show_capability(SysReader& r, const std::string& id_str, std::ostream& out, std::ostream& err) {
  constexpr unsigned long kRsa4k = 0x60000000, kCopro = 0x10000000, kAccel = 0x08000000, kEp11 = 0x04000000;
  constexpr unsigned long kClassFull = 0x00800000, kClassStateless = 0x00400000;
  const char* rsa2k = "RSA 2K Clear Key";
  const char* rsa4k = "RSA 4K Clear Key";
  const char* cca = "CCA Secure Key";
  char* end = nullptr;
  errno = 0;
  const long id = std::strtol(id_str.c_str(), &end, 0);
  if (id < 0 || id > 255 || end == id_str.c_str() || *end != '\0' || errno) {
    err << "lszcrypt: Error - '" << id_str << "' is an invalid cryptographic device id.\n";
    return 1;
  }
  char card[16];
  std::snprintf(card, sizeof card, "card%02lx", id);
  const std::string dev = std::string("/sys/devices/ap/") + card;
  if (!r.is_dir(dev)) {
    err << "lszcrypt: Error - cryptographic device " << card << " does not exist.\n";
    return 1;
  }
  const long hwtype = std::strtol(r.attr(dev + "/hwtype").c_str(), nullptr, 10);
  const unsigned long f = std::strtoul(r.attr(dev + "/ap_functions").c_str(), nullptr, 16);
  const std::string na = std::string("Detailed capability information for ") + card + " (hardware type " +
                         std::to_string(hwtype) + ") is not available.";
  // Cards the zcrypt layer does not drive (no type/online) get the short answer.
  if (!r.has(dev + "/type") || !r.has(dev + "/online")) {
    out << na << "\n";
    return 0;
  }
  const std::string cls = (f & kClassFull) ? " (full function set)" : (f & kClassStateless) ? " (restricted function set)" : "";
  out << card << " provides capability for:\n";
  if (hwtype == 6 || hwtype == 8) {
    out << ((f & kRsa4k) ? rsa4k : rsa2k);
  } else if (hwtype == 7 || hwtype == 9) {
    out << rsa4k << "\n" << cca << cls << "\nLong RNG";
  } else if (hwtype >= 10 && hwtype <= 13) {  // CEX4S .. CEX7S
    if (f & kAccel) out << ((f & kRsa4k) ? rsa4k : rsa2k);
    else if (f & kCopro) out << rsa4k << "\n" << cca << cls << "\nLong RNG";
    else if (f & kEp11) out << "EP11 Secure Key";
    else out << na;
  } else {
    out << na;
  }
  out << "\n";
  return 0;
}

}  // namespace

int lszcrypt_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  LinuxKernel& k = s.kernel();
  std::ostream &out = *io.out, &err = *io.err;
  bool verbose = false;
  std::vector<std::string> filter;
  SysReader r(k);
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "-V" || a == "--verbose") {
      verbose = true;
    } else if (a.compare(0, 2, "-c") == 0 || a.compare(0, 12, "--capability") == 0) {
      // getopt_long: -c ID, -cID, --capability ID, --capability=ID.
      std::string id;
      if (a.size() > 2 && a[1] == 'c') id = a.substr(2);
      else if (a.compare(0, 13, "--capability=") == 0) id = a.substr(13);
      else if (a != "-c" && a != "--capability") {
        err << "lszcrypt: Invalid option '" << a << "'\nTry 'lszcrypt --help' for more information.\n";
        return 1;
      } else if (i + 1 < argv.size()) id = argv[++i];
      else {
        err << "lszcrypt: Option '" << a << "' requires an argument\nTry 'lszcrypt --help' for more information.\n";
        return 1;
      }
      // show_capability: "check if ap driver is available" -- no /sys/bus/ap (no AP
      // instructions: ap_module_init registered no bus) -> errx(EXIT_FAILURE, ...).
      if (!k.sysfs().is_dir("/sys/bus/ap")) {
        err << "lszcrypt: Crypto device driver not available.\n";
        return 1;
      }
      return show_capability(r, id, out, err);
    } else if (a == "-b" || a == "--bus" || a == "-d" || a == "--domains") {
      // show_bus, show_domains: the same /sys/bus/ap check first.
      if (!k.sysfs().is_dir("/sys/bus/ap")) {
        err << "lszcrypt: Crypto device driver not available.\n";
        return 1;
      }
      return (a == "-b" || a == "--bus") ? show_bus(r, out) : show_domains(r, out, err);
    } else if (!a.empty() && a[0] == '-') {
      // util_prg_print_invalid_option: the message, then the pointer to --help.
      err << "lszcrypt: Invalid option '" << a << "'\nTry 'lszcrypt --help' for more information.\n";
      return 1;
    } else {
      filter.push_back(a);
    }
  }
  // show_devices_all, show_devices_argv: errx "Crypto device driver not available." when
  // /sys/bus/ap is no directory (a system without AP instructions has no AP bus), before
  // any header or device.
  std::vector<std::string> devs;
  if (!k.sysfs().is_dir("/sys/bus/ap") || k.sysfs().list("/", "/sys/bus/ap/devices", devs) != 0) {
    err << "lszcrypt: Crypto device driver not available.\n";
    return 1;
  }
  // Order: each card, then its queues.
  auto key = [](const std::string& n) { return n.compare(0, 4, "card") == 0 ? n.substr(4) + " " : n; };
  std::sort(devs.begin(), devs.end(), [&](const std::string& a, const std::string& b) { return key(a) < key(b); });
  if (std::none_of(devs.begin(), devs.end(), [](const std::string& d) { return d.compare(0, 4, "card") == 0; })) {
    err << "lszcrypt: No crypto card devices found.\n";
    return 1;
  }
  std::vector<Column> cols{{8, true}, {5, true}, {11, true}, {10, true}, {8, false}};
  std::vector<std::string> hdr{"CARD.DOM", "TYPE", "MODE", "STATUS", "REQUESTS"};
  if (verbose) {
    cols.insert(cols.end(), {{8, false}, {6, false}, {6, false}, {10, true}, {11, true}});
    hdr.insert(hdr.end(), {"PENDING", "HWTYPE", "QDEPTH", "FUNCTIONS", "DRIVER"});
  }
  out << wide_row(cols, hdr) << underline(cols);
  for (const std::string& dev : devs) {
    const bool is_card = dev.compare(0, 4, "card") == 0;
    const std::string card_dir = "/sys/bus/ap/devices/card" + (is_card ? dev.substr(4) : dev.substr(0, 2));
    // Without -V, devices the zcrypt layer does not drive (no type/online: a card without
    // cex4card, a queue bound to vfio_ap) are left out, and so are the queues of such a card.
    if (!verbose && (!r.has(card_dir + "/type") || !r.has(card_dir + "/online") ||
                     (!is_card && !r.has("/sys/bus/ap/devices/" + dev + "/online"))))
      continue;
    Row row = read_row(r, dev, card_dir);
    if (!filter.empty() && std::find(filter.begin(), filter.end(), row.id) == filter.end() &&
        std::find(filter.begin(), filter.end(), row.id.substr(0, 2)) == filter.end())
      continue;
    std::vector<std::string> vals{row.id, row.type, row.mode, row.status, row.requests};
    if (verbose) vals.insert(vals.end(), {row.pending, row.hwtype, row.qdepth, row.functions, row.driver});
    out << wide_row(cols, vals);
  }
  return 0;
}

}  // namespace apsim::driver
