// End-to-end tests of the dmakit program: exit codes (0 passed, 1 expectations failed, 2 input
// or usage error), messages on stderr, --format json, --output, --trace with check-trace,
// --seeds, --stop-on-first, --cache-policy, check-trace --line-size, --help on every command,
// --version, explain.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dmakit_cli_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `dmakit ARGS` (ARGS already shell-quoted where needed), capturing both streams.
  Outcome Run(const std::string& args) const {
    fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    std::string cmd = std::string(DMAKIT_BIN) + " " + args + " >" + out.string() + " 2>" +
                      err.string() + " </dev/null";
    int status = std::system(cmd.c_str());
    Outcome o;
    o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    o.out = Slurp(out);
    o.err = Slurp(err);
    return o;
  }

  std::string Write(const std::string& name, const std::string& text) const {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

  fs::path dir_;
};

// Two DMA101 and stale data, as expected: passes.
constexpr const char* kBug = R"(name: bug
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
)";

std::string Failing() {
  std::string text = kBug;
  text.replace(text.find("[DMA101, DMA101]"), 16, "[]");
  return text;
}

nlohmann::json Json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << text.substr(0, 400);
  return j;
}

std::multiset<std::string> RuleIds(const nlohmann::json& run) {
  std::multiset<std::string> out;
  for (const auto& v : run["violations"]) out.insert(v["rule"].get<std::string>());
  return out;
}

TEST_F(Cli, ScenarioMeetingItsExpectationsExitsZero) {
  Outcome o = Run("run " + Write("bug.yaml", kBug));
  EXPECT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("bug"), std::string::npos);
}

TEST_F(Cli, FailedExpectationsExitOne) {
  Outcome o = Run("run " + Write("fail.yaml", Failing()));
  EXPECT_EQ(o.exit_code, 1) << o.out << o.err;
}

TEST_F(Cli, BadScenarioFileExitsTwoWithItsLocationOnStderr) {
  std::string path = Write("bad.yaml", "name: bad\nbuffers:\n  rx: {size: 4Kb}\n");
  Outcome o = Run("run " + path);
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(o.err, path +
                       ":3:14: 'size' in buffer 'rx': expected a size (bytes, or with a unit: "
                       "4KiB, 1MiB, 2GiB), got '4Kb'\n");
  EXPECT_EQ(o.out, "");
}

TEST_F(Cli, MissingScenarioFileExitsTwo) {
  Outcome o = Run("run " + (dir_ / "nope.yaml").string());
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(o.err, (dir_ / "nope.yaml").string() + ": cannot open the scenario file\n");
}

TEST_F(Cli, JsonReportParses) {
  Outcome o = Run("run --format json " + Write("bug.yaml", kBug));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  nlohmann::json j = Json(o.out);
  EXPECT_EQ(j["schema"], "dmakit-report/1");
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["runs"][0]["name"], "bug");
  EXPECT_EQ(j["runs"][0]["passed"], true);
  EXPECT_EQ(RuleIds(j["runs"][0]), (std::multiset<std::string>{"DMA101", "DMA101"}));
}

TEST_F(Cli, OutputOptionWritesTheFile) {
  fs::path report = dir_ / "report.json";
  Outcome o = Run("run --format json --output " + report.string() + " " + Write("b.yaml", kBug));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "");
  ASSERT_TRUE(fs::exists(report));
  EXPECT_EQ(Json(Slurp(report))["runs"].size(), 1u);
}

TEST_F(Cli, HtmlOutputIsOnePage) {
  fs::path report = dir_ / "report.html";
  Outcome o = Run("run --format html --output " + report.string() + " " + Write("b.yaml", kBug));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  std::string html = Slurp(report);
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"))
      << html.substr(0, 40);
}

