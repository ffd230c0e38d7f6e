// Path lookup: from an absolute path to what it names, through the tree's
// directories and symbolic links and into /proc. Relative paths are made
// absolute by the caller (join) against the working directory or a
// directory descriptor's path.
#pragma once

#include <stddef.h>

#include "fs/procfs.h"
#include "fs/tree.h"

namespace kernel::fs {

// What a path names: a node of the tree, or an entry of /proc.
struct Location {
  Node* node;          // null for a /proc entry
  procfs::Entry proc;  // when node is null
};

enum class Follow { kAll, kNotLast };  // symbolic links: all, or not the last component

// 0, or -ENOENT, -ENOTDIR, -ELOOP, -ENAMETOOLONG as Linux.
// The node found is not held: only the kernel lock (proc/kernel_lock.h),
// which the caller holds until it blocks or returns, keeps another CPU
// from unlinking and freeing it before the caller opens it (fs::opened);
// finer locking must take the open reference under tree_lock(). `canonical`,
// when given (kMaxPathBytes), receives the path without ".", ".." or links
// on the way (the last component stays a link with Follow::kNotLast).
int resolve(const char* path, Follow follow, Location& out, char* canonical = nullptr);

// The last component of `path` (trailing slashes ignored): a name, "." or
// "..", or none ("/"); `begin` and `length` say where the name lies.
enum class LastName { kName, kDot, kDotDot, kNone };
LastName last_name_of(const char* path, size_t& begin, size_t& length);

// The directory holding the last component of `path` and that component
// (for create, unlink, rename, mkdir); the component may or may not exist.
// -EEXIST when it is "." or ".." (or the path is "/"), -ENOENT or -ENOTDIR
// for the way there, -EACCES for a directory of /proc.
int resolve_parent(const char* path, Node*& directory, char (&last)[kMaxNameBytes]);

// `base` (absolute) joined with `path` (relative, or absolute: then alone)
// into out (kMaxPathBytes): 0 or -ENAMETOOLONG.
int join(const char* base, const char* path, char* out);

bool is_directory(const Location& where);
bool is_symlink(const Location& where);

}  // namespace kernel::fs
