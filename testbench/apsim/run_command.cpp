// testbench/apsim/run_command.cpp — builds the LPAR, boots the host Linux on its CPU and
// runs the scenario shell.
#include "testbench/apsim/run_command.h"

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include <systemc>

#include "driver/linux/kernel.h"
#include "driver/linux/profile.h"
#include "driver/shell/shell.h"
#include "driver/userspace/apbench.h"
#include "driver/userspace/init.h"
#include "driver/userspace/s390_tools.h"
#include "driver/userspace/session.h"
#include "sc/lpar_config.h"
#include "sc/platform.h"
#include "sc/wave_layout.h"
#include "testbench/apsim/cpu_report.h"
#include "testbench/apsim/hw_probe.h"
#include "testbench/apsim/path_check.h"
#include "testbench/apsim/run_info.h"
#include "testbench/apsim/vcd_options.h"

namespace apsim::tb {

namespace {

/// `apsim run --stats`: the service-time scale, then per adapter its engines and, for each
/// operation and price it served (an ME with a short and one with a full-length exponent are
/// two lines), the count, the firmware's mean and the mean of the times drawn around it.
/// Stderr, after the CPU line.
void print_adapter_stats(sc::Platform& platform, std::ostream& err) {
  const firmware::ServiceTimeTable& t = platform.service_times();
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "apsim: service times: %.3f us per zcrypt rating unit, full-length ME = %.2f x CRT "
                "(docs/calibration.md)\n",
                static_cast<double>(t.rating_unit_ps()) / 1e6, t.me_full_over_crt());
  err << buf;
  static const char* modes[] = {"A", "C", "P"};
  for (const auto& a : platform.adapters()) {
    const sc::CexAdapterConfig& c = a->config();
    std::snprintf(buf, sizeof buf, "apsim: adapter %02x CEX%u%s: %u engine%s, %llu requests served\n", c.apid,
                  c.generation, modes[static_cast<int>(c.mode)], a->engines(), a->engines() == 1 ? "" : "s",
                  static_cast<unsigned long long>(a->requests_completed()));
    err << buf;
    for (const auto& [key, s] : a->op_stats()) {
      const auto [op, mean_ps] = key;
      std::snprintf(buf, sizeof buf, "apsim:   %-7s %8llu x  mean service %10.1f us (%s), drawn mean %10.1f us\n",
                    firmware::to_string(op), static_cast<unsigned long long>(s.count),
                    static_cast<double>(mean_ps) / 1e6, c.service[static_cast<size_t>(op)].describe().c_str(),
                    static_cast<double>(s.drawn_sum_ps) / static_cast<double>(s.count) / 1e6);
      err << buf;
    }
  }
}

// "# apsim: --lpar FILE --seed N" lines at the top of a script choose its defaults; paths
// are relative to the script.
void read_directives(const std::string& text, const std::string& script, RunOptions& ro) {
  std::istringstream in(text);
  std::string line;
  const std::string dir = script.find('/') == std::string::npos ? "." : script.substr(0, script.rfind('/'));
  while (std::getline(in, line)) {
    if (line.rfind("# apsim:", 0) != 0) continue;
    std::istringstream words(line.substr(8));
    std::string w;
    while (words >> w) {
      std::string v;
      if (w == "--lpar" && words >> v && ro.lpar.empty()) ro.lpar = v[0] == '/' ? v : dir + "/" + v;
      else if (w == "--seed" && words >> v && !ro.seed_given) ro.seed = std::strtoull(v.c_str(), nullptr, 0);
      else if (w == "--linux" && words >> v && ro.linux_version.empty()) ro.linux_version = v;
      else if (w == "--s390-tools" && words >> v && ro.s390_tools.empty()) ro.s390_tools = v;
      else if (w == "--interactive") ro.interactive = true;  // written by apsim shell --record
    }
  }
}

const char* const kLparUsage =
    "usage: apsim-inject lpar add|remove adapter|domain|control-domain ID [--after DURATION]\n";

// `apsim-inject lpar add|remove adapter|domain|control-domain ID`: the HMC's dynamic change
// of the LPAR's crypto configuration (sc/hmc.h), now or `delay_ps` later.  ID as the LPAR
// config and sysfs assign_* read it: decimal or 0x-hex; an adapter also as cardXX (hex, as
// chkstop/config name it).  Nothing changes unless the whole command is valid.
int inject_lpar_change(sc::Platform& platform, const std::vector<std::string>& a, uint64_t delay_ps,
                       std::ostream& err) {
  if (a.size() != 4 || (a[1] != "add" && a[1] != "remove") ||
      (a[2] != "adapter" && a[2] != "domain" && a[2] != "control-domain")) {
    err << kLparUsage;
    return 2;
  }
  sc::LparChange c;
  c.add = a[1] == "add";
  c.what = a[2] == "adapter" ? sc::LparChange::What::adapter
           : a[2] == "domain" ? sc::LparChange::What::usage_domain
                              : sc::LparChange::What::control_domain;
  std::string id = a[3];
  int base = 10;
  if (c.what == sc::LparChange::What::adapter && id.compare(0, 4, "card") == 0) id = id.substr(4), base = 16;
  else if (id.size() > 2 && id[0] == '0' && (id[1] == 'x' || id[1] == 'X')) id = id.substr(2), base = 16;
  bool ok = !id.empty() && id.size() <= 4;
  for (char ch : id)
    ok = ok && (base == 16 ? std::isxdigit(static_cast<unsigned char>(ch)) : std::isdigit(static_cast<unsigned char>(ch)));
  if (!ok) {
    err << "apsim-inject: bad " << a[2] << " id '" << a[3] << "' (decimal or 0x-hex"
        << (c.what == sc::LparChange::What::adapter ? ", or cardXX" : "") << ")\n";
    return 2;
  }
  c.id = static_cast<unsigned>(std::stoul(id, nullptr, base));
  const std::string why = platform.hmc().check(c);
  if (!why.empty()) {
    err << "apsim-inject: " << why << "\n";
    return 1;
  }
  platform.cpu().sync_local_time();  // "now" is the CPU's time (loosely timed: its local time)
  platform.hmc().schedule(c, delay_ps);
  return 0;
}

// `apsim-inject chkstop|config cardXX on|off [--after DURATION]`: a fault or an HMC-side
// state change of one adapter, now or DURATION of simulated time later (ps, ns, us, ms, s;
// a bare number is µs), so that it can land while a workload has requests in flight.
// chkstop on/off: checkstop the adapter / end the checkstop; config on/off: configure /
// deconfigure it (as an SCLP command from elsewhere would; Linux learns it from the RCs).
// `apsim-inject lpar ...`: the HMC's dynamic change of the LPAR configuration (above).
// A simulator command, not a Linux one: installed on the host kernel's external-command hook.
int apsim_inject(sc::Platform& platform, const std::vector<std::string>& argv, std::ostream& err) {
  const char* usage = "usage: apsim-inject chkstop|config cardXX on|off [--after DURATION]\n";
  std::vector<std::string> a(argv.begin() + 1, argv.end());
  uint64_t delay_ps = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != "--after") continue;
    if (i + 1 >= a.size()) {
      err << "apsim-inject: --after needs a duration\n" << usage;
      return 2;
    }
    const std::string d = a[i + 1];
    size_t n = 0;
    while (n < d.size() && std::isdigit(static_cast<unsigned char>(d[n]))) ++n;
    const std::string unit = d.substr(n);
    static const std::map<std::string, uint64_t> units = {{"", 1000000},       {"ps", 1},      {"ns", 1000},
                                                          {"us", 1000000},     {"ms", 1000000000}, {"s", 1000000000000}};
    if (n == 0 || n > 9 || !units.count(unit)) {
      err << "apsim-inject: bad duration '" << d << "' (e.g. 250us, 2ms)\n";
      return 2;
    }
    // Up to 999999999 s is 10^21 ps, past uint64_t: a fault after the end of the run's clock
    // (sc/timing.h kSimulatedTimeEndPs) is refused rather than wrapped to an earlier time.
    const uint64_t value = std::stoull(d.substr(0, n)), left = sc::kSimulatedTimeEndPs - sc_core::sc_time_stamp().value();
    if (value > left / units.at(unit)) {
      err << "apsim-inject: --after " << d << ": past the end of the run's simulated time (2^63 ps, 106.75 days)\n";
      return 2;
    }
    delay_ps = value * units.at(unit);
    a.erase(a.begin() + static_cast<long>(i), a.begin() + static_cast<long>(i) + 2);
    break;
  }
  if (!a.empty() && a[0] == "lpar") return inject_lpar_change(platform, a, delay_ps, err);
  if (a.size() != 3 || (a[0] != "chkstop" && a[0] != "config") || (a[2] != "on" && a[2] != "off")) {
    err << usage;
    if (a.empty() || (a[0] != "chkstop" && a[0] != "config")) err << "       " << kLparUsage + 7;
    return 2;
  }
  std::string card = a[1];
  if (card.compare(0, 4, "card") == 0) card = card.substr(4);
  unsigned apid = 256;
  if (card.size() == 2 && std::isxdigit(static_cast<unsigned char>(card[0])) &&
      std::isxdigit(static_cast<unsigned char>(card[1])))
    apid = static_cast<unsigned>(std::stoul(card, nullptr, 16));
  sc::CexAdapter* ad = apid < 256 ? platform.adapter(apid) : nullptr;
  if (!ad) {
    err << "apsim-inject: no adapter '" << a[1] << "' in this LPAR\n";
    return 1;
  }
  platform.cpu().sync_local_time();  // "now" is the CPU's time (loosely timed: its local time)
  ad->inject(a[0] == "chkstop" ? sc::CexAdapter::Fault::checkstop : sc::CexAdapter::Fault::config, a[2] == "on",
             delay_ps);
  return 0;
}

