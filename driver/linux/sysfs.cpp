// driver/linux/sysfs.cpp — the virtual sysfs tree (see sysfs.h for the errno contract).
//
// The tree is a plain ownership tree of Nodes.  Directories keep their children in a
// std::map, whose byte-wise ordering is exactly the C-locale order `ls` prints.  Path
// resolution mimics the VFS walk (namei): components are consumed left to right, a
// symbolic link is replaced by its target's components (restarting at "/" for an absolute
// target), and after 40 link expansions the walk gives up with -ELOOP (MAXSYMLINKS).
#include "driver/linux/sysfs.h"

#include <algorithm>
#include <cerrno>
#include <string_view>

namespace apsim::driver {

struct Sysfs::Node {
  enum class Kind : uint8_t { Dir, Attr, Link, File };
  Kind kind = Kind::Dir;
  bool tmpfs = false;                                      // Dir only: may hold regular files
  bool proc = false;                                       // Attr only: a /proc file
  // Dir only; std::less<> finds a component by std::string_view, without a string per lookup.
  std::map<std::string, std::unique_ptr<Node>, std::less<>> children;
  struct GroupRef {
    std::shared_ptr<const Group> group;
    void* obj;
  };
  std::vector<GroupRef> groups;  // Dir only: the groups added to it (add_group)
  // Attr only, in a block of its own: an attribute's callbacks are as large as the rest of
  // a node, and most nodes (directories, links) have none.  An attribute of a group has the
  // group's pair, which gets the directory's object.
  struct Fns {
    ShowFn show;
    StoreFn store;
    GroupShowFn group_show;
    GroupStoreFn group_store;
  };
  std::unique_ptr<Fns> fns;
  std::string text;  // Link: the target; File: the data

