// Tries to stop, reschedule or limit the supervisor from inside the tree
// with every call that names a process or thread (supervisor_reach.sh).
//
//   reach PID   for PID (the supervisor) and each of its threads, prints
//               CALL=RESULT lines (ok or the errno's name), then whether
//               the tree's coarse clock still runs (ticking=yes|no); and
//               that pidfd_send_signal aimed elsewhere still works.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <stdint.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void result(const char* call, long id, long rc) {
  printf("%s(%ld)=%s\n", call, id, rc == 0 ? "ok" : strerrorname_np(errno));
}

// pidfd_send_signal(SIGSTOP) through a pidfd of thread `tid` (a thread's
// own pidfd, PIDFD_THREAD, unless it leads the process).
static void pidfd_signal(long pid, long tid) {
  const unsigned pidfd_thread = O_EXCL;  // PIDFD_THREAD, Linux 6.9
  const int pidfd = (int)syscall(SYS_pidfd_open, tid, tid == pid ? 0 : pidfd_thread);
  if (pidfd < 0) {
    result("pidfd_open", tid, -1);
    return;
  }
  result("pidfd_send_signal", tid, syscall(SYS_pidfd_send_signal, pidfd, SIGSTOP, NULL, 0));
  close(pidfd);
}

// pidfd_send_signal(`signal`) through an fd of directory `path` (/proc/PID).
static void procdir_signal(const char* call, long id, const char* path, int signal) {
  const int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  result(call, id, dir < 0 ? -1 : syscall(SYS_pidfd_send_signal, dir, signal, NULL, 0));
  if (dir >= 0)
    close(dir);
}

static double coarse_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: reach SUPERVISOR_PID\n");
    return 2;
  }
  const long pid = atol(argv[1]);
  char path[64];
  snprintf(path, sizeof(path), "/proc/%ld/task", pid);
  DIR* tasks = opendir(path);
  if (tasks == NULL) {
    perror(path);
    return 1;
  }
  struct dirent* entry;
  int threads = 0;
  while ((entry = readdir(tasks)) != NULL) {
    const long tid = atol(entry->d_name);
    if (tid <= 0)
      continue;
    ++threads;
    siginfo_t info;
    memset(&info, 0, sizeof(info));
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_uid = getuid();
    result("kill", tid, syscall(SYS_kill, tid, SIGSTOP));
    result("tkill", tid, syscall(SYS_tkill, tid, SIGSTOP));
    result("tgkill", tid, syscall(SYS_tgkill, pid, tid, SIGSTOP));
    result("rt_sigqueueinfo", tid, syscall(SYS_rt_sigqueueinfo, tid, SIGSTOP, &info));
    result("rt_tgsigqueueinfo", tid, syscall(SYS_rt_tgsigqueueinfo, pid, tid, SIGSTOP, &info));
    struct sched_param param = {.sched_priority = 0};
    result("sched_setscheduler", tid, syscall(SYS_sched_setscheduler, tid, SCHED_IDLE, &param));
    result("sched_setparam", tid, syscall(SYS_sched_setparam, tid, &param));
    struct {  // struct sched_attr, its first version (glibc 2.36 has none)
      uint32_t size, policy;
      uint64_t flags;
      int32_t nice;
      uint32_t priority;
      uint64_t runtime, deadline, period;
    } attr = {.size = sizeof(attr), .policy = SCHED_IDLE};
    result("sched_setattr", tid, syscall(SYS_sched_setattr, tid, &attr, 0));
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    result("sched_setaffinity", tid, syscall(SYS_sched_setaffinity, tid, sizeof(one), &one));
    result("setpriority", tid, syscall(SYS_setpriority, PRIO_PROCESS, tid, 19));
    result("ioprio_set", tid, syscall(SYS_ioprio_set, 1, tid, 3 << 13));  // IDLE class
    struct rlimit limit = {.rlim_cur = 0, .rlim_max = 0};
    result("prlimit64_set", tid, syscall(SYS_prlimit64, tid, RLIMIT_CPU, &limit, NULL));
    struct rlimit old;
    result("prlimit64_read", tid, syscall(SYS_prlimit64, tid, RLIMIT_NOFILE, NULL, &old));
    pidfd_signal(pid, tid);
  }
  closedir(tasks);
  snprintf(path, sizeof(path), "/proc/%ld", pid);
  procdir_signal("pidfd_send_signal_procdir", pid, path, SIGSTOP);
  // Every other pidfd_send_signal runs as on the host: signal 0 (a test)
  // to ourselves through a pidfd and through /proc/self, and SIGTERM through
  // a pidfd of a child of ours, which it ends.
  const int own = (int)syscall(SYS_pidfd_open, getpid(), 0);
  result("pidfd_send_signal_self", getpid(), syscall(SYS_pidfd_send_signal, own, 0, NULL, 0));
  close(own);
  procdir_signal("pidfd_send_signal_procdir_self", getpid(), "/proc/self", 0);
  const pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  const int child_pidfd = (int)syscall(SYS_pidfd_open, child, 0);
  result("pidfd_send_signal_child", child,
         syscall(SYS_pidfd_send_signal, child_pidfd, SIGTERM, NULL, 0));
  int status = 0;
  waitpid(child, &status, 0);
  printf("child_ended_by=%s\n", WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) : "exit");
  close(child_pidfd);
  printf("threads=%d\n", threads);
  // The clock still runs: 200 ms of sleep is about 200 ms on the page.
  const double before = coarse_now();
  usleep(200000);
  printf("ticking=%s\n", coarse_now() - before > 0.1 ? "yes" : "no");
  return 0;
}
