# The static test programs (kernel/user/*.c), built with the host's libcs
# exactly as a user would build them (gcc -static, gcc -static-pie,
# musl-gcc -static), the malformed-ELF matrix made from one of them, and
# the initramfs (newc cpio) that packs them all. Outputs in
# build/kernel/user/; the initramfs is build/kernel/initramfs.cpio.
find_program(VDSO_KERNEL_GCC gcc REQUIRED)
find_program(VDSO_KERNEL_MUSL_GCC musl-gcc REQUIRED)
find_program(VDSO_KERNEL_GXX g++ REQUIRED)
# Go is optional: without it the Go program's test reports a skip.
find_program(VDSO_KERNEL_GO go)

set(USER_SOURCE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/user)
set(USER_BINARY_DIR ${CMAKE_CURRENT_BINARY_DIR}/user)
file(MAKE_DIRECTORY ${USER_BINARY_DIR} ${USER_BINARY_DIR}/bad)
# The public C header of the VDSO's configuration functions, <vdso/sysinfo.h>,
# is in the resolver's include directory.
set(USER_CFLAGS -O2 -Wall -Wextra -Wno-missing-field-initializers -Werror -I${USER_SOURCE_DIR}
    -I${VDSO_ELF_INCLUDE})
file(GLOB USER_VDSO_HEADERS ${VDSO_ELF_INCLUDE}/vdso/*.h ${VDSO_ELF_INCLUDE}/vdso/elf/*.h)

# name: program (user/NAME.c); variants: glibc (static), pie (static-pie),
# musl (static).
set(USER_PROGRAMS)
set(USER_INITRAMFS_ENTRIES)
function(user_program name)
  foreach(variant IN LISTS ARGN)
    set(out ${USER_BINARY_DIR}/${name}-${variant})
    if(variant STREQUAL "glibc")
      set(command ${VDSO_KERNEL_GCC} -static)
    elseif(variant STREQUAL "pie")
      set(command ${VDSO_KERNEL_GCC} -static-pie -fPIE)
    elseif(variant STREQUAL "musl")
      set(command ${VDSO_KERNEL_MUSL_GCC} -static)
    else()
      message(FATAL_ERROR "user_program: unknown variant ${variant}")
    endif()
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${command} ${USER_CFLAGS} -o ${out} ${USER_SOURCE_DIR}/${name}.c
      DEPENDS ${USER_SOURCE_DIR}/${name}.c ${USER_SOURCE_DIR}/check.h ${USER_VDSO_HEADERS}
      COMMENT "user program ${name}-${variant}"
      VERBATIM)
    list(APPEND USER_PROGRAMS ${out})
    list(APPEND USER_INITRAMFS_ENTRIES ${name}-${variant}=${out})
  endforeach()
  set(USER_PROGRAMS ${USER_PROGRAMS} PARENT_SCOPE)
  set(USER_INITRAMFS_ENTRIES ${USER_INITRAMFS_ENTRIES} PARENT_SCOPE)
endfunction()

user_program(hello glibc pie musl)
user_program(clocks glibc pie musl)
user_program(coarse_only glibc musl)
user_program(faults glibc musl)
user_program(efault glibc musl)
user_program(spawn glibc musl)
user_program(monotonic glibc musl)
user_program(preempt glibc musl)
user_program(bench glibc musl)
user_program(elfmatrix glibc)
user_program(pressure glibc musl)
user_program(signals glibc musl)
user_program(sigsuspend glibc musl)
user_program(fuzz_syscalls glibc)
user_program(pointer_fuzz glibc musl)
user_program(vdso_pages_io glibc musl)
# The program of issue 14, as its reporter wrote it.
user_program(vdso_header glibc)
user_program(auxv glibc pie musl)
user_program(pipes glibc musl)
user_program(fine_clocks glibc musl)
# Reads the configuration through the public <vdso/sysinfo.h>.
user_program(configuration glibc musl)
user_program(mappings glibc musl)
user_program(timers glibc musl)
# Files, directories, /tmp, /proc against the page, CPU-time accounting.
user_program(files glibc musl)
# The file system's error matrix, diffed against the host's Linux.
user_program(fs_errors glibc musl)
user_program(rseq glibc)

# Threads: pthreads, futexes, signals with threads (kernel/user/threads.c).
user_program(threads glibc musl)

# Threads pinned to every CPU: the clocks, getcpu, TLB shootdown, affinity
# (kernel/user/smp.c).
user_program(smp glibc musl)

# C++ threads and std::chrono, static glibc + libstdc++.
set(out ${USER_BINARY_DIR}/threads_cxx-glibc)
add_custom_command(
  OUTPUT ${out}
  COMMAND ${VDSO_KERNEL_GXX} -static -std=c++20 -O2 -Wall -Wextra -Werror -o ${out}
          ${USER_SOURCE_DIR}/threads_cxx.cpp
  DEPENDS ${USER_SOURCE_DIR}/threads_cxx.cpp
  COMMENT "user program threads_cxx-glibc"
  VERBATIM)
list(APPEND USER_PROGRAMS ${out})
list(APPEND USER_INITRAMFS_ENTRIES threads_cxx-glibc=${out})

# Linux's own timer selftests (tools/testing/selftests/timers, the "safe"
# ones that need no privilege and move no clock), unmodified, from the
# kernel source Debian ships (linux-source-6.1, which scripts/bootstrap.sh
# installs); without it their tests report a skip.
set(VDSO_KERNEL_LINUX_SOURCE /usr/src/linux-source-6.1.tar.xz CACHE FILEPATH
    "Debian's linux-source tarball, for Linux's timer selftests")
set(TIMER_SELFTESTS posix_timers set-timer-lat raw_skew threadtest)
if(EXISTS ${VDSO_KERNEL_LINUX_SOURCE})
  set(VDSO_KERNEL_TIMER_SELFTESTS ON)
  set(selftests_dir ${CMAKE_CURRENT_BINARY_DIR}/linux-selftests)
  set(selftests_member linux-source-6.1/tools/testing/selftests)
  set(selftests_sources ${selftests_dir}/${selftests_member}/kselftest.h)
  set(selftests_members ${selftests_member}/kselftest.h)
  foreach(test IN LISTS TIMER_SELFTESTS)
    list(APPEND selftests_sources ${selftests_dir}/${selftests_member}/timers/${test}.c)
    list(APPEND selftests_members ${selftests_member}/timers/${test}.c)
  endforeach()
  add_custom_command(
    OUTPUT ${selftests_sources}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${selftests_dir}
    COMMAND tar -xJf ${VDSO_KERNEL_LINUX_SOURCE} -C ${selftests_dir} ${selftests_members}
    DEPENDS ${VDSO_KERNEL_LINUX_SOURCE}
    COMMENT "Linux's timer selftests from ${VDSO_KERNEL_LINUX_SOURCE}"
    VERBATIM)
  foreach(test IN LISTS TIMER_SELFTESTS)
    set(out ${USER_BINARY_DIR}/selftest-${test})
    # As their Makefile builds them, static: no -Werror on code not ours.
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${VDSO_KERNEL_GCC} -static -O2 -I${selftests_dir}/${selftests_member} -o ${out}
              ${selftests_dir}/${selftests_member}/timers/${test}.c -lrt -lpthread -lm
      DEPENDS ${selftests_sources}
      COMMENT "Linux selftest ${test} (static glibc)"
      VERBATIM)
    list(APPEND USER_PROGRAMS ${out})
    list(APPEND USER_INITRAMFS_ENTRIES selftest-${test}=${out})
  endforeach()
else()
  set(VDSO_KERNEL_TIMER_SELFTESTS OFF)
endif()

# A static Go program (CGO_ENABLED=0), built as a user would, with the
# build tree's own Go caches.
if(VDSO_KERNEL_GO)
  set(out ${USER_BINARY_DIR}/goroutines-go)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E env CGO_ENABLED=0 GOOS=linux GOARCH=amd64
            GOCACHE=${CMAKE_CURRENT_BINARY_DIR}/go-cache GOPATH=${CMAKE_CURRENT_BINARY_DIR}/go-path
            GOFLAGS=-mod=mod GO111MODULE=off
            ${VDSO_KERNEL_GO} build -o ${out} ${USER_SOURCE_DIR}/go/goroutines.go
    DEPENDS ${USER_SOURCE_DIR}/go/goroutines.go
    COMMENT "user program goroutines-go"
    VERBATIM)
  list(APPEND USER_PROGRAMS ${out})
  list(APPEND USER_INITRAMFS_ENTRIES goroutines-go=${out})
endif()

# Host tools: the newc writer and the malformed-ELF generator.
add_executable(mkinitramfs tools/mkinitramfs.cpp)
vdso_warnings(mkinitramfs)
add_executable(make-bad-elves tools/make_bad_elves.cpp)
target_include_directories(make-bad-elves PRIVATE ${VDSO_ELF_INCLUDE})
target_link_libraries(make-bad-elves PRIVATE vdso_abi)
vdso_warnings(make-bad-elves)

# The malformed-ELF matrix, from the static musl hello (ET_EXEC).
set(BAD_ELF_CASES
  empty truncated-header truncated-phdrs bad-magic class32 big-endian bad-version type-rel
  type-core machine-i386 machine-aarch64 phentsize-32 phnum-0 phnum-65535 phoff-beyond-file
  phoff-overflow segment-offset-beyond-file segment-offset-overflow segment-filesz-beyond-file
  filesz-above-memsz segment-in-kernel-half segment-vaddr-overflow segment-at-page-zero
  segment-misaligned segments-overlap no-load-segment entry-outside-segments entry-in-data
  interp-dynamic shell-script)
set(BAD_ELF_FILES)
foreach(case IN LISTS BAD_ELF_CASES)
  list(APPEND BAD_ELF_FILES ${USER_BINARY_DIR}/bad/${case})
  list(APPEND USER_INITRAMFS_ENTRIES bad/${case}=${USER_BINARY_DIR}/bad/${case})
endforeach()
add_custom_command(
  OUTPUT ${BAD_ELF_FILES}
  COMMAND make-bad-elves ${USER_BINARY_DIR}/hello-musl ${USER_BINARY_DIR}/bad ${BAD_ELF_CASES}
  DEPENDS make-bad-elves ${USER_BINARY_DIR}/hello-musl
  COMMENT "malformed-ELF matrix (${USER_BINARY_DIR}/bad)"
  VERBATIM)

set(VDSO_KERNEL_INITRAMFS ${CMAKE_CURRENT_BINARY_DIR}/initramfs.cpio)
add_custom_command(
  OUTPUT ${VDSO_KERNEL_INITRAMFS}
  COMMAND mkinitramfs ${VDSO_KERNEL_INITRAMFS} init=${USER_BINARY_DIR}/hello-glibc
          ${USER_INITRAMFS_ENTRIES}
  DEPENDS mkinitramfs ${USER_PROGRAMS} ${BAD_ELF_FILES}
  COMMENT "initramfs: ${VDSO_KERNEL_INITRAMFS}"
  VERBATIM)
add_custom_target(vdso_kernel_initramfs ALL DEPENDS ${VDSO_KERNEL_INITRAMFS})
set(VDSO_KERNEL_INITRAMFS ${VDSO_KERNEL_INITRAMFS} CACHE INTERNAL "")

# vdso-kernel-run: a program from the host, run on the kernel (build/bin/).
add_executable(vdso-kernel-run tools/vdso_kernel_run.cpp elf_loader/elf_check.cpp)
target_include_directories(vdso-kernel-run PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}
  ${VDSO_ELF_INCLUDE})
target_link_libraries(vdso-kernel-run PRIVATE kernel_qemu vdso_abi)
target_compile_definitions(vdso-kernel-run PRIVATE
  VDSO_KERNEL_BUILT_PATH="${CMAKE_CURRENT_BINARY_DIR}/vdso-kernel" VDSO_VERSION="${PROJECT_VERSION}")
vdso_warnings(vdso-kernel-run)
# The initramfs holds the program of the accelerator probe boot.
add_dependencies(vdso-kernel-run vdso_kernel vdso_kernel_initramfs)
install(TARGETS vdso-kernel-run)

# What an installed kernel needs for the probe boot: the probe program alone
# (the build's initramfs holds every test program, 18 MB).
set(VDSO_KERNEL_PROBE_INITRAMFS ${CMAKE_CURRENT_BINARY_DIR}/probe-initramfs.cpio)
add_custom_command(
  OUTPUT ${VDSO_KERNEL_PROBE_INITRAMFS}
  COMMAND mkinitramfs ${VDSO_KERNEL_PROBE_INITRAMFS} hello-musl=${USER_BINARY_DIR}/hello-musl
  DEPENDS mkinitramfs ${USER_BINARY_DIR}/hello-musl
  COMMENT "initramfs of the accelerator probe: ${VDSO_KERNEL_PROBE_INITRAMFS}"
  VERBATIM)
add_custom_target(vdso_kernel_probe_initramfs ALL DEPENDS ${VDSO_KERNEL_PROBE_INITRAMFS})
install(FILES ${VDSO_KERNEL_PROBE_INITRAMFS} DESTINATION ${CMAKE_INSTALL_LIBDIR}/vdso
        RENAME initramfs.cpio)

# vdso-kernel-qemu: the accelerator decision and QEMU command line
# (tools/qemu_machine.h) for run.sh, the make targets and the tests' fixture.
add_executable(vdso-kernel-qemu tools/vdso_kernel_qemu.cpp)
target_link_libraries(vdso-kernel-qemu PRIVATE kernel_qemu)
target_compile_definitions(vdso-kernel-qemu PRIVATE
  VDSO_KERNEL_BUILT_PATH="${CMAKE_CURRENT_BINARY_DIR}/vdso-kernel")
vdso_warnings(vdso-kernel-qemu)
add_dependencies(vdso-kernel-qemu vdso_kernel vdso_kernel_initramfs)
