/* Files, directories and /proc on the kernel: the read-only tree from the
 * initramfs and its errors (Linux's errno for each), the RAM file system
 * at /tmp, directory reading and the working directory, /proc against the
 * VDSO's page and the system calls (a thread's /proc/PID/task too), and
 * the CPU-time accounting (times, getrusage, wait4's rusage, getgroups).
 * Each check prints a line; the exit status is the number of failures.
 * Runs as init from the test initramfs (argv[0] is its path there). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "vdso/sysinfo.h"

/* The raw call's -errno as a negative number (libc's errno otherwise). */
static long err(long r) {
  return r < 0 ? -errno : r;
}

static int64_t ns_of(struct timespec ts) {
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A whole (small) file into buf; its length or -errno. */
static long slurp(const char* path, char* buf, size_t size) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  size_t used = 0;
  for (;;) {
    const ssize_t n = read(fd, buf + used, size - 1 - used);
    if (n < 0) {
      close(fd);
      return -errno;
    }
    if (n == 0)
      break;
    used += (size_t)n;
  }
  buf[used] = '\0';
  close(fd);
  return (long)used;
}

/* The value after "key" in a "key value" or "key:\tvalue" text, or -1. */
static long long field(const char* text, const char* key) {
  const char* at = strstr(text, key);
  if (at == NULL)
    return -1;
  at += strlen(key);
  while (*at == ' ' || *at == '\t' || *at == ':')
    ++at;
  return strtoll(at, NULL, 10);
}

static void spin_user_ns(int64_t ns) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start); /* the VDSO: no system time */
  volatile uint64_t sink = 0;
  do {
    for (int i = 0; i < 10000; ++i)
      sink += (uint64_t)i;
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while (ns_of(now) - ns_of(start) < ns);
}

static int has_entry(const char* directory, const char* name) {
  DIR* d = opendir(directory);
  if (d == NULL)
    return 0;
  int found = 0;
  for (struct dirent* e; (e = readdir(d)) != NULL;)
    found |= strcmp(e->d_name, name) == 0;
  closedir(d);
  return found;
}

