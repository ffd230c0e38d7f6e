// Tests of the kernel on several CPUs (boot option test=smp, booted with
// --cpus 2 or more): every CPU started with its own per-CPU data, getcpu
// segment and tick, the page written by the boot CPU alone, and the
// seqcount under real concurrency: the boot CPU publishes through the
// timekeeper as fast as it can while every other CPU reads through the
// image's reader (abi::read_fine), checked against a maximum the readers
// share. test=smp-broken-reader runs the same check with a reader that
// skips the seqcount, and must fail: proof that the check can.
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/smp.h"
#include "console/print.h"
#include "tests/ktest.h"
#include "time/clocksource.h"
#include "time/tick.h"
#include "vdso/abi/readers.h"
#include "vdso/arch/getcpu.h"
#include "vdso/system_info.h"
#include "vdso/vdso_pages.h"

namespace kernel::ktest {
namespace {

namespace abi = vdso::abi;

// ---- The MADT ---------------------------------------------------------------

// A synthetic MADT: the header, the local APIC address and flags, then
// `entries` as given; the checksum made right.
struct MadtBuilder {
  uint8_t bytes[128] = {};
  uint32_t length = 44;

  void add(const uint8_t* entry, uint32_t entry_bytes) {
    for (uint32_t i = 0; i < entry_bytes; ++i)
      bytes[length + i] = entry[i];
    length += entry_bytes;
  }
  void add_local_apic(uint8_t apic_id, bool enabled) {
    const uint8_t entry[8] = {0, 8, apic_id, apic_id, static_cast<uint8_t>(enabled), 0, 0, 0};
    add(entry, sizeof(entry));
  }
  const uint8_t* finish() {
    const char* signature = "APIC";
    for (int i = 0; i < 4; ++i)
      bytes[i] = static_cast<uint8_t>(signature[i]);
    for (int i = 0; i < 4; ++i)
      bytes[4 + i] = static_cast<uint8_t>(length >> (8 * i));
    bytes[9] = 0;
    uint8_t sum = 0;
    for (uint32_t i = 0; i < length; ++i)
      sum = static_cast<uint8_t>(sum + bytes[i]);
    bytes[9] = static_cast<uint8_t>(-sum);
    return bytes;
  }
};

// The enabled local APICs in the table's order; anything malformed is a
// problem (the boot CPU alone), never a panic or a read past the table.
void madt_lists_enabled_processors(Context& t, const BootOptions&) {
  MadtBuilder good;
  good.add_local_apic(0, true);
  good.add_local_apic(2, true);
  good.add_local_apic(5, false);
  const uint8_t io_apic[12] = {1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0};
  good.add(io_apic, sizeof(io_apic));
  good.add_local_apic(7, true);
  const uint8_t* table = good.finish();
  const acpi::Processors found = acpi::read_madt(table, good.length);
  KEXPECT(t, found.problem == nullptr, "%s", found.problem);
  KEXPECT(t,
          found.count == 3 && found.apic_ids[0] == 0 && found.apic_ids[1] == 2 &&
              found.apic_ids[2] == 7,
          "%d processors", found.count);

  MadtBuilder bad_checksum = good;
  bad_checksum.finish();
  bad_checksum.bytes[50] ^= 1;
  KEXPECT(t, acpi::read_madt(bad_checksum.bytes, bad_checksum.length).problem != nullptr,
          "a wrong checksum is a problem");
  KEXPECT(t, acpi::read_madt(table, good.length - 1).problem != nullptr,
          "a length beyond what is readable is a problem");
  MadtBuilder runs_past;
  runs_past.add_local_apic(0, true);
  const uint8_t too_long[2] = {0, 40};  // an entry claiming 40 bytes where 2 are left
  runs_past.add(too_long, sizeof(too_long));
  const acpi::Processors past = acpi::read_madt(runs_past.finish(), runs_past.length);
  KEXPECT(t, past.problem != nullptr && past.count == 0, "an entry past the end: %s", past.problem);
  MadtBuilder zero_length;
  const uint8_t empty_entry[2] = {0, 0};
  zero_length.add(empty_entry, sizeof(empty_entry));
  KEXPECT(t, acpi::read_madt(zero_length.finish(), zero_length.length).problem != nullptr,
          "a zero-length entry is a problem, not an endless loop");
  MadtBuilder none_enabled;
  none_enabled.add_local_apic(3, false);
  KEXPECT(t, acpi::read_madt(none_enabled.finish(), none_enabled.length).problem != nullptr,
          "no enabled processor is a problem");
}

// ---- Every CPU -------------------------------------------------------------

// What one CPU says about itself, gathered on that CPU.
struct CpuReport {
  uint32_t index;
  uint32_t lapic_id;
  bool gs_is_its_own;
  bool segment_readable;
  uint32_t segment_limit;  // LSL of the getcpu segment
  bool image_read;         // the image's getcpu read, with the page's mode
  uint32_t image_cpu;
  // The set-up each CPU copies from the boot CPU (smp::release_cpus).
  uint64_t cr0, cr4, efer, lstar, star, sfmask, pat;
};

void report_this_cpu(void* argument) {
  auto& report = *static_cast<CpuReport*>(argument);
  report.index = smp::this_cpu_index();
  report.lapic_id = lapic::id();
  report.gs_is_its_own = &smp::this_cpu() == &smp::cpu(report.index);
  uint32_t limit = 0;
  bool readable = false;
  asm volatile("lsl %2, %0\n\tsetz %1"
               : "+r"(limit), "=q"(readable)
               : "r"(static_cast<uint32_t>(abi::kCpuNodeSelector))
               : "cc");
  report.segment_readable = readable;
  report.segment_limit = limit;
  vdso::arch::CpuAndNode cpu_and_node{~0u, ~0u};
  const uint32_t mode = abi::load_relaxed(vdso_pages::data_page().getcpu_mode);
  report.image_read = vdso::arch::read_cpu_and_node(mode, &cpu_and_node);
  report.image_cpu = cpu_and_node.cpu;
  report.cr0 = cpu::read_cr0();
  report.cr4 = cpu::read_cr4();
  report.efer = cpu::rdmsr(cpu::kMsrEfer);
  report.lstar = cpu::rdmsr(cpu::kMsrLstar);
  report.star = cpu::rdmsr(cpu::kMsrStar);
  report.sfmask = cpu::rdmsr(cpu::kMsrSfmask);
  report.pat = cpu::rdmsr(cpu::kMsrPat);
}

void on_every_cpu(void (*function)(void*), void* arguments, uint64_t argument_bytes) {
  auto* bytes = static_cast<uint8_t*>(arguments);
  for (uint32_t i = 1; i < smp::cpu_count(); ++i)
    smp::run_on_cpu(i, function, bytes + i * argument_bytes);
  function(bytes);
  for (uint32_t i = 1; i < smp::cpu_count(); ++i)
    smp::wait_for_call(i);
}

void every_cpu_knows_itself(Context& t, const BootOptions&) {
  const uint32_t cpus = smp::cpu_count();
  KEXPECT(t, cpus >= 2, "booted with --cpus 2 or more: %u CPU", cpus);
  const abi::SystemInfo info = system_info::read();
  KEXPECT(t, info.cpus_online == cpus && info.cpus_configured == cpus,
          "the page says %u online, %u configured", info.cpus_online, info.cpus_configured);
  static CpuReport reports[smp::kMaxCpus];
  on_every_cpu(report_this_cpu, reports, sizeof(CpuReport));
  for (uint32_t i = 0; i < cpus; ++i) {
    const CpuReport& r = reports[i];
    KEXPECT(t, r.index == i, "CPU %u reads index %u through GS", i, r.index);
    KEXPECT(t, r.gs_is_its_own, "CPU %u's GS is its own area", i);
    KEXPECT(t, r.lapic_id == smp::cpu(i).lapic_id, "CPU %u: APIC id %u, the MADT's %u", i,
            r.lapic_id, smp::cpu(i).lapic_id);
    KEXPECT(t, r.segment_readable && r.segment_limit == vdso::arch::encode_cpu_and_node(i, 0),
            "CPU %u: LSL of its getcpu segment reads %#x", i, r.segment_limit);
    KEXPECT(t, r.image_read && r.image_cpu == i, "CPU %u: the image's getcpu says %u", i,
            r.image_cpu);
    // SSE and SMEP/SMAP (CR0, CR4), NX and SYSCALL (EFER, the SYSCALL
    // MSRs) and the memory types (PAT) as on the boot CPU.
    const CpuReport& boot = reports[0];
    KEXPECT(t, r.cr0 == boot.cr0 && r.cr4 == boot.cr4, "CPU %u: CR0 %#lx CR4 %#lx", i, r.cr0,
            r.cr4);
    KEXPECT(t,
            r.efer == boot.efer && r.lstar == boot.lstar && r.star == boot.star &&
                r.sfmask == boot.sfmask && r.pat == boot.pat,
            "CPU %u: EFER %#lx, SYSCALL MSRs and PAT as the boot CPU's", i, r.efer);
  }
}

// Every CPU's timer ticks; only the boot CPU's publishes the page.
void one_writer_every_cpu_ticks(Context& t, const BootOptions&) {
  const uint32_t cpus = smp::cpu_count();
  const abi::DataPage& page = vdso_pages::data_page();
  uint64_t ticks_before[smp::kMaxCpus];
  for (uint32_t i = 0; i < cpus; ++i)
    ticks_before[i] = __atomic_load_n(&smp::cpu(i).ticks, __ATOMIC_RELAXED);
  const uint64_t updates_before = abi::load_relaxed(page.update_count);
  // A tenth of a second of ticks (interrupts on: the boot CPU's tick must run).
  const uint64_t until = tick::count() + tick::hz() / 10;
  while (tick::count() < until)
    cpu::wait_for_interrupt();
  const uint64_t updates = abi::load_relaxed(page.update_count) - updates_before;
  const uint64_t boot_ticks =
      __atomic_load_n(&smp::cpu(0).ticks, __ATOMIC_RELAXED) - ticks_before[0];
  uint64_t all_ticks = 0;
  for (uint32_t i = 0; i < cpus; ++i) {
    const uint64_t ticks = __atomic_load_n(&smp::cpu(i).ticks, __ATOMIC_RELAXED) - ticks_before[i];
    all_ticks += ticks;
    KEXPECT(t, ticks > 0, "CPU %u's timer ticked (%lu)", i, ticks);
  }
  // The publications are the boot CPU's ticks (give or take one at each
  // end), not every CPU's.
  KEXPECT(t, updates + 1 >= boot_ticks && updates <= boot_ticks + 1,
          "%lu publications for %lu boot-CPU ticks (%lu ticks on all CPUs)", updates, boot_ticks,
          all_ticks);
}

// ---- The seqcount under real concurrency -----------------------------------

// At least 10^7 reads per reader (issue 16); each reader alternates
// MONOTONIC and REALTIME.
constexpr uint64_t kReadsPerReader = 10'000'000;
// Pauses between publications, as a tick has a gap: back to back, a
// publication keeps the page odd nearly all the time (the hosted stress
// test's reasoning, seqcount_stress_test.cpp).
constexpr int kWriterPausesBetweenPublications = 32;

abi::DataPage stress_page;  // page aligned by its type

struct ReaderResult {
  uint64_t reads;
  uint64_t torn;
  uint64_t backwards;
  int64_t worst_backwards_ns;
};

struct StressRun {
  bool broken_reader;
  uint64_t reads_per_reader;
  uint64_t fastest_mult;
  uint32_t shift;
  int64_t shared_max_ns[2];  // the largest value any reader has seen, per clock
  uint32_t readers_left;
  ReaderResult results[smp::kMaxCpus];
};
StressRun stress;

uint64_t read_tsc() {
  return cpu::rdtsc_ordered();
}

// What a reader that skips the seqcount does: the fields copied once, with
// no retry (the seed's system, and the hosted test's broken reader).
abi::Timespec read_without_seqcount(const abi::DataPage& page, int clock_id) {
  const abi::FineBase& base = page.fine[clock_id];
  const uint64_t cycles = read_tsc();
  const uint64_t cycle_last = abi::load_relaxed(page.cycle_last);
  uint64_t snsec = abi::load_relaxed(base.snsec);
  if (cycles > cycle_last)
    snsec += (cycles - cycle_last) * abi::load_relaxed(base.mult);
  const uint64_t ns = snsec >> abi::load_relaxed(page.counter_shift);
  return {abi::load_relaxed(base.sec) + static_cast<int64_t>(ns / abi::kNanosecondsPerSecond),
          static_cast<int64_t>(ns % abi::kNanosecondsPerSecond)};
}

void raise_shared_max(int64_t& shared, int64_t value) {
  int64_t seen = __atomic_load_n(&shared, __ATOMIC_RELAXED);
  while (value > seen && !__atomic_compare_exchange_n(&shared, &seen, value, true, __ATOMIC_RELEASE,
                                                      __ATOMIC_RELAXED)) {
  }
}

// One reader, on its own CPU with interrupts off. A read is backwards when
// it is below what any reader had seen before it began (the shared
// maximum, read first) or below this reader's own previous one; torn when
// its nanoseconds are out of range or it moved further than the TSC cycles
// elapsed allow at the page's rate (a mix of two publications' fields).
void stress_reader(void*) {
  ReaderResult& result = stress.results[smp::this_cpu_index()];
  result = ReaderResult{};
  int64_t last[2] = {0, 0};
  uint64_t last_tsc_before[2] = {0, 0};
  for (uint64_t i = 0; i < stress.reads_per_reader; ++i) {
    const int slot = static_cast<int>(i & 1);
    const int clock = slot == 0 ? abi::kClockMonotonic : abi::kClockRealtime;
    const int64_t floor = __atomic_load_n(&stress.shared_max_ns[slot], __ATOMIC_ACQUIRE);
    const uint64_t before = read_tsc();
    abi::Timespec ts{};
    if (stress.broken_reader) {
      ts = read_without_seqcount(stress_page, clock);
    } else if (!abi::read_fine<abi::CounterAccess::kUser>(stress_page, clock, &ts, read_tsc)) {
      ++result.torn;  // the page always serves the TSC here
    }
    const uint64_t after = read_tsc();
    const int64_t now = vdso::ns_from_timespec(ts);
    if (ts.nsec < 0 || ts.nsec >= abi::kNanosecondsPerSecond)
      ++result.torn;
    const int64_t highest_before = floor > last[slot] ? floor : last[slot];
    if (now < highest_before) {
      ++result.backwards;
      if (highest_before - now > result.worst_backwards_ns)
        result.worst_backwards_ns = highest_before - now;
    } else if (last_tsc_before[slot] != 0) {
      const auto allowed = static_cast<int64_t>(
          (static_cast<unsigned __int128>(after - last_tsc_before[slot]) * stress.fastest_mult) >>
          stress.shift);
      if (now - last[slot] > allowed)
        ++result.torn;
    }
    raise_shared_max(stress.shared_max_ns[slot], now);
    last[slot] = now;
    last_tsc_before[slot] = before;
    ++result.reads;
  }
  __atomic_sub_fetch(&stress.readers_left, 1, __ATOMIC_RELEASE);
}

// The boot CPU: the timekeeper's own publish path (tick_counter), as fast
// as it can, until every reader is done. Returns the publications.
uint64_t publish_until_readers_finish(vdso::Timekeeper& keeper) {
  uint64_t publications = 0;
  while (__atomic_load_n(&stress.readers_left, __ATOMIC_ACQUIRE) != 0) {
    keeper.tick_counter(read_tsc());
    ++publications;
    for (int i = 0; i < kWriterPausesBetweenPublications; ++i)
      cpu::pause();
  }
  return publications;
}

void seqcount_under_concurrency(Context& t, bool broken_reader) {
  const uint32_t cpus = smp::cpu_count();
  KEXPECT(t, cpus >= 2, "booted with --cpus 2 or more: %u CPU", cpus);
  if (cpus < 2)
    return;
  KEXPECT(t, smp::tscs_agree(), "the CPUs' TSCs agree (the fine reads depend on it)");
  const vdso::CounterCalibration calibration =
      clocksource::counter_calibration(abi::ClockMode::kUserCounter);
  const uint64_t tsc_now = read_tsc();
  vdso::Timekeeper keeper(stress_page, 1'000'000, calibration, tsc_now,
                          clocksource::ns_from_tsc(tsc_now), tick::realtime_ns(), read_tsc);
  stress = StressRun{};
  stress.broken_reader = broken_reader;
  stress.reads_per_reader = kReadsPerReader;
  // No slew in this run, so the page's rate is the calibration's own.
  stress.fastest_mult = calibration.mult + 1;
  stress.shift = calibration.shift;
  stress.readers_left = cpus - 1;
  const uint64_t tsc_start = read_tsc();
  for (uint32_t i = 1; i < cpus; ++i)
    smp::run_on_cpu(i, stress_reader, nullptr);
  const uint64_t publications = publish_until_readers_finish(keeper);
  for (uint32_t i = 1; i < cpus; ++i)
    smp::wait_for_call(i);
  const int64_t elapsed_ms = clocksource::ns_from_tsc(read_tsc() - tsc_start) / 1'000'000;
  kprint("smp: %lu publications in %ld ms while %u CPUs read (%s reader)\n", publications,
         elapsed_ms, cpus - 1, broken_reader ? "broken" : "seqcount");
  KEXPECT(t, publications >= 1000, "the writer overlapped the readers: %lu publications",
          publications);
  for (uint32_t i = 1; i < cpus; ++i) {
    const ReaderResult& r = stress.results[i];
    kprint("smp: CPU %u: %lu reads, %lu torn, %lu backwards (worst %ld ns)\n", i, r.reads, r.torn,
           r.backwards, r.worst_backwards_ns);
    KEXPECT(t, r.reads == kReadsPerReader, "CPU %u read %lu times", i, r.reads);
    KEXPECT(t, r.torn == 0 && r.backwards == 0, "CPU %u: %lu torn, %lu backwards", i, r.torn,
            r.backwards);
  }
}

void seqcount_readers_on_every_cpu(Context& t, const BootOptions&) {
  seqcount_under_concurrency(t, /*broken_reader=*/false);
}

void broken_reader_caught(Context& t, const BootOptions&) {
  seqcount_under_concurrency(t, /*broken_reader=*/true);
}

}  // namespace

extern const Test kSmpTests[] = {
    {"smp.every_cpu_knows_itself", every_cpu_knows_itself},
    {"smp.one_writer_every_cpu_ticks", one_writer_every_cpu_ticks},
    {"smp.seqcount_readers_on_every_cpu", seqcount_readers_on_every_cpu},
};
extern const int kSmpTestCount = sizeof(kSmpTests) / sizeof(kSmpTests[0]);

extern const Test kAcpiTests[] = {
    {"acpi.madt_lists_enabled_processors", madt_lists_enabled_processors},
};
extern const int kAcpiTestCount = 1;

extern const Test kSmpBrokenReaderTests[] = {
    {"smp.broken_reader_caught", broken_reader_caught},
};
extern const int kSmpBrokenReaderTestCount = 1;

}  // namespace kernel::ktest
