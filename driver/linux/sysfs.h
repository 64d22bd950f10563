// driver/linux/sysfs.h — the virtual sysfs tree of one simulated Linux instance (host or guest).
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
//
// Directories mounted as a normal filesystem (mount_tmpfs, e.g. /etc) also hold regular
// files: open_write of a missing name there creates it (O_CREAT), a write replaces the
// file's content, read returns it; their subdirectories are normal filesystem too.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "arch/ap_instructions.h"
#include "driver/linux/completion.h"

namespace apsim::driver {

/// show(): fill `out` with the attribute's text; return 0 or -errno.
using ShowFn = std::function<int(std::string& out)>;
/// store(): consume `buf` (what write(2) passed, including echo's trailing newline);
/// return 0 on success or -errno.
using StoreFn = std::function<int(const std::string& buf)>;

/// A show() that cannot fail: the text `f` returns.  `f` is kept as it is (no std::function
/// inside the ShowFn): a capture of up to two pointers then needs no heap block per attribute.
template <class F>
ShowFn sysfs_show(F f) {
  return [f = std::move(f)](std::string& out) {
    out = f();
    return 0;
  };
}

/// show()/store() of an attribute of a group (Sysfs::Group): `obj` is the object of the
/// directory the group was added to (the kernel's `struct device *dev` of a DEVICE_ATTR).
using GroupShowFn = std::function<int(void* obj, std::string& out)>;
using GroupStoreFn = std::function<int(void* obj, const std::string& buf)>;
/// A group show that cannot fail: the text `f(obj)` returns.
template <class T, class F>
GroupShowFn sysfs_group_show(F f) {
  return [f = std::move(f)](void* obj, std::string& out) {
    out = f(*static_cast<T*>(obj));
    return 0;
  };
}
/// sysfs_emit(buf, "%llu\n", v): an unsigned number and a newline.
inline std::string sysfs_u(uint64_t v) { return std::to_string(v) + "\n"; }

/// What stat(2) tells `ls -l` and `find` of a path (Sysfs::stat).  Modes are those the
/// kernel gives: a sysfs attribute 0444 without store, 0200 without show, 0644 with both
/// (DEVICE_ATTR_RO/WO/RW), size 4096 (a page, kernfs's size for every attribute) and no
/// blocks; a sysfs directory 0755 of size 0; a link 0777 of size 0 (kernfs); a /proc file 0444
/// of size 0.  On the normal-filesystem mounts (/etc, /root, /tmp: ext4 on disk) a directory
/// has size 4096 (one block), a file its length, a link its target's length; /root is 0700.
struct SysfsStat {
  char type = '-';         ///< 'd' directory, '-' regular file or attribute, 'l' symbolic link
  unsigned mode = 0;       ///< permission bits
  uint64_t size = 0;
  uint64_t blocks_1k = 0;  ///< st_blocks in 1 KiB units, as `ls -s` and `total` count
  unsigned nlink = 1;
};

class Sysfs {
  struct Node;

 public:
  /// An attribute group (struct attribute_group, sysfs_create_group): attributes and links
  /// made once and shared by every directory the group is added to (add_group), each
  /// directory with its own object, which the group's show/store receive.  The kernel, too,
  /// defines a device type's attributes once (ap_queue_dev_attr_group, cca_queue_attr_grp);
  /// sharing them keeps a directory's cost independent of its number of attributes: a
  /// 256 x 256 LPAR has 65,536 queue directories (issue 13).  What a directory sees of a
  /// group is read, written, listed and stat'ed as its own entries.
  class Group {
   public:
    Group();
    ~Group();
    Group(const Group&) = delete;
    Group& operator=(const Group&) = delete;
    /// An attribute `name`; `show` or `store` may be empty (write-only / read-only).
    void add_attr(const std::string& name, GroupShowFn show, GroupStoreFn store);
    /// A symbolic link `name` to the absolute `target` (the same in every directory).
    void add_link(const std::string& name, const std::string& target);

   private:
    friend class Sysfs;
    std::map<std::string, std::unique_ptr<Node>, std::less<>> entries_;
  };

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
  /// A read-only /proc file (0444, size 0) whose contents `show` produces.
  void add_proc_file(const std::string& path, ShowFn show, StoreFn store = nullptr);
  /// Create or replace a symbolic link at `path` pointing to absolute `target`.
  void add_link(const std::string& path, const std::string& target);
  /// Add `group`'s entries to the directory `dir` (created if missing) with the object
  /// `obj` (sysfs_create_group).  A name the directory already has keeps its own entry; a
  /// group added again replaces the object.  remove() of a single group entry is a no-op:
  /// remove_group takes them away together, as sysfs_remove_group.
  void add_group(const std::string& dir, std::shared_ptr<const Group> group, void* obj);
  /// Take `group`'s entries away from `dir` (no-op if it does not have them).
  void remove_group(const std::string& dir, const Group& group);
  /// Remove a file, link or directory (recursively).  No-op if missing.
  void remove(const std::string& path);
  /// Make `path` (created if missing) a normal-filesystem directory: regular files may be
  /// created in it and in every directory below it.
  void mount_tmpfs(const std::string& path);
  /// Drop everything but the subtrees at `keep` (absolute paths; missing ones are
  /// skipped): what a reboot leaves of the tree (the disk).
  void reset_keeping(const std::vector<std::string>& keep);

