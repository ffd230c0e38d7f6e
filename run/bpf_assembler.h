// A classic-BPF assembler: the few instructions a seccomp filter needs, with
// forward jumps to named places resolved once every instruction is in (a
// jump's offsets are relative and 8 bits wide). What the filter says lives
// in seccomp_filter.cpp; this only writes it down.
#pragma once

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

#include <vector>

namespace vdso::run {

class BpfAssembler {
 public:
  // A place in the program, numbered by the caller from 0 (an enum).
  using Label = int;
  // As a jump target: the next instruction.
  static constexpr Label kNext = -1;

  void load(uint32_t offset) { code_.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); }
  // If the accumulator equals `value` go to `match`, else to `other`.
  void jump_if_equal(uint32_t value, Label match, Label other) {
    jumps_.push_back({code_.size(), match, other});
    code_.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 0, 0));
  }
  // If the accumulator has any bit of `mask` set go to `match`, else `other`.
  void jump_if_any_set(uint32_t mask, Label match, Label other) {
    jumps_.push_back({code_.size(), match, other});
    code_.push_back(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, mask, 0, 0));
  }
  // If the accumulator is at least `value` (unsigned) go to `match`, else
  // `other`.
  void jump_if_at_least(uint32_t value, Label match, Label other) {
    jumps_.push_back({code_.size(), match, other});
    code_.push_back(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, value, 0, 0));
  }
  void ret(uint32_t action) { code_.push_back(BPF_STMT(BPF_RET | BPF_K, action)); }
  void place(Label label) {
    if (static_cast<size_t>(label) >= where_.size())
      where_.resize(static_cast<size_t>(label) + 1);
    where_[static_cast<size_t>(label)] = code_.size();
  }

  // The program, or nothing if a jump is farther than 8 bits reach (the
  // kernel would then refuse an empty program, rather than run a wrong one).
  std::vector<sock_filter> finish() {
    for (const Jump& jump : jumps_) {
      for (const Label label : {jump.match, jump.other}) {
        if (label != kNext && where_[static_cast<size_t>(label)] - (jump.at + 1) > 255)
          return {};
      }
      code_[jump.at].jt = offset(jump.at, jump.match);
      code_[jump.at].jf = offset(jump.at, jump.other);
    }
    return code_;
  }

 private:
  struct Jump {
    size_t at;
    Label match, other;
  };
  uint8_t offset(size_t from, Label label) const {
    return label == kNext ? 0
                          : static_cast<uint8_t>(where_[static_cast<size_t>(label)] - (from + 1));
  }
  std::vector<sock_filter> code_;
  std::vector<Jump> jumps_;
  std::vector<size_t> where_;
};

}  // namespace vdso::run
