#include "arch/x86_64/acpi.h"

#include "mm/layout.h"
#include "mm/paging.h"

namespace kernel::acpi {
namespace {

// Table layouts (ACPI 6.5, sections 5.2.5-5.2.12).
constexpr uint64_t kBiosDataEbdaSegment = 0x40e;
constexpr uint64_t kBiosAreaBegin = 0xe0000, kBiosAreaEnd = 0x100000;
constexpr uint64_t kEbdaSearchBytes = 1024;
constexpr uint64_t kRsdpV1Bytes = 20, kRsdpV2Bytes = 36;
constexpr uint64_t kHeaderBytes = 36;
// Far beyond any MADT or RSDT QEMU or a real machine builds: a length
// above it is a corrupt table, not a large one.
constexpr uint32_t kMaxTableBytes = 64 * 1024;
constexpr uint64_t kMadtEntriesOffset = kHeaderBytes + 8;  // + local APIC address, flags
constexpr uint8_t kMadtProcessorLocalApic = 0;
constexpr uint32_t kLocalApicEnabled = 1;

// Physical memory the direct map may not cover (firmware areas are not
// RAM): mapped read-only through the MMIO window, which is enough for a
// few tables read once at boot.
const uint8_t* map_physical(uint64_t phys, uint64_t bytes) {
  const uint64_t first = layout::page_round_down(phys);
  const uint64_t last = layout::page_round_up(phys + bytes);
  return reinterpret_cast<const uint8_t*>(paging::map_mmio(first, last - first)) + (phys - first);
}

uint32_t read32(const uint8_t* p) {
  return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24;
}
uint64_t read64(const uint8_t* p) {
  return read32(p) | static_cast<uint64_t>(read32(p + 4)) << 32;
}

bool sums_to_zero(const uint8_t* p, uint64_t bytes) {
  uint8_t sum = 0;
  for (uint64_t i = 0; i < bytes; ++i)
    sum = static_cast<uint8_t>(sum + p[i]);
  return sum == 0;
}

bool signature_is(const uint8_t* p, const char* signature, int length) {
  for (int i = 0; i < length; ++i) {
    if (p[i] != static_cast<uint8_t>(signature[i]))
      return false;
  }
  return true;
}

// The RSDP in [begin, end) on a 16-byte boundary, or null.
const uint8_t* find_rsdp_in(uint64_t begin, uint64_t end) {
  const uint8_t* area = map_physical(begin, end - begin);
  for (uint64_t offset = 0; offset + kRsdpV1Bytes <= end - begin; offset += 16) {
    const uint8_t* candidate = area + offset;
    if (signature_is(candidate, "RSD PTR ", 8) && sums_to_zero(candidate, kRsdpV1Bytes))
      return candidate;
  }
  return nullptr;
}

const uint8_t* find_rsdp() {
  const uint64_t ebda =
      uint64_t{*reinterpret_cast<const uint16_t*>(map_physical(kBiosDataEbdaSegment, 2))} << 4;
  if (ebda >= 0x80000 && ebda < 0xa0000) {
    if (const uint8_t* rsdp = find_rsdp_in(ebda, ebda + kEbdaSearchBytes))
      return rsdp;
  }
  return find_rsdp_in(kBiosAreaBegin, kBiosAreaEnd);
}

// The whole table at `phys` when its length and checksum hold, else null.
const uint8_t* map_table(uint64_t phys) {
  const uint8_t* header = map_physical(phys, kHeaderBytes);
  const uint32_t length = read32(header + 4);
  if (length < kHeaderBytes || length > kMaxTableBytes)
    return nullptr;
  const uint8_t* table = map_physical(phys, length);
  return sums_to_zero(table, length) ? table : nullptr;
}

}  // namespace

Processors find_processors() {
  Processors found;
  const uint8_t* rsdp = find_rsdp();
  if (rsdp == nullptr) {
    found.problem = "no ACPI RSDP in the EBDA or the BIOS area";
    return found;
  }
  // Revision 2 and later carry the XSDT's 64-bit address (checksummed over
  // the longer structure); the RSDT's 32-bit entries otherwise.
  const bool extended = rsdp[15] >= 2 && sums_to_zero(rsdp, kRsdpV2Bytes) && read64(rsdp + 24) != 0;
  const uint8_t* root = map_table(extended ? read64(rsdp + 24) : read32(rsdp + 16));
  if (root == nullptr || !signature_is(root, extended ? "XSDT" : "RSDT", 4)) {
    found.problem = "the ACPI root table (RSDT/XSDT) is malformed";
    return found;
  }
  const int entry_bytes = extended ? 8 : 4;
  const uint32_t root_length = read32(root + 4);
  const uint8_t* madt = nullptr;
  for (uint32_t offset = kHeaderBytes; offset + entry_bytes <= root_length; offset += entry_bytes) {
    const uint64_t phys = extended ? read64(root + offset) : read32(root + offset);
    const uint8_t* header = map_physical(phys, kHeaderBytes);
    if (signature_is(header, "APIC", 4)) {
      madt = map_table(phys);
      if (madt == nullptr) {
        found.problem = "the MADT is malformed (signature, length or checksum)";
        return found;
      }
      break;
    }
  }
  if (madt == nullptr) {
    found.problem = "no MADT among the ACPI tables";
    return found;
  }
  return read_madt(madt, read32(madt + 4));
}

Processors read_madt(const uint8_t* madt, uint32_t available) {
  Processors found;
  const uint32_t madt_length = available >= kHeaderBytes ? read32(madt + 4) : 0;
  if (madt_length < kMadtEntriesOffset || madt_length > available ||
      !signature_is(madt, "APIC", 4) || !sums_to_zero(madt, madt_length)) {
    found.problem = "the MADT is malformed (signature, length or checksum)";
    return found;
  }
  for (uint32_t offset = kMadtEntriesOffset; offset + 2 <= madt_length;) {
    const uint8_t type = madt[offset], length = madt[offset + 1];
    if (length < 2 || offset + length > madt_length) {
      found.count = 0;
      found.problem = "an MADT entry runs past the table";
      return found;
    }
    if (type == kMadtProcessorLocalApic && length >= 8 &&
        (read32(madt + offset + 4) & kLocalApicEnabled) != 0 && found.count < kMaxProcessors) {
      found.apic_ids[found.count++] = madt[offset + 3];
    }
    offset += length;
  }
  if (found.count == 0)
    found.problem = "the MADT lists no enabled processor";
  return found;
}

}  // namespace kernel::acpi
