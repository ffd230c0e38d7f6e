#include "proc/mappings.h"

#include "lib/panic.h"
#include "mm/layout.h"
#include "proc/process.h"
#include "proc/user_memory.h"

namespace kernel::proc {

const Mapping* Mappings::find(uint64_t virt) const {
  for (int i = 0; i < count_; ++i) {
    if (virt < entries_[i].begin)
      return nullptr;
    if (virt < entries_[i].end)
      return &entries_[i];
  }
  return nullptr;
}

bool Mappings::overlaps(uint64_t begin, uint64_t end) const {
  return first_overlap(begin, end) != end;
}

uint64_t Mappings::first_overlap(uint64_t begin, uint64_t end) const {
  for (int i = 0; i < count_; ++i) {
    const Mapping& m = entries_[i];
    if (m.begin >= end)
      break;
    if (m.end > begin)
      return m.begin > begin ? m.begin : begin;
  }
  return end;
}

bool Mappings::covers(uint64_t begin, uint64_t end) const {
  uint64_t covered_to = begin;
  for (int i = 0; i < count_ && covered_to < end; ++i) {
    const Mapping& m = entries_[i];
    if (m.end <= covered_to)
      continue;
    if (m.begin > covered_to)
      return false;
    covered_to = m.end;
  }
  return covered_to >= end;
}

void Mappings::insert_at(int index, const Mapping& m) {
  KASSERT(count_ < kMaxMappings);
  for (int i = count_; i > index; --i)
    entries_[i] = entries_[i - 1];
  entries_[index] = m;
  ++count_;
}

void Mappings::erase_at(int index) {
  for (int i = index; i + 1 < count_; ++i)
    entries_[i] = entries_[i + 1];
  --count_;
}

// Joins entry `index` with equal, touching neighbours.
void Mappings::merge_around(int index) {
  auto same = [](const Mapping& a, const Mapping& b) {
    return a.end == b.begin && a.prot == b.prot && a.no_reserve == b.no_reserve;
  };
  if (index + 1 < count_ && same(entries_[index], entries_[index + 1])) {
    entries_[index].end = entries_[index + 1].end;
    erase_at(index + 1);
  }
  if (index > 0 && same(entries_[index - 1], entries_[index])) {
    entries_[index - 1].end = entries_[index].end;
    erase_at(index);
  }
}

void Mappings::remove(uint64_t begin, uint64_t end) {
  KASSERT(has_room());
  for (int i = 0; i < count_;) {
    Mapping& m = entries_[i];
    if (m.begin >= end)
      break;
    if (m.end <= begin) {
      ++i;
      continue;
    }
    if (m.begin < begin && m.end > end) {  // a hole in the middle: split
      Mapping upper = m;
      upper.begin = end;
      m.end = begin;
      insert_at(i + 1, upper);
      return;
    }
    if (m.begin < begin) {
      m.end = begin;
      ++i;
    } else if (m.end > end) {
      m.begin = end;
      return;
    } else {
      erase_at(i);
    }
  }
}

void Mappings::add(uint64_t begin, uint64_t end, uint32_t prot, bool no_reserve) {
  remove(begin, end);
  int index = 0;
  while (index < count_ && entries_[index].begin < begin)
    ++index;
  insert_at(index, Mapping{begin, end, prot, no_reserve});
  merge_around(index);
}

void Mappings::protect(uint64_t begin, uint64_t end, uint32_t prot) {
  KASSERT(has_room());
  // Cut at both ends, then change every piece inside; merge afterwards.
  for (int i = 0; i < count_; ++i) {
    Mapping& m = entries_[i];
    if (m.begin >= end)
      break;
    if (m.end <= begin)
      continue;
    if (m.begin < begin) {
      Mapping inside = m;
      inside.begin = begin;
      m.end = begin;
      insert_at(i + 1, inside);
      continue;  // the inside piece is next
    }
    if (m.end > end) {
      Mapping outside = m;
      outside.begin = end;
      m.end = end;
      insert_at(i + 1, outside);
    }
    m.prot = prot;
  }
  for (int i = count_ - 1; i >= 0; --i) {
    if (i < count_)
      merge_around(i);
  }
}

void Mappings::copy_from(const Mappings& other) {
  for (int i = 0; i < other.count_; ++i)
    entries_[i] = other.entries_[i];
  count_ = other.count_;
}

uint64_t page_flags_for(uint32_t prot) {
  // PROT_NONE keeps the page but takes it away from user mode.
  if ((prot & (kProtRead | kProtWrite | kProtExec)) == 0)
    return paging::kNoExecute;
  return paging::kUser | ((prot & kProtWrite) ? paging::kWritable : 0) |
         ((prot & kProtExec) ? 0 : paging::kNoExecute);
}

FaultResolution map_on_first_touch(uint64_t virt, bool write, bool execute) {
  Process& p = current();
  if (p.pid == 0 || virt >= layout::kUserTop)
    return FaultResolution::kNotMapped;
  const uint64_t page = layout::page_round_down(virt);
  LockGuard guard(p.mappings.lock);
  const Mapping* m = p.mappings.find(page);
  if (m == nullptr)
    return FaultResolution::kNotMapped;
  // x86 pages are readable whenever present: any protection but
  // PROT_NONE allows a read.
  const bool allowed = (write && (m->prot & kProtWrite)) || (execute && (m->prot & kProtExec)) ||
                       (!write && !execute && m->prot != 0);
  if (!allowed)
    return FaultResolution::kNotMapped;
  if (paging::translate(p.space, page).present)
    return FaultResolution::kResolved;  // another path mapped it first
  if (!map_zeroed_page(p.space, page, page_flags_for(m->prot)))
    return FaultResolution::kOutOfMemory;
  return FaultResolution::kResolved;
}

}  // namespace kernel::proc
