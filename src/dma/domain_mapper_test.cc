// DomainMapper end to end on the simulator, with the oracle on: the DMA API's data-integrity
// matrix on a driver-managed domain (every direction, coherent and non-coherent, the IOMMU on
// the GPU node or on a sub-device), each required call left out once, sub-range syncs,
// permissions, the events the checker reads, and the seed's missing operation.
#include "dmakit/dma/domain_mapper.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dma/domain_mapper_test_util.h"

namespace dmakit {
namespace {

using testing::DomainRig;
using ::testing::ElementsAreArray;
using testing::EvictEverything;
using testing::Pattern;
using testing::RigParam;

constexpr uint64_t kBuf = 2 * kPageSize;
constexpr DmaAddr kIova(0x4000'0000);
const IoProt kRw = IoProt::kRead | IoProt::kWrite;

// The protection a driver gives each direction.
IoProt ProtFor(DmaDirection dir) {
  if (dir == DmaDirection::kToDevice) return IoProt::kRead;
  if (dir == DmaDirection::kFromDevice) return IoProt::kWrite;
  return kRw;
}

class DomainMapperMatrixTest : public ::testing::TestWithParam<RigParam> {
 protected:
  bool coherent() const { return GetParam().coherent; }
  // A rig with a two-page buffer whose lines the CPU holds dirty (`old_data`), mapped at kIova.
  std::unique_ptr<DomainRig> MappedRig(DmaDirection dir, const std::vector<uint8_t>& old_data,
                                       PhysAddr* buf) {
    auto rig = std::make_unique<DomainRig>(GetParam());
    // Another buffer of the GPU context, mapped first, so the page tables around kIova exist
    // and zeroing them does not push the buffer's lines out of the small cache.
    other_ = SgTable::FromPages(std::vector<PhysAddr>{rig->Pages(1)});
    EXPECT_TRUE(rig->mapper->MapSg(other_, kIova + (1 << 20), dir, ProtFor(dir)).ok());
    *buf = rig->Pages(2);
    rig->CpuWrite(*buf, old_data);
    sg_ = SgTable::FromPages(std::vector<PhysAddr>{*buf, *buf + kPageSize});
    Status st = rig->mapper->MapSg(sg_, kIova, dir, ProtFor(dir));
    EXPECT_TRUE(st.ok()) << st.error().ToString();
    return rig;
  }
  SgTable other_;
  SgTable sg_;
};

TEST_P(DomainMapperMatrixTest, MapHandsTheCpusDataToTheDevice) {
  for (DmaDirection dir : {DmaDirection::kToDevice, DmaDirection::kBidirectional}) {
    SCOPED_TRACE(ToString(dir));
    PhysAddr buf;
    auto data = Pattern(kBuf, 1);
    auto rig = MappedRig(dir, data, &buf);
    EXPECT_THAT(rig->DeviceRead(kIova, kBuf), ElementsAreArray(data));
    ASSERT_TRUE(rig->mapper->Unmap(kIova, kBuf, dir).ok());
    EXPECT_EQ(rig->Corruptions(), 0u);
    EXPECT_EQ(rig->mapper->live_mappings(), 1u);  // the other buffer
  }
}

TEST_P(DomainMapperMatrixTest, SyncForDeviceAfterACpuWriteShowsTheDeviceTheNewData) {
  for (DmaDirection dir : {DmaDirection::kToDevice, DmaDirection::kBidirectional}) {
    SCOPED_TRACE(ToString(dir));
    PhysAddr buf;
    auto rig = MappedRig(dir, Pattern(kBuf, 1), &buf);
    ASSERT_TRUE(rig->mapper->SyncForCpu(kIova, kBuf, dir).ok());
    auto fresh = Pattern(kBuf, 90);
    rig->CpuWrite(buf, fresh);
    ASSERT_TRUE(rig->mapper->SyncForDevice(kIova, kBuf, dir).ok());
    EXPECT_THAT(rig->DeviceRead(kIova, kBuf), ElementsAreArray(fresh));
    EXPECT_EQ(rig->Corruptions(), 0u);
  }
}

TEST_P(DomainMapperMatrixTest, SkippingSyncForDeviceAfterACpuWriteFeedsTheDeviceStaleData) {
  for (DmaDirection dir : {DmaDirection::kToDevice, DmaDirection::kBidirectional}) {
    SCOPED_TRACE(ToString(dir));
    PhysAddr buf;
    auto old_data = Pattern(kBuf, 1);
    auto rig = MappedRig(dir, old_data, &buf);
    ASSERT_TRUE(rig->mapper->SyncForCpu(kIova, kBuf, dir).ok());
    auto fresh = Pattern(kBuf, 90);
    rig->CpuWrite(buf, fresh);
    auto seen = rig->DeviceRead(kIova, kBuf);  // no SyncForDevice
    if (coherent()) {
      EXPECT_THAT(seen, ElementsAreArray(fresh));  // the device snoops the CPU cache
      EXPECT_EQ(rig->Corruptions(), 0u);
      continue;
    }
    EXPECT_THAT(seen, ElementsAreArray(old_data));
    auto c = rig->log.OfKind(EventKind::kCorruption);
    ASSERT_FALSE(c.empty());
    EXPECT_EQ(c.front().device, rig->device());
    EXPECT_EQ(c.front().phys, buf);
    EXPECT_EQ(c.front().writer, rig->soc->cpu_name());
  }
}

TEST_P(DomainMapperMatrixTest, SyncForCpuShowsTheCpuWhatTheDeviceWrote) {
  for (DmaDirection dir : {DmaDirection::kFromDevice, DmaDirection::kBidirectional}) {
    SCOPED_TRACE(ToString(dir));
    PhysAddr buf;
    auto rig = MappedRig(dir, Pattern(kBuf, 1), &buf);
    auto fresh = Pattern(kBuf, 50);
    rig->DeviceWrite(kIova, fresh);
    ASSERT_TRUE(rig->mapper->SyncForCpu(kIova, kBuf, dir).ok());
    EXPECT_THAT(rig->CpuRead(buf, kBuf), ElementsAreArray(fresh));
    EXPECT_EQ(rig->Corruptions(), 0u);
  }
}

TEST_P(DomainMapperMatrixTest, UnmapShowsTheCpuWhatTheDeviceWrote) {
  for (DmaDirection dir : {DmaDirection::kFromDevice, DmaDirection::kBidirectional}) {
    SCOPED_TRACE(ToString(dir));
    PhysAddr buf;
    auto rig = MappedRig(dir, Pattern(kBuf, 1), &buf);
    auto fresh = Pattern(kBuf, 50);
    rig->DeviceWrite(kIova, fresh);
    ASSERT_TRUE(rig->mapper->Unmap(kIova, kBuf, dir).ok());
    EXPECT_THAT(rig->CpuRead(buf, kBuf), ElementsAreArray(fresh));
    EXPECT_EQ(rig->Corruptions(), 0u);
  }
}

TEST_P(DomainMapperMatrixTest, SkippingSyncForCpuReadsStaleCachedLines) {
  for (DmaDirection dir : {DmaDirection::kFromDevice, DmaDirection::kBidirectional}) {
    SCOPED_TRACE(ToString(dir));
    PhysAddr buf;
    auto rig = MappedRig(dir, Pattern(kBuf, 1), &buf);
    auto fresh = Pattern(kBuf, 50);
    rig->DeviceWrite(kIova, fresh);
    auto seen = rig->CpuRead(buf, kBuf);  // no SyncForCpu
    if (coherent()) {
      EXPECT_THAT(seen, ElementsAreArray(fresh));
      EXPECT_EQ(rig->Corruptions(), 0u);
      continue;
    }
    EXPECT_NE(seen, fresh);
    auto c = rig->log.OfKind(EventKind::kCorruption);
    ASSERT_FALSE(c.empty());
    EXPECT_EQ(c.front().device, rig->soc->cpu_name());
    EXPECT_EQ(c.front().writer, rig->device());
  }
}

TEST_P(DomainMapperMatrixTest, ToDeviceSyncAndUnmapInvalidateNothing) {
  PhysAddr buf;
  auto rig = MappedRig(DmaDirection::kToDevice, Pattern(kBuf, 1), &buf);
  const size_t before = rig->Count(EventKind::kCacheMaintenance);
  ASSERT_TRUE(rig->mapper->SyncForCpu(kIova, kBuf, DmaDirection::kToDevice).ok());
  ASSERT_TRUE(rig->mapper->Unmap(kIova, kBuf, DmaDirection::kToDevice).ok());
  EXPECT_EQ(rig->Count(EventKind::kCacheMaintenance), before);
}

TEST_P(DomainMapperMatrixTest, MaintenanceHappensOnlyForANonCoherentDevice) {
  PhysAddr buf;
  auto rig = MappedRig(DmaDirection::kBidirectional, Pattern(kBuf, 1), &buf);
  ASSERT_TRUE(rig->mapper->SyncForCpu(kIova, kBuf, DmaDirection::kBidirectional).ok());
  ASSERT_TRUE(rig->mapper->SyncForDevice(kIova, kBuf, DmaDirection::kBidirectional).ok());
  ASSERT_TRUE(rig->mapper->Unmap(kIova, kBuf, DmaDirection::kBidirectional).ok());
  std::vector<Event> ops;
  for (const Event& e : rig->log.OfKind(EventKind::kCacheMaintenance)) {
    if (PhysRange(buf, kBuf).Contains(e.phys)) ops.push_back(e);
  }
  if (coherent()) {
    EXPECT_EQ(rig->Count(EventKind::kCacheMaintenance), 0u);
    return;
  }
  // map: clean per entry; sync_for_cpu: invalidate; sync_for_device: clean; unmap: invalidate.
  std::vector<CacheOp> kinds;
  for (const Event& e : ops) kinds.push_back(e.cache_op);
  EXPECT_THAT(kinds, ElementsAreArray({CacheOp::kClean, CacheOp::kClean, CacheOp::kInvalidate,
                                       CacheOp::kInvalidate, CacheOp::kClean, CacheOp::kClean,
                                       CacheOp::kInvalidate, CacheOp::kInvalidate}));
  EXPECT_EQ(ops.front().phys, buf);
  EXPECT_EQ(ops.front().size, kPageSize);
}

TEST_P(DomainMapperMatrixTest, SubRangeSyncForCpuSeesThatRangeAndMaintainsOnlyIt) {
  PhysAddr buf;
  auto rig = MappedRig(DmaDirection::kFromDevice, Pattern(kBuf, 1), &buf);
  auto fresh = Pattern(kPageSize, 70);
  rig->DeviceWrite(kIova + kPageSize + 512, std::vector<uint8_t>(fresh.begin(), fresh.end() - 512));
  const size_t before = rig->Count(EventKind::kCacheMaintenance);
  ASSERT_TRUE(
      rig->mapper->SyncForCpu(kIova + kPageSize + 512, kPageSize - 512, DmaDirection::kFromDevice)
          .ok());
  auto seen = rig->CpuRead(buf + kPageSize + 512, kPageSize - 512);
  EXPECT_THAT(seen, ElementsAreArray(fresh.begin(), fresh.end() - 512));
  EXPECT_EQ(rig->Corruptions(), 0u);
  auto ops = rig->log.OfKind(EventKind::kCacheMaintenance);
  if (coherent()) {
    EXPECT_EQ(ops.size(), before);
    return;
  }
  ASSERT_EQ(ops.size(), before + 1);
  EXPECT_EQ(ops.back().phys_range(), PhysRange(buf + kPageSize + 512, kPageSize - 512));
}

INSTANTIATE_TEST_SUITE_P(AllPlatforms, DomainMapperMatrixTest,
                         ::testing::ValuesIn(testing::kAllRigs), testing::ParamName);

// --- Layout, events, permissions: on both topologies ---

class DomainMapperTest : public ::testing::TestWithParam<RigParam> {};

TEST_P(DomainMapperTest, ScatteredPagesAreContiguousAtTheDriversIova) {
  DomainRig rig(GetParam());
  PhysAddr p = rig.Pages(3);
  std::vector<PhysAddr> order = {p + 2 * kPageSize, p, p + kPageSize};
  std::vector<uint8_t> expected;
  for (size_t i = 0; i < order.size(); ++i) {
    auto d = Pattern(kPageSize, static_cast<uint8_t>(10 * i + 3));
    rig.CpuWrite(order[i], d);
    expected.insert(expected.end(), d.begin(), d.end());
  }
  SgTable sg = SgTable::FromPages(order);
  ASSERT_TRUE(rig.mapper->MapSg(sg, kIova, DmaDirection::kToDevice, IoProt::kRead).ok());
  ASSERT_EQ(sg.nents(), 1u);
  EXPECT_EQ(sg.dma()[0].address, kIova);
  EXPECT_EQ(sg.dma()[0].length, 3 * kPageSize);
  EXPECT_THAT(rig.DeviceRead(kIova, 3 * kPageSize), ElementsAreArray(expected));
  EXPECT_EQ(rig.Count(EventKind::kIommuMap), 3u);  // one per entry's page span
  EXPECT_EQ(rig.Corruptions(), 0u);
}

TEST_P(DomainMapperTest, MapEmitsTheDmaApisEventWithTheDomainApi) {
  DomainRig rig(GetParam());
  PhysAddr p = rig.Pages(2);
  SgTable sg = SgTable::FromPages(std::vector<PhysAddr>{p + kPageSize, p});
  ASSERT_TRUE(rig.mapper->MapSg(sg, kIova, DmaDirection::kBidirectional, kRw).ok());
  auto maps = rig.log.OfKind(EventKind::kDmaMap);
  ASSERT_EQ(maps.size(), 1u);
  const Event& e = maps[0];
  EXPECT_EQ(e.api, MapApi::kDomain);
  EXPECT_EQ(e.device, rig.device());
  EXPECT_EQ(e.device,
            Symbol(GetParam().placement == testing::IommuOn::kGpuNode ? "gpu" : "gpu-mmu"));
  EXPECT_EQ(e.dma, kIova);
  EXPECT_EQ(e.size, kBuf);
  EXPECT_EQ(e.dir, DmaDirection::kBidirectional);
  EXPECT_EQ(e.nents, 2u);
  EXPECT_EQ(e.mapped_nents, 1u);
  EXPECT_FALSE(e.failed);
  ASSERT_EQ(e.sg.size(), 2u);
  EXPECT_EQ(e.sg[0], (SgSegment{p + kPageSize, kPageSize, kIova, kBuf}));
  EXPECT_EQ(e.sg[1], (SgSegment{p, kPageSize, DmaAddr(), 0}));
  // The device can use the pages only once they are cleaned and mapped.
  auto iommu_maps = rig.log.OfKind(EventKind::kIommuMap);
  ASSERT_EQ(iommu_maps.size(), 2u);
  EXPECT_EQ(iommu_maps[0].device, rig.device());
  EXPECT_LT(iommu_maps[1].seq, e.seq);
  if (!GetParam().coherent) {
    auto cleans = rig.log.OfKind(EventKind::kCacheMaintenance);
    ASSERT_EQ(cleans.size(), 2u);
    EXPECT_LT(cleans[1].seq, iommu_maps[0].seq);
  }
}

TEST_P(DomainMapperTest, SyncAndUnmapEventsCarryTheDomainApi) {
  DomainRig rig(GetParam());
  PhysAddr p = rig.Pages(1);
  SgTable sg = SgTable::FromPages(std::vector<PhysAddr>{p});
  const auto dir = DmaDirection::kFromDevice;
  ASSERT_TRUE(rig.mapper->MapSg(sg, kIova, dir, IoProt::kWrite).ok());
  ASSERT_TRUE(rig.mapper->SyncForCpu(kIova + 64, 128, dir).ok());
  ASSERT_TRUE(rig.mapper->SyncForDevice(kIova, 64, dir).ok());
  ASSERT_TRUE(rig.mapper->Unmap(kIova, kPageSize, dir).ok());
  for (EventKind kind :
       {EventKind::kDmaSyncForCpu, EventKind::kDmaSyncForDevice, EventKind::kDmaUnmap}) {
    auto events = rig.log.OfKind(kind);
    ASSERT_EQ(events.size(), 1u) << ToString(kind);
    EXPECT_EQ(events[0].api, MapApi::kDomain);
    EXPECT_EQ(events[0].device, rig.device());
    EXPECT_EQ(events[0].dir, dir);
  }
  EXPECT_EQ(rig.log.OfKind(EventKind::kDmaSyncForCpu)[0].dma, kIova + 64);
  EXPECT_EQ(rig.log.OfKind(EventKind::kDmaSyncForCpu)[0].size, 128u);
  EXPECT_EQ(rig.log.OfKind(EventKind::kDmaUnmap)[0].size, kPageSize);
  EXPECT_EQ(rig.Count(EventKind::kIommuUnmap), 1u);
  EXPECT_FALSE(rig.domain->page_table()->IovaToPhys(kIova).ok());
}

TEST_P(DomainMapperTest, AFirstEntryStartingMidPageIsMappedAtItsOffset) {
  DomainRig rig(GetParam());
  PhysAddr p = rig.Pages(2);
  auto data = Pattern(2 * kPageSize - 256, 9);
  rig.CpuWrite(p + 256, data);
  SgTable sg;
  sg.Append(p, 256, kPageSize - 256);
  sg.Append(p + kPageSize, 0, kPageSize);
  const auto dir = DmaDirection::kToDevice;
  ASSERT_TRUE(rig.mapper->MapSg(sg, kIova, dir, IoProt::kRead).ok());
  ASSERT_EQ(sg.nents(), 1u);
  EXPECT_EQ(sg.dma()[0].address, kIova + 256);
  EXPECT_EQ(sg.dma()[0].length, data.size());
  EXPECT_THAT(rig.DeviceRead(kIova + 256, data.size()), ElementsAreArray(data));
  // A sync of the second entry maps onto the second page.
  ASSERT_TRUE(rig.mapper->SyncForDevice(kIova + kPageSize, kPageSize, dir).ok());
  if (!GetParam().coherent) {
    EXPECT_EQ(rig.log.OfKind(EventKind::kCacheMaintenance).back().phys_range(),
              PhysRange(p + kPageSize, kPageSize));
  }
  // Unmap by the mapping's DMA address (the IOVA given to MapSg works too: see below).
  ASSERT_TRUE(rig.mapper->Unmap(kIova + 256, data.size(), dir).ok());
  EXPECT_EQ(rig.log.OfKind(EventKind::kDmaUnmap).back().dma, kIova + 256);
  ASSERT_TRUE(rig.mapper->MapSg(sg, kIova, dir, IoProt::kRead).ok());
  ASSERT_TRUE(rig.mapper->Unmap(kIova, data.size(), dir).ok());
  EXPECT_EQ(rig.log.OfKind(EventKind::kDmaUnmap).back().dma, kIova + 256);
  EXPECT_EQ(rig.Corruptions(), 0u);
}

TEST_P(DomainMapperTest, UnmapOfTheTableClearsItsDmaSideAndGivesTheMemoryBack) {
  DomainRig rig(GetParam());
  PhysAddr p = rig.Pages(2);
  SgTable sg;
  sg.Append(p, 256, kPageSize - 256);
  sg.Append(p + kPageSize, 0, kPageSize);
  const auto dir = DmaDirection::kFromDevice;
  ASSERT_TRUE(rig.mapper->MapSg(sg, kIova, dir, kRw).ok());
  const auto data = Pattern(sg.total_length(), 3);
  rig.DeviceWrite(kIova + 256, data);
  ASSERT_TRUE(rig.mapper->Unmap(sg, dir).ok());
  EXPECT_EQ(sg.nents(), 0u);
  EXPECT_EQ(rig.mapper->live_mappings(), 0u);
  EXPECT_FALSE(rig.domain->page_table()->IovaToPhys(kIova).ok());
  // The unmap is the DMA API's: the mapping's handle, size, direction and entry count.
  const Event e = rig.log.OfKind(EventKind::kDmaUnmap).back();
  EXPECT_EQ(e.dma, kIova + 256);
  EXPECT_EQ(e.size, data.size());
  EXPECT_EQ(e.dir, dir);
  EXPECT_EQ(e.nents, 2u);
  // Ownership came back with the invalidate: the CPU reads what the device wrote.
  EXPECT_THAT(rig.CpuRead(p + 256, data.size()), ElementsAreArray(data));
  EXPECT_EQ(rig.Corruptions(), 0u);
  // The table can be mapped again.
  ASSERT_TRUE(rig.mapper->MapSg(sg, kIova, dir, kRw).ok());
  EXPECT_EQ(sg.nents(), 1u);
  EXPECT_TRUE(rig.mapper->Unmap(sg, dir).ok());
}

TEST_P(DomainMapperTest, AReadOnlyToDeviceMappingFaultsOnADeviceWrite) {
  DomainRig rig(GetParam());
  PhysAddr p = rig.Pages(1);
  auto data = Pattern(kPageSize, 4);
  rig.CpuWrite(p, data);
  SgTable sg = SgTable::FromPages(std::vector<PhysAddr>{p});
  ASSERT_TRUE(rig.mapper->MapSg(sg, kIova, DmaDirection::kToDevice, IoProt::kRead).ok());
  Status st = rig.iommu->DeviceWrite(rig.device(), kIova, Pattern(64, 200));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kFault);
  ASSERT_FALSE(rig.iommu->faults().empty());
  EXPECT_EQ(rig.iommu->faults().back().type, FaultType::kPermission);
  EXPECT_EQ(rig.iommu->faults().back().iova, kIova);
  ASSERT_TRUE(rig.mapper->Unmap(kIova, kPageSize, DmaDirection::kToDevice).ok());
  EXPECT_THAT(rig.CpuRead(p, kPageSize), ElementsAreArray(data));
  EXPECT_EQ(rig.Corruptions(), 0u);
}

TEST_P(DomainMapperTest, TheDomainIsAttachedAndDriverOwned) {
  DomainRig rig(GetParam());
  IommuGroup* group = rig.iommu->GroupOf(rig.device());
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->domain(), rig.domain.get());
  EXPECT_EQ(group->owner(), GroupOwner::kDriver);
  auto attach = rig.log.OfKind(EventKind::kIommuAttach);
  ASSERT_FALSE(attach.empty());
  EXPECT_EQ(attach.back().text, Symbol("unmanaged"));
}

INSTANTIATE_TEST_SUITE_P(AllPlatforms, DomainMapperTest, ::testing::ValuesIn(testing::kAllRigs),
                         testing::ParamName);

// --- The seed's missing operation: preparing pages for an uncached / WC CPU mapping ---

class PrepareCpuMappingTest : public ::testing::TestWithParam<MemAttr> {
 protected:
  // The CPU fills the pages through the cached linear map (dirty lines), maps them with the
  // test's attribute, writes through that view, then a busy kernel evicts everything.
  // Returns what a read through the view sees afterwards.
  std::vector<uint8_t> WriteThroughTheViewThenEvict(DomainRig& rig, bool prepare) {
    PhysAddr p = rig.Pages(2);
    PhysAddr scratch = rig.Pages(40);
    rig.CpuWrite(p, Pattern(kBuf, 1));
    std::vector<PhysAddr> pages = {p, p + kPageSize};
    if (prepare) {
      EXPECT_TRUE(rig.mapper->PrepareCpuMapping(pages, GetParam()).ok());
    }
    CpuAddr view = rig.soc->MapPages(pages, GetParam()).value();
    fresh_ = Pattern(kBuf, 77);
    EXPECT_TRUE(rig.soc->CpuWrite(view, fresh_).ok());
    rig.soc->WriteBarrier();
    EvictEverything(*rig.soc, scratch);
    std::vector<uint8_t> seen(kBuf);
    EXPECT_TRUE(rig.soc->CpuRead(view, seen).ok());
    phys_ = p;
    return seen;
  }
  std::vector<uint8_t> fresh_;
  PhysAddr phys_;
};

TEST_P(PrepareCpuMappingTest, WithoutItAnEvictedDirtyLineOverwritesTheViewsData) {
  DomainRig rig(RigParam{});
  auto seen = WriteThroughTheViewThenEvict(rig, /*prepare=*/false);
  EXPECT_NE(seen, fresh_);
  auto c = rig.log.OfKind(EventKind::kCorruption);
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c.front().device, rig.soc->cpu_name());
  EXPECT_EQ(c.front().phys, phys_);
  EXPECT_THAT(c.front().expected, ElementsAreArray(fresh_.begin(), fresh_.begin() + 64));
}

