// epoll instances: an interest list of (descriptor, file, events, data)
// and the readiness of each file now (fs::poll_events). Level-triggered;
// EPOLLONESHOT disarms an entry once reported; EPOLLET reports an entry
// only when a readiness bit is new since its last report (FIXME: a new
// write to a pipe that was already readable is not a new edge). The
// waiting is the system call's (syscall/io.cpp): any change of a pipe
// wakes waiting threads, which look again.
#pragma once

#include <stdint.h>

#include "fs/file.h"

namespace kernel::fs {

inline constexpr uint32_t kEpollIn = 0x001, kEpollOut = 0x004, kEpollErr = 0x008, kEpollHup = 0x010,
                          kEpollRdhup = 0x2000, kEpollExclusive = 1u << 28, kEpollWakeup = 1u << 29,
                          kEpollOneshot = 1u << 30, kEpollEt = 1u << 31;
inline constexpr int kEpollCtlAdd = 1, kEpollCtlDel = 2, kEpollCtlMod = 3;

// struct epoll_event as x86_64 packs it.
struct __attribute__((packed)) EpollEvent {
  uint32_t events;
  uint64_t data;
};
static_assert(sizeof(EpollEvent) == 12);

// A new epoll file, or null when the pools are exhausted.
File* open_epoll();

// EPOLL_CTL_ADD/MOD/DEL of `fd` (whose file is `target`) in `epoll`;
// 0 or -errno (EEXIST, ENOENT, ENOSPC, EINVAL).
int64_t epoll_control(File& epoll, int operation, int fd, File& target, const EpollEvent& event);

// Fills up to `capacity` ready events; returns how many. Collecting an
// event consumes it (edge-triggered and one-shot entries).
int epoll_collect(File& epoll, EpollEvent* out, int capacity);
// Whether epoll_collect would find an event, without consuming any.
bool epoll_any_ready(const File& epoll);

// Drops an instance's entries (its file's last release).
void epoll_release(Epoll& epoll);

}  // namespace kernel::fs
