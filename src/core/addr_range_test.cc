#include "dmakit/core/addr_range.h"

#include <type_traits>

#include <gtest/gtest.h>

namespace dmakit {
namespace {

static_assert(!std::is_convertible_v<PhysAddr, DmaAddr>, "address kinds must not mix");
static_assert(!std::is_convertible_v<DmaAddr, PhysAddr>, "address kinds must not mix");
static_assert(!std::is_convertible_v<uint64_t, PhysAddr>, "raw numbers need an explicit cast");
static_assert(!std::is_convertible_v<CpuAddr, PhysAddr>, "address kinds must not mix");

TEST(Addr, ArithmeticKeepsTheKind) {
  PhysAddr a(0x1000);
  PhysAddr b = a + 0x40;
  EXPECT_EQ(b.value(), 0x1040u);
  EXPECT_EQ(b - a, 0x40u);
  EXPECT_EQ((b - 0x40), a);
}

TEST(Addr, AlignmentHelpers) {
  PhysAddr a(0x1234);
  EXPECT_EQ(a.AlignDown(0x1000).value(), 0x1000u);
  EXPECT_EQ(a.AlignUp(0x1000).value(), 0x2000u);
  EXPECT_EQ(a.OffsetIn(64), 0x34u);
  EXPECT_FALSE(a.IsAligned(64));
  EXPECT_TRUE(PhysAddr(0x1240).IsAligned(64));
  EXPECT_EQ(PhysAddr(0x2000).AlignUp(0x1000).value(), 0x2000u);
}

TEST(Addr, HexPrintsLikeDmaDebug) {
  EXPECT_EQ(Hex(DmaAddr(0xfff0'0000)), "0xfff00000");
  EXPECT_EQ(Hex(uint64_t{0}), "0x0");
}

TEST(AddrRange, ContainsIsHalfOpen) {
  PhysRange r(PhysAddr(0x1000), 0x100);
  EXPECT_TRUE(r.Contains(PhysAddr(0x1000)));
  EXPECT_TRUE(r.Contains(PhysAddr(0x10ff)));
  EXPECT_FALSE(r.Contains(PhysAddr(0x1100)));
  EXPECT_FALSE(r.Contains(PhysAddr(0xfff)));
}

TEST(AddrRange, ContainsRange) {
  PhysRange r(PhysAddr(0x1000), 0x100);
  EXPECT_TRUE(r.Contains(PhysRange(PhysAddr(0x1000), 0x100)));
  EXPECT_TRUE(r.Contains(PhysRange(PhysAddr(0x1080), 0x80)));
  EXPECT_FALSE(r.Contains(PhysRange(PhysAddr(0x1080), 0x81)));
  EXPECT_FALSE(r.Contains(PhysRange(PhysAddr(0xf80), 0x100)));
  // A huge size must not wrap around into "contained".
  EXPECT_FALSE(r.Contains(PhysRange(PhysAddr(0x1080), ~uint64_t{0})));
}

TEST(AddrRange, OverlapAndIntersection) {
  PhysRange a(PhysAddr(0x1000), 0x100);
  PhysRange b(PhysAddr(0x10c0), 0x100);
  PhysRange c(PhysAddr(0x1100), 0x10);
  EXPECT_TRUE(a.Overlaps(b));
  EXPECT_FALSE(a.Overlaps(c));  // touching is not overlapping
  EXPECT_FALSE(a.Overlaps(PhysRange(PhysAddr(0x1010), 0)));
  EXPECT_EQ(a.Intersect(b), PhysRange(PhysAddr(0x10c0), 0x40));
  EXPECT_TRUE(a.Intersect(c).empty());
}

TEST(AddrRange, AlignOutCoversPartialLines) {
  PhysRange r(PhysAddr(0x1010), 0x40);  // touches lines 0x1000 and 0x1040
  EXPECT_EQ(r.AlignOut(64), PhysRange(PhysAddr(0x1000), 0x80));
  EXPECT_EQ(r.BlockCount(64), 2u);
  EXPECT_TRUE(r.StartsMidBlock(64));
  EXPECT_TRUE(r.EndsMidBlock(64));
  EXPECT_FALSE(r.IsAligned(64));
  EXPECT_TRUE(PhysRange(PhysAddr(0x1000), 0x2000).IsAligned(kPageSize));
  EXPECT_EQ(PhysRange(PhysAddr(0x1000), 0).BlockCount(64), 0u);
}

TEST(AddrRange, ToStringUsesInclusiveBounds) {
  EXPECT_EQ(ToString(DmaRange(DmaAddr(0x1000), 0x1000)), "[0x1000-0x1fff]");
  EXPECT_EQ(ToString(DmaRange(DmaAddr(0x1000), 0)), "[0x1000, empty]");
}

}  // namespace
}  // namespace dmakit
