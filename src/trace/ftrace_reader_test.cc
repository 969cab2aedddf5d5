#include "dmakit/trace/ftrace_reader.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace dmakit {
namespace {

std::string TestData(const std::string& name) {
  std::ifstream in(std::string(DMAKIT_TRACE_TESTDATA) + "/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TraceReadOptions Named(const std::string& file, bool strict = false) {
  TraceReadOptions o;
  o.file_name = file;
  o.strict = strict;
  return o;
}

struct Read {
  std::vector<Event> events;
  TraceReadSummary summary;
};

Read ReadFile(const std::string& name) {
  EventLog log;
  Result<TraceReadSummary> s = ReadFtrace(TestData(name), log, Named(name));
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return Read{log.events(), s.ok() ? *s : TraceReadSummary{}};
}

SgSegment Seg(uint64_t phys, uint64_t len, uint64_t dma, uint64_t dma_len) {
  return SgSegment{PhysAddr(phys), len, DmaAddr(dma), dma_len};
}

TEST(FtraceReader, TracefsDmaEventsDecodeEveryField) {
  const Read r = ReadFile("tracefs_dma.txt");
  EXPECT_EQ(r.summary.malformed, 0u);
  EXPECT_EQ(r.summary.unknown, 0u);
  ASSERT_EQ(r.events.size(), 18u);

  const Event& map = r.events[0];
  EXPECT_EQ(map.kind, EventKind::kDmaMap);
  EXPECT_EQ(map.seq, 1u);
  EXPECT_EQ(map.device.view(), "0000:01:00.0");
  EXPECT_EQ(map.api, MapApi::kPage);
  EXPECT_EQ(map.dir, DmaDirection::kToDevice);
  EXPECT_EQ(map.dma, DmaAddr(0xfff00000));
  EXPECT_EQ(map.size, 4096u);
  EXPECT_EQ(map.phys, PhysAddr(0x81234000));
  EXPECT_EQ(map.attrs, DmaAttrs::kSkipCpuSync | DmaAttrs::kWeakOrdering);
  EXPECT_FALSE(map.failed);
  EXPECT_EQ(map.where, SourceLoc::Interned("tracefs_dma.txt", 13));

  EXPECT_EQ(r.events[1].kind, EventKind::kDmaSyncForDevice);
  EXPECT_EQ(r.events[1].api, MapApi::kPage);
  EXPECT_EQ(r.events[2].kind, EventKind::kDmaSyncForCpu);
  EXPECT_EQ(r.events[2].dma, DmaAddr(0xfff00100));
  EXPECT_EQ(r.events[2].size, 64u);
  EXPECT_EQ(r.events[3].kind, EventKind::kDmaUnmap);
  EXPECT_EQ(r.events[3].attrs, DmaAttrs());

  EXPECT_EQ(r.events[4].api, MapApi::kResource);  // dma_map_phys with MMIO
  EXPECT_EQ(r.events[4].dir, DmaDirection::kBidirectional);

  const Event& sg = r.events[5];
  EXPECT_EQ(sg.kind, EventKind::kDmaMap);
  EXPECT_EQ(sg.api, MapApi::kSg);
  EXPECT_EQ(sg.nents, 3u);
  EXPECT_EQ(sg.mapped_nents, 2u);
  EXPECT_EQ(sg.size, 0x3000u);
  EXPECT_EQ(sg.dma, DmaAddr(0xfff10000));
  EXPECT_EQ(sg.phys, PhysAddr(0x82000000));
  const std::vector<SgSegment> want_sg = {Seg(0x82000000, 0, 0xfff10000, 0x2000),
                                          Seg(0x82001000, 0, 0xfff20000, 0x1000),
                                          Seg(0x83000000, 0, 0, 0)};
  EXPECT_EQ(sg.sg, want_sg);

  EXPECT_EQ(r.events[6].kind, EventKind::kDmaSyncForCpu);
  EXPECT_EQ(r.events[6].nents, 2u);
  EXPECT_EQ(r.events[6].size, 0x3000u);
  EXPECT_EQ(r.events[7].kind, EventKind::kDmaSyncForDevice);
  EXPECT_EQ(r.events[7].sg, std::vector<SgSegment>{Seg(0, 0, 0xfff10000, 0x2000)});
  EXPECT_EQ(r.events[8].kind, EventKind::kDmaUnmap);
  EXPECT_EQ(r.events[8].api, MapApi::kSg);
  EXPECT_EQ(r.events[8].nents, 3u);
  // dma_unmap_sg traces only the pages: the rest comes from the map of those pages.
  EXPECT_EQ(r.events[8].mapped_nents, 2u);
  EXPECT_EQ(r.events[8].dma, DmaAddr(0xfff10000));
  EXPECT_EQ(r.events[8].size, 0x3000u);
  EXPECT_EQ(r.events[8].sg, want_sg);

  const Event& err = r.events[9];
  EXPECT_TRUE(err.failed);
  EXPECT_EQ(err.api, MapApi::kSg);
  EXPECT_EQ(err.nents, 2u);
  EXPECT_EQ(err.phys, PhysAddr(0x84000000));
  EXPECT_EQ(err.text.view(), "err=-12");
  EXPECT_EQ(err.attrs.bits(), 1u << 8);  // NO_WARN keeps its Linux bit

  const Event& alloc = r.events[10];
  EXPECT_EQ(alloc.kind, EventKind::kDmaAlloc);
  EXPECT_EQ(alloc.api, MapApi::kCoherent);
  EXPECT_EQ(alloc.dma, DmaAddr(0xffe00000));
  EXPECT_EQ(alloc.cpu, CpuAddr(0xa1b2c3d4));
  EXPECT_EQ(alloc.size, 8192u);
  EXPECT_EQ(alloc.attrs, DmaAttrs(DmaAttrs::kWriteCombine));
  EXPECT_FALSE(alloc.failed);
  EXPECT_EQ(r.events[11].api, MapApi::kPages);
  EXPECT_EQ(r.events[11].dir, DmaDirection::kFromDevice);
  EXPECT_EQ(r.events[12].api, MapApi::kNoncoherent);
  EXPECT_EQ(r.events[12].nents, 2u);
  EXPECT_EQ(r.events[12].dma, DmaAddr(0xffc00000));
  EXPECT_EQ(r.events[12].sg[1].phys, PhysAddr(0x86000000));
  EXPECT_EQ(r.events[13].kind, EventKind::kDmaFree);
  EXPECT_EQ(r.events[13].api, MapApi::kNoncoherent);
  EXPECT_EQ(r.events[14].api, MapApi::kPages);
  EXPECT_EQ(r.events[15].api, MapApi::kCoherent);
  EXPECT_EQ(r.events[15].cpu, CpuAddr(0xa1b2c3d4));
  EXPECT_TRUE(r.events[16].failed);  // NULL virt_addr: the allocation failed
  EXPECT_EQ(r.events[17].api, MapApi::kResource);
  EXPECT_EQ(r.events[17].seq, 18u);
}

TEST(FtraceReader, TraceCmdPrefixAndOlderFormatsDecode) {
  const Read r = ReadFile("trace_cmd_dma.txt");
  EXPECT_EQ(r.summary.malformed, 0u)
      << (r.summary.problems.empty() ? "" : r.summary.problems[0].message);
  EXPECT_EQ(r.summary.lost, 17u);
  EXPECT_EQ(r.summary.ToString(),
            "12 lines, 7 events, 1 unknown (sched_switch: 1), 0 malformed, 17 lost by the kernel "
            "in 1 gap");
  // Line 11's gap is CPU 2's: its lost events came after CPU 2's newest event (#7, line 10).
  ASSERT_EQ(r.summary.losses.size(), 1u);
  EXPECT_EQ(r.summary.losses[0],
            (EventLoss{.since_seq = 7, .after_seq = 7, .count = 17, .line = 11}));
  EXPECT_EQ(r.summary.unknown, 1u);
  EXPECT_EQ(r.summary.unknown_by_name.at("sched_switch"), 1u);
  ASSERT_EQ(r.events.size(), 7u);
  EXPECT_EQ(r.events[0].api, MapApi::kPage);
  EXPECT_EQ(r.events[0].device.view(), "0000:00:1f.6");
  EXPECT_EQ(r.events[0].dma, DmaAddr(0xffffe000));
  EXPECT_EQ(r.events[0].size, 1536u);
  EXPECT_EQ(r.events[0].phys, PhysAddr(0x10a3c000));
  EXPECT_EQ(r.events[0].where.line, 4u);
  EXPECT_EQ(r.events[1].api, MapApi::kResource);
  EXPECT_EQ(r.events[2].kind, EventKind::kDmaUnmap);
  EXPECT_TRUE(r.events[2].attrs.skip_cpu_sync());
  EXPECT_EQ(r.events[3].api, MapApi::kResource);
  // 6.12's dma_map_sg has no nents=/ents= counts: the array lengths stand in.
  const Event& sg = r.events[4];
  EXPECT_EQ(sg.nents, 2u);
  EXPECT_EQ(sg.mapped_nents, 2u);
  EXPECT_EQ(sg.sg, (std::vector<SgSegment>{Seg(0x90000000, 0x1000, 0x100000, 0x1000),
                                           Seg(0x90004000, 0x1000, 0x101000, 0x1000)}));
  // Older dma_alloc/dma_free lack dir=: coherent memory is bidirectional.
  EXPECT_EQ(r.events[5].dir, DmaDirection::kBidirectional);
  EXPECT_EQ(r.events[5].cpu, CpuAddr(0xffff000012340000));
  EXPECT_EQ(r.events[6].kind, EventKind::kDmaFree);
}

// A tracefs-style line of CPU `cpu` mapping one page, for hand-built traces.
std::string MapLine(int cpu, uint64_t dma) {
  return fmt::format(
      "  t-1 [{:03}] ..... 10.{:06}: dma_map_page: dev dir=TO_DEVICE dma_addr={:x} size=4096 "
      "phys_addr=81000000 attrs=\n",
      cpu, dma & 0xffff, dma);
}

Read ReadText(const std::string& text) {
  EventLog log;
  Result<TraceReadSummary> s = ReadFtrace(text, log, Named("gaps.txt"));
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return Read{log.events(), s.ok() ? *s : TraceReadSummary{}};
}

TEST(FtraceReader, LostEventsGapLiesAfterTheSameCpusPreviousEvent) {
  const std::string text = MapLine(0, 0x1000) + MapLine(1, 0x2000) + MapLine(0, 0x3000) +
                           "CPU:1 [LOST 5 EVENTS]\n" + MapLine(1, 0x4000) +
                           "CPU:7 [LOST 2 EVENTS]\n" + MapLine(7, 0x5000);
  const Read r = ReadText(text);
  EXPECT_EQ(r.summary.malformed, 0u);
  ASSERT_EQ(r.events.size(), 5u);
  EXPECT_EQ(r.summary.lost, 7u);
  ASSERT_EQ(r.summary.losses.size(), 2u);
  // CPU 1's events #2 and #4: its 5 lost events lie between them, maybe before #3 (CPU 0's).
  EXPECT_EQ(r.summary.losses[0],
            (EventLoss{.since_seq = 2, .after_seq = 3, .count = 5, .line = 4}));
  // CPU 7 had no event before its gap: the lost ones may precede every event.
  EXPECT_EQ(r.summary.losses[1],
            (EventLoss{.since_seq = 0, .after_seq = 4, .count = 2, .line = 6}));
  EXPECT_EQ(r.summary.ToString(),
            "7 lines, 5 events, 0 unknown, 0 malformed, 7 lost by the kernel in 2 gaps");
}

TEST(FtraceReader, TraceCmdDroppedEventsAreGapsOfKnownOrUnknownSize) {
  const std::string text = MapLine(0, 0x1000) + "CPU:0 [3 EVENTS DROPPED]\n" + MapLine(0, 0x2000) +
                           "CPU:0 [EVENTS DROPPED]\n" + MapLine(0, 0x3000);
  const Read r = ReadText(text);
  EXPECT_EQ(r.summary.malformed, 0u);
  ASSERT_EQ(r.summary.losses.size(), 2u);
  EXPECT_EQ(r.summary.losses[0],
            (EventLoss{.since_seq = 1, .after_seq = 1, .count = 3, .line = 2}));
  EXPECT_EQ(r.summary.losses[1],
            (EventLoss{.since_seq = 2, .after_seq = 2, .count = 0, .line = 4}));
  EXPECT_EQ(r.summary.lost, 3u);
  EXPECT_EQ(r.summary.ToString(),
            "5 lines, 3 events, 0 unknown, 0 malformed, at least 3 lost by the kernel in 2 gaps");
}

TEST(FtraceReader, AdjacentGapsMergeIntoOne) {
  const std::string text = MapLine(0, 0x1000) + MapLine(1, 0x2000) +
                           "CPU:1 [LOST 4 EVENTS]\nCPU:0 [LOST 6 EVENTS]\n" + MapLine(0, 0x3000) +
                           "CPU:0 [LOST 1 EVENTS]\nCPU:0 [EVENTS DROPPED]\n";
  const Read r = ReadText(text);
  ASSERT_EQ(r.summary.losses.size(), 2u);
  // The widest window of the two; sizes add up.
  EXPECT_EQ(r.summary.losses[0],
            (EventLoss{.since_seq = 1, .after_seq = 2, .count = 10, .line = 3}));
  // One of unknown size makes the merged size unknown.
  EXPECT_EQ(r.summary.losses[1],
            (EventLoss{.since_seq = 3, .after_seq = 3, .count = 0, .line = 6}));
}

TEST(FtraceReader, OverwrittenTracefsBufferIsAGapBeforeEveryEvent) {
  const std::string full =
      "# tracer: nop\n#\n# entries-in-buffer/entries-written: 2/2   #P:8\n" + MapLine(0, 1);
  EXPECT_TRUE(ReadText(full).summary.losses.empty());
  const std::string overwritten =
      "# tracer: nop\n#\n# entries-in-buffer/entries-written: 2/250   #P:8\n" + MapLine(0, 1);
  const Read r = ReadText(overwritten);
  EXPECT_EQ(r.summary.malformed, 0u);
  ASSERT_EQ(r.summary.losses.size(), 1u);
  EXPECT_EQ(r.summary.losses[0],
            (EventLoss{.since_seq = 0, .after_seq = 0, .count = 248, .line = 3}));
  EXPECT_EQ(r.summary.lost, 248u);
}

TEST(FtraceReader, GarbledGapLinesAreMalformedNotGaps) {
  for (const char* bad : {"CPU:x [LOST 5 EVENTS]", "CPU:1 [LOST five EVENTS]",
                          "CPU:1 [LOST 5 EVENT]", "CPU:1 [5 EVENTS LOST]"}) {
    const Read r = ReadText(MapLine(0, 1) + bad + "\n");
    EXPECT_TRUE(r.summary.losses.empty()) << bad;
    EXPECT_EQ(r.summary.malformed, 1u) << bad;
  }
}

TEST(FtraceReader, IommuEventsDecodeOldAndNewFormats) {
  const Read r = ReadFile("iommu.txt");
  EXPECT_EQ(r.summary.malformed, 0u);
  ASSERT_EQ(r.events.size(), 10u);
  EXPECT_EQ(r.events[0].kind, EventKind::kNote);
  EXPECT_EQ(r.events[0].device.view(), "ff100000.gpu");
  EXPECT_EQ(r.events[0].text.view(), "add_device_to_group group=7");
  EXPECT_EQ(r.events[1].kind, EventKind::kIommuAttach);
  EXPECT_EQ(r.events[1].device.view(), "ff100000.gpu");
  for (int i : {2, 3}) {
    EXPECT_EQ(r.events[i].kind, EventKind::kIommuMap);
  }
  EXPECT_EQ(r.events[2].dma, DmaAddr(0x1000000));
  EXPECT_EQ(r.events[2].phys, PhysAddr(0x90000000));
  EXPECT_EQ(r.events[2].size, 8192u);
  EXPECT_EQ(r.events[3].dma, DmaAddr(0x2000000));
  EXPECT_EQ(r.events[3].size, 4096u);
  EXPECT_EQ(r.events[4].kind, EventKind::kIommuUnmap);
  EXPECT_FALSE(r.events[4].failed);
  EXPECT_EQ(r.events[5].dma, DmaAddr(0x3000000));
  EXPECT_TRUE(r.events[5].failed);  // unmapped_size=0: unmap of nothing
  EXPECT_EQ(r.events[6].kind, EventKind::kIommuFault);
  EXPECT_EQ(r.events[6].device.view(), "ff100000.gpu");
  EXPECT_EQ(r.events[6].dma, DmaAddr(0x1000040));
  EXPECT_EQ(r.events[6].access, Access::kWrite);
  EXPECT_EQ(r.events[6].text.view(), "driver=arm-smmu flags=0x1");
  EXPECT_EQ(r.events[7].access, Access::kRead);
  EXPECT_EQ(r.events[7].device.view(), "ff100000.gpu");
  EXPECT_EQ(r.events[8].kind, EventKind::kIommuDetach);
  EXPECT_EQ(r.events[9].text.view(), "remove_device_from_group group=7");
}

TEST(FtraceReader, SeedStoryTraceKeepsTheOrderOfCalls) {
  const Read r = ReadFile("seed_sync_without_map.txt");
  ASSERT_EQ(r.events.size(), 5u);
  EXPECT_EQ(r.events[0].kind, EventKind::kDmaMap);
  EXPECT_EQ(r.events[0].sg.size(), 2u);
  EXPECT_EQ(r.events[1].kind, EventKind::kDmaUnmap);
  EXPECT_EQ(r.events[1].dma, DmaAddr(0xfffff000));
  EXPECT_EQ(r.events[1].size, 0x2000u);
  EXPECT_EQ(r.events[2].kind, EventKind::kDmaSyncForDevice);
  EXPECT_EQ(r.events[2].dma, DmaAddr(0x90000000));
  EXPECT_EQ(r.events[3].kind, EventKind::kIommuMap);
  EXPECT_EQ(r.events[4].dir, DmaDirection::kFromDevice);
}

// The unmap takes the newest untaken map of the same device and pages; another device's map
// of the same pages, or pages never mapped, give it nothing (dma 0, size 0).
TEST(FtraceReader, UnmapSgTakesTheDmaSideOfTheMapOfTheSamePages) {
  const std::string text =
      "a-1 [000] 1.0: dma_map_sg: gpu dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0x1000} "
      "sizes={0x1000} phys_addrs={0x80000000} attrs=\n"
      "a-1 [000] 1.1: dma_map_sg: gpu dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0x5000} "
      "sizes={0x1000} phys_addrs={0x80000000} attrs=\n"
      "a-1 [000] 1.2: dma_map_sg: npu dir=TO_DEVICE nents=1/1 ents=1/1 dma_addrs={0x9000} "
      "sizes={0x1000} phys_addrs={0x81000000} attrs=\n"
      "a-1 [000] 1.3: dma_unmap_sg: gpu dir=TO_DEVICE phys_addrs={0x80000000} attrs=\n"
      "a-1 [000] 1.4: dma_unmap_sg: gpu dir=TO_DEVICE phys_addrs={0x80000000} attrs=\n"
      "a-1 [000] 1.5: dma_unmap_sg: gpu dir=TO_DEVICE phys_addrs={0x80000000} attrs=\n"
      "a-1 [000] 1.6: dma_unmap_sg: gpu dir=TO_DEVICE phys_addrs={0x81000000} attrs=\n";
  EventLog log;
  ASSERT_TRUE(ReadFtrace(text, log, Named("t.txt")).ok());
  const std::vector<Event> unmaps = log.OfKind(EventKind::kDmaUnmap);
  ASSERT_EQ(unmaps.size(), 4u);
  EXPECT_EQ(unmaps[0].dma, DmaAddr(0x5000));  // newest first
  EXPECT_EQ(unmaps[0].size, 0x1000u);
  EXPECT_EQ(unmaps[0].mapped_nents, 1u);
  EXPECT_EQ(unmaps[1].dma, DmaAddr(0x1000));
  EXPECT_EQ(unmaps[2].dma, DmaAddr(0));  // both taken
  EXPECT_EQ(unmaps[2].size, 0u);
  EXPECT_EQ(unmaps[3].dma, DmaAddr(0));  // npu's pages, not gpu's
  EXPECT_EQ(unmaps[3].sg, std::vector<SgSegment>{Seg(0x81000000, 0, 0, 0)});
}

// Only the newest 4096 live sg maps are remembered: the oldest of 4097 is forgotten.
TEST(FtraceReader, UnmapSgRemembersTheNewest4096Maps) {
  std::string text;
  auto line = [&text](const char* event, uint64_t page, bool map) {
    text += "a-1 [000] 1.0: " + std::string(event) + ": gpu dir=TO_DEVICE ";
    const std::string hex = fmt::format("{:x}", page << 12);
    if (map) text += "nents=1/1 ents=1/1 dma_addrs={0x" + hex + "} sizes={0x1000} ";
    text += "phys_addrs={0x" + hex + "} attrs=\n";
  };
  for (uint64_t page = 1; page <= 4097; ++page) line("dma_map_sg", page, true);
  line("dma_unmap_sg", 1, false);
  line("dma_unmap_sg", 2, false);
  line("dma_unmap_sg", 4097, false);
  EventLog log;
  ASSERT_TRUE(ReadFtrace(text, log, Named("t.txt")).ok());
  const std::vector<Event> unmaps = log.OfKind(EventKind::kDmaUnmap);
  ASSERT_EQ(unmaps.size(), 3u);
  EXPECT_EQ(unmaps[0].dma, DmaAddr(0));
  EXPECT_EQ(unmaps[1].dma, DmaAddr(0x2000));
  EXPECT_EQ(unmaps[2].dma, DmaAddr(0x1001000));
}

TEST(FtraceReader, MalformedLinesAreReportedWithLineNumberAndReason) {
  const Read r = ReadFile("malformed.txt");
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].where.line, 2u);
  EXPECT_EQ(r.events[1].where.line, 14u);
  EXPECT_EQ(r.summary.lines, 14u);
  EXPECT_EQ(r.summary.unknown, 1u);
  EXPECT_EQ(r.summary.malformed, 10u);
  const std::vector<TraceProblem> want = {
      {3, "malformed.txt:3: no [cpu] field"},
      {4, "malformed.txt:4: no [cpu] field"},
      {5, "malformed.txt:5: no timestamp after the [cpu] field"},
      {6, "malformed.txt:6: dma_map_phys: unknown direction 'SIDEWAYS'"},
      {7, "malformed.txt:7: dma_map_phys: bad hex in 'dma_addr': 'xyz'"},
      {8, "malformed.txt:8: dma_map_phys: missing field 'size'"},
      {9,
       "malformed.txt:9: dma_map_sg: bad array in 'dma_addrs' (want {0x..,..}, at most 4096 "
       "entries)"},
      {10, "malformed.txt:10: dma_sync_sg_for_cpu: sizes has 1 entries, dma_addrs 2"},
      {11, "malformed.txt:11: dma_unmap_phys: bad attrs 'skip-cpu-sync'"},
      {12, "malformed.txt:12: map: fields do not start with 'IOMMU:'"},
  };
  EXPECT_EQ(r.summary.problems, want);
  EXPECT_EQ(r.summary.unknown_by_name.at("net_dev_xmit"), 1u);
  EXPECT_EQ(r.summary.ToString(), "14 lines, 2 events, 1 unknown (net_dev_xmit: 1), 10 malformed");
}

