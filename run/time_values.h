// The values of vdso-run's virtual-time options (--at, --offset, --rate),
// read from their text: no locale, no guessing, nothing past the value.
#pragma once

#include <stdint.h>

namespace vdso::run {

// --rate's bounds: above 0 (a rate of 0 is --freeze), at most this.
inline constexpr double kMaxRate = 1000.0;

// Each returns false on anything but a valid value.
// TIME: ISO 8601 (2038-01-19T03:14:07Z, 2038-01-19T03:14:07.5+01:00,
// 2038-01-19 03:14:07, 2038-01-19; no zone is UTC) or @SECONDS[.FRACTION].
bool parse_time(const char* text, int64_t* sec, int64_t* nsec);
// DURATION: [+|-] then one or more NUMBER UNIT, UNIT one of d h m s ms us ns
// (+3d, -1h30m, +90s, 1.5s).
bool parse_duration(const char* text, int64_t* ns);
// R: a decimal number, 0 < R <= kMaxRate; *mult = R << kVirtualRateShift.
bool parse_rate(const char* text, uint64_t* mult);

}  // namespace vdso::run
