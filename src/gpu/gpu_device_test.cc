// Unit tests of the driver: setup on both topologies, fences, deferred free, fault reports,
// IOVA exhaustion, contexts, the ring, and every documented misuse.
#include "dmakit/gpu/gpu_device.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gpu/gpu_test_util.h"

namespace dmakit {
namespace {

using testing::GpuRig;
using testing::GpuRigOptions;
using ::testing::HasSubstr;
using testing::IommuOn;

struct Fixture {
  GpuRig rig;
  uint32_t cmd;
  explicit Fixture(testing::GpuRigParam p = {}, GpuRigOptions o = {}) : rig(p, o) {
    cmd = rig.Bo(kPageSize, GemCaching::kWriteCombine, "cmd", DmaDirection::kToDevice);
  }
};

TEST(Gpu, FindsTheIommuNodeThroughTheTopologyOnBothGenerations) {
  GpuRig on_gpu({IommuOn::kGpuNode, false});
  GpuRig on_sub({IommuOn::kSubDevice, false});
  EXPECT_EQ(on_gpu.gpu->device(), Symbol("gpu"));
  EXPECT_EQ(on_sub.gpu->device(), Symbol("gpu-cx"));
  EXPECT_EQ(on_sub.gpu->address_space(0).device(), Symbol("gpu-cx"));
}

TEST(Gpu, CreateRejectsAnUnknownDevice) {
  GpuRig rig;
  auto g = Gpu::Create(*rig.system, *rig.iommu, "npu");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code(), ErrorCode::kNotFound);
}

TEST(Gpu, CreateRejectsADeviceWithoutIommu) {
  GpuRig rig;
  auto g = Gpu::Create(*rig.system, *rig.iommu, "mdss");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code(), ErrorCode::kFailedPrecondition);
}

TEST(Gpu, CreateRejectsARingSizeThatIsNotWholePages) {
  GpuRig rig;
  GpuOptions o;
  o.ring_bytes = 1000;
  auto g = Gpu::Create(*rig.system, *rig.iommu, "gpu", o);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code(), ErrorCode::kInvalidArgument);
}

TEST(Gpu, FencesSignalInOrderAndWaitReadsThemFromFenceMemory) {
  Fixture f;
  const uint32_t dst = f.rig.Bo(kPageSize, GemCaching::kCached, "dst");
  CommandBuilder b;
  b.WriteImm(f.rig.Iova(dst), 1);
  const uint32_t f1 = f.rig.Submit(f.cmd, b, {dst});
  EXPECT_EQ(*f.rig.gpu->ReadFence(0), 0u);  // the GPU has not run yet
  const uint32_t f2 = *f.rig.gpu->Submit(Submission{0, {dst}, f.cmd, 0, b.size_bytes()});
  EXPECT_EQ(f2, f1 + 1);
  ASSERT_TRUE(f.rig.gpu->Wait(0, f2).ok());
  EXPECT_EQ(*f.rig.gpu->ReadFence(0), f2);
  EXPECT_EQ(f.rig.gpu->cp().counters().interrupts, 2u);
  EXPECT_EQ(f.rig.checker.total(), 0u) << f.rig.Violations();
}

