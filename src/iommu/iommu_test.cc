#include "dmakit/iommu/iommu.h"

#include <gtest/gtest.h>

#include <cstring>

#include "dmakit/core/event_sink.h"
#include "dmakit/sim/soc.h"

namespace dmakit {
namespace {

constexpr uint64_t kRam = 0x8000'0000;
constexpr uint64_t k4K = 4096;
const IoProt kRw = IoProt::kRead | IoProt::kWrite;

// A SoC with one IOMMU and two devices ("gpu", "dsp") in their own groups. The log outlives
// the soc (which emits until it is gone).
struct Rig {
  EventLog log;
  std::unique_ptr<Soc> soc;
  std::unique_ptr<Iommu> iommu;
  explicit Rig(IommuConfig config = {}) {
    soc = std::move(Soc::Create(SocConfig{})).value();
    soc->bus().Subscribe(&log);
    iommu = std::move(Iommu::Create(*soc, config)).value();
    EXPECT_TRUE(iommu->AddDevice(soc->AddBusMaster("gpu", true), 1).ok());
    EXPECT_TRUE(iommu->AddDevice(soc->AddBusMaster("dsp", true), 2).ok());
  }
  std::unique_ptr<IommuDomain> Domain(DomainType t) {
    return std::move(iommu->AllocDomain(t)).value();
  }
  PhysAddr Page(uint64_t n = 1) { return soc->pages().AllocContiguous(n).value(); }
  void Fill(PhysAddr p, uint8_t v) {
    std::vector<uint8_t> b(k4K, v);
    ASSERT_TRUE(soc->memory().Write(p, b).ok());
    soc->oracle().RecordWrite(p, b, Symbol("test"), soc->bus().next_seq());
  }
};

const Symbol kGpu("gpu");
const Symbol kDsp("dsp");

TEST(Iommu, DeviceReadTranslatesThroughThePageTable) {
  Rig r;
  auto d = r.Domain(DomainType::kUnmanaged);
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *d).ok());
  PhysAddr a = r.Page(), b = r.Page();
  r.Fill(a, 0xaa);
  r.Fill(b, 0xbb);
  ASSERT_TRUE(d->Map(DmaAddr(0x10'0000), b, k4K, kRw).ok());
  ASSERT_TRUE(d->Map(DmaAddr(0x10'1000), a, k4K, kRw).ok());
  std::vector<uint8_t> out(32);
  ASSERT_TRUE(r.iommu->DeviceRead(kGpu, DmaAddr(0x10'0ff0), out).ok());
  EXPECT_EQ(out[0], 0xbb);
  EXPECT_EQ(out[16], 0xaa);
  auto acc = r.log.OfKind(EventKind::kDeviceAccess);
  ASSERT_EQ(acc.size(), 2u);  // two physically separate runs
  EXPECT_EQ(acc[0].dma, DmaAddr(0x10'0ff0));
  EXPECT_EQ(acc[0].phys, b + 0xff0);
  EXPECT_EQ(acc[1].dma, DmaAddr(0x10'1000));
  EXPECT_EQ(r.log.Count(EventKind::kPageTableWalk), 2u);
}

// A device access names the domain that translated it: two domains may map the same IOVA to
// different pages, and only the domain says which mapping the access went through.
TEST(Iommu, DeviceAccessNamesTheDomainThatTranslatedIt) {
  Rig r;
  auto d1 = r.Domain(DomainType::kUnmanaged);
  auto d2 = r.Domain(DomainType::kUnmanaged);
  ASSERT_TRUE(d1->Map(DmaAddr(0x10'0000), r.Page(), k4K, kRw).ok());
  ASSERT_TRUE(d2->Map(DmaAddr(0x10'0000), r.Page(), k4K, kRw).ok());
  std::vector<uint8_t> out(8);
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *d1).ok());
  ASSERT_TRUE(r.iommu->DeviceWrite(kGpu, DmaAddr(0x10'0000), out).ok());
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *d2).ok());
  ASSERT_TRUE(r.iommu->DeviceRead(kGpu, DmaAddr(0x10'0000), out).ok());
  auto acc = r.log.OfKind(EventKind::kDeviceAccess);
  ASSERT_EQ(acc.size(), 2u);
  EXPECT_EQ(acc[0].domain, d1->id());
  EXPECT_EQ(acc[1].domain, d2->id());
  EXPECT_NE(acc[0].phys, acc[1].phys);
  EXPECT_NE(d1->id(), 0u);
}

TEST(Iommu, IotlbHitsAfterTheFirstWalkAndMissesAfterInvalidation) {
  Rig r;
  auto d = r.Domain(DomainType::kUnmanaged);
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *d).ok());
  ASSERT_TRUE(d->Map(DmaAddr(0x10'0000), r.Page(), k4K, kRw).ok());
  std::vector<uint8_t> out(8);
  ASSERT_TRUE(r.iommu->DeviceRead(kGpu, DmaAddr(0x10'0000), out).ok());
  ASSERT_TRUE(r.iommu->DeviceRead(kGpu, DmaAddr(0x10'0008), out).ok());
  EXPECT_EQ(r.iommu->counters().iotlb_misses, 1u);
  EXPECT_EQ(r.iommu->counters().iotlb_hits, 1u);
  EXPECT_EQ(r.iommu->counters().walks, 1u);
  r.iommu->InvalidateRange(d->id(), DmaRange(DmaAddr(0x10'0000), k4K));
  ASSERT_TRUE(r.iommu->DeviceRead(kGpu, DmaAddr(0x10'0000), out).ok());
  EXPECT_EQ(r.iommu->counters().iotlb_misses, 2u);
  r.iommu->InvalidateDomain(d->id());
  ASSERT_TRUE(r.iommu->DeviceRead(kGpu, DmaAddr(0x10'0000), out).ok());
  r.iommu->InvalidateAll();
  ASSERT_TRUE(r.iommu->DeviceRead(kGpu, DmaAddr(0x10'0000), out).ok());
  EXPECT_EQ(r.iommu->counters().iotlb_misses, 4u);
  EXPECT_EQ(r.iommu->counters().invalidations, 3u);
  auto inv = r.log.OfKind(EventKind::kIotlbInvalidate);
  ASSERT_EQ(inv.size(), 3u);
  EXPECT_EQ(inv[0].size, k4K);
  EXPECT_EQ(inv[1].domain, d->id());
  EXPECT_EQ(inv[2].domain, 0u);
}

TEST(Iommu, IotlbEvictsTheLeastRecentlyUsedEntry) {
  Rig r(IommuConfig{.iotlb_entries = 2});
  auto d = r.Domain(DomainType::kUnmanaged);
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *d).ok());
  ASSERT_TRUE(d->Map(DmaAddr(0x10'0000), r.Page(3), 3 * k4K, kRw).ok());
  std::vector<uint8_t> out(8);
  for (uint64_t p : {0, 1, 0, 2, 0}) {  // page 1 is the LRU victim when 2 comes in
    ASSERT_TRUE(r.iommu->DeviceRead(kGpu, DmaAddr(0x10'0000 + p * k4K), out).ok());
  }
  EXPECT_EQ(r.iommu->counters().iotlb_misses, 3u);
  EXPECT_EQ(r.iommu->counters().iotlb_hits, 2u);
  EXPECT_EQ(r.iommu->iotlb_size(), 2u);
}

// Maps one page, reads it once (filling the IOTLB), unmaps it, and reads again.
Status ReadAfterUnmap(Rig& r, IommuDomain& d, bool* released) {
  EXPECT_TRUE(d.Map(DmaAddr(0x10'0000), r.Page(), k4K, kRw).ok());
  std::vector<uint8_t> out(8);
  EXPECT_TRUE(r.iommu->DeviceRead(kGpu, DmaAddr(0x10'0000), out).ok());
  EXPECT_TRUE(d.Unmap(DmaAddr(0x10'0000), k4K, [released] { *released = true; }).ok());
  return r.iommu->DeviceRead(kGpu, DmaAddr(0x10'0000), out);
}

TEST(Iommu, StrictPolicyFaultsRightAfterUnmap) {
  Rig r(IommuConfig{.policy = FlushPolicy::kStrict});
  auto d = r.Domain(DomainType::kUnmanaged);
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *d).ok());
  bool released = false;
  Status s = ReadAfterUnmap(r, *d, &released);
  EXPECT_TRUE(released);
  EXPECT_EQ(s.error().code(), ErrorCode::kFault);
  EXPECT_EQ(r.log.Count(EventKind::kIotlbStaleHit), 0u);
  ASSERT_EQ(r.iommu->faults().size(), 1u);
  EXPECT_EQ(r.iommu->faults()[0].type, FaultType::kTranslation);
}

TEST(Iommu, LazyPolicyLeavesAStaleWindowUntilTheFlush) {
  Rig r(IommuConfig{.policy = FlushPolicy::kLazy, .flush_queue_size = 4});
  auto d = r.Domain(DomainType::kUnmanaged);
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *d).ok());
  bool released = false;
  EXPECT_TRUE(ReadAfterUnmap(r, *d, &released).ok());  // through the stale entry
  EXPECT_FALSE(released);
  EXPECT_EQ(r.iommu->queued_invalidations(), 1u);
  auto stale = r.log.OfKind(EventKind::kIotlbStaleHit);
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].device, kGpu);
  EXPECT_EQ(stale[0].dma, DmaAddr(0x10'0000));
  EXPECT_EQ(r.iommu->counters().stale_hits, 1u);
  r.iommu->TimerTick();
  EXPECT_TRUE(released);
  EXPECT_EQ(r.iommu->queued_invalidations(), 0u);
  std::vector<uint8_t> out(8);
  EXPECT_EQ(r.iommu->DeviceRead(kGpu, DmaAddr(0x10'0000), out).error().code(), ErrorCode::kFault);
}

TEST(Iommu, LazyQueueFlushesWhenFull) {
  Rig r(IommuConfig{.policy = FlushPolicy::kLazy, .flush_queue_size = 3});
  auto d = r.Domain(DomainType::kUnmanaged);
  ASSERT_TRUE(d->Map(DmaAddr(0x10'0000), r.Page(3), 3 * k4K, kRw).ok());
  int released = 0;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r.iommu->queued_invalidations(), static_cast<size_t>(i));
    ASSERT_TRUE(d->Unmap(DmaAddr(0x10'0000 + i * k4K), k4K, [&] { ++released; }).ok());
  }
  EXPECT_EQ(r.iommu->queued_invalidations(), 0u);
  EXPECT_EQ(released, 3);
  EXPECT_EQ(r.iommu->counters().flushes, 1u);
}

TEST(Iommu, WriteToAReadOnlyMappingIsAPermissionFault) {
  Rig r;
  auto d = r.Domain(DomainType::kUnmanaged);
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *d).ok());
  PhysAddr p = r.Page();
  ASSERT_TRUE(d->Map(DmaAddr(0x10'0000), p, k4K, IoProt::kRead).ok());
  std::vector<uint8_t> data(8, 0x5a);
  std::vector<FaultRecord> seen;
  d->SetFaultHandler([&](const FaultRecord& f) { seen.push_back(f); });
  EXPECT_TRUE(r.iommu->DeviceRead(kGpu, DmaAddr(0x10'0000), data).ok());
  // Once through the walk and once through the IOTLB entry.
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(r.iommu->DeviceWrite(kGpu, DmaAddr(0x10'0004), data).error().code(),
              ErrorCode::kFault);
  }
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].type, FaultType::kPermission);
  EXPECT_EQ(seen[0].access, Access::kWrite);
  EXPECT_EQ(seen[0].iova, DmaAddr(0x10'0004));
  EXPECT_EQ(seen[0].device, kGpu);
  auto faults = r.log.OfKind(EventKind::kIommuFault);
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[1].text.view(), "permission");
  EXPECT_EQ(r.log.Count(EventKind::kDeviceAccess), 1u);  // the faulting writes moved nothing
}

TEST(Iommu, DescriptorWithoutAccessFlagIsAnAccessFlagFault) {
  Rig r;
  auto d = r.Domain(DomainType::kUnmanaged);
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *d).ok());
  ASSERT_TRUE(d->Map(DmaAddr(0x10'0000), r.Page(), k4K, kRw).ok());
  // Clear AF (bit 10) in the level-3 descriptor found by a walk.
  BusMaster& probe = r.soc->AddBusMaster("probe-walker", true, MasterKind::kWalker);
  WalkResult w = d->page_table()->HwWalk(probe, DmaAddr(0x10'0000));
  ASSERT_EQ(w.fault, WalkFault::kNone);
  uint64_t desc = w.descriptor_value & ~(uint64_t{1} << 10);
  ASSERT_TRUE(r.soc
                  ->KernelStore(w.descriptor, std::span(reinterpret_cast<uint8_t*>(&desc), 8),
                                Symbol("test"))
                  .ok());
  std::vector<uint8_t> out(8);
  EXPECT_EQ(r.iommu->DeviceRead(kGpu, DmaAddr(0x10'0000), out).error().code(), ErrorCode::kFault);
  ASSERT_EQ(r.iommu->faults().size(), 1u);
  EXPECT_EQ(r.iommu->faults()[0].type, FaultType::kAccessFlag);
}

TEST(Iommu, NonCoherentWalkerWithSkippedCleanReadsAStaleDescriptor) {
  Rig r(IommuConfig{.coherent_walk = false, .skip_pte_clean = true});
  auto d = r.Domain(DomainType::kUnmanaged);
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *d).ok());
  ASSERT_TRUE(d->Map(DmaAddr(0x10'0000), r.Page(), k4K, kRw).ok());
  std::vector<uint8_t> out(8);
  EXPECT_EQ(r.iommu->DeviceRead(kGpu, DmaAddr(0x10'0000), out).error().code(), ErrorCode::kFault);
  auto corruptions = r.log.OfKind(EventKind::kCorruption);
  ASSERT_FALSE(corruptions.empty());
  EXPECT_EQ(corruptions[0].device.view(), "smmu0-walker");
  EXPECT_TRUE(r.log.OfKind(EventKind::kPageTableWrite)[0].text.view() == "noncoherent");
}

TEST(Iommu, NonCoherentWalkerWithCleaningTranslates) {
  Rig r(IommuConfig{.coherent_walk = false});
  auto d = r.Domain(DomainType::kUnmanaged);
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *d).ok());
  ASSERT_TRUE(d->Map(DmaAddr(0x10'0000), r.Page(), k4K, kRw).ok());
  std::vector<uint8_t> out(8);
  EXPECT_TRUE(r.iommu->DeviceRead(kGpu, DmaAddr(0x10'0000), out).ok());
  EXPECT_EQ(r.log.Count(EventKind::kCorruption), 0u);
}

TEST(Iommu, BlockedDomainAndNoDomainFaultEveryAccess) {
  Rig r;
  std::vector<uint8_t> out(8);
  EXPECT_EQ(r.iommu->DeviceRead(kGpu, DmaAddr(0x1000), out).error().code(), ErrorCode::kFault);
  auto d = r.Domain(DomainType::kBlocked);
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *d).ok());
  EXPECT_EQ(r.iommu->DeviceWrite(kGpu, DmaAddr(0x1000), out).error().code(), ErrorCode::kFault);
  ASSERT_EQ(r.iommu->faults().size(), 2u);
  EXPECT_EQ(r.iommu->faults()[1].type, FaultType::kBlocked);
  EXPECT_EQ(r.iommu->faults()[1].domain, d->id());
  EXPECT_EQ(d->Map(DmaAddr(0), PhysAddr(kRam), k4K, kRw).error().code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(d->Unmap(DmaAddr(0), k4K).error().code(), ErrorCode::kFailedPrecondition);
}

TEST(Iommu, IdentityDomainPassesIovaAsPhys) {
  Rig r;
  auto d = r.Domain(DomainType::kIdentity);
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *d).ok());
  PhysAddr p = r.Page();
  r.Fill(p, 0x77);
  std::vector<uint8_t> out(4);
  ASSERT_TRUE(r.iommu->DeviceRead(kGpu, DmaAddr(p.value()), out).ok());
  EXPECT_EQ(out[3], 0x77);
  EXPECT_EQ(r.iommu->counters().walks, 0u);
  EXPECT_EQ(d->page_table(), nullptr);
}

TEST(Iommu, UnmapOfNothingEmitsAFailedUnmap) {
  Rig r;
  auto d = r.Domain(DomainType::kDma);
  ASSERT_NE(d->iova_allocator(), nullptr);
  EXPECT_EQ(d->Unmap(DmaAddr(0x10'0000), k4K).error().code(), ErrorCode::kNotFound);
  auto u = r.log.OfKind(EventKind::kIommuUnmap);
  ASSERT_EQ(u.size(), 1u);
  EXPECT_TRUE(u[0].failed);
  EXPECT_EQ(r.iommu->counters().invalidations, 0u);
  ASSERT_TRUE(d->Map(DmaAddr(0x10'0000), PhysAddr(kRam), k4K, kRw, kGpu).ok());
  EXPECT_EQ(d->Map(DmaAddr(0x10'0000), PhysAddr(kRam), k4K, kRw).error().code(),
            ErrorCode::kAlreadyExists);
  auto m = r.log.OfKind(EventKind::kIommuMap);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_FALSE(m[0].failed);
  EXPECT_EQ(m[0].device, kGpu);
  EXPECT_EQ(m[0].prot, kRw.bits());
  EXPECT_TRUE(m[1].failed);
}

TEST(Iommu, GroupIsOwnedByTheDmaApiOrADriverNeverBoth) {
  Rig r;
  auto dma = r.Domain(DomainType::kDma);
  auto gpu_domain = r.Domain(DomainType::kUnmanaged);
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *dma).ok());
  EXPECT_EQ(r.iommu->GroupOf(kGpu)->owner(), GroupOwner::kDmaApi);
  Status s = r.iommu->AttachDevice(kGpu, *gpu_domain);
  EXPECT_EQ(s.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(s.error().message().find("owned by the dma-api"), std::string::npos);
  ASSERT_TRUE(r.iommu->DetachGroup(*r.iommu->GroupOf(kGpu)).ok());
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *gpu_domain).ok());
  EXPECT_EQ(r.iommu->GroupOf(kGpu)->owner(), GroupOwner::kDriver);
  EXPECT_EQ(r.iommu->AttachDevice(kGpu, *dma).error().code(), ErrorCode::kFailedPrecondition);
  auto attach = r.log.OfKind(EventKind::kIommuAttach);
  ASSERT_EQ(attach.size(), 2u);
  EXPECT_EQ(attach[0].text.view(), "dma");
  EXPECT_EQ(attach[1].text.view(), "unmanaged");
  EXPECT_EQ(r.log.Count(EventKind::kIommuDetach), 1u);
  EXPECT_EQ(r.iommu->DetachGroup(*r.iommu->GroupOf(kDsp)).error().code(),
            ErrorCode::kFailedPrecondition);
}

TEST(Iommu, GroupMembersShareTheDomain) {
  Rig r;
  ASSERT_TRUE(r.iommu->AddDevice(r.soc->AddBusMaster("gpu-cx", true), 3, kGpu).ok());
  auto d = r.Domain(DomainType::kUnmanaged);
  EXPECT_EQ(r.iommu->AttachDevice(kGpu, *d).error().code(), ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(r.iommu->AttachGroup(*r.iommu->GroupOf(kGpu), *d).ok());
  EXPECT_EQ(r.iommu->GroupOf(Symbol("gpu-cx"))->domain(), d.get());
  EXPECT_EQ(r.log.Count(EventKind::kIommuAttach), 2u);
}

TEST(Iommu, RegistrationErrors) {
  Rig r;
  EXPECT_EQ(r.iommu->AddDevice(*r.soc->FindBusMaster("gpu"), 9).error().code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(r.iommu->AddDevice(r.soc->AddBusMaster("vpu", false), 1).error().code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(r.iommu->AddDevice(r.soc->AddBusMaster("vpu", false), 7, Symbol("nope")).error().code(),
            ErrorCode::kNotFound);
  auto d = r.Domain(DomainType::kUnmanaged);
  EXPECT_EQ(r.iommu->AttachDevice(Symbol("nope"), *d).error().code(), ErrorCode::kNotFound);
  std::vector<uint8_t> out(4);
  EXPECT_EQ(r.iommu->DeviceRead(Symbol("nope"), DmaAddr(0), out).error().code(),
            ErrorCode::kNotFound);
  auto other = std::move(Iommu::Create(*r.soc, IommuConfig{.name = "smmu1"})).value();
  auto foreign = std::move(other->AllocDomain(DomainType::kUnmanaged)).value();
  EXPECT_EQ(r.iommu->AttachDevice(kGpu, *foreign).error().code(), ErrorCode::kFailedPrecondition);
  foreign.reset();
}

TEST(Iommu, CreateRejectsBadConfig) {
  auto soc = std::move(Soc::Create(SocConfig{})).value();
  EXPECT_EQ(Iommu::Create(*soc, IommuConfig{.iotlb_entries = 0}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Iommu::Create(*soc, IommuConfig{.flush_queue_size = 0}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Iommu::Create(*soc, IommuConfig{.name = ""}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      Iommu::Create(*soc, IommuConfig{.dma_aperture = DmaRange(DmaAddr(0x10), k4K)}).error().code(),
      ErrorCode::kInvalidArgument);
}

TEST(Iommu, DestroyingADomainDetachesItsGroupsAndCompletesQueuedUnmaps) {
  Rig r(IommuConfig{.policy = FlushPolicy::kLazy});
  auto d = r.Domain(DomainType::kUnmanaged);
  ASSERT_TRUE(r.iommu->AttachDevice(kGpu, *d).ok());
  ASSERT_TRUE(d->Map(DmaAddr(0x10'0000), r.Page(), k4K, kRw).ok());
  bool released = false;
  ASSERT_TRUE(d->Unmap(DmaAddr(0x10'0000), k4K, [&] { released = true; }).ok());
  d.reset();
  EXPECT_TRUE(released);
  EXPECT_EQ(r.iommu->GroupOf(kGpu)->domain(), nullptr);
  EXPECT_EQ(r.iommu->GroupOf(kGpu)->owner(), GroupOwner::kNone);
  EXPECT_EQ(r.log.Count(EventKind::kIommuDetach), 1u);
}

}  // namespace
}  // namespace dmakit

namespace dmakit {
namespace {

TEST(Iommu, DomainIdsAreUniqueAcrossTheIommusOfOneSoc) {
  Rig r;
  IommuConfig second;
  second.name = "smmu1";
  auto other = std::move(Iommu::Create(*r.soc, second)).value();
  auto a = r.Domain(DomainType::kUnmanaged);
  auto b = std::move(other->AllocDomain(DomainType::kUnmanaged)).value();
  auto c = r.Domain(DomainType::kDma);
  EXPECT_NE(a->id(), b->id());
  EXPECT_NE(b->id(), c->id());
  EXPECT_NE(a->id(), c->id());
  EXPECT_NE(b->id(), 0u);
}

}  // namespace
}  // namespace dmakit
