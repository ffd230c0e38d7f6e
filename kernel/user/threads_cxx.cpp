// C++ threads on the kernel (static glibc, libstdc++): std::thread,
// std::mutex, std::condition_variable::wait_for/wait_until with
// std::chrono's steady and system clocks, std::this_thread::sleep_for,
// std::async. std::chrono's clocks are clock_gettime through the VDSO in
// every thread: the one clock_gettime system call below is the only one
// the kernel's count may show. Exits with the number of failures.
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace {

int failures = 0;

void check(bool ok, const char* what, long long value = 0) {
  std::printf("%s %s (%lld)\n", ok ? "ok  " : "FAIL", what, value);
  if (!ok)
    ++failures;
}

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

long long milliseconds_since(steady::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start).count();
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  timespec once;
  check(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &once) == 0,
        "one clock_gettime system call on purpose");

  // Threads, a mutex, ids; every thread reads both clocks.
  std::mutex lock;
  long counter = 0;
  std::set<pid_t> tids;
  std::atomic<bool> went_back{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      {
        std::lock_guard<std::mutex> guard(lock);
        tids.insert(static_cast<pid_t>(syscall(SYS_gettid)));
      }
      auto last = steady::now();
      for (int n = 0; n < 20000; ++n) {
        std::lock_guard<std::mutex> guard(lock);
        ++counter;
        if (n % 10 == 0) {
          const auto now = steady::now();
          (void)std::chrono::system_clock::now();
          if (now < last)
            went_back = true;
          last = now;
        }
      }
    });
  }
  for (std::thread& t : threads)
    t.join();
  check(counter == 80000, "4 std::threads counted under a std::mutex", counter);
  check(tids.size() == 4 && tids.count(getpid()) == 0, "each std::thread has its own thread id",
        static_cast<long long>(tids.size()));
  check(!went_back, "steady_clock never went back in any thread");

  // Sleeps and timed waits end at their time, not before.
  auto start = steady::now();
  std::this_thread::sleep_for(30ms);
  long long ms = milliseconds_since(start);
  check(ms >= 30 && ms < 3000, "sleep_for(30ms), ms", ms);

  std::condition_variable changed;
  bool flag = false;
  {
    std::unique_lock<std::mutex> guard(lock);
    start = steady::now();
    const bool got = changed.wait_for(guard, 25ms, [&] { return flag; });
    ms = milliseconds_since(start);
    check(!got && ms >= 25, "condition_variable::wait_for(25ms) timed out, ms", ms);
    start = steady::now();
    const auto deadline = std::chrono::system_clock::now() + 20ms;
    const bool got_until = changed.wait_until(guard, deadline, [&] { return flag; });
    ms = milliseconds_since(start);
    check(!got_until && ms >= 19, "wait_until(system_clock + 20ms) timed out, ms", ms);
  }
  std::thread notifier([&] {
    std::this_thread::sleep_for(10ms);
    std::lock_guard<std::mutex> guard(lock);
    flag = true;
    changed.notify_all();
  });
  {
    std::unique_lock<std::mutex> guard(lock);
    const bool got = changed.wait_for(guard, 5s, [&] { return flag; });
    check(got, "notify_all from another thread woke the waiter");
  }
  notifier.join();

  auto answer = std::async(std::launch::async, [] {
    std::this_thread::sleep_for(5ms);
    return 42;
  });
  check(answer.get() == 42, "std::async on its own thread returned its value", 42);

  std::printf("threads_cxx: %s (%d failures)\n", failures == 0 ? "PASS" : "FAILED", failures);
  return failures;
}
