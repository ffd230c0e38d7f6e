// System calls: the Linux x86_64 ABI (numbers, registers, -errno returns).
// One file per family (io.cpp, fs.cpp, memory.cpp, clock.cpp, process.cpp,
// futex.cpp, signal.cpp, system.cpp); table.cpp maps numbers to handlers, counts
// every call per process and answers anything else with -ENOSYS, logged
// once per number.
#pragma once

#include <stdint.h>

#include "arch/x86_64/interrupts.h"

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

// EFER.SCE, STAR, LSTAR, SFMASK.
void init();

using Handler = int64_t (*)(Frame& frame);

// The handlers, one a line in number order.
#define VDSO_KERNEL_SYSCALLS(X) \
  X(read, 0)                    \
  X(write, 1)                   \
  X(open, 2)                    \
  X(close, 3)                   \
  X(stat, 4)                    \
  X(fstat, 5)                   \
  X(lstat, 6)                   \
  X(lseek, 8)                   \
  X(mmap, 9)                    \
  X(mprotect, 10)               \
  X(munmap, 11)                 \
  X(brk, 12)                    \
  X(rt_sigaction, 13)           \
  X(rt_sigprocmask, 14)         \
  X(rt_sigreturn, 15)           \
  X(ioctl, 16)                  \
  X(pread64, 17)                \
  X(pwrite64, 18)               \
  X(readv, 19)                  \
  X(writev, 20)                 \
  X(access, 21)                 \
  X(pipe, 22)                   \
  X(sched_yield, 24)            \
  X(madvise, 28)                \
  X(dup, 32)                    \
  X(dup2, 33)                   \
  X(nanosleep, 35)              \
  X(getitimer, 36)              \
  X(alarm, 37)                  \
  X(setitimer, 38)              \
  X(getpid, 39)                 \
  X(clone, 56)                  \
  X(fork, 57)                   \
  X(vfork, 58)                  \
  X(execve, 59)                 \
  X(exit, 60)                   \
  X(wait4, 61)                  \
  X(kill, 62)                   \
  X(uname, 63)                  \
  X(fcntl, 72)                  \
  X(fsync, 74)                  \
  X(fdatasync, 75)              \
  X(truncate, 76)               \
  X(ftruncate, 77)              \
  X(getcwd, 79)                 \
  X(chdir, 80)                  \
  X(fchdir, 81)                 \
  X(rename, 82)                 \
  X(mkdir, 83)                  \
  X(rmdir, 84)                  \
  X(creat, 85)                  \
  X(unlink, 87)                 \
  X(readlink, 89)               \
  X(umask, 95)                  \
  X(gettimeofday, 96)           \
  X(getrlimit, 97)              \
  X(getrusage, 98)              \
  X(sysinfo, 99)                \
  X(times, 100)                 \
  X(getuid, 102)                \
  X(getgid, 104)                \
  X(geteuid, 107)               \
  X(getegid, 108)               \
  X(getppid, 110)               \
  X(getgroups, 115)             \
  X(sigaltstack, 131)           \
  X(arch_prctl, 158)            \
  X(adjtimex, 159)              \
  X(gettid, 186)                \
  X(tkill, 200)                 \
  X(time, 201)                  \
  X(futex, 202)                 \
  X(sched_setaffinity, 203)     \
  X(sched_getaffinity, 204)     \
  X(epoll_create, 213)          \
  X(getdents64, 217)            \
  X(set_tid_address, 218)       \
  X(timer_create, 222)          \
  X(timer_settime, 223)         \
  X(timer_gettime, 224)         \
  X(timer_getoverrun, 225)      \
  X(timer_delete, 226)          \
  X(clock_gettime, 228)         \
  X(clock_getres, 229)          \
  X(clock_nanosleep, 230)       \
  X(exit_group, 231)            \
  X(epoll_wait, 232)            \
  X(epoll_ctl, 233)             \
  X(tgkill, 234)                \
  X(openat, 257)                \
  X(mkdirat, 258)               \
  X(newfstatat, 262)            \
  X(unlinkat, 263)              \
  X(renameat, 264)              \
  X(readlinkat, 267)            \
  X(faccessat, 269)             \
  X(set_robust_list, 273)       \
  X(epoll_pwait, 281)           \
  X(timerfd_create, 283)        \
  X(timerfd_settime, 286)       \
  X(timerfd_gettime, 287)       \
  X(epoll_create1, 291)         \
  X(dup3, 292)                  \
  X(pipe2, 293)                 \
  X(prlimit64, 302)             \
  X(clock_adjtime, 305)         \
  X(getcpu, 309)                \
  X(renameat2, 316)             \
  X(getrandom, 318)             \
  X(statx, 332)                 \
  X(rseq, 334)                  \
  X(clone3, 435)                \
  X(faccessat2, 439)

#define VDSO_KERNEL_DECLARE(name, number) int64_t sys_##name(Frame& frame);
VDSO_KERNEL_SYSCALLS(VDSO_KERNEL_DECLARE)
#undef VDSO_KERNEL_DECLARE

}  // namespace kernel::syscall
