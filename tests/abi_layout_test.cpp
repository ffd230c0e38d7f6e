// The data-page ABI as the image uses it: offsets (also static_asserted in
// the header), the seqcount's parity protocol, and the image really reading
// the page at image - 4096 and the chain page at image - 8192.
#include <gtest/gtest.h>

#include "mapped_vdso.h"
#include "vdso/abi/data_page.h"

namespace {

using namespace vdso::abi;

TEST(AbiLayout, PageIsOnePageWithFixedOffsets) {
  EXPECT_EQ(sizeof(DataPage), 4096u);
  EXPECT_EQ(sizeof(ChainPage), 4096u);
  EXPECT_EQ(offsetof(DataPage, seq), 12u);
  EXPECT_EQ(offsetof(DataPage, coarse), 16u);
  EXPECT_EQ(offsetof(DataPage, tick_ns), 48u);
  EXPECT_EQ(offsetof(DataPage, update_count), 56u);
  EXPECT_EQ(kDataPageOffsetFromImage, -4096);
  EXPECT_EQ(kChainPageOffsetFromImage, -8192);
}

TEST(AbiLayout, Version2AddsTheFineClocksGetcpuAndTheConfiguration) {
  EXPECT_EQ(kLayoutVersion, 3u);
  EXPECT_EQ(offsetof(DataPage, clock_mode), 64u);
  EXPECT_EQ(offsetof(DataPage, counter_shift), 68u);
  EXPECT_EQ(offsetof(DataPage, cycle_last), 72u);
  EXPECT_EQ(offsetof(DataPage, getcpu_mode), 80u);
  EXPECT_EQ(offsetof(DataPage, timezone), 84u);
  EXPECT_EQ(offsetof(DataPage, fine), 96u);
  EXPECT_EQ(sizeof(FineBase), 24u);
  // Indexed by clock id, as Linux's bases are.
  EXPECT_EQ(offsetof(DataPage, fine) + kClockTai * sizeof(FineBase),
            reinterpret_cast<uintptr_t>(&static_cast<DataPage*>(nullptr)->fine[kClockTai]));
  EXPECT_EQ(offsetof(DataPage, system), 384u);
  EXPECT_EQ(offsetof(DataPage, system) + offsetof(SystemInfo, uts), 432u);
  EXPECT_EQ(sizeof(Utsname), 6u * 65u);  // Linux's struct new_utsname
  EXPECT_EQ(offsetof(ChainPage, getcpu), 40u);
  EXPECT_EQ(static_cast<uint32_t>(ClockMode::kNone), 0u);  // a zeroed page serves no fine clock
  EXPECT_EQ(static_cast<uint32_t>(GetcpuMode::kNone), 0u);
  // The fine path's one mode comparison also checks the layout version.
  EXPECT_EQ(static_cast<uint32_t>(ClockMode::kTsc) >> 16, kLayoutVersion);
}

TEST(AbiLayout, FineIdsAreTheOnesLinuxServesFromTheCounter) {
  for (int id = -20; id < 40; ++id) {
    const bool fine = id == kClockRealtime || id == kClockMonotonic || id == kClockMonotonicRaw ||
                      id == kClockBoottime || id == kClockTai;
    EXPECT_EQ(page_serves_fine(id), fine) << id;
    EXPECT_FALSE(page_serves_fine(id) && page_serves(id)) << id;
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
  EXPECT_TRUE(page_serves(kClockRealtimeCoarse));
  EXPECT_TRUE(page_serves(kClockMonotonicCoarse));
  for (int id :
       {kClockRealtime, kClockMonotonic, kClockMonotonicRaw, kClockBoottime, kClockTai, -1, 16}) {
    EXPECT_FALSE(page_serves(id)) << id;
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
  write_end(page);
  EXPECT_EQ(page.seq, start + 2);
  // A reader that began before the write must retry.
  const uint32_t seen = read_begin(page);
  write_begin(page);
  write_end(page);
  EXPECT_TRUE(read_retry(page, seen));
  EXPECT_FALSE(read_retry(page, read_begin(page)));
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
