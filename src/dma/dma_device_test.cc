// DmaDevice behaviours beyond the matrix: masks and bouncing, sub-range syncs, partial-line
// buffers, allocations.
#include <gtest/gtest.h>

#include "bounce_pool.h"
#include "dma_test_util.h"

namespace dmakit {
namespace {

using testing::DmaRig;
using testing::DmaRigOptions;
using testing::Pattern;

constexpr DmaDirection kFrom = DmaDirection::kFromDevice;
constexpr DmaDirection kBidi = DmaDirection::kBidirectional;

DmaRigOptions HighMemory(uint64_t bounce_size) {
  DmaRigOptions o;
  o.banks = {{"low", PhysAddr(0x8000'0000), 16ull << 20},
             {"high", PhysAddr(0x1'0000'0000), 16ull << 20}};
  o.dma_mask = 0xffff'ffffull;
  o.bounce_size = bounce_size;
  return o;
}

TEST(DmaDevice, MemoryAboveTheMaskIsBounced) {
  auto rig = DmaRig::Make(HighMemory(1 << 20));
  const PhysAddr high(0x1'0000'2000);
  rig->CpuWrite(high, Pattern(4096, 1));
  DmaAddr dma = rig->dev->MapSingle(rig->Cpu(high), 4096, kBidi);
  ASSERT_FALSE(rig->dev->MappingError(dma)) << rig->dev->last_error().ToString();
  EXPECT_LE(dma.value() + 4095, 0xffff'ffffull);
  EXPECT_TRUE(rig->system->bounce_pool()->range().Contains(PhysAddr(dma.value())));
  EXPECT_EQ(rig->DevRead(dma, 4096), Pattern(4096, 1));
  rig->DevWrite(dma, Pattern(4096, 2));
  ASSERT_TRUE(rig->dev->UnmapSingle(dma, 4096, kBidi).ok());
  EXPECT_EQ(rig->CpuRead(high, 4096), Pattern(4096, 2));
  EXPECT_EQ(rig->Corruptions(), 0u);
}

TEST(DmaDevice, MemoryAboveTheMaskWithoutAPoolFailsClearly) {
  auto rig = DmaRig::Make(HighMemory(0));
  DmaAddr dma = rig->dev->MapSingle(rig->Cpu(PhysAddr(0x1'0000'2000)), 4096, kBidi);
  EXPECT_TRUE(rig->dev->MappingError(dma));
  EXPECT_EQ(rig->dev->last_error().code(), ErrorCode::kOutOfRange);
  EXPECT_NE(rig->dev->last_error().message().find("no bounce pool"), std::string::npos);
  std::vector<uint8_t> out(16);
  EXPECT_EQ(rig->dev->DeviceRead(DmaAddr(0x1'0000'2000), out).error().code(), ErrorCode::kFault);
}

TEST(DmaDevice, AnExhaustedBouncePoolFailsTheMap) {
  DmaRigOptions o;
  o.backend = DmaBackendKind::kBounce;
  o.bounce_size = 8192;
  auto rig = DmaRig::Make(o);
  PhysAddr buf = rig->AllocPages(4);
  DmaAddr dma = rig->dev->MapSingle(rig->Cpu(buf), 4 * kPageSize, kBidi);
  EXPECT_TRUE(rig->dev->MappingError(dma));
  EXPECT_EQ(rig->dev->last_error().code(), ErrorCode::kExhausted);
  EXPECT_EQ(rig->system->bounce_pool()->free_slots(), 4u);
}

TEST(DmaDevice, ASubRangeSyncMaintainsOnlyThatRange) {
  auto rig = DmaRig::Make(DmaRigOptions{});
  PhysAddr buf = rig->AllocPages(1);
  rig->CpuWrite(buf, Pattern(4096, 1));
  DmaAddr dma = rig->dev->MapSingle(rig->Cpu(buf), 4096, kFrom);
  ASSERT_FALSE(rig->dev->MappingError(dma));
  rig->DevWrite(dma, Pattern(4096, 2));
  rig->log.Clear();
  ASSERT_TRUE(rig->dev->SyncSingleForCpu(dma + 1024, 512, kFrom).ok());
  auto ops = rig->log.OfKind(EventKind::kCacheMaintenance);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].phys, buf + 1024);
  EXPECT_EQ(ops[0].size, 512u);
  const auto expect = Pattern(4096, 2);
  std::vector<uint8_t> part(512);
  ASSERT_TRUE(rig->soc->CpuRead(rig->Cpu(buf + 1024), part).ok());
  EXPECT_EQ(part, std::vector<uint8_t>(expect.begin() + 1024, expect.begin() + 1536));
  EXPECT_EQ(rig->Corruptions(), 0u);
  ASSERT_TRUE(rig->dev->UnmapSingle(dma, 4096, kFrom).ok());
}

TEST(DmaDevice, APartialLineBufferRoundTrips) {
  for (DmaBackendKind backend :
       {DmaBackendKind::kDirect, DmaBackendKind::kIommu, DmaBackendKind::kBounce}) {
    DmaRigOptions o;
    o.backend = backend;
    auto rig = DmaRig::Make(o);
    PhysAddr page = rig->AllocPages(1);
    const PhysAddr buf = page + 40;  // starts and ends mid-line
    DmaAddr dma = rig->dev->MapPage(page, 40, 100, kFrom);
    ASSERT_FALSE(rig->dev->MappingError(dma)) << ToString(backend);
    rig->DevWrite(dma, Pattern(100, 3));
    ASSERT_TRUE(rig->dev->UnmapPage(dma, 100, kFrom).ok());
    EXPECT_EQ(rig->CpuRead(buf, 100), Pattern(100, 3)) << ToString(backend);
    EXPECT_EQ(rig->Corruptions(), 0u) << ToString(backend);
  }
}

TEST(DmaDevice, CoherentMemoryNeedsNoSyncOnANonCoherentDevice) {
  for (DmaBackendKind backend : {DmaBackendKind::kDirect, DmaBackendKind::kIommu}) {
    DmaRigOptions o;
    o.backend = backend;
    auto rig = DmaRig::Make(o);
    CoherentBuffer b = rig->dev->AllocCoherent(8192).value();
    EXPECT_EQ(rig->soc->AttrOf(b.cpu).value(), MemAttr::kUncached);
    std::vector<uint8_t> zero(8192);
    ASSERT_TRUE(rig->soc->CpuRead(b.cpu, zero).ok());
    EXPECT_EQ(zero, std::vector<uint8_t>(8192, 0));
    rig->DevWrite(b.dma, Pattern(8192, 4));
    std::vector<uint8_t> seen(8192);
    ASSERT_TRUE(rig->soc->CpuRead(b.cpu, seen).ok());
    EXPECT_EQ(seen, Pattern(8192, 4));
    ASSERT_TRUE(rig->soc->CpuWrite(b.cpu, Pattern(8192, 5)).ok());
    EXPECT_EQ(rig->DevRead(b.dma, 8192), Pattern(8192, 5));
    EXPECT_EQ(rig->Corruptions(), 0u);
    ASSERT_TRUE(rig->dev->FreeCoherent(8192, b.cpu, b.dma).ok());
    EXPECT_EQ(rig->log.Count(EventKind::kDmaAlloc), 1u);
    EXPECT_EQ(rig->log.Count(EventKind::kDmaFree), 1u);
  }
}

TEST(DmaDevice, NoncoherentMemoryIsSyncedLikeAStreamingMapping) {
  auto rig = DmaRig::Make(DmaRigOptions{});
  NoncoherentBuffer b = rig->dev->AllocNoncoherent(4096, kBidi).value();
  ASSERT_TRUE(rig->soc->CpuWrite(b.cpu, Pattern(4096, 6)).ok());
  ASSERT_TRUE(rig->dev->SyncSingleForDevice(b.dma, 4096, kBidi).ok());
  EXPECT_EQ(rig->DevRead(b.dma, 4096), Pattern(4096, 6));
  rig->DevWrite(b.dma, Pattern(4096, 7));
  ASSERT_TRUE(rig->dev->SyncSingleForCpu(b.dma, 4096, kBidi).ok());
  EXPECT_EQ(rig->CpuRead(b.phys, 4096), Pattern(4096, 7));
  EXPECT_EQ(rig->Corruptions(), 0u);
  ASSERT_TRUE(rig->dev->FreeNoncoherent(4096, b.cpu, b.dma, kBidi).ok());
  NoncoherentBuffer p = rig->dev->AllocPages(4096, kBidi).value();
  ASSERT_TRUE(rig->dev->FreePages(4096, p.phys, p.dma, kBidi).ok());
  EXPECT_EQ(rig->dev->live_mappings(), 0u);
}

TEST(DmaDevice, ProbeResolvesOnceAndAnnounces) {
  auto rig = DmaRig::Make(DmaRigOptions{});
  EXPECT_EQ(rig->system->Probe("dev").value(), rig->dev);
  EXPECT_EQ(rig->system->Probe("nope").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(rig->system->ProbeUnmanaged("dev").error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(rig->log.Count(EventKind::kDeviceAdd), 1u);
  EXPECT_GE(rig->log.Count(EventKind::kRamBank), 1u);
}

TEST(BouncePool, RejectsBadGeometry) {
  auto soc = Soc::Create(SocConfig{}).value();
  EXPECT_EQ(BouncePool::Create(*soc, {8192, 100, 1ull << 32, false}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(BouncePool::Create(*soc, {1000, 2048, 1ull << 32, false}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(BouncePool::Create(*soc, {8192, 2048, 0x8000'0000, false}).error().code(),
            ErrorCode::kExhausted);
  auto pool = BouncePool::Create(*soc, {8192, 2048, 1ull << 32, false}).value();
  PhysAddr a = pool->Alloc(3000).value();
  EXPECT_EQ(pool->free_slots(), 2u);
  EXPECT_EQ(pool->Free(a, 100).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(pool->Free(a + 2048, 100).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(pool->Free(a, 3000).ok());
  EXPECT_EQ(pool->Alloc(0).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace dmakit
