// The seed story's wrong turns, each replayed on the driver with the checker and the oracle
// watching (see ../shared/seed/msm-dma-sync-thread.txt).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "gpu/gpu_test_util.h"

namespace dmakit {
namespace {

using testing::GpuRig;
using testing::GpuRigOptions;
using testing::GpuRigParam;
using testing::IommuOn;

bool HasRule(const Checker& c, RuleId rule) { return c.count(rule) > 0; }

// The GPU reads `src` (filled by the CPU through its write-combined view) into a cached `dst`;
// returns what the CPU then reads from dst, properly.
std::vector<uint8_t> GpuCopiesWcInput(GpuRig& rig, uint32_t src, uint32_t n) {
  const uint32_t cmd = rig.Bo(kPageSize, GemCaching::kCached, "cmd", DmaDirection::kToDevice);
  const uint32_t dst = rig.Bo(n, GemCaching::kCached, "dst");
  CommandBuilder b;
  b.Copy(rig.Iova(dst), rig.Iova(src), n);
  const uint32_t fence = rig.Submit(cmd, b, {src, dst});
  EXPECT_TRUE(rig.gpu->Wait(0, fence).ok());
  return rig.Read(dst, 0, n);
}

// --- 2. dma_sync_sg_for_device on pages never DMA-mapped, only to clean caches ---

TEST(FirstHack, SyncOfPagesNeverMappedIsReportedAsSyncOfMemoryNotMapped) {
  GpuRigOptions opt;
  opt.gpu.clean = CleanMethod::kDmaSyncSgForDevice;
  opt.gpu.hack_device = "mdss";  // the drm device the seed's driver passed to dma_sync
  GpuRig rig({IommuOn::kSubDevice, false}, opt);
  const uint32_t wc = rig.Bo(kPageSize, GemCaching::kWriteCombine, "wc");
  auto view = rig.gpu->Mmap(wc);
  ASSERT_TRUE(view.ok()) << view.error().ToString();
  EXPECT_TRUE(HasRule(rig.checker, RuleId::kSyncNotMapped)) << rig.Violations();
  ASSERT_TRUE(rig.gpu->Find(wc)->clean_error().has_value());
  EXPECT_EQ(rig.gpu->Find(wc)->clean_error()->code(), ErrorCode::kNotFound);
}

TEST(FirstHack, OnTheGpusOwnManagedDeviceTheCheckerNamesTheDmaApiMisuse) {
  GpuRigOptions opt;
  opt.gpu.clean = CleanMethod::kDmaSyncSgForDevice;
  GpuRig rig({IommuOn::kGpuNode, false}, opt);
  const uint32_t wc = rig.Bo(kPageSize, GemCaching::kWriteCombine, "wc");
  ASSERT_TRUE(rig.gpu->Mmap(wc).ok());
  EXPECT_TRUE(HasRule(rig.checker, RuleId::kDmaApiOnUnmanagedDomain)) << rig.Violations();
  EXPECT_TRUE(HasRule(rig.checker, RuleId::kSyncNotMapped)) << rig.Violations();
  // The clean was refused, so the write-combined mapping is made over dirty lines.
  EXPECT_TRUE(HasRule(rig.checker, RuleId::kAttributeChangeWithoutClean)) << rig.Violations();
  EXPECT_EQ(rig.gpu->Find(wc)->clean_error()->code(), ErrorCode::kFailedPrecondition);
}

// Behind a bounce pool the sync finds no bounce slot for pages that were never mapped: the
// clean the driver relied on never happens, and a dirty line of the buffer's clearing is
// written back over the data the CPU wrote through the write-combined view.
TEST(FirstHack, BehindABouncePoolTheCleanNeverHappensAndTheGpuReadsClobberedData) {
  GpuRigOptions opt;
  opt.gpu.clean = CleanMethod::kDmaSyncSgForDevice;
  opt.gpu.hack_device = "mdss";
  opt.dma.bounce.size = 64 * 1024;
  opt.dma.bounce.force_bounce = true;
  GpuRig rig({IommuOn::kSubDevice, false}, opt);
  ASSERT_EQ(rig.gpu->hack_device().backend(), DmaBackendKind::kBounce);
  const uint32_t src = rig.Bo(kPageSize, GemCaching::kWriteCombine, "src");
  const std::vector<uint8_t> input = testing::Pattern(kPageSize, 9);
  ASSERT_TRUE(rig.gpu->WriteBo(src, 0, input).ok());
  const std::vector<uint8_t> seen = GpuCopiesWcInput(rig, src, kPageSize);
  EXPECT_NE(seen, input);
  auto corruptions = rig.log.OfKind(EventKind::kCorruption);
  ASSERT_FALSE(corruptions.empty());
  EXPECT_EQ(corruptions.front().device, rig.gpu->device());  // the GPU read clobbered bytes
  EXPECT_TRUE(HasRule(rig.checker, RuleId::kSyncNotMapped)) << rig.Violations();
  EXPECT_TRUE(HasRule(rig.checker, RuleId::kAttributeChangeWithoutClean)) << rig.Violations();
}

// --- 3. dma_map_sg on the device whose IOMMU domain the driver manages ---

TEST(SecondHack, DmaApiUseOnADriverManagedDomainIsReported) {
  GpuRigOptions opt;
  opt.gpu.clean = CleanMethod::kDmaMapSg;
  GpuRig rig({IommuOn::kGpuNode, false}, opt);
  const uint32_t wc = rig.Bo(kPageSize, GemCaching::kWriteCombine, "wc");
  ASSERT_TRUE(rig.gpu->Mmap(wc).ok());
  EXPECT_TRUE(HasRule(rig.checker, RuleId::kDmaApiOnUnmanagedDomain)) << rig.Violations();
}

TEST(SecondHack, TheSgTablesDmaSideIsOverwrittenAndTheGpuFaultsOnIt) {
  GpuRigOptions opt;
  opt.gpu.clean = CleanMethod::kDmaMapSg;
  GpuRig rig({IommuOn::kSubDevice, false}, opt);
  const uint32_t src = rig.Bo(kPageSize, GemCaching::kWriteCombine, "src");
  const DmaAddr pinned = rig.Iova(src);  // pinned first, mmapped later (as a real app does)
  ASSERT_TRUE(rig.gpu->WriteBo(src, 0, testing::Pattern(kPageSize, 1)).ok());
  GemObject* bo = rig.gpu->Find(src);
  EXPECT_EQ(bo->iova_range().base, pinned);
  EXPECT_NE(bo->gpu_address(), pinned);  // the DMA API's own IOVA, behind the driver's back
  const DmaAddr hacked = bo->gpu_address();
  const std::vector<uint8_t> seen = GpuCopiesWcInput(rig, src, kPageSize);
  EXPECT_EQ(seen, std::vector<uint8_t>(kPageSize, 0));  // the copy never happened
  ASSERT_EQ(rig.gpu->faults().size(), 1u);
  const GpuFaultReport& f = rig.gpu->faults()[0];
  EXPECT_EQ(f.iova, hacked);
  EXPECT_EQ(f.access, Access::kRead);
  EXPECT_EQ(f.bo_handle, 0u);
  EXPECT_THAT(f.message, ::testing::HasSubstr("no buffer object is mapped there"));
  EXPECT_TRUE(HasRule(rig.checker, RuleId::kDmaApiOnUnmanagedDomain)) << rig.Violations();
}

// --- 4. No clean before a write-combined mmap ---

TEST(SkippedClean, AnEvictedDirtyLineOverwritesWhatTheCpuWroteThroughTheWcView) {
  GpuRigOptions opt;
  opt.gpu.clean = CleanMethod::kSkip;
  GpuRig rig({IommuOn::kGpuNode, false}, opt);
  const uint32_t wc = rig.Bo(kPageSize, GemCaching::kWriteCombine, "wc");
  const std::vector<uint8_t> input = testing::Pattern(kPageSize, 40);
  ASSERT_TRUE(rig.gpu->WriteBo(wc, 0, input).ok());
  PhysAddr scratch = rig.soc->pages().AllocContiguous(64).value();
  testing::EvictEverything(*rig.soc, scratch);
  std::vector<uint8_t> seen(kPageSize);
  ASSERT_TRUE(rig.gpu->ReadBo(wc, 0, seen).ok());
  EXPECT_NE(seen, input);
  auto corruptions = rig.log.OfKind(EventKind::kCorruption);
  ASSERT_FALSE(corruptions.empty());
  EXPECT_EQ(corruptions.front().device, rig.soc->cpu_name());
  EXPECT_TRUE(HasRule(rig.checker, RuleId::kAttributeChangeWithoutClean)) << rig.Violations();
  const Violation& v = *std::find_if(
      rig.checker.violations().begin(), rig.checker.violations().end(),
      [](const Violation& x) { return x.rule == RuleId::kAttributeChangeWithoutClean; });
  EXPECT_TRUE(rig.checker.HadViolationOnLine(corruptions.front().phys, corruptions.front().seq))
      << v.message;
}

TEST(SkippedClean, TheGpuReadsWhatTheDirtyLineLeftWhenThePinCleansItLate) {
  GpuRigOptions opt;
  opt.gpu.clean = CleanMethod::kSkip;
  GpuRig rig({IommuOn::kGpuNode, false}, opt);
  const uint32_t src = rig.Bo(kPageSize, GemCaching::kWriteCombine, "src");
  const std::vector<uint8_t> input = testing::Pattern(kPageSize, 50);
  ASSERT_TRUE(rig.gpu->WriteBo(src, 0, input).ok());
  EXPECT_NE(GpuCopiesWcInput(rig, src, kPageSize), input);
  auto corruptions = rig.log.OfKind(EventKind::kCorruption);
  ASSERT_FALSE(corruptions.empty());
  EXPECT_EQ(corruptions.front().device, rig.gpu->device());
  EXPECT_TRUE(HasRule(rig.checker, RuleId::kAttributeChangeWithoutClean)) << rig.Violations();
}

// --- 5. cpu_prep forgotten on a cached buffer the GPU wrote ---

TEST(ForgottenCpuPrep, TheCpuReadsStaleLinesAndTheCheckerNamesTheAccess) {
  GpuRig rig({IommuOn::kSubDevice, false});
  const uint32_t cmd = rig.Bo(kPageSize, GemCaching::kWriteCombine, "cmd", DmaDirection::kToDevice);
  const uint32_t dst = rig.Bo(kPageSize, GemCaching::kCached, "dst");
  const std::vector<uint8_t> before = rig.Read(dst, 0, kPageSize);  // lines now in the cache
  CommandBuilder b;
  b.Fill(rig.Iova(dst), kPageSize, 0x5a5a5a5a);
  const uint32_t fence = rig.Submit(cmd, b, {dst});
  ASSERT_TRUE(rig.gpu->Wait(0, fence).ok());
  std::vector<uint8_t> seen(kPageSize);
  ASSERT_TRUE(rig.gpu->ReadWithoutCpuPrep(dst, 0, seen).ok());
  EXPECT_EQ(seen, before);  // stale: what the cache held, not what the GPU wrote
  EXPECT_GT(rig.Corruptions(), 0u);
  EXPECT_TRUE(HasRule(rig.checker, RuleId::kCpuAccessDeviceOwned)) << rig.Violations();
  // With cpu_prep the same read sees the GPU's data.
  EXPECT_EQ(rig.Read(dst, 0, kPageSize), std::vector<uint8_t>(kPageSize, 0x5a));
}

TEST(ForgottenCpuPrep, OnACoherentGpuTheDataIsRightButTheCheckerStillNamesTheAccess) {
  GpuRig rig({IommuOn::kGpuNode, true});
  const uint32_t cmd = rig.Bo(kPageSize, GemCaching::kWriteCombine, "cmd", DmaDirection::kToDevice);
  const uint32_t dst = rig.Bo(kPageSize, GemCaching::kCached, "dst");
  (void)rig.Read(dst, 0, kPageSize);
  CommandBuilder b;
  b.Fill(rig.Iova(dst), kPageSize, 0x5a5a5a5a);
  ASSERT_TRUE(rig.gpu->Wait(0, rig.Submit(cmd, b, {dst})).ok());
  std::vector<uint8_t> seen(kPageSize);
  ASSERT_TRUE(rig.gpu->ReadWithoutCpuPrep(dst, 0, seen).ok());
  EXPECT_EQ(seen, std::vector<uint8_t>(kPageSize, 0x5a));
  EXPECT_EQ(rig.Corruptions(), 0u);
  EXPECT_TRUE(HasRule(rig.checker, RuleId::kCpuAccessDeviceOwned)) << rig.Violations();
}

}  // namespace
}  // namespace dmakit

