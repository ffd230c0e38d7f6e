/* The contract between the injection stub (inject_stub.S) and the
 * supervisor (injector.cpp): the system call that asks for the data fd, the
 * layout of the stub's parameter block and the stub's failure steps.
 * Plain macros, because the assembler includes this file too. */
#pragma once

/* An unassigned x86_64 system-call number. The supervisor's seccomp filter
 * turns it (with the run's cookie as first argument) into a user
 * notification, which the supervisor answers by installing the memfd into
 * the caller (SECCOMP_IOCTL_NOTIF_ADDFD). Any other caller gets ENOSYS. */
#define VDSO_RUN_FD_SYSCALL 0x1d50

/* Parameter block at the end of the stub, filled per exec. */
#define VDSO_RUN_PARAM_COOKIE 0      /* first argument of the fd call */
#define VDSO_RUN_PARAM_TOTAL_SIZE 8  /* chain + data + image, bytes */
#define VDSO_RUN_PARAM_IMAGE_SIZE 16 /* image bytes (page multiple) */
#define VDSO_RUN_PARAM_AUXV_SLOT 24  /* address of AT_SYSINFO_EHDR's value */
#define VDSO_RUN_PARAM_CHAIN 32      /* the first 6 quadwords of the ChainPage */
#define VDSO_RUN_PARAM_CHAIN_WORDS 6
#define VDSO_RUN_PARAM_MODE 80       /* VDSO_RUN_MODE_* */
#define VDSO_RUN_PARAM_SIGMASK 88    /* the program's signal mask (jump mode) */
#define VDSO_RUN_PARAM_ENTRY 96      /* where the program starts (jump mode) */
#define VDSO_RUN_PARAM_AUXV 104      /* the auxv on the stack: address, */
#define VDSO_RUN_PARAM_AUXV_SIZE 112 /* and bytes up to and with AT_NULL */
#define VDSO_RUN_PARAM_SIZE 120

/* What the stub does once the VDSO is mapped:
 *   TRAP  stop with int3 (rax = image base); the supervisor restores the
 *         bytes under the stub, the registers and the signal mask. For a
 *         stub written over live code (the entry page), and for --verbose.
 *   JUMP  restore the signal mask itself, clear the registers as exec left
 *         them and jump to the entry point: no second stop. For a stub in
 *         the unused tail of the text segment's last page.
 * On failure the stub stops with int3 in either mode: rax = -errno, r15 =
 * the step that failed. */
#define VDSO_RUN_MODE_TRAP 0
#define VDSO_RUN_MODE_JUMP 1

/* Failure steps (r15). */
#define VDSO_RUN_STEP_FD 1
#define VDSO_RUN_STEP_RESERVE 2
#define VDSO_RUN_STEP_CHAIN 3
#define VDSO_RUN_STEP_DATA 4
#define VDSO_RUN_STEP_IMAGE 5