TEST_P(PrepareCpuMappingTest, WithItTheViewsDataSurvivesEviction) {
  DomainRig rig(RigParam{});
  auto seen = WriteThroughTheViewThenEvict(rig, /*prepare=*/true);
  EXPECT_THAT(seen, ElementsAreArray(fresh_));
  EXPECT_EQ(rig.Corruptions(), 0u);
  auto prep = rig.log.OfKind(EventKind::kPrepareCpuMapping);
  ASSERT_EQ(prep.size(), 1u);
  EXPECT_EQ(prep[0].device, rig.device());
  EXPECT_EQ(prep[0].phys_range(), PhysRange(phys_, kBuf));
  EXPECT_EQ(prep[0].mem_attr, GetParam());
}

TEST_P(PrepareCpuMappingTest, WithItTheViewsDataSurvivesAnAdversarialCache) {
  DomainRig rig(RigParam{}, EvictionPolicy::kAdversarial);
  auto seen = WriteThroughTheViewThenEvict(rig, /*prepare=*/true);
  EXPECT_THAT(seen, ElementsAreArray(fresh_));
  EXPECT_EQ(rig.Corruptions(), 0u);
}

TEST_P(PrepareCpuMappingTest, CleansAndInvalidatesEachPageOnceWithOneEventPerRun) {
  DomainRig rig(RigParam{});
  PhysAddr p = rig.Pages(4);
  std::vector<PhysAddr> pages = {p + kPageSize, p, p + 3 * kPageSize, p + kPageSize};
  ASSERT_TRUE(rig.mapper->PrepareCpuMapping(pages, GetParam()).ok());
  auto prep = rig.log.OfKind(EventKind::kPrepareCpuMapping);
  ASSERT_EQ(prep.size(), 2u);
  EXPECT_EQ(prep[0].phys_range(), PhysRange(p, 2 * kPageSize));
  EXPECT_EQ(prep[1].phys_range(), PhysRange(p + 3 * kPageSize, kPageSize));
  auto ops = rig.log.OfKind(EventKind::kCacheMaintenance);
  uint64_t bytes = 0;
  for (const Event& e : ops) {
    EXPECT_EQ(e.cache_op, CacheOp::kCleanInvalidate);
    bytes += e.size;
  }
  EXPECT_EQ(bytes, 3 * kPageSize);
}

INSTANTIATE_TEST_SUITE_P(UncachedViews, PrepareCpuMappingTest,
                         ::testing::Values(MemAttr::kWriteCombine, MemAttr::kUncached),
                         [](const ::testing::TestParamInfo<MemAttr>& p) {
                           return p.param == MemAttr::kUncached ? "Uncached" : "WriteCombine";
                         });

}  // namespace
}  // namespace dmakit
