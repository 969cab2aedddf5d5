#include "dmakit/sim/oracle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace dmakit {
namespace {

using ::testing::ElementsAreArray;

constexpr PhysAddr kBase(0x8000'0000);
constexpr uint32_t kLine = 64;

class OracleTest : public ::testing::Test {
 protected:
  OracleTest()
      : layout_(PhysicalMemory::Create({{"dram0", kBase, 1 << 20}}).value()),
        oracle_(layout_, kLine, &bus_) {
    bus_.Subscribe(&log_);
  }

  std::vector<uint8_t> Bytes(size_t n, uint8_t value) { return std::vector<uint8_t>(n, value); }

  EventBus bus_;
  EventLog log_;
  PhysicalMemory layout_;
  Oracle oracle_;
  Symbol dev_{"dev"};
  Symbol cpu_{"cpu"};
};

TEST_F(OracleTest, UnwrittenMemoryIsIdeallyZero) {
  std::vector<uint8_t> zeros(3 * kPageSize, 0);
  EXPECT_EQ(oracle_.Check(kBase + 100, zeros, cpu_), 0u);
  EXPECT_EQ(log_.events().size(), 0u);
  EXPECT_EQ(oracle_.LastWriter(kBase).writer, Symbol());
}

TEST_F(OracleTest, MatchingReadIsClean) {
  auto data = Bytes(5000, 0x5a);
  oracle_.RecordWrite(kBase + 10, data, dev_, 7);
  EXPECT_EQ(oracle_.Check(kBase + 10, data, cpu_), 0u);
  EXPECT_EQ(oracle_.corruption_events(), 0u);
}

TEST_F(OracleTest, DifferenceIsReportedWithBytesAndLastWriter) {
  auto data = Bytes(kLine, 0xaa);
  oracle_.RecordWrite(kBase + kLine, data, dev_, 42);
  auto seen = Bytes(kLine, 0x00);
  EXPECT_EQ(oracle_.Check(kBase + kLine, seen, cpu_), kLine);
  auto events = log_.OfKind(EventKind::kCorruption);
  ASSERT_EQ(events.size(), 1u);
  const Event& e = events[0];
  EXPECT_EQ(e.device, cpu_);
  EXPECT_EQ(e.phys, kBase + kLine);
  EXPECT_EQ(e.size, kLine);
  EXPECT_THAT(e.expected, ElementsAreArray(data));
  EXPECT_THAT(e.observed, ElementsAreArray(seen));
  EXPECT_EQ(e.writer, dev_);
  EXPECT_EQ(e.writer_seq, 42u);
  EXPECT_EQ(oracle_.corrupted_bytes(), kLine);
}

TEST_F(OracleTest, ReportCoversOnlyTheDifferingBytes) {
  auto data = Bytes(kLine, 0x11);
  oracle_.RecordWrite(kBase, data, dev_, 1);
  auto seen = data;
  seen[10] = 0x99;
  seen[12] = 0x98;
  EXPECT_EQ(oracle_.Check(kBase, seen, cpu_), 2u);
  auto events = log_.OfKind(EventKind::kCorruption);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].phys, kBase + 10);
  EXPECT_EQ(events[0].size, 3u);
  EXPECT_THAT(events[0].expected, ElementsAreArray({0x11, 0x11, 0x11}));
  EXPECT_THAT(events[0].observed, ElementsAreArray({0x99, 0x11, 0x98}));
}

TEST_F(OracleTest, ConsecutiveLinesOfOneWriteCoalesceAcrossPages) {
  // Four lines straddling a page boundary, one write.
  PhysAddr at = kBase + kPageSize - 2 * kLine;
  oracle_.RecordWrite(at, Bytes(4 * kLine, 0xcd), dev_, 5);
  auto seen = Bytes(4 * kLine, 0);
  EXPECT_EQ(oracle_.Check(at, seen, cpu_), 4 * kLine);
  auto events = log_.OfKind(EventKind::kCorruption);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].phys, at);
  EXPECT_EQ(events[0].size, 4 * kLine);
  EXPECT_EQ(events[0].expected.size(), 64u);  // at most 64 bytes are shown
  EXPECT_EQ(events[0].observed.size(), 64u);
}

