// sc/vcd_writer.h — apsim's VCD writer (IEEE 1364-2005 §18): SystemC's sc_trace_file with a
// time window and a scope filter, so that a run of 10^6 requests can be traced around one
// event without writing gigabytes (apsim run --vcd-from/--vcd-to/--vcd-scope, issue 13).
//
// Why not SystemC's own writer: sc_create_vcd_trace_file's file (sysc/tracing/sc_vcd_trace,
// not installed by libsystemc-dev) takes its signals before the simulation starts, dumps them
// from time 0 and writes every change until it is closed; it has no window and no filter.
// VcdWriter registers itself with the kernel the same way (sc_simcontext::add_trace_file):
// the kernel calls cycle(false) at the end of every timestep, and the writer
//   - before `from`: returns at once (one call per timestep, nothing compared, nothing written);
//   - at `from`: writes "#from", then $dumpvars with every value as it is at the end of that
//     timestep — the value a full trace shows at `from` (a process wakes at exactly `from`, so
//     that timestep exists even if no model acts then);
//   - inside the window: writes "#t" and each value that changed, as SystemC's writer does;
//   - at `to`: writes the changes at `to`, ends the file with "#to" and unregisters itself
//     (a process wakes at exactly `to`, as at `from`).
// The run may end inside the window: close() writes the last changes and "#end".
//
// The scope filter: trace() keeps a signal only if its hierarchical name ("card06.occupancy")
// matches one of the patterns (a glob, fnmatch(3) without flags, so '*' crosses '.'), or lies
// under a scope one names ("card06" keeps "card06.*").  Signals not kept are neither declared
// nor written, and cost nothing.
//
// Format, as SystemC 2.3.4's writer: $timescale 1 ps (the kernel's resolution; apsim's default),
// one "$scope module" per name component under a top scope "SystemC" (the layout's
// "SystemC.cpu.opcode"), scopes in name order, variables in trace order; vectors "bVALUE ID"
// without leading zeros, single bits "VID", reals "rVALUE ID".  Types: bool, sc_bit, sc_logic,
// the C++ integers (width as given), sc_int/sc_uint/sc_bigint/sc_biguint, sc_bv/sc_lv, float,
// double and sc_time (its value in ps, 64 bits).  sc_event, the fixed-point types and
// enum_literals (deprecated) are refused with std::invalid_argument naming the signal: no
// apsim model traces them.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include <systemc>

namespace apsim::sc {

/// The window and the scope filter of one VCD.  Times in ps, the window is [from_ps, to_ps].
struct VcdOptions {
  uint64_t from_ps = 0;
  uint64_t to_ps = UINT64_MAX;      ///< UINT64_MAX: to the end of the run
  std::vector<std::string> scopes;  ///< glob patterns on hierarchical names; empty: every signal
};

/// Does `name` ("cpu.cpu0.state") match `pattern`: fnmatch, or `pattern` names one of its scopes.
bool vcd_scope_matches(const std::string& pattern, const std::string& name);

class VcdWriter final : public sc_core::sc_trace_file {
 public:
  /// Registers with the kernel; the file is created by open().  Call during elaboration.
  VcdWriter(std::string path, VcdOptions options);
  ~VcdWriter() override;
  VcdWriter(const VcdWriter&) = delete;
  VcdWriter& operator=(const VcdWriter&) = delete;

  /// The patterns of VcdOptions::scopes that kept no signal (after the models' trace()).
  std::vector<std::string> unmatched_scopes() const;
  /// The first components of every name traced, kept or not ("ap_fabric", "card06", ...).
  const std::set<std::string>& top_scopes() const { return tops_; }
  /// Was a signal called `name` ("cpu.opcode") declared (traced and kept by the filter)?
  bool declared(const std::string& name) const;
  /// Create the file and write the declarations; after this trace() is refused.  "" or
  /// "PATH: REASON".
  std::string open();
  /// Write the last changes and the final timestamp, close the file.  Idempotent.  "" or
  /// "PATH: REASON" (a write that failed, as a full disk makes it, here or before).
  std::string close();
  /// Did the run reach the window (was anything but the declarations written)?
  bool window_reached() const { return dumped_; }

