/* The initial process state a libc relies on: the auxiliary vector's
 * entries (each checked against what it describes), argv/envp, and the
 * VDSO's ELF header at AT_SYSINFO_EHDR. Runs unchanged on Linux. */
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "check.h"

extern const Elf64_Ehdr __ehdr_start;
extern char** environ;

int main(int argc, char** argv) {
  printf("auxv (%s)\n", LIBC_NAME);
  const uintptr_t base = (uintptr_t)&__ehdr_start;
  CHECK(getauxval(AT_PHDR) == base + __ehdr_start.e_phoff, "AT_PHDR %#lx = our program headers",
        getauxval(AT_PHDR));
  CHECK(getauxval(AT_PHENT) == sizeof(Elf64_Phdr), "AT_PHENT %lu", getauxval(AT_PHENT));
  CHECK(getauxval(AT_PHNUM) == __ehdr_start.e_phnum, "AT_PHNUM %lu", getauxval(AT_PHNUM));
  CHECK(getauxval(AT_PAGESZ) == 4096, "AT_PAGESZ %lu", getauxval(AT_PAGESZ));
  const uintptr_t entry_offset = __ehdr_start.e_type == ET_DYN ? base : 0;
  CHECK(getauxval(AT_ENTRY) == __ehdr_start.e_entry + entry_offset, "AT_ENTRY %#lx = e_entry",
        getauxval(AT_ENTRY));
  CHECK(getauxval(AT_CLKTCK) == 100, "AT_CLKTCK %lu (USER_HZ)", getauxval(AT_CLKTCK));
  CHECK(getauxval(AT_HWCAP) != 0, "AT_HWCAP %#lx", getauxval(AT_HWCAP));
  CHECK(getauxval(AT_SECURE) == 0, "AT_SECURE 0");
  CHECK(getauxval(AT_UID) == (unsigned long)getuid() && getauxval(AT_EUID) == (unsigned long)geteuid() &&
            getauxval(AT_GID) == (unsigned long)getgid() && getauxval(AT_EGID) == (unsigned long)getegid(),
        "AT_UID/EUID/GID/EGID match the system calls");
  const char* platform = (const char*)getauxval(AT_PLATFORM);
  CHECK(platform != NULL && strcmp(platform, "x86_64") == 0, "AT_PLATFORM \"%s\"",
        platform ? platform : "(null)");
  const char* execfn = (const char*)getauxval(AT_EXECFN);
  CHECK(execfn != NULL && argc > 0 && strcmp(execfn, argv[0]) == 0, "AT_EXECFN \"%s\" = argv[0]",
        execfn ? execfn : "(null)");
  const unsigned char* random = (const unsigned char*)getauxval(AT_RANDOM);
  int nonzero = 0;
  for (int i = 0; random != NULL && i < 16; ++i)
    nonzero += random[i] != 0;
  CHECK(nonzero >= 8, "AT_RANDOM: 16 bytes, %d of them non-zero", nonzero);

  const uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
  const Elf64_Ehdr* vdso_ehdr = (const Elf64_Ehdr*)vdso;
  CHECK(vdso != 0 && vdso % 4096 == 0 && memcmp(vdso_ehdr->e_ident, ELFMAG, SELFMAG) == 0 &&
            vdso_ehdr->e_type == ET_DYN,
        "AT_SYSINFO_EHDR %#lx: a page-aligned ELF shared object", vdso);

  CHECK(argv[argc] == NULL, "argv is NULL-terminated (argc %d)", argc);
  int envc = 0;
  while (environ[envc] != NULL)
    ++envc;
  CHECK(envc > 0, "%d environment variables, first \"%s\"", envc, envc ? environ[0] : "");
  CHECK(((uintptr_t)__builtin_frame_address(0) & 15) == 0, "the stack is 16-byte aligned in main");
  return check_done("auxv");
}
