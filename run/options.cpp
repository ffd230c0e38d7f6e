// The command line of vdso-run: options, their combinations and the usage
// text. The values of --at, --offset and --rate are read by time_values.h.
#include "options.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "time_values.h"

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
         "\n"
         "Virtual time (every program, every path: VDSO, system calls, absolute timers):\n"
         "  --at TIME         REALTIME starts at TIME and runs on from there. TIME is\n"
         "                    ISO 8601 (2038-01-19T03:14:07Z, 2038-01-19T03:14:07+01:00,\n"
         "                    2038-01-19; no zone means UTC) or @SECONDS[.FRACTION];\n"
         "                    from 1970 to what a 64-bit time_t holds\n"
         "  --offset DURATION REALTIME is shifted by DURATION: [+|-]NUMBER UNIT...,\n"
         "                    UNIT one of d h m s ms us ns (+3d, -1h30m, +90s)\n"
         "  --rate R          every clock's time since the start runs R times as fast\n"
         "                    (0 < R <= 1000, a decimal number), and sleeps and timed\n"
         "                    waits last 1/R as long\n"
         "  --freeze          the clocks stand still at the start (or at --at); a\n"
         "                    relative sleep or timeout lasts its real duration\n"
         "  --file-times      file times are the tree's too (stat reads them, utimensat\n"
         "                    sets them, on the tree's clock); every stat call then\n"
         "                    stops in vdso-run (15-20 times the cost), hence off by\n"
         "                    default\n"
         "Of these, --at and --offset exclude each other, as do --rate and --freeze.\n"
         "Sleeps, timers and every timed wait (futex, poll, select, epoll, ...) last\n"
         "their time on the tree's clock. The CPU-time clocks, /proc/uptime and file\n"
         "times (without --file-times) stay real.\n"
         "\n"
         "  --verbose    one line per program served\n"
         "  --stats      at exit: ticks, worst lag, programs served, clock system\n"
         "               calls answered, the page, supervisor CPU\n"
         "               (kill -USR1 <vdso-run> prints them live)\n"
         "  --help       this text\n"
         "  --version    the version\n"
         "\n"
         "Exit status: PROGRAM's own, 128+N if signal N killed it, 127 if it was not\n"
         "found, 126 if it could not be run, 125 if vdso-run itself failed or was\n"
         "used wrongly (then no program is started).\n"
         "SIGINT, SIGTERM and SIGHUP sent to vdso-run are forwarded to PROGRAM; once it\n"
         "has ended, the rest of the tree gets them too, and what still runs 2 s later\n"
         "is killed.\n";
}

namespace {

// "--at", "--offset" or "--rate" if `arg` is one of them (alone or with
// "=VALUE"), else null.
const char* valued_option(const char* arg) {
  for (const char* name : {"--at", "--offset", "--rate"}) {
    const size_t length = std::strlen(name);
    if (std::strncmp(arg, name, length) == 0 && (arg[length] == '\0' || arg[length] == '='))
      return name;
  }
  return nullptr;
}

Result<void> parse_virtual_time_option(const std::string& name, const char* value,
                                       VirtualTimeOptions* vt) {
  if (value == nullptr)
    return Error{EINVAL, name + " needs a value"};
  const std::string quoted = std::string("'") + value + "'";
  if (name == "--at") {
    if (!parse_time(value, &vt->at_sec, &vt->at_nsec)) {
      return Error{EINVAL, "--at: " + quoted +
                               " is not a time: give ISO 8601 (2038-01-19T03:14:07Z) or @SECONDS"};
    }
    if (vt->at_sec < 0)
      return Error{ERANGE, "--at: " + quoted + " is before 1970"};
    if (vt->at_sec > kLatestStartSec) {
      return Error{ERANGE, "--at: " + quoted +
                               " is past what a 64-bit time_t can hold (the latest start is @" +
                               std::to_string(kLatestStartSec) + ")"};
    }
    vt->at_given = true;
  } else if (name == "--offset") {
    if (!parse_duration(value, &vt->offset_ns)) {
      return Error{EINVAL, "--offset: " + quoted +
                               " is not a duration: give [+|-]NUMBER UNIT..., UNIT one of " +
                               "d h m s ms us ns (+3d, -1h30m, +90s), at most 2^63 ns (106751d) " +
                               "either way"};
    }
    vt->offset_given = true;
  } else {
    if (!parse_rate(value, &vt->rate_mult)) {
      return Error{EINVAL, "--rate: " + quoted +
                               " is not a rate: give a decimal number above 0, at most 1000"};
    }
    vt->rate_given = true;
  }
  return {};
}

}  // namespace

Result<Options> parse_options(int argc, char** argv) {
  Options options;
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
      options.help = true;
      return options;
    }
    if (std::strcmp(arg, "--version") == 0 || std::strcmp(arg, "-V") == 0) {
      options.version = true;
      return options;
    }
    if (std::strcmp(arg, "--verbose") == 0 || std::strcmp(arg, "-v") == 0) {
      options.verbose = true;
    } else if (std::strcmp(arg, "--stats") == 0) {
      options.stats = true;
    } else if (std::strcmp(arg, "--hz") == 0 || std::strncmp(arg, "--hz=", 5) == 0) {
      const char* value = arg[4] == '=' ? arg + 5 : (i + 1 < argc ? argv[++i] : nullptr);
      if (value == nullptr)
        return Error{EINVAL, "--hz needs a value (1..10000)"};
      if (!parse_hz(value, &options.hz)) {
        return Error{EINVAL,
                     std::string("--hz: '") + value + "' is not a whole number from 1 to 10000"};
      }
    } else if (std::strcmp(arg, "--freeze") == 0) {
      options.virtual_time.freeze = true;
    } else if (std::strcmp(arg, "--file-times") == 0) {
      options.virtual_time.file_times = true;
    } else if (const char* name = valued_option(arg)) {
      const size_t length = std::strlen(name);
      const char* value =
          arg[length] == '=' ? arg + length + 1 : (i + 1 < argc ? argv[++i] : nullptr);
      if (const Result<void> parsed = parse_virtual_time_option(name, value, &options.virtual_time);
          !parsed) {
        return parsed.error();
      }
    } else {
      return Error{EINVAL, std::string("unknown option '") + arg + "'"};
    }
  }
  const VirtualTimeOptions& vt = options.virtual_time;
  if (vt.at_given && vt.offset_given)
    return Error{EINVAL, "--at and --offset both set where REALTIME starts: give one of them"};
  if (vt.freeze && vt.rate_given)
    return Error{EINVAL, "--freeze and --rate exclude each other: a frozen clock has no rate"};
  if (i >= argc)
    return Error{EINVAL, "no PROGRAM to run"};
  options.program_argv = argv + i;
  return options;
}

}  // namespace vdso::run
