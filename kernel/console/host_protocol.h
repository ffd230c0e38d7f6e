// The lines of the kernel's serial log that the host acts on, written once:
// the kernel prints them, and the launchers (kernel/tools/) and the test
// runner look for them. Plain constants, so that the freestanding kernel
// and the host's tools include the same header.
#pragma once

namespace kernel::host_protocol {

// The machine stops because init (pid 1) is gone: this marker, then init's
// wait status in decimal, on a line of its own
// ("VDSO-KERNEL-EXIT wait_status=0"). vdso-kernel-run takes the program's
// exit status from it; the tests check that init exited 0.
inline constexpr char kExitMarker[] = "VDSO-KERNEL-EXIT wait_status=";

}  // namespace kernel::host_protocol
