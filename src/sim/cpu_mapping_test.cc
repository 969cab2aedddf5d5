#include "dmakit/sim/cpu_mapping.h"

#include <gtest/gtest.h>

namespace dmakit {
namespace {

TEST(CpuMappingTest, TranslatesEachPageToItsOwnPhysicalPage) {
  CpuMapping m(CpuAddr(0x10000), {PhysAddr(0x5000), PhysAddr(0x2000)}, MemAttr::kUncached);
  EXPECT_EQ(m.size(), 2 * kPageSize);
  EXPECT_EQ(*m.Translate(CpuAddr(0x10000)), PhysAddr(0x5000));
  EXPECT_EQ(*m.Translate(CpuAddr(0x10fff)), PhysAddr(0x5fff));
  EXPECT_EQ(*m.Translate(CpuAddr(0x11008)), PhysAddr(0x2008));
  EXPECT_EQ(m.attr(), MemAttr::kUncached);
}

TEST(CpuMappingTest, AddressOutsideTheMappingIsOutOfRange) {
  CpuMapping m(CpuAddr(0x10000), {PhysAddr(0x5000)}, MemAttr::kCached);
  for (CpuAddr outside : {CpuAddr(0xffff), CpuAddr(0x11000)}) {
    auto phys = m.Translate(outside);
    ASSERT_FALSE(phys.ok());
    EXPECT_EQ(phys.error().code(), ErrorCode::kOutOfRange);
    EXPECT_FALSE(m.Contains(outside));
  }
}

}  // namespace
}  // namespace dmakit
