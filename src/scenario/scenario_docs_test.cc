// docs/scenarios.md is kept in step with the tables: its generated reference section must equal
// what WriteParamReferenceMarkdown (`dmakit list --params-markdown`) prints now, and every
// complete scenario it shows must load. After changing a table, regenerate the section with
//   DMAKIT_UPDATE_DOCS=1 <build>/src/scenario/dmakit_scenario_tests --gtest_filter='ScenarioDocs.*'
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "dmakit/scenario/loader.h"
#include "dmakit/scenario/params.h"

namespace dmakit::scenario {
namespace {

constexpr std::string_view kBegin =
    "<!-- BEGIN GENERATED: dmakit list --params-markdown (do not edit by hand) -->\n";
constexpr std::string_view kEnd = "<!-- END GENERATED -->\n";

std::string DocPath() { return std::string(DMAKIT_SOURCE_DIR) + "/docs/scenarios.md"; }

std::string ReadDoc() {
  std::ifstream in(DocPath(), std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Generated() {
  std::ostringstream md;
  WriteParamReferenceMarkdown(md);
  return md.str();
}

TEST(ScenarioDocs, GeneratedReferenceMatchesTheTables) {
  std::string doc = ReadDoc();
  ASSERT_FALSE(doc.empty()) << DocPath() << " is missing";
  size_t begin = doc.find(kBegin);
  size_t end = doc.find(kEnd);
  ASSERT_NE(begin, std::string::npos) << "no generated-section start marker";
  ASSERT_NE(end, std::string::npos) << "no generated-section end marker";
  ASSERT_LT(begin, end);
  begin += kBegin.size();
  std::string committed = doc.substr(begin, end - begin);
  std::string now = Generated();
  if (committed != now && std::getenv("DMAKIT_UPDATE_DOCS") != nullptr) {
    doc.replace(begin, end - begin, now);
    std::ofstream(DocPath(), std::ios::binary) << doc;
    GTEST_SKIP() << "rewrote the generated section of " << DocPath();
  }
  EXPECT_TRUE(committed == now)
      << DocPath() << " is out of date with the params and step tables; regenerate it with\n"
      << "  DMAKIT_UPDATE_DOCS=1 <build>/src/scenario/dmakit_scenario_tests "
         "--gtest_filter='ScenarioDocs.*'";
}

// Every ```yaml block of the hand-written part that is a whole scenario (it has `steps:`)
// loads.
TEST(ScenarioDocs, CompleteExamplesLoad) {
  std::string doc = ReadDoc();
  std::string prose = doc.substr(0, doc.find(kBegin));
  int loaded = 0;
  size_t at = 0;
  while ((at = prose.find("```yaml\n", at)) != std::string::npos) {
    at += 8;
    size_t close = prose.find("```\n", at);
    ASSERT_NE(close, std::string::npos);
    std::string block = prose.substr(at, close - at);
    at = close;
    if (block.find("\nsteps:") == std::string::npos) continue;
    auto s = LoadScenarioText(block, "docs/scenarios.md");
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message()) << "\n" << block;
    ++loaded;
  }
  EXPECT_GE(loaded, 1);
}

}  // namespace
}  // namespace dmakit::scenario
