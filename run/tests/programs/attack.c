/* attack [SUPERVISOR_PID]: every way we know for a process of the tree to
 * write vdso-run's data page. Run as root under vdso-run by the tests. One
 * line per attack: "blocked: NAME (how)" or "WRITTEN: NAME". Afterwards the
 * page must still be intact and ticking. Exit status 0 only if everything
 * was blocked.
 *
 * Attacks that could succeed by crashing run in a child process, so that a
 * successful write shows as a clean exit rather than killing the probe. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int written = 0;
static unsigned char* page;  /* our data page: AT_SYSINFO_EHDR - 4096 */
static const uint64_t kPoison = 0x5757575757575757ULL;
static const uint64_t kDataPageMagic = 0x454741504f534456ULL; /* "VDSOPAGE" */

static void report(const char* name, int blocked, const char* how) {
  printf("%s: %s (%s)\n", blocked ? "blocked" : "WRITTEN", name, how);
  if (!blocked) written = 1;
}

static void report_errno(const char* name, int rc) {
  report(name, rc != 0, rc != 0 ? strerror(errno) : "call succeeded");
}

/* Runs `attack` in a child; blocked if the child dies of a signal or
 * reports failure (exit 1). */
static void in_child(const char* name, int (*attack)(void)) {
  const pid_t pid = fork();
  if (pid == 0) _exit(attack() == 0 ? 0 : 1);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    report(name, 1, strsignal(WTERMSIG(status)));
  } else {
    report(name, WEXITSTATUS(status) != 0, WEXITSTATUS(status) != 0 ? "refused" : "wrote");
  }
}

static int direct_store(void) {
  *(volatile uint64_t*)page = kPoison;
  return 0;
}

static int mremap_then_write(void) {
  void* moved = mremap(page, 4096, 4096, MREMAP_MAYMOVE);
  if (moved == MAP_FAILED) return 1;
  if (mprotect(moved, 4096, PROT_READ | PROT_WRITE) != 0) return 1;
  *(volatile uint64_t*)moved = kPoison;
  return 0;
}

static void map_files_attacks(void) {
  char path[128];
  snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)page,
           (unsigned long)page + 4096);
  const int fd = open(path, O_RDWR);
  if (fd < 0) {
    report("map_files open O_RDWR", 1, strerror(errno));
    return;
  }
  const ssize_t n = pwrite(fd, &kPoison, sizeof(kPoison), 0);
  report_errno("map_files pwrite", n == (ssize_t)sizeof(kPoison) ? 0 : -1);
  void* shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  report_errno("map_files mmap shared writable", shared == MAP_FAILED ? -1 : 0);
  if (shared != MAP_FAILED) *(volatile uint64_t*)shared = kPoison;
  report_errno("map_files ftruncate", ftruncate(fd, 0));
  report_errno("map_files fallocate punch hole",
               fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096));
  report_errno("map_files remove seals", fcntl(fd, F_ADD_SEALS, 0) == 0 &&
                                                 (fcntl(fd, F_GET_SEALS) & F_SEAL_FUTURE_WRITE) == 0
                                             ? 0
                                             : -1);
  close(fd);
}

static void proc_mem_attack(const char* name, pid_t pid, uintptr_t address) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/mem", pid);
  const int fd = open(path, O_RDWR);
  if (fd < 0) {
    report(name, 1, strerror(errno));
    return;
  }
  const ssize_t n = pwrite(fd, &kPoison, sizeof(kPoison), (off_t)address);
  report_errno(name, n == (ssize_t)sizeof(kPoison) ? 0 : -1);
  close(fd);
}

static void process_vm_attack(const char* name, pid_t pid, uintptr_t address) {
  struct iovec local = {(void*)&kPoison, sizeof(kPoison)};
  struct iovec remote = {(void*)address, sizeof(kPoison)};
  const ssize_t n = process_vm_writev(pid, &local, 1, &remote, 1, 0);
  report_errno(name, n == (ssize_t)sizeof(kPoison) ? 0 : -1);
}

/* The supervisor's own writable mapping of the page: the only one. */
static uintptr_t supervisor_mapping(pid_t supervisor) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/maps", supervisor);
  FILE* maps = fopen(path, "r");
  if (maps == NULL) return 0;
  char line[512];
  uintptr_t found = 0;
  while (fgets(line, sizeof(line), maps) != NULL) {
    unsigned long start, end;
    char perms[8];
    if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3 && strstr(line, "memfd:vdso-run") &&
        perms[1] == 'w') {
      found = start;
    }
  }
  fclose(maps);
  return found;
}

static int64_t coarse_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char** argv) {
  const pid_t supervisor = argc > 1 ? (pid_t)atoi(argv[1]) : getppid();
  const uintptr_t image = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
  page = (unsigned char*)(image - 4096);
  uint64_t magic;
  memcpy(&magic, page, sizeof(magic));
  if (magic != kDataPageMagic) {
    printf("not running under vdso-run: no data page before AT_SYSINFO_EHDR\n");
    return 2;
  }

  in_child("direct store", direct_store);
  report_errno("mprotect PROT_WRITE", mprotect(page, 4096, PROT_READ | PROT_WRITE));
  report_errno("mprotect PROT_READ|PROT_WRITE|PROT_EXEC",
               mprotect(page, 4096, PROT_READ | PROT_WRITE | PROT_EXEC));
  in_child("mremap then mprotect and store", mremap_then_write);
  report_errno("madvise MADV_REMOVE", madvise(page, 4096, MADV_REMOVE));
  map_files_attacks();
  proc_mem_attack("/proc/self/mem pwrite", getpid(), (uintptr_t)page);
  process_vm_attack("process_vm_writev self", getpid(), (uintptr_t)page);

  /* Reading the supervisor's maps is allowed on some kernels (it writes
   * nothing); it gives the attacks below the real address to aim at. */
  const uintptr_t theirs = supervisor_mapping(supervisor);
  printf("info: supervisor's writable mapping %s\n", theirs ? "located" : "not visible");
  proc_mem_attack("/proc/<supervisor>/mem pwrite", supervisor, theirs ? theirs : image - 4096);
  process_vm_attack("process_vm_writev supervisor", supervisor, theirs ? theirs : image - 4096);
  report_errno("ptrace attach supervisor", (int)ptrace(PTRACE_ATTACH, supervisor, 0, 0));

  /* Intact and still ticking. */
  memcpy(&magic, page, sizeof(magic));
  const int64_t before = coarse_ns();
  struct timespec pause_for = {0, 50 * 1000 * 1000};
  nanosleep(&pause_for, NULL);
  const int ticking = coarse_ns() > before;
  const int intact = magic == kDataPageMagic && ticking;
  printf("page %s\n", intact ? "intact and ticking" : "DAMAGED");
  return written || !intact ? 1 : 0;
}
