// Every error DomainMapper documents: returned with its code, the call still reported as an
// event where the checker needs it, and the state intact afterwards.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dma/domain_mapper_test_util.h"
#include "dmakit/dma/dma_device.h"
#include "dmakit/dma/domain_mapper.h"

namespace dmakit {
namespace {

using testing::DomainRig;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using testing::Pattern;
using testing::RigParam;

constexpr DmaAddr kIova(0x4000'0000);
const IoProt kRw = IoProt::kRead | IoProt::kWrite;

class DomainMapperErrorsTest : public ::testing::TestWithParam<RigParam> {
 protected:
  DomainMapperErrorsTest() : rig_(GetParam()) {
    buf_ = rig_.Pages(2);
    rig_.CpuWrite(buf_, Pattern(2 * kPageSize, 1));
    sg_ = SgTable::FromPages(std::vector<PhysAddr>{buf_, buf_ + kPageSize});
  }
  DomainMapper& mapper() { return *rig_.mapper; }

  // A map that must fail with `code`: a failed kDmaMap is reported and nothing changes.
  void ExpectMapRefused(SgTable& sg, DmaAddr iova, DmaDirection dir, IoProt prot, ErrorCode code) {
    const size_t live = mapper().live_mappings();
    const size_t iommu_maps = rig_.Count(EventKind::kIommuMap);
    const auto dma_side = std::vector<SgDmaEntry>(sg.dma().begin(), sg.dma().end());
    Status st = mapper().MapSg(sg, iova, dir, prot);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), code) << st.error().ToString();
    auto maps = rig_.log.OfKind(EventKind::kDmaMap);
    ASSERT_FALSE(maps.empty());
    EXPECT_TRUE(maps.back().failed);
    EXPECT_EQ(maps.back().api, MapApi::kDomain);
    EXPECT_EQ(mapper().live_mappings(), live);
    EXPECT_EQ(rig_.Count(EventKind::kIommuMap), iommu_maps);
    EXPECT_EQ(sg.nents(), dma_side.size());
  }

  // A sync/unmap that must fail with `code`: the call is reported (so the checker names the
  // bug), no maintenance is done and the live mapping is untouched.
  template <typename Call>
  void ExpectCallRefused(Call call, EventKind kind, ErrorCode code) {
    const size_t ops = rig_.Count(EventKind::kCacheMaintenance);
    const size_t calls = rig_.Count(kind);
    const size_t live = mapper().live_mappings();
    Status st = call();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), code) << st.error().ToString();
    EXPECT_EQ(rig_.Count(kind), calls + 1);
    EXPECT_EQ(rig_.log.OfKind(kind).back().api, MapApi::kDomain);
    EXPECT_EQ(rig_.Count(EventKind::kCacheMaintenance), ops);
    EXPECT_EQ(mapper().live_mappings(), live);
    if (live != 0) {
      EXPECT_EQ(rig_.domain->page_table()->IovaToPhys(kIova).value(), buf_);
    }
  }

  DomainRig rig_;
  PhysAddr buf_;
  SgTable sg_;
};

// --- Create ---

TEST_P(DomainMapperErrorsTest, CreateRefusesAnUnknownDevice) {
  auto m = DomainMapper::Create(*rig_.system, "npu", *rig_.domain);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kNotFound);
}

TEST_P(DomainMapperErrorsTest, CreateRefusesADeviceWithoutIommu) {
  auto m = DomainMapper::Create(*rig_.system, "uart", *rig_.domain);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kFailedPrecondition);
}

TEST_P(DomainMapperErrorsTest, CreateRefusesADomainThatIsNotUnmanaged) {
  DomainRig rig(GetParam(), EvictionPolicy::kLru, /*create_mapper=*/false);
  auto dma_domain = std::move(rig.iommu->AllocDomain(DomainType::kDma)).value();
  auto m = DomainMapper::Create(*rig.system, "gpu", *dma_domain);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_THAT(m.error().message(), HasSubstr("unmanaged"));
}

