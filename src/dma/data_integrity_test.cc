// End to end on the simulator, oracle on: every direction x coherent / non-coherent device x
// direct / IOMMU / bounce backend moves the right bytes with the right calls, and with a
// required call left out the bug shows (wrong bytes; on a non-coherent device without
// bouncing also the oracle's kCorruption).
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "dma_test_util.h"

namespace dmakit {
namespace {

using testing::DmaRig;
using testing::DmaRigOptions;
using testing::Pattern;

using Param = std::tuple<DmaDirection, bool, DmaBackendKind>;

class DataIntegrity : public ::testing::TestWithParam<Param> {
 protected:
  DmaDirection dir() const { return std::get<0>(GetParam()); }
  bool coherent() const { return std::get<1>(GetParam()); }
  DmaBackendKind backend() const { return std::get<2>(GetParam()); }
  bool bounced() const { return backend() == DmaBackendKind::kBounce; }
  // Does leaving out a call break this platform? Coherent hardware without bouncing hides it.
  bool breaks() const { return !coherent() || bounced(); }
  // Does the oracle see it? Bounce bugs are stale copies, not incoherence.
  bool oracle_sees() const { return !coherent() && !bounced(); }

  std::unique_ptr<DmaRig> Rig(EvictionPolicy eviction = EvictionPolicy::kLru) {
    DmaRigOptions o;
    o.backend = backend();
    o.coherent = coherent();
    o.eviction = eviction;
    return DmaRig::Make(o);
  }
  static constexpr uint64_t kSize = 4096;
};

TEST_P(DataIntegrity, CorrectCallsMoveTheRightBytesAndTheOracleStaysSilent) {
  auto rig = Rig();
  PhysAddr buf = rig->AllocPages(1);
  const auto a = Pattern(kSize, 1), c = Pattern(kSize, 3), d = Pattern(kSize, 4);
  rig->CpuWrite(buf, a);
  DmaAddr dma = rig->dev->MapSingle(rig->Cpu(buf), kSize, dir());
  ASSERT_FALSE(rig->dev->MappingError(dma)) << rig->dev->last_error().ToString();
  EXPECT_EQ(rig->dev->backend(), backend());
  if (DeviceReads(dir())) {
    EXPECT_EQ(rig->DevRead(dma, kSize), a);
  }
  if (DeviceWrites(dir())) rig->DevWrite(dma, c);
  // The CPU borrows the buffer and gives it back.
  ASSERT_TRUE(rig->dev->SyncSingleForCpu(dma, kSize, dir()).ok());
  EXPECT_EQ(rig->CpuRead(buf, kSize), DeviceWrites(dir()) ? c : a);
  if (DeviceReads(dir())) rig->CpuWrite(buf, d);
  ASSERT_TRUE(rig->dev->SyncSingleForDevice(dma, kSize, dir()).ok());
  if (DeviceReads(dir())) {
    EXPECT_EQ(rig->DevRead(dma, kSize), d);
  }
  if (DeviceWrites(dir())) rig->DevWrite(dma, a);
  ASSERT_TRUE(rig->dev->UnmapSingle(dma, kSize, dir()).ok());
  EXPECT_EQ(rig->CpuRead(buf, kSize), DeviceWrites(dir()) ? a : d);
  EXPECT_EQ(rig->Corruptions(), 0u);
  EXPECT_EQ(rig->dev->live_mappings(), 0u);
}

TEST_P(DataIntegrity, SkippingSyncForDeviceAfterACpuWriteFeedsTheDeviceStaleData) {
  if (!DeviceReads(dir())) GTEST_SKIP() << "the device does not read in this direction";
  auto rig = Rig();
  PhysAddr buf = rig->AllocPages(1);
  const auto a = Pattern(kSize, 1), d = Pattern(kSize, 4);
  rig->CpuWrite(buf, a);
  DmaAddr dma = rig->dev->MapSingle(rig->Cpu(buf), kSize, dir());
  ASSERT_FALSE(rig->dev->MappingError(dma));
  ASSERT_TRUE(rig->dev->SyncSingleForCpu(dma, kSize, dir()).ok());
  rig->CpuWrite(buf, d);
  // Missing: SyncSingleForDevice.
  const auto seen = rig->DevRead(dma, kSize);
  EXPECT_EQ(seen != d, breaks());
  EXPECT_EQ(rig->Corruptions() > 0, oracle_sees());
  ASSERT_TRUE(rig->dev->UnmapSingle(dma, kSize, dir()).ok());
}

TEST_P(DataIntegrity, ReadingBeforeSyncForCpuSeesStaleData) {
  if (!DeviceWrites(dir())) GTEST_SKIP() << "the device does not write in this direction";
  auto rig = Rig();
  PhysAddr buf = rig->AllocPages(1);
  const auto a = Pattern(kSize, 1), c = Pattern(kSize, 3);
  rig->CpuWrite(buf, a);  // the lines are cached
  DmaAddr dma = rig->dev->MapSingle(rig->Cpu(buf), kSize, dir());
  ASSERT_FALSE(rig->dev->MappingError(dma));
  rig->DevWrite(dma, c);
  // Missing: SyncSingleForCpu / UnmapSingle before the CPU reads.
  EXPECT_EQ(rig->CpuRead(buf, kSize) != c, breaks());
  EXPECT_EQ(rig->Corruptions() > 0, oracle_sees());
  ASSERT_TRUE(rig->dev->UnmapSingle(dma, kSize, dir()).ok());
}

TEST_P(DataIntegrity, MapWithoutTheCleanLetsAnEvictionClobberDeviceData) {
  if (!DeviceWrites(dir())) GTEST_SKIP() << "the device does not write in this direction";
  auto rig = Rig(EvictionPolicy::kAdversarial);
  PhysAddr buf = rig->AllocPages(1);
  const auto a = Pattern(kSize, 1), c = Pattern(kSize, 3);
  rig->CpuWrite(buf, a);  // dirty lines
  // Missing: the clean of the map (SkipCpuSync), then a correct unmap.
  DmaAddr dma = rig->dev->MapSingle(rig->Cpu(buf), kSize, dir(), DmaAttrs::kSkipCpuSync);
  ASSERT_FALSE(rig->dev->MappingError(dma));
  rig->DevWrite(dma, c);  // the adversary writes the dirty lines back over it
  ASSERT_TRUE(rig->dev->UnmapSingle(dma, kSize, dir()).ok());
  const bool wrong = rig->CpuRead(buf, kSize) != c;
  // Only where the device writes the buffer itself: a bounced device writes its slot, and the
  // unmap's copy-back overwrites whatever the eviction put in the buffer.
  EXPECT_EQ(wrong, oracle_sees());
  EXPECT_EQ(rig->Corruptions() > 0, oracle_sees());
}

std::string Name(const ::testing::TestParamInfo<Param>& info) {
  std::string dir(ToString(std::get<0>(info.param)));
  std::erase(dir, '_');
  return dir + (std::get<1>(info.param) ? "Coherent" : "NonCoherent") +
         std::string(ToString(std::get<2>(info.param)));
}

INSTANTIATE_TEST_SUITE_P(
    AllCombinations, DataIntegrity,
    ::testing::Combine(::testing::Values(DmaDirection::kToDevice, DmaDirection::kFromDevice,
                                         DmaDirection::kBidirectional),
                       ::testing::Bool(),
                       ::testing::Values(DmaBackendKind::kDirect, DmaBackendKind::kIommu,
                                         DmaBackendKind::kBounce)),
    Name);

}  // namespace
}  // namespace dmakit
