// The supervisor's helper threads (the ticker, the seccomp listener) leave every
// signal to the main thread, which forwards them to the tree.
#pragma once

#include <pthread.h>
#include <signal.h>

namespace vdso::run {

inline void block_all_signals_in_this_thread() {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
}

}  // namespace vdso::run
