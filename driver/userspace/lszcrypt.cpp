// driver/userspace/lszcrypt.cpp — s390-tools' lszcrypt (zconf/zcrypt/lszcrypt.c), release by
// release (driver/userspace/s390_tools.h: 2.25.0 and 2.43.0), reading sysfs as the tool does.
//
// The structure follows the tool's: show_devices_all / show_devices_argv walk the cards
// (/sys/devices/ap/cardXX in alphasort order) and each card's queues (XX.YYYY), show_device
// and show_subdevice print one row each with util_rec's wide layout (every field padded to its
// width, the last one too).  What a row says is computed as read_rec_* / read_subdev_rec_* do:
//  * a card's STATUS from its config, chkstop and online; a queue's from its own config,
//    chkstop and online, else the text of its vfio_ap `status` attribute, else "-";
//  * REQUESTS is the kernel's request_count text ("-" for a queue bound to vfio_ap, whose
//    dev_state is UNINITIATED); "-" when the card or queue is deconfigured;
//  * PENDING of a queue only for a cexN driver ("-" for vfio_ap or none), of a card unless it
//    is deconfigured;
//  * TYPE, MODE, HWTYPE, QDEPTH and FUNCTIONS of a queue are its card's;
//  * QDEPTH is depth + 1 up to 2.40, the raw depth from 2.41; FUNCTIONS has nine letters up
//    to 2.25, ten (with H) from 2.26.
// Without -V only what the zcrypt layer drives is listed (a card or queue needs `type` and
// `online`).  -s prints the first 8 characters of each CCA and EP11 card's `serialnr`; -c of a
// queue (2.28+) its "WK CUR", "AES CUR", "APKA CUR" and "ASYM CUR" lines of `mkvps` after
// "MK " (show_queue_capability).  Messages are the tool's, with its exit codes: errx() ends
// with 1.
#include <algorithm>
#include <optional>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <string>
#include <vector>

#include "driver/linux/kernel.h"
#include "driver/shell/posix_regex.h"
#include "driver/userspace/programs.h"
#include "driver/userspace/s390_tools.h"
#include "driver/userspace/session.h"

namespace apsim::driver {

namespace {

constexpr unsigned long MASK_COPRO = 0x10000000, MASK_ACCEL = 0x08000000, MASK_EP11 = 0x04000000;
constexpr unsigned long MASK_RSA4K = 0x60000000, MASK_HSL = 0x01000000;
constexpr unsigned long MASK_CLASS_FULL = 0x00800000, MASK_CLASS_STATELESS = 0x00400000;

/// errx(EXIT_FAILURE, ...): the message goes to stderr with the program's name.
struct Errx {
  std::string text;
};

/// The tool's view of sysfs: util_file_read_* and util_path_* on the instance's tree.
class SysReader {
 public:
  explicit SysReader(Sysfs& fs) : fs_(fs) {}
  /// util_file_read_line: the first line of the file, or nullopt if it cannot be read.
  bool line(const std::string& path, std::string& out) const {
    std::string v;
    if (fs_.read("/", path, v) != 0) return false;
    out = v.substr(0, v.find('\n'));
    return true;
  }
  /// util_file_read_l / _ul: a number in `base`; false if the file cannot be read or parsed.
  bool number(const std::string& path, long& out, int base = 10) const {
    std::string v;
    if (!line(path, v)) return false;
    char* end = nullptr;
    errno = 0;
    const long x = std::strtol(v.c_str(), &end, base);
    if (end == v.c_str() || errno) return false;
    out = x;
    return true;
  }
  unsigned long functions(const std::string& dev) const {
    long f = 0;
    return number(dev + "/ap_functions", f, 16) ? static_cast<unsigned long>(f) : 0;
  }
  /// fopen + fgets to the end: the whole file, or false if it cannot be opened.
  bool content(const std::string& path, std::string& out) const { return fs_.read("/", path, out) == 0; }
  bool readable(const std::string& path) const {
    std::string v;
    return fs_.read("/", path, v) == 0;
  }
  bool is_dir(const std::string& path) const { return fs_.is_dir(path); }
  bool is_file(const std::string& path) const {
    std::string canon;
    return fs_.resolve("/", path, canon) == 0 && !fs_.is_dir(canon);
  }
  /// util_scandir(alphasort) with an (unanchored, extended) regular expression.
  std::vector<std::string> scandir(const std::string& dir, const std::string& pattern) const {
    std::vector<std::string> names, out;
    if (fs_.list("/", dir, names) != 0) return out;
    const PosixRegex re(pattern, REG_EXTENDED | REG_NOSUB);  // util_scandir: regcomp, regexec
    for (const std::string& n : names)
      if (re.search(n)) out.push_back(n);
    return out;  // Sysfs::list is sorted in the C locale, as alphasort there
  }
  /// read_driver: the basename of the driver link; 1 for cexN card/queue drivers, 2 for
  /// vfio_ap, 0 for none or any other.
  int driver(const std::string& dev, std::string& name) const {
    std::string target;
    if (fs_.readlink("/", dev + "/driver", target) != 0 || target.find('/') == std::string::npos) return 0;
    name = target.substr(target.rfind('/') + 1);
    static const PosixRegex cex("cex[0-9](card|queue)", REG_EXTENDED | REG_NOSUB), vfio("vfio.ap", REG_EXTENDED | REG_NOSUB);
    if (cex.search(name)) return 1;
    if (vfio.search(name)) return 2;
    return 0;
  }