TEST_P(DomainMapperErrorsTest, CreateRefusesADomainOfAnotherIommu) {
  DomainRig rig(GetParam(), EvictionPolicy::kLru, /*create_mapper=*/false);
  IommuConfig other_config;
  other_config.name = "smmu1";
  auto other = std::move(Iommu::Create(*rig.soc, other_config)).value();
  ASSERT_TRUE(rig.system->AddIommu(*other).ok());
  {
    auto foreign = std::move(other->AllocDomain(DomainType::kUnmanaged)).value();
    auto m = DomainMapper::Create(*rig.system, "gpu", *foreign);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code(), ErrorCode::kFailedPrecondition);
    EXPECT_THAT(m.error().message(), HasSubstr("smmu1"));
  }
  rig.system.reset();  // the DMA system's domains go before the IOMMUs
}

// The seed's conflict: a device the DMA API already owns cannot be handed to the driver.
TEST_P(DomainMapperErrorsTest, CreateRefusesADeviceProbedForTheDmaApi) {
  DomainRig rig(GetParam(), EvictionPolicy::kLru, /*create_mapper=*/false);
  DmaDevice* dev = rig.system->Probe("gpu").value();
  auto m = DomainMapper::Create(*rig.system, "gpu", *rig.domain);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kFailedPrecondition);
  IommuGroup* group = rig.iommu->GroupOf(dev->name());
  ASSERT_NE(group, nullptr);
  EXPECT_EQ(group->owner(), GroupOwner::kDmaApi);
  EXPECT_NE(group->domain(), rig.domain.get());
}

TEST_P(DomainMapperErrorsTest, CreateRefusesAGroupOwnedByTheDmaApi) {
  DomainRig rig(GetParam(), EvictionPolicy::kLru, /*create_mapper=*/false);
  const std::string node = GetParam().placement == testing::IommuOn::kGpuNode ? "gpu" : "gpu-mmu";
  // Another device shares the GPU's group and is attached to a DMA-API domain.
  ASSERT_TRUE(rig.iommu->AddDevice(rig.soc->AddBusMaster(node, GetParam().coherent), 4).ok());
  ASSERT_TRUE(rig.iommu->AddDevice(rig.soc->AddBusMaster("gpu-cx", false), 9, Symbol(node)).ok());
  auto dma_domain = std::move(rig.iommu->AllocDomain(DomainType::kDma)).value();
  IommuGroup* group = rig.iommu->GroupOf(Symbol(node));
  ASSERT_TRUE(rig.iommu->AttachGroup(*group, *dma_domain).ok());
  auto m = DomainMapper::Create(*rig.system, "gpu", *rig.domain);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(group->owner(), GroupOwner::kDmaApi);
  EXPECT_EQ(group->domain(), dma_domain.get());
  rig.system.reset();
}

// --- MapSg ---

TEST_P(DomainMapperErrorsTest, MapRefusesDirectionNone) {
  ExpectMapRefused(sg_, kIova, DmaDirection::kNone, kRw, ErrorCode::kInvalidArgument);
}

TEST_P(DomainMapperErrorsTest, MapRefusesAnEmptyTable) {
  SgTable empty;
  ExpectMapRefused(empty, kIova, DmaDirection::kToDevice, kRw, ErrorCode::kInvalidArgument);
}

TEST_P(DomainMapperErrorsTest, MapRefusesAnUnalignedIova) {
  ExpectMapRefused(sg_, kIova + 512, DmaDirection::kToDevice, kRw, ErrorCode::kInvalidArgument);
}

TEST_P(DomainMapperErrorsTest, MapRefusesALaterEntryStartingMidPage) {
  SgTable sg;
  sg.Append(buf_, 0, kPageSize);
  sg.Append(buf_ + kPageSize, 64, 128);
  ExpectMapRefused(sg, kIova, DmaDirection::kToDevice, kRw, ErrorCode::kInvalidArgument);
}

TEST_P(DomainMapperErrorsTest, MapRefusesAnEarlierEntryEndingMidPage) {
  SgTable sg;
  sg.Append(buf_, 0, 1024);
  sg.Append(buf_ + kPageSize, 0, kPageSize);
  ExpectMapRefused(sg, kIova, DmaDirection::kToDevice, kRw, ErrorCode::kInvalidArgument);
}

