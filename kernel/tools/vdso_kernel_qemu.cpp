// vdso-kernel-qemu: the accelerator decision and the QEMU command line of
// kernel/tools/qemu_machine.h, for launchers that are not C++ (run.sh, the
// make targets, the demo, the tests' fixture).
//
//   vdso-kernel-qemu decide [--kernel PATH]
//       decides now (the checks and probe boot), caches the decision beside
//       the kernel and prints its one-line reason
//   vdso-kernel-qemu accel [--kernel PATH]
//       prints the reason of the cached decision (deciding first if there
//       is none, or it is older than the kernel)
//   vdso-kernel-qemu args [--kernel PATH] [--initrd FILE] [--append OPTIONS]
//                         [--memory MB] [--cpus N] [--cpu MODEL] [-- QEMU-ARGS...]
//       prints QEMU's argv, one argument per line, for the cached decision
//       (--cpu MODEL: TCG with that model); QEMU-ARGS (the serial ports)
//       are appended as given
//
// Exit status: 0; 125 when VDSO_KERNEL_ACCEL is invalid or forces a KVM
// that cannot run the kernel (the message says why); 2 for bad usage.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "qemu_machine.h"

namespace {

constexpr int kExitCannotRun = 125;

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "vdso-kernel-qemu: %s\n"
               "usage: vdso-kernel-qemu decide|accel [--kernel PATH]\n"
               "       vdso-kernel-qemu args [--kernel PATH] [--initrd FILE] [--append OPTIONS]\n"
               "                             [--memory MB] [--cpus N] [--cpu MODEL]\n"
               "                             [-- QEMU-ARGS...]\n",
               why.c_str());
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vdso_kernel_tools;
  if (argc < 2)
    usage("no command");
  const std::string command = argv[1];
  if (command != "decide" && command != "accel" && command != "args")
    usage("unknown command " + command);
  Boot boot;
  boot.kernel = default_kernel_path(VDSO_KERNEL_BUILT_PATH);
  std::string cpu;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        usage("missing value for " + arg);
      return argv[++i];
    };
    if (arg == "--kernel") {
      boot.kernel = value();
    } else if (command == "args" && arg == "--initrd") {
      boot.initrd = value();
    } else if (command == "args" && arg == "--append") {
      boot.append = value();
    } else if (command == "args" && arg == "--memory") {
      boot.memory_mb = static_cast<unsigned>(std::atoi(value().c_str()));
      if (boot.memory_mb < 64)
        usage("--memory must be at least 64 (MB)");
    } else if (command == "args" && arg == "--cpus") {
      boot.cpus = vdso_kernel_tools::parse_cpu_count(value());
      if (boot.cpus == 0)
        usage("--cpus must be 1..16");
    } else if (command == "args" && arg == "--cpu") {
      cpu = value();
    } else if (command == "args" && arg == "--") {
      boot.extra_args.assign(argv + i + 1, argv + argc);
      break;
    } else {
      usage("unknown argument " + arg);
    }
  }
  if (access(boot.kernel.c_str(), R_OK) != 0)
    usage(boot.kernel + " not found; build first (make build)");

  Accelerator accelerator;
  if (!cpu.empty()) {
    accelerator = tcg_with_cpu(cpu);
  } else {
    const AcceleratorChoice choice =
        command == "decide" ? decide_accelerator(boot.kernel) : accelerator_for(boot.kernel);
    if (!choice.ok) {
      std::fprintf(stderr, "vdso-kernel-qemu: %s\n", choice.error.c_str());
      return kExitCannotRun;
    }
    accelerator = choice.accelerator;
  }
  if (command != "args") {
    std::printf("%s\n", accelerator.reason.c_str());
    return 0;
  }
  for (const std::string& a : qemu_command(accelerator, boot))
    std::printf("%s\n", a.c_str());
  return 0;
}