TEST(FtraceReader, StrictModeStopsAtTheFirstMalformedLine) {
  EventLog log;
  Result<TraceReadSummary> s = ReadFtrace(TestData("malformed.txt"), log, Named("m.txt", true));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kParse);
  EXPECT_EQ(s.error().message(), "m.txt:3: no [cpu] field");
  EXPECT_EQ(log.events().size(), 1u);
}

TEST(FtraceReader, StrictModeStopsAtTheFirstUnknownEvent) {
  EventLog log;
  Result<TraceReadSummary> s = ReadFtrace(TestData("trace_cmd_dma.txt"), log, Named("t.txt", true));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message(), "t.txt:12: unknown event 'sched_switch'");
  EXPECT_EQ(log.events().size(), 7u);
}

TEST(FtraceReader, StreamAndMemoryReadsAgree) {
  const std::string text = TestData("tracefs_dma.txt");
  EventLog from_text, from_stream;
  ASSERT_TRUE(ReadFtrace(text, from_text, Named("x")).ok());
  std::istringstream in(text);
  ASSERT_TRUE(ReadFtrace(in, from_stream, Named("x")).ok());
  EXPECT_EQ(from_text.events(), from_stream.events());
}

TEST(FtraceReader, LimitsBoundLinesAndArrays) {
  TraceReadOptions o = Named("l.txt");
  o.max_array_length = 2;
  o.max_line_length = 300;
  const std::string line =
      "a-1 [000] 1.0: dma_sync_sg_for_cpu: d dir=TO_DEVICE dma_addrs={0x1,0x2,0x3} "
      "sizes={0x1,0x1,0x1}\n" +
      std::string(400, 'x') + "\n";
  EventLog log;
  Result<TraceReadSummary> s = ReadFtrace(line, log, o);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->malformed, 2u);
  EXPECT_EQ(s->problems[1].message, "l.txt:2: line longer than 300 bytes");
}

