// Live checking and trace checking are the same code (DESIGN.md, "Layers"): a simulated run
// recorded to dmakit's JSONL trace, read back and fed to a fresh Checker, gives exactly the
// live checker's violations (rule, event, message, lines, call sites, history).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <sstream>
#include <string>

#include <fmt/format.h>

#include "check/testing/program_runner.h"
#include "check/testing/random_program.h"
#include "dmakit/trace/jsonl_reader.h"
#include "dmakit/trace/jsonl_writer.h"

namespace dmakit {
namespace {

using testing::Program;

// Every field a report shows, in one comparable string per violation.
std::vector<std::string> Describe(const Checker& c) {
  std::vector<std::string> out;
  for (const Violation& v : c.violations()) {
    std::string s =
        fmt::format("{} #{} {} | {} | mapping #{} {}", RuleCode(v.rule), v.seq, v.device.view(),
                    v.message, v.mapping_seq, v.mapping_where.ToString());
    for (const PhysRange& l : v.lines) s += " " + ToString(l);
    for (const OwnershipTransition& t : v.history) s += " {" + t.ToString() + "}";
    s += " @" + v.where.ToString();
    out.push_back(std::move(s));
  }
  return out;
}

struct Replayed {
  Checker checker;
  TraceReadSummary summary;
};

std::unique_ptr<Replayed> Replay(const std::string& trace) {
  auto r = std::make_unique<Replayed>();
  TraceReadOptions options;
  options.strict = true;
  auto summary = ReadJsonl(trace, r->checker, options);
  EXPECT_TRUE(summary.ok()) << summary.error().ToString();
  if (summary.ok()) r->summary = *summary;
  r->checker.OnEnd();
  return r;
}

// A fixed buggy program with violations of several rules: a CPU write left in the cache
// before the device reads, a device write to a TO_DEVICE mapping, an unchecked map error.
Program Fixed(DmaBackendKind backend) {
  using testing::BufferSpec;
  using testing::Chunk;
  using testing::MapKind;
  using testing::Op;
  using testing::OpKind;
  Program p;
  p.platform.backend = backend;
  p.platform.cache_kib = 2;
  p.buggy = true;
  p.buffers = {
      BufferSpec{MapKind::kSingle, DmaDirection::kToDevice, {Chunk{0, 256}}},
      BufferSpec{MapKind::kSg, DmaDirection::kBidirectional, {Chunk{128, 3968}, Chunk{0, 512}}}};
  auto op = [](OpKind k, uint8_t buf, uint32_t first = 0, uint32_t lines = 1) {
    Op o;
    o.kind = k;
    o.buf = buf;
    o.first_line = first;
    o.lines = lines;
    o.pattern = 0x5a;
    return o;
  };
  Op unchecked = op(OpKind::kMap, 0);
  unchecked.check_error = false;
  p.ops = {unchecked,
           op(OpKind::kCpuWrite, 0, 0, 4),
           op(OpKind::kDevRead, 0, 0, 4),
           op(OpKind::kDevWrite, 0, 1, 1),
           op(OpKind::kMap, 1),
           op(OpKind::kDevWrite, 1, 0, 8),
           op(OpKind::kCpuRead, 1, 0, 8),
           op(OpKind::kUnmap, 0)};
  return p;
}

class LiveVsTrace : public ::testing::TestWithParam<DmaBackendKind> {};

TEST_P(LiveVsTrace, RecordedRunGivesTheLiveViolations) {
  const Program p = Fixed(GetParam());
  std::ostringstream trace;
  JsonlRecorder recorder(trace);
  auto live = testing::RunProgram(p, &recorder);
  ASSERT_TRUE(recorder.status().ok());
  ASSERT_GE(live->checker.total(), 3u) << testing::ToString(p);
  auto offline = Replay(trace.str());
  EXPECT_EQ(offline->summary.events, recorder.events_written());
  EXPECT_EQ(offline->summary.malformed, 0u);
  EXPECT_EQ(Describe(offline->checker), Describe(live->checker));
}

INSTANTIATE_TEST_SUITE_P(Backends, LiveVsTrace,
                         ::testing::Values(DmaBackendKind::kDirect, DmaBackendKind::kIommu,
                                           DmaBackendKind::kBounce));

RC_GTEST_PROP(LiveVsTraceProperty, RandomRunsGiveTheSameViolationsOffline, ()) {
  const Program p = *testing::GenProgram(/*buggy=*/true);
  std::ostringstream trace;
  JsonlRecorder recorder(trace);
  auto live = testing::RunProgram(p, &recorder);
  RC_ASSERT(recorder.status().ok());
  auto offline = Replay(trace.str());
  RC_TAG(live->checker.total() == 0 ? "no violation" : "violations");
  RC_ASSERT(offline->summary.events == recorder.events_written());
  RC_ASSERT(Describe(offline->checker) == Describe(live->checker));
}

}  // namespace
}  // namespace dmakit
