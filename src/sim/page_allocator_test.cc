#include "dmakit/sim/page_allocator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

namespace dmakit {
namespace {

using ::testing::HasSubstr;

constexpr PhysAddr kBase0(0x8000'0000);
constexpr PhysAddr kBase1(0x9000'0000);

// dram0: 16 pages, a hole, dram1: 8 pages.
PhysicalMemory SmallRam() {
  auto memory =
      PhysicalMemory::Create({{"dram0", kBase0, 16 * kPageSize}, {"dram1", kBase1, 8 * kPageSize}});
  EXPECT_TRUE(memory.ok());
  return std::move(memory).value();
}

bool AnyAdjacent(std::vector<PhysAddr> pages) {
  std::sort(pages.begin(), pages.end());
  for (size_t i = 1; i < pages.size(); ++i) {
    if (pages[i] - pages[i - 1] == kPageSize) return true;
  }
  return false;
}

TEST(PageAllocatorTest, CountsEveryPageOfEveryBank) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  EXPECT_EQ(pages.total_pages(), 24u);
  EXPECT_EQ(pages.free_pages(), 24u);
  EXPECT_EQ(pages.allocated_pages(), 0u);
  EXPECT_EQ(pages.free_runs(), 2u);
}

TEST(PageAllocatorTest, AllocPageHandsOutDistinctRamPagesUntilExhausted) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  std::set<PhysAddr> seen;
  for (int i = 0; i < 24; ++i) {
    auto page = pages.AllocPage();
    ASSERT_TRUE(page.ok());
    EXPECT_TRUE(page->IsAligned(kPageSize));
    EXPECT_TRUE(memory.IsRam(PhysRange(*page, kPageSize)));
    EXPECT_TRUE(pages.IsAllocated(*page));
    EXPECT_TRUE(seen.insert(*page).second);
  }
  EXPECT_EQ(pages.free_pages(), 0u);
  auto none = pages.AllocPage();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), ErrorCode::kExhausted);
}

TEST(PageAllocatorTest, ContiguousRunIsAlignedAndAllocated) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  ASSERT_TRUE(pages.AllocPage().ok());  // dram0 page 0, so an aligned run must skip ahead
  auto run = pages.AllocContiguous(4, 4);
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(run->IsAligned(4 * kPageSize));
  for (uint64_t i = 0; i < 4; ++i) EXPECT_TRUE(pages.IsAllocated(*run + i * kPageSize));
  EXPECT_EQ(pages.allocated_pages(), 5u);
}

TEST(PageAllocatorTest, ContiguousRejectsZeroPages) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  auto run = pages.AllocContiguous(0);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().code(), ErrorCode::kInvalidArgument);
}

TEST(PageAllocatorTest, ContiguousRejectsAlignmentNotPowerOfTwo) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  auto run = pages.AllocContiguous(2, 3);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(run.error().message(), HasSubstr("power of two"));
}

TEST(PageAllocatorTest, ContiguousNeverSpansAHole) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  auto run = pages.AllocContiguous(17);  // 24 pages free, but the longest stretch is 16
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().code(), ErrorCode::kExhausted);
  EXPECT_EQ(pages.allocated_pages(), 0u);
}

TEST(PageAllocatorTest, FragmentationDefeatsContiguousAllocation) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  std::vector<PhysAddr> all;
  for (int i = 0; i < 24; ++i) all.push_back(*pages.AllocPage());
  for (size_t i = 0; i < all.size(); i += 2) ASSERT_TRUE(pages.Free(all[i]).ok());  // every other
  EXPECT_EQ(pages.free_pages(), 12u);
  auto run = pages.AllocContiguous(2);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().code(), ErrorCode::kExhausted);
  ASSERT_TRUE(pages.Free(all[1]).ok());  // joins pages 0..2 into a run of three
  EXPECT_TRUE(pages.AllocContiguous(3).ok());
}

TEST(PageAllocatorTest, FreedRunsMergeBack) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  auto a = *pages.AllocContiguous(4);
  auto b = *pages.AllocContiguous(4);
  EXPECT_EQ(b - a, 4 * kPageSize);
  ASSERT_TRUE(pages.Free(a, 4).ok());
  ASSERT_TRUE(pages.Free(b, 4).ok());
  EXPECT_EQ(pages.free_runs(), 2u);  // one per bank again
  EXPECT_TRUE(pages.AllocContiguous(16).ok());
}

TEST(PageAllocatorTest, ScatteredPagesAreDistinctAndNotAdjacent) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 7);
  auto set = pages.AllocScattered(12);  // exactly every other page fits
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->size(), 12u);
  EXPECT_EQ(std::set<PhysAddr>(set->begin(), set->end()).size(), 12u);
  EXPECT_FALSE(AnyAdjacent(*set));
  for (PhysAddr p : *set) EXPECT_TRUE(pages.IsAllocated(p));
  EXPECT_EQ(pages.allocated_pages(), 12u);
}

TEST(PageAllocatorTest, ScatteredTakesAdjacentPagesOnlyWhenItMust) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 7);
  auto set = pages.AllocScattered(20);
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(std::set<PhysAddr>(set->begin(), set->end()).size(), 20u);
  EXPECT_EQ(pages.free_pages(), 4u);
}

