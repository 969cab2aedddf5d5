#include "demo.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace dmakit::demo {
namespace {

using ::testing::HasSubstr;

class DemonstrationTest
    : public ::testing::TestWithParam<std::tuple<std::string_view, EvictionPolicy>> {};

TEST_P(DemonstrationTest, WrongVariantCorruptsAndRightVariantStaysClean) {
  const Demonstration* demo = FindDemonstration(std::get<0>(GetParam()));
  ASSERT_NE(demo, nullptr);
  std::ostringstream out;
  Outcome wrong = demo->run(Variant::kWrong, std::get<1>(GetParam()), out);
  ASSERT_FALSE(wrong.corruptions.empty()) << out.str();
  EXPECT_TRUE(wrong.as_expected);
  const Event& c = wrong.corruptions[0];
  EXPECT_EQ(c.size, 256u);
  EXPECT_NE(c.expected, c.observed);
  EXPECT_FALSE(c.writer.empty());
  EXPECT_THAT(out.str(), HasSubstr("CORRUPTION"));
  EXPECT_THAT(out.str(), HasSubstr("BUG: no cache maintenance"));

  std::ostringstream right_out;
  Outcome right = demo->run(Variant::kRight, std::get<1>(GetParam()), right_out);
  EXPECT_TRUE(right.corruptions.empty()) << right_out.str();
  EXPECT_TRUE(right.as_expected);
  EXPECT_THAT(right_out.str(), ::testing::Not(HasSubstr("CORRUPTION")));
}

INSTANTIATE_TEST_SUITE_P(
    All, DemonstrationTest,
    ::testing::Combine(::testing::Values("cpu-write-no-clean", "device-write-no-invalidate",
                                         "dirty-line-evicted", "uncached-alias-eviction"),
                       ::testing::Values(EvictionPolicy::kLru, EvictionPolicy::kRandom,
                                         EvictionPolicy::kAdversarial)));

TEST(DemonstrationsTest, RunBothReportsSuccessAndNamesTheDemonstration) {
  std::ostringstream out;
  const Demonstration* demo = FindDemonstration("dirty-line-evicted");
  ASSERT_NE(demo, nullptr);
  EXPECT_TRUE(RunBoth(*demo, EvictionPolicy::kLru, out));
  EXPECT_THAT(out.str(), HasSubstr("dirty-line-evicted"));
  EXPECT_THAT(out.str(), HasSubstr("as expected"));
}

TEST(DemonstrationsTest, UnknownIdIsNotFound) {
  EXPECT_EQ(FindDemonstration("no-such-demo"), nullptr);
}

}  // namespace
}  // namespace dmakit::demo
