// testbench/apsim/path_check.cpp — the file-argument checks (path_check.h), with the system
// calls the run would make, so the reason is the one the run would meet.
#include "testbench/apsim/path_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace apsim::tb {

std::string cannot_read(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return std::strerror(errno);
  struct stat st {};
  const bool dir = ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
  ::close(fd);
  return dir ? std::strerror(EISDIR) : "";
}

std::string cannot_write(const std::string& path) {
  struct stat st {};
  const bool existed = ::stat(path.c_str(), &st) == 0;
  if (existed && S_ISDIR(st.st_mode)) return std::strerror(EISDIR);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0666);
  if (fd < 0) return std::strerror(errno);
  ::close(fd);
  if (!existed) ::unlink(path.c_str());
  return "";
}

std::string cannot_write_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  fs::path p = fs::absolute(dir).lexically_normal();
  // The nearest existing ancestor decides: it must be a directory one can create in.
  while (!p.empty()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return std::strerror(ENOTDIR);
      const std::string probe = (p / (".apsim-probe-" + std::to_string(::getpid()))).string();
      const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
      if (fd < 0) return std::strerror(errno);
      ::close(fd);
      ::unlink(probe.c_str());
      return "";
    }
    if (errno != ENOENT) return std::strerror(errno);
    if (p == p.parent_path()) break;
    p = p.parent_path();
  }
  return std::strerror(ENOENT);
}

}  // namespace apsim::tb
