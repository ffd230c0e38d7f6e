// The seccomp filter's rules for the timed waits (timed_waits.h): which of
// them stop for the tracer. Only the timed ones whose timeout the tree's
// time moves: the operation and the timeout argument are matched, so an
// untimed futex (a contended mutex), a null timeout pointer, a zero or
// negative millisecond count, and without virtual time every one of these
// calls, runs on the host untouched. (futex is then no longer in the
// kernel's cache of always-allowed calls: each one runs the filter, a few
// dozen BPF instructions, measured in docs/figures.md.)
#pragma once

#include <stdint.h>

#include <iterator>

#include "bpf_assembler.h"
#include "timed_waits.h"

namespace vdso::run {

class TimedWaitRules {
 public:
  using Label = BpfAssembler::Label;
  // `allow`, `trace`: the filter's places that return ALLOW and TRACE.
  TimedWaitRules(BpfAssembler& filter, const MovedWaits& moved, Label allow, Label trace);

  // Where the accumulator holds the call's number: each moved wait's
  // number jumps to its block.
  void dispatch();
  // The blocks, placed among the filter's others; each ends at `allow` or
  // `trace`.
  void blocks();

 private:
  bool can_move(const TimedWait& wait) const;
  Label block_for(const TimedWait& wait);
  Label pointer_block(int argument);
  void futex_operation(int timeout_argument);

  BpfAssembler& filter_;
  const MovedWaits moved_;
  const Label allow_, trace_;
  Label own_block_[std::size(kTimedWaits)];  // by wait; -1: none yet
  Label pointer_block_[6];                   // by argument; -1: none yet
};

}  // namespace vdso::run
