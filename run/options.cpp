#include "options.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "vdso/abi/data_page.h"

namespace vdso::run {
namespace {

constexpr int64_t kNsPerSec = abi::kNanosecondsPerSecond;

// Exactly `count` digits at *text, advanced past them.
bool read_digits(const char** text, int count, int64_t* value) {
  int64_t v = 0;
  for (int i = 0; i < count; ++i) {
    const char c = (*text)[i];
    if (c < '0' || c > '9')
      return false;
    v = v * 10 + (c - '0');
  }
  *text += count;
  *value = v;
  return true;
}

// One or more digits (at most 18, so no overflow), advanced past them.
bool read_number(const char** text, int64_t* value, int* digits = nullptr) {
  int n = 0;
  int64_t v = 0;
  while ((*text)[n] >= '0' && (*text)[n] <= '9') {
    if (n == 18)
      return false;
    v = v * 10 + ((*text)[n] - '0');
    ++n;
  }
  if (n == 0)
    return false;
  *text += n;
  *value = v;
  if (digits != nullptr)
    *digits = n;
  return true;
}

// ".123" -> nanoseconds; nothing when no '.' follows. At most 9 digits.
bool read_fraction(const char** text, int64_t* nsec) {
  *nsec = 0;
  if (**text != '.')
    return true;
  ++*text;
  int digits = 0;
  int64_t value = 0;
  if (!read_number(text, &value, &digits) || digits > 9)
    return false;
  for (int i = digits; i < 9; ++i)
    value *= 10;
  *nsec = value;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t days_in_month(int64_t y, int64_t m) {
  static constexpr int64_t kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

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

bool parse_time(const char* text, int64_t* sec, int64_t* nsec) {
  const char* c = text;
  int64_t s = 0, ns = 0;
  if (*c == '@') {
    ++c;
    const bool negative = *c == '-';
    if (negative || *c == '+')
      ++c;
    if (!read_number(&c, &s) || !read_fraction(&c, &ns) || *c != '\0')
      return false;
    if (negative) {
      s = -s - (ns != 0);
      ns = ns != 0 ? kNsPerSec - ns : 0;
    }
    *sec = s;
    *nsec = ns;
    return true;
  }
  // YYYY (or more digits)-MM-DD[(T| )HH:MM[:SS[.F]]][Z|(+|-)HH[:]MM]
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int year_digits = 0;
  if (!read_number(&c, &year, &year_digits) || year_digits < 4 || year_digits > 12)
    return false;
  if (*c++ != '-' || !read_digits(&c, 2, &month) || *c++ != '-' || !read_digits(&c, 2, &day))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
    return false;
  if (*c == 'T' || *c == 't' || *c == ' ') {
    ++c;
    if (!read_digits(&c, 2, &hour) || *c++ != ':' || !read_digits(&c, 2, &minute))
      return false;
    if (*c == ':') {
      ++c;
      if (!read_digits(&c, 2, &second) || !read_fraction(&c, &ns))
        return false;
    }
    if (hour > 23 || minute > 59 || second > 59)
      return false;
  }
  int64_t zone_sec = 0;
  if (*c == 'Z' || *c == 'z') {
    ++c;
  } else if (*c == '+' || *c == '-') {
    const int64_t sign = *c++ == '-' ? -1 : 1;
    int64_t zh = 0, zm = 0;
    if (!read_digits(&c, 2, &zh))
      return false;
    if (*c == ':')
      ++c;
    if (!read_digits(&c, 2, &zm) || zh > 23 || zm > 59)
      return false;
    zone_sec = sign * (zh * 3600 + zm * 60);
  }
  if (*c != '\0')
    return false;
  // At most 12 digits of year: days * 86400 stays far inside int64.
  *sec = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - zone_sec;
  *nsec = ns;
  return true;
}

bool parse_duration(const char* text, int64_t* ns) {
  const char* c = text;
  const bool negative = *c == '-';
  if (negative || *c == '+')
    ++c;
  __int128 total = 0;
  int parts = 0;
  while (*c != '\0') {
    int64_t whole = 0, fraction = 0;
    if (!read_number(&c, &whole) || !read_fraction(&c, &fraction))
      return false;
    int64_t unit = 0;
    if (std::strncmp(c, "ms", 2) == 0) {
      unit = 1'000'000, c += 2;
    } else if (std::strncmp(c, "us", 2) == 0) {
      unit = 1'000, c += 2;
    } else if (std::strncmp(c, "ns", 2) == 0) {
      unit = 1, c += 2;
    } else if (*c == 'd') {
      unit = 86400 * kNsPerSec, ++c;
    } else if (*c == 'h') {
      unit = 3600 * kNsPerSec, ++c;
    } else if (*c == 'm') {
      unit = 60 * kNsPerSec, ++c;
    } else if (*c == 's') {
      unit = kNsPerSec, ++c;
    } else {
      return false;  // a number needs its unit
    }
    total +=
        static_cast<__int128>(whole) * unit + static_cast<__int128>(fraction) * unit / kNsPerSec;
    if (total > static_cast<__int128>(0x7fff'ffff'ffff'ffff))
      return false;
    ++parts;
  }
  if (parts == 0)
    return false;
  *ns = static_cast<int64_t>(negative ? -total : total);
  return true;
}

bool parse_rate(const char* text, uint64_t* mult) {
  // Digits with one optional point: no exponent, sign, hex, inf or nan.
  int points = 0, digits = 0;
  for (const char* c = text; *c != '\0'; ++c) {
    if (*c == '.')
      ++points;
    else if (*c >= '0' && *c <= '9')
      ++digits;
    else
      return false;
  }
  if (digits == 0 || points > 1)
    return false;
  const double rate = std::strtod(text, nullptr);
  if (!(rate > 0) || rate > kMaxRate)
    return false;
  const double scaled = std::ldexp(rate, static_cast<int>(abi::kVirtualRateShift));
  const auto m = static_cast<uint64_t>(std::llround(scaled));
  if (m == 0)
    return false;
  *mult = m;
  return true;
}

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
         "                    stops in vdso-run, so it costs\n"
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
         "SIGINT, SIGTERM and SIGHUP sent to vdso-run are forwarded to PROGRAM.\n";
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

bool parse_virtual_time_option(const std::string& name, const char* value, VirtualTimeOptions* vt,
                               std::string* error) {
  if (value == nullptr) {
    *error = name + " needs a value";
    return false;
  }
  const std::string quoted = std::string("'") + value + "'";
  if (name == "--at") {
    if (!parse_time(value, &vt->at_sec, &vt->at_nsec)) {
      *error =
          "--at: " + quoted + " is not a time: give ISO 8601 (2038-01-19T03:14:07Z) or @SECONDS";
      return false;
    }
    if (vt->at_sec < 0) {
      *error = "--at: " + quoted + " is before 1970";
      return false;
    }
    if (vt->at_sec > kLatestStartSec) {
      *error = "--at: " + quoted + " is past what a 64-bit time_t can hold (the latest start is @" +
               std::to_string(kLatestStartSec) + ")";
      return false;
    }
    vt->at_given = true;
  } else if (name == "--offset") {
    if (!parse_duration(value, &vt->offset_ns)) {
      *error = "--offset: " + quoted +
               " is not a duration: give [+|-]NUMBER UNIT..., UNIT one of " +
               "d h m s ms us ns (+3d, -1h30m, +90s)";
      return false;
    }
    vt->offset_given = true;
  } else {
    if (!parse_rate(value, &vt->rate_mult)) {
      *error = "--rate: " + quoted + " is not a rate: give a decimal number above 0, at most 1000";
      return false;
    }
    vt->rate_given = true;
  }
  return true;
}

}  // namespace

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
    } else if (std::strcmp(arg, "--freeze") == 0) {
      options->virtual_time.freeze = true;
    } else if (std::strcmp(arg, "--file-times") == 0) {
      options->virtual_time.file_times = true;
    } else if (const char* name = valued_option(arg)) {
      const size_t length = std::strlen(name);
      const char* value =
          arg[length] == '=' ? arg + length + 1 : (i + 1 < argc ? argv[++i] : nullptr);
      if (!parse_virtual_time_option(name, value, &options->virtual_time, error))
        return false;
    } else {
      *error = std::string("unknown option '") + arg + "'";
      return false;
    }
  }
  const VirtualTimeOptions& vt = options->virtual_time;
  if (vt.at_given && vt.offset_given) {
    *error = "--at and --offset both set where REALTIME starts: give one of them";
    return false;
  }
  if (vt.freeze && vt.rate_given) {
    *error = "--freeze and --rate exclude each other: a frozen clock has no rate";
    return false;
  }
  if (i >= argc) {
    *error = "no PROGRAM to run";
    return false;
  }
  options->program_argv = argv + i;
  return true;
}

}  // namespace vdso::run
