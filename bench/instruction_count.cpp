#include "instruction_count.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

namespace vdso::bench {
namespace {

// Upper bound on steps to reach the function, and inside it: a runaway
// child must not hang the benchmark.
constexpr int64_t kMaxSteps = 1'000'000;

// The clock call count_instructions makes (a forked child has its own copy).
int (*clock_fn)(int, void*) = nullptr;
int clock_arg = 0;

__attribute__((noinline)) void call_clock_once() {
  alignas(16) unsigned char ts[16];
  clock_fn(clock_arg, ts);
  asm volatile("" ::"r"(ts) : "memory");
}

bool step(pid_t pid, user_regs_struct* regs) {
  int status;
  if (ptrace(PTRACE_SINGLESTEP, pid, nullptr, nullptr) != 0)
    return false;
  if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
    return false;
  return ptrace(PTRACE_GETREGS, pid, nullptr, regs) == 0;
}

}  // namespace

int64_t count_instructions(int (*fn)(int, void*), int clock_id) {
  clock_fn = fn;
  clock_arg = clock_id;
  return count_instructions_at(reinterpret_cast<const void*>(fn), call_clock_once);
}

int64_t count_instructions_at(const void* entry_point, void (*call)()) {
  const pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    raise(SIGSTOP);
    call();
    _exit(0);
  }

  int status;
  int64_t result = -1;
  user_regs_struct regs{};
  if (waitpid(pid, &status, 0) == pid && WIFSTOPPED(status)) {
    const auto entry = reinterpret_cast<uint64_t>(entry_point);
    int64_t steps = 0;
    while (steps++ < kMaxSteps && step(pid, &regs) && regs.rip != entry) {
    }
    if (regs.rip == entry) {
      // The return address is on top of the stack at entry.
      const uint64_t return_to =
          static_cast<uint64_t>(ptrace(PTRACE_PEEKDATA, pid, regs.rsp, nullptr));
      int64_t executed = 0;
      while (executed < kMaxSteps && step(pid, &regs)) {
        ++executed;
        if (regs.rip == return_to) {
          result = executed;
          break;
        }
      }
    }
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return result;
}

}  // namespace vdso::bench
