#include "qemu_machine.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace vdso_kernel_tools {
namespace {

constexpr const char* kQbootFirmware = "/usr/share/qemu/qboot.rom";
constexpr const char* kProbeProgram = "/hello-musl";
constexpr const char* kProbeGreeting = "hello from static musl";
constexpr const char* kProbeExit = "VDSO-KERNEL-EXIT wait_status=0";
constexpr size_t kProbeOutputLimit = 1 << 16;

enum class Request { kAuto, kKvm, kTcg, kInvalid };

Request requested(std::string& spelled) {
  const char* env = std::getenv("VDSO_KERNEL_ACCEL");
  spelled = env != nullptr ? env : "";
  if (spelled.empty())
    return Request::kAuto;
  if (spelled == "kvm")
    return Request::kKvm;
  if (spelled == "tcg")
    return Request::kTcg;
  return Request::kInvalid;
}

std::string cpuinfo_path() {
  const char* env = std::getenv("VDSO_KERNEL_CPUINFO");
  return env != nullptr && env[0] != '\0' ? env : "/proc/cpuinfo";
}

// "vmx" or "svm" when a flags line of `path` has it, "" when none has;
// `error` says why when the file cannot be read.
std::string virtualization_flag(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return "";
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0)
      continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::string word;
    while (words >> word) {
      if (word == "vmx" || word == "svm")
        return word;
    }
  }
  return "";
}

// "" when /dev/kvm opens and answers the KVM API; otherwise why not.
std::string kvm_device_problem() {
  const int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return std::string("/dev/kvm: ") + std::strerror(errno);
  const int version = ioctl(fd, KVM_GET_API_VERSION, 0);
  close(fd);
  if (version != KVM_API_VERSION)
    return "/dev/kvm does not answer KVM_GET_API_VERSION";
  return "";
}

std::string directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

// The last line of `text` that contains `needle`, or "".
std::string last_line_with(const std::string& text, const std::string& needle) {
  std::istringstream lines(text);
  std::string line, found;
  while (std::getline(lines, line)) {
    if (line.find(needle) != std::string::npos)
      found = line;
  }
  if (!found.empty() && found.back() == '\r')
    found.pop_back();
  return found;
}

// Boots `kernel` under `kvm` with the probe program as init. "" when it ran
// to a clean exit in time (and `seconds` says how long it took); otherwise
// why not, in one phrase.
std::string probe_boot_problem(const std::string& kernel, const Accelerator& kvm, double& seconds) {
  Boot boot;
  boot.kernel = kernel;
  boot.initrd = directory_of(kernel) + "/initramfs.cpio";
  boot.append = std::string("init=") + kProbeProgram;
  boot.extra_args = {"-serial", "stdio"};
  if (access(boot.initrd.c_str(), R_OK) != 0)
    return "no probe program (" + boot.initrd + ": " + std::strerror(errno) + ")";
  std::vector<std::string> args = qemu_command(kvm, boot);

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0)
    return std::string("pipe: ") + std::strerror(errno);
  const auto start = std::chrono::steady_clock::now();
  const pid_t child = fork();
  if (child < 0) {
    close(out[0]);
    close(out[1]);
    return std::string("fork: ") + std::strerror(errno);
  }
  if (child == 0) {
    redirect_child_output(out[1]);
    exec_or_exit(args);
  }
  close(out[1]);
  std::string output;
  bool timed_out = false;
  const auto deadline = start + std::chrono::duration<double>(kProbeTimeoutSeconds);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{out[0], POLLIN, 0};
    const int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready <= 0)
      continue;  // EINTR, or re-check the deadline
    char buffer[4096];
    const ssize_t n = read(out[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;  // QEMU exited
    if (output.size() < kProbeOutputLimit)
      output.append(buffer, static_cast<size_t>(n));
  }
  close(out[0]);
  if (timed_out)
    kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const bool booted = output.find("vdso-kernel: booting") != std::string::npos;
  if (!booted && !timed_out) {
    return std::string("QEMU cannot start a KVM vCPU with -cpu ") + kvm.cpu + " (" +
           first_line(output) + ")";
  }
  if (timed_out) {
    char limit[32];
    std::snprintf(limit, sizeof(limit), "%g", kProbeTimeoutSeconds);
    return std::string("a probe boot of ") + kProbeProgram + " under KVM did not finish in " +
           limit + " s" + (booted ? " (the kernel booted, far too slowly)" : "");
  }
  if (output.find(kProbeGreeting) == std::string::npos ||
      output.find(kProbeExit) == std::string::npos) {
    std::string detail = last_line_with(output, "killed by");
    if (detail.empty())
      detail = last_line_with(output, "KERNEL PANIC");
    return std::string("a probe boot of ") + kProbeProgram + " under KVM failed" +
           (detail.empty() ? "" : " (" + detail + ")");
  }
  return "";
}

