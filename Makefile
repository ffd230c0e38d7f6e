# The two commands (and a few more). Each target installs what is missing,
# configures and builds into build/, then runs.
BUILD_DIR ?= build
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release
CTEST_FLAGS ?= --output-on-failure

.PHONY: all bootstrap configure build install demo test bench format clean kernel-run kernel-bench kernel-bench-linux

all: build

bootstrap:
	@scripts/bootstrap.sh

configure: bootstrap
	@cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR)

# The commands, the kernel they boot, the public header and the man pages,
# into $(DESTDIR)$(PREFIX): make install PREFIX=/usr DESTDIR=/tmp/stage
PREFIX ?= /usr/local
install: build
	@DESTDIR=$(DESTDIR) cmake --install $(BUILD_DIR) --prefix $(PREFIX)

demo: build
	@scripts/demo.sh $(BUILD_DIR)

# A test that skipped a check says why on a SKIP line; ctest shows only
# "Skipped", so the reasons follow its summary. Every test but the
# kernel's runs one at a time; then the kernel's (label kernel: QEMU
# boots, on 1, 2 and 4 CPUs) CTEST_KERNEL_JOBS at a time, where a test
# that measures time runs alone (RUN_SERIAL, kernel/CMakeLists.txt). A boot
# takes two ctest slots, a guest that mostly sleeps one (the end of
# kernel/CMakeLists.txt), hence -j twice the jobs.
CTEST_KERNEL_JOBS ?= 2
test: build
	@cd $(BUILD_DIR) && { ctest $(CTEST_FLAGS) -LE '^kernel$$'; hosted=$$?; \
	  mv Testing/Temporary/LastTest.log Testing/Temporary/LastTest_hosted.log; \
	  ctest $(CTEST_FLAGS) -L '^kernel$$' -j$$((2 * $(CTEST_KERNEL_JOBS))); kernel=$$?; \
	  grep -h '^SKIP: ' Testing/Temporary/LastTest*.log 2>/dev/null | sort -u; \
	  [ $$hosted -eq 0 ] && [ $$kernel -eq 0 ]; }

bench: build
	@scripts/bench.sh $(BUILD_DIR)

format:
	@git ls-files '*.h' '*.cpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)

# vdso-kernel under QEMU, serial on this terminal; Ctrl-A x leaves.
# make kernel-run KERNEL_ARGS="hz=250"  (or "test" for the in-kernel tests)
KERNEL_ARGS ?= hz=1000
kernel-run: build
	@kernel/scripts/run.sh $(BUILD_DIR) $(KERNEL_ARGS)

# The in-guest benchmark: clock_gettime (coarse and fine), gettimeofday and
# getcpu through the VDSO vs the system call, on vdso-kernel (static glibc
# and musl builds of kernel/user/bench.c), after the line that says which
# accelerator the figures come from; then glibc again under TCG -cpu max,
# whose RDTSCP lets getcpu read TSC_AUX (QEMU's default CPU has no RDTSCP);
# then on 4 CPUs, for the rows of reads per second on 1, 2 and 4 CPUs.
kernel-bench: build
	@$(BUILD_DIR)/bin/vdso-kernel-qemu accel
	@$(BUILD_DIR)/bin/vdso-kernel-run $(BUILD_DIR)/kernel/user/bench-glibc
	@$(BUILD_DIR)/bin/vdso-kernel-run $(BUILD_DIR)/kernel/user/bench-musl
	@echo "TCG -cpu max:"
	@$(BUILD_DIR)/bin/vdso-kernel-run --cpu max $(BUILD_DIR)/kernel/user/bench-glibc
	@echo "4 CPUs (the scaling rows: 1, 2 and 4 threads on 1, 2 and 4 CPUs):"
	@$(BUILD_DIR)/bin/vdso-kernel-run --cpus 4 $(BUILD_DIR)/kernel/user/bench-glibc

# The in-guest benchmark on our kernel and on Debian's Linux (its image is
# downloaded once into $(BUILD_DIR)/linux-guest, unpacked, not installed),
# under the same QEMU, CPU models qemu64 and max, boots alternating.
kernel-bench-linux: build
	@kernel/scripts/linux-guest-bench.sh $(BUILD_DIR)
