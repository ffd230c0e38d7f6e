/* timer_baseline HZ SECONDS: the cost of nothing but a periodic timer on
 * this machine: a SCHED_FIFO thread (if permitted) that wakes HZ times a
 * second, as vdso-run's ticker does, and does no work. Prints its CPU time
 * as a share of one core ("cpu_percent="), the floor for vdso-run's own. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: timer_baseline HZ SECONDS\n");
    return 2;
  }
  const long long hz = atoll(argv[1]);
  const double seconds = atof(argv[2]);
  const struct sched_param param = {.sched_priority = 10};
  sched_setscheduler(0, SCHED_FIFO, &param);
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  long long next = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
  const long long period = 1000000000LL / hz;
  for (long long i = 0; i < (long long)(hz * seconds); ++i) {
    next += period;
    const struct timespec deadline = {next / 1000000000LL, next % 1000000000LL};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL);
  }
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  const double cpu = (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                     (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  printf("cpu_percent=%.2f\n", 100.0 * cpu / seconds);
  return 0;
}
