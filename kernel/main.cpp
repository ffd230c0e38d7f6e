// kernel_main: the order in which the kernel comes up. Each step needs only
// the ones above it.
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/interrupts.h"
#include "boot/boot_options.h"
#include "boot/multiboot.h"
#include "console/print.h"
#include "console/serial.h"

extern "C" [[noreturn]] void kernel_main(uint32_t multiboot_magic, uint64_t multiboot_info_phys) {
  using namespace kernel;
  serial::init();
  kprint("vdso-kernel: booting\n");
  const multiboot::BootInfo& boot_info = multiboot::parse(multiboot_magic, multiboot_info_phys);
  parse_boot_options(boot_info.command_line);
  kprint("cmdline: '%s'\n", boot_info.command_line);
  gdt::init();
  interrupts::init();
  kprint("hello\n");
  asm volatile("ud2");
  for (;;) {
  }
}