TEST(FtraceReader, MappingErrorCookieMarksTheMapFailed) {
  EventLog log;
  ASSERT_TRUE(ReadFtrace("t-1 [0] 1.5: dma_map_phys: d dir=TO_DEVICE dma_addr=ffffffffffffffff "
                         "size=64 phys_addr=1000 attrs=\n",
                         log)
                  .ok());
  ASSERT_EQ(log.events().size(), 1u);
  EXPECT_TRUE(log.events()[0].failed);
  EXPECT_EQ(log.events()[0].where.file, std::string("<stream>"));
}

// Reads `lines` (each a full ftrace line, without "\n") named "e.txt"; the run must succeed.
Read ReadLines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& l : lines) text += l + "\n";
  EventLog log;
  Result<TraceReadSummary> s = ReadFtrace(text, log, Named("e.txt"));
  EXPECT_TRUE(s.ok());
  return Read{log.events(), s.ok() ? *s : TraceReadSummary{}};
}

std::vector<std::string> Messages(const TraceReadSummary& s) {
  std::vector<std::string> out;
  for (const TraceProblem& p : s.problems) out.push_back(p.message);
  return out;
}

constexpr const char* kPrefix = "t-1 [000] 1.5: ";

std::string MapPhys(const std::string& dma_addr, const std::string& size) {
  return std::string(kPrefix) + "dma_map_phys: d dir=TO_DEVICE dma_addr=" + dma_addr +
         " size=" + size + " phys_addr=1000 attrs=";
}

