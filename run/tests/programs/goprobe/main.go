// goprobe: what a Go program sees of the VDSO it was given. The Go runtime
// reads AT_SYSINFO_EHDR from its own auxv and binds __vdso_clock_gettime
// (for time.Now and the monotonic clock) by parsing the image itself; it
// dereferences DT_VERDEF without a check, so a start-up at all is a test.
//
// Prints the same keys as clockprobe where they apply, plus the address
// the runtime bound and whether it lies inside vdso-run's image.
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

//go:linkname vdsoClockgettimeSym runtime.vdsoClockgettimeSym
var vdsoClockgettimeSym uintptr

const atSysinfoEhdr = 33

func sysinfoEhdr() uint64 {
	auxv, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 0
	}
	for i := 0; i+16 <= len(auxv); i += 16 {
		if binary.LittleEndian.Uint64(auxv[i:]) == atSysinfoEhdr {
			return binary.LittleEndian.Uint64(auxv[i+8:])
		}
	}
	return 0
}

// The mapping holding address: its name and extent.
func mapping(address uint64) (name string, start, end uint64) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return "", 0, 0
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		var s, e uint64
		if _, err := fmt.Sscanf(fields[0], "%x-%x", &s, &e); err != nil {
			continue
		}
		if address >= s && address < e {
			if len(fields) >= 6 {
				name = strings.Join(fields[5:], " ")
			}
			return name, s, e
		}
	}
	return "", 0, 0
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// The raw system call, as Go programs make it through package syscall.
func sysClockNs(id uintptr) int64 {
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, id, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		fmt.Fprintln(os.Stderr, "goprobe: clock_gettime:", errno)
		os.Exit(1)
	}
	return ts.Nano()
}

// "goprobe times MS": what virtual time looks like to Go: time.Now (the
// VDSO's REALTIME), the raw system calls, and the elapsed time of the
// runtime's monotonic clock (the VDSO's MONOTONIC) over a busy loop of MS
// ms of this thread's CPU time (a clock virtual time leaves real; the
// process's would count the runtime's other threads too, and run faster
// than the wall clock).
func times(budgetMs int64) {
	runtime.LockOSThread()
	fmt.Printf("now_realtime=%d\n", time.Now().UnixNano())
	fmt.Printf("sys_realtime=%d\n", sysClockNs(0))
	fmt.Printf("sys_monotonic=%d\n", sysClockNs(1))
	start := time.Now()
	sysStart := sysClockNs(1)
	cpuStart := sysClockNs(3)
	for sysClockNs(3)-cpuStart < budgetMs*1000000 {
	}
	fmt.Printf("elapsed_now_monotonic=%d\n", time.Since(start).Nanoseconds())
	fmt.Printf("elapsed_sys_monotonic=%d\n", sysClockNs(1)-sysStart)
}

// "goprobe waits MS": Go's own waits of MS ms each, measured on the
// runtime's monotonic clock: time.Sleep, a time.Timer, five ticks of a
// time.Ticker of MS/5, and time.After in a select, each from a goroutine
// while another keeps a timer pending (the runtime waits for them with
// futexes and epoll). For each <way>_waited=NS and <way>_early=yes|no.
func waits(ms int64) {
	d := time.Duration(ms) * time.Millisecond
	report := func(way string, start time.Time) {
		waited := time.Since(start)
		fmt.Printf("%s_waited=%d\n%s_early=%s\n", way, waited.Nanoseconds(), way, yesNo(waited < d))
	}
	background := time.NewTimer(time.Hour)
	defer background.Stop()
	start := time.Now()
	time.Sleep(d)
	report("sleep", start)
	start = time.Now()
	<-time.NewTimer(d).C
	report("timer", start)
	start = time.Now()
	ticker := time.NewTicker(d / 5)
	for i := 0; i < 5; i++ {
		<-ticker.C
	}
	ticker.Stop()
	report("ticker", start)
	done := make(chan struct{})
	start = time.Now()
	go func() {
		select {
		case <-time.After(d):
		case <-background.C:
		}
		close(done)
	}()
	<-done
	report("after", start)
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "waits" {
		var ms int64
		fmt.Sscan(os.Args[2], &ms)
		waits(ms)
		return
	}
	if len(os.Args) == 3 && os.Args[1] == "times" {
		var ms int64
		fmt.Sscan(os.Args[2], &ms)
		times(ms)
		return
	}
	// The runtime bound the VDSO at the address the stack's auxv gave it;
	// /proc/self/auxv is the kernel's own copy, which still names the
	// host's vDSO (see run/README: what changes for a program).
	symName, _, _ := mapping(uint64(vdsoClockgettimeSym))
	fmt.Println("build=go")
	fmt.Printf("clock_gettime_sym=%#x\n", vdsoClockgettimeSym)
	fmt.Printf("vdso_mapping=%s\n", symName)
	fmt.Printf("ours=%s\n", yesNo(strings.Contains(symName, "memfd:vdso-run")))
	fmt.Printf("proc_auxv_sysinfo_ehdr=%#x\n", sysinfoEhdr())
	// time.Now goes through the bound function (to the host's fine clock
	// through our chain page): it must advance like the real clock.
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	elapsed := time.Since(start)
	fmt.Printf("coherent=%s\n", yesNo(elapsed >= 20*time.Millisecond && elapsed < 2*time.Second))
}