  bool readable() const { return fns && (fns->show || fns->group_show); }
  bool writable() const { return fns && (fns->store || fns->group_store); }
};

Sysfs::Group::Group() = default;
Sysfs::Group::~Group() = default;

void Sysfs::Group::add_attr(const std::string& name, GroupShowFn show, GroupStoreFn store) {
  auto node = std::make_unique<Node>();
  node->kind = Node::Kind::Attr;
  node->fns = std::make_unique<Node::Fns>();
  node->fns->group_show = std::move(show);
  node->fns->group_store = std::move(store);
  entries_[name] = std::move(node);
}

void Sysfs::Group::add_link(const std::string& name, const std::string& target) {
  auto node = std::make_unique<Node>();
  node->kind = Node::Kind::Link;
  node->text = target;
  entries_[name] = std::move(node);
}

namespace {

constexpr int kMaxSymlinks = 40;  // Linux MAXSYMLINKS
constexpr std::size_t kPageSize = 4096;

// Split a path into its non-empty components ("a//b/" -> {"a","b"}), views into `path`.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const size_t end = std::min(path.find('/', i), path.size());
    out.push_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

// Push `path`'s components onto `todo`, a stack whose top (back) is the next component:
// last component first.  No allocation once `todo` has grown to the walk's depth (the
// namei walk runs for every sysfs access; a 256 x 256 LPAR's boot and lszcrypt make
// millions, issue 13).
void push_components(std::vector<std::string_view>& todo, std::string_view path) {
  size_t end = path.size();
  while (end > 0) {
    if (path[end - 1] == '/') {
      --end;
      continue;
    }
    const size_t slash = path.rfind('/', end - 1);
    const size_t begin = slash == std::string_view::npos ? 0 : slash + 1;
    todo.push_back(path.substr(begin, end - begin));
    end = begin;
  }
}

// "/a/b/c" -> "/a/b"; "c" -> "."; "/c" -> "/".
std::string dirname_of(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

}  // namespace

Sysfs::Sysfs() : root_(std::make_unique<Node>()) {}
Sysfs::~Sysfs() = default;

// The namei walk.  `follow_last` decides whether a link in the final component is
// followed (stat vs lstat).  Returns the node or nullptr with `err` set; `canon` (if
// given) receives the canonical absolute path of the node.
Sysfs::Node* Sysfs::walk(const std::string& cwd, const std::string& path, bool follow_last,
                         int& err, std::string* canon, void** obj) const {
  err = 0;
  if (obj) *obj = nullptr;
  if (path.empty()) {  // open("") fails with ENOENT
    err = -ENOENT;
    return nullptr;
  }
  // Relative paths start from the working directory.  The shell keeps it free of "."
  // and ".." (it may contain links, which resolve to the same directory again).
  // The components still to walk, a stack (the next one at the back): views into `path`,
  // `cwd` and link targets, which outlive the walk.
  thread_local std::vector<std::string_view> todo;
  todo.clear();
  push_components(todo, path);
  if (path[0] != '/') push_components(todo, cwd);
  // A trailing slash demands a directory and follows a final link, as in the VFS.
  const bool trailing_slash = path.back() == '/';
  if (trailing_slash) follow_last = true;

  // Nodes (with their names and, for a group's entry, the directory's object) from "/"
  // down to the current position.
  struct Step {
    const std::string* name;
    Node* node;
    void* obj;
  };
  thread_local std::vector<Step> stack;
  stack.assign(1, Step{nullptr, root_.get(), nullptr});
  int links = 0;
  while (!todo.empty()) {
    const std::string_view comp = todo.back();
    todo.pop_back();
    Node* cur = stack.back().node;
    if (cur->kind != Node::Kind::Dir) {  // "file/x", "file/..": a non-final file
      err = -ENOTDIR;
      return nullptr;
    }
    if (comp == ".") continue;
    if (comp == "..") {
      if (stack.size() > 1) stack.pop_back();  // ".." of "/" is "/"
      continue;
    }
    const std::string* name = nullptr;
    Node* child = nullptr;
    void* obj = nullptr;
    if (auto it = cur->children.find(comp); it != cur->children.end()) {
      name = &it->first;
      child = it->second.get();
    } else {
      for (const Node::GroupRef& g : cur->groups) {
        auto gi = g.group->entries_.find(comp);
        if (gi == g.group->entries_.end()) continue;
        name = &gi->first;
        child = gi->second.get();
        obj = g.obj;
        break;
      }
    }
    if (!child) {
      err = -ENOENT;
      return nullptr;
    }
    if (child->kind == Node::Kind::Link && (!todo.empty() || follow_last)) {
      if (++links > kMaxSymlinks) {
        err = -ELOOP;
        return nullptr;
      }
      if (child->text.empty()) {  // readlink "" -> ENOENT, as the VFS does
        err = -ENOENT;
        return nullptr;
      }
      push_components(todo, child->text);
      // Absolute target: restart at "/"; relative: continue from the link's directory.
      if (child->text[0] == '/') stack.resize(1);
      continue;
    }
    stack.push_back({name, child, obj});
  }
  Node* found = stack.back().node;
  if (trailing_slash && found->kind != Node::Kind::Dir) {
    err = -ENOTDIR;
    return nullptr;
  }
  if (canon) {
    canon->clear();
    for (std::size_t i = 1; i < stack.size(); ++i) canon->append(1, '/').append(*stack[i].name);
    if (canon->empty()) *canon = "/";
  }
  if (obj) *obj = stack.back().obj;
  return found;
}

Sysfs::Node* Sysfs::lookup(const std::string& cwd, const std::string& path, bool follow_last,
                           int& err) const {
  return walk(cwd, path, follow_last, err, nullptr);
}

// Registration helper: walk/create directories along an absolute path.  Existing links to
// directories are followed so that drivers may register below a linked directory; a file
// in the way is replaced by a directory (a registration bug, but never a crash).
Sysfs::Node* Sysfs::ensure_dir(const std::string& abs_path) {
  Node* cur = root_.get();
  for (const std::string_view comp : split_path(abs_path)) {
    if (comp == ".") continue;
    auto it = cur->children.find(comp);
    if (it == cur->children.end()) it = cur->children.emplace(std::string(comp), nullptr).first;
    auto& slot = it->second;
    if (slot && slot->kind == Node::Kind::Link) {
      int err = 0;
      Node* tgt = lookup("/", slot->text, true, err);
      if (tgt && tgt->kind == Node::Kind::Dir) {
        cur = tgt;
        continue;
      }
    }
    if (!slot || slot->kind != Node::Kind::Dir) {
      const bool tmpfs = cur->tmpfs;
      slot = std::make_unique<Node>();
      slot->tmpfs = tmpfs;  // a new directory inherits its parent's filesystem
    }
    cur = slot.get();
  }
  return cur;
}

void Sysfs::mkdir(const std::string& path) { ensure_dir(path); }

namespace {
std::string basename_of(const std::string& path) {
  auto comps = split_path(path);
  return comps.empty() ? std::string() : std::string(comps.back());
}
}  // namespace

void Sysfs::add_attr(const std::string& path, ShowFn show, StoreFn store) {
  std::string name = basename_of(path);
  if (name.empty() || name == "." || name == "..") return;
  Node* dir = ensure_dir(dirname_of(path));
  auto node = std::make_unique<Node>();
  node->kind = Node::Kind::Attr;
  node->fns = std::make_unique<Node::Fns>();
  node->fns->show = std::move(show);
  node->fns->store = std::move(store);
  dir->children[name] = std::move(node);
}

void Sysfs::add_link(const std::string& path, const std::string& target) {
  std::string name = basename_of(path);
  if (name.empty() || name == "." || name == "..") return;
  Node* dir = ensure_dir(dirname_of(path));
  auto node = std::make_unique<Node>();
  node->kind = Node::Kind::Link;
  node->text = target;
  dir->children[name] = std::move(node);
}

void Sysfs::add_group(const std::string& dir, std::shared_ptr<const Group> group, void* obj) {
  Node* d = ensure_dir(dir);
  for (Node::GroupRef& g : d->groups)
    if (g.group == group) {
      g.obj = obj;
      return;
    }
  d->groups.push_back({std::move(group), obj});
}

void Sysfs::remove_group(const std::string& dir, const Group& group) {
  int err = 0;
  Node* d = lookup("/", dir, true, err);
  if (!d || d->kind != Node::Kind::Dir) return;
  auto& gs = d->groups;
  gs.erase(std::remove_if(gs.begin(), gs.end(), [&](const Node::GroupRef& g) { return g.group.get() == &group; }),
           gs.end());
}

void Sysfs::remove(const std::string& path) {
  std::string name = basename_of(path);
  if (name.empty() || name == "." || name == "..") return;
  int err = 0;
  Node* dir = lookup("/", dirname_of(path), true, err);
  if (!dir || dir->kind != Node::Kind::Dir) return;
  dir->children.erase(name);
}

int Sysfs::resolve(const std::string& cwd, const std::string& path, std::string& out) const {
  int err = 0;
  std::string canon;
  if (!walk(cwd, path, true, err, &canon)) return err;
  out = std::move(canon);
  return 0;
}

int Sysfs::read(const std::string& cwd, const std::string& path, std::string& out) const {
  if (cpu_) cpu_->run_software(arch::SoftwareStep::sysfs_read);
  int err = 0;
  void* obj = nullptr;
  Node* n = walk(cwd, path, true, err, nullptr, &obj);
  if (!n) return err;
  if (n->kind == Node::Kind::Dir) return -EISDIR;
  if (n->kind == Node::Kind::File) {
    out = n->text;
    return 0;
  }
  if (!n->readable()) return -EACCES;  // kernfs_fop_open refuses reading without ->show
  // Copy the callback: a show() that reconfigures the tree must not destroy the
  // std::function it is running from.
  std::string buf;
  int rc = 0;
  if (n->fns->show) {
    ShowFn show = n->fns->show;
    rc = show(buf);
  } else {
    GroupShowFn show = n->fns->group_show;
    rc = show(obj, buf);
  }
  if (rc < 0) return rc;
  out = std::move(buf);
  return 0;
}

int Sysfs::open_write(const std::string& cwd, const std::string& path) const {
  // An empty name is ENOENT before any lookup (fs/namei.c getname_flags without
  // LOOKUP_EMPTY); it has no parent directory to create it in.
  if (path.empty()) return -ENOENT;
  int err = 0;
  Node* n = lookup(cwd, path, true, err);
  if (!n) {
    // open(O_CREAT) of a missing name: the parent exists in sysfs, which cannot create
    // files -> EACCES; otherwise the missing directory's error.
    if (err == -ENOENT) {
      int perr = 0;
      Node* parent = lookup(cwd, dirname_of(path), true, perr);
      if (parent && parent->kind == Node::Kind::Dir && path.back() != '/') {
        if (!parent->tmpfs) return -EACCES;
        // O_CREAT in a normal filesystem: the file exists (empty) from here on.
        auto file = std::make_unique<Node>();
        file->kind = Node::Kind::File;
        parent->children[basename_of(path)] = std::move(file);
        return 0;
      }
      if (!parent) return perr;
      if (parent->kind != Node::Kind::Dir) return -ENOTDIR;
    }
    return err;
  }
  if (n->kind == Node::Kind::Dir) return -EISDIR;
  if (n->kind == Node::Kind::File) return 0;
  if (!n->writable()) return -EACCES;  // kernfs_fop_open refuses writing without ->store
  return 0;
}

int Sysfs::write(const std::string& cwd, const std::string& path, const std::string& data) {
  if (cpu_) cpu_->run_software(arch::SoftwareStep::sysfs_write);
  int rc = open_write(cwd, path);
  if (rc < 0) return rc;
  int err = 0;
  void* obj = nullptr;
  Node* n = walk(cwd, path, true, err, nullptr, &obj);
  if (n->kind == Node::Kind::File) {  // the writer opened it with O_TRUNC
    n->text = data;
    return 0;
  }
  // Copy the callback first: `echo 1 > remove` removes the very directory holding it.
  StoreFn store = n->fns->store;
  GroupStoreFn group_store = n->fns->group_store;
  // kernfs hands a sysfs store at most PAGE_SIZE bytes per write(2) and the writer loops
  // for the rest; a zero-length write never reaches the store (sysfs_kf_write).
  // A store that sleeps returns -EIOCBQUEUED (sleep_on): the writer waits for the rest.
  for (std::size_t off = 0; off < data.size(); off += kPageSize) {
    const std::string chunk = data.substr(off, kPageSize);
    rc = store ? store(chunk) : group_store(obj, chunk);
    if (rc < 0) return rc;
  }
  return 0;
}

void Sysfs::add_proc_file(const std::string& path, ShowFn show, StoreFn store) {
  add_attr(path, std::move(show), std::move(store));
  int err = 0;
  if (Node* n = lookup("/", path, false, err)) n->proc = true;
}

int Sysfs::stat(const std::string& cwd, const std::string& path, bool follow, SysfsStat& st) const {
  int err = 0;
  std::string canon;
  Node* n = walk(cwd, path, follow, err, &canon);
  if (!n) return err;
  // On the normal filesystem if the node or a directory above it is a mount of it.
  bool disk = false;
  for (std::string p = canon; !disk; p = dirname_of(p)) {
    int e = 0;
    Node* d = lookup("/", p, false, e);
    disk = d && d->kind == Node::Kind::Dir && d->tmpfs;
    if (p == "/" || p == ".") break;
  }
  st = SysfsStat{};
  switch (n->kind) {
    case Node::Kind::Dir:
      st.type = 'd';
      st.mode = canon == "/root" ? 0700 : 0755;
      st.size = disk ? 4096 : 0;
      st.blocks_1k = disk ? 4 : 0;
      st.nlink = 2;
      for (const auto& [name, c] : n->children) st.nlink += c->kind == Node::Kind::Dir;
      break;
    case Node::Kind::Attr:
      st.mode = n->proc ? (n->writable() ? 0644 : 0444) : (n->readable() ? 0444 : 0) | (n->writable() ? 0200 : 0);
      st.size = n->proc ? 0 : kPageSize;
      break;
    case Node::Kind::Link:
      st.type = 'l';
      st.mode = 0777;
      st.size = disk ? n->text.size() : 0;
      break;
    case Node::Kind::File:
      st.mode = 0644;
      st.size = n->text.size();
      st.blocks_1k = (n->text.size() + 4095) / 4096 * 4;
      break;
  }
  return 0;
}

int Sysfs::readlink(const std::string& cwd, const std::string& path, std::string& target) const {
  int err = 0;
  std::string canon;
  Node* n = walk(cwd, path, false, err, &canon);
  if (!n) return err;
  if (n->kind != Node::Kind::Link) return -EINVAL;
  // kernfs_get_target_path: a sysfs link reads back relative to its directory -- "../" up to
  // the first common ancestor, then the rest of the target's path
  // ("../../../../bus/ap/drivers/vfio_ap").  Resolution uses the absolute target.
  // A target stored relative already reads back as stored.
  target = n->text.empty() || n->text[0] != '/'
               ? n->text
               : relative_target(canon.substr(0, canon.rfind('/')), n->text);
  return 0;
}

std::string Sysfs::relative_target(const std::string& dir, const std::string& target) {
  auto split = [](const std::string& p) {
    std::vector<std::string> parts;
    size_t pos = 0;
    while (pos < p.size()) {
      const size_t slash = p.find('/', pos);
      const size_t end = slash == std::string::npos ? p.size() : slash;
      if (end > pos) parts.push_back(p.substr(pos, end - pos));
      pos = end + 1;
    }
    return parts;
  };
  const std::vector<std::string> from = split(dir), to = split(target);
  size_t common = 0;
  while (common < from.size() && common < to.size() && from[common] == to[common]) ++common;
  std::string rel;
  for (size_t i = common; i < from.size(); ++i) rel += "../";
  for (size_t i = common; i < to.size(); ++i) rel += to[i] + (i + 1 < to.size() ? "/" : "");
  if (!rel.empty() && rel.back() == '/') rel.pop_back();
  return rel.empty() ? "." : rel;
}

int Sysfs::list(const std::string& cwd, const std::string& path,
                std::vector<std::string>& names) const {
  int err = 0;
  Node* n = lookup(cwd, path, true, err);
  if (!n) return err;
  if (n->kind != Node::Kind::Dir) return -ENOTDIR;
  names.clear();
  for (const auto& [name, child] : n->children) names.push_back(name);
  if (n->groups.empty()) return 0;
  // A group's entries, but no name twice (the directory's own entry hides a group's).
  for (const Node::GroupRef& g : n->groups)
    for (const auto& [name, child] : g.group->entries_) names.push_back(name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return 0;
}

bool Sysfs::exists(const std::string& abs_path) const {
  int err = 0;
  return lookup("/", abs_path, true, err) != nullptr;
}

bool Sysfs::is_file(const std::string& abs_path) const {
  int err = 0;
  Node* n = lookup("/", abs_path, true, err);
  return n && n->kind == Node::Kind::File;
}

void Sysfs::mount_tmpfs(const std::string& path) { ensure_dir(path)->tmpfs = true; }

void Sysfs::reset_keeping(const std::vector<std::string>& keep) {
  auto fresh = std::make_unique<Node>();
  for (const std::string& path : keep) {
    const std::string name = basename_of(path);
    if (name.empty()) continue;
    int err = 0;
    Node* dir = lookup("/", dirname_of(path), true, err);
    if (!dir || dir->kind != Node::Kind::Dir) continue;
    auto it = dir->children.find(name);
    if (it == dir->children.end()) continue;
    std::unique_ptr<Node> kept = std::move(it->second);
    dir->children.erase(it);
    // Re-create the path to it in the fresh tree (plain directories) and hang it there.
    Node* cur = fresh.get();
    const std::string parent = dirname_of(path);
    for (const std::string_view comp : split_path(parent)) {
      auto& slot = cur->children[std::string(comp)];
      if (!slot) slot = std::make_unique<Node>();
      cur = slot.get();
    }
    cur->children[name] = std::move(kept);
  }
  root_ = std::move(fresh);
}

int Sysfs::write_file(const std::string& cwd, const std::string& path, const std::string& data) {
  int err = 0;
  Node* n = lookup(cwd, path, true, err);
  if (n && n->kind != Node::Kind::File) return n->kind == Node::Kind::Dir ? -EISDIR : -EACCES;
  if (!n) {
    if (int rc = open_write(cwd, path); rc < 0) return rc;
    n = lookup(cwd, path, true, err);
    if (!n) return err;
  }
  n->text = data;
  return 0;
}

int Sysfs::make_dir(const std::string& cwd, const std::string& path, bool parents) {
  if (path.empty()) return -ENOENT;  // getname_flags, as open_write
  int err = 0;
  if (Node* n = lookup(cwd, path, true, err)) {
    if (parents && n->kind == Node::Kind::Dir) return 0;
    return -EEXIST;
  }
  if (err != -ENOENT) return err;
  const std::string parent_path = dirname_of(path);
  Node* parent = lookup(cwd, parent_path, true, err);
  if (!parent) {
    if (!parents || err != -ENOENT) return err;
    if (int rc = make_dir(cwd, parent_path, true); rc < 0) return rc;
    parent = lookup(cwd, parent_path, true, err);
    if (!parent) return err;
  }
  if (parent->kind != Node::Kind::Dir) return -ENOTDIR;
  if (!parent->tmpfs) return -EPERM;  // vfs_mkdir: sysfs directories have no ->mkdir
  auto dir = std::make_unique<Node>();
  dir->tmpfs = true;
  parent->children[basename_of(path)] = std::move(dir);
  return 0;
}

int Sysfs::unlink(const std::string& cwd, const std::string& path) {
  int err = 0;
  Node* n = lookup(cwd, path, false, err);
  if (!n) return err;
  if (n->kind == Node::Kind::Dir) return -EISDIR;
  Node* parent = lookup(cwd, dirname_of(path), true, err);
  if (!parent || !parent->tmpfs) return -EPERM;
  parent->children.erase(basename_of(path));
  return 0;
}

int Sysfs::rmdir(const std::string& cwd, const std::string& path) {
  int err = 0;
  Node* n = lookup(cwd, path, false, err);
  if (!n) return err;
  if (n->kind != Node::Kind::Dir) return -ENOTDIR;
  const std::string name = basename_of(path);
  if (name == "." || name == "..") return -EINVAL;  // rmdir(2) refuses both
  Node* parent = lookup(cwd, dirname_of(path), true, err);
  if (!parent || !parent->tmpfs) return n->tmpfs && parent ? -EBUSY : -EPERM;
  if (!n->children.empty()) return -ENOTEMPTY;
  parent->children.erase(name);
  return 0;
}

std::size_t Sysfs::node_count() const {
  std::size_t n = 0;
  std::vector<const Node*> todo{root_.get()};
  while (!todo.empty()) {
    const Node* d = todo.back();
    todo.pop_back();
    ++n;
    for (const auto& [name, child] : d->children) todo.push_back(child.get());
  }
  return n;
}

bool Sysfs::is_dir(const std::string& abs_path) const {
  int err = 0;
  Node* n = lookup("/", abs_path, true, err);
  return n && n->kind == Node::Kind::Dir;
}

}  // namespace apsim::driver