static void read_only_tree(const char* self) {
  struct stat st;
  char path[256];
  CHECK(stat("/", &st) == 0 && S_ISDIR(st.st_mode), "stat(/) is a directory");
  CHECK(stat(self, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0,
        "stat(%s): a regular file of %lld bytes", self, (long long)st.st_size);
  CHECK(has_entry("/", self + 1) && has_entry("/", "tmp") && has_entry("/", "proc") &&
            has_entry("/", ".") && has_entry("/", ".."),
        "readdir(/) lists ., .., tmp, proc and %s", self + 1);
  const int fd = open(self, O_RDONLY);
  char magic[4] = {0};
  CHECK(fd >= 0 && read(fd, magic, 4) == 4 && memcmp(magic, "\177ELF", 4) == 0,
        "open + read %s: its ELF magic", self);
  char again[4] = {0};
  CHECK(pread(fd, again, 3, 1) == 3 && memcmp(again, "ELF", 3) == 0, "pread64 at offset 1");
  CHECK(lseek(fd, 0, SEEK_END) == st.st_size, "lseek(SEEK_END) is the size");
  CHECK(err(lseek(fd, -1, SEEK_SET)) == -EINVAL, "lseek before the start: EINVAL");
  CHECK(err(write(fd, "x", 1)) == -EBADF, "write to a read-only descriptor: EBADF");
  close(fd);

  /* The error matrix, each as Linux answers it. */
  CHECK(err(open("/nonexistent", O_RDONLY)) == -ENOENT, "open a missing file: ENOENT");
  snprintf(path, sizeof(path), "%s/x", self);
  CHECK(err(open(path, O_RDONLY)) == -ENOTDIR, "open below a file: ENOTDIR");
  CHECK(err(open(self, O_RDONLY | O_DIRECTORY)) == -ENOTDIR, "O_DIRECTORY on a file: ENOTDIR");
  CHECK(err(open("/", O_WRONLY)) == -EISDIR, "open / for writing: EISDIR");
  CHECK(err(open(self, O_WRONLY)) == -EROFS, "open an initramfs file for writing: EROFS");
  CHECK(err(open("/new", O_WRONLY | O_CREAT, 0644)) == -EROFS, "create in /: EROFS");
  CHECK(err(open(self, O_WRONLY | O_CREAT | O_EXCL, 0644)) == -EEXIST, "O_EXCL on a file: EEXIST");
  CHECK(err(mkdir("/d", 0755)) == -EROFS, "mkdir in /: EROFS");
  CHECK(err(mkdir("/tmp", 0755)) == -EEXIST, "mkdir of an existing directory: EEXIST");
  CHECK(err(unlink(self)) == -EROFS, "unlink an initramfs file: EROFS");
  CHECK(err(unlink("/tmp/none")) == -ENOENT, "unlink a missing file: ENOENT");
  CHECK(err(chdir(self)) == -ENOTDIR, "chdir to a file: ENOTDIR");
  CHECK(err(readlink(self, path, sizeof(path))) == -EINVAL, "readlink of a file: EINVAL");
  CHECK(err(access(self, X_OK)) == 0 && err(access(self, W_OK)) == -EROFS &&
            err(access("/nonexistent", F_OK)) == -ENOENT,
        "access: X_OK yes, W_OK EROFS, missing ENOENT");
  CHECK(err(open("/proc/uptime", O_WRONLY)) == -EACCES, "open /proc/uptime for writing: EACCES");
  const int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  char byte;
  CHECK(dir >= 0 && err(read(dir, &byte, 1)) == -EISDIR, "read a directory: EISDIR");
  CHECK(fcntl(dir, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC sets FD_CLOEXEC");
  close(dir);
  const int file = open(self, O_RDONLY);
  char dents[256];
  CHECK(err(syscall(SYS_getdents64, file, dents, sizeof(dents))) == -ENOTDIR,
        "getdents64 on a file: ENOTDIR");
  close(file);
  /* Descriptors run out: EMFILE at the process's limit (getrlimit's). */
  struct rlimit limit;
  getrlimit(RLIMIT_NOFILE, &limit);
  int opened = 0, last = 0;
  int fds[1100];
  while (opened < 1100 && (last = open("/", O_RDONLY)) >= 0)
    fds[opened++] = last;
  CHECK(last < 0 && errno == EMFILE && (rlim_t)opened + 3 == limit.rlim_cur,
        "EMFILE after %d opens (RLIMIT_NOFILE %llu, 3 in use)", opened,
        (unsigned long long)limit.rlim_cur);
  for (int i = 0; i < opened; ++i)
    close(fds[i]);
}

static void ram_file_system(void) {
  char buf[256];
  struct stat st;
  int fd = open("/tmp/a", O_RDWR | O_CREAT | O_EXCL, 0640);
  CHECK(fd >= 0, "create /tmp/a");
  CHECK(write(fd, "hello world", 11) == 11 && fstat(fd, &st) == 0 && st.st_size == 11 &&
            (st.st_mode & 07777) == 0640 && S_ISREG(st.st_mode),
        "write 11 bytes: fstat says 11, mode 0640 (umask 022)");
  CHECK(lseek(fd, 6, SEEK_SET) == 6 && read(fd, buf, 5) == 5 && memcmp(buf, "world", 5) == 0,
        "lseek + read back");
  CHECK(pwrite(fd, "W", 1, 6) == 1 && pread(fd, buf, 11, 0) == 11 &&
            memcmp(buf, "hello World", 11) == 0,
        "pwrite64 + pread64");
  CHECK(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5, "ftruncate to 5");
  CHECK(ftruncate(fd, 100000) == 0 && pread(fd, buf, 4, 50000) == 4 && buf[0] == 0 && buf[3] == 0,
        "ftruncate grows with zeros");
  close(fd);
  fd = open("/tmp/a", O_WRONLY | O_APPEND | O_TRUNC);
  CHECK(fd >= 0 && write(fd, "one ", 4) == 4 && lseek(fd, 0, SEEK_SET) == 0 &&
            write(fd, "two", 3) == 3 && slurp("/tmp/a", buf, sizeof(buf)) == 7 &&
            strcmp(buf, "one two") == 0,
        "O_TRUNC, then O_APPEND writes at the end");
  close(fd);
  CHECK(mkdir("/tmp/d", 0755) == 0 && rename("/tmp/a", "/tmp/d/b") == 0 &&
            err(stat("/tmp/a", &st)) == -ENOENT && stat("/tmp/d/b", &st) == 0 && st.st_size == 7,
        "mkdir, rename into it");
  /* touch: utimensat sets the modification time; EROFS outside /tmp. */
  struct timespec stamp[2] = {{0, UTIME_OMIT}, {1000000000, 5}};
  CHECK(utimensat(AT_FDCWD, "/tmp/d/b", stamp, 0) == 0 && stat("/tmp/d/b", &st) == 0 &&
            st.st_mtim.tv_sec == 1000000000 && st.st_mtim.tv_nsec == 5,
        "utimensat sets the mtime (%lld.%09ld)", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  CHECK(utimensat(AT_FDCWD, "/tmp/d/b", NULL, 0) == 0 && stat("/tmp/d/b", &st) == 0 &&
            llabs((long long)st.st_mtim.tv_sec - now.tv_sec) <= 1,
        "utimensat(NULL): now");
  stamp[1].tv_nsec = 1000000000;
  CHECK(err(utimensat(AT_FDCWD, "/tmp/d/b", stamp, 0)) == -EINVAL &&
            err(utimensat(AT_FDCWD, "/tmp/none", NULL, 0)) == -ENOENT &&
            err(utimensat(AT_FDCWD, "/", NULL, 0)) == -EROFS,
        "utimensat: EINVAL (nsec 10^9), ENOENT, EROFS on the initramfs");
  CHECK(err(rmdir("/tmp/d")) == -ENOTEMPTY, "rmdir a non-empty directory: ENOTEMPTY");
  CHECK(err(rename("/tmp/d", "/tmp/d/e")) == -EINVAL, "rename a directory into itself: EINVAL");
  CHECK(err(rename("/tmp/d/b", "/b")) == -EROFS, "rename out of the RAM file system: EROFS");
  CHECK(has_entry("/tmp/d", "b"), "readdir(/tmp/d) lists b");
  fd = open("/tmp/d/b", O_RDONLY);
  CHECK(fd >= 0 && unlink("/tmp/d/b") == 0 && read(fd, buf, 3) == 3 && memcmp(buf, "one", 3) == 0 &&
            err(open("/tmp/d/b", O_RDONLY)) == -ENOENT,
        "unlink while open: the name goes, the data stays until close");
  close(fd);
  CHECK(rmdir("/tmp/d") == 0 && err(stat("/tmp/d", &st)) == -ENOENT, "rmdir an empty directory");
  CHECK(truncate("/tmp", 0) == -1 && errno == EISDIR, "truncate a directory: EISDIR");
  /* statfs: tmpfs of 16 MiB at /tmp, counting what its files hold. */
  struct statfs fs_before, fs_after, root_fs;
  const int before_ok = statfs("/tmp", &fs_before) == 0;
  fd = open("/tmp/big", O_WRONLY | O_CREAT, 0600);
  CHECK(before_ok && write(fd, buf, 200) == 200 && ftruncate(fd, 40960) == 0 &&
            fstatfs(fd, &fs_after) == 0 && fs_before.f_type == 0x01021994 &&
            fs_before.f_blocks * fs_before.f_bsize == 16 << 20 &&
            fs_before.f_bfree - fs_after.f_bfree == 10 && fs_after.f_ffree + 1 == fs_before.f_ffree,
        "statfs(/tmp): tmpfs, 16 MiB; 40960 bytes written take 10 blocks and a node");
  close(fd);
  unlink("/tmp/big");
  CHECK(statfs("/", &root_fs) == 0 && (root_fs.f_flags & ST_RDONLY) && root_fs.f_type == 0x858458f6,
        "statfs(/): ramfs, read-only");

  /* The working directory: chdir, relative paths, getcwd, fchdir, openat. */
  char cwd[256];
  CHECK(mkdir("/tmp/w", 0755) == 0 && chdir("/tmp/w") == 0 && getcwd(cwd, sizeof(cwd)) != NULL &&
            strcmp(cwd, "/tmp/w") == 0,
        "chdir(/tmp/w): getcwd says %s", cwd);
  fd = open("rel", O_WRONLY | O_CREAT, 0600);
  CHECK(fd >= 0 && stat("/tmp/w/rel", &st) == 0,
        "a relative create lands in the working directory");
  close(fd);
  const int w = open(".", O_RDONLY | O_DIRECTORY);
  CHECK(chdir("../..") == 0 && getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, "/") == 0,
        "chdir(../..) is /");
  fd = openat(w, "rel", O_RDONLY);
  CHECK(fd >= 0, "openat(dirfd of /tmp/w, rel)");
  close(fd);
  CHECK(fchdir(w) == 0 && getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, "/tmp/w") == 0,
        "fchdir back to /tmp/w");
  CHECK(err(getcwd(cwd, 3) == NULL ? -1 : 0) == -ERANGE, "getcwd into 3 bytes: ERANGE");
  close(w);
  unlink("/tmp/w/rel");
  rmdir("/tmp/w");
  chdir("/");
}

static int worker_tid, worker_may_end;

/* Names itself, says its tid, and waits to be let go. */
static void* named_worker(void* unused) {
  (void)unused;
  prctl(PR_SET_NAME, "worker");
  __atomic_store_n(&worker_tid, (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
  while (!__atomic_load_n(&worker_may_end, __ATOMIC_ACQUIRE))
    sched_yield();
  return NULL;
}

static void proc_against_the_page(int argc, char** argv) {
  char text[32768], path[256];
  struct vdso_sysinfo si;
  CHECK(vdso_sysinfo_find((const void*)getauxval(AT_SYSINFO_EHDR), &si), "the VDSO's sysinfo");
  struct vdso_sysinfo_utsname uts;
  struct vdso_sysinfo_timespec boot;
  uint32_t cpus[2];
  uint64_t memory;
  si.uname(&uts);
  si.boot_time(&boot);
  si.cpus(cpus);
  si.physical_memory(&memory);

  struct timespec before, after;
  clock_gettime(CLOCK_BOOTTIME, &before);
  CHECK(slurp("/proc/uptime", text, sizeof(text)) > 0, "read /proc/uptime: %.40s", text);
  clock_gettime(CLOCK_BOOTTIME, &after);
  const double uptime = strtod(text, NULL);
  const int64_t uptime_cs = (int64_t)(uptime * 100 + 0.5);
  CHECK(uptime_cs >= ns_of(before) / 10000000 && uptime_cs <= ns_of(after) / 10000000,
        "/proc/uptime %.2f s lies between two CLOCK_BOOTTIME reads of the page", uptime);
  CHECK(slurp("/proc/stat", text, sizeof(text)) > 0 && field(text, "btime") == boot.tv_sec,
        "/proc/stat btime %lld is the page's boot time %lld", field(text, "btime"),
        (long long)boot.tv_sec);
  long long user, nice, system, idle;
  // As Linux: the first line is every CPU's time together, then a line
  // per CPU (glibc counts those for sysconf(_SC_NPROCESSORS_ONLN)).
  CHECK(sscanf(text, "cpu %lld %lld %lld %lld", &user, &nice, &system, &idle) == 4 &&
            llabs(user + system + idle - (long long)(uptime * 100) * cpus[1]) <= 100 * cpus[1],
        "/proc/stat: user %lld + system %lld + idle %lld ticks is the uptime times %u CPUs", user,
        system, idle, cpus[1]);
  for (uint32_t cpu = 0; cpu < cpus[1]; ++cpu) {
    char name[16];
    snprintf(name, sizeof(name), "\ncpu%u ", cpu);
    CHECK(strstr(text, name) != NULL, "/proc/stat has cpu%u", cpu);
  }
  CHECK(slurp("/proc/meminfo", text, sizeof(text)) > 0 &&
            (uint64_t)field(text, "MemTotal") * 1024 == memory,
        "/proc/meminfo MemTotal %lld kB is the page's physical memory", field(text, "MemTotal"));
  struct sysinfo info;
  sysinfo(&info);
  CHECK((uint64_t)info.totalram * info.mem_unit == memory, "... and sysinfo(2)'s totalram");
  int processors = 0;
  CHECK(slurp("/proc/cpuinfo", text, sizeof(text)) > 0, "read /proc/cpuinfo");
  for (const char* at = text; (at = strstr(at, "processor\t:")) != NULL; ++at)
    ++processors;
  CHECK(processors == (int)cpus[1] && sysconf(_SC_NPROCESSORS_ONLN) == processors &&
            strstr(text, "flags\t\t:") != NULL && strstr(text, " fpu") != NULL,
        "/proc/cpuinfo: %d processors (the page: %u online), with flags", processors, cpus[1]);
  struct utsname u;
  uname(&u);
  CHECK(slurp("/proc/version", text, sizeof(text)) > 0 && strstr(text, uts.release) != NULL &&
            strstr(text, uts.version) != NULL && strncmp(text, "Linux version ", 14) == 0,
        "/proc/version names the page's release and version");
  struct {
    const char* file;
    const char* value;
  } sys[] = {{"ostype", uts.sysname},
             {"osrelease", uts.release},
             {"version", uts.version},
             {"hostname", uts.nodename}};
  for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); ++i) {
    snprintf(path, sizeof(path), "/proc/sys/kernel/%s", sys[i].file);
    const long n = slurp(path, text, sizeof(text));
    CHECK(n > 0 && text[n - 1] == '\n' && (text[n - 1] = '\0', strcmp(text, sys[i].value) == 0),
          "%s: \"%s\", the page's (and uname(2)'s)", path, text);
  }
  CHECK(strcmp(u.release, uts.release) == 0 && strcmp(u.nodename, uts.nodename) == 0,
        "uname(2) agrees");
  CHECK(slurp("/proc/loadavg", text, sizeof(text)) > 0, "read /proc/loadavg: %.40s", text);
  double loads[3];
  int running, total, last;
  CHECK(sscanf(text, "%lf %lf %lf %d/%d %d", &loads[0], &loads[1], &loads[2], &running, &total,
               &last) == 6 &&
            running >= 1 && total == info.procs,
        "/proc/loadavg: %d running of %d (sysinfo(2): %d processes)", running, total, info.procs);
  /* sysinfo's loads are the same averages with 16 fractional bits. */
  struct sysinfo again;
  sysinfo(&again);
  CHECK(fabs(again.loads[0] / 65536.0 - loads[0]) <= 0.01 &&
            fabs(again.loads[2] / 65536.0 - loads[2]) <= 0.01,
        "sysinfo(2)'s loads %.2f %.2f are /proc/loadavg's", again.loads[0] / 65536.0,
        again.loads[2] / 65536.0);

  /* This process. */
  const uintptr_t vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
  char line[128];
  CHECK(slurp("/proc/self/maps", text, sizeof(text)) > 0, "read /proc/self/maps");
  snprintf(line, sizeof(line), "%08lx-", (unsigned long)vdso);
  const char* vdso_line = strstr(text, line);
  CHECK(vdso_line != NULL && strstr(vdso_line, "[vdso]") < strchr(vdso_line, '\n') &&
            strstr(vdso_line, "r-xp") != NULL,
        "maps: [vdso] (r-xp) begins at AT_SYSINFO_EHDR %lx", (unsigned long)vdso);
  snprintf(line, sizeof(line), "-%08lx r--p 00000000 00:00 0", (unsigned long)vdso);
  const char* vvar_line = strstr(text, line);
  CHECK(vvar_line != NULL && strstr(vvar_line, "[vvar]") < strchr(vvar_line, '\n'),
        "maps: [vvar] (r--p) ends where [vdso] begins");
  uintptr_t low, high;
  int found_stack = 0;
  for (const char* at = text; at != NULL && *at != '\0';
       at = strchr(at, '\n'), at = at ? at + 1 : 0) {
    if (sscanf(at, "%lx-%lx", (unsigned long*)&low, (unsigned long*)&high) == 2 &&
        (uintptr_t)&found_stack >= low && (uintptr_t)&found_stack < high)
      found_stack = strncmp(strchr(at, '\n') - 7, "[stack]", 7) == 0;
  }
  CHECK(found_stack, "maps: a local variable lies in [stack]");
  const long n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n >= 0)
    path[n] = '\0';
  CHECK(n > 0 && strcmp(path, argv[0]) == 0, "/proc/self/exe -> %s", n > 0 ? path : "?");
  snprintf(line, sizeof(line), "%d", getpid());
  const long m = readlink("/proc/self", path, sizeof(path) - 1);
  CHECK(m > 0 && (path[m] = '\0', strcmp(path, line) == 0), "/proc/self -> %s (getpid)", line);
  CHECK(slurp("/proc/self/stat", text, sizeof(text)) > 0, "read /proc/self/stat");
  int pid, ppid;
  char state;
  char comm[64];
  CHECK(sscanf(text, "%d (%63[^)]) %c %d", &pid, comm, &state, &ppid) == 4 && pid == getpid() &&
            ppid == getppid() && state == 'R',
        "/proc/self/stat: pid %d, (%s), state %c, ppid %d: getpid, getppid", pid, comm, state,
        ppid);
  CHECK(slurp("/proc/self/status", text, sizeof(text)) > 0 && field(text, "\nPid") == getpid() &&
            field(text, "PPid") == getppid(),
        "/proc/self/status: Pid and PPid");
  /* Cpus_allowed: every CPU (a hex mask and a list), as sched_getaffinity. */
  cpu_set_t allowed;
  sched_getaffinity(0, sizeof(allowed), &allowed);
  char want_mask[48], want_list[48];
  snprintf(want_mask, sizeof(want_mask), "Cpus_allowed:\t%x\n", (1u << CPU_COUNT(&allowed)) - 1);
  if (CPU_COUNT(&allowed) == 1)
    snprintf(want_list, sizeof(want_list), "Cpus_allowed_list:\t0\n");
  else
    snprintf(want_list, sizeof(want_list), "Cpus_allowed_list:\t0-%d\n", CPU_COUNT(&allowed) - 1);
  CHECK(strstr(text, want_mask) != NULL && strstr(text, want_list) != NULL,
        "/proc/self/status: Cpus_allowed and its list are sched_getaffinity's %d CPUs",
        CPU_COUNT(&allowed));
  /* The thread's name: exec's base name, then prctl(PR_SET_NAME)'s. */
  char name[16] = {0}, comm_line[24];
  const char* base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
  snprintf(comm_line, sizeof(comm_line), "%.15s\n", base);
  CHECK(prctl(PR_GET_NAME, name) == 0 && strncmp(name, base, 15) == 0 &&
            slurp("/proc/self/comm", text, sizeof(text)) > 0 && strcmp(text, comm_line) == 0,
        "comm is the program's base name: prctl says %s, /proc/self/comm too", name);
  CHECK(prctl(PR_SET_NAME, "a-name-longer-than-15") == 0 && prctl(PR_GET_NAME, name) == 0 &&
            strcmp(name, "a-name-longer-t") == 0 &&
            slurp("/proc/self/comm", text, sizeof(text)) > 0 &&
            strcmp(text, "a-name-longer-t\n") == 0 &&
            slurp("/proc/self/stat", text, sizeof(text)) > 0 &&
            strstr(text, "(a-name-longer-t)") != NULL &&
            slurp("/proc/self/status", text, sizeof(text)) > 0 &&
            strstr(text, "Name:\ta-name-longer-t\n") != NULL,
        "prctl(PR_SET_NAME) of 21 bytes: 15 kept, in comm, stat and status");
  CHECK(err(prctl(PR_SET_NAME, (void*)8)) == -EFAULT && err(prctl(-1, 0)) == -EINVAL,
        "prctl: a bad name pointer EFAULT, an unknown option EINVAL");
  prctl(PR_SET_NAME, base);
  const long length = slurp("/proc/self/cmdline", text, sizeof(text));
  long want = 0;
  for (int i = 0; i < argc; ++i)
    want += (long)strlen(argv[i]) + 1;
  CHECK(length == want && strcmp(text, argv[0]) == 0, "/proc/self/cmdline: argv, %ld bytes", want);
  int pipe_fds[2];
  pipe(pipe_fds);
  struct stat st;
  fstat(pipe_fds[0], &st);
  snprintf(path, sizeof(path), "/proc/self/fd/%d", pipe_fds[0]);
  char target[64], expected[64];
  const long t = readlink(path, target, sizeof(target) - 1);
  snprintf(expected, sizeof(expected), "pipe:[%llu]", (unsigned long long)st.st_ino);
  CHECK(t > 0 && (target[t] = '\0', strcmp(target, expected) == 0),
        "/proc/self/fd/%d -> %s (fstat's inode)", pipe_fds[0], t > 0 ? target : "?");
  CHECK(has_entry("/proc/self/fd", "0") && err(open("/proc/self/fd/31", O_RDONLY)) == -ENOENT,
        "/proc/self/fd lists open descriptors only");

  /* A second thread: /proc/self/task lists both, its own stat, status and
   * comm under its tid; gone after join. */
  pthread_t worker;
  CHECK(pthread_create(&worker, NULL, named_worker, NULL) == 0, "pthread_create");
  while (__atomic_load_n(&worker_tid, __ATOMIC_ACQUIRE) == 0)
    sched_yield();
  const int tid = worker_tid;
  int tasks = 0;
  DIR* task_dir = opendir("/proc/self/task");
  for (struct dirent* e; task_dir != NULL && (e = readdir(task_dir)) != NULL;)
    tasks += e->d_name[0] != '.';
  if (task_dir != NULL)
    closedir(task_dir);
  snprintf(line, sizeof(line), "%d", tid);
  CHECK(tasks == 2 && has_entry("/proc/self/task", line),
        "/proc/self/task: 2 threads, %d among them", tid);
  snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
  CHECK(slurp(path, text, sizeof(text)) > 0 && strcmp(text, "worker\n") == 0 &&
            slurp("/proc/self/comm", comm_line, sizeof(comm_line)) > 0 &&
            strcmp(comm_line, "worker\n") != 0,
        "task/%d/comm: the thread's PR_SET_NAME; /proc/self/comm keeps the first thread's", tid);
  snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
  CHECK(slurp(path, text, sizeof(text)) > 0 &&
            sscanf(text, "%d (%63[^)]) %c %d", &pid, comm, &state, &ppid) == 4 && pid == tid &&
            strcmp(comm, "worker") == 0 && ppid == getppid(),
        "task/%d/stat: its tid and comm, the process's parent", tid);
  snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
  CHECK(slurp(path, text, sizeof(text)) > 0 && field(text, "\nPid") == tid &&
            field(text, "Tgid") == getpid() && field(text, "Threads") == 2,
        "task/%d/status: Pid is the tid, Tgid the pid, 2 threads", tid);
  __atomic_store_n(&worker_may_end, 1, __ATOMIC_RELEASE);
  pthread_join(worker, NULL);
  CHECK(err(open(path, O_RDONLY)) == -ENOENT && !has_entry("/proc/self/task", line),
        "a joined thread's task directory is gone");

  /* Another process: its directory, state and parent; gone after wait. */
  const pid_t child = fork();
  if (child == 0) {
    struct timespec second = {1, 0};
    nanosleep(&second, NULL);
    _exit(0);
  }
  struct timespec moment = {0, 50000000};
  nanosleep(&moment, NULL);
  snprintf(path, sizeof(path), "/proc/%d/stat", child);
  snprintf(line, sizeof(line), "%d", child);
  CHECK(has_entry("/proc", line) && slurp(path, text, sizeof(text)) > 0 &&
            sscanf(text, "%d (%63[^)]) %c %d", &pid, comm, &state, &ppid) == 4 && pid == child &&
            state == 'S' && ppid == getpid(),
        "/proc/%d/stat: a sleeping child of ours (state %c)", child, state);
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  CHECK(err(open(path, O_RDONLY)) == -ENOENT && !has_entry("/proc", line),
        "a reaped child's /proc directory is gone");
}

/* System calls for `ns` of MONOTONIC (read through the VDSO). */
static void spin_system_ns(int64_t ns) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    for (int i = 0; i < 100; ++i)
      syscall(SYS_getppid);
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while (ns_of(now) - ns_of(start) < ns);
}