TEST_F(Cli, TraceThenCheckTraceReportsTheSameRules) {
  fs::path trace = dir_ / "run.jsonl";
  Outcome run = Run("run --format json --trace " + trace.string() + " " + Write("b.yaml", kBug));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_TRUE(fs::exists(trace));
  Outcome check = Run("check-trace --format json " + trace.string());
  EXPECT_EQ(check.exit_code, 1) << check.err;  // a trace with violations fails
  nlohmann::json a = Json(run.out), b = Json(check.out);
  ASSERT_EQ(b["runs"].size(), 1u);
  EXPECT_EQ(RuleIds(b["runs"][0]), RuleIds(a["runs"][0]));
  EXPECT_FALSE(RuleIds(b["runs"][0]).empty());
}

TEST_F(Cli, CheckTraceOfACleanRunExitsZero) {
  std::string fixed = R"(platform:
  devices: [{name: nic}]
buffers:
  tx: {size: 256}
steps:
  - cpu_write: {buffer: tx}
  - map_single: {device: nic, buffer: tx, dir: to_device}
  - device_read: {mapping: tx}
  - unmap_single: {mapping: tx}
)";
  fs::path trace = dir_ / "clean.jsonl";
  ASSERT_EQ(Run("run --trace " + trace.string() + " " + Write("f.yaml", fixed)).exit_code, 0);
  Outcome check = Run("check-trace " + trace.string());
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

// A receive buffer and a counter in one 128-byte line (two 64-byte ones): the CPU writes the
// counter while the NIC owns the buffer.
constexpr const char* kLine128 = R"(name: line-128
platform:
  cache: {line_size: 128}
  devices: [{name: nic}]
buffers:
  rx: {size: 64, align: 128}
  stats: {size: 64, align: 64}
steps:
  - map_single: {device: nic, buffer: rx, dir: from_device}
  - cpu_write: {buffer: stats, size: 8, pattern: 0x01}
  - device_write: {mapping: rx, pattern: 0x5a}
  - sync_single_for_cpu: {mapping: rx}
  - unmap_single: {mapping: rx}
expect:
  violations: [DMA104]
)";

TEST_F(Cli, CheckTraceUsesTheRecordedLineSize) {
  fs::path trace = dir_ / "line128.jsonl";
  Outcome run =
      Run("run --format json --trace " + trace.string() + " " + Write("l.yaml", kLine128));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  Outcome check = Run("check-trace --format json " + trace.string());
  EXPECT_EQ(check.exit_code, 1) << check.err;
  nlohmann::json live = Json(run.out), offline = Json(check.out);
  ASSERT_EQ(offline["runs"].size(), 1u);
  EXPECT_EQ(RuleIds(offline["runs"][0]), RuleIds(live["runs"][0]));
  EXPECT_EQ(RuleIds(offline["runs"][0]), std::multiset<std::string>{"DMA104"});
  EXPECT_EQ(offline["runs"][0]["counters"]["trace.line_size"], 128);
  // An explicit --line-size wins over the trace's: with 64-byte lines nothing is shared.
  Outcome forced = Run("check-trace --format json --line-size 64 " + trace.string());
  EXPECT_EQ(forced.exit_code, 0) << forced.out << forced.err;
  EXPECT_TRUE(RuleIds(Json(forced.out)["runs"][0]).empty());
}

// Two FROM_DEVICE mappings of neighbouring 64-byte buffers in Linux ftrace text, which has no
// line size: one line (DMA004, overlapping mappings) with 128-byte lines, two with 64.
constexpr const char* kNeighbourMaps =
    "# tracer: nop\n"
    "  irq/42-eth-500 [000] ..... 1.000000: dma_map_phys: 0000:01:00.0 dir=FROM_DEVICE "
    "dma_addr=fff00000 size=64 phys_addr=81234000 attrs=\n"
    "  irq/42-eth-500 [000] ..... 1.000001: dma_map_phys: 0000:01:00.0 dir=FROM_DEVICE "
    "dma_addr=fff00040 size=64 phys_addr=81234040 attrs=\n"
    "  irq/42-eth-500 [000] ..... 1.000002: dma_unmap_phys: 0000:01:00.0 dir=FROM_DEVICE "
    "dma_addr=fff00000 size=64 attrs=\n"
    "  irq/42-eth-500 [000] ..... 1.000003: dma_unmap_phys: 0000:01:00.0 dir=FROM_DEVICE "
    "dma_addr=fff00040 size=64 attrs=\n";

