#include "group_signals.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vdso::run {
namespace {

constexpr int kCapKill = 5;

struct Process {
  bool known = false;
  long uids[4] = {};  // real, effective, saved, filesystem
  unsigned long long effective_caps = 0;
  long tgid = 0;
  long pgrp = 0;
  long session = 0;
};

// What /proc/ID/status and /proc/ID/stat say of process or thread `id`.
Process read_process(long id) {
  Process process;
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%ld/status", id);
  FILE* file = std::fopen(path, "re");
  if (file == nullptr)
    return process;
  char line[256];
  int found = 0;
  while (std::fgets(line, sizeof(line), file) != nullptr) {
    if (std::sscanf(line, "Uid: %ld %ld %ld %ld", &process.uids[0], &process.uids[1],
                    &process.uids[2], &process.uids[3]) == 4 ||
        std::sscanf(line, "CapEff: %llx", &process.effective_caps) == 1 ||
        std::sscanf(line, "Tgid: %ld", &process.tgid) == 1) {
      ++found;
    }
  }
  std::fclose(file);
  std::snprintf(path, sizeof(path), "/proc/%ld/stat", id);
  file = std::fopen(path, "re");
  if (file == nullptr)
    return process;
  char stat[1024];
  const size_t size = std::fread(stat, 1, sizeof(stat) - 1, file);
  std::fclose(file);
  stat[size] = '\0';
  // After the command's closing parenthesis (the command may hold any
  // character): state, ppid, pgrp, session.
  const char* after = std::strrchr(stat, ')');
  char state;
  long ppid;
  if (after != nullptr &&
      std::sscanf(after + 1, " %c %ld %ld %ld", &state, &ppid, &process.pgrp, &process.session) ==
          4 &&
      found == 3) {
    process.known = true;
  }
  return process;
}

// The kernel's kill_ok_by_cred, and SIGCONT within a session.
bool may_signal(const Process& caller, const Process& target, int signal) {
  const long caller_real = caller.uids[0], caller_effective = caller.uids[1];
  const long target_real = target.uids[0], target_saved = target.uids[2];
  if (caller_effective == target_saved || caller_effective == target_real ||
      caller_real == target_saved || caller_real == target_real) {
    return true;
  }
  if (((caller.effective_caps >> kCapKill) & 1) != 0)
    return true;
  return signal == SIGCONT && caller.session == target.session;
}

}  // namespace

bool is_group_signal(uint64_t nr, uint64_t arg0) {
  return nr == kSysKill && static_cast<int32_t>(static_cast<uint32_t>(arg0)) <= 0;
}

GroupSignalAnswer answer_group_signal(pid_t caller_tid, uint64_t pid_arg, uint64_t signal_arg) {
  const int32_t pid = static_cast<int32_t>(static_cast<uint32_t>(pid_arg));
  const int signal = static_cast<int>(signal_arg);
  GroupSignalAnswer answer;
  if (signal_arg == 0 || signal_arg > static_cast<uint64_t>(SIGRTMAX))
    return answer;  // a test, or the host's EINVAL
  const Process caller = read_process(caller_tid);
  if (!caller.known)
    return answer;  // gone meanwhile: nothing to protect against
  const long our_pid = getpid();
  const long our_pgrp = getpgrp();
  const bool everyone = pid == -1;
  const long group = pid == 0 ? caller.pgrp : -static_cast<long>(pid);
  if (!everyone && group != our_pgrp)
    return answer;
  answer.host_answers = false;
  answer.signal = signal;
  int targets = 0;
  DIR* processes = opendir("/proc");
  if (processes == nullptr) {
    answer.return_value = -EPERM;  // cannot tell the targets: refuse rather than stop
    return answer;
  }
  while (const dirent* entry = readdir(processes)) {
    const long target_pid = std::strtol(entry->d_name, nullptr, 10);
    if (target_pid <= 0 || target_pid == our_pid)
      continue;
    const Process target = read_process(target_pid);
    if (!target.known)
      continue;
    if (everyone ? (target_pid == 1 || target_pid == caller.tgid) : target.pgrp != group)
      continue;
    ++targets;
    if (may_signal(caller, target, signal))
      answer.targets.push_back(static_cast<pid_t>(target_pid));
  }
  closedir(processes);
  answer.return_value = targets == 0 ? -ESRCH : answer.targets.empty() ? -EPERM : 0;
  return answer;
}

void send_group_signal(const GroupSignalAnswer& answer) {
  for (const pid_t target : answer.targets)
    kill(target, answer.signal);  // one that exited meanwhile: as if it had before
}

}  // namespace vdso::run
