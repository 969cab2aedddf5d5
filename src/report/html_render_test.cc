// The HTML report as a browser shows it: rendered by headless Chromium (--dump-dom gives the
// DOM after the page's script ran). Skipped when Chromium is not installed. With
// DMAKIT_REPORT_SCREENSHOT=<png path> in the environment it also takes the screenshot that
// docs/ shows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dmakit/report/report.h"
#include "report_test_util.h"
#include "sample_run_test_util.h"

namespace dmakit {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string FindChromium() {
  for (const char* name : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (::access(name, X_OK) == 0) return name;
  }
  return {};
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class HtmlRender : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = FindChromium();
    if (chromium_.empty()) GTEST_SKIP() << "chromium is not installed";
    dir_ = fs::temp_directory_path() / ("dmakit_html_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Runs Chromium on `html` with `action` ("--dump-dom" or "--screenshot=..."); returns what
  // it printed on standard output.
  std::string Chromium(const std::vector<RunRecord>& runs, const std::string& action) {
    const fs::path page = dir_ / "report.html";
    EXPECT_TRUE(WriteReport(runs, ReportFormat::kHtml, page.string()).ok());
    const fs::path out = dir_ / "stdout.txt";
    const std::string cmd =
        "timeout 120 " + chromium_ +
        " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
        " --disable-background-networking --disable-component-update --disable-sync"
        " --user-data-dir=" +
        (dir_ / "profile").string() + " " + action + " file://" + page.string() + " >" +
        out.string() + " 2>" + (dir_ / "stderr.txt").string();
    const int rc = std::system(cmd.c_str());
    EXPECT_EQ(rc, 0) << cmd << "\n" << ReadFile(dir_ / "stderr.txt");
    return ReadFile(out);
  }

  std::string chromium_;
  fs::path dir_;
};

TEST_F(HtmlRender, RenderedPageShowsTimelineViolationsAndScriptOutput) {
  const std::string dom = Chromium({testing::FailingRun(), testing::PassingRun()}, "--dump-dom");
  EXPECT_THAT(dom, HasSubstr("<svg class=\"timeline\""));
  EXPECT_THAT(dom, HasSubstr("<g class=\"buffer\" id=\"r0-b0\""));
  EXPECT_THAT(dom, HasSubstr("<li class=\"violation\" id=\"r0-v0\""));
  EXPECT_THAT(dom, HasSubstr("<a class=\"mark corruption\" href=\"#r0-c0\""));
  // Written by the page's script, so present only when it ran.
  EXPECT_THAT(dom, HasSubstr("id=\"only-failed\""));
  EXPECT_THAT(dom, HasSubstr("show only failed runs (1 of 2)"));
}

TEST_F(HtmlRender, EscapedDeviceNameDoesNotInjectScript) {
  RunRecord r = testing::FailingRun("<script>document.title='pwned'</script>");
  const std::string dom = Chromium({r}, "--dump-dom");
  EXPECT_THAT(dom, HasSubstr("<title>dmakit report</title>"));
  EXPECT_THAT(dom, ::testing::Not(HasSubstr("pwned</title>")));
  EXPECT_THAT(dom, HasSubstr("&lt;script&gt;document.title"));
}

TEST_F(HtmlRender, RealRunOfTheDmaLayerRendersWithViolationsAndCorruptions) {
  const RunRecord run = testing::SampleNicRun();
  ASSERT_FALSE(run.violations.empty());
  ASSERT_FALSE(run.corruptions.empty());
  const std::string dom = Chromium({run}, "--dump-dom");
  EXPECT_THAT(dom, HasSubstr("<g class=\"buffer\" id=\"r0-b2\""));  // tx, rx, tx again
  EXPECT_THAT(dom, HasSubstr("<a class=\"mark violation\""));
  EXPECT_THAT(dom, HasSubstr("<a class=\"mark corruption\""));
  if (const char* shot = std::getenv("DMAKIT_REPORT_SCREENSHOT")) {
    Chromium({run}, std::string("--screenshot=") + shot + " --window-size=1280,900");
    EXPECT_TRUE(fs::exists(shot));
  }
}

}  // namespace
}  // namespace dmakit
