#include "ownership_timeline.h"

#include <gtest/gtest.h>

#include "report_test_util.h"

namespace dmakit::report {
namespace {

using testing::kBufPhys;
using testing::kBufSize;

const TimelineMark* FindMark(const TimelineBuffer& b, MarkKind kind) {
  for (const TimelineMark& m : b.marks) {
    if (m.kind == kind) return &m;
  }
  return nullptr;
}

TEST(OwnershipTimeline, EachMapIsABufferSplitIntoCacheLineRows) {
  const auto t = OwnershipTimeline::Build(testing::FailingRun());
  ASSERT_EQ(t.buffers.size(), 1u);
  const TimelineBuffer& b = t.buffers[0];
  EXPECT_EQ(b.device, Symbol("eth0"));
  EXPECT_EQ(b.size, kBufSize);
  EXPECT_EQ(b.begin_seq, 2u);
  EXPECT_EQ(b.end_seq, 7u);
  ASSERT_EQ(b.rows.size(), kBufSize / kDefaultLineSize);
  EXPECT_EQ(b.rows[1].offset, 64u);
}

// FailingRun on a platform with 128-byte lines: its 256-byte buffer is two rows.
RunRecord Line128Run() {
  RunRecord r = testing::FailingRun();
  Event cache = testing::MakeEvent(EventKind::kCpuCache, 1, "");
  cache.size = 64 * 1024;
  cache.line_size = 128;
  cache.ways = 4;
  r.events[0] = cache;
  r.violations[0].lines = {PhysRange(PhysAddr(testing::kBufPhys), 128)};
  return r;
}

TEST(OwnershipTimeline, RowsFollowTheRunsCpuCacheLineSize) {
  const auto t = OwnershipTimeline::Build(Line128Run());
  ASSERT_EQ(t.buffers.size(), 1u);
  const TimelineBuffer& b = t.buffers[0];
  ASSERT_EQ(b.rows.size(), kBufSize / 128);
  EXPECT_EQ(b.rows[1].offset, 128u);
  EXPECT_EQ(b.rows[1].size, 128u);
  // The CPU read of bytes 64..127 is in the first 128-byte line, as is the violation's line.
  const TimelineMark* cpu = FindMark(b, MarkKind::kCpuAccess);
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(cpu->first_row, 0u);
  EXPECT_EQ(cpu->last_row, 0u);
  const TimelineMark* v = FindMark(b, MarkKind::kViolation);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->first_row, 0u);
  EXPECT_EQ(v->last_row, 0u);
  // The partial sync of bytes 128..255 hands exactly the second line to the CPU.
  EXPECT_EQ(b.rows[0].spans.size(), 1u);
  ASSERT_EQ(b.rows[1].spans.size(), 2u);
  EXPECT_EQ(b.rows[1].spans[1].who.owner, Owner::kCpu);
  EXPECT_EQ(b.rows[1].spans[1].from_seq, 5u);
}

TEST(OwnershipTimeline, CheckersLineSizeWinsOverTheEventsAndOptionsWinOverBoth) {
  RunRecord r = Line128Run();
  r.line_size = 32;
  EXPECT_EQ(OwnershipTimeline::Build(r).buffers[0].rows.size(), kBufSize / 32);
  TimelineOptions o;
  o.line_size = 64;
  EXPECT_EQ(OwnershipTimeline::Build(r, o).buffers[0].rows.size(), kBufSize / 64);
}

TEST(OwnershipTimeline, LineSizeIsTheDefaultWithoutCpuCacheEventOrCheckerValue) {
  EXPECT_EQ(testing::FailingRun().LineSize(), kDefaultLineSize);
  RunRecord bad = Line128Run();
  bad.events[0].line_size = 96;  // not a power of two: ignored, as the checker does
  EXPECT_EQ(bad.LineSize(), kDefaultLineSize);
  EXPECT_EQ(Line128Run().LineSize(), 128u);
}

TEST(OwnershipTimeline, PartialSyncForCpuHandsOnlyTheSyncedRowsToTheCpu) {
  const auto t = OwnershipTimeline::Build(testing::FailingRun());
  const TimelineBuffer& b = t.buffers[0];
  // Rows 0-1: the device from the map to the unmap.
  ASSERT_EQ(b.rows[0].spans.size(), 1u);
  EXPECT_EQ(b.rows[0].spans[0].who.owner, Owner::kDevice);
  EXPECT_EQ(b.rows[0].spans[0].from_seq, 2u);
  EXPECT_EQ(b.rows[0].spans[0].to_seq, 7u);
  // Rows 2-3: the device until the sync at #5, then the CPU.
  ASSERT_EQ(b.rows[3].spans.size(), 2u);
  EXPECT_EQ(b.rows[3].spans[0].to_seq, 5u);
  EXPECT_EQ(b.rows[3].spans[1].who.owner, Owner::kCpu);
  EXPECT_EQ(b.rows[3].spans[1].from_seq, 5u);
  EXPECT_EQ(b.rows[3].spans[1].to_seq, 7u);
}

TEST(OwnershipTimeline, ViolationAndCorruptionAreMarkedOnTheirLines) {
  const auto t = OwnershipTimeline::Build(testing::FailingRun());
  const TimelineBuffer& b = t.buffers[0];
  const TimelineMark* v = FindMark(b, MarkKind::kViolation);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->seq, 3u);
  EXPECT_EQ(v->first_row, 1u);
  EXPECT_EQ(v->last_row, 1u);
  const TimelineMark* c = FindMark(b, MarkKind::kCorruption);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->seq, 6u);
  EXPECT_EQ(c->first_row, 0u);
  EXPECT_EQ(c->last_row, 0u);
  EXPECT_NE(FindMark(b, MarkKind::kCpuAccess), nullptr);
  EXPECT_NE(FindMark(b, MarkKind::kDeviceAccess), nullptr);
}

