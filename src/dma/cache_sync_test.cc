#include "cache_sync.h"

#include <gtest/gtest.h>

namespace dmakit {
namespace {

constexpr DmaDirection kDirs[] = {DmaDirection::kBidirectional, DmaDirection::kToDevice,
                                  DmaDirection::kFromDevice};

TEST(MaintenanceFor, HandingToTheDeviceCleansInEveryDirection) {
  for (DmaDirection dir : kDirs) {
    EXPECT_EQ(MaintenanceFor(OwnershipMove::kToDevice, dir, false, {}), CacheOp::kClean);
  }
}

TEST(MaintenanceFor, TakingBackInvalidatesOnlyWhatTheDeviceMayHaveWritten) {
  EXPECT_EQ(MaintenanceFor(OwnershipMove::kToCpu, DmaDirection::kToDevice, false, {}),
            std::nullopt);
  EXPECT_EQ(MaintenanceFor(OwnershipMove::kToCpu, DmaDirection::kFromDevice, false, {}),
            CacheOp::kInvalidate);
  EXPECT_EQ(MaintenanceFor(OwnershipMove::kToCpu, DmaDirection::kBidirectional, false, {}),
            CacheOp::kInvalidate);
}

TEST(MaintenanceFor, CoherentDevicesAndSkipCpuSyncNeedNothing) {
  for (DmaDirection dir : kDirs) {
    for (OwnershipMove move : {OwnershipMove::kToDevice, OwnershipMove::kToCpu}) {
      EXPECT_EQ(MaintenanceFor(move, dir, true, {}), std::nullopt);
      EXPECT_EQ(MaintenanceFor(move, dir, false, DmaAttrs::kSkipCpuSync), std::nullopt);
    }
  }
}

}  // namespace
}  // namespace dmakit