TEST_F(OracleTest, DifferentLastWritersAreSeparateReports) {
  oracle_.RecordWrite(kBase, Bytes(kLine, 1), dev_, 1);
  oracle_.RecordWrite(kBase + kLine, Bytes(kLine, 2), cpu_, 2);
  EXPECT_EQ(oracle_.Check(kBase, Bytes(2 * kLine, 0), cpu_), 2 * kLine);
  auto events = log_.OfKind(EventKind::kCorruption);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].writer, dev_);
  EXPECT_EQ(events[0].phys, kBase);
  EXPECT_EQ(events[1].writer, cpu_);
  EXPECT_EQ(events[1].writer_seq, 2u);
  EXPECT_EQ(events[1].phys, kBase + kLine);
}

TEST_F(OracleTest, SeparatedDifferingLinesAreSeparateReports) {
  oracle_.RecordWrite(kBase, Bytes(3 * kLine, 7), dev_, 1);
  auto seen = Bytes(3 * kLine, 7);
  seen[0] = 0;
  seen[2 * kLine + 5] = 0;
  EXPECT_EQ(oracle_.Check(kBase, seen, cpu_), 2u);
  auto events = log_.OfKind(EventKind::kCorruption);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].phys, kBase);
  EXPECT_EQ(events[1].phys, kBase + 2 * kLine + 5);
}

TEST_F(OracleTest, ShownBytesStopAtTheCheckedRange) {
  oracle_.RecordWrite(kBase, Bytes(kLine, 3), dev_, 1);
  auto seen = Bytes(20, 0);
  EXPECT_EQ(oracle_.Check(kBase + 4, seen, cpu_), 20u);
  auto events = log_.OfKind(EventKind::kCorruption);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].expected.size(), 20u);
}

TEST_F(OracleTest, DisabledOracleNeitherRecordsNorReports) {
  oracle_.set_enabled(false);
  oracle_.RecordWrite(kBase, Bytes(kLine, 9), dev_, 1);
  EXPECT_EQ(oracle_.Check(kBase, Bytes(kLine, 0), cpu_), 0u);
  oracle_.set_enabled(true);
  EXPECT_EQ(oracle_.Check(kBase, Bytes(kLine, 0), cpu_), 0u);  // the write was not recorded
  EXPECT_EQ(log_.events().size(), 0u);
}

TEST_F(OracleTest, WithoutBusDifferencesAreOnlyCounted) {
  Oracle quiet(layout_, kLine, nullptr);
  quiet.RecordWrite(kBase, Bytes(kLine, 9), dev_, 1);
  EXPECT_EQ(quiet.Check(kBase, Bytes(kLine, 0), cpu_), kLine);
  EXPECT_EQ(quiet.corruption_events(), 1u);
  EXPECT_EQ(log_.events().size(), 0u);
}

TEST_F(OracleTest, ReadIdealReturnsTheLastLogicalWrite) {
  oracle_.RecordWrite(kBase + 3, Bytes(4, 0xee), dev_, 1);
  oracle_.RecordWrite(kBase + 5, Bytes(1, 0x44), cpu_, 2);
  std::vector<uint8_t> out(6);
  ASSERT_TRUE(oracle_.ReadIdeal(kBase + 2, out).ok());
  EXPECT_THAT(out, ElementsAreArray({0x00, 0xee, 0xee, 0x44, 0xee, 0x00}));
  EXPECT_EQ(oracle_.LastWriter(kBase + 5), (Oracle::LineWriter{cpu_, 2}));
}

TEST_F(OracleTest, ReadIdealOutsideRamIsOutOfRange) {
  std::vector<uint8_t> out(16);
  auto status = oracle_.ReadIdeal(kBase - 8, out);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kOutOfRange);
}

}  // namespace
}  // namespace dmakit