// The decision's cache, one key=value per line: beside the kernel (a build
// tree), or, when that directory is not writable (an installed kernel), in
// the user's cache directory; "" when neither can hold it: decide each time.
std::string cache_path(const std::string& kernel) {
  const std::string beside = directory_of(kernel);
  if (access(beside.c_str(), W_OK) == 0)
    return beside + "/qemu-accel.cache";
  std::string user_cache;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/')
    user_cache = xdg;
  else if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/')
    user_cache = std::string(home) + "/.cache";
  else
    return "";
  mkdir(user_cache.c_str(), 0700);
  const std::string ours = user_cache + "/vdso";
  if (mkdir(ours.c_str(), 0700) != 0 && errno != EEXIST)
    return "";
  return ours + "/qemu-accel.cache";
}

// The kernel as the cache names it: launchers spell one kernel differently
// (BUILD/bin/../kernel/vdso-kernel, BUILD/kernel/vdso-kernel).
std::string canonical(const std::string& path) {
  char resolved[PATH_MAX];
  return realpath(path.c_str(), resolved) != nullptr ? resolved : path;
}

bool newer_or_same(const struct stat& a, const struct stat& b) {
  if (a.st_mtim.tv_sec != b.st_mtim.tv_sec)
    return a.st_mtim.tv_sec > b.st_mtim.tv_sec;
  return a.st_mtim.tv_nsec >= b.st_mtim.tv_nsec;
}

bool read_cache(const std::string& kernel, const std::string& request, Accelerator& out) {
  struct stat cache_stat = {};
  struct stat kernel_stat = {};
  const std::string path = cache_path(kernel);
  if (path.empty() || stat(path.c_str(), &cache_stat) != 0 ||
      stat(kernel.c_str(), &kernel_stat) != 0 || !newer_or_same(cache_stat, kernel_stat)) {
    return false;
  }
  std::ifstream in(path);
  std::string line, cached_request, cached_kernel;
  bool have_request = false;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos)
      continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "request") {
      cached_request = value;
      have_request = true;
    } else if (key == "kernel") {
      cached_kernel = value;
    } else if (key == "accel") {
      out.name = value;
    } else if (key == "cpu") {
      out.cpu = value;
    } else if (key == "reason") {
      out.reason = value;
    }
  }
  // A user's cache directory is shared by every kernel they run.
  return have_request && cached_request == request && cached_kernel == canonical(kernel) &&
         (out.name == "kvm" || out.name == "tcg");
}

void write_cache(const std::string& kernel, const std::string& request, const Accelerator& a) {
  const std::string path = cache_path(kernel);
  if (path.empty())
    return;
  const std::string temporary = path + "." + std::to_string(getpid());
  {
    std::ofstream out(temporary);
    out << "request=" << request << "\nkernel=" << canonical(kernel) << "\naccel=" << a.name
        << "\ncpu=" << a.cpu << "\nreason=" << a.reason << "\n";
    if (!out)
      return;  // a read-only build tree: decide again next time
  }
  if (rename(temporary.c_str(), path.c_str()) != 0)
    unlink(temporary.c_str());
}

// Why KVM cannot run us, or "" when every check passed (`kvm` then holds
// the accelerator with its reason).
std::string kvm_problem(const std::string& kernel, Accelerator& kvm) {
  const std::string cpuinfo = cpuinfo_path();
  std::string error;
  const std::string flag = virtualization_flag(cpuinfo, error);
  if (!error.empty())
    return error;
  if (flag.empty())
    return "no hardware virtualization (no vmx/svm in " + cpuinfo + ")";
  if (std::string problem = kvm_device_problem(); !problem.empty())
    return problem;
  kvm = {"kvm", kKvmCpuModel, ""};
  double seconds = 0;
  if (std::string problem = probe_boot_problem(kernel, kvm, seconds); !problem.empty())
    return problem;
  char took[32];
  std::snprintf(took, sizeof(took), "%.2f", seconds);
  kvm.reason = "KVM used (-cpu " + kvm.cpu + "): the CPU has " + flag +
               ", /dev/kvm answers, a probe boot ran " + kProbeProgram + " in " + took + " s";
  return "";
}

}  // namespace

