// File times on the tree's clock (vdso-run --file-times, under virtual
// time): what a program reads of a file's times (stat, fstat, lstat,
// newfstatat, statx) goes through the transform its clocks use, and the
// times it sets explicitly (utimensat and futimens with given times,
// utime, utimes, futimesat) come back through the inverse, so a file
// touched "now" in the tree reads back as the tree's now and make sees no
// clock skew. UTIME_NOW and UTIME_OMIT, and a null times pointer (now),
// are the kernel's own: the host stamps its now, which reads as the tree's.
//
// Which transform: a time from the tree's start on is abi::to_virtual of
// REALTIME (abi::to_host to set it); a time before the start keeps its
// distance to the start (the clock's offset alone, as at rate 1), so the
// files that predate the tree keep their spacing under --rate, and under
// --freeze stay older than every file the tree writes (the frozen
// transform would stamp them all with one instant).
//
// Translated at the tracer's stops (time_arguments.h): a setting call's
// times are rewritten at the seccomp stop; a reading call's buffer is
// rewritten at its syscall-exit-stop, when the call succeeded. Each call
// pays two ptrace stops, so it is an option (docs/figures.md has the cost).
#pragma once

#include <sys/types.h>
#include <sys/user.h>

#include "time_arguments.h"
#include "vdso/abi/linux.h"

namespace vdso::run {

// The calls the filter sends to the tracer under --file-times.
inline constexpr long kFileTimeCalls[] = {
    abi::kSysStat,  abi::kSysFstat,  abi::kSysLstat,     abi::kSysNewfstatat, abi::kSysStatx,
    abi::kSysUtime, abi::kSysUtimes, abi::kSysFutimesat, abi::kSysUtimensat,
};

// A host file time as the tree reads it, and back.
abi::Timespec tree_file_time(const abi::VirtualTime& vt, const abi::Timespec& host);
abi::Timespec host_file_time(const abi::VirtualTime& vt, const abi::Timespec& tree);

// At the PTRACE_EVENT_SECCOMP stop of `tid`, whose registers are `regs`:
// true if the call reads or sets file times, with the rewrite (a setting
// call's times in host time, or only the buffer to convert at the exit).
bool file_time_rewrite(pid_t tid, const user_regs_struct& regs, const abi::VirtualTime& vt,
                       TimeRewrite* rewrite);

// At the syscall-exit-stop of a reading call that succeeded: the times in
// the struct stat (or struct statx) at `address`, in the tree's time.
void give_back_stat_times(pid_t tid, const abi::VirtualTime& vt, uint64_t address, bool statx);

}  // namespace vdso::run
