// The initramfs: a cpio archive in the "newc" format (the one Linux's
// initramfs uses), handed to the kernel as a multiboot module and read in
// place through the direct map. Read-only; regular files only.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kernel::initramfs {

struct File {
  const uint8_t* data;
  uint64_t size;
  uint32_t mode;  // st_mode from the archive
};

// Indexes the archive at [begin, begin + size). Every header field and
// name is bounds-checked: a truncated or corrupt archive is reported and
// indexed up to the damage, never read beyond its end.
void init(const uint8_t* begin, uint64_t size);

// Looks a path up ("/init", "init" and "./init" name the same file).
// Returns false when there is no such regular file.
bool find(const char* path, File& out);

// Number of files indexed (for the boot log and tests).
int file_count();

}  // namespace kernel::initramfs
