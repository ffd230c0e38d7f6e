// make-bad-elves: the malformed-ELF matrix. From one valid static ET_EXEC
// program, writes one file per case, each breaking exactly one rule that
// kernel/elf_loader/elf_check.cpp enforces, so each must be refused with
// ENOEXEC (in the guest) and exit status 125 (vdso-kernel-run).
//   make-bad-elves VALID OUTDIR CASE...   (CASE names from the table below)
//   make-bad-elves --list                 (the names)
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "newc_writer.h"
#include "vdso/elf/elf64.h"

namespace {

namespace elf = vdso::elf;
using Bytes = std::vector<uint8_t>;

elf::Ehdr& ehdr(Bytes& b) {
  return *reinterpret_cast<elf::Ehdr*>(b.data());
}
elf::Phdr& phdr(Bytes& b, int i) {
  return *reinterpret_cast<elf::Phdr*>(b.data() + ehdr(b).phoff + i * sizeof(elf::Phdr));
}
int first_load(Bytes& b) {
  for (int i = 0; i < ehdr(b).phnum; ++i) {
    if (phdr(b, i).type == elf::kPtLoad)
      return i;
  }
  return -1;
}
int second_load(Bytes& b) {
  for (int i = first_load(b) + 1; i < ehdr(b).phnum; ++i) {
    if (phdr(b, i).type == elf::kPtLoad)
      return i;
  }
  return -1;
}
int last_load(Bytes& b) {
  int last = -1;
  for (int i = 0; i < ehdr(b).phnum; ++i) {
    if (phdr(b, i).type == elf::kPtLoad)
      last = i;
  }
  return last;
}
// The PT_LOAD holding the entry point.
int text_load(Bytes& b) {
  for (int i = 0; i < ehdr(b).phnum; ++i) {
    const elf::Phdr& p = phdr(b, i);
    if (p.type == elf::kPtLoad && ehdr(b).entry >= p.vaddr && ehdr(b).entry < p.vaddr + p.memsz)
      return i;
  }
  return -1;
}
// A program header that is not PT_LOAD (PT_NOTE, PT_GNU_STACK, ...).
int other_header(Bytes& b) {
  for (int i = 0; i < ehdr(b).phnum; ++i) {
    if (phdr(b, i).type != elf::kPtLoad && phdr(b, i).type != 6 /* PT_PHDR */)
      return i;
  }
  return -1;
}

struct Case {
  const char* name;
  std::function<void(Bytes&)> mutate;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> list = {
      {"empty", [](Bytes& b) { b.clear(); }},
      {"truncated-header", [](Bytes& b) { b.resize(63); }},
      {"truncated-phdrs", [](Bytes& b) { b.resize(ehdr(b).phoff + 20); }},
      {"bad-magic", [](Bytes& b) { b[1] = 'X'; }},
      {"class32", [](Bytes& b) { b[4] = 1; }},
      {"big-endian", [](Bytes& b) { b[5] = 2; }},
      {"bad-version", [](Bytes& b) { ehdr(b).version = 0; }},
      {"type-rel", [](Bytes& b) { ehdr(b).type = 1; }},
      {"type-core", [](Bytes& b) { ehdr(b).type = 4; }},
      {"machine-i386", [](Bytes& b) { ehdr(b).machine = 3; }},
      {"machine-aarch64", [](Bytes& b) { ehdr(b).machine = 183; }},
      {"phentsize-32", [](Bytes& b) { ehdr(b).phentsize = 32; }},
      {"phnum-0", [](Bytes& b) { ehdr(b).phnum = 0; }},
      {"phnum-65535", [](Bytes& b) { ehdr(b).phnum = 65535; }},
      {"phoff-beyond-file", [](Bytes& b) { ehdr(b).phoff = b.size() + 4096; }},
      {"phoff-overflow", [](Bytes& b) { ehdr(b).phoff = ~0ull - 63; }},
      {"segment-offset-beyond-file",
       [](Bytes& b) { phdr(b, text_load(b)).offset = b.size() + 8192; }},
      {"segment-offset-overflow",
       [](Bytes& b) {
         elf::Phdr& p = phdr(b, text_load(b));
         p.offset = ~0ull - 4095 + (p.vaddr % 4096);
       }},
      {"segment-filesz-beyond-file", [](Bytes& b) { phdr(b, text_load(b)).filesz = b.size() * 4; }},
      {"filesz-above-memsz",
       [](Bytes& b) {
         elf::Phdr& p = phdr(b, second_load(b));
         p.memsz = p.filesz / 2;
       }},
      {"segment-in-kernel-half",
       [](Bytes& b) {
         elf::Phdr& p = phdr(b, second_load(b));
         p.vaddr = 0xffff'ffff'8000'0000ull + (p.vaddr % 4096);
       }},
      {"segment-vaddr-overflow",
       [](Bytes& b) {
         elf::Phdr& p = phdr(b, second_load(b));
         p.memsz = ~0ull - p.vaddr + 2;
       }},
      {"segment-at-page-zero",
       [](Bytes& b) {
         elf::Phdr& p = phdr(b, first_load(b));
         p.vaddr = p.offset % 4096;
       }},
      {"segment-misaligned", [](Bytes& b) { phdr(b, second_load(b)).vaddr += 1; }},
      {"segments-overlap",
       [](Bytes& b) {
         elf::Phdr& last = phdr(b, last_load(b));
         last.vaddr = phdr(b, first_load(b)).vaddr + (last.offset % 4096);
       }},
      {"no-load-segment",
       [](Bytes& b) {
         for (int i = 0; i < ehdr(b).phnum; ++i) {
           if (phdr(b, i).type == elf::kPtLoad)
             phdr(b, i).type = 0;
         }
       }},
      {"entry-outside-segments", [](Bytes& b) { ehdr(b).entry = 0x10; }},
      {"entry-in-data", [](Bytes& b) { ehdr(b).entry = phdr(b, last_load(b)).vaddr; }},
      {"interp-dynamic", [](Bytes& b) { phdr(b, other_header(b)).type = vdso::elf::kPtInterp; }},
      {"shell-script",
       [](Bytes& b) {
         const char script[] = "#!/bin/sh\necho not an ELF\n";
         b.assign(script, script + sizeof(script) - 1);
       }},
  };
  return list;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--list") == 0) {
    for (const Case& c : cases())
      std::printf("%s\n", c.name);
    return 0;
  }
  if (argc < 3) {
    std::fprintf(stderr, "usage: make-bad-elves VALID OUTDIR CASE... | --list\n");
    return 2;
  }
  Bytes valid;
  if (!kernel::tools::read_file(argv[1], valid) || valid.size() < sizeof(elf::Ehdr) ||
      ehdr(valid).type != 2 || second_load(valid) < 0 || other_header(valid) < 0) {
    std::fprintf(stderr, "make-bad-elves: %s is not a static ET_EXEC with two PT_LOADs\n", argv[1]);
    return 1;
  }
  for (int i = 3; i < argc; ++i) {
    const Case* found = nullptr;
    for (const Case& c : cases()) {
      if (c.name == std::string(argv[i]))
        found = &c;
    }
    if (found == nullptr) {
      std::fprintf(stderr, "make-bad-elves: unknown case %s (see --list)\n", argv[i]);
      return 2;
    }
    Bytes bad = valid;
    found->mutate(bad);
    const std::string path = std::string(argv[2]) + "/" + found->name;
    FILE* out = std::fopen(path.c_str(), "wb");
    if (out == nullptr || std::fwrite(bad.data(), 1, bad.size(), out) != bad.size() ||
        std::fclose(out) != 0) {
      std::fprintf(stderr, "make-bad-elves: cannot write %s\n", path.c_str());
      return 1;
    }
    chmod(path.c_str(), 0755);  // executable, so that Linux too says ENOEXEC, not EACCES
  }
  return 0;
}