TEST(OwnershipTimeline, CoherentAllocationIsSharedAndLiveToTheEnd) {
  RunRecord r;
  Event a = testing::MakeEvent(EventKind::kDmaAlloc, 1, "gpu");
  a.api = MapApi::kCoherent;
  a.phys = PhysAddr(kBufPhys);
  a.dma = DmaAddr(0x1000);
  a.size = 4096;
  r.events = {a};
  const auto t = OwnershipTimeline::Build(r);
  ASSERT_EQ(t.buffers.size(), 1u);
  EXPECT_EQ(t.buffers[0].rows.size(), TimelineOptions{}.max_rows);  // 64 lines in 32 rows
  EXPECT_EQ(t.buffers[0].rows[0].size, 128u);
  ASSERT_EQ(t.buffers[0].rows[0].spans.size(), 1u);
  EXPECT_EQ(t.buffers[0].rows[0].spans[0].who.owner, Owner::kShared);
  EXPECT_EQ(t.buffers[0].rows[0].spans[0].to_seq, kTimelineEnd);
}

TEST(OwnershipTimeline, CapsEventsAndBuffersAndCountsThem) {
  RunRecord r;
  for (uint64_t i = 0; i < 10; ++i) {
    Event m = testing::MakeEvent(EventKind::kDmaMap, i + 1, "dev");
    m.phys = PhysAddr(kBufPhys + i * 4096);
    m.dma = DmaAddr(kBufPhys + i * 4096);
    m.size = 64;
    r.events.push_back(m);
  }
  TimelineOptions o;
  o.max_events = 8;
  o.max_buffers = 3;
  const auto t = OwnershipTimeline::Build(r, o);
  EXPECT_EQ(t.events_total, 10u);
  EXPECT_EQ(t.events_used, 8u);
  EXPECT_EQ(t.buffers.size(), 3u);
  EXPECT_EQ(t.buffers_total, 8u);
}

TEST(OwnershipTimeline, FailedMapIsNoBuffer) {
  RunRecord r;
  Event m = testing::MakeEvent(EventKind::kDmaMap, 1, "dev");
  m.failed = true;
  m.size = 64;
  r.events = {m};
  EXPECT_TRUE(OwnershipTimeline::Build(r).buffers.empty());
}

}  // namespace
}  // namespace dmakit::report
