// The values of vdso-run's virtual-time options: a date (--at), a duration
// (--offset) and a rate (--rate), each read exactly or refused.
#include "time_values.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

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

}  // namespace vdso::run