  // sc_trace_file: each keeps the signal if the filter does (see above).
  void trace(const sc_core::sc_event& object, const std::string& name) override;
  void trace(const sc_core::sc_time& object, const std::string& name) override;
  void trace(const bool& object, const std::string& name) override;
  void trace(const sc_dt::sc_bit& object, const std::string& name) override;
  void trace(const sc_dt::sc_logic& object, const std::string& name) override;
  void trace(const unsigned char& object, const std::string& name, int width) override;
  void trace(const unsigned short& object, const std::string& name, int width) override;
  void trace(const unsigned int& object, const std::string& name, int width) override;
  void trace(const unsigned long& object, const std::string& name, int width) override;
  void trace(const char& object, const std::string& name, int width) override;
  void trace(const short& object, const std::string& name, int width) override;
  void trace(const int& object, const std::string& name, int width) override;
  void trace(const long& object, const std::string& name, int width) override;
  void trace(const sc_dt::int64& object, const std::string& name, int width) override;
  void trace(const sc_dt::uint64& object, const std::string& name, int width) override;
  void trace(const float& object, const std::string& name) override;
  void trace(const double& object, const std::string& name) override;
  void trace(const sc_dt::sc_int_base& object, const std::string& name) override;
  void trace(const sc_dt::sc_uint_base& object, const std::string& name) override;
  void trace(const sc_dt::sc_signed& object, const std::string& name) override;
  void trace(const sc_dt::sc_unsigned& object, const std::string& name) override;
  void trace(const sc_dt::sc_fxval& object, const std::string& name) override;
  void trace(const sc_dt::sc_fxval_fast& object, const std::string& name) override;
  void trace(const sc_dt::sc_fxnum& object, const std::string& name) override;
  void trace(const sc_dt::sc_fxnum_fast& object, const std::string& name) override;
  void trace(const sc_dt::sc_bv_base& object, const std::string& name) override;
  void trace(const sc_dt::sc_lv_base& object, const std::string& name) override;
  void trace(const unsigned int& object, const std::string& name, const char** enum_literals) override;
  void write_comment(const std::string& comment) override;
  /// The file's timescale is the kernel's resolution: any other unit is refused.
  void set_time_unit(double v, sc_core::sc_time_unit tu) override;

  /// One traced value (vcd_writer.cpp).
  struct Var {
    virtual ~Var() = default;
    std::string name, id;
    int width = 1;
    bool real = false;
    /// Has the value changed since the last write?  Records the new one.
    virtual bool changed() = 0;
    /// Append "VALUE ID\n" (VCD value change) to `out`.
    virtual void write(std::string& out) const = 0;
  };

 protected:
  void cycle(bool delta_cycle) override;

 private:
  template <class V, class T>
  void add(const T& object, const std::string& name, int width, bool real = false);
  void refuse(const char* type, const std::string& name) const;
  void dump_all(uint64_t now);
  void dump_changes(uint64_t now);
  void end_at(uint64_t t);
  void flush();
  void close_file();

  std::string path_;
  VcdOptions opt_;
  std::vector<std::unique_ptr<Var>> vars_;
  std::vector<bool> scope_used_;
  std::set<std::string> tops_;
  /// The names of vars_, for declared() (the layout asks it per signal: thousands with
  /// apsim run --vcd-vcpus).
  std::unordered_set<std::string> declared_;
  std::FILE* file_ = nullptr;
  std::string buf_, error_;
  bool registered_ = false, opened_ = false, dumped_ = false, done_ = false;
  uint64_t last_stamp_ = 0;  ///< the last "#t" written (valid once dumped_)
};

}  // namespace apsim::sc
