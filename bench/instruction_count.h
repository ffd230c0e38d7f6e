// Counts the instructions a function executes from its entry to its return,
// by single-stepping a forked copy of the caller under ptrace. Exact and
// repeatable (unlike timings), so it can be compared across builds.
#pragma once

#include <stdint.h>

namespace vdso::bench {

// Calls fn(clock_id, &ts) in a traced child and returns the number of
// instructions executed from fn's first instruction up to and including its
// ret, or -1 if tracing failed.
int64_t count_instructions(int (*fn)(int, void*), int clock_id);

// The general form: runs `call()` in a traced child and counts the
// instructions from the first instruction at `entry` (which `call` must
// reach) up to and including its ret, or -1.
int64_t count_instructions_at(const void* entry, void (*call)());

}  // namespace vdso::bench
