// /proc: files made when they are read, each from the one source the
// kernel already has (the data page's clocks and configuration, the frame
// allocator, the scheduler and the CPU-time accounting, the process table
// and each process's address space). Nothing here keeps a copy: a fact in
// /proc and the same fact in the VDSO page or a system call agree.
//
// An entry is a value (what it is, for which process and descriptor);
// fs/lookup.cpp walks into it from the tree's /proc node.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fs/tree.h"

namespace kernel::fs::procfs {

enum class Kind : uint8_t {
  // Directories.
  kRoot,
  kSys,
  kSysKernel,
  kProcess,  // /proc/PID
  kProcessFds,
  kTasks,  // /proc/PID/task
  kTask,   // /proc/PID/task/TID
  // Symbolic links.
  kSelf,
  kExecutable,
  kWorkingDirectory,
  kFd,
  // Files.
  kUptime,
  kLoadavg,
  kStat,
  kMeminfo,
  kCpuinfo,
  kVersion,
  kMounts,
  kOstype,
  kOsrelease,
  kKernelVersion,
  kHostname,
  kProcessStat,
  kProcessStatm,
  kProcessStatus,
  kProcessCmdline,
  kProcessComm,
  kProcessMaps,
  kTaskStat,  // /proc/PID/task/TID/stat, status, comm: one thread's view
  kTaskStatus,
  kTaskComm,
};

struct Entry {
  Kind kind;
  int pid;  // for the per-process entries
  int fd;   // kFd; the thread's tid for kTask and its files
};

Entry root();
bool is_directory(const Entry& entry);
bool is_symlink(const Entry& entry);
uint32_t mode(const Entry& entry);  // st_mode
uint64_t inode(const Entry& entry);

// The entry `name` (`length` bytes) in `directory`: 0 or -ENOENT.
int lookup(const Entry& directory, const char* name, size_t length, Entry& out);
// The directory above `entry`; false for the root (its parent is the
// tree's root).
bool parent(const Entry& entry, Entry& out);
// The `index`th entry of `directory` (getdents); false past the last.
bool entry_at(const Entry& directory, uint64_t index, char (&name)[kMaxNameBytes], Entry& out);
// A link's target into `out` (kMaxPathBytes): its length, or -ENOENT when
// its process is gone.
int64_t link_target(const Entry& link, char* out);
// A file's contents, made now, in a heap buffer the caller frees: the
// length, or -ENOENT (its process is gone) or -ENOMEM.
int64_t generate(const Entry& file, char*& text);

}  // namespace kernel::fs::procfs
