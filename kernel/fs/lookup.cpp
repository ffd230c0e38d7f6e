#include "fs/lookup.h"

#include "vdso/abi/linux.h"

extern "C" void* memcpy(void*, const void*, size_t);
extern "C" size_t strlen(const char*);

namespace abi = vdso::abi;
namespace kernel::fs {
namespace {

// Linux's limit on links followed in one lookup (MAXSYMLINKS).
constexpr int kMaxLinks = 40;

Node* proc_mount() {
  LockGuard guard(tree_lock());
  for (Node* c = root()->first_child; c != nullptr; c = c->next_sibling) {
    if (c->proc_mount)
      return c;
  }
  return nullptr;
}

Location parent_of(const Location& at) {
  if (at.node != nullptr)
    return {at.node->parent, {}};
  procfs::Entry up;
  if (procfs::parent(at.proc, up))
    return {nullptr, up};
  Node* mount = proc_mount();
  return {mount != nullptr ? mount->parent : root(), {}};
}

// A link's target into `out`: its length or -errno.
int64_t target_of(const Location& link, char* out) {
  if (link.node == nullptr)
    return procfs::link_target(link.proc, out);
  LockGuard guard(tree_lock());
  if (link.node->size + 1 > kMaxPathBytes)
    return -abi::kENAMETOOLONG;
  memcpy(out, link.node->data, link.node->size);
  out[link.node->size] = '\0';
  return static_cast<int64_t>(link.node->size);
}

}  // namespace

bool is_directory(const Location& where) {
  return where.node != nullptr ? fs::is_directory(*where.node) : procfs::is_directory(where.proc);
}

bool is_symlink(const Location& where) {
  return where.node != nullptr ? fs::is_symlink(*where.node) : procfs::is_symlink(where.proc);
}

int join(const char* base, const char* path, char* out) {
  const size_t path_length = strlen(path);
  if (path[0] == '/') {
    if (path_length + 1 > kMaxPathBytes)
      return -abi::kENAMETOOLONG;
    memcpy(out, path, path_length + 1);
    return 0;
  }
  const size_t base_length = strlen(base);
  if (base_length + 1 + path_length + 1 > kMaxPathBytes)
    return -abi::kENAMETOOLONG;
  memcpy(out, base, base_length);
  out[base_length] = '/';
  memcpy(out + base_length + 1, path, path_length + 1);
  return 0;
}

int resolve(const char* path, Follow follow, Location& out, char* canonical) {
  char work[kMaxPathBytes];
  if (strlen(path) + 1 > kMaxPathBytes)
    return -abi::kENAMETOOLONG;
  memcpy(work, path, strlen(path) + 1);
  int links = 0;
restart:
  Location at{root(), {}};
  char canon[kMaxPathBytes];
  size_t canon_length = 0;
  size_t pos = 0;
  bool trailing_slash = false;
  for (;;) {
    while (work[pos] == '/')
      ++pos;
    if (work[pos] == '\0')
      break;
    size_t end = pos;
    while (work[end] != '\0' && work[end] != '/')
      ++end;
    const size_t length = end - pos;
    size_t after = end;
    while (work[after] == '/')
      ++after;
    const bool last = work[after] == '\0';
    trailing_slash = last && after != end;
    if (length + 1 > kMaxNameBytes)
      return -abi::kENAMETOOLONG;
    if (!is_directory(at))
      return -abi::kENOTDIR;
    const char* name = work + pos;
    if (length == 1 && name[0] == '.') {
      pos = end;
      continue;
    }
    if (length == 2 && name[0] == '.' && name[1] == '.') {
      at = parent_of(at);
      while (canon_length > 0 && canon[canon_length - 1] != '/')
        --canon_length;
      if (canon_length > 0)
        --canon_length;  // the slash
      pos = end;
      continue;
    }
    Location next{nullptr, {}};
    if (at.node != nullptr) {
      LockGuard guard(tree_lock());
      Node* c = child(*at.node, name, length);
      if (c == nullptr)
        return -abi::kENOENT;
      if (c->proc_mount) {
        next.proc = procfs::root();
      } else {
        next.node = c;
      }
    } else {
      const int r = procfs::lookup(at.proc, name, length, next.proc);
      if (r != 0)
        return r;
    }
    if (is_symlink(next) && (!last || trailing_slash || follow == Follow::kAll)) {
      if (++links > kMaxLinks)
        return -abi::kELOOP;
      char target[kMaxPathBytes];
      const int64_t target_length = target_of(next, target);
      if (target_length < 0)
        return static_cast<int>(target_length);
      // The new path: the target (from the link's directory when
      // relative), then what followed the link.
      char rebuilt[kMaxPathBytes];
      size_t n = 0;
      const size_t rest_length = strlen(work + end);
      const size_t needed = (target[0] == '/' ? 0 : canon_length + 1) +
                            static_cast<size_t>(target_length) + rest_length + 1;
      if (needed > kMaxPathBytes)
        return -abi::kENAMETOOLONG;
      if (target[0] != '/') {
        memcpy(rebuilt, canon, canon_length);
        n = canon_length;
        rebuilt[n++] = '/';
      }
      memcpy(rebuilt + n, target, static_cast<size_t>(target_length));
      n += static_cast<size_t>(target_length);
      memcpy(rebuilt + n, work + end, rest_length + 1);
      memcpy(work, rebuilt, n + rest_length + 1);
      goto restart;
    }
    if (canon_length + 1 + length + 1 > kMaxPathBytes)
      return -abi::kENAMETOOLONG;
    canon[canon_length++] = '/';
    memcpy(canon + canon_length, name, length);
    canon_length += length;
    at = next;
    pos = end;
  }
  if (trailing_slash && !is_directory(at))
    return -abi::kENOTDIR;
  out = at;
  if (canonical != nullptr) {
    if (canon_length == 0)
      canon[canon_length++] = '/';
    memcpy(canonical, canon, canon_length);
    canonical[canon_length] = '\0';
  }
  return 0;
}

LastName last_name_of(const char* path, size_t& begin, size_t& length) {
  size_t end = strlen(path);
  while (end > 1 && path[end - 1] == '/')
    --end;
  begin = end;
  while (begin > 0 && path[begin - 1] != '/')
    --begin;
  length = end - begin;
  if (length == 0)
    return LastName::kNone;
  if (length == 1 && path[begin] == '.')
    return LastName::kDot;
  if (length == 2 && path[begin] == '.' && path[begin + 1] == '.')
    return LastName::kDotDot;
  return LastName::kName;
}

int resolve_parent(const char* path, Node*& directory, char (&last)[kMaxNameBytes]) {
  size_t slash, name_length;
  if (last_name_of(path, slash, name_length) != LastName::kName)
    return -abi::kEEXIST;
  if (name_length + 1 > kMaxNameBytes)
    return -abi::kENAMETOOLONG;
  char directory_path[kMaxPathBytes];
  if (slash == 0) {
    directory_path[0] = '.';
    directory_path[1] = '\0';
  } else {
    memcpy(directory_path, path, slash);
    directory_path[slash] = '\0';
  }
  Location where;
  const int r = resolve(directory_path, Follow::kAll, where);
  if (r != 0)
    return r;
  if (!is_directory(where))
    return -abi::kENOTDIR;
  if (where.node == nullptr)
    return -abi::kEACCES;
  directory = where.node;
  memcpy(last, path + slash, name_length);
  last[name_length] = '\0';
  return 0;
}

}  // namespace kernel::fs
