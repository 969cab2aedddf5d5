#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <sstream>

#include "dmakit/trace/jsonl_reader.h"
#include "dmakit/trace/jsonl_writer.h"

namespace dmakit {
namespace {

TraceReadOptions Options(bool strict, std::string file_name = "") {
  TraceReadOptions o;
  o.strict = strict;
  o.file_name = std::move(file_name);
  return o;
}

std::string RandomText() {
  // Quotes, backslashes, control characters and UTF-8 bytes must survive the escaping.
  return *rc::gen::oneOf(rc::gen::just(std::string()), rc::gen::just(std::string("eth0")),
                         rc::gen::just(std::string("q\"uo\\te\n\t\x01 é")),
                         rc::gen::container<std::string>(rc::gen::inRange<char>(1, 127)));
}

template <typename E>
E RandomEnum(int count) {
  return static_cast<E>(*rc::gen::inRange(0, count));
}

Event RandomEvent() {
  Event e;
  e.kind = RandomEnum<EventKind>(kEventKindCount);
  e.seq = *rc::gen::arbitrary<uint64_t>();
  e.device = Symbol(RandomText());
  e.api = RandomEnum<MapApi>(9);
  e.dir = RandomEnum<DmaDirection>(4);
  e.attrs = DmaAttrs::FromBits(*rc::gen::arbitrary<uint32_t>());
  e.mem_attr = RandomEnum<MemAttr>(3);
  e.access = RandomEnum<Access>(2);
  e.cache_op = RandomEnum<CacheOp>(3);
  e.failed = *rc::gen::arbitrary<bool>();
  e.dma = DmaAddr(*rc::gen::arbitrary<uint64_t>());
  e.phys = PhysAddr(*rc::gen::arbitrary<uint64_t>());
  e.cpu = CpuAddr(*rc::gen::arbitrary<uint64_t>());
  e.size = *rc::gen::arbitrary<uint64_t>();
  e.nents = *rc::gen::arbitrary<uint32_t>();
  e.mapped_nents = *rc::gen::arbitrary<uint32_t>();
  e.domain = *rc::gen::arbitrary<uint64_t>();
  e.prot = *rc::gen::arbitrary<uint32_t>();
  e.coherent = *rc::gen::arbitrary<bool>();
  e.dma_mask = *rc::gen::arbitrary<uint64_t>();
  e.max_seg_size = *rc::gen::arbitrary<uint64_t>();
  e.seg_boundary = *rc::gen::arbitrary<uint64_t>();
  e.line_size = *rc::gen::arbitrary<uint32_t>();
  e.ways = *rc::gen::arbitrary<uint32_t>();
  const int nsg = *rc::gen::inRange(0, 5);
  for (int i = 0; i < nsg; ++i) {
    e.sg.push_back(
        SgSegment{PhysAddr(*rc::gen::arbitrary<uint64_t>()), *rc::gen::arbitrary<uint64_t>(),
                  DmaAddr(*rc::gen::arbitrary<uint64_t>()), *rc::gen::arbitrary<uint64_t>()});
  }
  e.expected = *rc::gen::container<std::vector<uint8_t>>(rc::gen::arbitrary<uint8_t>());
  e.observed = *rc::gen::container<std::vector<uint8_t>>(rc::gen::arbitrary<uint8_t>());
  e.writer = Symbol(RandomText());
  e.writer_seq = *rc::gen::arbitrary<uint64_t>();
  e.text = Symbol(RandomText());
  e.where = SourceLoc::Interned(RandomText(), *rc::gen::arbitrary<uint32_t>(),
                                *rc::gen::arbitrary<uint32_t>(), RandomText());
  return e;
}

Event FullEvent() {
  Event e;
  e.kind = EventKind::kDmaMap;
  e.seq = 42;
  e.device = Symbol("0000:01:00.0");
  e.api = MapApi::kSg;
  e.dir = DmaDirection::kBidirectional;  // the zero enum value, still written
  e.attrs = DmaAttrs::kSkipCpuSync | DmaAttrs::kWeakOrdering;
  e.mem_attr = MemAttr::kWriteCombine;
  e.access = Access::kWrite;
  e.cache_op = CacheOp::kCleanInvalidate;
  e.failed = true;
  e.dma = DmaAddr(0xffff'ffff'ffff'f000);
  e.phys = PhysAddr(0x8000'0000);
  e.cpu = CpuAddr(0xffff'8000'1234'5678);
  e.size = 8192;
  e.nents = 2;
  e.mapped_nents = 1;
  e.domain = 7;
  e.prot = 3;
  e.coherent = true;
  e.dma_mask = 0xffff'ffff;
  e.max_seg_size = 65536;
  e.seg_boundary = 0xffff'ffff;
  e.line_size = 128;
  e.ways = 8;
  e.sg = {{PhysAddr(0x8000'0000), 4096, DmaAddr(0x1000), 8192},
          {PhysAddr(0x9000'0000), 4096, DmaAddr(), 0}};
  e.expected = {0xde, 0xad};
  e.observed = {0xbe, 0xef};
  e.writer = Symbol("gpu");
  e.writer_seq = 41;
  e.text = Symbol("a \"quoted\" note");
  e.where = SourceLoc::Interned("driver.cc", 12, 5, "Submit");
  return e;
}

std::vector<Event> RoundTrip(const std::vector<Event>& events) {
  std::ostringstream out;
  {
    JsonlRecorder recorder(out);
    for (const Event& e : events) recorder.OnEvent(e);
    recorder.OnEnd();
    EXPECT_TRUE(recorder.status().ok());
  }
  EventLog log;
  std::istringstream in(out.str());
  Result<TraceReadSummary> summary = ReadJsonl(in, log, Options(true));
  EXPECT_TRUE(summary.ok()) << summary.error().ToString();
  return log.events();
}

TEST(JsonlTrace, EveryFieldSurvivesTheRoundTrip) {
  const Event e = FullEvent();
  const std::vector<Event> back = RoundTrip({e});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0], e) << ToString(back[0]) << "\n" << ToString(e);
}

TEST(JsonlTrace, DefaultFieldsAreOmitted) {
  Event e;
  e.kind = EventKind::kDeviceRelease;
  e.seq = 3;
  e.device = Symbol("eth0");
  std::string line;
  AppendJsonlEvent(e, &line);
  EXPECT_EQ(line, R"({"seq":3,"kind":"device_release","device":"eth0"})");
}

TEST(JsonlTrace, TheCacheGeometryIsWrittenAndReadBack) {
  Event e;
  e.kind = EventKind::kCpuCache;
  e.seq = 1;
  e.size = 65536;
  e.line_size = 128;
  e.ways = 4;
  e.text = Symbol("lru");
  std::string line;
  AppendJsonlEvent(e, &line);
  EXPECT_EQ(line,
            R"({"seq":1,"kind":"cpu_cache","size":65536,"line_size":128,"ways":4,"text":"lru"})");
  Result<Event> back = ParseJsonlEvent(line);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, e);
}

TEST(JsonlReader, AnOldTraceWithoutTheCacheGeometryStillReads) {
  const std::string text = JsonlHeaderLine() +
                           "\n{\"seq\":1,\"kind\":\"ram_bank\",\"phys\":\"0x80000000\","
                           "\"size\":4096,\"text\":\"dram0\"}\n";
  EventLog log;
  Result<TraceReadSummary> s = ReadJsonl(text, log, Options(true));
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  ASSERT_EQ(log.events().size(), 1u);
  EXPECT_EQ(log.events()[0].kind, EventKind::kRamBank);
  EXPECT_EQ(log.events()[0].line_size, 0u);
  EXPECT_EQ(log.OfKind(EventKind::kCpuCache).size(), 0u);
}

RC_GTEST_PROP(JsonlTrace, RandomEventsRoundTripLosslessly, ()) {
  std::vector<Event> events;
  const int n = *rc::gen::inRange(0, 8);
  for (int i = 0; i < n; ++i) events.push_back(RandomEvent());
  const std::vector<Event> back = RoundTrip(events);
  RC_ASSERT(back.size() == events.size());
  for (size_t i = 0; i < events.size(); ++i) RC_ASSERT(back[i] == events[i]);
}

TEST(JsonlTrace, HeaderCarriesTheFormatVersion) {
  EXPECT_EQ(JsonlHeaderLine(), "{\"dmakit_trace\":1}");
}

struct Bad {
  std::string line;
  std::string reason;
};

TEST(JsonlReader, MalformedLinesAreReportedWithLineNumberAndSkipped) {
  const std::vector<Bad> cases = {
      {R"({"seq":1,"kind":"dma_teleport"})", "unknown kind \"dma_teleport\""},
      {R"({"seq":1})", "missing field 'kind'"},
      {R"({"seq":"1","kind":"note"})", "field 'seq' must be an unsigned integer, got string"},
      {R"({"seq":1,"kind":"dma_map","dma":"0xzz"})", "bad hex in 'dma': \"0xzz\""},
      {R"({"seq":1,"kind":"dma_map","dma":"1000"})", "bad hex in 'dma': \"1000\" (want \"0x...\")"},
      {R"({"seq":1,"kind":"dma_map","dma":4096})", "field 'dma' must be a string, got number"},
      {R"({"seq":1,"kind":"corruption","expected":"abc"})", "bad hex in 'expected': odd number"},
      {R"({"seq":1,"kind":"corruption","observed":"zz"})", "bad hex in 'observed' at digit 0"},
      {R"({"seq":1,"kind":"dma_map","dir":"SIDEWAYS"})", "unknown dir \"SIDEWAYS\""},
      {R"({"seq":1,"kind":"dma_map","nents":4294967296})", "field 'nents' out of range"},
      {R"({"seq":1,"kind":"cpu_cache","line_size":4294967296})", "field 'line_size' out of range"},
      {R"({"seq":1,"kind":"cpu_cache","ways":"4"})", "field 'ways' must be an unsigned integer"},
      {R"({"seq":1,"kind":"dma_map","failed":1})", "field 'failed' must be true or false"},
      {R"({"seq":1,"kind":"dma_map","sg":{}})", "field 'sg' must be an array"},
      {R"({"seq":1,"kind":"dma_map","sg":[1]})", "field 'sg[]' must be an object, got number"},
      {R"({"seq":1,"kind":"note","where":{"line":-1}})", "field 'where.line' must be an unsigned"},
      {R"([1,2])", "an event must be a JSON object, got array"},
      {R"({"seq":1,"kind":)", "invalid JSON: unexpected character at column 17"},
      {R"({"seq":1,"kind":"note"} x)", "invalid JSON: text after the value"},
      {R"({"seq":1,"kind":"note",})", "invalid JSON: expected a key"},
      {R"({"seq":1,"kind":"note","text":"\ud800"})", "invalid JSON: lone high surrogate"},
      {R"({"seq":1,"kind":"note","text":"a\qb"})", "invalid JSON: bad escape"},
      {R"({"seq":1.5,"kind":"note"})", "field 'seq' must be an unsigned integer, got number"},
  };
  for (const Bad& c : cases) {
    const std::string text =
        JsonlHeaderLine() + "\n" + c.line + "\n{\"seq\":2,\"kind\":\"note\",\"text\":\"after\"}\n";
    EventLog log;
    Result<TraceReadSummary> s = ReadJsonl(text, log, Options(false, "t.jsonl"));
    ASSERT_TRUE(s.ok()) << c.line;
    EXPECT_EQ(s->malformed, 1u) << c.line;
    ASSERT_EQ(s->problems.size(), 1u) << c.line;
    EXPECT_EQ(s->problems[0].line, 2u);
    EXPECT_NE(s->problems[0].message.find("t.jsonl:2: " + c.reason), std::string::npos)
        << s->problems[0].message;
    ASSERT_EQ(log.events().size(), 1u) << c.line;  // the line after the bad one still counts
    EXPECT_EQ(log.events()[0].text.view(), "after");
  }
}

TEST(JsonlReader, UnknownKeysAreSkippedWhateverTheirValue) {
  Result<Event> e = ParseJsonlEvent(
      R"({"seq":5,"future":{"a":[1,-2.5e3,true,null,"x\u00e9\ud83d\ude00"]},"kind":"note"})");
  ASSERT_TRUE(e.ok()) << e.error().ToString();
  EXPECT_EQ(e->seq, 5u);
  EXPECT_EQ(e->kind, EventKind::kNote);
}

TEST(JsonlReader, EscapesDecodeToUtf8) {
  Result<Event> e = ParseJsonlEvent(R"({"seq":1,"kind":"note","text":"\u00e9\ud83d\ude00\n"})");
  ASSERT_TRUE(e.ok()) << e.error().ToString();
  EXPECT_EQ(e->text.str(), "\xc3\xa9\xf0\x9f\x98\x80\n");
}

TEST(JsonlReader, DeepNestingIsMalformedNotACrash) {
  const std::string deep =
      R"({"seq":1,"kind":"note","x":)" + std::string(1000, '[') + std::string(1000, ']') + "}";
  Result<Event> e = ParseJsonlEvent(deep);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("nesting too deep"), std::string::npos);
}

TEST(JsonlReader, StrictModeStopsAtTheFirstMalformedLine) {
  const std::string text = JsonlHeaderLine() + "\n{\"seq\":1,\"kind\":\"note\"}\n{oops\n" +
                           "{\"seq\":3,\"kind\":\"note\"}\n";
  EventLog log;
  Result<TraceReadSummary> s = ReadJsonl(text, log, Options(true, "t.jsonl"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kParse);
  EXPECT_NE(s.error().message().find("t.jsonl:3: invalid JSON"), std::string::npos)
      << s.error().message();
  EXPECT_EQ(log.events().size(), 1u);
}

TEST(JsonlReader, MissingHeaderIsReportedButEventsStillRead) {
  EventLog log;
  Result<TraceReadSummary> s = ReadJsonl("{\"seq\":1,\"kind\":\"note\"}\n", log);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->malformed, 1u);
  EXPECT_NE(s->problems[0].message.find("<stream>:1: missing header"), std::string::npos);
  EXPECT_EQ(log.events().size(), 1u);
}

TEST(JsonlReader, NewerFormatVersionIsUnsupported) {
  EventLog log;
  Result<TraceReadSummary> s =
      ReadJsonl("{\"dmakit_trace\":2}\n{\"seq\":1,\"kind\":\"note\"}\n", log);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kUnsupported);
  EXPECT_TRUE(log.events().empty());
}

TEST(JsonlReader, OverlongLineIsMalformed) {
  const std::string text = JsonlHeaderLine() + "\n{\"seq\":1,\"kind\":\"note\",\"text\":\"" +
                           std::string(300, 'x') + "\"}\n{\"seq\":2,\"kind\":\"note\"}\n";
  for (bool stream : {false, true}) {
    EventLog log;
    TraceReadOptions options;
    options.max_line_length = 100;
    std::istringstream in(text);
    Result<TraceReadSummary> s =
        stream ? ReadJsonl(in, log, options) : ReadJsonl(text, log, options);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->malformed, 1u);
    EXPECT_EQ(s->problems[0].line, 2u);
    EXPECT_NE(s->problems[0].message.find("longer than 100 bytes"), std::string::npos);
    ASSERT_EQ(log.events().size(), 1u);
    EXPECT_EQ(log.events()[0].seq, 2u);
    EXPECT_EQ(s->lines, 3u);
  }
}

TEST(JsonlReader, OverlongArrayIsMalformed) {
  EXPECT_FALSE(
      ParseJsonlEvent(R"({"seq":1,"kind":"dma_map","sg":[{"phys":"0x1"},{"phys":"0x2"}]})", 1)
          .ok());
  EXPECT_FALSE(ParseJsonlEvent(R"({"seq":1,"kind":"corruption","expected":"0102"})", 1).ok());
}

}  // namespace
}  // namespace dmakit
