/* The public header compiled as strict C99 (its users are C programs):
 * this translation unit only forwards to it, for sysinfo_header_test. */
#include "vdso/sysinfo.h"

int sysinfo_header_find_from_c(const void* vdso_base, struct vdso_sysinfo* out) {
  return vdso_sysinfo_find(vdso_base, out);
}
