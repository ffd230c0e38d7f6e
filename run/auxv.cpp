#include "auxv.h"

#include <elf.h>

#include <cerrno>
#include <vector>

#include "remote_memory.h"

namespace vdso::run {

Result<Auxv> read_auxv(pid_t pid, uint64_t rsp) {
  Auxv auxv;
  std::vector<uint64_t> words;
  // A page holds the vectors of most programs; a big environment needs more.
  for (size_t bytes = 4096; bytes <= 64 * 1024 * 1024; bytes *= 8) {
    words.assign(bytes / 8, 0);
    const Result<size_t> read = read_some_from_process(pid, rsp, words.data(), bytes);
    if (!read)
      return read.error();
    const size_t got = *read;
    const size_t count = got / 8;
    size_t i = 1 + words[0] + 1;  // past argc, argv[] and its NULL
    while (i < count && words[i] != 0)
      ++i;
    ++i;  // past envp's NULL
    auxv.start = rsp + i * 8;
    for (; i + 1 < count; i += 2) {
      const uint64_t value = words[i + 1];
      switch (words[i]) {
        case AT_NULL: auxv.size = rsp + (i + 2) * 8 - auxv.start; return auxv;
        case AT_SYSINFO_EHDR:
          auxv.sysinfo_slot = rsp + (i + 1) * 8;
          auxv.sysinfo_ehdr = value;
          break;
        case AT_BASE: auxv.base = value; break;
        case AT_PHDR: auxv.phdr = value; break;
        case AT_PHNUM: auxv.phnum = value; break;
        case AT_ENTRY: auxv.entry = value; break;
      }
    }
    if (got < bytes)
      break;  // the stack ended before AT_NULL
  }
  return Error{EFAULT, "no AT_NULL ends the auxiliary vector"};
}

}  // namespace vdso::run