TEST(PageAllocatorTest, ScatteredOrderIsNotPhysicalOrder) {
  auto created = PhysicalMemory::Create({{"dram0", kBase0, 1024 * kPageSize}});
  PhysicalMemory memory = std::move(created).value();
  PageAllocator pages(memory, 3);
  auto set = pages.AllocScattered(64);
  ASSERT_TRUE(set.ok());
  EXPECT_FALSE(std::is_sorted(set->begin(), set->end()));
  EXPECT_FALSE(AnyAdjacent(*set));
}

TEST(PageAllocatorTest, ScatteredIsDeterministicPerSeed) {
  PhysicalMemory memory = SmallRam();
  PageAllocator a(memory, 42);
  PageAllocator b(memory, 42);
  PageAllocator c(memory, 43);
  auto sa = *a.AllocScattered(8);
  auto sb = *b.AllocScattered(8);
  auto sc = *c.AllocScattered(8);
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
}

TEST(PageAllocatorTest, ScatteredRejectsZero) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  auto set = pages.AllocScattered(0);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code(), ErrorCode::kInvalidArgument);
}

TEST(PageAllocatorTest, ScatteredExhaustionAllocatesNothing) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  auto set = pages.AllocScattered(25);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code(), ErrorCode::kExhausted);
  EXPECT_EQ(pages.allocated_pages(), 0u);
  EXPECT_EQ(pages.free_runs(), 2u);
}

TEST(PageAllocatorTest, FreeRejectsMisalignedAddress) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  PhysAddr page = *pages.AllocPage();
  Status status = pages.Free(page + 8);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(pages.IsAllocated(page));
}

TEST(PageAllocatorTest, FreeRejectsZeroPages) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  PhysAddr page = *pages.AllocPage();
  Status status = pages.Free(page, 0);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
}

TEST(PageAllocatorTest, DoubleFreeIsNotFoundAndFreesNothing) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  PhysAddr run = *pages.AllocContiguous(3);
  ASSERT_TRUE(pages.Free(run + kPageSize).ok());
  Status status = pages.Free(run, 3);  // the middle page is already free
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(status.error().message(), HasSubstr("double free"));
  EXPECT_TRUE(pages.IsAllocated(run));
  EXPECT_TRUE(pages.IsAllocated(run + 2 * kPageSize));
  EXPECT_EQ(pages.allocated_pages(), 2u);
}

TEST(PageAllocatorTest, FreeOfNeverAllocatedPageIsNotFound) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  Status status = pages.Free(kBase1);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(pages.free_pages(), 24u);
}

TEST(PageAllocatorTest, FreeOutsideRamIsNotFound) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  ASSERT_TRUE(pages.AllocContiguous(16).ok());
  Status status = pages.Free(kBase0 + 15 * kPageSize, 2);  // last page of dram0 and the hole
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(pages.allocated_pages(), 16u);
}

TEST(PageAllocatorTest, FreeAllReturnsEveryPage) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  auto set = *pages.AllocScattered(10);
  ASSERT_TRUE(pages.FreeAll(set).ok());
  EXPECT_EQ(pages.allocated_pages(), 0u);
  EXPECT_EQ(pages.free_runs(), 2u);
}

TEST(PageAllocatorTest, FreeAllWithAPageListedTwiceFreesNothing) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  auto set = *pages.AllocScattered(4);
  set.push_back(set[1]);
  Status status = pages.FreeAll(set);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(pages.allocated_pages(), 4u);
}

TEST(PageAllocatorTest, FreeAllWithAFreePageFreesNothing) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  auto set = *pages.AllocScattered(4);
  ASSERT_TRUE(pages.Free(set[2]).ok());
  Status status = pages.FreeAll(set);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(pages.allocated_pages(), 3u);
}

TEST(PageAllocatorTest, FreeAllWithMisalignedPageIsInvalidArgument) {
  PhysicalMemory memory = SmallRam();
  PageAllocator pages(memory, 1);
  auto set = *pages.AllocScattered(2);
  set[1] += 1;
  Status status = pages.FreeAll(set);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(pages.allocated_pages(), 2u);
}

TEST(PageAllocatorTest, EmitsAllocAndFreeEventsOnTheBus) {
  PhysicalMemory memory = SmallRam();
  EventBus bus;
  EventLog log;
  bus.Subscribe(&log);
  PageAllocator pages(memory, 1, &bus);
  PhysAddr run = *pages.AllocContiguous(4);
  auto set = *pages.AllocScattered(3);
  ASSERT_TRUE(pages.Free(run, 4).ok());
  ASSERT_FALSE(pages.Free(run).ok());  // failures emit nothing
  ASSERT_TRUE(pages.FreeAll(set).ok());
  auto allocs = log.OfKind(EventKind::kPageAlloc);
  auto frees = log.OfKind(EventKind::kPageFree);
  ASSERT_EQ(allocs.size(), 4u);
  ASSERT_EQ(frees.size(), 4u);
  EXPECT_EQ(allocs[0].phys, run);
  EXPECT_EQ(allocs[0].size, 4 * kPageSize);
  EXPECT_EQ(allocs[1].phys, set[0]);
  EXPECT_EQ(allocs[1].size, kPageSize);
  EXPECT_EQ(frees[0].phys, run);
  EXPECT_EQ(frees[0].size, 4 * kPageSize);
}

}  // namespace
}  // namespace dmakit
