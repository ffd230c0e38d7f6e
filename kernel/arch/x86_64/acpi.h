// The CPUs the firmware describes: ACPI's MADT (Multiple APIC Description
// Table), found from the RSDP (in the EBDA's first KiB or the BIOS area
// 0xE0000-0xFFFFF) through the RSDT or XSDT. QEMU builds these tables for
// qboot and SeaBIOS alike. Only what bringing up the CPUs needs.
#pragma once

#include <stdint.h>

namespace kernel::acpi {

inline constexpr int kMaxProcessors = 64;

struct Processors {
  // The APIC ids of the enabled processor-local APIC entries, in the
  // table's order. Empty when no valid MADT was found (`problem` says why:
  // the kernel then runs on the boot CPU alone).
  uint32_t apic_ids[kMaxProcessors];
  int count = 0;
  const char* problem = nullptr;
};

// Reads the tables (each checksum and length checked; a malformed one is a
// problem, never a panic). Needs the MMIO window (paging::init).
Processors find_processors();

// The processors of one MADT of `available` readable bytes (its header's
// length, checksum and entries checked): find_processors's last step, on
// its own for the tests.
Processors read_madt(const uint8_t* madt, uint32_t available);

}  // namespace kernel::acpi
