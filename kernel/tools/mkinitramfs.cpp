// mkinitramfs: packs files into a newc cpio archive for the kernel.
// usage: mkinitramfs OUT NAME=PATH...   (NAME is the path in the archive)
#include <cstdio>
#include <string>

#include "newc_writer.h"

int main(int argc, char** argv) {
  // An option is never an output file (`mkinitramfs --help` once wrote an
  // empty archive named --help).
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: mkinitramfs OUT NAME=PATH...\n");
    return 2;
  }
  vdso_kernel_tools::NewcWriter writer;
  for (int i = 2; i < argc; ++i) {
    const std::string spec = argv[i];
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "mkinitramfs: '%s' is not NAME=PATH\n", argv[i]);
      return 2;
    }
    std::vector<uint8_t> contents;
    if (!vdso_kernel_tools::read_file(spec.substr(eq + 1), contents)) {
      std::fprintf(stderr, "mkinitramfs: cannot read %s\n", spec.substr(eq + 1).c_str());
      return 1;
    }
    writer.add(spec.substr(0, eq), contents);
  }
  const std::vector<uint8_t> archive = writer.finish();
  FILE* out = std::fopen(argv[1], "wb");
  if (out == nullptr || std::fwrite(archive.data(), 1, archive.size(), out) != archive.size() ||
      std::fclose(out) != 0) {
    std::fprintf(stderr, "mkinitramfs: cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
