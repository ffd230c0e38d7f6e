// The one list of x86_64 system calls (vdso/arch/x86_64/syscall_table.h)
// against the host's Linux headers, which the list was written from: every
// number and name agrees, no call of the headers is missing, and the
// CamelCase constant names the same call. The numbers are the ABI, so a
// line that disagrees is a typo in the list, never a change in Linux.
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <map>
#include <regex>
#include <string>

#include "vdso/abi/linux.h"
#include "vdso/arch/syscall.h"

namespace {

struct Entry {
  long number;
  const char* name;
  const char* camel_name;
};

constexpr Entry kTable[] = {
#define VDSO_TEST_ENTRY(number, name, Name) {number, #name, #Name},
    VDSO_X86_64_SYSCALLS(VDSO_TEST_ENTRY)
#undef VDSO_TEST_ENTRY
};

// The x32 calls start here (__X32_SYSCALL_BIT); the list leaves them out.
constexpr long kX32Base = 512;

// __NR_name -> number from the host's <asm/unistd_64.h>; empty when absent.
std::map<std::string, long> host_numbers() {
  std::map<std::string, long> numbers;
  for (const char* path :
       {"/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "/usr/include/asm/unistd_64.h"}) {
    std::ifstream in(path);
    if (!in)
      continue;
    const std::regex define(R"(^#define __NR_(\w+) (\d+)\s*$)");
    std::string line;
    std::smatch match;
    while (std::getline(in, line)) {
      if (std::regex_match(line, match, define))
        numbers[match[1]] = std::stol(match[2]);
    }
    break;
  }
  return numbers;
}

std::string camel_case(const std::string& name) {
  std::string out;
  bool upper = true;
  for (const char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

TEST(SyscallTable, EveryLineIsTheHostsLinux) {
  const std::map<std::string, long> host = host_numbers();
  if (host.empty())
    GTEST_SKIP() << "no <asm/unistd_64.h> on this host (Debian: linux-libc-dev)";
  for (const Entry& entry : kTable) {
    const auto found = host.find(entry.name);
    ASSERT_NE(found, host.end()) << entry.name << " is not a system call of the host's headers";
    EXPECT_EQ(found->second, entry.number) << entry.name;
  }
  size_t native = 0;
  for (const auto& [name, number] : host)
    native += number < kX32Base ? 1 : 0;
  EXPECT_EQ(native, std::size(kTable)) << "calls of the host's headers missing from the list";
}

TEST(SyscallTable, NamesAndConstantsFollowTheNumbers) {
  long previous = -1;
  for (const Entry& entry : kTable) {
    EXPECT_GT(entry.number, previous) << entry.name << ": the list is in number order";
    previous = entry.number;
    EXPECT_STREQ(vdso::arch::syscall_name(static_cast<uint64_t>(entry.number)), entry.name);
    EXPECT_EQ(camel_case(entry.name), entry.camel_name) << entry.name;
  }
  EXPECT_EQ(vdso::arch::syscall_name(335), nullptr) << "a number x86_64 leaves unused";
  EXPECT_EQ(vdso::arch::syscall_name(kX32Base), nullptr);
}

// The compile-time lookup the kernel's dispatch table uses, against the
// constants: both come from the same line.
static_assert(vdso::arch::syscall_number("read") == vdso::abi::kSysRead);
static_assert(vdso::arch::syscall_number("clock_gettime") == vdso::abi::kSysClockGettime);
static_assert(vdso::arch::syscall_number("futex_waitv") == vdso::abi::kSysFutexWaitv);

}  // namespace
