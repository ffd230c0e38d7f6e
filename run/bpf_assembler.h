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
  // A place in the program, numbered by the caller from 0 (an enum), or
  // handed out by new_label().
  using Label = int;
  // As a jump target: the next instruction.
  static constexpr Label kNext = -1;

  // `named_labels`: how many the caller's enum numbers; new_label() hands
  // out the ones after.
  explicit BpfAssembler(Label named_labels = 0) : next_label_(named_labels) {}

  Label new_label() { return next_label_++; }

  void load(uint32_t offset) { code_.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); }
  void and_with(uint32_t mask) { code_.push_back(BPF_STMT(BPF_ALU | BPF_AND | BPF_K, mask)); }
  // If the accumulator equals `value` go to `match`, else to `other`.
  void jump_if_equal(uint32_t value, Label match, Label other) {
    jump(BPF_JEQ, value, match, other);
  }
  // If the accumulator has any bit of `mask` set.
  void jump_if_any(uint32_t mask, Label match, Label other) { jump(BPF_JSET, mask, match, other); }
  // If the accumulator is at least `value` (unsigned).
  void jump_if_at_least(uint32_t value, Label match, Label other) {
    jump(BPF_JGE, value, match, other);
  }
  void ret(uint32_t action) { code_.push_back(BPF_STMT(BPF_RET | BPF_K, action)); }
  void place(Label label) {
    if (static_cast<size_t>(label) >= where_.size())
      where_.resize(static_cast<size_t>(label) + 1);
    where_[static_cast<size_t>(label)] = code_.size();
  }

  // Empty if a jump does not fit in its 8 bits (or goes to no place).
  std::vector<sock_filter> finish() {
    for (const Jump& jump : jumps_) {
      const size_t match = offset(jump.at, jump.match);
      const size_t other = offset(jump.at, jump.other);
      if (match > 255 || other > 255)
        return {};
      code_[jump.at].jt = static_cast<uint8_t>(match);
      code_[jump.at].jf = static_cast<uint8_t>(other);
    }
    return code_;
  }

 private:
  struct Jump {
    size_t at;
    Label match, other;
  };
  void jump(uint16_t test, uint32_t value, Label match, Label other) {
    jumps_.push_back({code_.size(), match, other});
    code_.push_back(BPF_JUMP(BPF_JMP | test | BPF_K, value, 0, 0));
  }
  size_t offset(size_t from, Label label) const {
    if (label == kNext)
      return 0;
    if (static_cast<size_t>(label) >= where_.size() || where_[static_cast<size_t>(label)] <= from)
      return 256;
    return where_[static_cast<size_t>(label)] - (from + 1);
  }
  std::vector<sock_filter> code_;
  std::vector<Jump> jumps_;
  std::vector<size_t> where_;
  Label next_label_;
};

}  // namespace vdso::run