// `--vcd-queues 05.0004,06.00ab`: APQNs as lszcrypt writes them (hex), each an adapter of the
// LPAR and one of its usage domains.  "" or why not.
std::string parse_vcd_queues(const std::string& text, const sc::LparConfig& cfg, std::vector<uint16_t>& out) {
  std::stringstream ss(text);
  for (std::string q; std::getline(ss, q, ',');) {
    unsigned apid = 0, apqi = 0;
    char tail = 0;
    if (q.size() < 4 || q.find('.') == std::string::npos ||
        std::sscanf(q.c_str(), "%x.%x%c", &apid, &apqi, &tail) != 2 || apid > 255 || apqi > 255 ||
        q.find_first_not_of("0123456789abcdefABCDEF.") != std::string::npos)
      return "'" + q + "' is not an APQN (CARD.DOMAIN in hex, e.g. 05.0004)";
    bool adapter = false;
    for (const auto& a : cfg.adapters) adapter = adapter || a.apid == apid;
    char name[16];
    std::snprintf(name, sizeof name, "%02x.%04x", apid, apqi);
    if (!adapter) return std::string(name) + ": the LPAR has no adapter " + q.substr(0, q.find('.'));
    if (!cfg.usage_domains.test(apqi)) return std::string(name) + ": domain " + q.substr(q.find('.') + 1) + " is not a usage domain of the LPAR";
    out.push_back(static_cast<uint16_t>(apid << 8 | apqi));
  }
  if (out.empty()) return "no APQN given";
  return "";
}

