#include "options.h"

#include <cstring>

namespace vdso::run {
namespace {

// Digits only, in range: "--hz 1e3", "--hz 0x10" or "--hz 250Hz" are
// errors, not guesses.
bool parse_hz(const char* text, uint32_t* hz) {
  if (*text == '\0')
    return false;
  uint64_t value = 0;
  for (const char* c = text; *c != '\0'; ++c) {
    if (*c < '0' || *c > '9')
      return false;
    value = value * 10 + static_cast<uint64_t>(*c - '0');
    if (value > kMaxHz)
      return false;
  }
  if (value < kMinHz)
    return false;
  *hz = static_cast<uint32_t>(value);
  return true;
}

}  // namespace

const char* usage_text() {
  return "Usage: vdso-run [OPTIONS] [--] PROGRAM [ARGS...]\n"
         "Run PROGRAM, and every program it starts, with our VDSO in place of the host's:\n"
         "vdso-run plays the kernel's part for the process tree (data page, clock tick,\n"
         "mapping at exec), so unmodified glibc, musl and Go programs bind it. It also\n"
         "answers their coarse clock system calls, so both paths read one clock.\n"
         "\n"
         "  --hz N       clock tick rate, 1..10000 (default 250): the resolution of\n"
         "               CLOCK_REALTIME_COARSE and CLOCK_MONOTONIC_COARSE\n"
         "  --verbose    one line per program served\n"
         "  --stats      at exit: ticks, worst lag, programs served, clock system\n"
         "               calls answered, the page, supervisor CPU\n"
         "               (kill -USR1 <vdso-run> prints them live)\n"
         "  --help       this text\n"
         "  --version    the version\n"
         "\n"
         "Exit status: PROGRAM's own, 128+N if signal N killed it, 127 if it was not\n"
         "found, 126 if it could not be run, 125 if vdso-run itself failed.\n"
         "SIGINT, SIGTERM and SIGHUP sent to vdso-run are forwarded to PROGRAM.\n";
}

bool parse_options(int argc, char** argv, Options* options, std::string* error) {
  int i = 1;
  for (; i < argc; ++i) {
    const char* arg = argv[i];
    if (std::strcmp(arg, "--") == 0) {
      ++i;
      break;
    }
    if (arg[0] != '-' || arg[1] == '\0')
      break;  // PROGRAM
    if (std::strcmp(arg, "--help") == 0 || std::strcmp(arg, "-h") == 0) {
      options->help = true;
      return true;
    }
    if (std::strcmp(arg, "--version") == 0 || std::strcmp(arg, "-V") == 0) {
      options->version = true;
      return true;
    }
    if (std::strcmp(arg, "--verbose") == 0 || std::strcmp(arg, "-v") == 0) {
      options->verbose = true;
    } else if (std::strcmp(arg, "--stats") == 0) {
      options->stats = true;
    } else if (std::strcmp(arg, "--hz") == 0 || std::strncmp(arg, "--hz=", 5) == 0) {
      const char* value = arg[4] == '=' ? arg + 5 : (i + 1 < argc ? argv[++i] : nullptr);
      if (value == nullptr) {
        *error = "--hz needs a value (1..10000)";
        return false;
      }
      if (!parse_hz(value, &options->hz)) {
        *error = std::string("--hz: '") + value + "' is not a whole number from 1 to 10000";
        return false;
      }
    } else {
      *error = std::string("unknown option '") + arg + "'";
      return false;
    }
  }
  if (i >= argc) {
    *error = "no PROGRAM to run";
    return false;
  }
  options->program_argv = argv + i;
  return true;
}

}  // namespace vdso::run
