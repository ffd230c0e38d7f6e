// A static Go program (CGO_ENABLED=0) on the kernel: goroutines on several
// OS threads, channels and a mutex, timers, tickers and sleeps, and
// time.Now read through the VDSO by every thread (the runtime binds
// __vdso_clock_gettime; the one clock_gettime system call below is the
// only one the kernel's count may show). Prints "goroutines: PASS" and
// exits 0, or names each failure and exits with their number.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

var failures int

func check(ok bool, format string, args ...interface{}) {
	if ok {
		fmt.Printf("ok   "+format+"\n", args...)
	} else {
		failures++
		fmt.Printf("FAIL "+format+"\n", args...)
	}
}

func main() {
	runtime.GOMAXPROCS(4)

	var ts syscall.Timespec
	_, _, errno := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, 1, uintptr(unsafe.Pointer(&ts)), 0)
	check(errno == 0, "one clock_gettime system call on purpose")

	// Goroutines locked to their own OS threads: distinct thread ids.
	const workers = 4
	tids := make(chan int, workers)
	var ready, release sync.WaitGroup
	ready.Add(workers)
	release.Add(1)
	for i := 0; i < workers; i++ {
		go func() {
			runtime.LockOSThread()
			tids <- syscall.Gettid()
			ready.Done()
			release.Wait()
		}()
	}
	ready.Wait()
	release.Done()
	seen := map[int]bool{}
	for i := 0; i < workers; i++ {
		seen[<-tids] = true
	}
	check(len(seen) == workers, "%d goroutines locked to %d distinct OS threads", workers, len(seen))

	// Many goroutines, a mutex, channels; every one reads the clock.
	var mu sync.Mutex
	total := 0
	clockWentBack := false
	var wg sync.WaitGroup
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			last := time.Now()
			for i := 0; i < 2000; i++ {
				now := time.Now()
				if now.Before(last) {
					clockWentBack = true
				}
				last = now
				if i%100 == 0 {
					runtime.Gosched()
				}
			}
			mu.Lock()
			total += g
			mu.Unlock()
		}(g)
	}
	wg.Wait()
	check(total == 63*64/2, "64 goroutines summed under a mutex: %d", total)
	check(!clockWentBack, "time.Now (monotonic) never went back in any goroutine")

	// Sleeps and timers end at their time, not before.
	start := time.Now()
	time.Sleep(30 * time.Millisecond)
	slept := time.Since(start)
	check(slept >= 30*time.Millisecond && slept < 3*time.Second, "time.Sleep(30ms) took %v", slept)

	start = time.Now()
	<-time.After(20 * time.Millisecond)
	waited := time.Since(start)
	check(waited >= 20*time.Millisecond && waited < 3*time.Second, "time.After(20ms) fired after %v", waited)

	// The start is taken before the ticker exists: its first tick is due 10ms
	// after NewTicker, so the fifth is due 50ms after a time read before it.
	start = time.Now()
	ticker := time.NewTicker(10 * time.Millisecond)
	for i := 0; i < 5; i++ {
		<-ticker.C
	}
	ticker.Stop()
	ticked := time.Since(start)
	check(ticked >= 50*time.Millisecond && ticked < 5*time.Second, "5 ticks of 10ms took %v", ticked)

	// Timers in many goroutines at once.
	done := make(chan time.Duration, 16)
	for i := 0; i < 16; i++ {
		go func(i int) {
			d := time.Duration(i+1) * time.Millisecond
			t0 := time.Now()
			timer := time.NewTimer(d)
			<-timer.C
			done <- time.Since(t0) - d
		}(i)
	}
	early := 0
	for i := 0; i < 16; i++ {
		if <-done < 0 {
			early++
		}
	}
	check(early == 0, "16 concurrent timers: none fired early (%d did)", early)

	// Wall clock agrees with the kernel's system call within a second.
	var wall syscall.Timeval
	syscall.Gettimeofday(&wall)
	diff := time.Since(time.Unix(wall.Sec, wall.Usec*1000))
	check(diff > -time.Second && diff < time.Second, "time.Now agrees with gettimeofday(2): %v", diff)

	if failures == 0 {
		fmt.Println("goroutines: PASS")
	} else {
		fmt.Printf("goroutines: FAILED (%d failures)\n", failures)
	}
	os.Exit(failures)
}