namespace dmakit {
namespace {

// When the driver's user region and the DMA API's aperture overlap, the address dma_map_sg
// wrote may be another buffer's GPU address: no fault, the GPU silently reads the wrong data.
TEST(SecondHack, WhenTheOverwrittenAddressBelongsToAnotherBufferTheGpuReadsTheWrongMemory) {
  testing::GpuRigOptions opt;
  opt.gpu.clean = CleanMethod::kDmaMapSg;
  opt.gpu.layout.kernel = DmaRange(DmaAddr(1ull << 32), 1ull << 28);
  opt.gpu.layout.user = DmaRange(DmaAddr(1ull << 20), 1ull << 30);  // the DMA API's aperture
  testing::GpuRig rig({testing::IommuOn::kGpuNode, false}, opt);
  const uint32_t other = rig.Bo(kPageSize, GemCaching::kCached, "other");
  const std::vector<uint8_t> secret(kPageSize, 0x77);
  ASSERT_TRUE(rig.gpu->WriteBo(other, 0, secret).ok());
  const DmaAddr other_iova = rig.Iova(other);
  const uint32_t src = rig.Bo(kPageSize, GemCaching::kWriteCombine, "src");
  (void)rig.Iova(src);
  const std::vector<uint8_t> input = testing::Pattern(kPageSize, 2);
  ASSERT_TRUE(rig.gpu->WriteBo(src, 0, input).ok());  // mmap: the hack rewrites the address
  ASSERT_EQ(rig.gpu->Find(src)->gpu_address(), other_iova);
  const std::vector<uint8_t> seen = GpuCopiesWcInput(rig, src, kPageSize);
  EXPECT_EQ(seen, secret);  // another buffer's bytes
  EXPECT_TRUE(rig.gpu->faults().empty());
  EXPECT_EQ(rig.Corruptions(), 0u);  // every byte moved is what memory holds: no oracle alarm
  EXPECT_TRUE(HasRule(rig.checker, RuleId::kDmaApiOnUnmanagedDomain)) << rig.Violations();
}

TEST(SecondHack, HackMapSgReturnsTheDmaApisEntryCountAndRewritesTheTable) {
  testing::GpuRig rig({testing::IommuOn::kSubDevice, false});
  const uint32_t bo = rig.Bo(2 * kPageSize, GemCaching::kCached, "bo");
  const DmaAddr pinned = rig.Iova(bo);
  auto nents = rig.gpu->HackMapSg(bo);
  ASSERT_TRUE(nents.ok()) << nents.error().ToString();
  EXPECT_GE(*nents, 1u);
  EXPECT_NE(rig.gpu->Find(bo)->gpu_address(), pinned);
  EXPECT_EQ(rig.gpu->HackMapSg(77).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(HasRule(rig.checker, RuleId::kDmaApiOnUnmanagedDomain)) << rig.Violations();
}

TEST(FirstHack, HackSyncSgForDeviceReturnsWhatTheDmaApiRefused) {
  testing::GpuRig rig({testing::IommuOn::kSubDevice, false});
  const uint32_t bo = rig.Bo(kPageSize, GemCaching::kUncached, "bo");
  EXPECT_EQ(rig.gpu->HackSyncSgForDevice(bo).error().code(), ErrorCode::kFailedPrecondition);
  DmaDevice* mdss = rig.system->Probe("mdss").value();
  EXPECT_EQ(rig.gpu->HackSyncSgForDevice(bo, mdss).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(rig.gpu->HackSyncSgForDevice(77).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(HasRule(rig.checker, RuleId::kSyncNotMapped)) << rig.Violations();
}

}  // namespace
}  // namespace dmakit
