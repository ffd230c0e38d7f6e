// The file system's calls: opening paths, their metadata, directories and
// their entries, the working directory, symbolic links, and changes to the
// RAM file system at /tmp (the rest of the tree is read-only: EROFS).
// Every path is made absolute here (against the working directory or a
// directory descriptor) and looked up by fs/lookup.h; errors are Linux's.
#include "fs/file.h"
#include "fs/lookup.h"
#include "proc/process.h"
#include "proc/user_memory.h"
#include "syscall/descriptors.h"
#include "syscall/syscall.h"
#include "time/tick.h"
#include "vdso/abi/linux.h"
#include "vdso/abi/time.h"
#include "vdso/system_info.h"

extern "C" void* memcpy(void*, const void*, size_t);
extern "C" size_t strlen(const char*);

namespace abi = vdso::abi;
namespace kernel::syscall {
namespace {

constexpr int kAtFdCwd = -100;
constexpr uint64_t kAtSymlinkNofollow = 0x100, kAtRemovedir = 0x200, kAtNoAutomount = 0x800,
                   kAtEmptyPath = 0x1000, kAtStatxSyncType = 0x6000;
constexpr uint64_t kRenameNoreplace = 1;
constexpr uint64_t kSeekSet = 0, kSeekCur = 1, kSeekEnd = 2;
constexpr uint64_t kAccessExecute = 1, kAccessWrite = 2, kAccessRead = 4;
constexpr uint8_t kDtDirectory = 4, kDtRegular = 8, kDtLink = 10, kDtCharacter = 2;
// st_dev of each file system: the initramfs, the RAM file system, /proc.
constexpr uint64_t kDevRoot = 1, kDevRam = 2, kDevProc = 3;

// struct stat on x86_64 (arch/x86/include/uapi/asm/stat.h).
struct Stat {
  uint64_t dev, ino, nlink;
  uint32_t mode, uid, gid, pad0;
  uint64_t rdev;
  int64_t size, blksize, blocks;
  int64_t atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
  int64_t reserved[3];
};
static_assert(sizeof(Stat) == 144);

void set_times(Stat& st, int64_t realtime_ns) {
  st.atime = st.mtime = st.ctime = realtime_ns / 1'000'000'000;
  st.atime_nsec = st.mtime_nsec = st.ctime_nsec = realtime_ns % 1'000'000'000;
}

Stat stat_of(const fs::Location& where) {
  Stat st{};
  st.blksize = 4096;
  if (where.node != nullptr) {
    LockGuard guard(fs::tree_lock());
    const fs::Node& n = *where.node;
    st.dev = n.writable ? kDevRam : kDevRoot;
    st.ino = n.inode;
    st.mode = n.mode;
    st.nlink = fs::is_directory(n) ? 2 : 1;
    st.size = fs::is_directory(n) ? 4096 : static_cast<int64_t>(n.size);
    st.blocks = (st.size + 511) / 512;
    if (n.device != fs::Device::kNone) {
      st.dev = kDevRoot;
      st.size = st.blocks = 0;
      st.rdev = (1 << 8) | (n.device == fs::Device::kNull ? 3 : 5);  // mem's null, zero
    }
    set_times(st, n.modified_ns);
    return st;
  }
  st.dev = kDevProc;
  st.ino = fs::procfs::inode(where.proc);
  st.mode = fs::procfs::mode(where.proc);
  st.nlink = fs::procfs::is_directory(where.proc) ? 2 : 1;
  set_times(st, tick::realtime_ns());
  return st;
}

Stat stat_of(const fs::File& file) {
  if (file.kind == fs::File::Kind::kNode || file.kind == fs::File::Kind::kProc)
    return stat_of(fs::Location{file.node, file.proc});
  Stat st{};
  st.nlink = 1;
  if (fs::is_pipe(file)) {
    char name[32];
    fs::describe(file, name, sizeof(name));  // "pipe:[N]": N is the inode
    uint64_t inode = 0;
    for (const char* c = name; *c != '\0'; ++c) {
      if (*c >= '0' && *c <= '9')
        inode = inode * 10 + static_cast<uint64_t>(*c - '0');
    }
    st.dev = 12;
    st.ino = inode;
    st.mode = 0010600;  // S_IFIFO | rw-------
    st.blksize = fs::kPipeBytes;
  } else {
    st.dev = 5;
    st.ino = 1;
    st.mode = 0020620;        // S_IFCHR | rw--w----
    st.rdev = (4 << 8) | 64;  // ttyS0
    st.blksize = 1024;
  }
  return st;
}

// struct statfs on x86_64 (include/uapi/asm-generic/statfs.h, 64-bit).
struct Statfs {
  int64_t type, block_size;
  uint64_t blocks, blocks_free, blocks_available, files, files_free;
  int32_t fsid[2];
  int64_t name_length, fragment_size, flags;
  int64_t spare[4];
};
static_assert(sizeof(Statfs) == 120);

// What df shows of each file system, as Linux's ramfs (the read-only
// initramfs: no blocks counted, ST_RDONLY), tmpfs (its 16 MiB and its
// nodes) and proc report themselves.
Statfs statfs_of(const fs::Location& where) {
  constexpr int64_t kRamfsMagic = 0x858458f6, kTmpfsMagic = 0x01021994, kProcMagic = 0x9fa0;
  constexpr int64_t kStReadOnly = 1, kBlockBytes = 4096;
  Statfs s{};
  s.block_size = s.fragment_size = kBlockBytes;
  s.name_length = fs::kMaxNameBytes - 1;
  if (where.node == nullptr) {
    s.type = kProcMagic;
    s.fsid[0] = static_cast<int32_t>(kDevProc);
    return s;
  }
  bool writable;
  {
    LockGuard guard(fs::tree_lock());
    writable = where.node->writable;
  }
  if (!writable) {
    s.type = kRamfsMagic;
    s.fsid[0] = static_cast<int32_t>(kDevRoot);
    s.flags = kStReadOnly;
    return s;
  }
  const uint64_t used_blocks = (fs::ram_bytes_in_use() + kBlockBytes - 1) / kBlockBytes;
  s.type = kTmpfsMagic;
  s.fsid[0] = static_cast<int32_t>(kDevRam);
  s.blocks = fs::kRamBytesLimit / kBlockBytes;
  s.blocks_free = s.blocks_available = s.blocks > used_blocks ? s.blocks - used_blocks : 0;
  s.files = static_cast<uint64_t>(fs::node_limit());
  s.files_free = static_cast<uint64_t>(fs::node_limit() - fs::node_count());
  return s;
}

// The absolute form of the user's `path` as seen from `dirfd`. An empty
// path is ENOENT unless `empty_ok` (AT_EMPTY_PATH: then out is "").
int64_t absolute_path(int dirfd, uint64_t user_path, char* out, bool empty_ok = false) {
  char path[fs::kMaxPathBytes];
  const int64_t length = proc::copy_string_from_user(path, sizeof(path), user_path);
  if (length < 0)
    return length;
  if (length == 0) {
    if (!empty_ok)
      return -abi::kENOENT;
    out[0] = '\0';
    return 0;
  }
  const char* base = proc::current().fs.working_directory;
  if (path[0] != '/' && dirfd != kAtFdCwd) {
    fs::File* directory = file_of(static_cast<uint64_t>(static_cast<uint32_t>(dirfd)));
    if (dirfd < 0 || directory == nullptr)
      return -abi::kEBADF;
    if (!fs::is_directory(*directory))
      return -abi::kENOTDIR;
    base = directory->path;
  }
  return fs::join(base, path, out);
}

// What the user's `path` (seen from `dirfd`) names: 0 or -errno.
int64_t locate(int dirfd, uint64_t user_path, fs::Follow follow, fs::Location& where) {
  char path[fs::kMaxPathBytes];
  const int64_t r = absolute_path(dirfd, user_path, path);
  return r != 0 ? r : fs::resolve(path, follow, where);
}

// Whether a path names its last component with a slash after it ("f/"),
// which Linux reads as "this must be a directory".
bool ends_in_slash(const char* path) {
  const size_t length = strlen(path);
  return length > 1 && path[length - 1] == '/';
}

int64_t do_open(int dirfd, uint64_t user_path, uint64_t flags, uint64_t mode) {
  char path[fs::kMaxPathBytes], canonical[fs::kMaxPathBytes];
  int64_t r = absolute_path(dirfd, user_path, path);
  if (r != 0)
    return r;
  const uint32_t access = flags & fs::kOpenAccessMask;
  const bool writes = access == fs::kOpenWriteOnly || access == fs::kOpenReadWrite;
  fs::Location where{};
  r = fs::resolve(path, (flags & fs::kOpenNoFollow) ? fs::Follow::kNotLast : fs::Follow::kAll,
                  where, canonical);
  if (r == 0 && (flags & fs::kOpenCreate) && (flags & fs::kOpenExclusive))
    return -abi::kEEXIST;
  if (r == -abi::kENOENT && (flags & fs::kOpenCreate) && ends_in_slash(path))
    return -abi::kEISDIR;  // O_CREAT makes no directory
  if (r == -abi::kENOENT && (flags & fs::kOpenCreate)) {
    fs::Node* directory;
    char name[fs::kMaxNameBytes];
    r = fs::resolve_parent(path, directory, name);
    if (r != 0)
      return r == -abi::kEEXIST ? -abi::kEISDIR : r;
    const uint32_t permissions = static_cast<uint32_t>(mode) & 07777 & ~proc::current().fs.umask;
    fs::Node* created;
    r = fs::create(*directory, name, fs::kModeRegular | permissions, created);
    if (r != 0)
      return r;
    where = fs::Location{created, {}};
    fs::path_of(*created, canonical);
  } else if (r != 0) {
    return r;
  }
  if (fs::is_symlink(where))
    return -abi::kELOOP;  // O_NOFOLLOW on a link
  const bool directory = fs::is_directory(where);
  if ((flags & fs::kOpenDirectory) && !directory)
    return -abi::kENOTDIR;
  if (!(flags & fs::kOpenPath) && writes) {
    if (directory)
      return -abi::kEISDIR;
    if (where.node == nullptr)
      return -abi::kEACCES;  // /proc's files are read-only (0444)
    if (!where.node->writable && where.node->device == fs::Device::kNone)
      return -abi::kEROFS;
  }
  if ((flags & fs::kOpenTruncate) && writes && where.node != nullptr &&
      where.node->device == fs::Device::kNone) {
    r = fs::truncate(*where.node, 0);
    if (r != 0)
      return r;
  }
  const int fd = lowest_free_fd(0);
  if (fd < 0)
    return fd;
  fs::File* file;
  r = fs::open_location(where.node, where.proc, canonical, static_cast<uint32_t>(flags), file);
  if (r != 0)
    return r;
  install(fd, file, flags & fs::kOpenCloexec);
  return fd;
}

int64_t do_stat(int dirfd, uint64_t user_path, uint64_t user_stat, uint64_t flags) {
  if (flags & ~(kAtSymlinkNofollow | kAtNoAutomount | kAtEmptyPath))
    return -abi::kEINVAL;
  char path[fs::kMaxPathBytes];
  const int64_t r = absolute_path(dirfd, user_path, path, flags & kAtEmptyPath);
  if (r != 0)
    return r;
  Stat st;
  if (path[0] == '\0') {
    fs::File* file = dirfd == kAtFdCwd ? nullptr : file_of(static_cast<uint32_t>(dirfd));
    if (dirfd == kAtFdCwd) {
      fs::Location cwd;
      const int c = fs::resolve(proc::current().fs.working_directory, fs::Follow::kAll, cwd);
      if (c != 0)
        return c;
      st = stat_of(cwd);
    } else if (file == nullptr) {
      return -abi::kEBADF;
    } else {
      st = stat_of(*file);
    }
  } else {
    fs::Location where;
    const int found = fs::resolve(
        path, (flags & kAtSymlinkNofollow) ? fs::Follow::kNotLast : fs::Follow::kAll, where);
    if (found != 0)
      return found;
    st = stat_of(where);
    if (fs::is_symlink(where) && where.node != nullptr)
      st.size = static_cast<int64_t>(where.node->size);
  }
  return proc::write_user(user_stat, st) == 0 ? 0 : -abi::kEFAULT;
}

int64_t do_readlink(int dirfd, uint64_t user_path, uint64_t buffer, uint64_t size) {
  if (static_cast<int64_t>(size) <= 0)
    return -abi::kEINVAL;
  fs::Location where;
  const int64_t r = locate(dirfd, user_path, fs::Follow::kNotLast, where);
  if (r != 0)
    return r;
  if (!fs::is_symlink(where))
    return -abi::kEINVAL;
  char target[fs::kMaxPathBytes];
  int64_t length;
  if (where.node != nullptr) {
    LockGuard guard(fs::tree_lock());
    length = static_cast<int64_t>(where.node->size);
    memcpy(target, where.node->data, where.node->size);
  } else {
    length = fs::procfs::link_target(where.proc, target);
    if (length < 0)
      return length;
  }
  const uint64_t n = static_cast<uint64_t>(length) < size ? static_cast<uint64_t>(length) : size;
  return proc::copy_to_user(buffer, target, n) == 0 ? static_cast<int64_t>(n) : -abi::kEFAULT;
}

int64_t do_access(int dirfd, uint64_t user_path, uint64_t mode, uint64_t flags) {
  if (mode & ~uint64_t{7})
    return -abi::kEINVAL;
  char path[fs::kMaxPathBytes];
  int64_t r = absolute_path(dirfd, user_path, path, flags & kAtEmptyPath);
  if (r != 0)
    return r;
  fs::Location where;
  r = fs::resolve(path, (flags & kAtSymlinkNofollow) ? fs::Follow::kNotLast : fs::Follow::kAll,
                  where);
  if (r != 0)
    return r;
  const Stat st = stat_of(where);
  // Root passes read and write checks; execute needs an x bit (or a
  // directory), and writing needs a writable file system.
  if ((mode & kAccessWrite) && where.node != nullptr && !where.node->writable &&
      where.node->device == fs::Device::kNone)
    return -abi::kEROFS;
  if ((mode & kAccessExecute) && (st.mode & 0111) == 0)
    return -abi::kEACCES;
  (void)kAccessRead;
  return 0;
}

// The directory that holds the user path's last name, and that name
// (mkdir, unlink, rmdir): 0 or -errno. `path` gets the absolute path.
int64_t parent_of_user_path(int dirfd, uint64_t user_path, fs::Node*& directory,
                            char (&name)[fs::kMaxNameBytes], char (&path)[fs::kMaxPathBytes]) {
  const int64_t r = absolute_path(dirfd, user_path, path);
  if (r != 0)
    return r;
  return fs::resolve_parent(path, directory, name);
}

// A name with a slash after it must be a directory (or be missing, where
// the call may make one): ENOTDIR for "f/" when f is a file.
int64_t check_slash(const char* path) {
  if (!ends_in_slash(path))
    return 0;
  fs::Location where;
  const int r = fs::resolve(path, fs::Follow::kAll, where);
  return r == -abi::kENOTDIR ? r : 0;
}

int64_t do_mkdir(int dirfd, uint64_t user_path, uint64_t mode) {
  fs::Node* directory;
  char name[fs::kMaxNameBytes], path[fs::kMaxPathBytes];
  int64_t r = parent_of_user_path(dirfd, user_path, directory, name, path);
  if (r != 0)
    return r;
  fs::Node* created;
  const uint32_t permissions = static_cast<uint32_t>(mode) & 07777 & ~proc::current().fs.umask;
  return fs::create(*directory, name, fs::kModeDirectory | permissions, created);
}

int64_t do_unlink(int dirfd, uint64_t user_path, bool directory_wanted) {
  fs::Node* directory;
  char name[fs::kMaxNameBytes], path[fs::kMaxPathBytes];
  int64_t r = parent_of_user_path(dirfd, user_path, directory, name, path);
  if (r == -abi::kEEXIST) {
    // ".", ".." or "/", as Linux answers each.
    if (!directory_wanted)
      return -abi::kEISDIR;
    size_t begin, length;
    switch (fs::last_name_of(path, begin, length)) {
      case fs::LastName::kDot: return -abi::kEINVAL;
      case fs::LastName::kDotDot: return -abi::kENOTEMPTY;
      case fs::LastName::kNone:
      case fs::LastName::kName: return -abi::kEBUSY;
    }
  }
  if (r == 0)
    r = check_slash(path);
  if (r != 0)
    return r;
  return fs::unlink(*directory, name, directory_wanted);
}

int64_t do_rename(int from_dirfd, uint64_t from_path, int to_dirfd, uint64_t to_path,
                  uint64_t flags = 0) {
  char from[fs::kMaxPathBytes], to[fs::kMaxPathBytes];
  int64_t r = absolute_path(from_dirfd, from_path, from);
  if (r == 0)
    r = absolute_path(to_dirfd, to_path, to);
  if (r == 0)
    r = check_slash(from);
  if (r == 0)
    r = check_slash(to);
  if (r != 0)
    return r;
  fs::Location source, target;
  if (fs::resolve(from, fs::Follow::kNotLast, source) == 0 && ends_in_slash(to) &&
      !fs::is_directory(source))
    return -abi::kENOTDIR;  // "x/" names a directory; the source is not one
  if ((flags & kRenameNoreplace) && fs::resolve(to, fs::Follow::kNotLast, target) == 0)
    return -abi::kEEXIST;
  fs::Node *from_directory, *to_directory;
  char from_name[fs::kMaxNameBytes], to_name[fs::kMaxNameBytes];
  r = fs::resolve_parent(from, from_directory, from_name);
  if (r == 0)
    r = fs::resolve_parent(to, to_directory, to_name);
  if (r == -abi::kEEXIST)
    return -abi::kEBUSY;
  if (r != 0)
    return r;
  return fs::rename(*from_directory, from_name, *to_directory, to_name);
}

// utimensat(2): a node keeps one time, its modification time (stat shows
// it as atime, mtime and ctime), so the mtime given (or now) is what
// changes; an atime alone changes nothing. EROFS outside /tmp, as a
// read-only mount answers; /proc's times are always now (EPERM).
int64_t do_utimensat(int dirfd, uint64_t user_path, uint64_t user_times, uint64_t flags) {
  constexpr int64_t kUtimeNow = (1 << 30) - 1, kUtimeOmit = (1 << 30) - 2;
  constexpr int64_t kMaxSeconds = INT64_MAX / vdso::abi::kNanosecondsPerSecond - 1;
  if (flags & ~(kAtSymlinkNofollow | kAtEmptyPath))
    return -abi::kEINVAL;
  abi::Timespec times[2] = {{0, kUtimeNow}, {0, kUtimeNow}};
  if (user_times != 0 && proc::read_user(user_times, times) != 0)
    return -abi::kEFAULT;
  fs::Location where;
  if (user_path == 0 && dirfd != kAtFdCwd) {
    // A null path is the descriptor itself (glibc's futimens); with
    // AT_FDCWD it is a path, and EFAULT, as Linux's do_utimes.
    fs::File* file = dirfd == kAtFdCwd ? nullptr : file_of(static_cast<uint32_t>(dirfd));
    if (file == nullptr)
      return -abi::kEBADF;
    if (file->kind != fs::File::Kind::kNode && file->kind != fs::File::Kind::kProc)
      return -abi::kEPERM;  // a pipe or the console: no time kept
    where = fs::Location{file->node, file->proc};
  } else {
    char path[fs::kMaxPathBytes];
    int64_t r = absolute_path(dirfd, user_path, path, flags & kAtEmptyPath);
    if (r != 0)
      return r;
    if (path[0] == '\0') {
      fs::File* file = dirfd == kAtFdCwd ? nullptr : file_of(static_cast<uint32_t>(dirfd));
      if (file == nullptr ||
          (file->kind != fs::File::Kind::kNode && file->kind != fs::File::Kind::kProc))
        return file == nullptr ? -abi::kEBADF : -abi::kEPERM;
      where = fs::Location{file->node, file->proc};
    } else {
      r = fs::resolve(path, (flags & kAtSymlinkNofollow) ? fs::Follow::kNotLast : fs::Follow::kAll,
                      where);
      if (r != 0)
        return r;
    }
  }
  // Linux judges the times once it has found the file (vfs_utimes).
  for (const abi::Timespec& t : times) {
    if (t.nsec != kUtimeNow && t.nsec != kUtimeOmit &&
        (t.nsec < 0 || t.nsec >= vdso::abi::kNanosecondsPerSecond))
      return -abi::kEINVAL;
  }
  if (times[0].nsec == kUtimeOmit && times[1].nsec == kUtimeOmit)
    return 0;
  if (where.node == nullptr)
    return -abi::kEPERM;
  if (!where.node->writable)
    return -abi::kEROFS;
  if (times[1].nsec == kUtimeOmit)
    return 0;
  int64_t modified_ns = tick::realtime_ns();
  if (times[1].nsec != kUtimeNow) {
    const int64_t sec = times[1].sec < -kMaxSeconds  ? -kMaxSeconds
                        : times[1].sec > kMaxSeconds ? kMaxSeconds
                                                     : times[1].sec;
    modified_ns = vdso::abi::ns_from_timespec({sec, times[1].nsec});
  }
  LockGuard guard(fs::tree_lock());
  where.node->modified_ns = modified_ns;
  return 0;
}

}  // namespace

namespace {

// chmod's change: the permission bits of a RAM file system node (sed -i
// and cp -p set them); EROFS on the read-only tree, EPERM in /proc.
int64_t change_mode(const fs::Location& where, uint64_t mode) {
  if (where.node == nullptr)
    return -abi::kEPERM;
  LockGuard guard(fs::tree_lock());
  if (!where.node->writable)
    return -abi::kEROFS;
  where.node->mode = (where.node->mode & fs::kModeTypeMask) | (static_cast<uint32_t>(mode) & 07777);
  return 0;
}

int64_t do_chmod(int dirfd, uint64_t user_path, uint64_t mode) {
  fs::Location where;
  const int64_t r = locate(dirfd, user_path, fs::Follow::kAll, where);
  return r != 0 ? r : change_mode(where, mode);
}

}  // namespace

int64_t sys_chmod(Frame& f) {
  return do_chmod(kAtFdCwd, arg0(f), arg1(f));
}

int64_t sys_fchmodat(Frame& f) {
  return do_chmod(static_cast<int>(arg0(f)), arg1(f), arg2(f));
}

int64_t sys_fchmod(Frame& f) {
  fs::File* file = file_of(arg0(f));
  if (file == nullptr)
    return -abi::kEBADF;
  if (file->kind != fs::File::Kind::kNode && file->kind != fs::File::Kind::kProc)
    return -abi::kEPERM;  // FIXME: a pipe's or the console's mode is not kept
  return change_mode(fs::Location{file->node, file->proc}, arg1(f));
}

int64_t sys_statfs(Frame& f) {
  fs::Location where;
  const int64_t r = locate(kAtFdCwd, arg0(f), fs::Follow::kAll, where);
  if (r != 0)
    return r;
  return proc::write_user(arg1(f), statfs_of(where)) == 0 ? 0 : -abi::kEFAULT;
}

int64_t sys_fstatfs(Frame& f) {
  fs::File* file = file_of(arg0(f));
  if (file == nullptr)
    return -abi::kEBADF;
  if (file->kind != fs::File::Kind::kNode && file->kind != fs::File::Kind::kProc)
    return -abi::kENOSYS;  // FIXME: pipefs and the console's devpts
  return proc::write_user(arg1(f), statfs_of(fs::Location{file->node, file->proc})) == 0
             ? 0
             : -abi::kEFAULT;
}

int64_t sys_utimensat(Frame& f) {
  return do_utimensat(static_cast<int>(arg0(f)), arg1(f), arg2(f), arg3(f));
}

int64_t sys_open(Frame& f) {
  return do_open(kAtFdCwd, arg0(f), arg1(f), arg2(f));
}

int64_t sys_openat(Frame& f) {
  return do_open(static_cast<int>(arg0(f)), arg1(f), arg2(f), arg3(f));
}

int64_t sys_creat(Frame& f) {
  return do_open(kAtFdCwd, arg0(f), fs::kOpenCreate | fs::kOpenWriteOnly | fs::kOpenTruncate,
                 arg1(f));
}

int64_t sys_stat(Frame& f) {
  return do_stat(kAtFdCwd, arg0(f), arg1(f), 0);
}

int64_t sys_lstat(Frame& f) {
  return do_stat(kAtFdCwd, arg0(f), arg1(f), kAtSymlinkNofollow);
}

int64_t sys_newfstatat(Frame& f) {
  return do_stat(static_cast<int>(arg0(f)), arg1(f), arg2(f), arg3(f));
}

int64_t sys_fstat(Frame& f) {
  fs::File* file = file_of(arg0(f));
  if (file == nullptr)
    return -abi::kEBADF;
  return proc::write_user(arg1(f), stat_of(*file)) == 0 ? 0 : -abi::kEFAULT;
}

int64_t sys_statx(Frame& f) {
  // struct statx (include/uapi/linux/stat.h), from the same Stat.
  struct Timestamp {
    int64_t seconds;
    uint32_t nanoseconds;
    int32_t reserved;
  };
  struct {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, spare0;
    uint64_t ino, size, blocks, attributes_mask;
    Timestamp atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
  } out{};
  static_assert(sizeof(out) == 256);
  constexpr uint32_t kStatxBasicStats = 0x7ff;
  const uint64_t user_stat = arg4(f);
  // Reuse do_stat through a kernel Stat: look up once more here.
  char path[fs::kMaxPathBytes];
  const int dirfd = static_cast<int>(arg0(f));
  const uint64_t flags = arg2(f);
  if (flags & ~(kAtSymlinkNofollow | kAtNoAutomount | kAtEmptyPath | kAtStatxSyncType))
    return -abi::kEINVAL;
  int64_t r = absolute_path(dirfd, arg1(f), path, flags & kAtEmptyPath);
  if (r != 0)
    return r;
  Stat st;
  if (path[0] == '\0') {
    fs::File* file = file_of(static_cast<uint32_t>(dirfd));
    if (file == nullptr)
      return -abi::kEBADF;
    st = stat_of(*file);
  } else {
    fs::Location where;
    r = fs::resolve(path, (flags & kAtSymlinkNofollow) ? fs::Follow::kNotLast : fs::Follow::kAll,
                    where);
    if (r != 0)
      return r;
    st = stat_of(where);
  }
  out.mask = kStatxBasicStats;
  out.blksize = static_cast<uint32_t>(st.blksize);
  out.nlink = static_cast<uint32_t>(st.nlink);
  out.mode = static_cast<uint16_t>(st.mode);
  out.ino = st.ino;
  out.size = static_cast<uint64_t>(st.size);
  out.blocks = static_cast<uint64_t>(st.blocks);
  out.atime = {st.atime, static_cast<uint32_t>(st.atime_nsec), 0};
  out.ctime = {st.ctime, static_cast<uint32_t>(st.ctime_nsec), 0};
  out.mtime = {st.mtime, static_cast<uint32_t>(st.mtime_nsec), 0};
  out.rdev_major = static_cast<uint32_t>(st.rdev >> 8);
  out.rdev_minor = static_cast<uint32_t>(st.rdev & 0xff);
  out.dev_minor = static_cast<uint32_t>(st.dev);
  return proc::write_user(user_stat, out) == 0 ? 0 : -abi::kEFAULT;
}

int64_t sys_getdents64(Frame& f) {
  fs::File* file = file_of(arg0(f));
  if (file == nullptr)
    return -abi::kEBADF;
  if (!fs::is_directory(*file))
    return -abi::kENOTDIR;
  const uint64_t buffer = arg1(f), size = arg2(f);
  uint64_t used = 0;
  for (;;) {
    // Entry `offset`: ".", "..", then the directory's own.
    char name[fs::kMaxNameBytes];
    uint64_t inode;
    uint8_t type;
    const uint64_t index = file->offset;
    if (index < 2) {
      name[0] = '.';
      name[1] = index == 0 ? '\0' : '.';
      name[2] = '\0';
      inode = index == 0 ? stat_of(*file).ino : 1;
      type = kDtDirectory;
    } else if (file->kind == fs::File::Kind::kNode) {
      LockGuard guard(fs::tree_lock());
      const fs::Node* child = fs::child_at(*file->node, index - 2);
      if (child == nullptr)
        break;
      memcpy(name, child->name, sizeof(name));
      inode = child->inode;
      type = fs::is_directory(*child) ? kDtDirectory
             : fs::is_symlink(*child) ? kDtLink
                                      : kDtRegular;
      if (child->proc_mount)
        inode = fs::procfs::inode(fs::procfs::root());
    } else {
      fs::procfs::Entry entry;
      if (!fs::procfs::entry_at(file->proc, index - 2, name, entry))
        break;
      inode = fs::procfs::inode(entry);
      type = fs::procfs::is_directory(entry) ? kDtDirectory
             : fs::procfs::is_symlink(entry) ? kDtLink
                                             : kDtRegular;
    }
    // struct linux_dirent64: ino, off, reclen, type, name, padded to 8.
    const size_t name_length = strlen(name);
    const uint64_t record = (19 + name_length + 1 + 7) & ~uint64_t{7};
    if (used + record > size) {
      if (used == 0)
        return -abi::kEINVAL;
      break;
    }
    uint8_t entry[19 + fs::kMaxNameBytes + 8] = {};
    const int64_t next = static_cast<int64_t>(index + 1);
    const uint16_t reclen = static_cast<uint16_t>(record);
    memcpy(entry, &inode, 8);
    memcpy(entry + 8, &next, 8);
    memcpy(entry + 16, &reclen, 2);
    entry[18] = type;
    memcpy(entry + 19, name, name_length + 1);
    if (proc::copy_to_user(buffer + used, entry, record) != 0)
      return used == 0 ? -abi::kEFAULT : static_cast<int64_t>(used);
    used += record;
    ++file->offset;
  }
  return static_cast<int64_t>(used);
}

int64_t sys_lseek(Frame& f) {
  fs::File* file = file_of(arg0(f));
  if (file == nullptr)
    return -abi::kEBADF;
  if (!fs::is_seekable(*file))
    return -abi::kESPIPE;
  const int64_t offset = static_cast<int64_t>(arg1(f));
  int64_t base;
  switch (arg2(f)) {
    case kSeekSet: base = 0; break;
    case kSeekCur: base = static_cast<int64_t>(file->offset); break;
    case kSeekEnd:
      if (file->kind != fs::File::Kind::kNode || fs::is_directory(*file->node))
        return -abi::kEINVAL;
      base = static_cast<int64_t>(file->node->size);
      break;
    default: return -abi::kEINVAL;
  }
  const int64_t position = base + offset;
  if ((offset > 0 && position < base) || position < 0)
    return -abi::kEINVAL;
  file->offset = static_cast<uint64_t>(position);
  return position;
}

namespace {

// pread64/pwrite64 through a kernel bounce buffer, a page at a time.
template <bool kWrite>
int64_t positional_io(Frame& f) {
  fs::File* file = file_of(arg0(f));
  const uint64_t buffer = arg1(f), count = arg2(f);
  const int64_t offset = static_cast<int64_t>(arg3(f));
  if (file == nullptr)
    return -abi::kEBADF;
  if (!fs::is_seekable(*file))
    return -abi::kESPIPE;
  if (offset < 0)
    return -abi::kEINVAL;
  if (fs::is_directory(*file))
    return -abi::kEISDIR;
  uint8_t chunk[1024];
  uint64_t done = 0;
  while (done < count) {
    const uint64_t n = count - done < sizeof(chunk) ? count - done : sizeof(chunk);
    const uint64_t at = static_cast<uint64_t>(offset) + done;
    // As Linux's, a fault part way counts the bytes moved before it.
    int64_t r;
    bool faulted = false;
    if (kWrite) {
      const size_t copied = proc::copy_from_user_partial(chunk, buffer + done, n);
      if (copied == 0)
        return done > 0 ? static_cast<int64_t>(done) : -abi::kEFAULT;
      faulted = copied < n;
      r = fs::write_at(*file, chunk, copied, at);
    } else {
      r = fs::read_at(*file, chunk, n, at);
      if (r > 0) {
        const size_t copied =
            proc::copy_to_user_partial(buffer + done, chunk, static_cast<size_t>(r));
        faulted = copied < static_cast<size_t>(r);
        r = static_cast<int64_t>(copied);
        if (r == 0)
          return done > 0 ? static_cast<int64_t>(done) : -abi::kEFAULT;
      }
    }
    if (r < 0)
      return done > 0 ? static_cast<int64_t>(done) : r;
    done += static_cast<uint64_t>(r);
    if (faulted || static_cast<uint64_t>(r) < n)
      break;
  }
  return static_cast<int64_t>(done);
}

}  // namespace

int64_t sys_pread64(Frame& f) {
  return positional_io<false>(f);
}

int64_t sys_pwrite64(Frame& f) {
  return positional_io<true>(f);
}

int64_t sys_readlink(Frame& f) {
  return do_readlink(kAtFdCwd, arg0(f), arg1(f), arg2(f));
}

int64_t sys_readlinkat(Frame& f) {
  return do_readlink(static_cast<int>(arg0(f)), arg1(f), arg2(f), arg3(f));
}

int64_t sys_access(Frame& f) {
  return do_access(kAtFdCwd, arg0(f), arg1(f), 0);
}

int64_t sys_faccessat(Frame& f) {
  return do_access(static_cast<int>(arg0(f)), arg1(f), arg2(f), 0);
}

int64_t sys_faccessat2(Frame& f) {
  return do_access(static_cast<int>(arg0(f)), arg1(f), arg2(f), arg3(f));
}

int64_t sys_chdir(Frame& f) {
  char path[fs::kMaxPathBytes], canonical[fs::kMaxPathBytes];
  int64_t r = absolute_path(kAtFdCwd, arg0(f), path);
  if (r != 0)
    return r;
  fs::Location where;
  r = fs::resolve(path, fs::Follow::kAll, where, canonical);
  if (r != 0)
    return r;
  if (!fs::is_directory(where))
    return -abi::kENOTDIR;
  memcpy(proc::current().fs.working_directory, canonical, sizeof(canonical));
  return 0;
}

int64_t sys_fchdir(Frame& f) {
  fs::File* file = file_of(arg0(f));
  if (file == nullptr)
    return -abi::kEBADF;
  if (!fs::is_directory(*file))
    return -abi::kENOTDIR;
  char* cwd = proc::current().fs.working_directory;
  size_t i = 0;
  for (; file->path[i] != '\0' && i + 1 < fs::kMaxPathBytes; ++i)
    cwd[i] = file->path[i];
  cwd[i] = '\0';
  return 0;
}

int64_t sys_getcwd(Frame& f) {
  const char* cwd = proc::current().fs.working_directory;
  const size_t length = strlen(cwd);
  if (arg1(f) < length + 1)
    return -abi::kERANGE;
  return proc::copy_to_user(arg0(f), cwd, length + 1) == 0 ? static_cast<int64_t>(length + 1)
                                                           : -abi::kEFAULT;
}

int64_t sys_mkdir(Frame& f) {
  return do_mkdir(kAtFdCwd, arg0(f), arg1(f));
}

int64_t sys_mkdirat(Frame& f) {
  return do_mkdir(static_cast<int>(arg0(f)), arg1(f), arg2(f));
}

int64_t sys_rmdir(Frame& f) {
  return do_unlink(kAtFdCwd, arg0(f), true);
}

int64_t sys_unlink(Frame& f) {
  return do_unlink(kAtFdCwd, arg0(f), false);
}

int64_t sys_unlinkat(Frame& f) {
  if (arg2(f) & ~kAtRemovedir)
    return -abi::kEINVAL;
  return do_unlink(static_cast<int>(arg0(f)), arg1(f), arg2(f) & kAtRemovedir);
}

int64_t sys_rename(Frame& f) {
  return do_rename(kAtFdCwd, arg0(f), kAtFdCwd, arg1(f));
}

int64_t sys_renameat(Frame& f) {
  return do_rename(static_cast<int>(arg0(f)), arg1(f), static_cast<int>(arg2(f)), arg3(f));
}

int64_t sys_renameat2(Frame& f) {
  if (arg4(f) & ~kRenameNoreplace)
    return -abi::kEINVAL;  // RENAME_EXCHANGE, RENAME_WHITEOUT: not here
  return do_rename(static_cast<int>(arg0(f)), arg1(f), static_cast<int>(arg2(f)), arg3(f), arg4(f));
}

int64_t sys_truncate(Frame& f) {
  char path[fs::kMaxPathBytes];
  int64_t r = absolute_path(kAtFdCwd, arg0(f), path);
  if (r != 0)
    return r;
  if (static_cast<int64_t>(arg1(f)) < 0)
    return -abi::kEINVAL;
  fs::Location where;
  r = fs::resolve(path, fs::Follow::kAll, where);
  if (r != 0)
    return r;
  if (fs::is_directory(where))
    return -abi::kEISDIR;
  if (where.node == nullptr)
    return -abi::kEACCES;
  return fs::truncate(*where.node, arg1(f));
}

int64_t sys_ftruncate(Frame& f) {
  fs::File* file = file_of(arg0(f));
  if (file == nullptr)
    return -abi::kEBADF;
  if (file->kind != fs::File::Kind::kNode || fs::is_directory(*file->node) ||
      fs::access_mode(*file) == 0 || static_cast<int64_t>(arg1(f)) < 0)
    return -abi::kEINVAL;
  return fs::truncate(*file->node, arg1(f));
}

int64_t sys_fsync(Frame& f) {
  return file_of(arg0(f)) != nullptr ? 0 : -abi::kEBADF;  // nothing is ever dirty
}

int64_t sys_fdatasync(Frame& f) {
  return sys_fsync(f);
}

int64_t sys_umask(Frame& f) {
  proc::Process& p = proc::current();
  const uint32_t previous = p.fs.umask;
  p.fs.umask = static_cast<uint32_t>(arg0(f)) & 0777;
  return previous;
}

}  // namespace kernel::syscall