/// `apsim run --results FILE`: the run as data (run_command.h RunOptions::results).
class RunResults {
 public:
  explicit RunResults(const RunOptions& ro) : ro_(ro), started_(utc_now()), t0_(std::chrono::steady_clock::now()) {
    if (ro_.results.empty()) return;
    driver::set_apbench_result_sink([this](const driver::ApbenchResult& r) {
      nlohmann::ordered_json params = nlohmann::ordered_json::object(), figures = nlohmann::ordered_json::object();
      for (const auto& [key, value] : r.params) params[key] = value;
      // At the precision apbench states (its kv line's): whole counts as integers.
      for (const driver::ApbenchFigure& f : r.figures) {
        const double scale = std::pow(10.0, f.decimals);
        figures[f.key] = f.decimals == 0 ? nlohmann::ordered_json(std::llround(f.value))
                                         : nlohmann::ordered_json(std::round(f.value * scale) / scale);
      }
      apbench_.push_back({{"params", params}, {"figures", figures}});
    });
  }
  ~RunResults() { driver::set_apbench_result_sink(nullptr); }

  /// The software the run simulates: the kernel's release string and s390-tools' version.
  void set_software(const std::string& linux_release, const std::string& s390_tools) {
    linux_release_ = linux_release;
    s390_tools_ = s390_tools;
  }

