/* Issue 14's program, as its reporter wrote it: the first 16 bytes of the
 * VDSO image (its ELF header) to stdout, through write(2). It once
 * panicked the kernel; kernel/tests/tool/user_memory_test.sh checks the
 * bytes on both CPU models. */
#include <unistd.h>
#include <sys/auxv.h>
int main(void) { write(1, (void *)getauxval(AT_SYSINFO_EHDR), 16); return 0; }
