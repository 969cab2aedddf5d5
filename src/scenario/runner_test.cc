// Running loaded scenarios: determinism per seed, steps judged against their `error:`,
// expectations reported with their place in the file, and the run options.
#include "dmakit/scenario/runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "dmakit/scenario/loader.h"
#include "dmakit/trace/jsonl_writer.h"

namespace dmakit::scenario {
namespace {

Scenario Load(std::string_view text) {
  auto r = LoadScenarioText(text, "run.yaml");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
  return r.ok() ? std::move(r).value() : Scenario{};
}

const ExpectationResult* Find(const RunRecord& rec, std::string_view what_prefix) {
  for (const ExpectationResult& e : rec.expectations) {
    if (e.what.starts_with(what_prefix)) return &e;
  }
  return nullptr;
}

// The CPU reads a FROM_DEVICE buffer the device owns, twice: two DMA101, stale data.
constexpr std::string_view kReadBeforeSync = R"(name: rbs
platform:
  devices:
    - {name: nic}
buffers:
  rx: {size: 256}
steps:
  - cpu_write: {buffer: rx, pattern: 0x00}
  - map_single: {device: nic, buffer: rx, dir: from_device}
  - cpu_read: {buffer: rx, size: 64}
  - device_write: {mapping: rx, pattern: 0x5a}
  - cpu_read: {buffer: rx, as: frame}
  - unmap_single: {mapping: rx}
expect:
  violations: [DMA101, DMA101]
  corruption: some
  reads:
    - {read: frame, pattern: 0x00}
)";

// Scattered pages, a random eviction policy and unrelated cache pressure: the seed decides
// page placement and which lines are evicted.
constexpr std::string_view kSeeded = R"(seed: 7
platform:
  cache: {size: 4KiB, ways: 2, policy: random}
  devices:
    - {name: nic}
buffers:
  a: {size: 16KiB, placement: pages}
  b: {size: 16KiB, placement: pages}
steps:
  - cpu_write: {buffer: a, pattern: 0x11}
  - cpu_write: {buffer: b, pattern: 0x22}
  - map_single: {device: nic, buffer: a, dir: from_device}
  - cpu_write: {buffer: a, offset: 64, size: 1KiB, pattern: 0x33}
  - cpu_read: {buffer: b}
  - device_write: {mapping: a}
  - unmap_single: {mapping: a}
  - cpu_read: {buffer: a, as: seen}
expect:
  violations_include: []
  corruption: any
)";

std::vector<std::string> Describe(const RunRecord& rec) {
  std::vector<std::string> out;
  for (const Violation& v : rec.violations) out.push_back(v.ToString());
  for (const Event& e : rec.corruptions) out.push_back(std::to_string(e.seq));
  return out;
}

TEST(Runner, SameSeedSameRecord) {
  Scenario s = Load(kSeeded);
  RunRecord a = RunScenario(s);
  RunRecord b = RunScenario(s);
  ASSERT_FALSE(a.error.has_value()) << a.error->message();
  EXPECT_EQ(a.seed, 7u);
  EXPECT_FALSE(a.violations.empty());
  EXPECT_EQ(Describe(a), Describe(b));
  EXPECT_EQ(a.counters, b.counters);
  ASSERT_EQ(a.events.size(), b.events.size());
  for (size_t i = 0; i < a.events.size(); ++i) EXPECT_TRUE(a.events[i] == b.events[i]) << i;
}

TEST(Runner, SeedOptionOverridesTheScenariosSeedAndChangesPlacement) {
  Scenario s = Load(kSeeded);
  RunOptions o;
  o.seed = 8;
  RunRecord a = RunScenario(s, o);
  RunRecord b = RunScenario(s);
  EXPECT_EQ(a.seed, 8u);
  // Scattered pages land elsewhere with another seed: some event differs.
  bool differs = a.events.size() != b.events.size();
  for (size_t i = 0; !differs && i < a.events.size(); ++i) differs = !(a.events[i] == b.events[i]);
  EXPECT_TRUE(differs);
}

TEST(Runner, ExpectationsMetPass) {
  RunRecord rec = RunScenario(Load(kReadBeforeSync));
  ASSERT_FALSE(rec.error.has_value());
  EXPECT_TRUE(rec.passed());
  EXPECT_EQ(rec.rule_counts.at(RuleId::kCpuAccessDeviceOwned), 2u);
  EXPECT_EQ(rec.counters.at("run.steps"), 6u);
  for (const ExpectationResult& e : rec.expectations) EXPECT_TRUE(e.met) << e.what;
}

TEST(Runner, FailedViolationExpectationCitesItsLine) {
  std::string text(kReadBeforeSync);
  text.replace(text.find("[DMA101, DMA101]"), 16, "[DMA101]");
  RunRecord rec = RunScenario(Load(text));
  EXPECT_FALSE(rec.passed());
  const ExpectationResult* e = Find(rec, "violations exactly");
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->met);
  EXPECT_EQ(e->what, "violations exactly [DMA101]");
  EXPECT_EQ(e->detail, "saw [DMA101, DMA101]");
  EXPECT_EQ(e->where.ToString(), "run.yaml:15:15");
}

