// The dma-debug parity rules, one behaviour per test: each bug the way a driver writes it, the
// exact message, and the correct sequence that must stay silent.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "check/check_test_util.h"
#include "dmakit/check/checker.h"

namespace dmakit {
namespace {

using ::testing::ElementsAre;
using namespace dmakit::testing;  // NOLINT

constexpr uint64_t kBuf = 0x80001000;  // direct mapping: device address == physical address

class DmaDebugRules : public ::testing::Test {
 protected:
  const Violation& Only(RuleId rule) {
    EXPECT_THAT(Rules(checker), ElementsAre(rule)) << Dump(checker);
    static const Violation kNone;
    return checker.violations().empty() ? kNone : checker.violations().front();
  }
  void ExpectClean() { EXPECT_EQ(checker.total(), 0u) << Dump(checker); }

  Checker checker;
  FakeDriver eth{checker};
};

TEST_F(DmaDebugRules, MapOutsideRam) {
  eth.RamBank(0x80000000, 0x10000000);
  eth.Map(0x1000, 0x1000, 4096, kTo);
  EXPECT_EQ(Only(RuleId::kMapOutsideRam).message,
            "device driver maps memory outside RAM [phys address=0x1000] [size=4096 bytes] "
            "[device address=0x1000]");
}

TEST_F(DmaDebugRules, MapInsideAdjacentRamBanksIsClean) {
  eth.RamBank(0x80000000, 0x1000);
  eth.RamBank(0x80001000, 0x1000);
  eth.Map(0x80000800, 0x80000800, 0x1000, kTo);
  ExpectClean();
}

// The checker remembers the bank its last RAM check found; a bank announced again with a new
// size must be judged by the new size.
TEST_F(DmaDebugRules, MapOutsideABankAnnouncedAgainSmallerIsOutsideRam) {
  eth.RamBank(0x80000000, 0x10000000);
  eth.Map(0x80100000, 0x80100000, 4096, kTo);
  eth.RamBank(0x80000000, 0x100000);
  eth.Map(0x80200000, 0x80200000, 4096, kTo);
  EXPECT_EQ(Only(RuleId::kMapOutsideRam).dma, DmaAddr(0x80200000));
}

TEST_F(DmaDebugRules, MapOutsideRamIsNotJudgedWithoutRamBanks) {
  eth.Map(0x1000, 0x1000, 4096, kTo);
  ExpectClean();
}

TEST_F(DmaDebugRules, SgSegmentTooLong) {
  eth.DeviceAdd(false, 0x10000, 0);
  eth.MapSg(FakeDriver::Sg(kBuf, kBuf, 1, 0x20000, 0x20000), kTo);
  EXPECT_EQ(Only(RuleId::kSgSegmentTooLong).message,
            "mapping sg segment longer than device claims to support [len=131072] [max=65536]");
}

// The checker remembers the device its last lookup found; a device announced again (and
// other devices announced in between) must be judged by the new description.
TEST_F(DmaDebugRules, SgSegmentTooLongForADeviceAnnouncedAgain) {
  eth.DeviceAdd(false, 0x20000, 0);
  eth.MapSg(FakeDriver::Sg(kBuf, kBuf, 1, 0x20000, 0x20000), kTo);
  FakeDriver(checker, "nic1").DeviceAdd(false, 0x1000, 0);
  eth.DeviceAdd(false, 0x10000, 0);
  eth.MapSg(FakeDriver::Sg(0x80100000, 0x80100000, 1, 0x20000, 0x20000), kTo);
  EXPECT_EQ(Only(RuleId::kSgSegmentTooLong).message,
            "mapping sg segment longer than device claims to support [len=131072] [max=65536]");
}

TEST_F(DmaDebugRules, SgSegmentWithinMaxIsClean) {
  eth.DeviceAdd(false, 0x20000, 0);
  eth.MapSg(FakeDriver::Sg(kBuf, kBuf, 2, 0x20000, 0x20000), kTo);
  ExpectClean();
}

TEST_F(DmaDebugRules, SgSegmentCrossesBoundary) {
  eth.DeviceAdd(false, 0, 0xffff);
  eth.MapSg(FakeDriver::Sg(0x8000f000, 0x8000f000, 1, 0x2000, 0x2000), kTo);
  EXPECT_EQ(Only(RuleId::kSgSegmentCrossesBoundary).message,
            "mapping sg segment across boundary [start=0x8000f000] [end=0x80010fff] "
            "[boundary=0xffff]");
}

TEST_F(DmaDebugRules, SgSegmentInsideBoundaryIsClean) {
  eth.DeviceAdd(false, 0, 0xffff);
  eth.MapSg(FakeDriver::Sg(0x8000e000, 0x8000e000, 1, 0x2000, 0x2000), kTo);
  ExpectClean();
}

TEST_F(DmaDebugRules, OverlappingMapping) {
  eth.Map(kBuf, kBuf, 32, kFrom);
  eth.Map(kBuf + 32, kBuf + 32, 32, kFrom);
  const Violation& v = Only(RuleId::kOverlappingMapping);
  EXPECT_EQ(v.message,
            "device driver maps memory that shares a cache line with a live streaming mapping "
            "[cacheline=0x80001000] [device address=0x80001020] [size=32 bytes] [mapped with "
            "FROM_DEVICE] [other device=eth0] [other device address=0x80001000] [other mapped "
            "with FROM_DEVICE]");
  EXPECT_THAT(v.lines, ElementsAre(PhysRange(PhysAddr(kBuf), 64)));
}

TEST_F(DmaDebugRules, OverlappingToDeviceMappingsAreClean) {
  eth.Map(kBuf, kBuf, 4096, kTo);
  eth.Map(kBuf + 4, kBuf + 4, 4096, kTo);
  ExpectClean();
}

TEST_F(DmaDebugRules, OverlappingSkipCpuSyncMappingIsClean) {
  eth.Map(kBuf, kBuf, 64, kFrom);
  eth.Map(kBuf + 2048, kBuf, 64, kFrom, MapApi::kSingle, DmaAttrs::kSkipCpuSync);
  ExpectClean();
}

TEST_F(DmaDebugRules, MappingsOnAdjacentLinesAreClean) {
  eth.Map(kBuf, kBuf, 64, kFrom);
  eth.Map(kBuf + 64, kBuf + 64, 64, kFrom);
  ExpectClean();
}

TEST_F(DmaDebugRules, FreeUnknown) {
  eth.Unmap(kBuf, 4096, kTo);
  EXPECT_EQ(Only(RuleId::kFreeUnknown).message,
            "device driver tries to free DMA memory it has not allocated [device "
            "address=0x80001000] [size=4096 bytes]");
}

TEST_F(DmaDebugRules, DoubleUnmapIsFreeUnknown) {
  eth.Map(kBuf, kBuf, 4096, kTo);
  eth.Unmap(kBuf, 4096, kTo);
  eth.Unmap(kBuf, 4096, kTo);
  Only(RuleId::kFreeUnknown);
}

TEST_F(DmaDebugRules, UnmapOfAnotherDevicesHandleIsFreeUnknown) {
  FakeBus bus(checker);
  FakeDriver a(bus, "eth0"), b(bus, "eth1");
  a.Map(kBuf, kBuf, 4096, kTo);
  b.Unmap(kBuf, 4096, kTo);
  Only(RuleId::kFreeUnknown);
}

TEST_F(DmaDebugRules, UnmapSizeMismatch) {
  eth.Map(kBuf, kBuf, 4096, kTo);
  eth.Unmap(kBuf, 2048, kTo);
  EXPECT_EQ(Only(RuleId::kUnmapSizeMismatch).message,
            "device driver frees DMA memory with different size [device address=0x80001000] "
            "[map size=4096 bytes] [unmap size=2048 bytes]");
}

TEST_F(DmaDebugRules, UnmapWrongFunction) {
  eth.Map(kBuf, kBuf, 4096, kTo);
  eth.Unmap(kBuf, 4096, kTo, MapApi::kPage);
  EXPECT_EQ(Only(RuleId::kUnmapWrongFunction).message,
            "device driver frees DMA memory with wrong function [device address=0x80001000] "
            "[size=4096 bytes] [mapped as single] [unmapped as page]");
}

TEST_F(DmaDebugRules, FreeCoherentOfStreamingMappingIsWrongFunction) {
  eth.Map(kBuf, kBuf, 4096, kBidi);
  eth.Free(MapApi::kCoherent, kBuf, 0, 4096);
  Only(RuleId::kUnmapWrongFunction);
}

TEST_F(DmaDebugRules, FreeCpuAddressMismatch) {
  eth.Alloc(MapApi::kCoherent, 0x90000000, 0x90000000, 0xffff0000, 8192);
  eth.Free(MapApi::kCoherent, 0x90000000, 0xffff1000, 8192);
  EXPECT_EQ(Only(RuleId::kFreeCpuAddressMismatch).message,
            "device driver frees DMA memory with different CPU address [device "
            "address=0x90000000] [size=8192 bytes] [cpu alloc address=0xffff0000] [cpu free "
            "address=0xffff1000]");
}

TEST_F(DmaDebugRules, AllocFreeCoherentIsClean) {
  eth.Alloc(MapApi::kCoherent, 0x90000000, 0x90000000, 0xffff0000, 8192);
  eth.Free(MapApi::kCoherent, 0x90000000, 0xffff0000, 8192);
  checker.OnEnd();
  ExpectClean();
}

TEST_F(DmaDebugRules, UnmapSgNentsMismatch) {
  eth.MapSg(FakeDriver::Sg(kBuf, kBuf, 3, 4096, 0x10000), kFrom);
  eth.UnmapSg(kBuf, 2, kFrom);
  EXPECT_EQ(Only(RuleId::kUnmapSgNentsMismatch).message,
            "device driver frees DMA sg list with different entry count [map count=3] [unmap "
            "count=2]");
}

TEST_F(DmaDebugRules, MapUnmapSgIsClean) {
  eth.MapSg(FakeDriver::Sg(kBuf, kBuf, 3, 4096, 0x10000), kFrom);
  eth.UnmapSg(kBuf, 3, kFrom);
  checker.OnEnd();
  ExpectClean();
}

TEST_F(DmaDebugRules, UnmapDirectionMismatch) {
  eth.Map(kBuf, kBuf, 4096, kTo);
  eth.Unmap(kBuf, 4096, kFrom);
  const Violation& v = Only(RuleId::kUnmapDirectionMismatch);
  EXPECT_EQ(v.message,
            "device driver frees DMA memory with different direction [device address=0x80001000] "
            "[size=4096 bytes] [mapped with TO_DEVICE] [unmapped with FROM_DEVICE]");
  EXPECT_EQ(v.dir, kFrom);
  EXPECT_EQ(v.mapping_dir, kTo);
}

TEST_F(DmaDebugRules, MappingErrorUncheckedAtUnmap) {
  eth.MapUnchecked(kBuf, kBuf, 4096, kTo);
  eth.Unmap(kBuf, 4096, kTo);
  EXPECT_EQ(Only(RuleId::kMappingErrorUnchecked).message,
            "device driver failed to check map error [device address=0x80001000] [size=4096 "
            "bytes] [mapped as single]");
}

TEST_F(DmaDebugRules, MappingErrorUncheckedIsReportedOncePerMapping) {
  eth.MapUnchecked(kBuf, kBuf, 4096, kBidi);
  eth.SyncForCpu(kBuf, 4096, kBidi);
  eth.SyncForDevice(kBuf, 4096, kBidi);
  eth.Unmap(kBuf, 4096, kBidi);
  Only(RuleId::kMappingErrorUnchecked);
}

TEST_F(DmaDebugRules, MappingErrorUncheckedOnLiveMappingAtEnd) {
  eth.MapUnchecked(kBuf, kBuf, 4096, kTo);
  checker.OnEnd();
  EXPECT_THAT(Rules(checker), ElementsAre(RuleId::kMappingErrorUnchecked, RuleId::kLeakAtEnd));
}

TEST_F(DmaDebugRules, SgMapNeedsNoErrorCheck) {
  eth.MapSg(FakeDriver::Sg(kBuf, kBuf, 1, 4096, 4096), kTo);
  eth.UnmapSg(kBuf, 1, kTo);
  ExpectClean();
}

TEST_F(DmaDebugRules, FailedMapCreatesNoMapping) {
  Event e = eth.MapEvent(0, kBuf, 4096, kTo);
  e.failed = true;
  eth.Feed(e);
  eth.MappingError(0);
  EXPECT_EQ(checker.live_mappings(), 0u);
  ExpectClean();
}

TEST_F(DmaDebugRules, FailedAllocationIsNeitherTrackedNorALeak) {
  eth.FailedAlloc(MapApi::kCoherent, 4096);
  EXPECT_EQ(checker.live_mappings(), 0u);
  checker.OnEnd();
  ExpectClean();
}

TEST_F(DmaDebugRules, SyncNotMapped) {
  eth.SyncForDevice(kBuf, 4096, kTo);
  EXPECT_EQ(Only(RuleId::kSyncNotMapped).message,
            "device driver tries to sync DMA memory it has not allocated [device "
            "address=0x80001000] [size=4096 bytes]");
}

// The seed thread: msm syncs pages for the device that were never dma-mapped.
TEST_F(DmaDebugRules, SyncSgOfPagesNeverMappedIsSyncNotMapped) {
  std::vector<SgSegment> pages = {SgSegment{PhysAddr(0x80040000), 4096, DmaAddr(), 0},
                                  SgSegment{PhysAddr(0x80052000), 4096, DmaAddr(), 0}};
  eth.SyncSg(EventKind::kDmaSyncForDevice, pages, 2, kBidi);
  ASSERT_EQ(checker.count(RuleId::kSyncNotMapped), 2u) << Dump(checker);
  const Violation& v = checker.violations().front();
  EXPECT_EQ(v.message,
            "device driver tries to sync DMA memory it has not allocated [device address=0x0] "
            "[size=4096 bytes]");
  EXPECT_THAT(v.lines, ElementsAre(PhysRange(PhysAddr(0x80040000), 4096)));
}

TEST_F(DmaDebugRules, PartialSyncInsideMappingIsClean) {
  eth.Map(kBuf, kBuf, 4096, kFrom);
  eth.SyncForCpu(kBuf + 1024, 512, kFrom);
  eth.SyncForDevice(kBuf + 1024, 512, kFrom);
  eth.Unmap(kBuf, 4096, kFrom);
  ExpectClean();
}

TEST_F(DmaDebugRules, SyncOutsideRange) {
  eth.Map(kBuf, kBuf, 4096, kFrom);
  eth.SyncForCpu(kBuf + 3072, 2048, kFrom);
  EXPECT_EQ(Only(RuleId::kSyncOutsideRange).message,
            "device driver syncs DMA memory outside allocated range [device "
            "address=0x80001000] [allocation size=4096 bytes] [sync offset+size=5120]");
}

TEST_F(DmaDebugRules, SyncDirectionMismatch) {
  eth.Map(kBuf, kBuf, 4096, kFrom);
  eth.SyncForCpu(kBuf, 4096, kTo);
  EXPECT_EQ(Only(RuleId::kSyncDirectionMismatch).message,
            "device driver syncs DMA memory with different direction [device "
            "address=0x80001000] [size=4096 bytes] [mapped with FROM_DEVICE] [synced with "
            "TO_DEVICE]");
}

TEST_F(DmaDebugRules, BidirectionalMappingAcceptsAnySyncDirection) {
  eth.Map(kBuf, kBuf, 4096, kBidi);
  eth.SyncForCpu(kBuf, 4096, kFrom);
  eth.SyncForDevice(kBuf, 4096, kTo);
  ExpectClean();
}

TEST_F(DmaDebugRules, SyncReadOnlyForCpu) {
  eth.Map(kBuf, kBuf, 4096, kTo);
  eth.SyncForCpu(kBuf, 4096, kFrom);
  EXPECT_THAT(Rules(checker),
              ElementsAre(RuleId::kSyncDirectionMismatch, RuleId::kSyncReadOnlyForCpu));
  EXPECT_EQ(checker.violations().back().message,
            "device driver syncs device read-only DMA memory for cpu [device "
            "address=0x80001000] [size=4096 bytes] [mapped with TO_DEVICE] [synced with "
            "FROM_DEVICE]");
}

TEST_F(DmaDebugRules, SyncToDeviceMappingForCpuWithItsDirectionIsClean) {
  eth.Map(kBuf, kBuf, 4096, kTo);
  eth.SyncForCpu(kBuf, 4096, kTo);
  eth.SyncForDevice(kBuf, 4096, kTo);
  ExpectClean();
}

TEST_F(DmaDebugRules, SyncWriteOnlyForDevice) {
  eth.Map(kBuf, kBuf, 4096, kFrom);
  eth.SyncForDevice(kBuf, 4096, kTo);
  EXPECT_THAT(Rules(checker),
              ElementsAre(RuleId::kSyncDirectionMismatch, RuleId::kSyncWriteOnlyForDevice));
  EXPECT_EQ(checker.violations().back().message,
            "device driver syncs device write-only DMA memory to device [device "
            "address=0x80001000] [size=4096 bytes] [mapped with FROM_DEVICE] [synced with "
            "TO_DEVICE]");
}

TEST_F(DmaDebugRules, SyncSgNentsMismatch) {
  auto sg = FakeDriver::Sg(kBuf, kBuf, 3, 4096, 0x10000);
  eth.MapSg(sg, kFrom);
  eth.SyncSg(EventKind::kDmaSyncForCpu, {sg[0], sg[1]}, 2, kFrom);
  EXPECT_EQ(Only(RuleId::kSyncSgNentsMismatch).message,
            "device driver syncs DMA sg list with different entry count [map count=3] [sync "
            "count=2]");
}

TEST_F(DmaDebugRules, SyncSgWithMapCountIsClean) {
  auto sg = FakeDriver::Sg(kBuf, kBuf, 3, 4096, 0x10000);
  eth.MapSg(sg, kFrom);
  eth.SyncSg(EventKind::kDmaSyncForCpu, sg, 3, kFrom);
  eth.SyncSg(EventKind::kDmaSyncForDevice, sg, 3, kFrom);
  eth.UnmapSg(kBuf, 3, kFrom);
  ExpectClean();
}

TEST_F(DmaDebugRules, LiveAtDeviceRelease) {
  eth.Map(kBuf, kBuf, 4096, kTo);
  eth.Release();
  checker.OnEnd();  // already reported: not a second time as a leak
  EXPECT_EQ(Only(RuleId::kLiveAtDeviceRelease).message,
            "device driver has pending DMA allocations while released from device [count=1] "
            "[device address=0x80001000] [size=4096 bytes] [mapped as single] "
            "[direction=TO_DEVICE]");
}

TEST_F(DmaDebugRules, ReleaseAfterUnmapIsClean) {
  eth.Map(kBuf, kBuf, 4096, kTo);
  eth.Unmap(kBuf, 4096, kTo);
  eth.Release();
  ExpectClean();
}

TEST_F(DmaDebugRules, LeakAtEnd) {
  eth.Map(kBuf, kBuf, 4096, kTo);
  checker.OnEnd();
  EXPECT_EQ(Only(RuleId::kLeakAtEnd).message,
            "DMA-API leak at end of run [device address=0x80001000] [size=4096 bytes] [mapped "
            "as single] [direction=TO_DEVICE]");
}

TEST_F(DmaDebugRules, DmaApiOnUnmanagedDomain) {
  FakeDriver gpu(checker, "gpu");
  gpu.Attach(1, "unmanaged");
  gpu.MapSg(FakeDriver::Sg(0x10000, kBuf, 1, 4096, 4096), kBidi);
  EXPECT_EQ(Only(RuleId::kDmaApiOnUnmanagedDomain).message,
            "device driver uses the DMA API on a device whose IOMMU domain it manages "
            "[call=dma_map sg] [device address=0x10000] [size=4096 bytes] [iommu node=gpu] "
            "[domain=1]");
}

// Topology: on some generations the IOMMU is attached to a sub-device of the GPU.
TEST_F(DmaDebugRules, DmaApiOnUnmanagedDomainOfTheIommuSubDevice) {
  FakeBus bus(checker);
  FakeDriver gpu(bus, "gpu"), smmu(bus, "gpu-smmu");
  gpu.DeviceAdd(false, 0, 0, "gpu-smmu");
  smmu.Attach(3, "unmanaged");
  gpu.SyncForDevice(0x10000, 4096, kBidi);
  EXPECT_EQ(checker.count(RuleId::kDmaApiOnUnmanagedDomain), 1u) << Dump(checker);
  EXPECT_EQ(checker.count(RuleId::kSyncNotMapped), 1u);
}

TEST_F(DmaDebugRules, OwnershipAwareDomainApiOnUnmanagedDomainIsClean) {
  FakeDriver gpu(checker, "gpu");
  gpu.Attach(1, "unmanaged");
  gpu.Map(0x10000, kBuf, 4096, kBidi, MapApi::kDomain);
  gpu.Unmap(0x10000, 4096, kBidi, MapApi::kDomain);
  ExpectClean();
}

TEST_F(DmaDebugRules, DmaApiOnDmaDomainIsClean) {
  eth.Attach(1, "dma");
  eth.Map(0x10000, kBuf, 4096, kBidi);
  eth.Unmap(0x10000, 4096, kBidi);
  ExpectClean();
}

TEST_F(DmaDebugRules, ViolationRecordsBothCallSites) {
  eth.Map(kBuf, kBuf, 4096, kTo);
  const uint32_t map_line = __LINE__ - 1;
  eth.Unmap(kBuf, 4096, kFrom);
  const uint32_t unmap_line = __LINE__ - 1;
  const Violation& v = Only(RuleId::kUnmapDirectionMismatch);
  EXPECT_EQ(v.where.line, unmap_line);
  EXPECT_EQ(v.mapping_where.line, map_line);
  EXPECT_EQ(v.device, Symbol("eth0"));
  EXPECT_EQ(v.seq, eth.last_seq());
  EXPECT_THAT(v.ToString(), ::testing::HasSubstr("DMA010 unmap-direction-mismatch"));
}

}  // namespace
}  // namespace dmakit