TEST_F(Cli, CheckTraceLineSizeOptionAppliesToFtrace) {
  const std::string trace = Write("neighbours.txt", kNeighbourMaps);
  Outcome by_default = Run("check-trace --format json " + trace);
  EXPECT_EQ(by_default.exit_code, 0) << by_default.out << by_default.err;
  nlohmann::json d = Json(by_default.out);
  EXPECT_TRUE(RuleIds(d["runs"][0]).empty()) << by_default.out;
  EXPECT_EQ(d["runs"][0]["counters"]["trace.line_size"], 64);
  Outcome wide = Run("check-trace --format json --line-size 128 " + trace);
  EXPECT_EQ(wide.exit_code, 1) << wide.out << wide.err;
  nlohmann::json w = Json(wide.out);
  EXPECT_EQ(RuleIds(w["runs"][0]).count("DMA004"), 1u) << wide.out;
  EXPECT_EQ(w["runs"][0]["counters"]["trace.line_size"], 128);
}

// Linux has no tracepoint in dma_mapping_error, so ftrace cannot tell a checked map from an
// unchecked one: DMA011 is not applied, and the report says so once.
TEST_F(Cli, CheckTraceOfFtraceDoesNotDecideDma011) {
  const std::string trace = Write("neighbours.txt", kNeighbourMaps);
  Outcome json = Run("check-trace --format json " + trace);
  EXPECT_EQ(json.exit_code, 0) << json.out << json.err;
  nlohmann::json run = Json(json.out)["runs"][0];
  EXPECT_EQ(RuleIds(run).count("DMA011"), 0u) << json.out;
  EXPECT_EQ(run["notes"], nlohmann::json::array({"DMA011 not checked: ftrace has no "
                                                 "dma_mapping_error event"}));
  Outcome text = Run("check-trace " + trace);
  EXPECT_EQ(text.exit_code, 0) << text.out << text.err;
  const std::string note = "note: DMA011 not checked: ftrace has no dma_mapping_error event";
  const size_t at = text.out.find(note);
  EXPECT_NE(at, std::string::npos) << text.out;
  EXPECT_EQ(text.out.find(note, at + 1), std::string::npos) << text.out;
}

// A trace whose kernel lost events: the verdicts that rest on calls that may be among the lost
// ones carry a caveat; the others do not, and the run's notes say what was lost.
TEST_F(Cli, CheckTraceMarksVerdictsThatLostEventsMayExplain) {
  const std::string trace =
      Write("lossy.txt",
            "# tracer: nop\n"
            "  irq/42-eth-500 [000] ..... 1.000000: dma_map_phys: 0000:01:00.0 dir=FROM_DEVICE "
            "dma_addr=fff00000 size=64 phys_addr=81234000 attrs=\n"
            "CPU:0 [LOST 3 EVENTS]\n"
            "  irq/42-eth-500 [000] ..... 1.000002: dma_unmap_phys: 0000:01:00.0 dir=FROM_DEVICE "
            "dma_addr=fff10000 size=64 attrs=\n"
            "  irq/42-eth-500 [000] ..... 1.000003: dma_map_phys: 0000:01:00.0 dir=FROM_DEVICE "
            "dma_addr=fff20000 size=64 phys_addr=81236000 attrs=\n");
  Outcome json = Run("check-trace --format json " + trace);
  EXPECT_EQ(json.exit_code, 1) << json.out << json.err;
  nlohmann::json run = Json(json.out)["runs"][0];
  // The unmap of fff10000 (its map may be lost) and the leak of fff00000 (its unmap may be
  // lost) are in doubt; the leak of fff20000, mapped after the gap, is not.
  std::map<std::string, std::string> caveat_by_dma;
  for (const auto& v : run["violations"]) {
    caveat_by_dma[v["dma"].get<std::string>() + " " + v["rule"].get<std::string>()] =
        v["caveat"].get<std::string>();
  }
  ASSERT_EQ(caveat_by_dma.size(), 3u) << json.out;
  EXPECT_NE(caveat_by_dma["0xfff10000 DMA005"].find(
                "the kernel lost 3 events after event #1 (trace line 3)"),
            std::string::npos)
      << json.out;
  EXPECT_NE(caveat_by_dma["0xfff00000 DMA019"].find("the mapping (event #1)"), std::string::npos)
      << json.out;
  EXPECT_EQ(caveat_by_dma["0xfff20000 DMA019"], "") << json.out;
  EXPECT_EQ(run["counters"]["trace.lost_events"], 3);
  const std::string note =
      "3 lost by the kernel in 1 gap: calls among them went unchecked, and 2 of the 3 verdicts "
      "may be artefacts of the loss (each says so in a caveat)";
  EXPECT_NE(std::find(run["notes"].begin(), run["notes"].end(), note), run["notes"].end())
      << run["notes"];
  Outcome text = Run("check-trace " + trace);
  EXPECT_NE(text.out.find("caveat:  in doubt: the kernel lost 3 events"), std::string::npos)
      << text.out;
}

