#include "dmakit/core/dma_types.h"

#include <gtest/gtest.h>

namespace dmakit {
namespace {

TEST(DmaDirection, ValuesMatchLinux) {
  EXPECT_EQ(static_cast<int>(DmaDirection::kBidirectional), 0);
  EXPECT_EQ(static_cast<int>(DmaDirection::kToDevice), 1);
  EXPECT_EQ(static_cast<int>(DmaDirection::kFromDevice), 2);
  EXPECT_EQ(static_cast<int>(DmaDirection::kNone), 3);
}

TEST(DmaDirection, ParsesEverySpelling) {
  EXPECT_EQ(ParseDmaDirection("DMA_TO_DEVICE"), DmaDirection::kToDevice);
  EXPECT_EQ(ParseDmaDirection("TO_DEVICE"), DmaDirection::kToDevice);
  EXPECT_EQ(ParseDmaDirection("to-device"), DmaDirection::kToDevice);
  EXPECT_EQ(ParseDmaDirection(" from_device "), DmaDirection::kFromDevice);
  EXPECT_EQ(ParseDmaDirection("bidirectional"), DmaDirection::kBidirectional);
  EXPECT_EQ(ParseDmaDirection("sideways"), std::nullopt);
  for (auto d : {DmaDirection::kBidirectional, DmaDirection::kToDevice, DmaDirection::kFromDevice,
                 DmaDirection::kNone}) {
    EXPECT_EQ(ParseDmaDirection(ToString(d)), d);
  }
}

TEST(DmaDirection, DataFlowPredicates) {
  EXPECT_TRUE(DeviceReads(DmaDirection::kToDevice));
  EXPECT_FALSE(DeviceWrites(DmaDirection::kToDevice));
  EXPECT_TRUE(DeviceWrites(DmaDirection::kFromDevice));
  EXPECT_FALSE(DeviceReads(DmaDirection::kFromDevice));
  EXPECT_TRUE(DeviceReads(DmaDirection::kBidirectional));
  EXPECT_TRUE(DeviceWrites(DmaDirection::kBidirectional));
}

TEST(DmaAttrs, BitsMatchLinux) {
  EXPECT_EQ(DmaAttrs(DmaAttrs::kSkipCpuSync).bits(), 1u << 5);
  EXPECT_EQ(DmaAttrs(DmaAttrs::kWriteCombine).bits(), 1u << 2);
  EXPECT_EQ(DmaAttrs(DmaAttrs::kNoKernelMapping).bits(), 1u << 4);
  EXPECT_EQ(DmaAttrs(DmaAttrs::kWeakOrdering).bits(), 1u << 1);
}

TEST(DmaAttrs, PrintsAndParsesNames) {
  DmaAttrs a = DmaAttrs::kSkipCpuSync | DmaAttrs::kWeakOrdering;
  EXPECT_TRUE(a.skip_cpu_sync());
  EXPECT_EQ(ToString(a), "WEAK_ORDERING|SKIP_CPU_SYNC");
  EXPECT_EQ(ParseDmaAttrs("WEAK_ORDERING|SKIP_CPU_SYNC"), a);
  EXPECT_EQ(ParseDmaAttrs("DMA_ATTR_SKIP_CPU_SYNC, weak-ordering"), a);
  EXPECT_EQ(ParseDmaAttrs("0x22"), a);
  EXPECT_EQ(ParseDmaAttrs(""), DmaAttrs());
  EXPECT_EQ(ToString(DmaAttrs()), "0");
  EXPECT_EQ(ToString(DmaAttrs::FromBits(1u << 9)), "0x200");
  EXPECT_EQ(ParseDmaAttrs("FAST"), std::nullopt);
  EXPECT_EQ(ParseDmaAttrs("SKIP_CPU_SYNC||"), std::nullopt);
  EXPECT_EQ(ParseDmaAttrs("0xZZ"), std::nullopt);
}

TEST(MemAttr, RoundTrips) {
  for (auto m : {MemAttr::kCached, MemAttr::kWriteCombine, MemAttr::kUncached}) {
    EXPECT_EQ(ParseMemAttr(ToString(m)), m);
  }
  EXPECT_EQ(ParseMemAttr("wc"), MemAttr::kWriteCombine);
  EXPECT_EQ(ParseMemAttr("device"), std::nullopt);
}

}  // namespace
}  // namespace dmakit
