/* clockprobe: what a program sees of the VDSO it was given. Built five ways
 * (glibc dynamic and static, musl dynamic and static; Go has its own) and
 * run under vdso-run by the tests. Prints key=value lines:
 *
 *   build=glibc-dynamic            how this copy was built
 *   sysinfo_ehdr=0x...             AT_SYSINFO_EHDR as the libc sees it
 *   vdso_mapping=/memfd:vdso-run   the mapping that holds it (/proc/self/maps)
 *   ours=yes|no                    whether that is vdso-run's image
 *   proc_auxv_agrees=yes|no        /proc/self/auxv names the same image
 *   res_ns=N                       clock_getres(CLOCK_MONOTONIC_COARSE)
 *                                  (glibc asks the VDSO, musl the system
 *                                  call, which vdso-run answers)
 *   step_ns=N                      median step of CLOCK_MONOTONIC_COARSE
 *   coherent=yes|no                coarse <= fine <= coarse + 2 steps + 2 ms,
 *                                  for MONOTONIC and REALTIME
 *
 * Options: --steps N (default 3; 0 skips the step measurement), --quiet
 * (only "ours=..."). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>

#ifndef PROBE_BUILD
#define PROBE_BUILD "unknown"
#endif

static int64_t ns_of(const struct timespec* ts) {
  return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int64_t read_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ns_of(&ts);
}

/* The name of the mapping holding `address`, or "" if none has one. */
static void mapping_name(uintptr_t address, char* name, size_t size) {
  name[0] = '\0';
  FILE* maps = fopen("/proc/self/maps", "r");
  if (maps == NULL) return;
  char line[512];
  while (fgets(line, sizeof(line), maps) != NULL) {
    unsigned long start, end;
    int offset = 0;
    if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &start, &end, &offset) < 2) continue;
    if (address < start || address >= end) continue;
    snprintf(name, size, "%s", offset > 0 ? line + offset : "");
    name[strcspn(name, "\n")] = '\0';
    break;
  }
  fclose(maps);
}

/* AT_SYSINFO_EHDR in the kernel's copy of the auxv, /proc/self/auxv. */
static uintptr_t proc_auxv_sysinfo_ehdr(void) {
  FILE* file = fopen("/proc/self/auxv", "r");
  if (file == NULL) return 0;
  unsigned long entry[2];
  uintptr_t value = 0;
  while (fread(entry, sizeof(entry), 1, file) == 1 && entry[0] != AT_NULL) {
    if (entry[0] == AT_SYSINFO_EHDR) value = entry[1];
  }
  fclose(file);
  return value;
}

static int compare(const void* a, const void* b) {
  const int64_t x = *(const int64_t*)a, y = *(const int64_t*)b;
  return (x > y) - (x < y);
}

/* The coarse clock's step: the median of `steps` observed changes. A probe
 * that was not running at some tick sees a change of two or more steps at
 * once, so each change is first divided by its whole number of steps,
 * taken relative to the median change. (Not the smallest: a tick that ran
 * late is followed by a short change, and dividing every other change by
 * that one reported a quarter of the tick at --hz 250 on an idle machine.) */
static int64_t median_of(int64_t* values, int count) {
  qsort(values, (size_t)count, sizeof(values[0]), compare);
  return values[count / 2];
}

static int64_t median_step(int steps) {
  int64_t diffs[64], sorted[64];
  if (steps > 64) steps = 64;
  int64_t last = read_ns(CLOCK_MONOTONIC_COARSE);
  /* Align on a change first, so every measured step is whole. */
  while (read_ns(CLOCK_MONOTONIC_COARSE) == last) {
  }
  last = read_ns(CLOCK_MONOTONIC_COARSE);
  for (int i = 0; i < steps; ++i) {
    int64_t now;
    while ((now = read_ns(CLOCK_MONOTONIC_COARSE)) == last) {
    }
    diffs[i] = now - last;
    sorted[i] = diffs[i];
    last = now;
  }
  const int64_t reference = median_of(sorted, steps);
  for (int i = 0; i < steps; ++i) {
    const int64_t whole_steps = (diffs[i] + reference / 2) / reference;
    diffs[i] /= whole_steps > 0 ? whole_steps : 1;
  }
  return median_of(diffs, steps);
}

/* The coarse clock never runs ahead of the fine one, nor far behind. */
static int coherent(clockid_t coarse_id, clockid_t fine_id, int64_t res) {
  for (int i = 0; i < 2000; ++i) {
    if (i % 100 == 99) {
      const struct timespec pause_for = {0, 1000000};
      nanosleep(&pause_for, NULL); /* sample across ticks, not within one */
    }
    const int64_t coarse = read_ns(coarse_id);
    const int64_t fine = read_ns(fine_id);
    if (coarse > fine || fine - coarse > 2 * res + 2000000) {
      fprintf(stderr, "clockprobe: clock %d: coarse %lld fine %lld\n", (int)coarse_id,
              (long long)coarse, (long long)fine);
      return 0;
    }
  }
  return 1;
}

int main(int argc, char** argv) {
  int steps = 3, quiet = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc) {
      steps = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--quiet") == 0) {
      quiet = 1;
    } else {
      fprintf(stderr, "usage: clockprobe [--steps N] [--quiet]\n");
      return 2;
    }
  }
  const uintptr_t ehdr = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
  char name[256];
  mapping_name(ehdr, name, sizeof(name));
  const int ours = strstr(name, "memfd:vdso-run") != NULL;
  if (quiet) {
    printf("ours=%s\n", ours ? "yes" : "no");
    return 0;
  }
  struct timespec res;
  clock_getres(CLOCK_MONOTONIC_COARSE, &res);
  printf("build=%s\n", PROBE_BUILD);
  printf("sysinfo_ehdr=0x%lx\n", (unsigned long)ehdr);
  printf("vdso_mapping=%s\n", name);
  printf("ours=%s\n", ours ? "yes" : "no");
  printf("proc_auxv_agrees=%s\n", proc_auxv_sysinfo_ehdr() == ehdr ? "yes" : "no");
  printf("res_ns=%lld\n", (long long)ns_of(&res));
  /* musl answers clock_getres with a system call, which vdso-run answers
   * from the same timekeeper: the same tick either way. */
  int64_t resolution = ns_of(&res);
  if (steps > 0) {
    const int64_t step = median_step(steps);
    printf("step_ns=%lld\n", (long long)step);
    if (step > resolution) resolution = step;
  }
  const int ok = coherent(CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC, resolution) &&
                 coherent(CLOCK_REALTIME_COARSE, CLOCK_REALTIME, resolution);
  printf("coherent=%s\n", ok ? "yes" : "no");
  return 0;
}
