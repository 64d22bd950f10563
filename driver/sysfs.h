// driver/sysfs.h — the virtual sysfs tree of one simulated Linux instance (host or guest).
//
// Drivers register directories, attributes (with show/store callbacks, as a kernel
// `struct device_attribute` has) and symbolic links; the scenario shell and tools such as
// lszcrypt read and write them by path exactly as user space does.  Errors are negative
// errno values, as the kernel returns them:
//   * a missing path                           -> -ENOENT
//   * reading a directory / writing a directory -> -EISDIR
//   * reading a write-only attribute (no show) -> -EACCES  (kernfs_fop_open)
//   * writing a read-only attribute (no store) -> -EACCES
//   * creating a new file in a sysfs directory -> -EACCES  (sysfs has no create)
//   * a callback's own error                   -> whatever it returns (-EINVAL, -ENODEV, ...)
// Paths are absolute or relative to a working directory the caller passes; ".", ".." and
// symbolic links are resolved as the VFS does (a link's target is an absolute path).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace apsim::driver {

/// show(): fill `out` with the attribute's text; return 0 or -errno.
using ShowFn = std::function<int(std::string& out)>;
/// store(): consume `buf` (what write(2) passed, including echo's trailing newline);
/// return 0 on success or -errno.
using StoreFn = std::function<int(const std::string& buf)>;

class Sysfs {
 public:
  Sysfs();
  ~Sysfs();
  Sysfs(const Sysfs&) = delete;
  Sysfs& operator=(const Sysfs&) = delete;

  // ---- registration by drivers (absolute paths; missing parents are created) ----
  /// Create a directory (no-op if it exists).
  void mkdir(const std::string& path);
  /// Create or replace an attribute.  `show` or `store` may be empty: write-only or
  /// read-only attribute.
  void add_attr(const std::string& path, ShowFn show, StoreFn store);
  /// Create or replace a symbolic link at `path` pointing to absolute `target`.
  void add_link(const std::string& path, const std::string& target);
  /// Remove a file, link or directory (recursively).  No-op if missing.
  void remove(const std::string& path);

  // ---- access as a process does it ----
  /// Canonical absolute path of `path` (relative to `cwd`), following symbolic links in
  /// every component.  Returns -ENOENT (and leaves `out` untouched) if any component is
  /// missing, -ENOTDIR if a non-final component is a file.
  int resolve(const std::string& cwd, const std::string& path, std::string& out) const;
  int read(const std::string& cwd, const std::string& path, std::string& out) const;
  /// The checks open(O_WRONLY|O_CREAT|O_TRUNC) makes before any write (what a shell's
  /// `> PATH` hits first): -ENOENT/-ENOTDIR/-ELOOP from the walk, -EACCES for a missing
  /// file in an existing directory or an attribute without store, -EISDIR for a
  /// directory; 0 if a write() would reach the store callback.
  int open_write(const std::string& cwd, const std::string& path) const;
  int write(const std::string& cwd, const std::string& path, const std::string& data);
  /// Target of the symbolic link `path` (the final component is not followed):
  /// -EINVAL if it is not a link, as readlink(2).
  int readlink(const std::string& cwd, const std::string& path, std::string& target) const;
  /// Names in a directory, sorted like `ls` (C locale).  For a file: -ENOTDIR.
  int list(const std::string& cwd, const std::string& path, std::vector<std::string>& names) const;
  bool exists(const std::string& abs_path) const;
  bool is_dir(const std::string& abs_path) const;

 private:
  struct Node;
  Node* lookup(const std::string& cwd, const std::string& path, bool follow_last, int& err) const;
  /// lookup() that also reports the canonical path of the node found.
  Node* walk(const std::string& cwd, const std::string& path, bool follow_last, int& err,
             std::string* canon) const;
  Node* ensure_dir(const std::string& abs_path);
  std::unique_ptr<Node> root_;
};

}  // namespace apsim::driver
