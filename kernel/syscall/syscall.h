// System calls: the Linux x86_64 ABI (numbers, registers, -errno returns).
// One file per family (io.cpp, poll.cpp, fs.cpp, memory.cpp, clock.cpp, process.cpp,
// futex.cpp, signal.cpp, system.cpp); table.cpp maps numbers to handlers, counts
// every call per process and answers anything else with -ENOSYS, logged
// once per number.
#pragma once

#include <stdint.h>

#include "arch/x86_64/interrupts.h"
#include "vdso/arch/syscall.h"

namespace kernel::syscall {

using Frame = interrupts::InterruptFrame;

// Arguments in the ABI's order: rdi, rsi, rdx, r10, r8, r9.
inline uint64_t arg0(const Frame& f) {
  return f.rdi;
}
inline uint64_t arg1(const Frame& f) {
  return f.rsi;
}
inline uint64_t arg2(const Frame& f) {
  return f.rdx;
}
inline uint64_t arg3(const Frame& f) {
  return f.r10;
}
inline uint64_t arg4(const Frame& f) {
  return f.r8;
}
inline uint64_t arg5(const Frame& f) {
  return f.r9;
}

// The name of call `number` for logs ("clock_gettime"); "?" for a number
// the architecture does not use.
inline const char* syscall_name(uint64_t number) {
  const char* name = vdso::arch::syscall_name(number);
  return name != nullptr ? name : "?";
}

// EFER.SCE, STAR, LSTAR, SFMASK.
void init();

using Handler = int64_t (*)(Frame& frame);

// The handlers, one a line in number order: sys_NAME answers the call Linux
// names NAME, whose number comes from the architecture's one list
// (vdso/arch/x86_64/syscall_table.h).
#define VDSO_KERNEL_SYSCALLS(X) \
  X(read)                       \
  X(write)                      \
  X(open)                       \
  X(close)                      \
  X(stat)                       \
  X(fstat)                      \
  X(lstat)                      \
  X(poll)                       \
  X(lseek)                      \
  X(mmap)                       \
  X(mprotect)                   \
  X(munmap)                     \
  X(brk)                        \
  X(rt_sigaction)               \
  X(rt_sigprocmask)             \
  X(rt_sigreturn)               \
  X(ioctl)                      \
  X(pread64)                    \
  X(pwrite64)                   \
  X(readv)                      \
  X(writev)                     \
  X(access)                     \
  X(pipe)                       \
  X(select)                     \
  X(sched_yield)                \
  X(madvise)                    \
  X(dup)                        \
  X(dup2)                       \
  X(pause)                      \
  X(nanosleep)                  \
  X(getitimer)                  \
  X(alarm)                      \
  X(setitimer)                  \
  X(getpid)                     \
  X(clone)                      \
  X(fork)                       \
  X(vfork)                      \
  X(execve)                     \
  X(exit)                       \
  X(wait4)                      \
  X(kill)                       \
  X(uname)                      \
  X(fcntl)                      \
  X(fsync)                      \
  X(fdatasync)                  \
  X(truncate)                   \
  X(ftruncate)                  \
  X(getcwd)                     \
  X(chdir)                      \
  X(fchdir)                     \
  X(rename)                     \
  X(mkdir)                      \
  X(rmdir)                      \
  X(creat)                      \
  X(unlink)                     \
  X(readlink)                   \
  X(umask)                      \
  X(utimensat)                  \
  X(statfs)                     \
  X(chmod)                      \
  X(fchmod)                     \
  X(fchmodat)                   \
  X(fstatfs)                    \
  X(gettimeofday)               \
  X(getrlimit)                  \
  X(getrusage)                  \
  X(sysinfo)                    \
  X(times)                      \
  X(getuid)                     \
  X(getgid)                     \
  X(geteuid)                    \
  X(getegid)                    \
  X(getppid)                    \
  X(getgroups)                  \
  X(rt_sigsuspend)              \
  X(sigaltstack)                \
  X(prctl)                      \
  X(arch_prctl)                 \
  X(adjtimex)                   \
  X(gettid)                     \
  X(tkill)                      \
  X(time)                       \
  X(futex)                      \
  X(sched_setaffinity)          \
  X(sched_getaffinity)          \
  X(epoll_create)               \
  X(getdents64)                 \
  X(set_tid_address)            \
  X(timer_create)               \
  X(timer_settime)              \
  X(timer_gettime)              \
  X(timer_getoverrun)           \
  X(timer_delete)               \
  X(clock_gettime)              \
  X(clock_getres)               \
  X(clock_nanosleep)            \
  X(exit_group)                 \
  X(epoll_wait)                 \
  X(epoll_ctl)                  \
  X(tgkill)                     \
  X(openat)                     \
  X(mkdirat)                    \
  X(newfstatat)                 \
  X(unlinkat)                   \
  X(renameat)                   \
  X(readlinkat)                 \
  X(faccessat)                  \
  X(pselect6)                   \
  X(ppoll)                      \
  X(set_robust_list)            \
  X(epoll_pwait)                \
  X(timerfd_create)             \
  X(timerfd_settime)            \
  X(timerfd_gettime)            \
  X(epoll_create1)              \
  X(dup3)                       \
  X(pipe2)                      \
  X(prlimit64)                  \
  X(clock_adjtime)              \
  X(getcpu)                     \
  X(renameat2)                  \
  X(getrandom)                  \
  X(statx)                      \
  X(rseq)                       \
  X(clone3)                     \
  X(faccessat2)

#define VDSO_KERNEL_DECLARE(name) int64_t sys_##name(Frame& frame);
VDSO_KERNEL_SYSCALLS(VDSO_KERNEL_DECLARE)
#undef VDSO_KERNEL_DECLARE

}  // namespace kernel::syscall
