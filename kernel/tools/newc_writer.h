// Writes a cpio archive in the "newc" format (what Linux's initramfs and
// our kernel's fs/initramfs.cpp read): regular files, directories and
// symbolic links, each under the name given, then the TRAILER!!! entry. Host-side, shared by
// mkinitramfs and vdso-kernel-run.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace kernel::tools {

class NewcWriter {
 public:
  // Adds a file with the given contents and mode bits (0755: executable).
  void add(const std::string& name, const std::vector<uint8_t>& contents, uint32_t mode = 0100755) {
    header(name, static_cast<uint32_t>(contents.size()), mode);
    out_.insert(out_.end(), contents.begin(), contents.end());
    pad();
  }
  void add_directory(const std::string& name, uint32_t mode = 040755) { header(name, 0, mode); }
  // A symbolic link: its data is the target.
  void add_symlink(const std::string& name, const std::string& target) {
    header(name, static_cast<uint32_t>(target.size()), 0120777);
    out_.insert(out_.end(), target.begin(), target.end());
    pad();
  }
  // The archive, with its trailer.
  std::vector<uint8_t> finish() {
    header("TRAILER!!!", 0, 0);
    return out_;
  }

 private:
  void header(const std::string& name, uint32_t size, uint32_t mode) {
    char buffer[111];
    std::snprintf(buffer, sizeof(buffer),
                  "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ++inode_, mode, 0u,
                  0u, 1u, 0u, size, 0u, 0u, 0u, 0u, static_cast<uint32_t>(name.size() + 1), 0u);
    out_.insert(out_.end(), buffer, buffer + 110);
    out_.insert(out_.end(), name.begin(), name.end());
    out_.push_back('\0');
    pad();
  }
  void pad() {
    while (out_.size() % 4 != 0)
      out_.push_back(0);
  }

  std::vector<uint8_t> out_;
  uint32_t inode_ = 0;
};

inline bool read_file(const std::string& path, std::vector<uint8_t>& out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr)
    return false;
  out.clear();
  uint8_t buffer[65536];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0)
    out.insert(out.end(), buffer, buffer + n);
  const bool ok = !std::ferror(f);
  std::fclose(f);
  return ok;
}

}  // namespace kernel::tools