static void accounting(void) {
  struct tms before, middle, after;
  struct rusage usage;
  times(&before);
  spin_user_ns(300000000);
  times(&middle);
  spin_system_ns(300000000);
  const clock_t now = times(&after);
  const long spin_user = (long)(middle.tms_utime - before.tms_utime);
  const long spin_system = (long)(middle.tms_stime - before.tms_stime);
  const long calls_user = (long)(after.tms_utime - middle.tms_utime);
  const long calls_system = (long)(after.tms_stime - middle.tms_stime);
  CHECK(spin_user >= 20 && spin_system <= 5,
        "times: 0.3 s of spinning in user mode is %ld ticks of user time, %ld of system", spin_user,
        spin_system);
  /* The SYSCALL and SYSRET transitions themselves count as user time (the
   * stamps are taken inside the kernel): under TCG they are most of a short
   * call, so only a part of the loop's time is system time. */
  CHECK(calls_system >= 3 && calls_system > spin_system && calls_system + calls_user >= 20,
        "times: 0.3 s of system calls is %ld ticks of system time (and %ld of user)", calls_system,
        calls_user);
  CHECK(now > 0 && sysconf(_SC_CLK_TCK) == 100,
        "times returns ticks since boot (%ld), 100 a second", (long)now);
  CHECK(getrusage(RUSAGE_SELF, &usage) == 0 &&
            usage.ru_utime.tv_sec * 100 + usage.ru_utime.tv_usec / 10000 >= (long)after.tms_utime,
        "getrusage(RUSAGE_SELF): user %ld.%06ld s", (long)usage.ru_utime.tv_sec,
        (long)usage.ru_utime.tv_usec);
  char text[4096];
  long long fields[17] = {0};
  if (slurp("/proc/self/stat", text, sizeof(text)) > 0) {
    const char* at = strrchr(text, ')') + 2;
    for (int i = 3; i <= 16 && at != NULL; ++i) {
      fields[i] = strtoll(at + (i == 3 ? 1 : 0), NULL, 10);
      at = strchr(at + 1, ' ');
    }
  }
  struct tms latest;
  times(&latest);
  CHECK(fields[14] >= (long long)after.tms_utime && fields[14] <= (long long)latest.tms_utime,
        "/proc/self/stat utime %lld lies between two times() reads", fields[14]);

  const pid_t child = fork();
  if (child == 0) {
    spin_user_ns(200000000);
    _exit(3);
  }
  int status;
  CHECK(wait4(child, &status, 0, &usage) == child && WIFEXITED(status) && WEXITSTATUS(status) == 3,
        "wait4 a child that spun 0.2 s");
  const long child_cs = usage.ru_utime.tv_sec * 100 + usage.ru_utime.tv_usec / 10000;
  CHECK(child_cs >= 12 && child_cs <= 150, "wait4's rusage: the child's user time %ld.%06ld s",
        (long)usage.ru_utime.tv_sec, (long)usage.ru_utime.tv_usec);
  struct rusage children;
  CHECK(getrusage(RUSAGE_CHILDREN, &children) == 0 &&
            children.ru_utime.tv_sec * 100 + children.ru_utime.tv_usec / 10000 >= child_cs,
        "getrusage(RUSAGE_CHILDREN) includes it");
  gid_t groups[4];
  CHECK(getgroups(0, NULL) == 1 && getgroups(4, groups) == 1 && groups[0] == 0,
        "getgroups: root's group 0");
}