TEST(Runner, FailedReadExpectationCitesItsLine) {
  std::string text(kReadBeforeSync);
  text.replace(text.find("{read: frame, pattern: 0x00}"), 28, "{read: frame, pattern: 0x5a}");
  RunRecord rec = RunScenario(Load(text));
  const ExpectationResult* e = Find(rec, "read 'frame'");
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->met);
  EXPECT_EQ(e->what, "read 'frame' is all 0x5a");
  EXPECT_EQ(e->detail, "read 00000000000000000000000000000000...");
  EXPECT_EQ(e->where.ToString(), "run.yaml:18:7");
}

constexpr std::string_view kSteps = R"(platform:
  devices:
    - {name: nic}
buffers:
  rx: {size: 256}
steps:
)";

TEST(Runner, UnexpectedStepFailureIsAFailedExpectationAtTheStep) {
  RunRecord rec = RunScenario(
      Load(std::string(kSteps) + "  - cpu_write: {buffer: rx, offset: 512}\n  - barrier\n"));
  ASSERT_FALSE(rec.error.has_value());
  EXPECT_FALSE(rec.passed());
  const ExpectationResult* e = Find(rec, "step cpu_write");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->what, "step cpu_write at run.yaml:7:5 succeeds");
  EXPECT_FALSE(e->met);
  EXPECT_EQ(e->detail,
            "out of range: run.yaml:7:5: offset 512 is beyond the 256 bytes of buffer 'rx'");
  EXPECT_EQ(e->where.ToString(), "run.yaml:7:5");
  EXPECT_EQ(rec.counters.at("run.steps"), 2u);  // the run goes on
}

TEST(Runner, StepFailingWithTheDeclaredErrorPasses) {
  RunRecord rec = RunScenario(Load(
      std::string(kSteps) + "  - cpu_write: {buffer: rx, offset: 512, error: out_of_range}\n"));
  EXPECT_TRUE(rec.passed());
  const ExpectationResult* e = Find(rec, "step cpu_write");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->what, "step cpu_write at run.yaml:7:5 fails with out_of_range");
  EXPECT_TRUE(e->met);
}

TEST(Runner, StepFailingWithAnyErrorPasses) {
  RunRecord rec = RunScenario(
      Load(std::string(kSteps) + "  - cpu_read: {buffer: rx, size: 4KiB, error: any}\n"));
  EXPECT_TRUE(rec.passed());
}

TEST(Runner, StepSucceedingWhereAnErrorWasDeclaredFails) {
  RunRecord rec =
      RunScenario(Load(std::string(kSteps) + "  - cpu_write: {buffer: rx, error: out_of_range}\n"));
  EXPECT_FALSE(rec.passed());
  const ExpectationResult* e = Find(rec, "step cpu_write");
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->met);
  EXPECT_EQ(e->detail, "it succeeded");
}

TEST(Runner, StepFailingWithAnotherErrorFails) {
  RunRecord rec = RunScenario(Load(std::string(kSteps) +
                                   "  - map_single: {device: nic, buffer: rx, dir: to_device}\n"
                                   "  - unmap_single: {mapping: rx}\n"
                                   "  - cpu_write: {buffer: rx, offset: 300, error: not_found}\n"));
  EXPECT_FALSE(rec.passed());
  const ExpectationResult* e = Find(rec, "step cpu_write");
  ASSERT_NE(e, nullptr);
  EXPECT_FALSE(e->met);
  EXPECT_EQ(e->detail,
            "out of range: run.yaml:9:5: offset 300 is beyond the 256 bytes of buffer 'rx'");
}

TEST(Runner, StopOnFirstStopsAtTheFirstViolation) {
  Scenario s = Load(kReadBeforeSync);
  RunOptions o;
  o.stop_on_first = true;
  RunRecord rec = RunScenario(s, o);
  EXPECT_EQ(rec.violations.size(), 1u);
  EXPECT_EQ(rec.violations[0].rule, RuleId::kCpuAccessDeviceOwned);
  EXPECT_EQ(rec.counters.at("run.steps"), 3u);  // the first cpu_read
  EXPECT_FALSE(rec.passed());
}

TEST(Runner, CachePolicyOptionOverridesThePlatform) {
  Scenario s = Load(kSeeded);
  RunOptions lru;
  lru.cache_policy = EvictionPolicy::kLru;
  RunRecord a = RunScenario(s, lru);
  RunRecord b = RunScenario(s, lru);
  RunRecord random = RunScenario(s);
  EXPECT_EQ(a.counters, b.counters);
  EXPECT_FALSE(a.error.has_value());
  EXPECT_FALSE(random.error.has_value());
}

