// Rules on CPU and device accesses and on freeing pages, written as the bugs they catch.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "check/check_test_util.h"
#include "dmakit/check/checker.h"

namespace dmakit {
namespace {

using ::testing::ElementsAre;
using namespace dmakit::testing;  // NOLINT

constexpr uint64_t kBuf = 0x80001000;

class AccessRules : public ::testing::Test {
 protected:
  const Violation& Only(RuleId rule) {
    EXPECT_THAT(Rules(checker), ElementsAre(rule)) << Dump(checker);
    static const Violation kNone;
    return checker.violations().empty() ? kNone : checker.violations().front();
  }
  void ExpectClean() { EXPECT_EQ(checker.total(), 0u) << Dump(checker); }

  Checker checker;
  FakeBus bus{checker};
  FakeDriver eth{bus};
  FakeDriver cpu{bus, "cpu"};
};

TEST_F(AccessRules, CpuAccessDeviceOwned) {
  eth.Map(kBuf, kBuf, 4096, kFrom);
  cpu.CpuRead(kBuf + 128, 64);
  const Violation& v = Only(RuleId::kCpuAccessDeviceOwned);
  EXPECT_EQ(v.message,
            "CPU read of DMA memory owned by the device [phys address=0x80001080] [size=64 "
            "bytes] [cacheline=0x80001080] [device=eth0] [device address=0x80001000] [mapped "
            "with FROM_DEVICE]");
  EXPECT_EQ(v.device, Symbol("eth0"));
  EXPECT_THAT(v.lines, ElementsAre(PhysRange(PhysAddr(kBuf + 128), 64)));
}

TEST_F(AccessRules, CpuAccessAfterSyncForCpuIsClean) {
  eth.Map(kBuf, kBuf, 4096, kFrom);
  eth.SyncForCpu(kBuf, 4096, kFrom);
  cpu.CpuRead(kBuf, 4096);
  eth.SyncForDevice(kBuf, 4096, kFrom);
  eth.Unmap(kBuf, 4096, kFrom);
  cpu.CpuWrite(kBuf, 4096);
  ExpectClean();
}

TEST_F(AccessRules, PartialSyncForCpuHandsOverOnlyItsLines) {
  eth.Map(kBuf, kBuf, 4096, kFrom);
  eth.SyncForCpu(kBuf + 1024, 128, kFrom);
  cpu.CpuRead(kBuf + 1024, 128);
  EXPECT_EQ(checker.total(), 0u) << Dump(checker);
  cpu.CpuRead(kBuf + 1024 + 128, 64);
  Only(RuleId::kCpuAccessDeviceOwned);
}

TEST_F(AccessRules, CpuAccessDeviceOwnedHistoryShowsTheTransitions) {
  eth.Map(kBuf, kBuf, 4096, kFrom);
  eth.SyncForCpu(kBuf, 4096, kFrom);
  eth.SyncForDevice(kBuf, 4096, kFrom);
  cpu.CpuWrite(kBuf, 8);
  const Violation& v = Only(RuleId::kCpuAccessDeviceOwned);
  ASSERT_EQ(v.history.size(), 3u);
  EXPECT_EQ(v.history[0].kind, EventKind::kDmaMap);
  EXPECT_EQ(v.history[1].kind, EventKind::kDmaSyncForCpu);
  EXPECT_EQ(v.history[1].owner_after, Owner::kCpu);
  EXPECT_EQ(v.history[2].kind, EventKind::kDmaSyncForDevice);
  EXPECT_EQ(v.history[2].owner_after, Owner::kDevice);
  EXPECT_THAT(v.ToString(), ::testing::HasSubstr("dma_sync_for_device eth0 FROM_DEVICE"));
}

TEST_F(AccessRules, DeviceAccessToUnmappedMemory) {
  eth.DeviceWrite(0x80005000, 0x80005000, 64);
  const Violation& v = Only(RuleId::kDeviceAccessNotOwned);
  EXPECT_EQ(v.message,
            "device write of memory that is not mapped for DMA [device address=0x80005000] [phys "
            "address=0x80005000] [size=64 bytes] [cacheline=0x80005000]");
  EXPECT_EQ(v.mapping_seq, 0u);
}

TEST_F(AccessRules, DeviceAccessAfterUnmapShowsTheUnmapInHistory) {
  eth.Map(kBuf, kBuf, 4096, kFrom);
  eth.Unmap(kBuf, 4096, kFrom);
  eth.DeviceWrite(kBuf, kBuf, 64);
  const Violation& v = Only(RuleId::kDeviceAccessNotOwned);
  ASSERT_EQ(v.history.size(), 2u);
  EXPECT_EQ(v.history[1].kind, EventKind::kDmaUnmap);
}

TEST_F(AccessRules, DeviceAccessToCpuOwnedLine) {
  eth.Map(kBuf, kBuf, 4096, kFrom);
  eth.SyncForCpu(kBuf, 4096, kFrom);
  eth.DeviceWrite(kBuf, kBuf, 64);
  EXPECT_EQ(Only(RuleId::kDeviceAccessNotOwned).message,
            "device write of DMA memory owned by the CPU [device address=0x80001000] [phys "
            "address=0x80001000] [size=64 bytes] [cacheline=0x80001000] [mapping device "
            "address=0x80001000] [mapped with FROM_DEVICE]");
}

TEST_F(AccessRules, DeviceAccessToDeviceOwnedLineIsClean) {
  eth.Map(kBuf, kBuf, 4096, kFrom);
  eth.DeviceWrite(kBuf, kBuf, 4096);
  eth.SyncForCpu(kBuf, 4096, kFrom);
  eth.SyncForDevice(kBuf, 4096, kFrom);
  eth.DeviceWrite(kBuf, kBuf, 4096);
  ExpectClean();
}

TEST_F(AccessRules, DeviceWriteToDevice) {
  eth.Map(kBuf, kBuf, 4096, kTo);
  eth.DeviceWrite(kBuf + 64, kBuf + 64, 64);
  EXPECT_EQ(Only(RuleId::kDeviceWriteToDevice).message,
            "device write of a TO_DEVICE mapping [device address=0x80001040] [phys "
            "address=0x80001040] [size=64 bytes] [cacheline=0x80001040] [mapping device "
            "address=0x80001000] [mapped with TO_DEVICE]");
}

TEST_F(AccessRules, DeviceReadOfToDeviceMappingIsClean) {
  eth.Map(kBuf, kBuf, 4096, kTo);
  eth.DeviceRead(kBuf, kBuf, 4096);
  ExpectClean();
}

TEST_F(AccessRules, CoherentAllocationIsSharedByCpuAndDevice) {
  eth.Alloc(MapApi::kCoherent, kBuf, kBuf, 0xffff0000, 4096);
  cpu.CpuWrite(kBuf, 64);
  eth.DeviceRead(kBuf, kBuf, 64);
  eth.DeviceWrite(kBuf, kBuf, 64);
  cpu.CpuRead(kBuf, 64);
  ExpectClean();
}

TEST_F(AccessRules, NoncoherentAllocationStartsCpuOwned) {
  eth.Alloc(MapApi::kNoncoherent, kBuf, kBuf, 0xffff0000, 4096);
  cpu.CpuWrite(kBuf, 64);
  eth.DeviceRead(kBuf, kBuf, 64);
  Only(RuleId::kDeviceAccessNotOwned);
}

TEST_F(AccessRules, CacheLineSharing) {
  eth.DeviceAdd(/*coherent=*/false);
  eth.Map(kBuf + 16, kBuf + 16, 32, kFrom);
  cpu.CpuWrite(kBuf, 16);
  const Violation& v = Only(RuleId::kCacheLineSharing);
  EXPECT_EQ(v.message,
            "CPU write of data sharing a cache line with a device-owned mapping of a "
            "non-coherent device [phys address=0x80001000] [size=16 bytes] "
            "[cacheline=0x80001000] [device=eth0] [device address=0x80001010] [mapped with "
            "FROM_DEVICE]");
  EXPECT_THAT(v.lines, ElementsAre(PhysRange(PhysAddr(kBuf), 64)));
}

TEST_F(AccessRules, CacheLineSharingIsHarmlessOnACoherentDevice) {
  eth.DeviceAdd(/*coherent=*/true);
  eth.Map(kBuf + 16, kBuf + 16, 32, kFrom);
  cpu.CpuWrite(kBuf, 16);
  ExpectClean();
}

TEST_F(AccessRules, CacheLineSharingWithAToDeviceMappingIsHarmless) {
  eth.DeviceAdd(/*coherent=*/false);
  eth.Map(kBuf + 16, kBuf + 16, 32, kTo);
  cpu.CpuWrite(kBuf, 16);
  ExpectClean();
}

TEST_F(AccessRules, NeighbourOfALineAlignedMappingIsClean) {
  eth.DeviceAdd(/*coherent=*/false);
  eth.Map(kBuf + 64, kBuf + 64, 64, kFrom);
  cpu.CpuWrite(kBuf, 64);
  cpu.CpuWrite(kBuf + 128, 64);
  ExpectClean();
}

TEST_F(AccessRules, PageFreedWhileMapped) {
  eth.Map(kBuf, kBuf, 4096, kFrom);
  cpu.PageFree(kBuf, 4096);
  const Violation& v = Only(RuleId::kPageFreedWhileMapped);
  EXPECT_EQ(v.message,
            "pages freed while mapped for DMA [phys address=0x80001000] [size=4096 bytes] "
            "[device=eth0] [device address=0x80001000] [mapped as single] [owner=device]");
  EXPECT_THAT(v.lines, ElementsAre(PhysRange(PhysAddr(kBuf), 4096)));
}

TEST_F(AccessRules, PageFreedWhileMappedByAnIommu) {
  eth.IommuMap(1, 0x10000, kBuf, 4096);
  cpu.PageFree(kBuf, 4096);
  EXPECT_EQ(Only(RuleId::kPageFreedWhileMapped).message,
            "pages freed while mapped by an IOMMU [phys address=0x80001000] [size=4096 bytes] "
            "[domain=1] [iova=0x10000] [mapped size=4096 bytes]");
}

TEST_F(AccessRules, PageFreedAfterUnmapIsClean) {
  eth.Map(kBuf, kBuf, 4096, kFrom);
  eth.Unmap(kBuf, 4096, kFrom);
  eth.IommuMap(1, 0x10000, kBuf, 4096);
  eth.IommuUnmap(1, 0x10000, 4096);
  cpu.PageFree(kBuf, 4096);
  ExpectClean();
}

// An IOMMU merges three scattered pages into one DMA segment; a partial sync of the segment's
// middle page hands exactly that page to the CPU.
TEST_F(AccessRules, PartialSyncOfMergedSgSegmentMovesTheRightPage) {
  std::vector<SgSegment> sg = {
      SgSegment{PhysAddr(0x80010000), 4096, DmaAddr(0x100000), 3 * 4096},
      SgSegment{PhysAddr(0x80030000), 4096, DmaAddr(), 0},
      SgSegment{PhysAddr(0x80020000), 4096, DmaAddr(), 0},
  };
  eth.MapSg(sg, kFrom);
  eth.SyncForCpu(0x100000 + 4096, 4096, kFrom);
  cpu.CpuRead(0x80030000, 4096);
  EXPECT_EQ(checker.total(), 0u) << Dump(checker);
  cpu.CpuRead(0x80020000, 64);
  Only(RuleId::kCpuAccessDeviceOwned);
}

}  // namespace
}  // namespace dmakit
