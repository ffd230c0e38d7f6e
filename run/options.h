// The command line of vdso-run:
//   vdso-run [--hz N] [--verbose] [--stats] [--] PROGRAM [ARGS...]
#pragma once

#include <stdint.h>

#include <string>

namespace vdso::run {

inline constexpr uint32_t kDefaultHz = 250;
inline constexpr uint32_t kMinHz = 1;
inline constexpr uint32_t kMaxHz = 10000;

struct Options {
  uint32_t hz = kDefaultHz;
  bool verbose = false;
  bool stats = false;
  bool help = false;
  bool version = false;
  char** program_argv = nullptr;  // PROGRAM and its arguments, null-terminated
};

// Parses argv. False on a usage error, with `error` set to the message.
bool parse_options(int argc, char** argv, Options* options, std::string* error);

const char* usage_text();

}  // namespace vdso::run
