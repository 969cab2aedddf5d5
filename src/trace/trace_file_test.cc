#include "dmakit/trace/trace_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "dmakit/trace/jsonl_writer.h"

namespace dmakit {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("dmakit_trace_" + name)).string();
}

TEST(TraceFile, DetectsJsonlByItsOpeningBrace) {
  EXPECT_EQ(DetectTraceFormat("\n  {\"dmakit_trace\":1}\n"), TraceFormat::kJsonl);
  EXPECT_EQ(DetectTraceFormat("# tracer: nop\n"), TraceFormat::kFtrace);
  EXPECT_EQ(DetectTraceFormat("  bash-1 [000] 1.0: dma_map_phys: d\n"), TraceFormat::kFtrace);
  EXPECT_EQ(DetectTraceFormat(""), TraceFormat::kFtrace);
}

TEST(TraceFile, ReadsAnFtraceFileNamingItInLocations) {
  const std::string path = DMAKIT_TRACE_TESTDATA "/iommu.txt";
  ASSERT_EQ(*DetectTraceFormatOfFile(path), TraceFormat::kFtrace);
  EventLog log;
  Result<TraceReadSummary> s = ReadTraceFile(path, log);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  EXPECT_EQ(s->events, 10u);
  EXPECT_EQ(log.events()[0].where.file, path);
  EXPECT_EQ(log.events()[0].where.line, 2u);
}

TEST(TraceFile, ReadsARecordedJsonlFileBackEqual) {
  const std::string path = TempPath("roundtrip.jsonl");
  Event e;
  e.kind = EventKind::kDmaMap;
  e.seq = 1;
  e.device = Symbol("eth0");
  e.dir = DmaDirection::kToDevice;
  {
    std::ofstream out(path);
    JsonlRecorder recorder(out);
    recorder.OnEvent(e);
    recorder.OnEnd();
  }
  ASSERT_EQ(*DetectTraceFormatOfFile(path), TraceFormat::kJsonl);
  EventLog log;
  Result<TraceReadSummary> s = ReadTraceFile(path, log);
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  ASSERT_EQ(log.events().size(), 1u);
  EXPECT_EQ(log.events()[0], e);
  std::remove(path.c_str());
}

TEST(TraceFile, MissingFileIsAnIoError) {
  EventLog log;
  Result<TraceReadSummary> s = ReadTraceFile(TempPath("does_not_exist"), log);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kIo);
  EXPECT_NE(s.error().message().find("does_not_exist"), std::string::npos);
  EXPECT_EQ(DetectTraceFormatOfFile(TempPath("does_not_exist")).error().code(), ErrorCode::kIo);
}

TEST(TraceFile, JsonlRecordsEveryEventKind) {
  EXPECT_TRUE(UnrecordedEvents(TraceFormat::kJsonl).empty());
}

// What UnrecordedEvents says ftrace lacks, no bundled ftrace trace yields.
TEST(TraceFile, FtraceHasNoMappingErrorEvent) {
  const auto gaps = UnrecordedEvents(TraceFormat::kFtrace);
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].kind, EventKind::kDmaMappingError);
  EXPECT_NE(gaps[0].why.find("dma_mapping_error"), std::string_view::npos);
  for (const auto& entry : std::filesystem::directory_iterator(DMAKIT_TRACE_TESTDATA)) {
    EventLog log;
    (void)ReadTraceFile(entry.path().string(), log);
    for (const UnrecordedEvent& gap : gaps) {
      EXPECT_TRUE(log.OfKind(gap.kind).empty()) << entry.path();
    }
  }
}

}  // namespace
}  // namespace dmakit