// dmakit JSONL records mapping_error, so a map whose error was never checked is DMA011.
TEST_F(Cli, CheckTraceOfJsonlStillDecidesDma011) {
  const std::string trace =
      Write("unchecked.jsonl",
            "{\"dmakit_trace\":1}\n"
            "{\"seq\":1,\"kind\":\"dma_map\",\"device\":\"nic\",\"api\":\"single\","
            "\"dir\":\"TO_DEVICE\",\"dma\":\"0x80001000\",\"phys\":\"0x80001000\",\"size\":64}\n"
            "{\"seq\":2,\"kind\":\"dma_unmap\",\"device\":\"nic\",\"api\":\"single\","
            "\"dir\":\"TO_DEVICE\",\"dma\":\"0x80001000\",\"size\":64}\n");
  Outcome o = Run("check-trace --format json " + trace);
  EXPECT_EQ(o.exit_code, 1) << o.out << o.err;
  nlohmann::json run = Json(o.out)["runs"][0];
  EXPECT_EQ(RuleIds(run), std::multiset<std::string>{"DMA011"}) << o.out;
  EXPECT_TRUE(run["notes"].empty()) << o.out;
  EXPECT_TRUE(run["warnings"].empty()) << o.out;
}

TEST_F(Cli, CheckTraceLineSizeMustBeAPowerOfTwo) {
  const std::string trace = Write("neighbours.txt", kNeighbourMaps);
  for (const char* bad : {"96", "0", "8", "8192"}) {
    Outcome o = Run(std::string("check-trace --line-size ") + bad + " " + trace);
    EXPECT_EQ(o.exit_code, 2) << bad;
    EXPECT_NE(o.err.find("--line-size " + std::string(bad) + " is not a power of two"),
              std::string::npos)
        << o.err;
    EXPECT_TRUE(o.out.empty()) << o.out;
  }
  EXPECT_EQ(Run("check-trace --line-size lots " + trace).exit_code, 2);
}

TEST_F(Cli, SeedsRunsThatManySeeds) {
  Outcome o = Run("run --format json --seed 10 --seeds 4 " + Write("b.yaml", kBug));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  nlohmann::json j = Json(o.out);
  ASSERT_EQ(j["runs"].size(), 4u);
  std::set<uint64_t> seeds;
  for (const auto& r : j["runs"]) seeds.insert(r["seed"].get<uint64_t>());
  EXPECT_EQ(seeds, (std::set<uint64_t>{10, 11, 12, 13}));
}

