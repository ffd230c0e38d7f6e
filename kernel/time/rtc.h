// The CMOS real-time clock: wall-clock time at boot, to the second.
#pragma once

#include <stdint.h>

namespace kernel::rtc {

// Seconds since the Unix epoch, read consistently (no update in progress,
// two identical reads), in UTC as QEMU and most hypervisors keep it.
int64_t read_epoch_seconds();

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil). Exposed for the tests.
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);

}  // namespace kernel::rtc