// 2^64-1 is the largest value in either base; one more, or a 17th significant hex digit, is
// malformed rather than wrapped. Leading zeros do not count towards the 16 hex digits.
TEST(FtraceReader, NumbersBeyond64BitsAreMalformedNotWrapped) {
  const Read r = ReadLines({
      MapPhys("ffffffffffffffff", "18446744073709551615"),
      MapPhys("0x00000000000000000000000000001000", "0x10"),
      MapPhys("1ffffffffffffffff", "64"),
      MapPhys("1000", "18446744073709551616"),
      MapPhys("1000", "99999999999999999999999"),
      MapPhys("1000", "0x10000000000000000"),
  });
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].dma, DmaAddr(~uint64_t{0}));
  EXPECT_EQ(r.events[0].size, ~uint64_t{0});
  EXPECT_EQ(r.events[1].dma, DmaAddr(0x1000));
  EXPECT_EQ(r.events[1].size, 16u);
  EXPECT_EQ(Messages(r.summary),
            (std::vector<std::string>{
                "e.txt:3: dma_map_phys: bad hex in 'dma_addr': '1ffffffffffffffff'",
                "e.txt:4: dma_map_phys: bad number in 'size': '18446744073709551616'",
                "e.txt:5: dma_map_phys: bad number in 'size': '99999999999999999999999'",
                "e.txt:6: dma_map_phys: bad number in 'size': '0x10000000000000000'",
            }));
}

