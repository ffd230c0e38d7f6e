// The command line of vdso-run:
//   vdso-run [--hz N] [--at TIME | --offset DURATION] [--rate R | --freeze]
//            [--file-times] [--verbose] [--stats] [--] PROGRAM [ARGS...]
#pragma once

#include <stdint.h>

#include "result.h"

namespace vdso::run {

inline constexpr uint32_t kDefaultHz = 250;
inline constexpr uint32_t kMinHz = 1;
inline constexpr uint32_t kMaxHz = 10000;

// The latest start --at accepts, in seconds since the epoch: a 64-bit
// time_t, less room for the clock to run on (2^40 s, some 34 800 years).
inline constexpr int64_t kLatestStartSec = 0x7fff'ffff'ffff'ffff - (int64_t{1} << 40);

struct VirtualTimeOptions {
  bool at_given = false;
  int64_t at_sec = 0;  // --at, since the epoch
  int64_t at_nsec = 0;
  bool offset_given = false;
  int64_t offset_ns = 0;  // --offset
  bool rate_given = false;
  uint64_t rate_mult = 0;  // --rate << abi::kVirtualRateShift
  bool freeze = false;
  bool file_times = false;  // --file-times: file times on the tree's clock too
  bool on() const { return at_given || offset_given || rate_given || freeze; }
};

struct Options {
  uint32_t hz = kDefaultHz;
  VirtualTimeOptions virtual_time;
  bool verbose = false;
  bool stats = false;
  bool help = false;
  bool version = false;
  char** program_argv = nullptr;  // PROGRAM and its arguments, null-terminated
};

// Parses argv; a usage error (EINVAL, or ERANGE for a value out of range)
// names what was wrong.
Result<Options> parse_options(int argc, char** argv);

const char* usage_text();

}  // namespace vdso::run
