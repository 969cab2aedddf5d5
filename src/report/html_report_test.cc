#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "dmakit/report/report.h"
#include "report_test_util.h"

namespace dmakit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Html(const std::vector<RunRecord>& runs) {
  std::ostringstream out;
  WriteHtmlReport(runs, out);
  return out.str();
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(HtmlReport, IsSelfContained) {
  const std::string h = Html({testing::FailingRun(), testing::PassingRun()});
  EXPECT_THAT(h, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(h, Not(HasSubstr("http://")));
  EXPECT_THAT(h, Not(HasSubstr("https://")));
  EXPECT_THAT(h, Not(HasSubstr("<link")));
  EXPECT_THAT(h, Not(HasSubstr("<script src")));
  EXPECT_THAT(h, Not(HasSubstr("@import")));
  EXPECT_THAT(h, Not(HasSubstr("url(")));
}

TEST(HtmlReport, RunHeaderHasNameDescriptionVerdictAndSeed) {
  const std::string h = Html({testing::FailingRun(), testing::PassingRun()});
  EXPECT_THAT(h, HasSubstr("<span class=\"badge fail\">FAIL</span>rx-missing-sync"));
  EXPECT_THAT(h, HasSubstr("<span class=\"badge pass\">PASS</span>rx-correct"));
  EXPECT_THAT(h, HasSubstr("seed 42"));
  EXPECT_THAT(h, HasSubstr("before dma_sync_single_for_cpu"));
  EXPECT_THAT(h, HasSubstr("2 runs: 1 passed, 1 failed"));
}

TEST(HtmlReport, TimelineHasOneGroupPerBuffer) {
  RunRecord r = testing::FailingRun();
  Event second = r.events[1];
  second.seq = 8;
  second.phys = PhysAddr(testing::kBufPhys + 0x1000);
  second.dma = DmaAddr(testing::kBufPhys + 0x1000);
  r.events.push_back(second);
  const std::string h = Html({r});
  EXPECT_EQ(Count(h, "<svg class=\"timeline\""), 1u);
  EXPECT_EQ(Count(h, "<g class=\"buffer\""), 2u);
  EXPECT_THAT(h, HasSubstr("id=\"r0-b0\""));
  EXPECT_THAT(h, HasSubstr("id=\"r0-b1\""));
}

TEST(HtmlReport, ViolationAndCorruptionMarkersLinkToTheirEntries) {
  const std::string h = Html({testing::FailingRun()});
  EXPECT_THAT(h, HasSubstr("<a class=\"mark violation\" href=\"#r0-v0\""));
  EXPECT_THAT(h, HasSubstr("<li class=\"violation\" id=\"r0-v0\""));
  EXPECT_THAT(h, HasSubstr("<a class=\"mark corruption\" href=\"#r0-c0\""));
  EXPECT_THAT(h, HasSubstr("<li class=\"corruption\" id=\"r0-c0\""));
  EXPECT_THAT(h, HasSubstr("<title>#3 DMA101 cpu-access-device-owned"));
}

TEST(HtmlReport, NotesAreShownEscaped) {
  RunRecord r = testing::PassingRun();
  EXPECT_EQ(Html({r}).find("class=\"notes\""), std::string::npos);
  r.notes = {"DMA011 not checked: <ftrace>"};
  EXPECT_NE(Html({r}).find("<ul class=\"notes\"><li>DMA011 not checked: &lt;ftrace&gt;</li></ul>"),
            std::string::npos);
}

TEST(HtmlReport, CountersAreShown) {
  const std::string h = Html({testing::FailingRun()});
  EXPECT_THAT(h, HasSubstr("cache.hits <b>17</b>"));
  EXPECT_THAT(h, HasSubstr("violations <b>1</b>"));
}

TEST(HtmlReport, UserTextIsEscaped) {
  RunRecord r = testing::FailingRun("<script>alert(1)</script>");
  r.name = "a\"b'<c>&";
  const std::string h = Html({r});
  EXPECT_EQ(Count(h, "<script"), 1u);  // only the page's own inline script
  EXPECT_THAT(h, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(h, HasSubstr("a&quot;b&#39;&lt;c&gt;&amp;"));
}

TEST(HtmlReport, RunWithoutEventsSaysSo) {
  const std::string h = Html({testing::PassingRun()});
  EXPECT_THAT(h, HasSubstr("No events were kept for this run."));
  EXPECT_THAT(h, Not(HasSubstr("<svg")));
}

TEST(HtmlReport, LongRunsAreCappedAndSaySo) {
  RunRecord r = testing::FailingRun();
  const Event access = r.events[2];
  for (uint64_t i = 0; i < 6000; ++i) {
    Event e = access;
    e.seq = 100 + i;
    r.events.push_back(e);
  }
  const std::string h = Html({r});
  EXPECT_THAT(h, HasSubstr("The timeline shows the first 5000 of 6007 events."));
  EXPECT_LT(h.size(), 2u << 20);
}

}  // namespace
}  // namespace dmakit
