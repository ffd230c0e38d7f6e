#include "fd_delivery.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "stub_abi.h"
#include "thread_signals.h"

namespace vdso::run {
namespace {

int install_filter(uint32_t cookie_low) {
  constexpr uint32_t kArgLow = offsetof(seccomp_data, args[0]);  // little-endian: low half
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 5),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, VDSO_RUN_FD_SYSCALL, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, kArgLow),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, cookie_low, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
  return static_cast<int>(
      syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program));
}

}  // namespace

bool FdDelivery::start(std::string* error, std::string* note) {
  const auto cookie_low = static_cast<uint32_t>(cookie_);
  listener_ = install_filter(cookie_low);
  if (listener_ < 0 && errno == EACCES) {
    // An unprivileged filter requires no_new_privs. Under ptrace a setuid
    // program gains nothing anyway, so the tree loses nothing it had.
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) {
      *note = "no_new_privs set (needed for an unprivileged seccomp filter)";
      listener_ = install_filter(cookie_low);
    }
  }
  if (listener_ < 0) {
    *error = std::string("cannot install the seccomp filter that delivers the data page: ") +
             strerror(errno);
    return false;
  }
  fcntl(listener_, F_SETFD, FD_CLOEXEC);
  pthread_t thread;
  const int rc = pthread_create(&thread, nullptr, &FdDelivery::thread_main, this);
  if (rc != 0) {
    *error = std::string("cannot start the fd delivery thread: ") + strerror(rc);
    return false;
  }
  pthread_detach(thread);
  return true;
}

void* FdDelivery::thread_main(void* self) {
  block_all_signals_in_this_thread();
  static_cast<FdDelivery*>(self)->serve();
  return nullptr;
}

void FdDelivery::serve() {
  for (;;) {
    seccomp_notif request;
    std::memset(&request, 0, sizeof(request));  // the kernel requires it
    if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_RECV, &request) != 0) {
      if (errno == EINTR || errno == ENOENT)
        continue;  // caller gone meanwhile
      return;
    }
    int error = ENOSYS;  // not ours to answer: the call does not exist
    if (request.data.nr == VDSO_RUN_FD_SYSCALL && request.data.args[0] == cookie_) {
      seccomp_notif_addfd addfd{};
      addfd.id = request.id;
      addfd.flags = SECCOMP_ADDFD_FLAG_SEND;  // install and return it, atomically
      addfd.srcfd = static_cast<uint32_t>(memfd_);
      addfd.newfd_flags = O_CLOEXEC;
      if (ioctl(listener_, SECCOMP_IOCTL_NOTIF_ADDFD, &addfd) >= 0) {
        delivered_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      // ENOENT: the caller was interrupted and will ask again.
      if (errno == ENOENT)
        continue;
      error = errno;  // e.g. EMFILE: the stub reports it
    }
    seccomp_notif_resp response{};
    response.id = request.id;
    response.error = -error;
    ioctl(listener_, SECCOMP_IOCTL_NOTIF_SEND, &response);
  }
}

}  // namespace vdso::run
