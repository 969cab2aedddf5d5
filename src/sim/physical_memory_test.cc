#include "dmakit/sim/physical_memory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace dmakit {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kMiB = 1 << 20;

// Two banks with a hole between them, plus a third adjacent to the second.
PhysicalMemory TwoStretches() {
  auto memory = PhysicalMemory::Create({{"dram1", PhysAddr(0x9000'0000), 1 * kMiB},
                                        {"dram0", PhysAddr(0x8000'0000), 1 * kMiB},
                                        {"dram2", PhysAddr(0x9010'0000), 1 * kMiB}});
  EXPECT_TRUE(memory.ok());
  return std::move(memory).value();
}

std::vector<uint8_t> Pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 7);
  return v;
}

TEST(PhysicalMemoryTest, CreateRejectsNoBank) {
  auto memory = PhysicalMemory::Create({});
  ASSERT_FALSE(memory.ok());
  EXPECT_EQ(memory.error().code(), ErrorCode::kInvalidArgument);
}

TEST(PhysicalMemoryTest, CreateRejectsEmptyBank) {
  auto memory = PhysicalMemory::Create({{"dram0", PhysAddr(0x8000'0000), 0}});
  ASSERT_FALSE(memory.ok());
  EXPECT_EQ(memory.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(memory.error().message(), HasSubstr("dram0"));
}

TEST(PhysicalMemoryTest, CreateRejectsMisalignedBase) {
  auto memory = PhysicalMemory::Create({{"dram0", PhysAddr(0x8000'0800), kMiB}});
  ASSERT_FALSE(memory.ok());
  EXPECT_EQ(memory.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(memory.error().message(), HasSubstr("page-aligned"));
}

TEST(PhysicalMemoryTest, CreateRejectsMisalignedSize) {
  auto memory = PhysicalMemory::Create({{"dram0", PhysAddr(0x8000'0000), kMiB + 1}});
  ASSERT_FALSE(memory.ok());
  EXPECT_EQ(memory.error().code(), ErrorCode::kInvalidArgument);
}

TEST(PhysicalMemoryTest, CreateRejectsBankBeyondPhysicalAddressSpace) {
  auto memory =
      PhysicalMemory::Create({{"high", PhysAddr(kMaxPhysAddr - kPageSize), 2 * kPageSize}});
  ASSERT_FALSE(memory.ok());
  EXPECT_EQ(memory.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(memory.error().message(), HasSubstr("high"));
}

TEST(PhysicalMemoryTest, CreateRejectsOverlappingBanks) {
  auto memory = PhysicalMemory::Create(
      {{"a", PhysAddr(0x8000'0000), 2 * kMiB}, {"b", PhysAddr(0x8010'0000), kMiB}});
  ASSERT_FALSE(memory.ok());
  EXPECT_EQ(memory.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(memory.error().message(), HasSubstr("overlap"));
}

TEST(PhysicalMemoryTest, BanksAreListedSortedByBase) {
  PhysicalMemory memory = TwoStretches();
  ASSERT_EQ(memory.banks().size(), 3u);
  EXPECT_EQ(memory.banks()[0].name, "dram0");
  EXPECT_EQ(memory.banks()[1].name, "dram1");
  EXPECT_EQ(memory.banks()[2].name, "dram2");
}

TEST(PhysicalMemoryTest, UntouchedRamReadsZeroAndStaysSparse) {
  PhysicalMemory memory = TwoStretches();
  std::vector<uint8_t> out(3 * kPageSize, 0xaa);
  ASSERT_TRUE(memory.Read(PhysAddr(0x8000'1000), out).ok());
  EXPECT_EQ(out, std::vector<uint8_t>(out.size(), 0));
  EXPECT_EQ(memory.pages_present(), 0u);
  EXPECT_EQ(memory.PageDataIfPresent(PhysAddr(0x8000'1000)), nullptr);
}

TEST(PhysicalMemoryTest, WriteMaterialisesOnlyTouchedPages) {
  PhysicalMemory memory = TwoStretches();
  ASSERT_TRUE(memory.Write(PhysAddr(0x8000'0ffe), Pattern(4, 1)).ok());  // straddles 2 pages
  EXPECT_EQ(memory.pages_present(), 2u);
  EXPECT_NE(memory.PageDataIfPresent(PhysAddr(0x8000'0000)), nullptr);
  EXPECT_NE(memory.PageDataIfPresent(PhysAddr(0x8000'1000)), nullptr);
  EXPECT_EQ(memory.PageDataIfPresent(PhysAddr(0x8000'2000)), nullptr);
}

TEST(PhysicalMemoryTest, ReadReturnsWhatWasWrittenAcrossPages) {
  PhysicalMemory memory = TwoStretches();
  const std::vector<uint8_t> data = Pattern(3 * kPageSize + 100, 3);
  ASSERT_TRUE(memory.Write(PhysAddr(0x8000'0f00), data).ok());
  std::vector<uint8_t> out(data.size());
  ASSERT_TRUE(memory.Read(PhysAddr(0x8000'0f00), out).ok());
  EXPECT_EQ(out, data);
}

TEST(PhysicalMemoryTest, AccessRunsAcrossAdjacentBanks) {
  PhysicalMemory memory = TwoStretches();
  const PhysAddr at(0x9010'0000 - 64);  // last 64 bytes of dram1, first 64 of dram2
  const std::vector<uint8_t> data = Pattern(128, 9);
  ASSERT_TRUE(memory.Write(at, data).ok());
  std::vector<uint8_t> out(128);
  ASSERT_TRUE(memory.Read(at, out).ok());
  EXPECT_EQ(out, data);
  EXPECT_EQ(memory.PageData(PhysAddr(0x9010'0000))[0], data[64]);
}

TEST(PhysicalMemoryTest, PageDataIsStableAndSharedWithReadWrite) {
  PhysicalMemory memory = TwoStretches();
  uint8_t* page = memory.PageData(PhysAddr(0x8000'2345));
  EXPECT_EQ(page, memory.PageData(PhysAddr(0x8000'2000)));
  page[0x345] = 0x5a;
  std::vector<uint8_t> out(1);
  ASSERT_TRUE(memory.Read(PhysAddr(0x8000'2345), out).ok());
  EXPECT_EQ(out[0], 0x5a);
  EXPECT_EQ(memory.PageDataIfPresent(PhysAddr(0x8000'2000)), page);
}

TEST(PhysicalMemoryTest, PagesSurviveMove) {
  PhysicalMemory memory = TwoStretches();
  uint8_t* page = memory.PageData(PhysAddr(0x8000'0000));
  PhysicalMemory moved = std::move(memory);
  EXPECT_EQ(moved.PageData(PhysAddr(0x8000'0000)), page);
}

TEST(PhysicalMemoryTest, IsRamFollowsBanksAndHoles) {
  PhysicalMemory memory = TwoStretches();
  EXPECT_TRUE(memory.IsRam(PhysRange(PhysAddr(0x8000'0000), kMiB)));
  EXPECT_FALSE(memory.IsRam(PhysRange(PhysAddr(0x8000'0000), kMiB + 1)));  // into the hole
  EXPECT_FALSE(memory.IsRam(PhysRange(PhysAddr(0x8800'0000), 1)));         // in the hole
  EXPECT_TRUE(memory.IsRam(PhysRange(PhysAddr(0x9000'0000), 2 * kMiB)));   // two adjacent banks
  EXPECT_FALSE(memory.IsRam(PhysRange(PhysAddr(0x9000'0000), 2 * kMiB + 1)));
  EXPECT_TRUE(memory.IsRam(PhysRange(PhysAddr(0x9000'0000), 0)));
  EXPECT_FALSE(memory.IsRam(PhysRange(PhysAddr(0x1000), 0)));
  EXPECT_FALSE(memory.IsRam(PhysRange(PhysAddr(~uint64_t{0} - 10), 100)));  // wraps
}

TEST(PhysicalMemoryTest, ReadOutsideRamIsOutOfRangeNamingAddressAndBanks) {
  PhysicalMemory memory = TwoStretches();
  std::vector<uint8_t> out(16, 0xaa);
  Status status = memory.Read(PhysAddr(0x8800'0000), out);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kOutOfRange);
  EXPECT_THAT(status.error().message(), HasSubstr("0x88000000"));
  EXPECT_THAT(status.error().message(), HasSubstr("dram0 [0x80000000-0x800fffff]"));
  EXPECT_THAT(status.error().message(), HasSubstr("dram2"));
  EXPECT_EQ(out, std::vector<uint8_t>(16, 0xaa));  // nothing read
}

TEST(PhysicalMemoryTest, WriteStraddlingTheEndOfRamWritesNothing) {
  PhysicalMemory memory = TwoStretches();
  const PhysAddr at(0x8010'0000 - 8);  // 8 bytes of RAM, then the hole
  Status status = memory.Write(at, Pattern(16, 1));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kOutOfRange);
  std::vector<uint8_t> out(8, 0xaa);
  ASSERT_TRUE(memory.Read(at, out).ok());
  EXPECT_EQ(out, std::vector<uint8_t>(8, 0));
  EXPECT_EQ(memory.pages_present(), 0u);
}

TEST(PhysicalMemoryTest, LargeSparseBankCostsOnlyTouchedPages) {
  auto created = PhysicalMemory::Create({{"big", PhysAddr(uint64_t{1} << 40), uint64_t{1} << 38}});
  ASSERT_TRUE(created.ok());
  PhysicalMemory memory = std::move(created).value();
  const PhysAddr far((uint64_t{1} << 40) + (uint64_t{1} << 38) - kPageSize);
  ASSERT_TRUE(memory.Write(far, Pattern(kPageSize, 4)).ok());
  std::vector<uint8_t> out(kPageSize);
  ASSERT_TRUE(memory.Read(far, out).ok());
  EXPECT_EQ(out, Pattern(kPageSize, 4));
  EXPECT_EQ(memory.pages_present(), 1u);
}

TEST(PhysicalMemoryDeathTest, PageDataOutsideRamAborts) {
  PhysicalMemory memory = TwoStretches();
  EXPECT_DEATH(memory.PageData(PhysAddr(0x1000)), "invariant");
}

}  // namespace
}  // namespace dmakit
