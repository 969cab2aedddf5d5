// The trace round trip on every bundled scenario (examples/*.yaml): the scenario runs live
// with a JSONL recorder, the recorded trace is read back by the trace layer's reader and fed
// to a fresh Checker, and the offline checker must report exactly the live violations: same
// rules, same offending events (seq), same call sites (location), in the same order. This is
// DESIGN.md's "live checking and trace checking are the same code" held to the examples a
// newcomer reads. The offline checker is given nothing but the trace: the cache line size
// comes from the trace's cpu_cache event, as in `dmakit check-trace`.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "dmakit/check/checker.h"
#include "dmakit/scenario/loader.h"
#include "dmakit/scenario/runner.h"
#include "dmakit/trace/jsonl_reader.h"

namespace dmakit::scenario {
namespace {

const char kExamplesDir[] = DMAKIT_SOURCE_DIR "/examples";

std::vector<std::string> BundledScenarios() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(kExamplesDir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// What the round trip must preserve of one violation: rule, offending event, call site, and
// the mapping it concerns.
std::string Key(const Violation& v) {
  return std::string(RuleCode(v.rule)) + " seq=" + std::to_string(v.seq) + " at " +
         v.where.ToString() + " mapping #" + std::to_string(v.mapping_seq) + " " +
         v.mapping_where.ToString();
}

std::vector<std::string> Keys(const std::vector<Violation>& violations) {
  std::vector<std::string> out;
  for (const Violation& v : violations) out.push_back(Key(v));
  return out;
}

std::string Stem(const std::string& path) { return std::filesystem::path(path).stem().string(); }

// Runs `scenario` live with the JSONL recorder, then checks the recorded trace offline with a
// default-constructed Checker, and expects the same violations.
void ExpectOfflineEqualsLive(const Scenario& scenario, const std::string& trace_name) {
  std::ostringstream trace;
  RunOptions options;
  options.trace = &trace;
  RunRecord live = RunScenario(scenario, options);
  ASSERT_FALSE(live.error) << live.error->ToString();
  ASSERT_TRUE(live.warnings.empty()) << live.warnings.front();

  Checker offline;
  TraceReadOptions read_options;
  read_options.strict = true;
  read_options.file_name = trace_name;
  auto summary = ReadJsonl(trace.str(), offline, read_options);
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(summary->malformed, 0u);
  EXPECT_EQ(summary->unknown, 0u);
  EXPECT_EQ(summary->events, live.events.size());
  offline.OnEnd();

  EXPECT_EQ(offline.options().line_size, scenario.soc.cache.line_size);
  EXPECT_EQ(Keys(offline.violations()), Keys(live.violations));
  // The messages and lines too: a report made offline reads like the live one.
  ASSERT_EQ(offline.violations().size(), live.violations.size());
  for (size_t i = 0; i < live.violations.size(); ++i) {
    EXPECT_EQ(offline.violations()[i].message, live.violations[i].message) << "violation " << i;
    EXPECT_EQ(offline.violations()[i].lines, live.violations[i].lines) << "violation " << i;
  }
}

class BundledRoundTrip : public testing::TestWithParam<std::string> {};

TEST_P(BundledRoundTrip, OfflineViolationsEqualLiveOnes) {
  auto scenario = LoadScenarioFile(GetParam());
  ASSERT_TRUE(scenario.ok()) << scenario.error().ToString();
  ExpectOfflineEqualsLive(*scenario, Stem(GetParam()) + ".jsonl");
}

// A report names a call site wherever it names a mapping (no "mapping: ?").
TEST_P(BundledRoundTrip, EveryMappingAReportNamesHasACallSite) {
  auto scenario = LoadScenarioFile(GetParam());
  ASSERT_TRUE(scenario.ok()) << scenario.error().ToString();
  RunRecord live = RunScenario(*scenario, {});
  ASSERT_FALSE(live.error) << live.error->ToString();
  for (const Violation& v : live.violations) {
    if (v.mapping_seq == 0) continue;
    EXPECT_TRUE(v.mapping_where.known()) << RuleCode(v.rule) << " mapping #" << v.mapping_seq;
    EXPECT_EQ(std::string(v.mapping_where.file), scenario->file) << RuleCode(v.rule);
  }
}

// A receive buffer of `size` bytes at a 2 * size boundary of the kmalloc slab and a counter
// right after it, on a platform with `line_size`-byte lines: the CPU writes the counter while
// the NIC owns the buffer, so they share a line (DMA104) exactly when size < line_size.
Scenario SharedLineScenario(uint32_t line_size, uint32_t size) {
  const std::string line = std::to_string(line_size), n = std::to_string(size);
  const std::string text = "name: line-" + line + "\nplatform:\n  cache: {line_size: " + line +
                           "}\n  devices:\n    - {name: nic}\nbuffers:\n  rx: {size: " + n +
                           ", align: " + std::to_string(2 * size) + "}\n  stats: {size: " + n +
                           ", align: " + n +
                           "}\nsteps:\n"
                           "  - map_single: {device: nic, buffer: rx, dir: from_device}\n"
                           "  - cpu_write: {buffer: stats, size: 8, pattern: 0x01}\n"
                           "  - device_write: {mapping: rx, pattern: 0x5a}\n"
                           "  - sync_single_for_cpu: {mapping: rx}\n"
                           "  - unmap_single: {mapping: rx}\n";
  auto scenario = LoadScenarioText(text, "line-" + line + ".yaml");
  EXPECT_TRUE(scenario.ok()) << scenario.error().ToString();
  return scenario.ok() ? *scenario : Scenario{};
}

std::vector<RuleId> LiveRules(const Scenario& scenario) {
  std::vector<RuleId> out;
  for (const Violation& v : RunScenario(scenario, {}).violations) out.push_back(v.rule);
  return out;
}

struct LineCase {
  uint32_t line_size;
  uint32_t size;  // of each buffer
};

class LineSizeRoundTrip : public testing::TestWithParam<LineCase> {};

// The scenario's verdict depends on its line size (checked against the same scenario with
// 64-byte lines), and the offline checker, told nothing, still reaches the live verdict.
TEST_P(LineSizeRoundTrip, OfflineCheckUsesTheRecordedLineSize) {
  const LineCase c = GetParam();
  Scenario scenario = SharedLineScenario(c.line_size, c.size);
  ASSERT_EQ(scenario.soc.cache.line_size, c.line_size);
  Scenario with_64 = scenario;
  with_64.soc.cache.line_size = 64;
  const std::vector<RuleId> live = LiveRules(scenario);
  const bool shared = c.size < c.line_size;
  EXPECT_EQ(std::count(live.begin(), live.end(), RuleId::kCacheLineSharing), shared ? 1 : 0);
  ASSERT_NE(live, LiveRules(with_64)) << "the line size must change this scenario's verdict";
  ExpectOfflineEqualsLive(scenario, "line-" + std::to_string(c.line_size) + ".jsonl");
}

INSTANTIATE_TEST_SUITE_P(LineSizes, LineSizeRoundTrip,
                         testing::Values(LineCase{128, 64}, LineCase{32, 32}),
                         [](const testing::TestParamInfo<LineCase>& param) {
                           return "line_" + std::to_string(param.param.line_size);
                         });

// A bundled directory without scenarios would make the suite above vacuous.
TEST(BundledScenarios, ExamplesDirectoryHoldsScenarios) {
  EXPECT_GE(BundledScenarios().size(), 6u);
}

INSTANTIATE_TEST_SUITE_P(Examples, BundledRoundTrip, testing::ValuesIn(BundledScenarios()),
                         [](const testing::TestParamInfo<std::string>& param) {
                           std::string name = Stem(param.param);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace dmakit::scenario
