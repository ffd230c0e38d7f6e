// How vdso-kernel boots under QEMU, written once: which accelerator and CPU
// model (decided with checks, cached beside the kernel or per user) and the command line
// built from them. kernel-qemu-run (the tests) and vdso-kernel-run link it;
// kernel/scripts/run.sh and the make targets reach it through the
// vdso-kernel-qemu tool.
//
// KVM is used only when all of these hold, checked in this order (each
// check is cheaper than the next):
//   1. the CPU reports hardware virtualization (vmx or svm in /proc/cpuinfo;
//      VDSO_KERNEL_CPUINFO=FILE reads another file, for tests): a /dev/kvm
//      without it is a software hypervisor (kvm_pvm) that cannot run us;
//   2. /dev/kvm opens and answers KVM_GET_API_VERSION;
//   3. a probe boot under KVM, with the CPU model below, runs a tiny static
//      program (/hello-musl from the build's initramfs) to its exit within
//      kProbeTimeoutSeconds: QEMU created the vCPU, and system calls work.
// Otherwise TCG, with one line that says why. VDSO_KERNEL_ACCEL=tcg forces
// TCG; VDSO_KERNEL_ACCEL=kvm forces KVM, and a failed check is then an
// error instead of a fallback.
#pragma once

#include <string>
#include <vector>

namespace vdso_kernel_tools {

struct Accelerator {
  std::string name;    // "kvm" or "tcg"
  std::string cpu;     // QEMU's -cpu model; empty: QEMU's default (qemu64 under TCG)
  std::string reason;  // one line: why this accelerator
};

struct AcceleratorChoice {
  bool ok = false;  // false: VDSO_KERNEL_ACCEL is invalid, or forced KVM cannot work
  Accelerator accelerator;
  std::string error;   // when !ok
  bool fresh = false;  // decided now (not read from the cache): callers print the reason once
};

// Under KVM: the host's CPU without IA32_ARCH_CAPABILITIES, which some
// hypervisors report but refuse to let QEMU set (QEMU then aborts at once),
// and with the invariant-TSC bit, which QEMU's "host" model leaves out: the
// kernel gives user space the TSC (fine clocks in the VDSO) only when it is
// invariant, or under TCG. A host without an invariant TSC gets a warning
// from QEMU and a guest without the bit (fine clocks then take the system
// call), never a failed start.
inline constexpr const char* kKvmCpuModel = "host,-arch-capabilities,+invtsc";
inline constexpr double kProbeTimeoutSeconds = 5;

// The decision for `kernel` made now: runs the checks (and the probe boot
// when the cheaper checks pass) and caches the result (beside the kernel,
// or in the user's cache directory when the kernel's is read-only).
AcceleratorChoice decide_accelerator(const std::string& kernel);
// The cached decision when it was made for the same request and is newer
// than the kernel; otherwise decide_accelerator.
AcceleratorChoice accelerator_for(const std::string& kernel);
// TCG with `cpu`: a test that asks for a CPU model (-cpu max) is a TCG test.
Accelerator tcg_with_cpu(const std::string& cpu);

// One boot: what differs between launchers. The serial ports (and anything
// else launcher-specific) come verbatim in `extra_args`.
struct Boot {
  std::string qemu = "qemu-system-x86_64";
  std::string kernel;
  std::string initrd;  // empty: none
  std::string append;
  unsigned memory_mb = 128;
  // CPUs (QEMU's -smp); more than one runs TCG multi-threaded, so that the
  // CPUs really run at once. The kernel finds them in the MADT.
  unsigned cpus = 1;
  std::vector<std::string> extra_args;
};

inline constexpr unsigned kMaxCpus = 16;  // the kernel's smp::kMaxCpus
// --cpus N's value, 1..kMaxCpus, or 0 when it is not one.
unsigned parse_cpu_count(const std::string& text);

// The full argv, program first: -nodefaults, the qboot firmware when it is
// installed (SeaBIOS otherwise), the accelerator and CPU model, the CPUs,
// the isa-debug-exit device the kernel leaves through, then `boot`.
std::vector<std::string> qemu_command(const Accelerator& accelerator, const Boot& boot);

// In a forked child: stdin from /dev/null, stdout and stderr to `output_fd`.
void redirect_child_output(int output_fd);
// In a forked child: runs `args` (QEMU), or says why not on stderr and
// exits with 127.
[[noreturn]] void exec_or_exit(std::vector<std::string> args);

// The kernel of this build: VDSO_KERNEL when set, else the one beside the
// running tool (BUILD/bin/../kernel/vdso-kernel, or PREFIX/bin/../lib/vdso/
// vdso-kernel when installed), else `built_path`.
std::string default_kernel_path(const char* built_path);

}  // namespace vdso_kernel_tools
