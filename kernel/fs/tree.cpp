#include "fs/tree.h"

#include "console/print.h"
#include "fs/initramfs.h"
#include "mm/heap.h"
#include "time/tick.h"
#include "vdso/abi/linux.h"

extern "C" void* memcpy(void*, const void*, size_t);
extern "C" size_t strlen(const char*);
extern "C" void* memset(void*, int, size_t);

namespace abi = vdso::abi;
namespace kernel::fs {
namespace {

constexpr int kMaxNodes = 2048;
Node nodes[kMaxNodes];
Node* free_list = nullptr;
int used_nodes = 0;
uint64_t next_inode = 2;  // the root is 1
uint64_t ram_bytes = 0;   // what the RAM file system's files hold
Node* root_node = nullptr;
Spinlock lock;

// A new node linked as the first child of `parent` (null: the root).
Node* allocate(Node* parent, const char* name, size_t length, uint32_t mode) {
  if (free_list == nullptr || length + 1 > kMaxNameBytes)
    return nullptr;
  Node* node = free_list;
  free_list = node->next_sibling;
  ++used_nodes;
  memset(node, 0, sizeof(Node));
  memcpy(node->name, name, length);
  node->mode = mode;
  node->inode = parent == nullptr ? 1 : next_inode++;
  node->parent = parent == nullptr ? node : parent;
  node->modified_ns = tick::realtime_ns();
  if (parent != nullptr) {
    node->writable = parent->writable;
    node->next_sibling = parent->first_child;
    parent->first_child = node;
  }
  return node;
}

void release_data(Node& node) {
  if (node.capacity != 0) {
    heap::free(const_cast<uint8_t*>(node.data));
    ram_bytes -= node.size;
  }
  node.data = nullptr;
  node.size = node.capacity = 0;
}

void free_node(Node& node) {
  release_data(node);
  node.mode = 0;
  node.next_sibling = free_list;
  free_list = &node;
  --used_nodes;
}

void detach(Node& node) {
  Node* parent = node.parent;
  for (Node** link = &parent->first_child; *link != nullptr; link = &(*link)->next_sibling) {
    if (*link == &node) {
      *link = node.next_sibling;
      break;
    }
  }
  node.next_sibling = nullptr;
}

// Finds or makes the directory chain of `path` (length bytes, no leading
// slash) below the root; the last component too when `whole`.
Node* make_directories(const char* path, size_t length) {
  Node* at = root_node;
  size_t begin = 0;
  while (begin < length) {
    size_t end = begin;
    while (end < length && path[end] != '/')
      ++end;
    if (end > begin && !(end - begin == 1 && path[begin] == '.')) {
      Node* next = child(*at, path + begin, end - begin);
      if (next == nullptr)
        next = allocate(at, path + begin, end - begin, kModeDirectory | 0755);
      if (next == nullptr || !is_directory(*next))
        return nullptr;
      at = next;
    }
    begin = end + 1;
  }
  return at;
}

// What the initramfs put below /tmp (vdso-kernel-run --add FILE=/tmp/...)
// joins the RAM file system: writable, its files copied into the heap (a
// file that does not fit in the RAM file system's 16 MiB stays read-only).
void make_writable(Node& node) {
  if (is_regular(node) && node.size != 0 && node.capacity == 0) {
    auto* copy = node.size <= kRamBytesLimit - ram_bytes
                     ? static_cast<uint8_t*>(heap::allocate(node.size))
                     : nullptr;
    if (copy == nullptr)
      return;
    memcpy(copy, node.data, node.size);
    node.data = copy;
    node.capacity = node.size;
    ram_bytes += node.size;
  }
  node.writable = true;
  for (Node* c = node.first_child; c != nullptr; c = c->next_sibling)
    make_writable(*c);
}

struct DeviceName {
  const char* name;
  Device device;
};

}  // namespace

Spinlock& tree_lock() {
  return lock;
}

void build() {
  LockGuard guard(lock);
  for (int i = kMaxNodes - 1; i >= 0; --i) {
    nodes[i].next_sibling = free_list;
    free_list = &nodes[i];
  }
  root_node = allocate(nullptr, "", 0, kModeDirectory | 0755);
  int skipped = 0;
  for (int i = 0; i < initramfs::file_count(); ++i) {
    const char* name;
    uint64_t length;
    initramfs::File file;
    initramfs::entry(i, name, length, file);
    while (length > 0 && name[length - 1] == '/')
      --length;
    size_t slash = length;
    while (slash > 0 && name[slash - 1] != '/')
      --slash;
    Node* directory = make_directories(name, slash);
    if (directory == nullptr || length == slash) {
      ++skipped;
      continue;
    }
    const char* base = name + slash;
    const size_t base_length = length - slash;
    Node* existing = child(*directory, base, base_length);
    if (existing != nullptr) {
      // A directory named twice (an explicit entry after its files) keeps
      // its children and takes the archive's mode; a file or link named
      // again is replaced by the later entry, as Linux unpacks an
      // initramfs (vdso-kernel-run's --add over a busybox applet's link).
      const bool directory_entry = (file.mode & kModeTypeMask) == kModeDirectory;
      if (is_directory(*existing) != directory_entry) {
        ++skipped;
      } else {
        existing->mode = file.mode;
        if (!directory_entry) {
          existing->data = file.data;
          existing->size = file.size;
        }
      }
      continue;
    }
    Node* node = allocate(directory, base, base_length, file.mode);
    if (node == nullptr) {
      ++skipped;
      continue;
    }
    if (!is_directory(*node)) {
      node->data = file.data;
      node->size = file.size;
    }
  }
  Node* tmp = make_directories("tmp", 3);
  if (tmp != nullptr) {
    tmp->mode = kModeDirectory | 01777;
    make_writable(*tmp);
  }
  Node* proc = make_directories("proc", 4);
  if (proc != nullptr) {
    proc->mode = kModeDirectory | 0555;
    proc->proc_mount = true;
  }
  Node* dev = make_directories("dev", 3);
  if (dev != nullptr) {
    static constexpr DeviceName kDevices[] = {{"null", Device::kNull}, {"zero", Device::kZero}};
    for (const DeviceName& d : kDevices) {
      if (child(*dev, d.name, strlen(d.name)) != nullptr)
        continue;
      Node* node = allocate(dev, d.name, strlen(d.name), kModeCharacterDevice | 0666);
      if (node != nullptr)
        node->device = d.device;
    }
  }
  if (skipped != 0)
    kprint("fs: %d initramfs entries not in the tree (name too long, clash or no room)\n", skipped);
  kprint("fs: %d nodes; /tmp is a RAM file system (%lu MiB), /proc is procfs\n", used_nodes,
         kRamBytesLimit >> 20);
}

Node* root() {
  return root_node;
}

int node_count() {
  return used_nodes;
}

int node_limit() {
  return kMaxNodes;
}

uint64_t ram_bytes_in_use() {
  LockGuard guard(lock);
  return ram_bytes;
}

bool is_directory(const Node& node) {
  return (node.mode & kModeTypeMask) == kModeDirectory;
}
bool is_symlink(const Node& node) {
  return (node.mode & kModeTypeMask) == kModeSymlink;
}
bool is_regular(const Node& node) {
  return (node.mode & kModeTypeMask) == kModeRegular;
}

bool same_name(const char* name, const char* other, size_t other_length) {
  for (size_t i = 0; i < other_length; ++i) {
    if (name[i] != other[i])
      return false;
  }
  return name[other_length] == '\0';
}

Node* child(Node& directory, const char* name, size_t length) {
  for (Node* c = directory.first_child; c != nullptr; c = c->next_sibling) {
    if (same_name(c->name, name, length))
      return c;
  }
  return nullptr;
}

Node* child_at(Node& directory, uint64_t index) {
  Node* c = directory.first_child;
  for (; c != nullptr && index > 0; --index)
    c = c->next_sibling;
  return c;
}

int create(Node& directory, const char* name, uint32_t mode, Node*& out) {
  LockGuard guard(lock);
  const size_t length = strlen(name);
  if (child(directory, name, length) != nullptr)
    return -abi::kEEXIST;  // before EROFS, as Linux
  if (!directory.writable)
    return -abi::kEROFS;
  if (length + 1 > kMaxNameBytes)
    return -abi::kENAMETOOLONG;
  out = allocate(&directory, name, length, mode);
  if (out == nullptr)
    return -abi::kENOSPC;
  directory.modified_ns = out->modified_ns;
  return 0;
}

int unlink(Node& directory, const char* name, bool directory_wanted) {
  LockGuard guard(lock);
  Node* node = child(directory, name, strlen(name));
  if (node == nullptr)
    return -abi::kENOENT;
  if (!directory.writable)
    return -abi::kEROFS;
  if (directory_wanted != is_directory(*node))
    return directory_wanted ? -abi::kENOTDIR : -abi::kEISDIR;
  if (directory_wanted && node->first_child != nullptr)
    return -abi::kENOTEMPTY;
  detach(*node);
  directory.modified_ns = tick::realtime_ns();
  if (node->open_count == 0) {
    free_node(*node);
  } else {
    node->unlinked = true;
  }
  return 0;
}

int rename(Node& from_directory, const char* from_name, Node& to_directory, const char* to_name) {
  LockGuard guard(lock);
  Node* node = child(from_directory, from_name, strlen(from_name));
  if (node == nullptr)
    return -abi::kENOENT;
  if (!from_directory.writable || !to_directory.writable)
    return -abi::kEROFS;  // also across the RAM file system's edge, where Linux says EXDEV
  const size_t to_length = strlen(to_name);
  if (to_length + 1 > kMaxNameBytes)
    return -abi::kENAMETOOLONG;
  for (const Node* up = &to_directory;; up = up->parent) {
    if (up == node)
      return -abi::kEINVAL;  // into itself
    if (up == up->parent)
      break;
  }
  Node* target = child(to_directory, to_name, to_length);
  if (target == node)
    return 0;
  if (target != nullptr) {
    if (is_directory(*node) != is_directory(*target))
      return is_directory(*node) ? -abi::kENOTDIR : -abi::kEISDIR;
    if (is_directory(*target) && target->first_child != nullptr)
      return -abi::kENOTEMPTY;
    detach(*target);
    if (target->open_count == 0) {
      free_node(*target);
    } else {
      target->unlinked = true;
    }
  }
  detach(*node);
  memset(node->name, 0, sizeof(node->name));
  memcpy(node->name, to_name, to_length);
  node->parent = &to_directory;
  node->next_sibling = to_directory.first_child;
  to_directory.first_child = node;
  from_directory.modified_ns = to_directory.modified_ns = tick::realtime_ns();
  return 0;
}

namespace {

// Makes room for `size` bytes in a RAM file (zero-filling any growth).
int resize(Node& file, uint64_t size) {
  if (!file.writable)
    return -abi::kEROFS;
  if (size > file.size && size - file.size > kRamBytesLimit - ram_bytes)
    return -abi::kENOSPC;
  if (size > file.capacity) {
    uint64_t capacity = file.capacity < 256 ? 256 : file.capacity;
    while (capacity < size)
      capacity *= 2;
    auto* data = static_cast<uint8_t*>(heap::allocate(capacity));
    if (data == nullptr)
      return -abi::kENOSPC;
    if (file.size != 0)
      memcpy(data, file.data, file.size);
    if (file.capacity != 0)
      heap::free(const_cast<uint8_t*>(file.data));
    file.data = data;
    file.capacity = capacity;
  }
  if (size > file.size)
    memset(const_cast<uint8_t*>(file.data) + file.size, 0, size - file.size);
  ram_bytes = ram_bytes - file.size + size;
  file.size = size;
  file.modified_ns = tick::realtime_ns();
  return 0;
}

}  // namespace

int truncate(Node& file, uint64_t size) {
  LockGuard guard(lock);
  if (is_directory(file))
    return -abi::kEISDIR;
  return resize(file, size);
}

int64_t read_at(Node& file, uint8_t* buffer, uint64_t size, uint64_t offset) {
  LockGuard guard(lock);
  if (is_directory(file))
    return -abi::kEISDIR;
  if (file.device == Device::kNull)
    return 0;
  if (file.device == Device::kZero) {
    memset(buffer, 0, size);
    return static_cast<int64_t>(size);
  }
  if (offset >= file.size)
    return 0;
  const uint64_t n = size < file.size - offset ? size : file.size - offset;
  memcpy(buffer, file.data + offset, n);
  return static_cast<int64_t>(n);
}

int64_t write_at(Node& file, const uint8_t* buffer, uint64_t size, uint64_t offset) {
  LockGuard guard(lock);
  if (is_directory(file))
    return -abi::kEISDIR;
  if (file.device != Device::kNone)
    return static_cast<int64_t>(size);  // swallowed
  if (!file.writable)
    return -abi::kEROFS;
  if (offset > kRamBytesLimit || size > kRamBytesLimit - offset)
    return -abi::kEFBIG;
  if (offset + size > file.size) {
    const int r = resize(file, offset + size);
    if (r != 0)
      return r;
  }
  memcpy(const_cast<uint8_t*>(file.data) + offset, buffer, size);
  file.modified_ns = tick::realtime_ns();
  return static_cast<int64_t>(size);
}

void opened(Node& node) {
  LockGuard guard(lock);
  ++node.open_count;
}

void closed(Node& node) {
  LockGuard guard(lock);
  if (--node.open_count == 0 && node.unlinked)
    free_node(node);
}

void path_of(const Node& node, char* out) {
  // Components from the node up, then reversed into place.
  const Node* chain[kMaxPathBytes / 2];
  int depth = 0;
  for (const Node* n = &node; n->parent != n && depth < static_cast<int>(kMaxPathBytes / 2);
       n = n->parent)
    chain[depth++] = n;
  size_t at = 0;
  if (depth == 0)
    out[at++] = '/';
  for (int i = depth - 1; i >= 0; --i) {
    const size_t n = strlen(chain[i]->name);
    if (at + 1 + n + 1 > kMaxPathBytes)
      break;
    out[at++] = '/';
    memcpy(out + at, chain[i]->name, n);
    at += n;
  }
  out[at] = '\0';
}

}  // namespace kernel::fs
