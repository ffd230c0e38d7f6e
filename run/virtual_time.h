// The tree's virtual time (--at, --offset, --rate, --freeze) as the data
// page carries it: the host's clocks sampled at the start, and what each
// clock reads there. The transform itself is abi::to_virtual, one copy for
// the image, the timekeeper and the supervisor.
#pragma once

#include "options.h"
#include "result.h"
#include "vdso/abi/data_page.h"
#include "vdso/abi/virtual_time.h"

namespace vdso::run {

// Samples the host's clocks now. An error (ERANGE, naming the option) when
// the start falls before 1970 or past kLatestStartSec (an --offset too
// large either way).
Result<abi::VirtualTime> make_virtual_time(const VirtualTimeOptions& options);

}  // namespace vdso::run