TEST_P(DomainMapperErrorsTest, MapRefusesAnEmptyEntry) {
  SgTable sg;
  sg.Append(buf_, 0, 0);
  ExpectMapRefused(sg, kIova, DmaDirection::kToDevice, kRw, ErrorCode::kInvalidArgument);
}

TEST_P(DomainMapperErrorsTest, MapRefusesProtWithoutReadOrWrite) {
  ExpectMapRefused(sg_, kIova, DmaDirection::kToDevice, IoProt::kCache,
                   ErrorCode::kInvalidArgument);
}

TEST_P(DomainMapperErrorsTest, MapRefusesMemoryOutsideRam) {
  SgTable sg = SgTable::FromPages(std::vector<PhysAddr>{PhysAddr(0x1000'0000)});
  ExpectMapRefused(sg, kIova, DmaDirection::kToDevice, kRw, ErrorCode::kOutOfRange);
}

TEST_P(DomainMapperErrorsTest, MapRefusesAnOverlapWithALiveMapping) {
  ASSERT_TRUE(mapper().MapSg(sg_, kIova, DmaDirection::kToDevice, kRw).ok());
  SgTable other = SgTable::FromPages(std::vector<PhysAddr>{rig_.Pages(1)});
  ExpectMapRefused(other, kIova + kPageSize, DmaDirection::kToDevice, kRw,
                   ErrorCode::kAlreadyExists);
  SgTable two = SgTable::FromPages(std::vector<PhysAddr>{rig_.Pages(1), rig_.Pages(1)});
  ExpectMapRefused(two, kIova - kPageSize, DmaDirection::kToDevice, kRw, ErrorCode::kAlreadyExists);
  // Just past the end is free.
  EXPECT_TRUE(mapper().MapSg(other, kIova + 2 * kPageSize, DmaDirection::kToDevice, kRw).ok());
}

TEST_P(DomainMapperErrorsTest, MapPassesOnThePageTablesErrors) {
  const uint64_t limit = rig_.domain->page_table()->ias_limit();
  Status st = mapper().MapSg(sg_, DmaAddr(limit - kPageSize), DmaDirection::kToDevice, kRw);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(mapper().live_mappings(), 0u);
  // The first page was mapped before the second failed, and was rolled back.
  EXPECT_FALSE(rig_.domain->page_table()->IovaToPhys(DmaAddr(limit - kPageSize)).ok());
  EXPECT_TRUE(rig_.log.OfKind(EventKind::kDmaMap).back().failed);
}

TEST_P(DomainMapperErrorsTest, AFailedMapLeavesNothingHalfMapped) {
  // The driver mapped the third page's IOVA itself, behind the mapper's back.
  PhysAddr p = rig_.Pages(3);
  ASSERT_TRUE(rig_.domain->Map(kIova + 2 * kPageSize, rig_.Pages(1), kPageSize, kRw).ok());
  SgTable sg = SgTable::FromPages(std::vector<PhysAddr>{p, p + kPageSize, p + 2 * kPageSize});
  Status st = mapper().MapSg(sg, kIova, DmaDirection::kBidirectional, kRw);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_FALSE(rig_.domain->page_table()->IovaToPhys(kIova).ok());
  EXPECT_FALSE(rig_.domain->page_table()->IovaToPhys(kIova + kPageSize).ok());
  EXPECT_TRUE(rig_.domain->page_table()->IovaToPhys(kIova + 2 * kPageSize).ok());
  EXPECT_EQ(mapper().live_mappings(), 0u);
  EXPECT_EQ(sg.nents(), 0u);
  // The same IOVA range maps once the conflict is gone.
  ASSERT_TRUE(rig_.domain->Unmap(kIova + 2 * kPageSize, kPageSize).ok());
  EXPECT_TRUE(mapper().MapSg(sg, kIova, DmaDirection::kBidirectional, kRw).ok());
}

// --- Sync and unmap ---

TEST_P(DomainMapperErrorsTest, SyncWithoutAMappingIsRefusedAndReported) {
  const auto dir = DmaDirection::kBidirectional;
  ExpectCallRefused([&] { return mapper().SyncForCpu(kIova, 64, dir); }, EventKind::kDmaSyncForCpu,
                    ErrorCode::kNotFound);
  ExpectCallRefused([&] { return mapper().SyncForDevice(kIova, 64, dir); },
                    EventKind::kDmaSyncForDevice, ErrorCode::kNotFound);
}

TEST_P(DomainMapperErrorsTest, SyncRunningPastTheMappingIsRefused) {
  const auto dir = DmaDirection::kFromDevice;
  ASSERT_TRUE(mapper().MapSg(sg_, kIova, dir, kRw).ok());
  ExpectCallRefused([&] { return mapper().SyncForCpu(kIova + kPageSize, 2 * kPageSize, dir); },
                    EventKind::kDmaSyncForCpu, ErrorCode::kNotFound);
  ExpectCallRefused([&] { return mapper().SyncForDevice(kIova - 64, 128, dir); },
                    EventKind::kDmaSyncForDevice, ErrorCode::kNotFound);
}

TEST_P(DomainMapperErrorsTest, SyncWithAnotherDirectionIsRefused) {
  ASSERT_TRUE(mapper().MapSg(sg_, kIova, DmaDirection::kFromDevice, kRw).ok());
  ExpectCallRefused([&] { return mapper().SyncForCpu(kIova, 64, DmaDirection::kBidirectional); },
                    EventKind::kDmaSyncForCpu, ErrorCode::kInvalidArgument);
  ExpectCallRefused([&] { return mapper().SyncForDevice(kIova, 64, DmaDirection::kToDevice); },
                    EventKind::kDmaSyncForDevice, ErrorCode::kInvalidArgument);
}

TEST_P(DomainMapperErrorsTest, UnmapOfNothingIsRefusedAndReported) {
  ExpectCallRefused([&] { return mapper().Unmap(kIova, kPageSize, DmaDirection::kToDevice); },
                    EventKind::kDmaUnmap, ErrorCode::kNotFound);
  ASSERT_TRUE(mapper().MapSg(sg_, kIova, DmaDirection::kToDevice, kRw).ok());
  // Inside a mapping is not the start of one.
  ExpectCallRefused(
      [&] { return mapper().Unmap(kIova + kPageSize, kPageSize, DmaDirection::kToDevice); },
      EventKind::kDmaUnmap, ErrorCode::kNotFound);
}

TEST_P(DomainMapperErrorsTest, UnmapWithAnotherSizeOrDirectionIsRefused) {
  const auto dir = DmaDirection::kToDevice;
  ASSERT_TRUE(mapper().MapSg(sg_, kIova, dir, kRw).ok());
  ExpectCallRefused([&] { return mapper().Unmap(kIova, kPageSize, dir); }, EventKind::kDmaUnmap,
                    ErrorCode::kInvalidArgument);
  ExpectCallRefused([&] { return mapper().Unmap(kIova, 2 * kPageSize, DmaDirection::kFromDevice); },
                    EventKind::kDmaUnmap, ErrorCode::kInvalidArgument);
  // State intact: the device still reads the buffer, and the right unmap works.
  std::vector<uint8_t> seen(2 * kPageSize);
  ASSERT_TRUE(rig_.iommu->DeviceRead(rig_.device(), kIova, seen).ok());
  EXPECT_THAT(seen, ElementsAreArray(Pattern(2 * kPageSize, 1)));
  EXPECT_TRUE(mapper().Unmap(kIova, 2 * kPageSize, dir).ok());
  EXPECT_EQ(rig_.Corruptions(), 0u);
}

TEST_P(DomainMapperErrorsTest, UnmapPassesOnThePageTablesRefusal) {
  const auto dir = DmaDirection::kToDevice;
  ASSERT_TRUE(mapper().MapSg(sg_, kIova, dir, kRw).ok());
  // The driver unmapped a page behind the mapper's back.
  ASSERT_TRUE(rig_.domain->Unmap(kIova + kPageSize, kPageSize).ok());
  const size_t unmaps = rig_.Count(EventKind::kDmaUnmap);
  Status st = mapper().Unmap(kIova, 2 * kPageSize, dir);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(rig_.Count(EventKind::kDmaUnmap), unmaps);
  EXPECT_EQ(mapper().live_mappings(), 1u);
  EXPECT_TRUE(rig_.domain->page_table()->IovaToPhys(kIova).ok());
}

// --- PrepareCpuMapping ---

TEST_P(DomainMapperErrorsTest, UnmapOfATableWithNoDmaSideIsRefusedAndReported) {
  // Never mapped.
  ExpectCallRefused([&] { return mapper().Unmap(sg_, DmaDirection::kToDevice); },
                    EventKind::kDmaUnmap, ErrorCode::kNotFound);
  // Already unmapped through the table: its DMA side is gone, a second unmap is refused.
  ASSERT_TRUE(mapper().MapSg(sg_, kIova, DmaDirection::kToDevice, kRw).ok());
  ASSERT_TRUE(mapper().Unmap(sg_, DmaDirection::kToDevice).ok());
  ExpectCallRefused([&] { return mapper().Unmap(sg_, DmaDirection::kToDevice); },
                    EventKind::kDmaUnmap, ErrorCode::kNotFound);
}

TEST_P(DomainMapperErrorsTest, UnmapWithAnotherTableIsRefused) {
  const auto dir = DmaDirection::kToDevice;
  ASSERT_TRUE(mapper().MapSg(sg_, kIova, dir, kRw).ok());
  // A table naming the same device addresses but other memory.
  const PhysAddr other = rig_.Pages(2);
  SgTable impostor = SgTable::FromPages(std::vector<PhysAddr>{other, other + kPageSize});
  impostor.mutable_dma().assign(sg_.dma().begin(), sg_.dma().end());
  ExpectCallRefused([&] { return mapper().Unmap(impostor, dir); }, EventKind::kDmaUnmap,
                    ErrorCode::kInvalidArgument);
  EXPECT_EQ(impostor.nents(), 1u);  // left as it was
  EXPECT_EQ(sg_.nents(), 1u);
  EXPECT_TRUE(mapper().Unmap(sg_, dir).ok());
  EXPECT_EQ(rig_.Corruptions(), 0u);
}

TEST_P(DomainMapperErrorsTest, UnmapOfATableWithAnotherDirectionKeepsItsDmaSide) {
  ASSERT_TRUE(mapper().MapSg(sg_, kIova, DmaDirection::kToDevice, kRw).ok());
  ExpectCallRefused([&] { return mapper().Unmap(sg_, DmaDirection::kFromDevice); },
                    EventKind::kDmaUnmap, ErrorCode::kInvalidArgument);
  ASSERT_EQ(sg_.nents(), 1u);
  EXPECT_EQ(mapper().live_mappings(), 1u);
  EXPECT_TRUE(mapper().Unmap(sg_, DmaDirection::kToDevice).ok());
}

TEST_P(DomainMapperErrorsTest, PrepareRefusesCachedUnalignedAndNonRamPages) {
  struct Case {
    std::vector<PhysAddr> pages;
    MemAttr attr;
    ErrorCode code;
  };
  const Case cases[] = {
      {{buf_}, MemAttr::kCached, ErrorCode::kInvalidArgument},
      {{buf_, buf_ + 64}, MemAttr::kWriteCombine, ErrorCode::kInvalidArgument},
      {{buf_, PhysAddr(0x1000'0000)}, MemAttr::kUncached, ErrorCode::kOutOfRange},
  };
  for (const Case& c : cases) {
    Status st = mapper().PrepareCpuMapping(c.pages, c.attr);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), c.code) << st.error().ToString();
  }
  EXPECT_EQ(rig_.Count(EventKind::kPrepareCpuMapping), 0u);
  EXPECT_EQ(rig_.Count(EventKind::kCacheMaintenance), 0u);
  EXPECT_TRUE(rig_.soc->cache().Probe(buf_).dirty);  // nothing was cleaned
}

INSTANTIATE_TEST_SUITE_P(AllPlatforms, DomainMapperErrorsTest,
                         ::testing::ValuesIn(testing::kAllRigs), testing::ParamName);

}  // namespace
}  // namespace dmakit
