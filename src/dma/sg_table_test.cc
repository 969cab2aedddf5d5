#include "dmakit/dma/sg_table.h"

#include <gtest/gtest.h>

#include <vector>

namespace dmakit {
namespace {

PhysAddr Page(uint64_t n) { return PhysAddr(0x8000'0000 + n * kPageSize); }

TEST(SgTable, FromPagesMakesOneWholePageEntryPerPage) {
  std::vector<PhysAddr> pages = {Page(3), Page(4), Page(9)};
  SgTable sg = SgTable::FromPages(pages);
  ASSERT_EQ(sg.orig_nents(), 3u);
  for (size_t i = 0; i < pages.size(); ++i) {
    EXPECT_EQ(sg.cpu()[i].page, pages[i]);
    EXPECT_EQ(sg.cpu()[i].offset, 0u);
    EXPECT_EQ(sg.cpu()[i].length, kPageSize);
  }
  EXPECT_EQ(sg.total_length(), 3 * kPageSize);
}

TEST(SgTable, AFreshTableHasNoDmaSide) {
  SgTable sg = SgTable::FromPages(std::vector<PhysAddr>{Page(1)});
  EXPECT_EQ(sg.nents(), 0u);
  EXPECT_TRUE(sg.dma().empty());
}

TEST(SgTable, FromPagesCoalescedJoinsPhysicallyContiguousRuns) {
  std::vector<PhysAddr> pages = {Page(1), Page(2), Page(3), Page(7), Page(8), Page(2)};
  SgTable sg = SgTable::FromPagesCoalesced(pages);
  ASSERT_EQ(sg.orig_nents(), 3u);
  EXPECT_EQ(sg.cpu()[0].phys(), Page(1));
  EXPECT_EQ(sg.cpu()[0].length, 3 * kPageSize);
  EXPECT_EQ(sg.cpu()[1].phys(), Page(7));
  EXPECT_EQ(sg.cpu()[1].length, 2 * kPageSize);
  EXPECT_EQ(sg.cpu()[2].phys(), Page(2));  // contiguity is about order, not membership
  EXPECT_EQ(sg.cpu()[2].length, kPageSize);
  EXPECT_EQ(sg.total_length(), pages.size() * kPageSize);
}

TEST(SgTable, FromPagesCoalescedDoesNotJoinPagesInDescendingOrder) {
  std::vector<PhysAddr> pages = {Page(5), Page(4), Page(3)};
  EXPECT_EQ(SgTable::FromPagesCoalesced(pages).orig_nents(), 3u);
}

TEST(SgTable, FromPagesCoalescedSplitsAtTheMaxSegment) {
  std::vector<PhysAddr> pages;
  for (uint64_t i = 0; i < 5; ++i) pages.push_back(Page(10 + i));
  SgTable sg = SgTable::FromPagesCoalesced(pages, 2 * kPageSize);
  ASSERT_EQ(sg.orig_nents(), 3u);
  EXPECT_EQ(sg.cpu()[0].range(), PhysRange(Page(10), 2 * kPageSize));
  EXPECT_EQ(sg.cpu()[1].range(), PhysRange(Page(12), 2 * kPageSize));
  EXPECT_EQ(sg.cpu()[2].range(), PhysRange(Page(14), kPageSize));
}

TEST(SgTable, FromPagesCoalescedNeverSplitsAPage) {
  std::vector<PhysAddr> pages = {Page(1), Page(2)};
  SgTable below_a_page = SgTable::FromPagesCoalesced(pages, 512);
  ASSERT_EQ(below_a_page.orig_nents(), 2u);
  EXPECT_EQ(below_a_page.cpu()[0].length, kPageSize);
  // A limit that is not a multiple of the page size rounds down to whole pages.
  SgTable odd = SgTable::FromPagesCoalesced(pages, 2 * kPageSize - 1);
  EXPECT_EQ(odd.orig_nents(), 2u);
}

TEST(SgTable, FromPagesCoalescedCapsSegmentsAtThe32BitLength) {
  std::vector<PhysAddr> pages = {Page(1), Page(2)};
  SgTable sg = SgTable::FromPagesCoalesced(pages, uint64_t{1} << 40);
  ASSERT_EQ(sg.orig_nents(), 1u);
  EXPECT_EQ(sg.cpu()[0].length, 2 * kPageSize);
}

TEST(SgTable, AppendKeepsOffsetAndLength) {
  SgTable sg;
  sg.Append(Page(2), 128, 1000);
  sg.Append(Page(3), 0, 300);
  ASSERT_EQ(sg.orig_nents(), 2u);
  EXPECT_EQ(sg.cpu()[0].phys(), Page(2) + 128);
  EXPECT_EQ(sg.cpu()[0].range(), PhysRange(Page(2) + 128, 1000));
  EXPECT_EQ(sg.total_length(), 1300u);
}

TEST(SgTable, EmptyInputGivesAnEmptyTable) {
  EXPECT_EQ(SgTable::FromPages({}).orig_nents(), 0u);
  EXPECT_EQ(SgTable::FromPagesCoalesced({}).orig_nents(), 0u);
  EXPECT_EQ(SgTable().total_length(), 0u);
}

}  // namespace
}  // namespace dmakit