  // ---- regular files (normal-filesystem directories only) ----
  /// Create or replace the regular file `path` with `data` (open O_CREAT|O_TRUNC, write):
  /// -EACCES outside a normal-filesystem directory or for a sysfs attribute, -EISDIR for a
  /// directory, -ENOENT if the directory is missing.
  int write_file(const std::string& cwd, const std::string& path, const std::string& data);
  /// mkdir(2): -EEXIST if the name exists, -ENOENT if the parent is missing, -EPERM in
  /// sysfs (vfs_mkdir: kernfs gives sysfs directories no ->mkdir).  `parents` creates
  /// missing parents as `mkdir -p` does (no -EEXIST then).
  int make_dir(const std::string& cwd, const std::string& path, bool parents = false);
  /// unlink(2) of a regular file or link in a normal-filesystem directory: -ENOENT,
  /// -EISDIR for a directory, -EPERM in sysfs.
  int unlink(const std::string& cwd, const std::string& path);
  /// rmdir(2) of an empty normal-filesystem directory: -ENOENT, -ENOTDIR for a file,
  /// -ENOTEMPTY, -EBUSY for a mount point (/etc itself), -EPERM in sysfs.
  int rmdir(const std::string& cwd, const std::string& path);
  /// True if `abs_path` (links followed) is a regular file.
  bool is_file(const std::string& abs_path) const;

  // ---- access as a process does it ----
  // Each read() and write() is a process's open+read/write+close and costs the software cost
  // table's sysfs_read / sysfs_write on `cpu` (set_cpu; none before it is set).
  /// The CPU whose software makes the accesses (the kernel's).
  void set_cpu(arch::Cpu* cpu) { cpu_ = cpu; }
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
  /// A store that sleeps (its write(2) returns only when `c` completes: mdev remove in 6.1)
  /// calls this and returns -EIOCBQUEUED; write() then returns -EIOCBQUEUED and the writer
  /// takes the completion with take_sleeping() to wait for it.
  void sleep_on(std::shared_ptr<Completion> c) { sleeping_ = std::move(c); }
  /// The completion of the last write() that returned -EIOCBQUEUED (once), else nullptr.
  std::shared_ptr<Completion> take_sleeping() { return std::move(sleeping_); }
  /// Target of the symbolic link `path` (the final component is not followed), relative to
  /// the link's directory as kernfs writes it ("../../../../bus/ap"): -EINVAL if it is not a
  /// link, as readlink(2).
  int readlink(const std::string& cwd, const std::string& path, std::string& target) const;
  /// Names in a directory, sorted like `ls` (C locale).  For a file: -ENOTDIR.
  int list(const std::string& cwd, const std::string& path, std::vector<std::string>& names) const;
  bool exists(const std::string& abs_path) const;
  bool is_dir(const std::string& abs_path) const;
  /// stat(2) (`follow`) or lstat(2) of `path`: 0 or -ENOENT/-ENOTDIR/-ELOOP.
  int stat(const std::string& cwd, const std::string& path, bool follow, SysfsStat& st) const;
  /// Nodes the tree holds (directories, attributes, links, files; a group's entries not
  /// counted, however many directories share them): what the tree's memory grows with.
  /// Walks the whole tree.
  std::size_t node_count() const;

 private:
  /// `target` (absolute) as a path relative to the directory `dir` (absolute).
  static std::string relative_target(const std::string& dir, const std::string& target);
  Node* lookup(const std::string& cwd, const std::string& path, bool follow_last, int& err) const;
  /// lookup() that also reports the canonical path of the node found and, for an entry of a
  /// group, the object of the directory it was found in (`obj`, else nullptr).
  Node* walk(const std::string& cwd, const std::string& path, bool follow_last, int& err,
             std::string* canon, void** obj = nullptr) const;
  Node* ensure_dir(const std::string& abs_path);
  std::unique_ptr<Node> root_;
  std::shared_ptr<Completion> sleeping_;
  arch::Cpu* cpu_ = nullptr;
};

}  // namespace apsim::driver
