// Tests of the VDSO's pages in the kernel: the embedded image, its
// validation, the mapping a process will get, and the image's own code
// reading the kernel's data page through that mapping.
#include <initializer_list>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/user_protection.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/paging.h"
#include "tests/ktest.h"
#include "time/tick.h"
#include "vdso/elf/image_check.h"
#include "vdso/elf/loaded_image.h"
#include "vdso/image/embedded_image.h"
#include "vdso/image/image_identity.h"
#include "vdso/vdso_pages.h"

extern "C" void* memcpy(void*, const void*, size_t);

namespace kernel::ktest {
namespace {

namespace abi = vdso::abi;
constexpr uint64_t kTestVdsoBase = 0x7fff'f000'0000;

void embedded_image_valid(Context& t, const BootOptions&) {
  const uint8_t* image = vdso::image::embedded_image();
  const uint64_t size = vdso::image::embedded_image_size();
  KEXPECT(t, size == vdso::image::kImageSize, "%lu vs %lu", size, vdso::image::kImageSize);
  KEXPECT(t, vdso_pages::validate_image(image, size) == vdso_pages::ImageStatus::kValid, "%s",
          vdso_pages::describe(vdso_pages::validate_image(image, size)));
  KEXPECT(t, reinterpret_cast<uint64_t>(image) % layout::kPageSize == 0, "page aligned");
  const paging::Translation kernel_view =
      paging::translate(paging::kernel_space(), reinterpret_cast<uint64_t>(image));
  KEXPECT(t, kernel_view.present && !kernel_view.writable && !kernel_view.user,
          "the kernel's copy is read-only");
}

void corrupted_image_refused(Context& t, const BootOptions&) {
  const uint64_t size = vdso::image::embedded_image_size();
  auto* copy = static_cast<uint8_t*>(heap::allocate(size));
  KEXPECT(t, copy != nullptr, "heap");
  if (copy == nullptr)
    return;
  memcpy(copy, vdso::image::embedded_image(), size);
  KEXPECT(t, vdso_pages::validate_image(copy, size) == vdso_pages::ImageStatus::kValid,
          "an exact copy is valid");

  copy[size / 2] ^= 0x01;  // one bit anywhere
  KEXPECT(t, vdso_pages::validate_image(copy, size) == vdso_pages::ImageStatus::kWrongFingerprint,
          "%s", vdso_pages::describe(vdso_pages::validate_image(copy, size)));
  copy[size / 2] ^= 0x01;
  KEXPECT(t, vdso_pages::validate_image(copy, size - 1) == vdso_pages::ImageStatus::kWrongSize,
          "truncated");

  // The ELF contract is checked on its own too (a rebuilt, re-fingerprinted
  // bad image must still be refused): break the header, then a PT_LOAD.
  copy[4] = 1;  // ELFCLASS32
  KEXPECT(t, vdso::elf::check_vdso_image(copy, size).has(vdso::elf::ImageDefect::kNotElf64),
          "class byte");
  copy[4] = 2;
  KEXPECT(t, vdso::elf::check_vdso_image(copy, size).ok(), "restored");
  const auto* header = reinterpret_cast<const vdso::elf::Ehdr*>(copy);
  auto* phdrs = reinterpret_cast<vdso::elf::Phdr*>(copy + header->phoff);
  for (int i = 0; i < header->phnum; ++i) {
    if (phdrs[i].type == vdso::elf::kPtLoad)
      phdrs[i].flags |= vdso::elf::kPfW;
  }
  KEXPECT(t, vdso::elf::check_vdso_image(copy, size).has(vdso::elf::ImageDefect::kLoadNotReadExec),
          "writable PT_LOAD");
  KEXPECT(t, vdso_pages::validate_image(copy, size) != vdso_pages::ImageStatus::kValid, "refused");
  heap::free(copy);
}

void user_mapping_permissions(Context& t, const BootOptions&) {
  const paging::AddressSpace space = paging::create_address_space();
  const vdso_pages::Mapping m = vdso_pages::map_into(space, kTestVdsoBase);
  KEXPECT(t, m.image == kTestVdsoBase + 2 * layout::kPageSize && m.data_page + 4096 == m.image,
          "layout [chain][data][image]");

  const paging::Translation chain = paging::translate(space, m.chain_page);
  KEXPECT(t, chain.present && chain.user && !chain.writable && !chain.executable, "chain page");
  const paging::Translation data = paging::translate(space, m.data_page);
  KEXPECT(t, data.present && data.user && !data.writable && !data.executable,
          "data page: user read-only, no-execute");
  KEXPECT(t, data.phys == vdso_pages::data_page_phys(), "the one data page, shared");
  for (uint64_t off = 0; off < vdso_pages::image_size(); off += layout::kPageSize) {
    const paging::Translation code = paging::translate(space, m.image + off);
    KEXPECT(t, code.present && code.user && !code.writable && code.executable,
            "image page +0x%lx: user read+execute", off);
    KEXPECT(t, code.phys == vdso_pages::image_phys() + off, "the kernel's image frames, shared");
  }
  // The kernel's own view of the data page is the only writable one, and
  // user mode cannot reach it.
  const paging::Translation kernel_view = paging::translate(
      paging::kernel_space(), reinterpret_cast<uint64_t>(&vdso_pages::data_page()));
  KEXPECT(t, kernel_view.writable && !kernel_view.user && !kernel_view.executable,
          "kernel view of the data page");

  // A second process gets the same data and code frames, its own chain page.
  const paging::AddressSpace other = paging::create_address_space();
  const vdso_pages::Mapping m2 = vdso_pages::map_into(other, kTestVdsoBase);
  KEXPECT(t, paging::translate(other, m2.data_page).phys == data.phys, "data shared");
  KEXPECT(t, paging::translate(other, m2.image).phys == paging::translate(space, m.image).phys,
          "code shared");
  KEXPECT(t, paging::translate(other, m2.chain_page).phys != chain.phys, "chain page per process");
}

// The real image, bound the way a dynamic linker binds it, reads the
// kernel's data page through the mapping a process gets. It runs here in
// kernel mode, reading and calling user pages directly, so SMEP and SMAP
// (on since init_user_space, where the CPU has them) are off for the test.
void image_reads_kernel_page(Context& t, const BootOptions& options) {
  const paging::AddressSpace space = paging::create_address_space();
  const vdso_pages::Mapping m = vdso_pages::map_into(space, kTestVdsoBase);
  const uint64_t saved_cr3 = cpu::read_cr3();
  paging::activate(space);
  const user_protection::SuspendedForTest protection_off;

  vdso::elf::LoadedImage image;
  const bool parsed = vdso::elf::LoadedImage::parse(reinterpret_cast<const void*>(m.image),
                                                    vdso_pages::image_size(), &image);
  KEXPECT(t, parsed, "the mapped image parses");
  using ClockFn = int (*)(int, abi::Timespec*);
  const auto gettime = parsed ? reinterpret_cast<ClockFn>(const_cast<void*>(
                                    image.lookup("__vdso_clock_gettime", "LINUX_2.6")))
                              : nullptr;
  const auto getres = parsed ? reinterpret_cast<ClockFn>(const_cast<void*>(
                                   image.lookup("__vdso_clock_getres", "LINUX_2.6")))
                             : nullptr;
  KEXPECT(t, gettime != nullptr && getres != nullptr, "symbols bound");
  // The fine ids only when the page lets user space read the TSC: otherwise
  // the image would make its fallback system call, which ring 0 cannot.
  const abi::DataPage& page = vdso_pages::data_page();
  const bool fine_in_image =
      abi::load_relaxed(page.clock_mode) == static_cast<uint32_t>(abi::ClockMode::kUserCounter);
  struct ClockCase {
    int id;
    int64_t resolution_ns;
  };
  const int64_t tick_ns = abi::kNanosecondsPerSecond / options.hz;
  const ClockCase coarse_and_fine[] = {{abi::kClockRealtimeCoarse, tick_ns},
                                       {abi::kClockMonotonicCoarse, tick_ns},
                                       {abi::kClockRealtime, 1},
                                       {abi::kClockMonotonic, 1},
                                       {abi::kClockMonotonicRaw, 1},
                                       {abi::kClockBoottime, 1},
                                       {abi::kClockTai, 1}};
  if (gettime != nullptr && getres != nullptr) {
    for (const ClockCase& c : coarse_and_fine) {
      if (abi::page_serves_fine(c.id) && !fine_in_image)
        continue;
      const int id = c.id;
      for (int round = 0; round < 1000; ++round) {
        abi::Timespec before{}, through_image{}, after{};
        tick::timekeeper().clock_gettime(id, &before);
        const int rc = gettime(id, &through_image);
        tick::timekeeper().clock_gettime(id, &after);
        const auto ns = abi::ns_from_timespec;
        if (rc != 0 || ns(through_image) < ns(before) || ns(through_image) > ns(after)) {
          t.fail(__FILE__, __LINE__, "kernel <= image <= kernel",
                 "clock %d: image says %ld.%09ld (rc %d), kernel %ld.%09ld..%ld.%09ld", id,
                 through_image.sec, through_image.nsec, rc, before.sec, before.nsec, after.sec,
                 after.nsec);
          break;
        }
      }
      abi::Timespec resolution{};
      KEXPECT(t, getres(id, &resolution) == 0, "getres");
      KEXPECT(t, resolution.sec == 0 && resolution.nsec == c.resolution_ns,
              "clock %d: resolution %ld ns at hz=%u", id, resolution.nsec, options.hz);
    }
  }
  // getcpu through the image reads TSC_AUX or the cpu-and-node segment,
  // one of which every x86_64 CPU offers: never the system call.
  using GetcpuFn = int (*)(unsigned*, unsigned*, void*);
  const auto getcpu = parsed ? reinterpret_cast<GetcpuFn>(
                                   const_cast<void*>(image.lookup("__vdso_getcpu", "LINUX_2.6")))
                             : nullptr;
  KEXPECT(t, getcpu != nullptr, "__vdso_getcpu bound");
  KEXPECT(t, abi::load_relaxed(page.getcpu_mode) != static_cast<uint32_t>(abi::GetcpuMode::kNone),
          "getcpu mode published: %#x", abi::load_relaxed(page.getcpu_mode));
  if (getcpu != nullptr) {
    unsigned cpu = 99, node = 99;
    KEXPECT(t, getcpu(&cpu, &node, nullptr) == 0 && cpu == 0 && node == 0,
            "getcpu in user space: cpu %u node %u", cpu, node);
  }
  cpu::write_cr3(saved_cr3);
}

}  // namespace

const Test kVdsoTests[] = {
    {"vdso.embedded_image_valid", embedded_image_valid},
    {"vdso.corrupted_image_refused", corrupted_image_refused},
    {"vdso.user_mapping_permissions", user_mapping_permissions},
    {"vdso.image_reads_kernel_page", image_reads_kernel_page},
};
const int kVdsoTestCount = sizeof(kVdsoTests) / sizeof(kVdsoTests[0]);

}  // namespace kernel::ktest
