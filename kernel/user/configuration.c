/* The system's configuration as the VDSO serves it (found from
 * AT_SYSINFO_EHDR with the public header <vdso/sysinfo.h>), printed and
 * checked against what the system calls and libc say: uname(2),
 * sysinfo(2), sysconf(3), clock_getres(2) and the clocks. Each check
 * prints a line; the exit status is the number of failures. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "vdso/sysinfo.h"

static int64_t ns_of(struct timespec ts) {
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(void) {
  struct vdso_sysinfo si;
  printf("configuration (%s)\n", LIBC_NAME);
  if (!vdso_sysinfo_find((const void*)getauxval(AT_SYSINFO_EHDR), &si)) {
    CHECK(0, "the VDSO at AT_SYSINFO_EHDR exports every %s function", VDSO_SYSINFO_VERSION);
    return check_done("configuration");
  }
  struct vdso_sysinfo_utsname uts;
  struct vdso_sysinfo_timespec boot;
  uint32_t cpus[2];
  uint64_t page_size, tick_hz, memory;
  CHECK(si.uname(&uts) == 0 && si.cpus(cpus) == 0 && si.page_size(&page_size) == 0 &&
            si.tick_hz(&tick_hz) == 0 && si.physical_memory(&memory) == 0 &&
            si.boot_time(&boot) == 0,
        "every %s function answers", VDSO_SYSINFO_VERSION);
  printf("     sysname=%s release=%s machine=%s\n", uts.sysname, uts.release, uts.machine);
  printf("     version=%s\n", uts.version);
  printf("     cpus configured=%u online=%u page_size=%llu tick_hz=%llu\n", (unsigned)cpus[0],
         (unsigned)cpus[1], (unsigned long long)page_size, (unsigned long long)tick_hz);
  printf("     physical_memory=%llu boot_time=%lld.%09lld\n", (unsigned long long)memory,
         (long long)boot.tv_sec, (long long)boot.tv_nsec);

  struct utsname u;
  CHECK(uname(&u) == 0, "uname(2)");
  CHECK(strcmp(u.sysname, uts.sysname) == 0 && strcmp(u.release, uts.release) == 0 &&
            strcmp(u.version, uts.version) == 0 && strcmp(u.machine, uts.machine) == 0,
        "uname(2) says %s %s %s: the VDSO's", u.sysname, u.release, u.machine);

  const long conf = sysconf(_SC_NPROCESSORS_CONF), onln = sysconf(_SC_NPROCESSORS_ONLN);
  CHECK(conf == (long)cpus[0] && onln == (long)cpus[1],
        "sysconf: %ld CPUs configured, %ld online: the VDSO's", conf, onln);
  CHECK(sysconf(_SC_PAGESIZE) == (long)page_size, "sysconf(_SC_PAGESIZE) %ld: the VDSO's",
        sysconf(_SC_PAGESIZE));

  struct sysinfo info;
  CHECK(sysinfo(&info) == 0, "sysinfo(2)");
  const uint64_t totalram = (uint64_t)info.totalram * info.mem_unit;
  CHECK(totalram == memory, "sysinfo(2) totalram %llu bytes: the VDSO's",
        (unsigned long long)totalram);
  const uint64_t phys_pages = (uint64_t)sysconf(_SC_PHYS_PAGES);
  CHECK(phys_pages * page_size == memory, "sysconf(_SC_PHYS_PAGES) %llu pages: the VDSO's",
        (unsigned long long)phys_pages);

  struct timespec res;
  CHECK(syscall(SYS_clock_getres, CLOCK_MONOTONIC_COARSE, &res) == 0 &&
            tick_hz * (uint64_t)ns_of(res) == 1000000000u,
        "clock_getres(2) of a coarse clock %ld ns: one tick at %llu Hz", (long)ns_of(res),
        (unsigned long long)tick_hz);

  /* The boot time is REALTIME less the time since boot: against the clocks
   * (MONOTONIC counts from the boot here) and against sysinfo's uptime. */
  struct timespec realtime, monotonic;
  clock_gettime(CLOCK_MONOTONIC, &monotonic);
  clock_gettime(CLOCK_REALTIME, &realtime);
  const int64_t boot_ns = boot.tv_sec * 1000000000 + boot.tv_nsec;
  const int64_t from_clocks = ns_of(realtime) - ns_of(monotonic);
  CHECK(llabs(from_clocks - boot_ns) < 10000000,
        "boot time: REALTIME - MONOTONIC is %lld ns from it", (long long)(from_clocks - boot_ns));
  const long long uptime_end = (long long)boot.tv_sec + info.uptime;
  CHECK(llabs(uptime_end - (long long)time(NULL)) <= 1,
        "boot time + sysinfo(2) uptime %ld s is now (%lld)", (long)info.uptime,
        (long long)time(NULL));
  return check_done("configuration");
}
