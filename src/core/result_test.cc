#include "dmakit/core/result.h"

#include <memory>

#include <gtest/gtest.h>

namespace dmakit {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return Error(ErrorCode::kInvalidArgument, "odd number " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  int h = DMAKIT_TRY(Half(x));
  return DMAKIT_TRY(Half(h));
}

Status NeedsEven(int x) {
  DMAKIT_TRY(Half(x));
  return Ok();
}

TEST(Result, HoldsValueOrError) {
  Result<int> ok = Half(4);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 2);
  Result<int> bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message(), "odd number 3");
  EXPECT_EQ(bad.error().ToString(), "invalid argument: odd number 3");
}

TEST(Result, TryPropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "odd number 3");
  EXPECT_TRUE(NeedsEven(2).ok());
  EXPECT_FALSE(NeedsEven(1).ok());
}

TEST(Result, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(Result, WithContextPrefixesTheMessage) {
  Error e(ErrorCode::kParse, "expected a size");
  EXPECT_EQ(e.WithContext("a.yaml:3:5").message(), "a.yaml:3:5: expected a size");
  EXPECT_EQ(e.WithContext("x").code(), ErrorCode::kParse);
}

TEST(ResultDeathTest, ValueOfAnErrorAbortsWithTheMessage) {
  Result<int> bad = Half(5);
  EXPECT_DEATH((void)bad.value(), "odd number 5");
}

}  // namespace
}  // namespace dmakit
