// A table of function addresses: position-independent code needs a load-time
// relocation (R_X86_64_RELATIVE) for each entry, which no VDSO may have.
extern "C" long __vdso_time(long*);
extern "C" __attribute__((used)) long (*const vdso_time_table[])(long*) = {&__vdso_time};
