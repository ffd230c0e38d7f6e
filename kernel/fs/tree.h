// The file tree: directories, regular files and symbolic links. Built at
// boot from the initramfs (read-only: its files are read in place), with a
// small writable RAM file system at /tmp, the mount point of /proc
// (fs/procfs.h serves what lies below it), and /dev/null and /dev/zero.
// Nodes come from a static pool.
//
// Locking: tree_lock() protects every node (the tree's shape, names, the
// RAM file system's data and sizes, open counts). Each function here takes
// it itself; nothing blocks while holding it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/spinlock.h"

namespace kernel::fs {

inline constexpr size_t kMaxNameBytes = 64;   // a component, with its NUL
inline constexpr size_t kMaxPathBytes = 256;  // a whole path, with its NUL
// What the RAM file system may hold in all (its files' bytes).
inline constexpr uint64_t kRamBytesLimit = 16ull << 20;

// st_mode's type bits.
inline constexpr uint32_t kModeTypeMask = 0170000, kModeDirectory = 0040000, kModeRegular = 0100000,
                          kModeSymlink = 0120000, kModeCharacterDevice = 0020000;

// The character devices of /dev (Linux's mem devices 1:3 and 1:5).
enum class Device : uint8_t { kNone, kNull, kZero };

struct Node {
  char name[kMaxNameBytes];
  uint32_t mode;  // type and permission bits, as st_mode
  uint64_t inode;
  Node* parent;  // the root is its own parent
  Node* first_child;
  Node* next_sibling;
  const uint8_t* data;  // contents (a link: its target); null when empty
  uint64_t size;
  uint64_t capacity;    // bytes owned at `data` (RAM file system), 0 if read in place
  bool writable;        // in the RAM file system
  bool proc_mount;      // /proc: fs/procfs.h answers below it
  Device device;        // /dev/null, /dev/zero: reads and writes go to it
  bool unlinked;        // removed from the tree while still open
  uint32_t open_count;  // open files that refer to it
  int64_t modified_ns;  // REALTIME of the last change
};

Spinlock& tree_lock();

// Builds the tree from the initramfs (after initramfs::init): every file
// under its path, the directories along the way, /tmp and /proc.
void build();
Node* root();
int node_count();
int node_limit();             // the table's size: nodes in all
uint64_t ram_bytes_in_use();  // what the RAM file system's files hold

bool is_directory(const Node& node);
bool is_symlink(const Node& node);
bool is_regular(const Node& node);

// Whether NUL-terminated `name` is the `other_length` bytes at `other`.
bool same_name(const char* name, const char* other, size_t other_length);

// The child of `directory` called `name` (length `length`), or null. The
// caller holds tree_lock().
Node* child(Node& directory, const char* name, size_t length);
// The `index`th child (getdents), or null past the last. Caller holds the lock.
Node* child_at(Node& directory, uint64_t index);

// The RAM file system (nodes with `writable`); each returns 0 or -errno
// and takes tree_lock() itself.
// Creates a regular file or a directory called `name` in `directory`.
int create(Node& directory, const char* name, uint32_t mode, Node*& out);
int unlink(Node& directory, const char* name, bool directory_wanted);
int rename(Node& from_directory, const char* from_name, Node& to_directory, const char* to_name);
int truncate(Node& file, uint64_t size);
// Reads or writes at `offset`; the byte count or -errno.
int64_t read_at(Node& file, uint8_t* buffer, uint64_t size, uint64_t offset);
int64_t write_at(Node& file, const uint8_t* buffer, uint64_t size, uint64_t offset);

// Open files hold their node: an unlinked node is freed at its last close.
void opened(Node& node);
void closed(Node& node);

// The path of `node` from the root into `out` (kMaxPathBytes).
void path_of(const Node& node, char* out);

}  // namespace kernel::fs