  /// Write the file (if asked for) and return the exit status: `status`, or 70 if the file
  /// cannot be written.
  int finish(int status, double simulated_ms, const std::string& error = "") {
    if (ro_.results.empty()) return status;
    nlohmann::ordered_json j;
    j["format"] = "apsim-run-result 1";
    j["apsim"] = apsim_build_info();
    j["machine"] = machine_info();
    j["run"] = {{"script", ro_.script}, {"lpar", ro_.lpar}, {"mode", ro_.mode}, {"seed", ro_.seed}};
    if (!linux_release_.empty()) j["run"]["linux"] = linux_release_;
    if (!s390_tools_.empty()) j["run"]["s390_tools"] = s390_tools_;
    j["started"] = started_;
    j["wall_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    j["exit_status"] = status;
    if (!error.empty()) j["error"] = error;
    j["simulated_ms"] = simulated_ms;
    j["apbench"] = apbench_;
    try {
      // JSON holds Unicode text only: a path or message that is not UTF-8 (a script named with
      // a byte 0xC0) made dump() throw and the run end with exit 70 (issue 15).  Each byte
      // that is not UTF-8 becomes U+FFFD instead, and the file says so in "note".
      std::string text;
      try {
        text = j.dump(2);
      } catch (const nlohmann::json::type_error&) {
        j["note"] = "bytes that are not UTF-8 (in a path or a message) are written as U+FFFD";
        text = j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
      }
      write_text_file(ro_.results, text + "\n");
    } catch (const std::exception& e) {
      std::cerr << "apsim: --results: " << e.what() << "\n";
      return 70;
    }
    return status;
  }

 private:
  const RunOptions& ro_;
  std::string started_;
  std::chrono::steady_clock::time_point t0_;
  nlohmann::ordered_json apbench_ = nlohmann::ordered_json::array();
  std::string linux_release_, s390_tools_;
};

}  // namespace

std::string prepare_host(const std::string& lpar, const std::string& linux_version, const std::string& s390_tools,
                         uint64_t seed, HostSetup& out) {
  try {
    out.cfg = lpar.empty() ? sc::LparConfig::default_lpar() : sc::LparConfig::load(lpar);
  } catch (const sc::LparConfigError& e) {
    return e.what();
  }
  // The adapters' service-time draws follow --seed unless the LPAR config fixes their seed.
  if (!out.cfg.service_seed) out.cfg.service_seed = seed;
  // The Linux release (--linux, else the LPAR's "linux", else 6.1) and the s390-tools
  // release (--s390-tools, else "s390_tools", else the kernel's era): unknown names end the
  // run before it starts.
  const std::string linux_name = !linux_version.empty() ? linux_version
                                 : !out.cfg.linux_version.empty() ? out.cfg.linux_version : "6.1";
  out.profile = driver::LinuxProfile::find(linux_name);
  if (!out.profile)
    return "unknown Linux release '" + linux_name + "'" +
           (linux_version.empty() ? " (LPAR config field 'linux')" : " (--linux)") +
           "; known: " + driver::LinuxProfile::known_names();
  const std::string tools_name = !s390_tools.empty() ? s390_tools : out.cfg.s390_tools;
  out.tools = &driver::S390ToolsRelease::for_linux(out.profile->version);
  if (!tools_name.empty() && !(out.tools = driver::S390ToolsRelease::find(tools_name)))
    return "unknown s390-tools release '" + tools_name + "'" +
           (s390_tools.empty() ? " (LPAR config field 's390_tools')" : " (--s390-tools)") +
           "; known: " + driver::S390ToolsRelease::known_names();
  return "";
}

