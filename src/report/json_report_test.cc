#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "dmakit/report/report.h"
#include "report_test_util.h"

namespace dmakit {
namespace {

nlohmann::json Json(const std::vector<RunRecord>& runs) {
  std::ostringstream out;
  WriteJsonReport(runs, out);
  return nlohmann::json::parse(out.str());  // throws (fails the test) when malformed
}

TEST(JsonReport, HasSchemaAndSummary) {
  const auto j = Json({testing::FailingRun(), testing::PassingRun()});
  EXPECT_EQ(j["schema"], "dmakit-report/1");
  EXPECT_EQ(j["summary"]["runs"], 2);
  EXPECT_EQ(j["summary"]["passed"], 1);
  EXPECT_EQ(j["summary"]["failed"], 1);
  EXPECT_EQ(j["summary"]["violations"], 1);
  EXPECT_EQ(j["summary"]["corruptions"], 1);
  ASSERT_EQ(j["summary"]["rules"].size(), 1u);
  EXPECT_EQ(j["summary"]["rules"][0]["rule"], "DMA101");
  EXPECT_EQ(j["summary"]["rules"][0]["name"], "cpu-access-device-owned");
  EXPECT_EQ(j["summary"]["rules"][0]["count"], 1);
}

TEST(JsonReport, RunHasHeaderExpectationsCountersAndRuleCounts) {
  const auto r = Json({testing::FailingRun()})["runs"][0];
  EXPECT_EQ(r["name"], "rx-missing-sync");
  EXPECT_EQ(r["kind"], "scenario");
  EXPECT_EQ(r["source"], "examples/rx-missing-sync.yaml");
  EXPECT_EQ(r["seed"], 42);
  EXPECT_EQ(r["passed"], false);
  EXPECT_TRUE(r["error"].is_null());
  ASSERT_EQ(r["expectations"].size(), 2u);
  EXPECT_EQ(r["expectations"][0]["what"], "no corruption");
  EXPECT_EQ(r["expectations"][0]["met"], false);
  EXPECT_EQ(r["expectations"][0]["detail"], "1 corruption at 0x80001000");
  EXPECT_EQ(r["counters"]["cache.hits"], 17);
  EXPECT_EQ(r["rule_counts"]["DMA101"], 1);
  EXPECT_EQ(r["violation_count"], 1);
}

TEST(JsonReport, ViolationHasEveryDocumentedField) {
  const auto v = Json({testing::FailingRun()})["runs"][0]["violations"][0];
  EXPECT_EQ(v["rule"], "DMA101");
  EXPECT_EQ(v["name"], "cpu-access-device-owned");
  EXPECT_EQ(v["seq"], 3);
  EXPECT_EQ(v["device"], "eth0");
  EXPECT_EQ(v["phys"], "0x80001040");
  EXPECT_EQ(v["size"], 64);
  EXPECT_EQ(v["dir"], "FROM_DEVICE");
  EXPECT_EQ(v["where"]["file"], "drv.c");
  EXPECT_EQ(v["where"]["line"], 14);
  EXPECT_EQ(v["mapping_where"]["line"], 10);
  EXPECT_EQ(v["mapping_seq"], 2);
  ASSERT_EQ(v["lines"].size(), 1u);
  EXPECT_EQ(v["lines"][0]["phys"], "0x80001040");
  ASSERT_EQ(v["history"].size(), 1u);
  EXPECT_EQ(v["history"][0]["kind"], "dma_map");
  EXPECT_EQ(v["history"][0]["owner"], std::string(ToString(Owner::kDevice)));
}

TEST(JsonReport, CorruptionHasBytesInHexAndLastWriter) {
  const auto c = Json({testing::FailingRun()})["runs"][0]["corruptions"][0];
  EXPECT_EQ(c["seq"], 6);
  EXPECT_EQ(c["reader"], "cpu");
  EXPECT_EQ(c["phys"], "0x80001000");
  EXPECT_EQ(c["expected"], "aa bb cc dd");
  EXPECT_EQ(c["observed"], "00 11 22 33");
  EXPECT_EQ(c["writer"], "eth0");
  EXPECT_EQ(c["writer_seq"], 4);
}

TEST(JsonReport, EventsOnlyWhenKeptWithNonDefaultFields) {
  const auto with = Json({testing::FailingRun()})["runs"][0];
  ASSERT_TRUE(with.contains("events"));
  ASSERT_EQ(with["events"].size(), 7u);
  const auto map = with["events"][1];
  EXPECT_EQ(map["kind"], "dma_map");
  EXPECT_EQ(map["seq"], 2);
  EXPECT_EQ(map["dir"], "FROM_DEVICE");
  EXPECT_EQ(map["size"], 256);
  EXPECT_FALSE(map.contains("failed"));
  EXPECT_FALSE(Json({testing::PassingRun()})["runs"][0].contains("events"));
}

TEST(JsonReport, RunErrorHasCodeAndMessage) {
  RunRecord r = testing::PassingRun();
  r.error = Error(ErrorCode::kParse, "bad.yaml:1:1: not a mapping");
  const auto e = Json({r})["runs"][0]["error"];
  EXPECT_EQ(e["code"], std::string(ToString(ErrorCode::kParse)));
  EXPECT_EQ(e["message"], "bad.yaml:1:1: not a mapping");
}

TEST(JsonReport, InvalidUtf8InUserTextStillGivesValidJson) {
  RunRecord r = testing::PassingRun();
  r.name = "bad\xff name";
  EXPECT_NO_THROW(Json({r}));
}

TEST(JsonReport, CpuCacheEventCarriesItsGeometry) {
  RunRecord r = testing::FailingRun();
  r.events[0] = testing::MakeEvent(EventKind::kCpuCache, 1, "");
  r.events[0].size = 32 * 1024;
  r.events[0].line_size = 128;
  r.events[0].ways = 8;
  const auto run = Json({r})["runs"][0];
  const auto& e = run["events"][0];
  EXPECT_EQ(e["kind"], "cpu_cache");
  EXPECT_EQ(e["size"], 32 * 1024);
  EXPECT_EQ(e["line_size"], 128);
  EXPECT_EQ(e["ways"], 8);
  EXPECT_FALSE(run["events"][1].contains("line_size"));
  EXPECT_FALSE(run["events"][1].contains("ways"));
  EXPECT_EQ(run["line_size"], 128);  // the run's, from its cpu_cache event
}

TEST(JsonReport, NotesAndTheCheckersLineSizeAreWritten) {
  RunRecord r = testing::PassingRun();
  EXPECT_TRUE(Json({r})["runs"][0]["notes"].empty());
  EXPECT_EQ(Json({r})["runs"][0]["line_size"], kDefaultLineSize);
  r.notes = {"DMA011 not checked: ftrace has no dma_mapping_error event"};
  r.line_size = 256;
  const auto run = Json({r})["runs"][0];
  EXPECT_EQ(run["notes"], nlohmann::json::array({r.notes[0]}));
  EXPECT_EQ(run["line_size"], 256);
}

void CollectKeys(const nlohmann::json& j, std::set<std::string>& keys) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      // rule_counts and counters are maps whose keys are data, not fields.
      if (it.key() == "rule_counts" || it.key() == "counters") {
        keys.insert(it.key());
        continue;
      }
      keys.insert(it.key());
      CollectKeys(it.value(), keys);
    }
  } else if (j.is_array()) {
    for (const auto& e : j) CollectKeys(e, keys);
  }
}

TEST(JsonReport, EveryFieldWrittenIsDocumented) {
  const auto doc_path = std::filesystem::path(__FILE__).parent_path() / "../../docs/report-json.md";
  std::ifstream in(doc_path);
  ASSERT_TRUE(in) << doc_path;
  std::stringstream doc;
  doc << in.rdbuf();
  RunRecord r = testing::FailingRun();
  r.events[1].where = SourceLoc::Interned("drv.c", 10);
  r.events[0] = testing::MakeEvent(EventKind::kCpuCache, 1, "");
  r.events[0].size = 64 * 1024;
  r.events[0].line_size = 64;
  r.events[0].ways = 4;
  r.notes = {"DMA011 not checked: ftrace has no dma_mapping_error event"};
  std::set<std::string> keys;
  CollectKeys(Json({r}), keys);
  for (const std::string& key : keys) {
    EXPECT_NE(doc.str().find("`" + key + "`"), std::string::npos) << key << " is not documented";
  }
}

}  // namespace
}  // namespace dmakit
