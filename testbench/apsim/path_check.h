// testbench/apsim/path_check.h — can apsim read or write a file argument?  Asked before
// anything runs (before SystemC elaborates), so that a bad path ends the run with the path,
// the reason (strerror) and exit status 2 instead of a failure deep inside a library.
#pragma once

#include <string>

namespace apsim::tb {

/// "" if `path` opens for reading as a regular file; else the reason ("No such file or
/// directory", "Is a directory", "Permission denied", ...).
std::string cannot_read(const std::string& path);
/// "" if `path` can be opened for writing (created if missing: a file this check creates is
/// removed again); else the reason.  A directory is "Is a directory".
std::string cannot_write(const std::string& path);
/// "" if `dir` is a directory apsim can create files in, or can be created (its nearest
/// existing ancestor is such a directory); else the reason.  Creates nothing that stays.
std::string cannot_write_dir(const std::string& dir);

}  // namespace apsim::tb