Accelerator tcg_with_cpu(const std::string& cpu) {
  return {"tcg", cpu, "TCG with -cpu " + cpu + " (a CPU model only TCG is asked to emulate)"};
}

AcceleratorChoice decide_accelerator(const std::string& kernel) {
  AcceleratorChoice choice;
  choice.fresh = true;
  std::string spelled;
  const Request request = requested(spelled);
  switch (request) {
    case Request::kInvalid:
      choice.error =
          "VDSO_KERNEL_ACCEL must be kvm, tcg or empty (automatic), not '" + spelled + "'";
      return choice;
    case Request::kTcg:
      choice.accelerator = {"tcg", "", "TCG: forced by VDSO_KERNEL_ACCEL=tcg"};
      break;
    case Request::kKvm:
    case Request::kAuto: {
      Accelerator kvm;
      const std::string problem = kvm_problem(kernel, kvm);
      if (problem.empty()) {
        choice.accelerator = kvm;
      } else if (request == Request::kKvm) {
        choice.error = "VDSO_KERNEL_ACCEL=kvm, but KVM cannot run vdso-kernel here: " + problem;
        return choice;
      } else {
        choice.accelerator = {"tcg", "", "KVM not used: " + problem + "; using TCG"};
      }
      break;
    }
  }
  choice.ok = true;
  // A decision about a stand-in /proc/cpuinfo is a test's, not this machine's.
  if (std::getenv("VDSO_KERNEL_CPUINFO") == nullptr)
    write_cache(kernel, spelled.empty() ? "auto" : spelled, choice.accelerator);
  return choice;
}

AcceleratorChoice accelerator_for(const std::string& kernel) {
  std::string spelled;
  if (requested(spelled) != Request::kInvalid && std::getenv("VDSO_KERNEL_CPUINFO") == nullptr) {
    AcceleratorChoice cached;
    if (read_cache(kernel, spelled.empty() ? "auto" : spelled, cached.accelerator)) {
      cached.ok = true;
      return cached;
    }
  }
  return decide_accelerator(kernel);
}

std::vector<std::string> qemu_command(const Accelerator& accelerator, const Boot& boot) {
  std::vector<std::string> args = {boot.qemu, "-nodefaults"};
  // qboot reaches the kernel in less time than SeaBIOS (issue 8's figures).
  if (access(kQbootFirmware, R_OK) == 0)
    args.insert(args.end(), {"-bios", kQbootFirmware});
  // TCG runs every vCPU in one thread unless told otherwise.
  const bool multi_threaded_tcg = accelerator.name == "tcg" && boot.cpus > 1;
  args.insert(args.end(), {"-accel", multi_threaded_tcg ? "tcg,thread=multi" : accelerator.name});
  if (!accelerator.cpu.empty())
    args.insert(args.end(), {"-cpu", accelerator.cpu});
  if (boot.cpus > 1)
    args.insert(args.end(), {"-smp", std::to_string(boot.cpus)});
  args.insert(args.end(),
              {"-m", std::to_string(boot.memory_mb), "-display", "none", "-no-reboot", "-device",
               "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel", boot.kernel});
  if (!boot.initrd.empty())
    args.insert(args.end(), {"-initrd", boot.initrd});
  args.insert(args.end(), {"-append", boot.append});
  args.insert(args.end(), boot.extra_args.begin(), boot.extra_args.end());
  return args;
}

unsigned parse_cpu_count(const std::string& text) {
  if (text.empty() || text.size() > 2 || text.find_first_not_of("0123456789") != std::string::npos)
    return 0;
  const unsigned cpus = static_cast<unsigned>(std::stoul(text));
  return cpus >= 1 && cpus <= kMaxCpus ? cpus : 0;
}

void redirect_child_output(int output_fd) {
  dup2(output_fd, STDOUT_FILENO);
  dup2(output_fd, STDERR_FILENO);
  const int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0)
    dup2(devnull, STDIN_FILENO);
}

void exec_or_exit(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
  _exit(127);
}

std::string default_kernel_path(const char* built_path) {
  if (const char* env = std::getenv("VDSO_KERNEL"))
    return env;
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    self[n] = '\0';
    std::string dir(self);
    dir = dir.substr(0, dir.rfind('/'));  // build/bin
    // A build tree first, then an installed tree (make install).
    for (const char* beside : {"/../kernel/vdso-kernel", "/" VDSO_KERNEL_INSTALLED_FROM_BIN}) {
      const std::string candidate = dir + beside;
      if (access(candidate.c_str(), R_OK) == 0)
        return candidate;
    }
  }
  return built_path;
}

}  // namespace vdso_kernel_tools
