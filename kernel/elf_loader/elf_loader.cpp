#include <stddef.h>

#include "elf_loader/elf_loader.h"

#include "mm/frame_allocator.h"
#include "mm/layout.h"
#include "proc/process.h"
#include "vdso/elf/elf64.h"

extern "C" void* memcpy(void*, const void*, size_t);
extern "C" void* memset(void*, int, size_t);

namespace kernel::elf_loader {
namespace {

namespace elf = vdso::elf;
using layout::kPageSize;

const elf::Phdr* program_headers(const uint8_t* file) {
  const auto& ehdr = *reinterpret_cast<const elf::Ehdr*>(file);
  return reinterpret_cast<const elf::Phdr*>(file + ehdr.phoff);
}

}  // namespace

Refusal load(paging::AddressSpace space, const uint8_t* file, uint64_t size, uint64_t pie_base,
             Loaded& out) {
  const Refusal refusal = check(file, size);
  if (refusal != Refusal::kOk)
    return refusal;
  const auto& ehdr = *reinterpret_cast<const elf::Ehdr*>(file);
  const uint64_t bias = ehdr.type == elf::kTypeDyn ? pie_base : 0;
  const elf::Phdr* phdrs = program_headers(file);
  out = Loaded{ehdr.entry + bias, bias, 0, ehdr.phnum, 0};

  for (uint16_t i = 0; i < ehdr.phnum; ++i) {
    const elf::Phdr& ph = phdrs[i];
    if (ph.type != elf::kPtLoad || ph.memsz == 0)
      continue;
    const uint64_t begin = ph.vaddr + bias;
    const uint64_t end = begin + ph.memsz;
    const uint64_t file_begin = begin;  // file bytes occupy [begin, begin + filesz)
    const uint64_t file_end = begin + ph.filesz;
    const uint64_t flags = paging::kUser | ((ph.flags & elf::kPfW) ? paging::kWritable : 0) |
                           ((ph.flags & elf::kPfX) ? 0 : paging::kNoExecute);
    for (uint64_t page = layout::page_round_down(begin); page < end; page += kPageSize) {
      paging::Translation t = paging::translate(space, page);
      uint64_t frame;
      if (t.present) {
        // Shared with the previous segment: the union of the permissions.
        frame = layout::page_round_down(t.phys);
        const uint64_t merged =
            paging::kUser | (t.writable ? paging::kWritable : 0) | (flags & paging::kWritable) |
            ((t.executable || !(flags & paging::kNoExecute)) ? 0 : paging::kNoExecute);
        paging::protect_page(space, page, merged);
      } else {
        if (!proc::may_allocate_user_frames(1))
          return Refusal::kOutOfMemory;
        frame = frames::allocate();
        if (frame == frames::kNoFrame)
          return Refusal::kOutOfMemory;
        memset(layout::phys_to_virt<void>(frame), 0, kPageSize);
        paging::map_page(space, page, frame, flags);
      }
      // The file bytes that fall in this page.
      const uint64_t copy_begin = page > file_begin ? page : file_begin;
      const uint64_t copy_end = page + kPageSize < file_end ? page + kPageSize : file_end;
      if (copy_begin < copy_end) {
        memcpy(layout::phys_to_virt<uint8_t>(frame) + (copy_begin - page),
               file + ph.offset + (copy_begin - begin), copy_end - copy_begin);
      }
    }
    if (end > out.image_end)
      out.image_end = end;
    if (ehdr.phoff >= ph.offset &&
        ehdr.phoff + ehdr.phnum * sizeof(elf::Phdr) <= ph.offset + ph.filesz)
      out.phdr = begin + (ehdr.phoff - ph.offset);
  }
  return Refusal::kOk;
}

}  // namespace kernel::elf_loader
