#include "lib/panic.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/qemu_exit.h"
#include "boot/boot_options.h"
#include "console/print.h"
#include "mm/layout.h"

namespace kernel {
namespace {

// Set on entry: a fault inside the panic path must not recurse forever.
bool panicking = false;
bool exit_on_panic = false;

// Frame-pointer walk (-fno-omit-frame-pointer); stops at the zero rbp that
// boot.S and the stubs leave, or at anything outside the kernel image,
// where all kernel stacks live.
void print_backtrace(uint64_t rbp) {
  kprint("backtrace:\n");
  for (int depth = 0; depth < 16; ++depth) {
    const auto lo = reinterpret_cast<uint64_t>(kernel_data_start);
    const auto hi = reinterpret_cast<uint64_t>(kernel_image_end);
    if (rbp < lo || rbp + 16 > hi || (rbp & 7) != 0)
      break;
    const auto* frame = reinterpret_cast<const uint64_t*>(rbp);
    const uint64_t return_address = frame[1];
    if (return_address == 0)
      break;
    kprint("  #%d %016lx\n", depth, return_address);
    rbp = frame[0];
  }
}

[[noreturn]] void stop() {
  kprint("--- end of panic report ---\n");
  if (boot_options().test_mode || exit_on_panic)
    qemu_exit(ExitCode::kPanic);
  kprint("system halted\n");
  cpu::halt_forever();
}

void enter() {
  cpu::disable_interrupts();
  if (panicking) {
    kprint("\nKERNEL PANIC while panicking: halting\n");
    if (boot_options().test_mode || exit_on_panic)
      qemu_exit(ExitCode::kPanic);
    cpu::halt_forever();
  }
  panicking = true;
}

void describe_page_fault(uint64_t error_code) {
  kprint("page fault at cr2=%016lx: %s %s from %s mode%s%s\n", cpu::read_cr2(),
         (error_code & 1) ? "protection violation on" : "non-present page on",
         (error_code & 16) ? "instruction fetch" : ((error_code & 2) ? "write" : "read"),
         (error_code & 4) ? "user" : "supervisor", (error_code & 8) ? ", reserved bit set" : "",
         (error_code & 32) ? ", protection key" : "");
}

}  // namespace

void set_exit_on_panic(bool exit) {
  exit_on_panic = exit;
}

void panic_at(const char* file, int line, const char* fmt, ...) {
  enter();
  kprint("\nKERNEL PANIC: ");
  va_list args;
  va_start(args, fmt);
  vkprint(fmt, args);
  va_end(args);
  kprint("\n  at %s:%d\n", file, line);
  print_backtrace(reinterpret_cast<uint64_t>(__builtin_frame_address(0)));
  stop();
}

void panic_on_exception(const interrupts::InterruptFrame& f) {
  enter();
  const char* name = interrupts::exception_name(f.vector);
  kprint("\nKERNEL PANIC: unhandled %s (vector %lu, error code 0x%lx)\n",
         name != nullptr ? name : "interrupt", f.vector, f.error_code);
  if (f.vector == interrupts::kPageFault)
    describe_page_fault(f.error_code);
  kprint("rip=%016lx cs=%04lx rflags=%016lx rsp=%016lx ss=%04lx\n", f.rip, f.cs, f.rflags, f.rsp,
         f.ss);
  kprint("rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", f.rax, f.rbx, f.rcx, f.rdx);
  kprint("rsi=%016lx rdi=%016lx rbp=%016lx r8 =%016lx\n", f.rsi, f.rdi, f.rbp, f.r8);
  kprint("r9 =%016lx r10=%016lx r11=%016lx r12=%016lx\n", f.r9, f.r10, f.r11, f.r12);
  kprint("r13=%016lx r14=%016lx r15=%016lx\n", f.r13, f.r14, f.r15);
  kprint("cr0=%016lx cr2=%016lx cr3=%016lx cr4=%016lx\n", cpu::read_cr0(), cpu::read_cr2(),
         cpu::read_cr3(), cpu::read_cr4());
  kprint("  #- %016lx (faulting instruction)\n", f.rip);
  print_backtrace(f.rbp);
  stop();
}

}  // namespace kernel
