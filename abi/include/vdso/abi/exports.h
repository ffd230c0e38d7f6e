/* The VDSO's exported ABI, listed once: every symbol, by version node.
 *
 * Macros only, so that C, C++ and the preprocessed linker script all read
 * it. From this list the build derives image/vdso.lds.S's version script
 * (what the image exports) and vdso-check's required symbols (what the
 * built image must export, through both hash tables, or the build fails);
 * tests/sysinfo_header_test checks <vdso/sysinfo.h> against it.
 *
 * X(name) for each symbol. */
#ifndef VDSO_ABI_EXPORTS_H
#define VDSO_ABI_EXPORTS_H

/* LINUX_2.6: Linux's own names, which every libc and Go look up. */
#define VDSO_VERSION_LINUX "LINUX_2.6"
#define VDSO_EXPORTS_LINUX(X) \
  X(__vdso_clock_gettime)     \
  X(__vdso_gettimeofday)      \
  X(__vdso_time)              \
  X(__vdso_clock_getres)      \
  X(__vdso_getcpu)            \
  X(clock_gettime)            \
  X(gettimeofday)             \
  X(time)                     \
  X(clock_getres)             \
  X(getcpu)

/* VDSO_SYSINFO_1: our own node for the system's configuration. Linux has
 * no such symbols, so neither the node nor the names collide with a
 * libc's. In the order of struct vdso_sysinfo's members. */
#define VDSO_VERSION_SYSINFO "VDSO_SYSINFO_1"
#define VDSO_EXPORTS_SYSINFO(X)     \
  X(__vdso_sysinfo_cpus)            \
  X(__vdso_sysinfo_page_size)       \
  X(__vdso_sysinfo_tick_hz)         \
  X(__vdso_sysinfo_physical_memory) \
  X(__vdso_sysinfo_boot_time)       \
  X(__vdso_sysinfo_uname)

#endif /* VDSO_ABI_EXPORTS_H */
