// The data-page ABI as its readers use it: which clock ids the page serves,
// the layout check, the seqcount's parity protocol, and the image really
// reading the page at image - 4096 and the chain page at image - 8192. (The
// offsets themselves are static_asserted in the header: the build checks
// them.)
#include <gtest/gtest.h>

#include "mapped_vdso.h"
#include "vdso/abi/data_page.h"
#include "vdso/abi/seqcount.h"

namespace {

using namespace vdso::abi;

TEST(AbiLayout, FineIdsAreTheOnesLinuxServesFromTheCounter) {
  for (int id = -20; id < 40; ++id) {
    const bool fine = id == kClockRealtime || id == kClockMonotonic || id == kClockMonotonicRaw ||
                      id == kClockBoottime || id == kClockTai;
    EXPECT_EQ(page_serves_fine(id), fine) << id;
    EXPECT_FALSE(page_serves_fine(id) && page_serves_coarse(id)) << id;
  }
}

TEST(AbiLayout, ReadersCheckMagicAndVersion) {
  static DataPage page{};
  EXPECT_FALSE(is_current_layout(page));
  page.magic = kDataPageMagic;
  page.layout_version = 1;
  EXPECT_FALSE(is_current_layout(page));
  page.layout_version = kLayoutVersion;
  EXPECT_TRUE(is_current_layout(page));
}

TEST(AbiLayout, CoarseIdsIndexTheClockArray) {
  EXPECT_TRUE(page_serves_coarse(kClockRealtimeCoarse));
  EXPECT_TRUE(page_serves_coarse(kClockMonotonicCoarse));
  for (int id :
       {kClockRealtime, kClockMonotonic, kClockMonotonicRaw, kClockBoottime, kClockTai, -1, 16}) {
    EXPECT_FALSE(page_serves_coarse(id)) << id;
  }
  EXPECT_EQ(coarse_index(kClockRealtimeCoarse), 0u);
  EXPECT_EQ(coarse_index(kClockMonotonicCoarse), 1u);
}

TEST(AbiLayout, SeqcountIsOddOnlyDuringAWrite) {
  static DataPage page{};
  const uint32_t start = page.seq;
  EXPECT_EQ(start % 2, 0u);
  write_begin(page);
  EXPECT_EQ(page.seq % 2, 1u);
  uint32_t seq;
  EXPECT_FALSE(read_begin(page, &seq)) << "a read must not begin mid-write";
  write_end(page);
  EXPECT_EQ(page.seq, start + 2);
  // A reader that began before the write must retry.
  uint32_t seen;
  ASSERT_TRUE(read_begin(page, &seen));
  write_begin(page);
  write_end(page);
  EXPECT_TRUE(read_retry(page, seen));
  ASSERT_TRUE(read_begin(page, &seen));
  EXPECT_FALSE(read_retry(page, seen));
}

// read_consistent hands back a copy taken under one unchanged seq: a copy
// that a write overlapped is taken again.
TEST(AbiLayout, ReadConsistentRetriesACopyAWriteOverlapped) {
  static DataPage page{};
  int copies = 0;
  const uint64_t value = read_consistent(page, [&] {
    if (++copies == 1) {  // the writer publishes while the first copy runs
      write_begin(page);
      page.tick_ns = 7;
      write_end(page);
      return uint64_t{0};
    }
    return load_relaxed(page.tick_ns);
  });
  EXPECT_EQ(copies, 2);
  EXPECT_EQ(value, 7u);
}

TEST(AbiLayout, ImageReadsTheDataPageOnePageBeforeItself) {
  auto vdso = vdso::testing::MappedVdso::map_embedded();
  auto gettime = vdso->function<vdso::testing::ClockGettimeFn>("__vdso_clock_gettime");
  ASSERT_NE(gettime, nullptr);
  auto* page = reinterpret_cast<DataPage*>(const_cast<uint8_t*>(vdso->image()) - 4096);
  ASSERT_EQ(page, &vdso->data_page());
  page->coarse[0] = {1234, 5678};
  page->coarse[1] = {42, 43};
  Timespec ts{};
  EXPECT_EQ(gettime(kClockRealtimeCoarse, &ts), 0);
  EXPECT_EQ(ts.sec, 1234);
  EXPECT_EQ(ts.nsec, 5678);
  EXPECT_EQ(gettime(kClockMonotonicCoarse, &ts), 0);
  EXPECT_EQ(ts.sec, 42);
  EXPECT_EQ(ts.nsec, 43);
}

// A gettimeofday stand-in published in the chain page: proves the image
// reads its chain targets at image - 8192.
int chained_gettimeofday(Timeval* tv, Timezone*) {
  tv->sec = 777;
  tv->usec = 888;
  return 0;
}

TEST(AbiLayout, ImageReadsTheChainPageTwoPagesBeforeItself) {
  auto vdso = vdso::testing::MappedVdso::map_embedded();
  auto gettimeofday = vdso->function<vdso::testing::GettimeofdayFn>("__vdso_gettimeofday");
  ASSERT_NE(gettimeofday, nullptr);
  auto* chain = reinterpret_cast<ChainPage*>(const_cast<uint8_t*>(vdso->image()) - 8192);
  ASSERT_EQ(chain, &vdso->chain_page());
  chain->gettimeofday = reinterpret_cast<uint64_t>(&chained_gettimeofday);
  Timeval tv{};
  EXPECT_EQ(gettimeofday(&tv, nullptr), 0);
  EXPECT_EQ(tv.sec, 777);
  EXPECT_EQ(tv.usec, 888);
}

}  // namespace