/* O_CLOEXEC across exec: this program again, told which descriptor must
 * be gone and which kept. */
static void close_on_exec(const char* self) {
  const int gone = open(self, O_RDONLY | O_CLOEXEC), kept = open(self, O_RDONLY);
  char gone_text[16], kept_text[16];
  snprintf(gone_text, sizeof(gone_text), "%d", gone);
  snprintf(kept_text, sizeof(kept_text), "%d", kept);
  const pid_t child = fork();
  if (child == 0) {
    char* const child_argv[] = {(char*)self, "fds", gone_text, kept_text, NULL};
    execve(self, child_argv, environ);
    _exit(99);
  }
  int status = -1;
  waitpid(child, &status, 0);
  CHECK(gone >= 0 && kept >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "exec closes the O_CLOEXEC descriptor %d and keeps %d (child status %#x)", gone, kept,
        status);
  close(gone);
  close(kept);
}

int main(int argc, char** argv) {
  if (argc == 4 && strcmp(argv[1], "fds") == 0) {
    /* The child of close_on_exec: 0 when the first is closed, the second open. */
    const int gone = atoi(argv[2]), kept = atoi(argv[3]);
    return fcntl(gone, F_GETFD) == -1 && errno == EBADF && fcntl(kept, F_GETFD) == 0 ? 0 : 1;
  }
  printf("files (%s)\n", LIBC_NAME);
  read_only_tree(argv[0]);
  close_on_exec(argv[0]);
  ram_file_system();
  proc_against_the_page(argc, argv);
  accounting();
  return check_done("files");
}