// A field cut short (no value, a bare prefix, a sign, an open array, a trailing comma) is
// malformed with the field named; an empty array is an empty list.
TEST(FtraceReader, TruncatedFieldsAreMalformed) {
  const std::string sync = std::string(kPrefix) + "dma_sync_sg_for_cpu: d dir=TO_DEVICE ";
  const Read r = ReadLines({
      MapPhys("", "64"),
      MapPhys("0x", "64"),
      MapPhys("1000", "+64"),
      MapPhys("1000", "-1"),
      sync + "dma_addrs={0x1,0x2 sizes={1,1}",
      sync + "dma_addrs={0x1,} sizes={1}",
      sync + "dma_addrs={} sizes={}",
      std::string(kPrefix) + "dma_map_phys:",
      std::string(kPrefix) + "dma_map_phys: d dir=TO_DEVICE dma_addr",
  });
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].where.line, 7u);
  EXPECT_EQ(r.events[0].nents, 0u);
  EXPECT_TRUE(r.events[0].sg.empty());
  const std::string bad_array = "bad array in 'dma_addrs' (want {0x..,..}, at most 4096 entries)";
  EXPECT_EQ(Messages(r.summary), (std::vector<std::string>{
                                     "e.txt:1: dma_map_phys: bad hex in 'dma_addr': ''",
                                     "e.txt:2: dma_map_phys: bad hex in 'dma_addr': '0x'",
                                     "e.txt:3: dma_map_phys: bad number in 'size': '+64'",
                                     "e.txt:4: dma_map_phys: bad number in 'size': '-1'",
                                     "e.txt:5: dma_sync_sg_for_cpu: " + bad_array,
                                     "e.txt:6: dma_sync_sg_for_cpu: " + bad_array,
                                     "e.txt:8: dma_map_phys: missing device name",
                                     "e.txt:9: dma_map_phys: missing field 'dma_addr'",
                                 }));
}