 private:
  Sysfs& fs_;
};

/// util_rec's wide format: fields joined by one blank, each padded to its width (left or
/// right aligned), the last one too; the header underlined across the widths and blanks.
class Rec {
 public:
  void def(const std::string& key, bool left, int width, const std::string& header) {
    cols_.push_back({key, left, width, header, ""});
  }
  void set(const std::string& key, const std::string& value) {
    for (Col& c : cols_)
      if (c.key == key) c.value = value;
  }
  std::string header() const {
    std::string h, u;
    for (const Col& c : cols_) {
      h += (h.empty() ? "" : " ") + pad(c, c.header);
      u += std::string(u.empty() ? 0 : 1, '-') + std::string(static_cast<size_t>(c.width), '-');
    }
    return h + "\n" + u + "\n";
  }
  std::string row() const {
    std::string r;
    for (const Col& c : cols_) r += (r.empty() ? "" : " ") + pad(c, c.value);
    return r + "\n";
  }

 private:
  struct Col {
    std::string key;
    bool left;
    int width;
    std::string header, value;
  };
  static std::string pad(const Col& c, const std::string& v) {
    if (static_cast<int>(v.size()) >= c.width) return v;
    const std::string fill(static_cast<size_t>(c.width) - v.size(), ' ');
    return c.left ? v + fill : fill + v;
  }
  std::vector<Col> cols_;
};

std::string hex_l(const char* fmt, long v) {
  char b[64];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

/// check_mask_bit of 2.42+: bit `n` of a "0x..." mask text (1/0, -1 if out of range).
int mask_bit(const std::string& mask, long n) {
  if (n < 0 || mask.size() < 2 + static_cast<size_t>(n / 4) + 1) return -1;
  const char c = mask[2 + static_cast<size_t>(n / 4)];
  const int digit = std::isxdigit(static_cast<unsigned char>(c)) ? std::stoi(std::string(1, c), nullptr, 16) : 0;
  return (digit & (8 >> (n % 4))) ? 1 : 0;
}

class Lszcrypt {
 public:
  Lszcrypt(Sysfs& fs, const S390ToolsRelease& rel, std::ostream& out) : r_(fs), rel_(rel), out_(out) {}

  bool verbose = false;
  bool showcard = true, showqueue = true, showaccel = true, showcca = true, showep11 = true;

  void require_bus() const {
    if (!r_.is_dir("/sys/bus/ap")) throw Errx{"Crypto device driver not available."};
  }

  void show_devices_all() {
    require_bus();
    Rec rec = define_rec();
    const auto cards = r_.scandir("/sys/devices/ap/", "card[0-9a-fA-F]+");
    if (cards.empty() && !rel_.empty_list_is_header) throw Errx{"No crypto card devices found."};
    out_ << rec.header();
    for (const std::string& c : cards) show_device(rec, c);
    default_domain_warning();
  }

  /// show_devices_argv: `ids` are the positional arguments; `env` the environment that
  /// follows argv's NULL in the process (read only by releases with argv_index_reuse).
  void show_devices_argv(const std::vector<std::string>& ids, const std::vector<std::string>& env) {
    require_bus();
    Rec rec = define_rec();
    out_ << rec.header();
    // The process's argv from the first id: the ids, NULL, then envp and its NULL.
    std::vector<std::optional<std::string>> argv(ids.begin(), ids.end());
    argv.push_back(std::nullopt);
    argv.insert(argv.end(), env.begin(), env.end());
    argv.push_back(std::nullopt);
    for (size_t i = 0; i < argv.size() && argv[i]; ++i) {
      const std::string& a = *argv[i];
      unsigned id = 0, dom = 0;
      int n = std::sscanf(a.c_str(), "%x.%x", &id, &dom);
      if (n >= 1) {
        char name[32];
        if (n == 2) {
          std::snprintf(name, sizeof name, "%02x.%04x", id, dom);
          show_subdevice(rec, card_dir(id), name);
        } else {
          std::snprintf(name, sizeof name, "card%02x", id);
          show_device(rec, name);
        }
        continue;
      }
      if (a.size() > 1 && std::sscanf(a.c_str() + 1, "%x", &dom) == 1) {  // ".DDDD": a domain of every card
        const auto cards = r_.scandir("/sys/devices/ap/", "card[0-9a-fA-F]+");
        if (cards.empty()) throw Errx{"No crypto card devices found."};
        char pat[40];
        std::snprintf(pat, sizeof pat, "[0-9a-fA-F]+.%04x", dom);
        for (const std::string& c : cards) {
          const auto queues = r_.scandir("/sys/devices/ap/" + c, pat);
          if (queues.empty()) throw Errx{"No queue devices with given domain value found."};
          for (const std::string& q : queues) show_subdevice(rec, "/sys/devices/ap/" + c, q);
        }
        // 2.21 … 2.26: the card loop ran on the argument index (argv_index_reuse).
        if (rel_.argv_index_reuse) i = cards.size();
        continue;
      }
      out_ << "Invalid adpater id!\n";  // sic
    }
  }

  void show_bus() {
    require_bus();
    const std::string ap = "/sys/bus/ap";
    long domain = 0, max_domain = 0, config_time = 0, poll_thread = 0, irq = 0, poll_timeout = 0;
    r_.number(ap + "/ap_domain", domain);
    r_.number(ap + "/ap_max_domain_id", max_domain);
    r_.number(ap + "/config_time", config_time);
    r_.number(ap + "/poll_timeout", poll_timeout);
    r_.number(ap + "/poll_thread", poll_thread);
    r_.number(ap + "/ap_interrupts", irq);
    std::string features, usage;
    if (rel_.queue_capability && r_.readable(ap + "/features") && r_.line(ap + "/features", features) &&
        !features.empty())
      out_ << "features: " << features << "\n";
    if (rel_.default_domain_warning) {
      r_.line(ap + "/ap_usage_domain_mask", usage);
      if (domain < 0) out_ << "ap_domain=-1 (not set)\n";
      else out_ << hex_l("ap_domain=0x%02lx", domain) << (mask_bit(usage, domain) > 0 ? "" : " (unavailable)") << "\n";
      out_ << hex_l("ap_max_domain_id=0x%02lx", max_domain) << "\n";
    } else {
      out_ << hex_l("ap_domain=0x%lx", domain) << "\n" << hex_l("ap_max_domain_id=0x%lx", max_domain) << "\n";
    }
    if (r_.is_file(ap + "/ap_interrupts")) out_ << "ap_interrupts are " << (irq == 1 ? "enabled" : "disabled") << "\n";
    out_ << "config_time=" << config_time << " (seconds)\n";
    out_ << "poll_thread is " << (poll_thread == 1 ? "enabled" : "disabled") << "\n";
    if (r_.is_file(ap + "/poll_timeout")) out_ << "poll_timeout=" << poll_timeout << " (nanoseconds)\n";
  }

  void show_domains() {
    require_bus();
    std::string ctrl, usage;
    r_.line("/sys/bus/ap/ap_control_domain_mask", ctrl);
    r_.line("/sys/bus/ap/ap_usage_domain_mask", usage);
    if (ctrl.find("not") != std::string::npos) throw Errx{"Control domain mask not available."};
    if (usage.find("not") != std::string::npos) throw Errx{"Usage domain mask not available."};
    Rec rec;
    rec.def("domain", false, 6, "DOMAIN");
    char b[8];
    for (int i = 0; i < 16; ++i) {
      std::snprintf(b, sizeof b, "%02x", i);
      rec.def(b, false, 2, b);
    }
    out_ << rec.header();
    for (int row = 0; row < 16; ++row) {
      std::snprintf(b, sizeof b, "%02x", row * 16);
      rec.set("domain", b);
      for (int x = 0; x < 16; ++x) {
        const int c = mask_bit(ctrl, row * 16 + x), u = mask_bit(usage, row * 16 + x);
        std::snprintf(b, sizeof b, "%02x", x);
        rec.set(b, c > 0 && u > 0 ? "B" : c > 0 ? "C" : u > 0 ? "U" : ".");
      }
      out_ << rec.row();
    }
    out_ << "------------------------------------------------------\n"
         << "C: Control domain\nU: Usage domain\nB: Both (Control + Usage domain)\n";
    default_domain_warning();
  }

  void show_serialnumbers() {
    require_bus();
    Rec rec;
    rec.def("card", true, 8, "CARD.DOM");
    rec.def("type", true, 5, "TYPE");
    rec.def("mode", true, 11, "MODE");
    rec.def("status", true, 10, "STATUS");
    rec.def("serialnr", true, 8, "SERIALNR");
    const auto cards = r_.scandir("/sys/devices/ap/", "card[0-9a-fA-F]+");
    if (cards.empty()) throw Errx{"No crypto card devices found."};
    out_ << rec.header();
    // config, chkstop and online are declared once, outside the loop, as in the tool: a card
    // that lacks one keeps the previous card's value.
    long config = -1, online = -1, chkstop = -1;
    for (const std::string& c : cards) {
      const std::string dev = "/sys/devices/ap/" + c;
      if (!r_.readable(dev + "/type") || !r_.readable(dev + "/online")) continue;
      std::string type, serial;
      r_.line(dev + "/type", type);
      const unsigned long f = r_.functions(dev);
      if (!(f & MASK_COPRO) && !(f & MASK_EP11)) continue;
      rec.set("card", c.substr(4));
      rec.set("type", type);
      rec.set("mode", f & MASK_COPRO ? "CCA-Coproc" : "EP11-Coproc");
      if (r_.readable(dev + "/config")) r_.number(dev + "/config", config);
      if (r_.readable(dev + "/chkstop")) r_.number(dev + "/chkstop", chkstop);
      if (r_.readable(dev + "/online")) r_.number(dev + "/online", online);
      rec.set("status", status(config, chkstop, online));
      rec.set("serialnr", r_.line(dev + "/serialnr", serial) ? serial.substr(0, 8) : "-");
      out_ << rec.row();
    }
  }

  void show_capability(const std::string& id_str) {
    require_bus();
    unsigned qid = 0, qdom = 0;
    if (rel_.queue_capability && std::sscanf(id_str.c_str(), "%x.%x", &qid, &qdom) == 2) {
      show_queue_capability(qid, qdom);
      return;
    }
    char* end = nullptr;
    const long id = std::strtol(id_str.c_str(), &end, 0);
    if (id < 0 || id > 255 || end == id_str.c_str() || *end != '\0')
      throw Errx{"Error - '" + id_str + "' is an invalid cryptographic device id."};
    char card[16];
    std::snprintf(card, sizeof card, "card%02lx", id);
    const std::string dev = std::string("/sys/devices/ap/") + card;
    if (!r_.is_dir(dev)) throw Errx{std::string("Error - cryptographic device ") + card + " does not exist."};
    long hwtype = 0, max_msg = 0;
    r_.number(dev + "/hwtype", hwtype);
    const unsigned long f = r_.functions(dev);
    if (!r_.number(dev + "/max_msg_size", max_msg)) max_msg = 0;
    const std::string na = std::string("Detailed capability information for ") + card + " (hardware type " +
                           std::to_string(hwtype) + ") is not available.\n";
    if (!r_.readable(dev + "/type") || !r_.readable(dev + "/online")) {
      out_ << na;
      return;
    }
    const std::string cls = f & MASK_CLASS_FULL ? " (full function set)"
                            : f & MASK_CLASS_STATELESS ? " (restricted function set)" : "";
    const std::string rsa = f & MASK_RSA4K ? "RSA 4K Clear Key\n" : "RSA 2K Clear Key\n";
    out_ << card << " provides capability for:\n";
    if (hwtype == 6 || hwtype == 8) {
      out_ << rsa;
    } else if (hwtype == 7 || hwtype == 9) {
      out_ << "RSA 4K Clear Key\nCCA Secure Key" << cls << "\nLong RNG\n";
    } else if (hwtype >= 10 && hwtype <= 14) {  // CEX4S .. CEX8S
      if (f & MASK_ACCEL) out_ << rsa;
      else if (f & MASK_COPRO)
        out_ << "RSA 4K Clear Key\nCCA Secure Key" << cls << "\n"
             << (rel_.capability_stateless && (f & MASK_HSL) ? "Hardware support for stateless filtering\n" : "")
             << "Long RNG\n";
      else if (f & MASK_EP11) out_ << "EP11 Secure Key\n";
      else out_ << na;
      if (max_msg > 0) out_ << "AP bus max message size limit " << max_msg / 1024 << " Kb\n";
    } else {
      out_ << na;
    }
  }

 private:
  static std::string card_dir(unsigned id) {
    char b[32];
    std::snprintf(b, sizeof b, "/sys/devices/ap/card%02x", id);
    return b;
  }
  static std::string status(long config, long chkstop, long online) {
    if (config == 0) return "deconfig";
    if (chkstop > 0) return "chkstop";
    if (online > 0) return "online";
    if (online == 0) return "offline";
    return "-";
  }
  long read_l(const std::string& path, long dflt = -1) const {
    long v = dflt;
    if (r_.readable(path)) r_.number(path, v);
    return v;
  }
  std::string functions(unsigned long f) const {
    static const char letters[] = "SMCDAXNHFR";
    static const unsigned long masks[] = {0x80000000, 0x40000000, 0x20000000, 0x10000000, 0x08000000,
                                          0x04000000, 0x02000000, 0x01000000, 0x00800000, 0x00400000};
    std::string s;
    for (int i = 0; i < 10; ++i) {
      if (i == 7 && !rel_.functions_h) continue;
      s += (f & masks[i]) ? letters[i] : '-';
    }
    return s;
  }
  Rec define_rec() const {
    Rec rec;
    rec.def("card", true, 8, "CARD.DOM");
    rec.def("type", true, 5, "TYPE");
    rec.def("mode", true, 11, "MODE");
    rec.def("status", true, 10, "STATUS");
    rec.def("requests", false, 8, "REQUESTS");
    if (!verbose) return rec;
    rec.def("pending", false, 8, "PENDING");
    rec.def("hwtype", false, 6, "HWTYPE");
    rec.def("depth", false, 6, "QDEPTH");
    rec.def("facility", true, 10, "FUNCTIONS");
    rec.def("driver", true, 11, "DRIVER");
    if (sestat()) rec.def("sestat", true, 11, "SESTAT");
    return rec;
  }
  /// 2.28+: the SESTAT column when the bus features hold APSB (a Secure Execution guest).
  bool sestat() const {
    std::string f;
    return rel_.queue_capability && r_.line("/sys/bus/ap/features", f) && f.find("APSB") != std::string::npos;
  }
  std::string mode(unsigned long f) const {
    return f & MASK_COPRO ? "CCA-Coproc" : f & MASK_ACCEL ? "Accelerator" : f & MASK_EP11 ? "EP11-Coproc" : "Unknown";
  }
  // The card's attributes that a queue row shows too: TYPE, MODE; with -V HWTYPE, QDEPTH,
  // FUNCTIONS.
  void card_columns(Rec& rec, const std::string& grp) const {
    std::string type;
    rec.set("type", r_.line(grp + "/type", type) ? type : "-");
    const unsigned long f = r_.functions(grp);
    rec.set("mode", mode(f));
    if (!verbose) return;
    std::string hw;
    r_.line(grp + "/hwtype", hw);
    rec.set("hwtype", hw);
    long depth = 0;
    r_.number(grp + "/depth", depth);
    char d[16];
    std::snprintf(d, sizeof d, "%02ld", rel_.qdepth_plus_one ? depth + 1 : depth);
    rec.set("depth", d);
    rec.set("facility", functions(f));
  }
  std::string pending(const std::string& dev) const {
    long p = 0, q = 0;
    r_.number(dev + "/pendingq_count", p);
    r_.number(dev + "/requestq_count", q);
    return std::to_string(p + q);
  }

  void show_device(Rec& rec, const std::string& device) {
    const std::string grp = "/sys/devices/ap/" + device;
    if (!r_.is_dir(grp)) throw Errx{"Error - cryptographic device " + device + " does not exist."};
    if (!verbose && (!r_.readable(grp + "/type") || !r_.readable(grp + "/online"))) return;
    rec.set("card", device.substr(4));
    std::string type;
    const char t = r_.line(grp + "/type", type) && !type.empty() ? type.back() : '\0';
    if ((t == 'A' && !showaccel) || (t == 'C' && !showcca) || (t == 'P' && !showep11)) return;
    card_columns(rec, grp);
    const long config = read_l(grp + "/config");
    rec.set("status", status(config, read_l(grp + "/chkstop"), read_l(grp + "/online")));
    std::string req;
    rec.set("requests", config == 0 ? "-" : (r_.line(grp + "/request_count", req), req));
    if (verbose) {
      rec.set("pending", config == 0 ? "-" : pending(grp));
      std::string drv;
      rec.set("driver", r_.driver(grp, drv) > 0 ? drv : "-no-driver-");
      rec.set("sestat", "-");
    }
    if (showcard) out_ << rec.row();
    if (!showqueue) return;
    const auto queues = r_.scandir(grp, "..\\....");
    if (queues.empty()) throw Errx{"Error - no subdevices found for " + grp + ".\n"};
    for (const std::string& q : queues) show_subdevice(rec, grp, q);
  }

  void show_subdevice(Rec& rec, const std::string& grp, const std::string& sub) {
    const std::string dev = grp + "/" + sub;
    if (!r_.is_dir(dev)) throw Errx{"Error - cryptographic device " + dev + " does not exist."};
    if (!verbose && (!r_.readable(grp + "/type") || !r_.readable(dev + "/online"))) return;
    if (!showqueue) return;
    rec.set("card", sub);
    card_columns(rec, grp);
    const long config = read_l(dev + "/config");
    std::string st = status(config, read_l(dev + "/chkstop"), read_l(dev + "/online"));
    std::string text;
    if (st == "-" && r_.readable(dev + "/status") && r_.line(dev + "/status", text)) st = text;  // vfio_ap
    rec.set("status", st);
    std::string req;
    rec.set("requests", config == 0 ? "-" : (r_.line(dev + "/request_count", req), req));
    if (verbose) {
      std::string drv;
      const int drvinfo = r_.driver(dev, drv);
      rec.set("driver", drvinfo > 0 ? drv : "-no-driver-");
      rec.set("pending", read_l(grp + "/config") == 0 || drvinfo != 1 ? "-" : pending(dev));
      if (sestat()) rec.set("sestat", sestat_of(dev));
    }
    out_ << rec.row();
  }

  std::string sestat_of(const std::string& dev) const {
    long f = 0;
    if (!r_.number(dev + "/ap_functions", f, 16)) return "error";
    if (f == 0) return "invalid";
    static const char* states[] = {"usable", "bound", "unbound", "illicit"};
    return states[(static_cast<unsigned long>(f) & 0xc000) >> 14];
  }

  void show_queue_capability(unsigned id, unsigned dom) {
    char q[16];
    std::snprintf(q, sizeof q, "%02x.%04x", id, dom);
    const std::string dev = card_dir(id) + "/" + q;
    if (!r_.is_dir(dev)) throw Errx{std::string("Error - cryptographic queue device ") + q + " does not exist."};
    out_ << "queue " << q << " capabilities:\n";
    std::string v;
    if (r_.is_file(dev + "/se_bind")) out_ << "SE bind state: " << (r_.line(dev + "/se_bind", v) ? v : "error") << "\n";
    if (r_.is_file(dev + "/se_associate"))
      out_ << "SE association state: " << (r_.line(dev + "/se_associate", v) ? v : "error") << "\n";
    // The current master keys from zcrypt's mkvps (CCA and EP11 queues), each line as it is.
    if (r_.is_file(dev + "/mkvps")) {
      const std::string mkvps = dev + "/mkvps";
      std::string text;
      if (!r_.content(mkvps, text)) throw Errx{"Error - failed to open sysfs file " + mkvps + "."};
      size_t at = 0;
      while (at < text.size()) {
        const size_t nl = text.find('\n', at);
        const std::string line = text.substr(at, nl == std::string::npos ? std::string::npos : nl + 1 - at);
        at = nl == std::string::npos ? text.size() : nl + 1;
        for (const char* key : {"WK CUR", "AES CUR", "APKA CUR", "ASYM CUR"})
          if (line.find(key) != std::string::npos) {
            out_ << "MK " << line;  // "no newline here": the line has its own
            break;
          }
      }
    }
  }

  // 2.42+: after the list (and -d), when the default domain is unset or not a usage domain.
  void default_domain_warning() {
    if (!rel_.default_domain_warning) return;
    std::string usage;
    long domain = -1;
    r_.line("/sys/bus/ap/ap_usage_domain_mask", usage);
    r_.number("/sys/bus/ap/ap_domain", domain);
    if (domain < 0 || mask_bit(usage, domain) < 1)
      out_ << hex_l("Warning: Default domain 0x%02lx is not available.", domain) << "\n";
  }

  SysReader r_;
  const S390ToolsRelease& rel_;
  std::ostream& out_;
};

// The --help text (identical in 2.21 ... 2.43).
const char* kHelp =
    "Usage: lszcrypt [OPTIONS] [DEVICE_IDS]\n"
    "\n"
    "Display zcrypt device and configuration information.\n"
    "\n"
    " -b, --bus                   Show AP bus attributes then exit\n"
    " -c, --capability DEVICE_ID  Show the capabilities of a cryptographic device\n"
    " -d, --domains               Show the configured AP usage and control domains\n"
    " -V, --verbose               Print verbose messages\n"
    "     --accelonly             Show only information from cards/queues in\n"
    "                             Accelerator mode\n"
    "     --ccaonly               Show only information from cards/queues in\n"
    "                             CCA-Coprocessor mode\n"
    "     --ep11only              Show only information from cards/queues in\n"
    "                             EP11-Coprocessor mode\n"
    "     --cardonly              Show only information from cards but no queue info\n"
    "     --queueonly             Show only information from queues but no card info\n"
    " -s, --serial                Show the serial numbers for CCA and EP11 crypto\n"
    "                             cards\n"
    " -h, --help                  Print this help, then exit\n"
    " -v, --version               Print version information, then exit\n"
    "\n"
    "DEVICE_IDS\n"
    "  List of cryptographic device ids separated by blanks which will be displayed.\n"
    "  DEVICE_ID could either be card device id ('<card-id>') or queue device id\n"
    "  '<card-id>.<domain-id>'). To filter all devices according to a dedicated\n"
    "  domain just provide '.<domain-id>'.\n"
    "  If no ids are given, all available devices are displayed.\n"
    "\n"
    "EXAMPLE:\n"
    "  List all cryptographic devices with card id '02'.\n"
    "  #>lszcrypt 02\n"
    "\n"
    "  List cryptographic devices with card id '02' and domain id '0005'.\n"
    "  #>lszcrypt 02.0005\n"
    "\n";

}  // namespace

int lszcrypt_main(Session& s, const std::vector<std::string>& argv, const CommandIo& io) {
  std::ostream &out = *io.out, &err = *io.err;
  const S390ToolsRelease& rel = s.tools();
  Lszcrypt l(s.kernel().sysfs(), rel, out);
  const auto invalid = [&](const std::string& opt) {
    err << "lszcrypt: Invalid option '" << opt << "'\nTry 'lszcrypt --help' for more information.\n";
    return 1;
  };
  // util_opt_getopt_long: options anywhere (GNU permutes), the first action option ends
  // the parsing and runs.
  std::vector<std::string> ids;
  bool accel = false, cca = false, ep11 = false, cardonly = false, queueonly = false;
  try {
    for (size_t i = 1; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (a == "--") {
        ids.insert(ids.end(), argv.begin() + static_cast<long>(i) + 1, argv.end());
        break;
      }
      if (a.size() < 2 || a[0] != '-') {
        ids.push_back(a);
        continue;
      }
      if (a == "-h" || a == "--help") {
        out << kHelp;
        return 0;
      }
      if (a == "-v" || a == "--version") {
        out << "lszcrypt version " << rel.version << "\n" << rel.copyright << "\n";
        return 0;
      }
      if (a == "-V" || a == "--verbose") l.verbose = true;
      else if (a == "--accelonly") accel = true;
      else if (a == "--ccaonly") cca = true;
      else if (a == "--ep11only") ep11 = true;
      else if (a == "--cardonly") cardonly = true;
      else if (a == "--queueonly") queueonly = true;
      else if (a == "-b" || a == "--bus") return l.show_bus(), 0;
      else if (a == "-d" || a == "--domains") return l.show_domains(), 0;
      else if (a == "-s" || a == "--serial") return l.show_serialnumbers(), 0;
      else if (a.compare(0, 2, "-c") == 0 || a == "--capability" || a.compare(0, 13, "--capability=") == 0) {
        std::string id;
        if (a.size() > 2 && a[1] == 'c') id = a.substr(2);
        else if (a.compare(0, 13, "--capability=") == 0) id = a.substr(13);
        else if (i + 1 < argv.size()) id = argv[++i];
        else {
          err << "lszcrypt: Option '" << a << "' requires an argument\nTry 'lszcrypt --help' for more information.\n";
          return 1;
        }
        return l.show_capability(id), 0;
      } else {
        return invalid(a.compare(0, 2, "--") == 0 ? a.substr(0, a.find('=')) : a.substr(0, 2));
      }
    }
    if (cardonly && queueonly) {
      err << "lszcrypt: Only one of --cardonly or --queueonly can be specified\n";
      return 1;
    }
    if (accel + cca + ep11 > 1) {
      err << "lszcrypt: Only one of --accelonly or --ccaonly or --ep11only can be specified\n";
      return 1;
    }
    if (cardonly || queueonly) l.showcard = cardonly, l.showqueue = queueonly;
    if (accel || cca || ep11) l.showaccel = accel, l.showcca = cca, l.showep11 = ep11;
    if (ids.empty()) l.show_devices_all();
    else l.show_devices_argv(ids, s.login_environment("/usr/bin/lszcrypt"));
  } catch (const Errx& e) {
    err << "lszcrypt: " << e.text << "\n";
    return 1;
  }
  return 0;
}

}  // namespace apsim::driver