TEST(Gpu, WaitForAFenceNeverSubmittedIsAnError) {
  Fixture f;
  EXPECT_EQ(f.rig.gpu->Wait(0, 1).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(f.rig.gpu->Wait(7, 1).error().code(), ErrorCode::kNotFound);
}

TEST(Gpu, WaitReportsAFenceTheGpuCouldNotWrite) {
  Fixture f;
  // A command buffer whose own FENCE write faults stands for a GPU that never signals.
  CommandBuilder b;
  b.Nop();
  const uint32_t fence = f.rig.Submit(f.cmd, b, {});
  ASSERT_TRUE(f.rig.gpu->Unpin(f.cmd).error().code() == ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(f.rig.gpu->Wait(0, fence).ok());
  EXPECT_EQ(f.rig.gpu->Wait(0, fence + 1).error().code(), ErrorCode::kInvalidArgument);
}

TEST(Gpu, AFreedBufferTheGpuMayStillUseIsKeptUntilItsFenceSignals) {
  Fixture f;
  const uint32_t dst = f.rig.Bo(2 * kPageSize, GemCaching::kCached, "dst");
  CommandBuilder b;
  b.Fill(f.rig.Iova(dst), 2 * kPageSize, 3);
  const uint32_t fence = f.rig.Submit(f.cmd, b, {dst});
  const std::vector<PhysAddr> pages = f.rig.gpu->Find(dst)->pages();
  ASSERT_TRUE(f.rig.gpu->FreeBo(dst).ok());
  EXPECT_EQ(f.rig.gpu->deferred_frees(), 1u);
  EXPECT_EQ(f.rig.gpu->Find(dst), nullptr);
  for (PhysAddr p : pages) EXPECT_TRUE(f.rig.soc->pages().IsAllocated(p));  // still held
  ASSERT_TRUE(f.rig.gpu->Wait(0, fence).ok());
  EXPECT_EQ(f.rig.gpu->deferred_frees(), 0u);
  for (PhysAddr p : pages) EXPECT_FALSE(f.rig.soc->pages().IsAllocated(p));
  EXPECT_TRUE(f.rig.gpu->faults().empty());  // the GPU wrote while the buffer was mapped
  EXPECT_EQ(f.rig.Corruptions(), 0u);
  EXPECT_EQ(f.rig.checker.total(), 0u) << f.rig.Violations();
}

TEST(Gpu, AnIdleBufferIsFreedAtOnce) {
  Fixture f;
  const uint32_t bo = f.rig.Bo(kPageSize, GemCaching::kUncached, "idle");
  (void)f.rig.Iova(bo);
  const PhysAddr page = f.rig.gpu->Find(bo)->pages()[0];
  ASSERT_TRUE(f.rig.gpu->FreeBo(bo).ok());
  EXPECT_EQ(f.rig.gpu->deferred_frees(), 0u);
  EXPECT_FALSE(f.rig.soc->pages().IsAllocated(page));
  EXPECT_EQ(f.rig.gpu->FreeBo(bo).error().code(), ErrorCode::kNotFound);
}

TEST(Gpu, AWriteToAReadOnlyBufferIsAFaultReportNamingTheBuffer) {
  Fixture f;
  auto ro = f.rig.gpu->CreateBo(
      GemCreateInfo{2 * kPageSize, GemCaching::kCached, DmaDirection::kToDevice, true, "consts"});
  ASSERT_TRUE(ro.ok());
  const DmaAddr iova = f.rig.Iova(*ro);
  CommandBuilder b;
  b.WriteImm(iova + kPageSize + 16, 9);
  ASSERT_TRUE(f.rig.gpu->Wait(0, f.rig.Submit(f.cmd, b, {*ro})).ok());
  ASSERT_EQ(f.rig.gpu->faults().size(), 1u);
  const GpuFaultReport& r = f.rig.gpu->faults()[0];
  EXPECT_EQ(r.bo_handle, *ro);
  EXPECT_EQ(r.bo_name, "consts");
  EXPECT_EQ(r.bo_offset, kPageSize + 16);
  EXPECT_EQ(r.type, FaultType::kPermission);
  EXPECT_EQ(r.access, Access::kWrite);
  EXPECT_THAT(r.message, HasSubstr("in bo 'consts'"));
  ASSERT_EQ(f.rig.gpu->cp().errors().size(), 1u);
  EXPECT_EQ(f.rig.gpu->cp().errors()[0].kind, CpError::Kind::kFault);
}

TEST(Gpu, AnAccessPastTheEndOfABufferIsAFaultReportWithNoBuffer) {
  Fixture f;
  const uint32_t dst = f.rig.Bo(kPageSize, GemCaching::kCached, "dst");
  CommandBuilder b;
  b.Fill(f.rig.Iova(dst) + 0x10'0000, 64, 1);
  ASSERT_TRUE(f.rig.gpu->Wait(0, f.rig.Submit(f.cmd, b, {dst})).ok());
  ASSERT_EQ(f.rig.gpu->faults().size(), 1u);
  EXPECT_EQ(f.rig.gpu->faults()[0].bo_handle, 0u);
  EXPECT_EQ(f.rig.gpu->faults()[0].type, FaultType::kTranslation);
  EXPECT_THAT(f.rig.gpu->faults()[0].message, HasSubstr("no buffer object"));
}

TEST(Gpu, AnIllegalCommandEndsItsBufferButTheFenceStillSignals) {
  Fixture f;
  const uint32_t dst = f.rig.Bo(kPageSize, GemCaching::kCached, "dst");
  CommandBuilder b;
  const uint32_t bad[] = {0x00ee};
  b.Raw(bad).WriteImm(f.rig.Iova(dst), 1);
  ASSERT_TRUE(f.rig.gpu->Wait(0, f.rig.Submit(f.cmd, b, {dst})).ok());
  ASSERT_EQ(f.rig.gpu->cp().errors().size(), 1u);
  EXPECT_EQ(f.rig.gpu->cp().errors()[0].kind, CpError::Kind::kIllegalCommand);
  EXPECT_EQ(f.rig.Read(dst, 0, 4), std::vector<uint8_t>(4, 0));  // never executed
}

TEST(Gpu, IovaExhaustionOfTheUserRegionIsAnErrorNamingTheRegion) {
  GpuRigOptions o;
  o.gpu.layout.user = DmaRange(DmaAddr(0x1'0000'0000), 4 * kPageSize);
  GpuRig rig({}, o);
  const uint32_t a = rig.Bo(4 * kPageSize, GemCaching::kCached, "a");
  const uint32_t b = rig.Bo(kPageSize, GemCaching::kCached, "b");
  ASSERT_TRUE(rig.gpu->GetIova(a).ok());
  auto r = rig.gpu->GetIova(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kExhausted);
  EXPECT_THAT(r.error().message(), HasSubstr("user region"));
  EXPECT_FALSE(rig.gpu->Find(b)->pinned());
}

TEST(Gpu, ABufferLargerThanTheRegionIsOutOfRange) {
  GpuRigOptions o;
  o.gpu.layout.user = DmaRange(DmaAddr(0x1'0000'0000), 2 * kPageSize);
  GpuRig rig({}, o);
  const uint32_t a = rig.Bo(4 * kPageSize, GemCaching::kCached, "a");
  EXPECT_EQ(rig.gpu->GetIova(a).error().code(), ErrorCode::kOutOfRange);
}

TEST(Gpu, OverlappingRegionsAreRejected) {
  GpuRig rig;
  AddressSpaceLayout l;
  l.user = DmaRange(l.kernel.base + kPageSize, kPageSize);
  EXPECT_EQ(AddressSpace::Create(*rig.system, *rig.iommu, "gpu", "x", l).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST(Gpu, SubmitWithAnUnknownBufferIsNotFound) {
  Fixture f;
  auto r = f.rig.gpu->Submit(Submission{0, {99}, f.cmd, 0, 4});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(r.error().message(), HasSubstr("99"));
  EXPECT_EQ(f.rig.gpu->Submit(Submission{3, {}, f.cmd, 0, 4}).error().code(), ErrorCode::kNotFound);
}

TEST(Gpu, SubmitWithABadCommandRangeIsRefused) {
  Fixture f;
  EXPECT_EQ(f.rig.gpu->Submit(Submission{0, {}, f.cmd, 0, 0}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(f.rig.gpu->Submit(Submission{0, {}, f.cmd, 2, 4}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(f.rig.gpu->Submit(Submission{0, {}, f.cmd, kPageSize - 4, 8}).error().code(),
            ErrorCode::kOutOfRange);
}

TEST(Gpu, SubmitOfABufferHeldByTheCpuIsRefused) {
  Fixture f;
  const uint32_t dst = f.rig.Bo(kPageSize, GemCaching::kCached, "dst");
  (void)f.rig.Iova(dst);
  ASSERT_TRUE(f.rig.gpu->CpuPrep(dst, CpuPrepFlags::kRead).ok());
  auto r = f.rig.gpu->Submit(Submission{0, {dst}, f.cmd, 0, 4});
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(f.rig.gpu->CpuFini(dst).ok());
}

TEST(Gpu, SubmitOfABufferPinnedInAnotherContextIsRefused) {
  Fixture f;
  auto ctx = f.rig.gpu->CreateContext();
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(*ctx, 1u);
  const uint32_t dst = f.rig.Bo(kPageSize, GemCaching::kCached, "dst");
  ASSERT_TRUE(f.rig.gpu->GetIova(dst, 1).ok());
  EXPECT_EQ(f.rig.gpu->Submit(Submission{0, {dst}, f.cmd, 0, 4}).error().code(),
            ErrorCode::kFailedPrecondition);
}

TEST(Gpu, ContextsRunInTheirOwnAddressSpaces) {
  GpuRig rig;
  const uint32_t ctx1 = *rig.gpu->CreateContext();
  const uint32_t cmd0 =
      rig.Bo(kPageSize, GemCaching::kWriteCombine, "cmd0", DmaDirection::kToDevice);
  const uint32_t cmd1 =
      rig.Bo(kPageSize, GemCaching::kWriteCombine, "cmd1", DmaDirection::kToDevice);
  const uint32_t a = rig.Bo(kPageSize, GemCaching::kCached, "a");
  const uint32_t b = rig.Bo(kPageSize, GemCaching::kCached, "b");
  const DmaAddr ia = *rig.gpu->GetIova(a, 0);
  const DmaAddr ib = *rig.gpu->GetIova(b, ctx1);
  EXPECT_EQ(ia, ib);  // the same GPU address, in two address spaces
  CommandBuilder c0, c1;
  c0.Fill(ia, kPageSize, 0x01010101);
  c1.Fill(ib, kPageSize, 0x02020202);
  ASSERT_TRUE(rig.gpu->WriteBo(cmd0, 0, c0.Bytes()).ok());
  (void)*rig.gpu->GetIova(cmd1, ctx1);
  ASSERT_TRUE(rig.gpu->WriteBo(cmd1, 0, c1.Bytes()).ok());
  const uint32_t f0 = *rig.gpu->Submit(Submission{0, {a}, cmd0, 0, c0.size_bytes()});
  const uint32_t f1 = *rig.gpu->Submit(Submission{ctx1, {b}, cmd1, 0, c1.size_bytes()});
  ASSERT_TRUE(rig.gpu->Wait(0, f0).ok());
  ASSERT_TRUE(rig.gpu->Wait(ctx1, f1).ok());
  EXPECT_EQ(rig.Read(a, 0, kPageSize), std::vector<uint8_t>(kPageSize, 1));
  EXPECT_EQ(rig.Read(b, 0, kPageSize), std::vector<uint8_t>(kPageSize, 2));
  EXPECT_EQ(rig.Corruptions(), 0u);
  // Not asserted here: the checker keys driver-managed mappings by (device, IOVA) without the
  // domain, so two address spaces using one IOVA look like one mapping to it (DMA101 false
  // positives). Single-context runs are checked everywhere else.
}

TEST(Gpu, TheRingWrapsAndRunsTheGpuWhenFull) {
  GpuRigOptions o;
  o.gpu.ring_bytes = kPageSize;
  Fixture f({}, o);
  const uint32_t dst = f.rig.Bo(kPageSize, GemCaching::kCached, "dst");
  uint32_t last = 0;
  for (uint32_t i = 1; i <= 300; ++i) {  // 300 x 36 bytes: the 4 KiB ring wraps twice
    CommandBuilder b;
    b.WriteImm(f.rig.Iova(dst), i);
    last = f.rig.Submit(f.cmd, b, {dst});
    ASSERT_EQ(last, i);
  }
  ASSERT_TRUE(f.rig.gpu->Wait(0, last).ok());
  EXPECT_EQ(f.rig.Read(dst, 0, 4), testing::Words({300}));
  EXPECT_TRUE(f.rig.gpu->cp().errors().empty());
  EXPECT_EQ(f.rig.checker.total(), 0u) << f.rig.Violations();
}

TEST(GemObjectMisuse, UnpinTwiceIsAnError) {
  Fixture f;
  const uint32_t bo = f.rig.Bo(kPageSize, GemCaching::kCached, "bo");
  (void)f.rig.Iova(bo);
  ASSERT_TRUE(f.rig.gpu->Unpin(bo).ok());
  EXPECT_EQ(f.rig.gpu->Unpin(bo).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(f.rig.gpu->Unpin(1234).error().code(), ErrorCode::kNotFound);
}

TEST(GemObjectMisuse, PinTwiceIsAnError) {
  Fixture f;
  const uint32_t bo = f.rig.Bo(kPageSize, GemCaching::kCached, "bo");
  (void)f.rig.Iova(bo);
  EXPECT_EQ(f.rig.gpu->Find(bo)->Pin(f.rig.gpu->address_space(0), VaRegion::kUser).error().code(),
            ErrorCode::kFailedPrecondition);
}

TEST(GemObjectMisuse, CpuPrepTwiceAndFiniWithoutPrepAreErrors) {
  Fixture f;
  const uint32_t bo = f.rig.Bo(kPageSize, GemCaching::kCached, "bo");
  EXPECT_EQ(f.rig.gpu->CpuFini(bo).error().code(), ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(f.rig.gpu->CpuPrep(bo, CpuPrepFlags::kReadWrite).ok());
  EXPECT_EQ(f.rig.gpu->CpuPrep(bo, CpuPrepFlags::kRead).error().code(),
            ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(f.rig.gpu->CpuFini(bo).ok());
  EXPECT_EQ(f.rig.gpu->CpuPrep(bo, CpuPrepFlags::kRead, kPageSize - 4, 8).error().code(),
            ErrorCode::kOutOfRange);
}

TEST(GemObjectMisuse, ReadAndWriteWithoutACpuMappingAreErrors) {
  Fixture f;
  const uint32_t bo = f.rig.Bo(kPageSize, GemCaching::kCached, "bo");
  uint8_t x[4] = {};
  EXPECT_EQ(f.rig.gpu->Find(bo)->Read(0, x).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(f.rig.gpu->Find(bo)->Write(0, x).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(f.rig.gpu->Find(bo)->Munmap().error().code(), ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(f.rig.gpu->Mmap(bo).ok());
  EXPECT_EQ(f.rig.gpu->Find(bo)->Read(kPageSize, x).error().code(), ErrorCode::kOutOfRange);
}

TEST(GemObjectMisuse, CreateRejectsSizeZeroDirectionNoneAndTooMuchMemory) {
  Fixture f;
  GemCreateInfo empty;
  EXPECT_EQ(f.rig.gpu->CreateBo(empty).error().code(), ErrorCode::kInvalidArgument);
  GemCreateInfo none;
  none.size = kPageSize;
  none.dir = DmaDirection::kNone;
  EXPECT_EQ(f.rig.gpu->CreateBo(none).error().code(), ErrorCode::kInvalidArgument);
  GemCreateInfo huge;
  huge.size = 1ull << 30;
  EXPECT_EQ(f.rig.gpu->CreateBo(huge).error().code(), ErrorCode::kExhausted);
}

TEST(GemObjectMisuse, UnpinWhileTheGpuMayUseTheBufferIsRefused) {
  Fixture f;
  const uint32_t dst = f.rig.Bo(kPageSize, GemCaching::kCached, "dst");
  CommandBuilder b;
  b.WriteImm(f.rig.Iova(dst), 1);
  const uint32_t fence = f.rig.Submit(f.cmd, b, {dst});
  EXPECT_EQ(f.rig.gpu->Unpin(dst).error().code(), ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(f.rig.gpu->Wait(0, fence).ok());
  EXPECT_TRUE(f.rig.gpu->Unpin(dst).ok());
}

}  // namespace
}  // namespace dmakit