void run_on_host(sc::Platform& platform, const HostSetup& setup, uint64_t seed,
                 const std::function<int(driver::Session&)>& body, int& status) {
  platform.run([&](arch::HostCpu& cpu) {
    try {
      driver::KernelOptions ko;
      ko.cmdline = setup.cfg.kernel_cmdline;
      ko.seed = seed;
      ko.init = driver::init_main;
      ko.profile = setup.profile;
      if (setup.cfg.kernel_initcall_ps) ko.initcall_ps = *setup.cfg.kernel_initcall_ps;
      driver::LinuxKernel host(cpu, ko);
      driver::Session session(host, setup.tools);
      session.set_external_command([&platform](driver::Session&, const std::vector<std::string>& argv,
                                               const driver::CommandIo& io) -> std::optional<int> {
        if (argv[0] != "apsim-inject") return std::nullopt;
        return apsim_inject(platform, argv, *io.err);
      });
      host.boot();
      status = body(session);
    } catch (const driver::KernelPanic& e) {  // the host kernel panicked (out of memory): the LPAR is down
      std::cerr << "apsim: " << e.what() << "\n";
      status = 1;
    } catch (const sc::SimulatedTimeExhausted& e) {  // the timing or the script asked for months (sc/timing.h)
      std::cerr << "apsim: " << e.what() << "\n";
      status = 1;
    } catch (const std::exception& e) {
      std::cerr << "apsim: internal error: " << e.what() << "\n";
      status = 70;
    }
  });
}

