// testbench/apsim/sweep_spec.h — a sweep spec (docs/sweeps.md): its parameters, its
// validation, and its points.
//
// A spec names a base scenario script and a base LPAR config, fixed parameters and a grid
// (every combination of the grid's values is a point).  Each point is an LPAR (the base with
// the point's hardware parameters applied) and a script (SWEEP_<PARAM>=value lines + the base
// scenario + one apbench command line built from the workload parameters).  Everything is
// checked before a point is made: an unknown key or parameter, a value of the wrong type or out
// of range, a grid with no points or with more than kMaxPoints, an LPAR that cannot hold the
// guests asked for — each a SpecError naming the spec file and the parameter.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace apsim::tb {

using Json = nlohmann::ordered_json;

/// Bad input: what() names the spec file (or the option) and the parameter.
struct SpecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A sweep has at most this many points; a bigger grid is refused from the lengths of its
/// lists, before a point is made (a point costs about 50 µs and 4 KiB to make and check).
inline constexpr unsigned long long kMaxPoints = 100000;

/// Slurm settings of a sweep, from the spec's "slurm" object or the command line (which wins).
struct SlurmSettings {
  std::string partition;         ///< sbatch --partition ("" = the cluster's default)
  std::string time;              ///< sbatch --time, per task ("" = the partition's default)
  std::string mem;               ///< sbatch --mem, per task ("" = the cluster's default)
  std::string account;           ///< sbatch --account
  unsigned points_per_task = 0;  ///< points run one after the other by one array task (0 = not set: 1)
};

/// Check one Slurm setting ("partition", "time", "mem", "account", "points_per_task" as text);
/// returns "" if it is valid, else what is wrong ("expected ..., got ...").
std::string check_slurm_setting(const std::string& name, const std::string& value);

struct Spec {
  std::string file;       ///< the spec's path as given
  std::string dir;        ///< its folder (base files are relative to it)
  std::string name, title;
  std::string scenario_path, lpar_path, scenario_text;
  Json spec;              ///< the spec as read
  Json base_lpar;
  Json fixed = Json::object();
  std::vector<std::pair<std::string, std::vector<Json>>> grid;  ///< in spec order
  std::string x;
  bool xlog = false;
  unsigned timeout_s = 600;
  SlurmSettings slurm;
};

/// One point of the grid.
struct Point {
  unsigned index = 0;
  std::string name;         ///< its folder under DIR/points: the index, at least 3 digits
  std::string label;        ///< the grid parameters, "qd=2 irq=polling"
  Json values = Json::object();  ///< every parameter with its effective value (defaults and the LPAR's own filled in)
  std::string lpar_text;    ///< lpar.json
  std::string script_text;  ///< script.sh
};

/// Read and check a spec file (and its base scenario and LPAR).  Throws SpecError.
Spec load_spec(const std::string& path);

/// Every point of the grid (the last grid parameter varies fastest), each LPAR checked as
/// `apsim run` will read it.  Throws SpecError.
std::vector<Point> make_points(const Spec& s);

/// The folder name of point `index` under DIR/points ("007", "1234").
std::string point_name(unsigned index);

/// A parameter's value as text: strings as they are, numbers without a needless ".0".
std::string text_of(const Json& v);

/// The names of the parameters a sweep knows, in the order of the CSV's columns (the
/// timing.<member> parameters not included).
std::vector<std::string> param_names();

}  // namespace apsim::tb
