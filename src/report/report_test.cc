#include "dmakit/report/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "report_test_util.h"

namespace dmakit {
namespace {

using ::testing::HasSubstr;

TEST(ReportFormat, NamesRoundTrip) {
  for (ReportFormat f : {ReportFormat::kText, ReportFormat::kJson, ReportFormat::kHtml}) {
    EXPECT_EQ(ParseReportFormat(ToString(f)), f);
  }
  EXPECT_EQ(ParseReportFormat("html"), ReportFormat::kHtml);
  EXPECT_FALSE(ParseReportFormat("xml").has_value());
  EXPECT_FALSE(ParseReportFormat("").has_value());
}

TEST(WriteReport, WritesTheChosenFormatToAFile) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("dmakit_report_" + std::to_string(::getpid()) + ".json");
  std::vector<RunRecord> runs = {testing::FailingRun()};
  ASSERT_TRUE(WriteReport(runs, ReportFormat::kJson, path.string()).ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("\"schema\": \"dmakit-report/1\""));
  std::filesystem::remove(path);
}

TEST(WriteReport, UnwritablePathIsAnIoErrorNamingPathAndReason) {
  std::vector<RunRecord> runs = {testing::PassingRun()};
  const std::string path = "/nonexistent-dir/sub/report.html";
  Status s = WriteReport(runs, ReportFormat::kHtml, path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kIo);
  EXPECT_THAT(s.error().message(), HasSubstr(path));
  EXPECT_THAT(s.error().message(), HasSubstr("No such file or directory"));
}

TEST(WriteReport, DashWritesToStandardOutput) {
  std::vector<RunRecord> runs = {testing::PassingRun()};
  ::testing::internal::CaptureStdout();
  Status s = WriteReport(runs, ReportFormat::kText, "-");
  const std::string out = ::testing::internal::GetCapturedStdout();
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(out, HasSubstr("1 run, 1 passed, 0 failed"));
}

TEST(RunRecord, RuleTotalsFallBackToViolationsWhenCountsAreEmpty) {
  RunRecord r = testing::FailingRun();
  r.rule_counts.clear();
  r.violations.push_back(r.violations[0]);
  EXPECT_EQ(r.RuleTotals().at(RuleId::kCpuAccessDeviceOwned), 2u);
  EXPECT_EQ(r.violation_count(), 2u);
}

}  // namespace
}  // namespace dmakit
