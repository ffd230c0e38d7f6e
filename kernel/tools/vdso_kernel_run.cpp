// vdso-kernel-run: runs one static x86_64 Linux program on vdso-kernel
// under QEMU, as if it were a local command.
//
//   vdso-kernel-run [--hz N] [--verbose] [--timeout S] [--memory MB]
//                   [--cpus N] [--cpu MODEL] [--fine-clocks on|off]
//                   [--userland busybox] [--add FILE[=/PATH]]...
//                   [--] PROGRAM [ARGS...]
//   vdso-kernel-run --help | --version
//
// --cpus N boots N CPUs (1..16, default 1; QEMU -smp N, TCG
// multi-threaded). --cpu runs under TCG with that QEMU CPU model (e.g. max:
// RDTSCP, SMEP, SMAP); --fine-clocks off boots with fineclocks=off (the VDSO's fine
// clocks become system calls).
// --add puts another file in the initramfs, as /BASENAME or at /PATH (any
// file: a program that execs others, its data, /etc/passwd).
// --userland busybox adds the host's static busybox (Debian's
// busybox-static) as /bin/busybox with a symbolic link for each applet it
// lists (/bin/sh, /bin/ls, /usr/bin/awk...), /etc/passwd and /etc/group
// for root; PROGRAM may then be an applet's name (`--userland busybox sh
// -c 'ls /'`). VDSO_KERNEL_BUSYBOX=PATH picks another busybox.
//
// The program is packed alone into a newc initramfs and booted as pid 1
// (the kernel's `init=`), with ARGS percent-encoded on the kernel command
// line. QEMU gets three serial ports: COM1 carries the kernel's log
// (shown with --verbose, on stderr, with the per-process system-call
// counts), COM2 the program's stdout and COM3 its stderr, byte for byte.
// Exit status: the program's own, 128+N if signal N killed it, 124 when
// --timeout expires, 125 when PROGRAM is not a static x86_64 ELF
// executable (checked on the host by the kernel's own ELF checks) or the
// kernel cannot boot or run it (or VDSO_KERNEL_ACCEL=kvm forces a KVM that
// cannot). The accelerator is the build's cached decision
// (tools/qemu_machine.h: KVM only where it can run us, TCG otherwise),
// made here when there is none; VDSO_KERNEL=PATH picks the kernel.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "elf_loader/elf_check.h"
#include "newc_writer.h"
#include "qemu_machine.h"

namespace {

constexpr int kExitTimeout = 124;
constexpr int kExitCannotRun = 125;
constexpr size_t kMaxCommandLine = 1000;  // the kernel keeps 1023 bytes

struct Options {
  unsigned hz = 1000;
  bool verbose = false;
  double timeout_s = 0;  // 0: none
  unsigned memory_mb = 256;
  unsigned cpus = 1;
  std::string program;
  std::vector<std::string> arguments;
  std::vector<std::string> extra_files;  // --add: host paths...
  std::vector<std::string> extra_names;  // ... and their paths in the initramfs
  std::string userland;                  // --userland: "" or "busybox"
  std::string cpu;                       // --cpu; empty: the build's decision
  bool fine_clocks = true;               // --fine-clocks
};

constexpr const char* kUsage =
    "usage: vdso-kernel-run [--hz N] [--verbose] [--timeout SECONDS] [--memory MB]\n"
    "                       [--cpus N] [--cpu MODEL] [--fine-clocks on|off]\n"
    "                       [--userland busybox] [--add FILE[=/PATH]]...\n"
    "                       [--] PROGRAM [ARGS...]\n";

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "vdso-kernel-run: %s\n%s", why, kUsage);
  std::exit(kExitCannotRun);
}

