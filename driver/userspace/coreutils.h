// driver/userspace/coreutils.h — the utilities' shared machinery (internal to
// driver/userspace): GNU's short-option parsing and the run of one utility in a session.
// The entry points are in programs.h.
#pragma once

#include <istream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "driver/linux/sysfs.h"
#include "driver/shell/shell.h"

namespace apsim::driver {

class Session;

/// One utility's run: the session it runs in, its working directory, the file system.
class Coreutils {
 public:
  using Io = CommandIo;
  explicit Coreutils(Session& s);

  int b_cat(const std::vector<std::string>& argv, const Io& io);
  int b_ls(const std::vector<std::string>& argv, const Io& io);
  int b_grep(const std::vector<std::string>& argv, const Io& io);  // grep.cpp
  int b_sleep(const std::vector<std::string>& argv, const Io& io);
  int b_head(const std::vector<std::string>& argv, const Io& io) { return head_tail(argv, io, true); }
  int b_tail(const std::vector<std::string>& argv, const Io& io) { return head_tail(argv, io, false); }
  int b_wc(const std::vector<std::string>& argv, const Io& io);
  int b_realpath(const std::vector<std::string>& argv, const Io& io);
  int b_readlink(const std::vector<std::string>& argv, const Io& io);
  int b_basename(const std::vector<std::string>& argv, const Io& io);
  int b_dirname(const std::vector<std::string>& argv, const Io& io);
  int b_mkdir(const std::vector<std::string>& argv_in, const Io& io);
  int b_rm(const std::vector<std::string>& argv_in, const Io& io);
  int b_cut(const std::vector<std::string>& argv_in, const Io& io);

  // Options of the form -abc; returns false (after printing GNU's message) on an
  // unknown letter.  Letters in `with_arg` take the rest of the word or the next word.
  struct Opts {
    std::map<char, std::string> set;  // letter -> argument ("" if none); the last one wins
    std::vector<char> order;
    std::vector<std::pair<char, std::string>> args;  // the options with an argument, in order
    std::vector<std::string> operands;
  };
  static bool parse_opts(const std::vector<std::string>& argv, const std::string& letters, const std::string& with_arg,
                         Opts& o, const Io& io, const std::string& prog, const std::string& usage);
  /// All of standard input ("" without one).
  static std::string read_all(std::istream* in) {
    if (!in) return "";
    std::ostringstream ss;
    ss << in->rdbuf();
    return ss.str();
  }

 private:
  Sysfs& fs() { return fs_; }
  /// The contents of operand `f`: standard input for "-", else the file (0 or -errno).
  int read_operand(const std::string& f, const Io& io, std::string& content);
  bool parse_count(const std::string& v, long long& n, bool& from_start);
  void print_long(const std::vector<std::string>& names, const std::string& dir, const Io& io, bool total);
  int head_tail(const std::vector<std::string>& argv_in, const Io& io, bool head);
  static std::vector<std::string> map_long_options(const std::vector<std::string>& argv,
                                                   const std::map<std::string, std::string>& longs);
  bool remove_entry(const std::string& path, bool force, bool recursive, bool verbose, const Io& io);
  static std::string parse_cut_list(const std::string& list, bool fields,
                                    std::vector<std::pair<long long, long long>>& ranges);

  Session& s_;
  Sysfs& fs_;
  std::string cwd_;
};

}  // namespace apsim::driver
