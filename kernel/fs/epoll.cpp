// epoll instances (epoll.h).
#include "fs/epoll.h"

#include "vdso/abi/linux.h"

namespace abi = vdso::abi;
namespace kernel::fs {

inline constexpr int kMaxEpollEntries = 32;

struct Epoll {
  bool used;
  struct Entry {
    File* file;  // retained while in the list; null when free
    int fd;
    uint32_t events;    // what the caller asked for (and ET/ONESHOT)
    uint32_t reported;  // EPOLLET: the bits reported since they last cleared
    uint64_t data;
  } entries[kMaxEpollEntries];
};

namespace {

constexpr int kMaxEpolls = 16;
Epoll epolls[kMaxEpolls];

Epoll::Entry* find_entry(Epoll& epoll, int fd, const File& file) {
  for (Epoll::Entry& e : epoll.entries) {
    if (e.file == &file && e.fd == fd)
      return &e;
  }
  return nullptr;
}

}  // namespace

File* open_epoll() {
  for (Epoll& epoll : epolls) {
    if (epoll.used)
      continue;
    File* file = allocate_epoll_file(&epoll);
    if (file == nullptr)
      return nullptr;
    epoll = Epoll{};
    epoll.used = true;
    return file;
  }
  return nullptr;
}

int64_t epoll_control(File& epoll_file, int operation, int fd, File& target,
                      const EpollEvent& event) {
  Epoll& epoll = *epoll_file.epoll;
  if (&target == &epoll_file || target.kind == File::Kind::kEpoll)
    return -abi::kEINVAL;  // FIXME: no nested epoll
  Epoll::Entry* entry = find_entry(epoll, fd, target);
  // Errors and hang-ups are always reported, as Linux.
  const uint32_t events = event.events | kEpollErr | kEpollHup;
  switch (operation) {
    case kEpollCtlAdd:
      if (entry != nullptr)
        return -abi::kEEXIST;
      for (Epoll::Entry& e : epoll.entries) {
        if (e.file == nullptr) {
          e = Epoll::Entry{retain(&target), fd, events, 0, event.data};
          return 0;
        }
      }
      return -abi::kENOSPC;
    case kEpollCtlMod:
      if (entry == nullptr)
        return -abi::kENOENT;
      entry->events = events;
      entry->reported = 0;
      entry->data = event.data;
      return 0;
    case kEpollCtlDel:
      if (entry == nullptr)
        return -abi::kENOENT;
      release(entry->file);
      entry->file = nullptr;
      return 0;
    default: return -abi::kEINVAL;
  }
}

namespace {

// The events an entry waits for that are ready now.
uint32_t ready_events(const Epoll::Entry& e) {
  const uint32_t wanted = e.events & ~(kEpollEt | kEpollOneshot | kEpollExclusive | kEpollWakeup);
  return poll_events(*e.file) & wanted;
}

// Whether an entry has something to report: an edge-triggered one only
// what became ready since it last reported.
bool reportable(const Epoll::Entry& e, uint32_t ready) {
  return ready != 0 && ((e.events & kEpollEt) == 0 || (ready & ~e.reported) != 0);
}

}  // namespace

bool epoll_any_ready(const File& epoll_file) {
  for (const Epoll::Entry& e : epoll_file.epoll->entries) {
    if (e.file != nullptr && reportable(e, ready_events(e)))
      return true;
  }
  return false;
}

int epoll_collect(File& epoll_file, EpollEvent* out, int capacity) {
  int count = 0;
  for (Epoll::Entry& e : epoll_file.epoll->entries) {
    if (count == capacity)
      break;
    if (e.file == nullptr)
      continue;
    const uint32_t ready = ready_events(e);
    const bool report = reportable(e, ready);
    if (e.events & kEpollEt)
      e.reported = ready;
    if (!report)
      continue;
    out[count++] = EpollEvent{ready, e.data};
    if (e.events & kEpollOneshot)
      e.events &= kEpollEt | kEpollOneshot;  // disarmed until EPOLL_CTL_MOD
  }
  return count;
}

void epoll_release(Epoll& epoll) {
  for (Epoll::Entry& e : epoll.entries) {
    if (e.file != nullptr)
      release(e.file);
    e.file = nullptr;
  }
  epoll.used = false;
}

}  // namespace kernel::fs