[[noreturn]] void help() {
  std::fputs(kUsage, stdout);
  std::fputs(
      "Run one static x86_64 Linux PROGRAM on vdso-kernel under QEMU, as if it were a\n"
      "local command: its stdout, stderr and exit status are the program's.\n\n"
      "  --hz N              the kernel's tick rate, 10..10000 (default 1000)\n"
      "  --verbose, -v       the kernel's log on stderr, with system-call counts\n"
      "  --timeout SECONDS   stop the machine after SECONDS (exit 124)\n"
      "  --memory MB         guest memory, at least 64 (default 256)\n"
      "  --cpus N            CPUs, 1..16 (default 1); more than one runs TCG\n"
      "                      multi-threaded, so that they really run at once\n"
      "  --cpu MODEL         TCG with this QEMU CPU model (e.g. max)\n"
      "  --fine-clocks on|off  off: the VDSO's fine clocks become system calls\n"
      "  --add FILE[=/PATH]  also put FILE in the initramfs, as /NAME or at /PATH\n"
      "  --userland busybox  the host's static busybox at /bin/busybox, a link per\n"
      "                      applet, /etc/passwd; PROGRAM may be an applet's name\n"
      "  --help              this text\n"
      "  --version           the version\n\n"
      "Environment: VDSO_KERNEL=PATH (the kernel), VDSO_KERNEL_ACCEL=kvm|tcg,\n"
      "VDSO_KERNEL_CPUINFO=FILE (read instead of /proc/cpuinfo),\n"
      "VDSO_KERNEL_BUSYBOX=PATH (--userland busybox's program; default /bin/busybox).\n"
      "Exit status: PROGRAM's own, 128+N if signal N killed it, 124 on --timeout,\n"
      "125 if PROGRAM is not a static x86_64 executable or the kernel cannot run it.\n",
      stdout);
  std::exit(0);
}

[[noreturn]] void cannot_run(const std::string& why) {
  std::fprintf(stderr, "vdso-kernel-run: %s\n", why.c_str());
  std::exit(kExitCannotRun);
}

Options parse(int argc, char** argv) {
  Options o;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        usage(("missing value for " + arg).c_str());
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h")
      help();
    if (arg == "--version") {
      std::printf("vdso-kernel-run %s\n", VDSO_VERSION);
      std::exit(0);
    }
    if (arg == "--hz") {
      const long hz = std::atol(value().c_str());
      if (hz < 10 || hz > 10000)
        usage("--hz must be 10..10000");
      o.hz = static_cast<unsigned>(hz);
    } else if (arg == "--verbose" || arg == "-v") {
      o.verbose = true;
    } else if (arg == "--timeout") {
      o.timeout_s = std::atof(value().c_str());
      if (o.timeout_s <= 0)
        usage("--timeout must be positive");
    } else if (arg == "--memory") {
      o.memory_mb = static_cast<unsigned>(std::atoi(value().c_str()));
      if (o.memory_mb < 64)
        usage("--memory must be at least 64 (MB)");
    } else if (arg == "--cpus") {
      o.cpus = vdso_kernel_tools::parse_cpu_count(value());
      if (o.cpus == 0)
        usage("--cpus must be 1..16");
    } else if (arg == "--cpu") {
      o.cpu = value();
      if (o.cpu.empty() || o.cpu[0] == '-')
        usage("--cpu needs a QEMU CPU model");
    } else if (arg == "--fine-clocks") {
      const std::string v = value();
      if (v != "on" && v != "off")
        usage("--fine-clocks must be on or off");
      o.fine_clocks = v == "on";
    } else if (arg == "--add") {
      // FILE=/PATH names the place inside; an '=' not followed by '/' is
      // part of the host's file name.
      const std::string spec = value();
      const size_t eq = spec.rfind("=/");
      if (eq != std::string::npos && eq > 0) {
        o.extra_files.push_back(spec.substr(0, eq));
        o.extra_names.push_back(spec.substr(eq + 2));
      } else {
        o.extra_files.push_back(spec);
        o.extra_names.push_back("");
      }
    } else if (arg == "--userland") {
      o.userland = value();
      if (o.userland != "busybox")
        usage("--userland must be busybox");
    } else if (arg == "--") {
      ++i;
      break;
    } else if (arg.size() > 1 && arg[0] == '-') {
      usage(("unknown option " + arg).c_str());
    } else {
      break;
    }
  }
  if (i >= argc)
    usage("no PROGRAM");
  o.program = argv[i++];
  for (; i < argc; ++i)
    o.arguments.push_back(argv[i]);
  return o;
}

// Any byte outside a safe set becomes %XX (the kernel decodes it).
std::string percent_encode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      std::strchr("-_./,:=+@", c) != nullptr;
    if (safe && c != '\0') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// The program's name inside the initramfs (and its argv[0] there): the
