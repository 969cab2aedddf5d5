// Checker-wide behaviour: modes, suppression, the line queries the soundness test uses, and
// scale (256k live mappings).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "check/check_test_util.h"
#include "dmakit/check/checker.h"

namespace dmakit {
namespace {

using ::testing::ElementsAre;
using namespace dmakit::testing;  // NOLINT

constexpr uint64_t kBuf = 0x80001000;

// Two bugs in a row: an unmap of an unknown handle, then a direction mismatch.
void TwoBugs(FakeDriver& eth) {
  eth.Unmap(0x90000000, 64, kTo);
  eth.Map(kBuf, kBuf, 4096, kTo);
  eth.Unmap(kBuf, 4096, kFrom);
}

TEST(CheckerModes, ReportAndContinueKeepsEveryViolation) {
  Checker checker;
  FakeDriver eth(checker);
  TwoBugs(eth);
  EXPECT_THAT(Rules(checker), ElementsAre(RuleId::kFreeUnknown, RuleId::kUnmapDirectionMismatch));
  EXPECT_FALSE(checker.stopped());
  EXPECT_EQ(checker.total(), 2u);
}

TEST(CheckerModes, StopAtFirstKeepsOneAndIgnoresLaterEvents) {
  Checker checker(CheckerOptions{.mode = CheckMode::kStopAtFirst});
  FakeDriver eth(checker);
  EXPECT_FALSE(checker.stopped());
  TwoBugs(eth);
  EXPECT_TRUE(checker.stopped());
  EXPECT_THAT(Rules(checker), ElementsAre(RuleId::kFreeUnknown));
  EXPECT_EQ(checker.live_mappings(), 0u);  // the map after the stop was not applied
  checker.OnEnd();
  EXPECT_EQ(checker.total(), 1u);
}

TEST(CheckerModes, CountOnlyKeepsCountsAndNoMessages) {
  Checker checker(CheckerOptions{.mode = CheckMode::kCountOnly});
  FakeDriver eth(checker);
  TwoBugs(eth);
  TwoBugs(eth);
  EXPECT_TRUE(checker.violations().empty());
  EXPECT_EQ(checker.count(RuleId::kFreeUnknown), 2u);
  EXPECT_EQ(checker.count(RuleId::kUnmapDirectionMismatch), 2u);
  EXPECT_EQ(checker.total(), 4u);
  EXPECT_FALSE(checker.stopped());
}

TEST(CheckerSuppression, SuppressedRuleIsNeitherKeptNorCounted) {
  Checker checker;
  checker.Suppress(RuleId::kFreeUnknown);
  EXPECT_TRUE(checker.suppressed(RuleId::kFreeUnknown));
  FakeDriver eth(checker);
  TwoBugs(eth);
  EXPECT_THAT(Rules(checker), ElementsAre(RuleId::kUnmapDirectionMismatch));
  EXPECT_EQ(checker.count(RuleId::kFreeUnknown), 0u);
}

TEST(CheckerSuppression, UnsuppressRestoresTheRule) {
  Checker checker;
  checker.Suppress(RuleId::kFreeUnknown);
  checker.Unsuppress(RuleId::kFreeUnknown);
  FakeDriver eth(checker);
  eth.Unmap(kBuf, 64, kTo);
  EXPECT_EQ(checker.count(RuleId::kFreeUnknown), 1u);
}

TEST(CheckerSuppression, SuppressedRuleDoesNotStopTheRun) {
  Checker checker(CheckerOptions{.mode = CheckMode::kStopAtFirst});
  checker.Suppress(RuleId::kFreeUnknown);
  FakeDriver eth(checker);
  TwoBugs(eth);
  EXPECT_THAT(Rules(checker), ElementsAre(RuleId::kUnmapDirectionMismatch));
}

TEST(CheckerLines, ViolatedLinesBeforeASequenceNumber) {
  Checker checker;
  FakeBus bus(checker);
  FakeDriver eth(bus), cpu(bus, "cpu");
  eth.Map(kBuf, kBuf, 4096, kFrom);  // #1, #2
  cpu.CpuRead(kBuf + 64, 64);        // #3: violation on line kBuf+64
  cpu.CpuRead(kBuf + 256, 128);      // #4: violation on kBuf+256, kBuf+320
  EXPECT_TRUE(checker.ViolatedLinesBefore(3).empty());
  EXPECT_THAT(checker.ViolatedLinesBefore(4), ElementsAre(PhysRange(PhysAddr(kBuf + 64), 64)));
  EXPECT_THAT(checker.ViolatedLinesBefore(5), ElementsAre(PhysRange(PhysAddr(kBuf + 64), 64),
                                                          PhysRange(PhysAddr(kBuf + 256), 128)));
  EXPECT_TRUE(checker.HadViolationOnLine(PhysAddr(kBuf + 300), 5));
  EXPECT_FALSE(checker.HadViolationOnLine(PhysAddr(kBuf + 300), 4));
  EXPECT_FALSE(checker.HadViolationOnLine(PhysAddr(kBuf), 5));
}

TEST(CheckerLines, AdjacentViolatedLinesMerge) {
  Checker checker;
  FakeBus bus(checker);
  FakeDriver eth(bus), cpu(bus, "cpu");
  eth.Map(kBuf, kBuf, 4096, kFrom);
  cpu.CpuRead(kBuf, 64);
  cpu.CpuRead(kBuf + 64, 64);
  EXPECT_THAT(checker.ViolatedLinesBefore(100), ElementsAre(PhysRange(PhysAddr(kBuf), 128)));
}

TEST(CheckerLines, EndOfRunReportsAreNotBeforeAnySequence) {
  Checker checker;
  FakeDriver eth(checker);
  eth.Map(kBuf, kBuf, 4096, kFrom);
  checker.OnEnd();
  EXPECT_EQ(checker.count(RuleId::kLeakAtEnd), 1u);
  EXPECT_TRUE(checker.ViolatedLinesBefore(UINT64_MAX).empty());
}

TEST(CheckerLines, LineSizeIsAnOption) {
  Checker checker(CheckerOptions{.line_size = 128});
  FakeBus bus(checker);
  FakeDriver eth(bus), cpu(bus, "cpu");
  eth.DeviceAdd(false);
  eth.Map(kBuf + 64, kBuf + 64, 64, kFrom);
  cpu.CpuWrite(kBuf, 8);  // same 128-byte line, other bytes
  EXPECT_THAT(Rules(checker), ElementsAre(RuleId::kCacheLineSharing));
}

// A map of the second 64 bytes of a 128-byte line, then a CPU write to its first bytes: a
// shared line with 128-byte lines, two separate lines with 64-byte ones.
void MapThenWriteTheNeighbouringBytes(FakeDriver& eth, FakeDriver& cpu) {
  eth.DeviceAdd(false);
  eth.Map(kBuf + 64, kBuf + 64, 64, kFrom);
  cpu.CpuWrite(kBuf, 8);
}

TEST(CheckerLines, LineSizeComesFromThePlatformsCpuCache) {
  Checker checker;
  FakeBus bus(checker);
  FakeDriver eth(bus), cpu(bus, "cpu");
  eth.CpuCache(128);
  EXPECT_EQ(checker.options().line_size, 128u);
  MapThenWriteTheNeighbouringBytes(eth, cpu);
  EXPECT_THAT(Rules(checker), ElementsAre(RuleId::kCacheLineSharing));
  EXPECT_EQ(checker.violations().front().lines.front(), PhysRange(PhysAddr(kBuf), 128));
}

TEST(CheckerLines, WithoutACpuCacheEventLinesAre64Bytes) {
  Checker checker;
  FakeBus bus(checker);
  FakeDriver eth(bus), cpu(bus, "cpu");
  EXPECT_EQ(checker.options().line_size, kDefaultLineSize);
  MapThenWriteTheNeighbouringBytes(eth, cpu);
  EXPECT_EQ(checker.total(), 0u) << Dump(checker);
}

TEST(CheckerLines, AnExplicitLineSizeWinsOverThePlatforms) {
  Checker checker(CheckerOptions{.line_size = 64});
  FakeBus bus(checker);
  FakeDriver eth(bus), cpu(bus, "cpu");
  eth.CpuCache(128);
  EXPECT_EQ(checker.options().line_size, 64u);
  MapThenWriteTheNeighbouringBytes(eth, cpu);
  EXPECT_EQ(checker.total(), 0u) << Dump(checker);
}

TEST(CheckerLines, ACpuCacheEventAfterTheFirstMappingIsIgnored) {
  Checker checker;
  FakeBus bus(checker);
  FakeDriver eth(bus), cpu(bus, "cpu");
  eth.DeviceAdd(false);
  eth.Map(kBuf + 64, kBuf + 64, 64, kFrom);
  eth.CpuCache(128);
  EXPECT_EQ(checker.options().line_size, 64u);
  cpu.CpuWrite(kBuf, 8);
  EXPECT_EQ(checker.total(), 0u) << Dump(checker);
  EXPECT_EQ(checker.live_mappings(), 1u);
}

TEST(CheckerLines, ACpuCacheLineSizeThatIsNotAPowerOfTwoIsIgnored) {
  Checker checker;
  FakeDriver eth(checker);
  eth.CpuCache(96);
  EXPECT_EQ(checker.options().line_size, 64u);
  eth.CpuCache(0);
  EXPECT_EQ(checker.options().line_size, 64u);
}

TEST(CheckerLines, ARepeatedAnnouncementBeforeAnyMappingTakesTheLastLineSize) {
  Checker checker;
  FakeDriver eth(checker);
  eth.CpuCache(128);
  eth.CpuCache(32);
  EXPECT_EQ(checker.options().line_size, 32u);
}

// 256k live streaming mappings: every lookup still finds the right one (functional, not timed).
TEST(CheckerScale, Holds256kLiveMappings) {
  constexpr uint64_t kCount = 256 * 1024;
  constexpr uint64_t kSize = 256;
  Checker checker;
  FakeDriver eth(checker);
  for (uint64_t i = 0; i < kCount; ++i) {
    eth.Map(kBuf + i * kSize, kBuf + i * kSize, kSize, kBidi);
  }
  EXPECT_EQ(checker.live_mappings(), kCount);
  for (uint64_t i = 0; i < kCount; i += 7) {
    eth.SyncForCpu(kBuf + i * kSize + 64, 64, kBidi);
    eth.SyncForDevice(kBuf + i * kSize + 64, 64, kBidi);
  }
  EXPECT_EQ(checker.total(), 0u) << Dump(checker);
  eth.SyncForCpu(kBuf + kCount * kSize, 64, kBidi);  // one past the last mapping
  EXPECT_THAT(Rules(checker), ElementsAre(RuleId::kSyncNotMapped));
  eth.Unmap(kBuf + 1000 * kSize, kSize * 2, kBidi);
  EXPECT_EQ(checker.count(RuleId::kUnmapSizeMismatch), 1u);
  EXPECT_EQ(checker.violations().back().mapping_seq, 2001u);  // map #1000 is event 2*1000+1
  for (uint64_t i = 0; i < kCount; ++i) {
    if (i != 1000) eth.Unmap(kBuf + i * kSize, kSize, kBidi);
  }
  EXPECT_EQ(checker.live_mappings(), 0u);
  EXPECT_EQ(checker.total(), 2u);
}

}  // namespace
}  // namespace dmakit
