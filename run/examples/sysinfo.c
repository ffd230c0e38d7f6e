/* Prints the system's configuration as our VDSO serves it, with no system
 * call, through the public header <vdso/sysinfo.h>. Under vdso-run (or on
 * vdso-kernel) the VDSO at AT_SYSINFO_EHDR is ours; elsewhere there is
 * nothing to print.
 *
 *   vdso-run build/bin/vdso-sysinfo
 *
 * Exit status: 0, or 1 with a message when the VDSO is not ours or holds no
 * configuration. */
#include <stdio.h>
#include <sys/auxv.h>

#include "vdso/sysinfo.h"

int main(void) {
  struct vdso_sysinfo si;
  struct vdso_sysinfo_utsname uts;
  struct vdso_sysinfo_timespec boot;
  uint32_t cpus[2];
  uint64_t page_size, tick_hz, memory;
  if (!vdso_sysinfo_find((const void*)getauxval(AT_SYSINFO_EHDR), &si)) {
    fprintf(stderr, "vdso-sysinfo: the VDSO of this process is not ours (run under vdso-run)\n");
    return 1;
  }
  if (si.uname(&uts) != 0 || si.cpus(cpus) != 0 || si.page_size(&page_size) != 0 ||
      si.tick_hz(&tick_hz) != 0 || si.physical_memory(&memory) != 0 || si.boot_time(&boot) != 0) {
    fprintf(stderr, "vdso-sysinfo: the kernel published no configuration\n");
    return 1;
  }
  printf("sysname=%s\n", uts.sysname);
  printf("release=%s\n", uts.release);
  printf("version=%s\n", uts.version);
  printf("machine=%s\n", uts.machine);
  printf("cpus_configured=%u\n", (unsigned)cpus[0]);
  printf("cpus_online=%u\n", (unsigned)cpus[1]);
  printf("page_size=%llu\n", (unsigned long long)page_size);
  printf("tick_hz=%llu\n", (unsigned long long)tick_hz);
  printf("physical_memory=%llu\n", (unsigned long long)memory);
  printf("boot_time=%lld.%09lld\n", (long long)boot.tv_sec, (long long)boot.tv_nsec);
  return 0;
}
