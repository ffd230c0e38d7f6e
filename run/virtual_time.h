// The tree's virtual time (--at, --offset, --rate, --freeze) as the data
// page carries it: the host's clocks sampled at the start, and what each
// clock reads there. The transform itself is abi::to_virtual, one copy for
// the image, the timekeeper and the supervisor.
#pragma once

#include <string>

#include "options.h"
#include "vdso/abi/data_page.h"
#include "vdso/abi/virtual_time.h"

namespace vdso::run {

// Samples the host's clocks now. False (with `error` naming the option)
// when the start falls before 1970 or past kLatestStartSec (an --offset
// too large either way).
bool make_virtual_time(const VirtualTimeOptions& options, abi::VirtualTime* vt, std::string* error);

}  // namespace vdso::run