int run_scenario(const RunOptions& opts) {
  using namespace sc_core;
  RunOptions ro = opts;
  // Every file argument is checked before anything runs: the results file first (so that
  // it can record the other failures), then what is read, then what is written.
  if (!ro.results.empty()) {
    if (const std::string why = cannot_write(ro.results); !why.empty()) {
      std::cerr << "apsim: --results " << ro.results << ": cannot write the file: " << why << "\n";
      return 2;
    }
  }
  RunResults results(ro);
  auto bad = [&](const std::string& error) {
    std::cerr << "apsim: " << error << "\n";
    return results.finish(2, 0, error);
  };
  if (const std::string why = cannot_read(ro.script); !why.empty())
    return bad(ro.script + ": cannot read the script: " + why);
  std::ifstream in(ro.script);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  read_directives(text, ro.script, ro);
  if (!ro.lpar.empty()) {
    if (const std::string why = cannot_read(ro.lpar); !why.empty()) return bad(ro.lpar + ": cannot read the file: " + why);
  }
  // The VCD's window and scope filter.
  sc::VcdOptions vcd_options;
  if (const std::string why = parse_vcd_options(!ro.vcd.empty(), ro.vcd_from, ro.vcd_to, ro.vcd_scope, vcd_options);
      !why.empty())
    return bad(why);
  unsigned vcpu_wave_slots = sc::CpuModel::kDefaultVcpuWaveSlots;
  if (const std::string why = parse_vcd_vcpus(!ro.vcd.empty(), ro.vcd_vcpus_given, ro.vcd_vcpus, vcpu_wave_slots); !why.empty())
    return bad(why);
  // The VCD, its GTKWave layout and the layout's filters are written as named: each must be.
  std::string layout;
  if (!ro.vcd.empty()) {
    if (const std::string why = cannot_write(ro.vcd); !why.empty())
      return bad("--vcd " + ro.vcd + ": cannot write the file: " + why);
    layout = sc::wave_layout_path(ro.vcd);
    if (layout == ro.vcd) return bad("--vcd " + ro.vcd + ": the layout would overwrite the VCD; name the VCD *.vcd");
    for (const std::string& f : [&] {
           std::vector<std::string> v{layout};
           for (const std::string& x : sc::wave_filter_paths(layout)) v.push_back(x);
           return v;
         }()) {
      if (const std::string why = cannot_write(f); !why.empty())
        return bad("--vcd " + ro.vcd + ": cannot write the layout file " + f + ": " + why);
    }
  } else if (!ro.vcd_queues.empty()) {
    return bad("--vcd-queues: only with --vcd");
  }

  HostSetup host_setup;
  if (const std::string error = prepare_host(ro.lpar, ro.linux_version, ro.s390_tools, ro.seed, host_setup); !error.empty()) {
    std::cerr << "apsim: " << error << "\n";
    return results.finish(2, 0, error);
  }
  const sc::LparConfig& cfg = host_setup.cfg;
  const driver::LinuxProfile* profile = host_setup.profile;
  const driver::S390ToolsRelease* tools = host_setup.tools;
  results.set_software(profile->release, tools->version);

  // Keep the transcript clean: no "simulation stopped" notice (main() drops the banner).
  sc_report_handler::set_actions(SC_INFO, SC_DO_NOTHING);
  std::cout << std::unitbuf;

  std::vector<uint16_t> queues;
  if (!ro.vcd_queues.empty()) {
    if (const std::string why = parse_vcd_queues(ro.vcd_queues, cfg, queues); !why.empty())
      return bad("--vcd-queues: " + why);
  }

  sc::Platform platform(cfg, ro.mode == "fast" ? sc::SimMode::fast : sc::SimMode::cycle);
  if (!ro.vcd.empty()) {
    // A scope pattern that keeps no signal is known once the models have traced theirs; the
    // file is not created then.
    platform.cpu().set_vcpu_wave_slots(vcpu_wave_slots);
    if (const std::string why = platform.open_vcd(ro.vcd, queues, vcd_options); !why.empty())
      return bad((why[0] == '\'' ? "--vcd-scope: " : "--vcd ") + why);
  }
  HwProbe hw_probe;  // apbench's per-stage latency (testbench/apsim/hw_probe.h)
  hw_probe.install(platform);
  int status = 0;
  const std::string name = ro.script;
  run_on_host(platform, host_setup, ro.seed, [&](driver::Session& session) {
    driver::ShellOptions so;
    so.script_name = name;
    so.echo_commands = ro.echo;
    so.random_seed = ro.seed;
    if (ro.interactive) {  // a recorded `apsim shell` session: its diagnostics
      so.script_name = "-bash";
      so.interactive = true;
    }
    driver::Shell shell(session, std::cout, std::cerr, so);
    return shell.run_script(text);
  }, status);
  if (!ro.vcd.empty()) {
    if (const std::string e = platform.close_vcd(); !e.empty()) {
      std::cerr << "apsim: --vcd: cannot write the VCD: " << e << "\n";
      if (status == 0) status = 70;
    }
    if (!platform.vcd()->window_reached())
      std::cerr << "apsim: --vcd-from " << ro.vcd_from << ": the run ended at " << sc_time_stamp().value()
                << " ps, before the window; the VCD has the declarations only\n";
    report_untraced_vcpus(platform, std::cerr);
    // The layout names the guests that ran, so it is written now.
    sc::WaveLayout w;
    w.vcd = ro.vcd;
    w.gtkw = layout;
    w.queues = queues;
    w.title = ro.script + " on " + (ro.lpar.empty() ? std::string("the default LPAR") : ro.lpar) + ", " + ro.mode + " mode";
    if (const std::string e = sc::write_wave_layout(platform, w); !e.empty()) {
      std::cerr << "apsim: --vcd " << ro.vcd << ": cannot write the layout: " << e << "\n";
      if (status == 0) status = 70;
    }
  }
  if (ro.stats) {
    const sc::CpuStats& s = platform.cpu().stats();
    std::cerr << "apsim: simulated " << sc_time_stamp().to_seconds() * 1e3 << " ms, " << s.instructions
              << " AP instructions, " << s.intercepts << " intercepts, " << s.program_interruptions
              << " program interruptions, " << s.sie_denied << " denied by the APCB check\n";
    print_adapter_stats(platform, std::cerr);
    print_cpu_complex_stats(platform.cpu(), sc_time_stamp().value(), std::cerr);
  }
  return results.finish(status, sc_time_stamp().to_seconds() * 1e3);
}

}  // namespace apsim::tb
