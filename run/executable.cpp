#include "executable.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "remote_memory.h"
#include "vdso/abi/data_page.h"

namespace vdso::run {
namespace {

constexpr uint64_t kPage = abi::kPageSize;

uint64_t page_end(uint64_t address) {
  return (address + kPage - 1) & ~(kPage - 1);
}

// The effective id on a "Uid:" or "Gid:" line of /proc/PID/status (real,
// effective, saved, filesystem), or -1.
long effective_id(const std::string& status, const char* key) {
  const size_t at = status.find(key);
  if (at == std::string::npos)
    return -1;
  char* end = nullptr;
  std::strtoul(status.c_str() + at + std::strlen(key), &end, 10);  // the real id
  return static_cast<long>(std::strtoul(end, nullptr, 10));
}

}  // namespace

Executable read_executable(pid_t pid, uint64_t cookie) {
  Executable exe;
  const std::string path = "/proc/" + std::to_string(pid) + "/exe";
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return exe;
  struct stat st;
  if (syscall(SYS_fstat, fd, &st, cookie) == 0) {
    exe.setuid = (st.st_mode & S_ISUID) != 0;
    // Set-group-ID without group execute marks mandatory locking, not a
    // privilege (as the kernel reads it at exec).
    exe.setgid = (st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP);
    exe.owner = st.st_uid;
    exe.group = st.st_gid;
  }
  Elf64_Ehdr header;
  if (pread(fd, &header, sizeof(header), 0) == static_cast<ssize_t>(sizeof(header)) &&
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) == 0) {
    exe.readable = true;
    // A 64-bit register set with a 32-bit ELF: the x32 ABI.
    exe.x32 = header.e_ident[EI_CLASS] == ELFCLASS32;
    if (!exe.x32)
      exe.entry = header.e_entry;
  }
  close(fd);
  return exe;
}

bool setid_privilege_withheld(pid_t pid, const Executable& exe) {
  if (!exe.setuid && !exe.setgid)
    return false;
  const std::string path = "/proc/" + std::to_string(pid) + "/status";
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return true;  // cannot tell: say what may have happened
  char buffer[4096];
  const ssize_t n = read(fd, buffer, sizeof(buffer) - 1);
  close(fd);
  const std::string status(buffer, n > 0 ? static_cast<size_t>(n) : 0);
  return (exe.setuid && effective_id(status, "\nUid:") != static_cast<long>(exe.owner)) ||
         (exe.setgid && effective_id(status, "\nGid:") != static_cast<long>(exe.group));
}

uint64_t find_free_tail(pid_t pid, const Auxv& auxv, const Executable& exe, uint64_t rip,
                        uint64_t size, uint64_t alignment) {
  uint64_t phdr_address = 0, phnum = 0, bias = 0;
  Elf64_Phdr phdrs[64];
  if (auxv.base != 0) {
    // Dynamic: rip is the interpreter's entry; its headers are mapped, the
    // program headers (nearly always) right after the ELF header: one read.
    struct {
      Elf64_Ehdr header;
      Elf64_Phdr phdrs[16];
    } head;
    if (!read_from_process(pid, auxv.base, &head, sizeof(head)))
      return 0;
    if (std::memcmp(head.header.e_ident, ELFMAG, SELFMAG) != 0)
      return 0;
    phnum = head.header.e_phnum;
    bias = auxv.base;  // an ET_DYN interpreter is linked at 0
    if (head.header.e_phoff == sizeof(Elf64_Ehdr) && phnum <= 16) {
      std::memcpy(phdrs, head.phdrs, phnum * sizeof(Elf64_Phdr));
    } else {
      phdr_address = auxv.base + head.header.e_phoff;
    }
  } else {
    if (!exe.readable || auxv.entry < exe.entry)
      return 0;
    phdr_address = auxv.phdr;
    phnum = auxv.phnum;
    bias = auxv.entry - exe.entry;
  }
  if (phnum == 0 || phnum > 64)
    return 0;
  if (phdr_address != 0 &&
      !read_from_process(pid, phdr_address, phdrs, phnum * sizeof(Elf64_Phdr))) {
    return 0;
  }
  for (uint64_t i = 0; i < phnum; ++i) {
    const Elf64_Phdr& ph = phdrs[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0)
      continue;
    const uint64_t start = bias + ph.p_vaddr;
    const uint64_t end = start + std::max(ph.p_filesz, ph.p_memsz);
    if (rip < start || rip >= end)
      continue;
    const uint64_t tail = (end + alignment - 1) & ~(alignment - 1);
    if (tail + size > page_end(end))
      return 0;
    // Another segment that maps any of this page (a custom linker script
    // can pack two into one) owns its bytes, whatever they look like: the
    // tail is then not free, and the trapping stub puts back what it
    // borrows.
    const uint64_t page = end & ~(kPage - 1);
    for (uint64_t j = 0; j < phnum; ++j) {
      const Elf64_Phdr& other = phdrs[j];
      if (j == i || other.p_type != PT_LOAD || other.p_memsz == 0)
        continue;
      const uint64_t other_start = (bias + other.p_vaddr) & ~(kPage - 1);
      const uint64_t other_end = page_end(bias + other.p_vaddr + other.p_memsz);
      if (other_start < page + kPage && page < other_end)
        return 0;
    }
    return tail;
  }
  return 0;
}

}  // namespace vdso::run
