// sc/vcd_writer.cpp — the windowed, filtered VCD writer (vcd_writer.h).
#define SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn: the window's waker
#include "sc/vcd_writer.h"
#include "sc/sim_time.h"

#include <fnmatch.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <stdexcept>
#include <type_traits>

namespace apsim::sc {

using namespace sc_core;

namespace {

constexpr size_t kFlushBytes = 1 << 20;

// "b" + the bits of `v` (the low `width`), without leading zeros, as SystemC's writer does.
void append_bits(std::string& out, uint64_t v, int width) {
  if (width < 64) v &= (uint64_t{1} << width) - 1;
  out += 'b';
  if (v == 0) {
    out += '0';
    return;
  }
  int top = 63;
  while (!(v >> top & 1)) --top;
  for (int i = top; i >= 0; --i) out += (v >> i & 1) ? '1' : '0';
}

// One bit as VCD writes it: 0, 1, x, z (sc_logic_value_t order: 0, 1, Z, X).
char logic_char(int v) { return "01zx"[v & 3]; }

// A value and its copy as last written: changed() compares and records.
template <class T>
struct TrackedVar : VcdWriter::Var {
  const T* obj;
  T old;
  explicit TrackedVar(const T& o) : obj(&o), old(o) {}
  bool changed() override {
    if (*obj == old) return false;
    old = *obj;
    return true;
  }
};

// bool and the C++ integers: one bit, or `width` bits (two's complement for the signed).
template <class T>
struct IntVar final : TrackedVar<T> {
  using TrackedVar<T>::TrackedVar;
  void write(std::string& out) const override {
    if (this->width == 1) out += (this->old & 1) ? '1' : '0';
    else append_bits(out, static_cast<uint64_t>(this->old), this->width), out += ' ';
    out += this->id, out += '\n';
  }
};

// sc_bit, sc_logic: one bit through to_char() ('0', '1', 'X', 'Z').
template <class T>
struct BitVar final : TrackedVar<T> {
  using TrackedVar<T>::TrackedVar;
  void write(std::string& out) const override {
    const char c = this->old.to_char();
    out += c == 'X' ? 'x' : c == 'Z' ? 'z' : c, out += this->id, out += '\n';
  }
};

// sc_int_base / sc_uint_base (up to 64 bits, through value()), sc_time (its value in ps).
template <class T>
struct ValueVar final : TrackedVar<T> {
  using TrackedVar<T>::TrackedVar;
  void write(std::string& out) const override {
    append_bits(out, static_cast<uint64_t>(this->old.value()), this->width);
    out += ' ', out += this->id, out += '\n';
  }
};

// sc_signed, sc_unsigned, sc_bv_base, sc_lv_base: any width, bit by bit.
template <class T>
struct WideVar final : TrackedVar<T> {
  using TrackedVar<T>::TrackedVar;
  int bit(int i) const {
    if constexpr (std::is_same_v<T, sc_dt::sc_signed> || std::is_same_v<T, sc_dt::sc_unsigned>) return this->old.test(i);
    else return static_cast<int>(this->old.get_bit(i));
  }
  void write(std::string& out) const override {
    out += 'b';
    int i = this->width - 1;
    while (i > 0 && bit(i) == 0) --i;  // leading zeros dropped, one digit kept
    for (; i >= 0; --i) out += logic_char(bit(i));
    out += ' ', out += this->id, out += '\n';
  }
};

template <class T>
struct RealVar final : TrackedVar<T> {
  using TrackedVar<T>::TrackedVar;
  void write(std::string& out) const override {
    char b[40];
    std::snprintf(b, sizeof b, "r%.16g ", static_cast<double>(this->old));
    out += b, out += this->id, out += '\n';
  }
};

// VCD identifiers as SystemC's writer makes them: letters only (a, b, ..., z, ba, bb, ...).
std::string make_id(size_t n) {
  std::string s;
  do {
    s.insert(s.begin(), static_cast<char>('a' + n % 26));
    n /= 26;
  } while (n);
  return s;
}

// The scope tree of the declarations: scopes in name order, variables in trace order.
struct Scope {
  std::map<std::string, Scope> children;
  std::vector<const VcdWriter::Var*> vars;
};

void declare(std::string& out, const Scope& s) {
  for (const VcdWriter::Var* v : s.vars) {
    const std::string leaf = v->name.substr(v->name.rfind('.') + 1);
    if (v->real) out += "$var real 64 " + v->id + " " + leaf + " $end\n";
    else if (v->width == 1) out += "$var wire 1 " + v->id + " " + leaf + " $end\n";
    else
      out += "$var wire " + std::to_string(v->width) + " " + v->id + " " + leaf + " [" +
             std::to_string(v->width - 1) + ":0] $end\n";
  }
  for (const auto& [name, child] : s.children) {
    out += "$scope module " + name + " $end\n";
    declare(out, child);
    out += "$upscope $end\n";
  }
}

}  // namespace

bool vcd_scope_matches(const std::string& pattern, const std::string& name) {
  return fnmatch(pattern.c_str(), name.c_str(), 0) == 0 || fnmatch((pattern + ".*").c_str(), name.c_str(), 0) == 0;
}

VcdWriter::VcdWriter(std::string path, VcdOptions options)
    : path_(std::move(path)), opt_(std::move(options)), scope_used_(opt_.scopes.size(), false) {
  // Timestamps are sc_time values: the file's unit is the kernel's resolution, 1 ps.
  if (sc_get_time_resolution() != sc_time(1, SC_PS))
    throw std::logic_error("VcdWriter: the kernel's time resolution is not 1 ps");
  sc_get_curr_simcontext()->add_trace_file(this);
  registered_ = true;
}

VcdWriter::~VcdWriter() {
  close();
  if (registered_) sc_get_curr_simcontext()->remove_trace_file(this);
}

std::vector<std::string> VcdWriter::unmatched_scopes() const {
  std::vector<std::string> v;
  for (size_t i = 0; i < opt_.scopes.size(); ++i)
    if (!scope_used_[i]) v.push_back(opt_.scopes[i]);
  return v;
}

bool VcdWriter::declared(const std::string& name) const { return declared_.count(name) != 0; }

template <class V, class T>
void VcdWriter::add(const T& object, const std::string& name, int width, bool real) {
  if (opened_) throw std::logic_error("VcdWriter: " + name + " traced after the file was opened");
  tops_.insert(name.substr(0, name.find('.')));
  if (!opt_.scopes.empty()) {
    bool keep = false;
    for (size_t i = 0; i < opt_.scopes.size(); ++i)
      if (vcd_scope_matches(opt_.scopes[i], name)) keep = scope_used_[i] = true;
    if (!keep) return;
  }
  auto v = std::make_unique<V>(object);
  v->name = name;
  v->id = make_id(vars_.size());
  v->width = width;
  v->real = real;
  declared_.insert(name);
  vars_.push_back(std::move(v));
}

void VcdWriter::refuse(const char* type, const std::string& name) const {
  throw std::invalid_argument("VcdWriter: " + name + ": cannot trace a " + type + " (sc/vcd_writer.h lists the types)");
}

void VcdWriter::trace(const sc_event&, const std::string& name) { refuse("sc_event", name); }
void VcdWriter::trace(const sc_time& o, const std::string& name) { add<ValueVar<sc_time>>(o, name, 64); }
void VcdWriter::trace(const bool& o, const std::string& name) { add<IntVar<bool>>(o, name, 1); }
void VcdWriter::trace(const sc_dt::sc_bit& o, const std::string& name) { add<BitVar<sc_dt::sc_bit>>(o, name, 1); }
void VcdWriter::trace(const sc_dt::sc_logic& o, const std::string& name) { add<BitVar<sc_dt::sc_logic>>(o, name, 1); }
void VcdWriter::trace(const unsigned char& o, const std::string& name, int w) { add<IntVar<unsigned char>>(o, name, w); }
void VcdWriter::trace(const unsigned short& o, const std::string& name, int w) { add<IntVar<unsigned short>>(o, name, w); }
void VcdWriter::trace(const unsigned int& o, const std::string& name, int w) { add<IntVar<unsigned int>>(o, name, w); }
void VcdWriter::trace(const unsigned long& o, const std::string& name, int w) { add<IntVar<unsigned long>>(o, name, w); }
void VcdWriter::trace(const char& o, const std::string& name, int w) { add<IntVar<char>>(o, name, w); }
void VcdWriter::trace(const short& o, const std::string& name, int w) { add<IntVar<short>>(o, name, w); }
void VcdWriter::trace(const int& o, const std::string& name, int w) { add<IntVar<int>>(o, name, w); }
void VcdWriter::trace(const long& o, const std::string& name, int w) { add<IntVar<long>>(o, name, w); }
void VcdWriter::trace(const sc_dt::int64& o, const std::string& name, int w) { add<IntVar<sc_dt::int64>>(o, name, w); }
void VcdWriter::trace(const sc_dt::uint64& o, const std::string& name, int w) { add<IntVar<sc_dt::uint64>>(o, name, w); }
void VcdWriter::trace(const float& o, const std::string& name) { add<RealVar<float>>(o, name, 64, true); }
void VcdWriter::trace(const double& o, const std::string& name) { add<RealVar<double>>(o, name, 64, true); }
void VcdWriter::trace(const sc_dt::sc_int_base& o, const std::string& name) {
  add<ValueVar<sc_dt::sc_int_base>>(o, name, o.length());
}
void VcdWriter::trace(const sc_dt::sc_uint_base& o, const std::string& name) {
  add<ValueVar<sc_dt::sc_uint_base>>(o, name, o.length());
}
void VcdWriter::trace(const sc_dt::sc_signed& o, const std::string& name) { add<WideVar<sc_dt::sc_signed>>(o, name, o.length()); }
void VcdWriter::trace(const sc_dt::sc_unsigned& o, const std::string& name) {
  add<WideVar<sc_dt::sc_unsigned>>(o, name, o.length());
}
void VcdWriter::trace(const sc_dt::sc_fxval&, const std::string& name) { refuse("sc_fxval", name); }
void VcdWriter::trace(const sc_dt::sc_fxval_fast&, const std::string& name) { refuse("sc_fxval_fast", name); }
void VcdWriter::trace(const sc_dt::sc_fxnum&, const std::string& name) { refuse("sc_fxnum", name); }
void VcdWriter::trace(const sc_dt::sc_fxnum_fast&, const std::string& name) { refuse("sc_fxnum_fast", name); }
void VcdWriter::trace(const sc_dt::sc_bv_base& o, const std::string& name) { add<WideVar<sc_dt::sc_bv_base>>(o, name, o.length()); }
void VcdWriter::trace(const sc_dt::sc_lv_base& o, const std::string& name) { add<WideVar<sc_dt::sc_lv_base>>(o, name, o.length()); }
void VcdWriter::trace(const unsigned int&, const std::string& name, const char**) {
  refuse("enum with literals (deprecated)", name);
}

void VcdWriter::write_comment(const std::string& comment) {
  buf_ += "$comment\n" + comment + "\n$end\n";
}

void VcdWriter::set_time_unit(double v, sc_time_unit tu) {
  if (sc_time(v, tu) != sc_get_time_resolution())
    throw std::invalid_argument("VcdWriter: the timescale is the kernel's resolution (1 ps), not " +
                                sc_time(v, tu).to_string());
}

std::string VcdWriter::open() {
  if (opened_) return "";
  file_ = std::fopen(path_.c_str(), "wb");
  if (!file_) return path_ + ": " + std::strerror(errno);
  opened_ = true;
  char date[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%b %d, %Y %H:%M:%S", std::localtime(&now));
  std::string head = std::string("$date\n    ") + date + "\n$end\n$version\n    apsim's VCD writer on " + sc_version() +
                     "\n$end\n$timescale\n    1 ps\n$end\n";
  head += "$comment\n    window [" + std::to_string(opt_.from_ps) + " ps, " +
          (opt_.to_ps == UINT64_MAX ? std::string("end of run") : std::to_string(opt_.to_ps) + " ps") + "]";
  if (!opt_.scopes.empty()) {
    head += ", scopes";
    for (const std::string& s : opt_.scopes) head += " " + s;
  }
  head += "\n$end\n";
  Scope top;
  for (const auto& v : vars_) {
    Scope* s = &top.children["SystemC"];
    for (size_t b = 0, e; (e = v->name.find('.', b)) != std::string::npos; b = e + 1)
      s = &s->children[v->name.substr(b, e - b)];
    s->vars.push_back(v.get());
  }
  declare(head, top);
  head += "$enddefinitions $end\n";
  buf_.insert(0, head);  // comments written before open() follow the header
  flush();
  // A timestep at exactly `from` and at exactly `to`, whatever the models do: the values
  // at `from` are dumped at `from`, the file ends at `to` (vcd_writer.h).
  sc_spawn_options o;
  o.spawn_method();
  sc_spawn(
      [this, stage = 0]() mutable {
        const uint64_t now = sim_now_ps();
        if (stage == 0) {
          stage = 1;
          if (opt_.from_ps > now) return next_trigger(sc_time::from_value(opt_.from_ps - now));
        }
        if (stage == 1) {
          stage = 2;
          if (opt_.to_ps != UINT64_MAX && opt_.to_ps > now) next_trigger(sc_time::from_value(opt_.to_ps - now));
        }
      },
      "apsim_vcd_window", &o);
  return "";
}

void VcdWriter::cycle(bool delta_cycle) {
  if (delta_cycle || done_ || !opened_) return;
  const uint64_t now = sim_now_ps();
  if (now < opt_.from_ps) return;
  if (!dumped_) dump_all(now);
  else dump_changes(now);
  if (now >= opt_.to_ps) end_at(opt_.to_ps);
}

void VcdWriter::dump_all(uint64_t now) {
  buf_ += "#" + std::to_string(now) + "\n$dumpvars\n";
  for (auto& v : vars_) {
    v->changed();
    v->write(buf_);
  }
  buf_ += "$end\n";
  dumped_ = true;
  last_stamp_ = now;
  flush();
}

void VcdWriter::dump_changes(uint64_t now) {
  const size_t mark = buf_.size();
  buf_ += "#" + std::to_string(now) + "\n";
  const size_t head = buf_.size();
  for (auto& v : vars_)
    if (v->changed()) v->write(buf_);
  if (buf_.size() == head) {
    buf_.resize(mark);
    return;
  }
  last_stamp_ = now;
  if (buf_.size() >= kFlushBytes) flush();
}

void VcdWriter::end_at(uint64_t t) {
  if (last_stamp_ < t) buf_ += "#" + std::to_string(t) + "\n";
  last_stamp_ = t;
  done_ = true;
  close_file();
  // Nothing more to write: the kernel need not call this file again.
  if (registered_) sc_get_curr_simcontext()->remove_trace_file(this);
  registered_ = false;
}

std::string VcdWriter::close() {
  if (!opened_ || !file_) return error_;
  const uint64_t now = sim_now_ps();
  if (dumped_) {  // the run ended inside the window: its last timestep was never closed
    dump_changes(now);
    end_at(now);
    return error_;
  }
  close_file();  // the run ended before the window: the declarations only
  done_ = true;
  return error_;
}

void VcdWriter::flush() {
  if (file_ && !buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size() && error_.empty())
    error_ = path_ + ": " + std::strerror(errno);
  buf_.clear();
}

void VcdWriter::close_file() {
  flush();
  if (std::fclose(file_) != 0 && error_.empty()) error_ = path_ + ": " + std::strerror(errno);
  file_ = nullptr;
}

}  // namespace apsim::sc