// base name, with any byte the kernel command line cannot carry as is
// replaced by '_' (init= is not percent-decoded).
std::string initramfs_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  for (char& c : name) {
    if (percent_encode(std::string(1, c)).size() != 1 || c == '%')
      c = '_';
  }
  return name.empty() ? "program" : name;
}

// The applets a busybox lists (`busybox --list-full`: "bin/ls", ...).
std::vector<std::string> busybox_applets(const std::string& busybox) {
  std::vector<std::string> applets;
  const std::string command = "'" + busybox + "' --list-full 2>/dev/null";
  if (busybox.find('\'') != std::string::npos)
    return applets;
  FILE* list = popen(command.c_str(), "r");
  if (list == nullptr)
    return applets;
  char line[256];
  while (std::fgets(line, sizeof(line), list) != nullptr) {
    std::string applet = line;
    while (!applet.empty() && (applet.back() == '\n' || applet.back() == '\r'))
      applet.pop_back();
    if (!applet.empty() && applet[0] != '/')
      applets.push_back(applet);
  }
  pclose(list);
  return applets;
}

const char* signal_name(int signal) {
  const char* name = sigabbrev_np(signal);
  return name != nullptr ? name : "?";
}

volatile sig_atomic_t interrupted = 0;
void on_signal(int) {
  interrupted = 1;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);

  // The programs: readable, and executables our kernel loads.
  auto load_program = [](const std::string& path) {
    std::vector<uint8_t> bytes;
    if (!vdso_kernel_tools::read_file(path, bytes))
      cannot_run(path + ": " + std::strerror(errno));
    const auto refusal = kernel::elf_loader::check(bytes.data(), bytes.size());
    if (refusal != kernel::elf_loader::Refusal::kOk) {
      cannot_run(path + ": not a static x86_64 ELF executable (" +
                 kernel::elf_loader::describe(refusal) + ")");
    }
    return bytes;
  };
  vdso_kernel_tools::NewcWriter writer;
  // The userland first: PROGRAM may be one of its applets.
  std::vector<std::string> applets;  // their paths, e.g. "bin/sh"
  if (o.userland == "busybox") {
    const char* chosen = std::getenv("VDSO_KERNEL_BUSYBOX");
    const std::string busybox = chosen != nullptr && *chosen != '\0' ? chosen : "/bin/busybox";
    if (access(busybox.c_str(), X_OK) != 0) {
      cannot_run("--userland busybox needs a static busybox at " + busybox +
                 " (Debian: apt-get install busybox-static; or VDSO_KERNEL_BUSYBOX=PATH)");
    }
    const std::vector<uint8_t> bytes = load_program(busybox);
    applets = busybox_applets(busybox);
    if (applets.empty())
      cannot_run(busybox + " --list-full listed no applets");
    writer.add("bin/busybox", bytes);
    for (const std::string& applet : applets) {
      if (applet != "bin/busybox")
        writer.add_symlink(applet, "/bin/busybox");
    }
    const std::string passwd = "root:x:0:0:root:/root:/bin/sh\n";
    const std::string group = "root:x:0:\n";
    writer.add("etc/passwd", std::vector<uint8_t>(passwd.begin(), passwd.end()), 0100644);
    writer.add("etc/group", std::vector<uint8_t>(group.begin(), group.end()), 0100644);
    writer.add_directory("root", 040700);
  }
  std::string name;  // init's path in the initramfs
  const bool applet_program = o.program.find('/') == std::string::npos && [&] {
    for (const std::string& applet : applets) {
      const size_t slash = applet.rfind('/');
      if (applet.substr(slash + 1) == o.program) {
        name = applet;
        return true;
      }
    }
    return false;
  }();
  if (!applet_program) {
    name = initramfs_name(o.program);
    writer.add(name, load_program(o.program));
  }
  for (size_t i = 0; i < o.extra_files.size(); ++i) {
    std::vector<uint8_t> bytes;
    struct stat st {};
    if (stat(o.extra_files[i].c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        !vdso_kernel_tools::read_file(o.extra_files[i], bytes)) {
      cannot_run("--add " + o.extra_files[i] + ": " +
                 (S_ISDIR(st.st_mode) ? std::string("a directory") : std::strerror(errno)));
    }
    const std::string inside =
        o.extra_names[i].empty() ? initramfs_name(o.extra_files[i]) : o.extra_names[i];
    writer.add(inside, bytes, 0100000 | (st.st_mode & 07777));
  }

  // Appended piece by piece (GCC 12 warns falsely on one long chain).
  std::string command_line = "hz=";
  command_line += std::to_string(o.hz);
  if (o.verbose)
    command_line += " verbose";
  if (!o.fine_clocks)
    command_line += " fineclocks=off";
  command_line += " init=/";
  command_line += name;
  if (!o.arguments.empty()) {
    command_line += " --";
    for (const std::string& a : o.arguments) {
      command_line += ' ';
      command_line += percent_encode(a);
    }
  }
  if (command_line.size() > kMaxCommandLine)
    cannot_run("arguments too long for the kernel command line");

  // The initramfs, in a private temporary directory.
  const char* tmp = std::getenv("TMPDIR");
  std::string dir_template = std::string(tmp != nullptr ? tmp : "/tmp") + "/vdso-kernel-run.XXXXXX";
  if (mkdtemp(dir_template.data()) == nullptr)
    cannot_run(std::string("cannot create a temporary directory: ") + std::strerror(errno));
  const std::string initramfs = dir_template + "/initramfs.cpio";
  const std::vector<uint8_t> archive = writer.finish();
  FILE* out = std::fopen(initramfs.c_str(), "wb");
  const bool written = out != nullptr &&
                       std::fwrite(archive.data(), 1, archive.size(), out) == archive.size() &&
                       std::fclose(out) == 0;
  auto cleanup = [&] {
    unlink(initramfs.c_str());
    rmdir(dir_template.c_str());
  };
  if (!written) {
    cleanup();
    cannot_run("cannot write " + initramfs);
  }

  // COM1 (log), COM2 (stdout), COM3 (stderr): one pipe each, handed to
  // QEMU as fds 3, 4, 5 and opened there through /proc/self/fd.
  int pipes[3][2];
  for (auto& p : pipes) {
    if (pipe(p) != 0) {
      cleanup();
      cannot_run(std::string("pipe: ") + std::strerror(errno));
    }
  }
  const std::string kernel = vdso_kernel_tools::default_kernel_path(VDSO_KERNEL_BUILT_PATH);
  vdso_kernel_tools::Accelerator accelerator;
  if (o.cpu.empty()) {
    const vdso_kernel_tools::AcceleratorChoice choice = vdso_kernel_tools::accelerator_for(kernel);
    if (!choice.ok) {
      cleanup();
      cannot_run(choice.error);
    }
    accelerator = choice.accelerator;
    // The reason once per decision (a cached one is silent unless --verbose).
    if (choice.fresh || o.verbose)
      std::fprintf(stderr, "vdso-kernel-run: %s\n", accelerator.reason.c_str());
  } else {
    accelerator = vdso_kernel_tools::tcg_with_cpu(o.cpu);
    if (o.verbose)
      std::fprintf(stderr, "vdso-kernel-run: %s\n", accelerator.reason.c_str());
  }
  vdso_kernel_tools::Boot boot;
  boot.kernel = kernel;
  boot.initrd = initramfs;
  boot.append = command_line;
  boot.memory_mb = o.memory_mb;
  boot.cpus = o.cpus;
  boot.extra_args = {"-chardev", "file,id=log,path=/proc/self/fd/3", "-serial", "chardev:log",
                     "-chardev", "file,id=out,path=/proc/self/fd/4", "-serial", "chardev:out",
                     "-chardev", "file,id=err,path=/proc/self/fd/5", "-serial", "chardev:err"};
  std::vector<std::string> args = vdso_kernel_tools::qemu_command(accelerator, boot);
  if (o.verbose) {
    std::fprintf(stderr, "vdso-kernel-run: %s on %s (%s): %s\n", o.program.c_str(), kernel.c_str(),
                 accelerator.name.c_str(), command_line.c_str());
  }

  const auto start = std::chrono::steady_clock::now();
  const pid_t qemu = fork();
  if (qemu < 0) {
    cleanup();
    cannot_run(std::string("fork: ") + std::strerror(errno));
  }
  if (qemu == 0) {
    for (int i = 0; i < 3; ++i) {
      close(pipes[i][0]);
      dup2(pipes[i][1], 3 + i);
    }
    const int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, STDIN_FILENO);
    dup2(devnull, STDOUT_FILENO);  // QEMU's own chatter; its errors stay on stderr
    vdso_kernel_tools::exec_or_exit(args);
  }
  for (auto& p : pipes)
    close(p[1]);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);

  std::string log_line;
  std::vector<std::string> log_tail;
  int wait_status = -1;
  bool no_init = false, panicked = false, timed_out = false;
  std::string no_init_why;
  pollfd fds[3] = {{pipes[0][0], POLLIN, 0}, {pipes[1][0], POLLIN, 0}, {pipes[2][0], POLLIN, 0}};
  int open_fds = 3;
  while (open_fds > 0) {
    int wait_ms = -1;
    if (o.timeout_s > 0) {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (elapsed >= o.timeout_s && !timed_out) {
        timed_out = true;
        kill(qemu, SIGKILL);
      }
      wait_ms = timed_out ? 100 : static_cast<int>((o.timeout_s - elapsed) * 1000) + 1;
    }
    if (interrupted) {
      kill(qemu, SIGKILL);
      interrupted = 0;
    }
    const int ready = poll(fds, 3, wait_ms);
    if (ready < 0 && errno != EINTR)
      break;
    for (int i = 0; i < 3; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
        continue;
      char buffer[65536];
      const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      if (i == 1 || i == 2) {
        const int to = i == 1 ? STDOUT_FILENO : STDERR_FILENO;
        for (ssize_t done = 0; done < n;) {
          const ssize_t w = write(to, buffer + done, static_cast<size_t>(n - done));
          if (w <= 0)
            break;
          done += w;
        }
        continue;
      }
      for (ssize_t k = 0; k < n; ++k) {
        const char c = buffer[k];
        if (c == '\r')
          continue;
        if (c != '\n') {
          log_line += c;
          continue;
        }
        if (o.verbose)
          std::fprintf(stderr, "[kernel] %s\n", log_line.c_str());
        if (log_line.rfind("VDSO-KERNEL-EXIT wait_status=", 0) == 0)
          wait_status = std::atoi(log_line.c_str() + std::strlen("VDSO-KERNEL-EXIT wait_status="));
        if (log_line.rfind("VDSO-KERNEL-NO-INIT", 0) == 0) {
          no_init = true;
          no_init_why = log_line;
        }
        if (log_line.find("KERNEL PANIC") != std::string::npos)
          panicked = true;
        log_tail.push_back(log_line);
        if (log_tail.size() > 40)
          log_tail.erase(log_tail.begin());
        log_line.clear();
      }
    }
  }
  int qemu_status = 0;
  waitpid(qemu, &qemu_status, 0);
  cleanup();

  auto show_log_tail = [&] {
    if (o.verbose)
      return;  // already shown
    for (const std::string& line : log_tail)
      std::fprintf(stderr, "[kernel] %s\n", line.c_str());
  };
  if (timed_out) {
    std::fprintf(stderr, "vdso-kernel-run: %s did not finish within %g s; stopped\n",
                 o.program.c_str(), o.timeout_s);
    return kExitTimeout;
  }
  if (panicked) {
    std::fprintf(stderr, "vdso-kernel-run: the kernel panicked running %s:\n", o.program.c_str());
    show_log_tail();
    return kExitCannotRun;
  }
  if (no_init) {
    show_log_tail();
    cannot_run("the kernel could not start " + o.program + " (" + no_init_why + ")");
  }
  if (wait_status < 0) {
    show_log_tail();
    cannot_run("the kernel did not boot or stopped without a result (QEMU status " +
               std::to_string(WIFEXITED(qemu_status) ? WEXITSTATUS(qemu_status) : -1) + ")");
  }
  if (WIFSIGNALED(wait_status)) {
    const int signal = WTERMSIG(wait_status);
    std::fprintf(stderr, "vdso-kernel-run: %s killed by signal %d (SIG%s)\n", o.program.c_str(),
                 signal, signal_name(signal));
    return 128 + signal;
  }
  return WEXITSTATUS(wait_status);
}
