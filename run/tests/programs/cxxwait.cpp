// cxxwait: the C++ standard library's timed waits, for the timed-wait tests
// of virtual time. "cxxwait MS" waits MS ms each way and prints, for each,
// <way>_waited=NS (on the clock the wait names) and <way>_early=yes|no:
//   system_until    condition_variable::wait_until(system_clock): libstdc++
//                   waits on REALTIME (pthread_cond_clockwait or timedwait)
//   steady_until    condition_variable::wait_until(steady_clock)
//   timed_mutex     timed_mutex::try_lock_until(system_clock), held by
//                   another thread
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace {

template <typename Clock>
void report(const char* way, typename Clock::time_point start, std::chrono::milliseconds wait) {
  const auto waited = Clock::now() - start;
  std::printf("%s_waited=%lld\n%s_early=%s\n", way,
              static_cast<long long>(std::chrono::nanoseconds(waited).count()), way,
              waited < wait ? "yes" : "no");
}

template <typename Clock>
void wait_until(const char* way, std::chrono::milliseconds wait) {
  std::mutex mutex;
  std::condition_variable condition;
  std::unique_lock lock(mutex);
  const auto start = Clock::now();
  const auto deadline = start + wait;
  while (condition.wait_until(lock, deadline) != std::cv_status::timeout) {
  }
  report<Clock>(way, start, wait);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: cxxwait MS\n");
    return 2;
  }
  const std::chrono::milliseconds wait(std::atoll(argv[1]));
  wait_until<std::chrono::system_clock>("system_until", wait);
  wait_until<std::chrono::steady_clock>("steady_until", wait);

  std::timed_mutex held;
  held.lock();
  std::thread contender([&] {
    const auto start = std::chrono::system_clock::now();
    if (held.try_lock_until(start + wait))
      std::abort();  // nobody unlocks it
    report<std::chrono::system_clock>("timed_mutex", start, wait);
  });
  contender.join();
  held.unlock();
  return 0;
}