// Runs of spaces between columns and fields, tabs before the line, before the event name and
// after its colon, trailing spaces and "\r\n" endings change nothing. (Fields and columns are
// separated by spaces only, as the kernel prints them.)
TEST(FtraceReader, OddWhitespaceIsTolerated) {
  const Read r = ReadLines({
      "\t  t-1 [000]   d..1.   1.5: \tdma_map_phys:\t d   dir=TO_DEVICE  dma_addr=0x10 size=8   "
      "phys_addr=20 attrs=\r",
      MapPhys("0x10", "8") + "   ",
  });
  EXPECT_EQ(r.summary.malformed, 0u)
      << (r.summary.problems.empty() ? "" : r.summary.problems[0].message);
  ASSERT_EQ(r.events.size(), 2u);
  for (const Event& e : r.events) {
    EXPECT_EQ(e.device.view(), "d");
    EXPECT_EQ(e.dma, DmaAddr(0x10));
    EXPECT_EQ(e.size, 8u);
    EXPECT_EQ(e.attrs, DmaAttrs());
  }
  EXPECT_EQ(r.events[0].phys, PhysAddr(0x20));
}

// A key given twice counts once, the first time; keys no decoder reads are ignored.
TEST(FtraceReader, FirstOfARepeatedKeyWinsAndUnknownKeysAreIgnored) {
  const Read r = ReadLines({std::string(kPrefix) +
                            "dma_map_phys: d dir=FROM_DEVICE dir=TO_DEVICE dma_addr=0x10 "
                            "size=8 size=9 colour=blue phys_addr=20 attrs=  dma_addr=zz"});
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].dir, DmaDirection::kFromDevice);
  EXPECT_EQ(r.events[0].size, 8u);
  EXPECT_EQ(r.events[0].dma, DmaAddr(0x10));
}

// More than 24 space-separated fields make the line malformed (the tokenizer's bound).
TEST(FtraceReader, TooManyFieldsAreMalformed) {
  std::string many = MapPhys("0x10", "8");
  for (int i = 0; i < 19; ++i) many += " x=1";
  const Read r = ReadLines({many, many.substr(0, many.size() - 4)});
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].where.line, 2u);
  EXPECT_EQ(Messages(r.summary),
            std::vector<std::string>{"e.txt:1: dma_map_phys: more than 24 fields"});
}

// Device names are interned once and compared, not re-hashed: more distinct devices than the
// recent-name cache holds still each keep their own name.
TEST(FtraceReader, ManyDevicesKeepTheirNames) {
  std::vector<std::string> lines;
  for (int i = 0; i < 40; ++i) {
    lines.push_back(std::string(kPrefix) +
                    fmt::format("dma_map_phys: dev{:02}.long-name ", i % 20) +
                    "dir=TO_DEVICE dma_addr=10 size=8 phys_addr=20 attrs=");
  }
  const Read r = ReadLines(lines);
  ASSERT_EQ(r.events.size(), 40u);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(r.events[i].device.view(), fmt::format("dev{:02}.long-name", i % 20));
  }
}

}  // namespace
}  // namespace dmakit