TEST(Runner, TraceOptionWritesAHeaderAndOneJsonLinePerEvent) {
  std::ostringstream trace;
  RunOptions o;
  o.trace = &trace;
  RunRecord rec = RunScenario(Load(kReadBeforeSync), o);
  std::string text = trace.str();
  size_t lines = std::count(text.begin(), text.end(), '\n');
  EXPECT_GT(lines, 0u);
  EXPECT_EQ(lines, rec.events.size() + 1);
  EXPECT_EQ(text.substr(0, text.find('\n')), JsonlHeaderLine());
  EXPECT_TRUE(rec.warnings.empty());
}

TEST(Runner, KeepEventsFalseKeepsOnlyCorruptions) {
  RunOptions o;
  o.keep_events = false;
  RunRecord rec = RunScenario(Load(kReadBeforeSync), o);
  EXPECT_TRUE(rec.events.empty());
  EXPECT_FALSE(rec.corruptions.empty());
  EXPECT_TRUE(rec.passed());
}

TEST(Runner, PlatformTheSimulatorRefusesIsARunError) {
  RunRecord rec = RunScenario(Load("platform:\n  cache: {size: 4KiB, ways: 3}\n"));
  ASSERT_TRUE(rec.error.has_value());
  EXPECT_NE(rec.error->message().find("run.yaml"), std::string::npos) << rec.error->message();
  EXPECT_FALSE(rec.passed());
  EXPECT_TRUE(rec.expectations.empty());
}

TEST(Runner, BufferThatDoesNotFitIsARunErrorNamingIt) {
  RunRecord rec =
      RunScenario(Load("platform:\n  memory: [{size: 1MiB}]\nbuffers:\n  big: {size: 2MiB, "
                       "placement: contiguous}\n"));
  ASSERT_TRUE(rec.error.has_value());
  EXPECT_NE(rec.error->message().find("run.yaml:4:3: buffer 'big'"), std::string::npos)
      << rec.error->message();
}

// A late device write through a lazy IOMMU's stale IOTLB entry (DMA108): the report names the
// step that mapped the buffer, and the IOMMU events that map and unmap caused carry their
// steps' call sites.
constexpr std::string_view kLazyIotlb = R"(name: lazy
platform:
  iommus:
    - {name: smmu0, flush: lazy}
  devices:
    - {name: nic, iommu: {iommu: smmu0}}
buffers:
  rx: {size: 4KiB, placement: contiguous}
steps:
  - map_single: {device: nic, buffer: rx, dir: from_device}
  - device_write: {mapping: rx, pattern: 0x5a}
  - unmap_single: {mapping: rx}
  - device_write: {mapping: rx, size: 64, pattern: 0x66}
)";

TEST(Runner, AStaleIotlbReportNamesTheMapStep) {
  const Scenario scenario = Load(kLazyIotlb);
  ASSERT_EQ(scenario.steps.size(), 4u);
  const SourceLoc map_step = scenario.steps[0].where;
  const SourceLoc unmap_step = scenario.steps[2].where;
  ASSERT_EQ(map_step.line, 10u);
  RunRecord rec = RunScenario(scenario);
  ASSERT_FALSE(rec.error) << rec.error->ToString();
  auto stale = std::find_if(rec.violations.begin(), rec.violations.end(),
                            [](const Violation& v) { return v.rule == RuleId::kStaleIotlbAccess; });
  ASSERT_NE(stale, rec.violations.end()) << ::testing::PrintToString(Describe(rec));
  EXPECT_EQ(stale->mapping_where, map_step) << stale->mapping_where.ToString();
  EXPECT_EQ(stale->mapping_where.ToString(), "run.yaml:10:5");
  // The mapping it names is the IOMMU map event that step caused.
  auto map = std::find_if(rec.events.begin(), rec.events.end(),
                          [](const Event& e) { return e.kind == EventKind::kIommuMap; });
  ASSERT_NE(map, rec.events.end());
  EXPECT_EQ(stale->mapping_seq, map->seq);
  EXPECT_EQ(map->where, map_step);
  auto unmap = std::find_if(rec.events.begin(), rec.events.end(),
                            [](const Event& e) { return e.kind == EventKind::kIommuUnmap; });
  ASSERT_NE(unmap, rec.events.end());
  EXPECT_EQ(unmap->where, unmap_step);
}

TEST(Runner, AStrictUnmapsInvalidateCarriesTheUnmapStep) {
  std::string text(kLazyIotlb);
  text.replace(text.find("flush: lazy"), 11, "flush: strict");
  const Scenario scenario = Load(text);
  ASSERT_EQ(scenario.steps.size(), 4u);
  RunRecord rec = RunScenario(scenario);
  ASSERT_FALSE(rec.error) << rec.error->ToString();
  auto inval = std::find_if(rec.events.begin(), rec.events.end(),
                            [](const Event& e) { return e.kind == EventKind::kIotlbInvalidate; });
  ASSERT_NE(inval, rec.events.end());
  EXPECT_EQ(inval->where, scenario.steps[2].where);
}

}  // namespace
}  // namespace dmakit::scenario