TEST_F(Cli, SeedsWithTraceWritesOneTracePerRun) {
  fs::path trace = dir_ / "t.jsonl";
  Outcome o = Run("run --seeds 2 --trace " + trace.string() + " " + Write("b.yaml", kBug));
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(fs::exists(dir_ / "t-bug-s1.jsonl"));
  EXPECT_TRUE(fs::exists(dir_ / "t-bug-s2.jsonl"));
}

TEST_F(Cli, StopOnFirstStopsAtTheFirstViolation) {
  Outcome o = Run("run --format json --stop-on-first " + Write("b.yaml", kBug));
  EXPECT_EQ(o.exit_code, 1) << o.err;  // one DMA101 where two were expected
  nlohmann::json j = Json(o.out);
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(RuleIds(j["runs"][0]), (std::multiset<std::string>{"DMA101"}));
}

TEST_F(Cli, CachePolicyOptionIsAccepted) {
  Outcome o = Run("run --cache-policy adversarial " + Write("b.yaml", kBug));
  EXPECT_NE(o.exit_code, 2) << o.err;
}

TEST_F(Cli, BogusCachePolicyIsAUsageError) {
  Outcome o = Run("run --cache-policy bogus " + Write("b.yaml", kBug));
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(o.err, "dmakit: --cache-policy: unknown policy 'bogus' (lru, random, adversarial)\n");
}

TEST_F(Cli, BadFormatIsAUsageError) {
  Outcome o = Run("run --format pdf " + Write("b.yaml", kBug));
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("--format"), std::string::npos) << o.err;
}

TEST_F(Cli, UnknownOptionIsAUsageError) {
  Outcome o = Run("run --frobnicate");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("--frobnicate"), std::string::npos) << o.err;
}

TEST_F(Cli, UnknownCommandIsAUsageError) {
  Outcome o = Run("frobnicate");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.err.find("frobnicate"), std::string::npos) << o.err;
}

TEST_F(Cli, HelpOnEveryCommand) {
  for (const char* cmd : {"", "run ", "check-trace ", "explain ", "list "}) {
    Outcome o = Run(std::string(cmd) + "--help");
    EXPECT_EQ(o.exit_code, 0) << cmd;
    EXPECT_NE(o.out.find("Usage"), std::string::npos) << cmd << o.out;
  }
}

TEST_F(Cli, RunHelpPrintsTheParameterTableAndPointsAtTheDocs) {
  Outcome o = Run("run --help");
  ASSERT_EQ(o.exit_code, 0);
  EXPECT_NE(o.out.find("docs/scenarios.md"), std::string::npos);
  for (const char* s : {"[platform.cache]", "[buffers]", "[step.map_single]", "[expect]",
                        "wc_buffer_bytes", "violations_include"}) {
    EXPECT_NE(o.out.find(s), std::string::npos) << s;
  }
}

TEST_F(Cli, Version) {
  Outcome o = Run("--version");
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_TRUE(o.out.starts_with("dmakit ")) << o.out;
}

TEST_F(Cli, ExplainARule) {
  Outcome o = Run("explain DMA101");
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_TRUE(o.out.starts_with("DMA101 cpu-access-device-owned: ")) << o.out;
  Outcome by_name = Run("explain cpu-access-device-owned");
  EXPECT_EQ(by_name.out, o.out);
}

TEST_F(Cli, ExplainAnUnknownRuleExitsTwo) {
  Outcome o = Run("explain NOPE");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_EQ(o.err, "dmakit: explain: unknown rule 'NOPE' (`dmakit explain` lists them)\n");
}

TEST_F(Cli, ListParamsMarkdownIsTheDocsReference) {
  Outcome o = Run("list --params-markdown");
  EXPECT_EQ(o.exit_code, 0);
  std::string doc = Slurp(fs::path(DMAKIT_SOURCE_DIR) / "docs/scenarios.md");
  ASSERT_FALSE(o.out.empty());
  EXPECT_NE(doc.find(o.out), std::string::npos);
}

}  // namespace
