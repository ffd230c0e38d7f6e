/* auxvprobe: AT_SYSINFO_EHDR as the program sees it (its stack, through
 * getauxval) and as /proc/self/auxv (the kernel's saved copy) names it.
 * Prints memory=ADDRESS and proc=ADDRESS, one a line. */
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>

int main(void) {
  uint64_t pair[2];
  unsigned long saved = 0;
  FILE* file = fopen("/proc/self/auxv", "rb");
  while (file != NULL && fread(pair, sizeof(pair), 1, file) == 1 && pair[0] != AT_NULL) {
    if (pair[0] == AT_SYSINFO_EHDR)
      saved = pair[1];
  }
  printf("memory=%lx\nproc=%lx\n", getauxval(AT_SYSINFO_EHDR), saved);
  return 0;
}
