/* The system's configuration, read from our VDSO with no system call.
 *
 * The VDSO (vdso-run's and vdso-kernel's) exports these functions under its
 * own version node VDSO_SYSINFO_1; Linux's vDSO has none of them, so a
 * program finds them only where our VDSO is mapped. Each fills *out and
 * returns 0, or -ENODATA (-61) when the kernel published no configuration.
 *
 *   #include <sys/auxv.h>
 *   #include <vdso/sysinfo.h>
 *
 *   struct vdso_sysinfo si;
 *   if (vdso_sysinfo_find((const void*)getauxval(AT_SYSINFO_EHDR), &si)) {
 *     struct vdso_sysinfo_utsname u;
 *     if (si.uname(&u) == 0) puts(u.release);
 *   }
 *
 * Header-only C99 (and C++), freestanding: only <stdint.h>. The lookup is
 * the one our resolver uses (vdso/elf/symbol_lookup.h, next to this file).
 * The values are what uname(2), sysconf(3) and sysinfo(2) report. The node
 * name and domain name are served only by a host that keeps them current
 * (vdso-kernel, whose names never change); vdso-run leaves them empty,
 * because the host's can change under a running tree: an empty one means
 * "ask uname(2)". */
#ifndef VDSO_SYSINFO_H
#define VDSO_SYSINFO_H

#include <stdint.h>

#include "vdso/elf/symbol_lookup.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VDSO_SYSINFO_VERSION "VDSO_SYSINFO_1"
#define VDSO_SYSINFO_UTSNAME_LENGTH 65

/* Linux's struct utsname (struct new_utsname): a libc's struct utsname on
 * 64-bit Linux has this layout too. */
struct vdso_sysinfo_utsname {
  char sysname[VDSO_SYSINFO_UTSNAME_LENGTH];
  char nodename[VDSO_SYSINFO_UTSNAME_LENGTH]; /* empty: ask uname(2) */
  char release[VDSO_SYSINFO_UTSNAME_LENGTH];
  char version[VDSO_SYSINFO_UTSNAME_LENGTH];
  char machine[VDSO_SYSINFO_UTSNAME_LENGTH];
  char domainname[VDSO_SYSINFO_UTSNAME_LENGTH]; /* empty: ask uname(2) */
};

/* struct timespec of a 64-bit Linux. */
struct vdso_sysinfo_timespec {
  int64_t tv_sec;
  int64_t tv_nsec;
};

struct vdso_sysinfo {
  /* [0] CPUs configured (sysconf _SC_NPROCESSORS_CONF), [1] online
   * (_SC_NPROCESSORS_ONLN). */
  int (*cpus)(uint32_t configured_and_online[2]);
  int (*page_size)(uint64_t* bytes);       /* sysconf(_SC_PAGESIZE) */
  int (*tick_hz)(uint64_t* hz);            /* the kernel's tick rate (not _SC_CLK_TCK) */
  int (*physical_memory)(uint64_t* bytes); /* sysinfo: totalram * mem_unit */
  int (*boot_time)(struct vdso_sysinfo_timespec* realtime_at_boot);
  int (*uname)(struct vdso_sysinfo_utsname* out); /* sysname, release, version, machine */
};

/* Finds every function in the VDSO mapped at `vdso_base` (the value of
 * AT_SYSINFO_EHDR). Returns 1 when all were found, else 0 with *out zeroed
 * (no VDSO, or a VDSO that is not ours). */
static inline int vdso_sysinfo_find(const void* vdso_base, struct vdso_sysinfo* out) {
  static const char* const kNames[6] = {
      "__vdso_sysinfo_cpus",      "__vdso_sysinfo_page_size",
      "__vdso_sysinfo_tick_hz",   "__vdso_sysinfo_physical_memory",
      "__vdso_sysinfo_boot_time", "__vdso_sysinfo_uname",
  };
  const void* found[6];
  struct vdso_elf_image image;
  struct vdso_sysinfo zero = {0, 0, 0, 0, 0, 0};
  int i;
  *out = zero;
  if (vdso_base == 0 || !vdso_elf_image_init_mapped(&image, vdso_base))
    return 0;
  for (i = 0; i < 6; ++i) {
    found[i] = vdso_elf_lookup(&image, kNames[i], VDSO_SYSINFO_VERSION, VDSO_ELF_HASH_ANY);
    if (found[i] == 0)
      return 0;
  }
  /* Object pointer to function pointer: what every dynamic linker does. */
  out->cpus = (int (*)(uint32_t*))(uintptr_t)found[0];
  out->page_size = (int (*)(uint64_t*))(uintptr_t)found[1];
  out->tick_hz = (int (*)(uint64_t*))(uintptr_t)found[2];
  out->physical_memory = (int (*)(uint64_t*))(uintptr_t)found[3];
  out->boot_time = (int (*)(struct vdso_sysinfo_timespec*))(uintptr_t)found[4];
  out->uname = (int (*)(struct vdso_sysinfo_utsname*))(uintptr_t)found[5];
  return 1;
}

#ifdef __cplusplus
}
#endif

#endif /* VDSO_SYSINFO_H */
