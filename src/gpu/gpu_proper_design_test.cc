// The seed story, part 1: the proper design. Buffers in all three caching modes; the CPU fills
// a command buffer (write-combined) and inputs (cached, uncached) through their CPU views with
// cpu_prep / cpu_fini; the GPU copies, fills, adds, xors and writes a fence; the CPU reads the
// results after cpu_prep. No violation, no corruption, on both hardware generations, coherent
// and not, under every eviction policy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gpu/gpu_test_util.h"

namespace dmakit {
namespace {

using testing::AllGpuRigs;
using testing::GpuRig;
using testing::GpuRigParam;

constexpr uint32_t kBytes = 3 * kPageSize;

class ProperDesignTest : public ::testing::TestWithParam<GpuRigParam> {};

TEST_P(ProperDesignTest, GpuComputesWhatTheCpuReadsWithNoViolationAndNoCorruption) {
  GpuRig rig(GetParam());
  ASSERT_NE(rig.gpu, nullptr);
  const uint32_t cmd = rig.Bo(kPageSize, GemCaching::kWriteCombine, "cmd", DmaDirection::kToDevice);
  const uint32_t src = rig.Bo(kBytes, GemCaching::kCached, "src");
  const uint32_t unc = rig.Bo(kBytes, GemCaching::kUncached, "unc");
  const uint32_t dst = rig.Bo(kBytes, GemCaching::kCached, "dst");
  const uint32_t wc = rig.Bo(kBytes, GemCaching::kWriteCombine, "wc");
  const std::vector<uint8_t> input = testing::Pattern(kBytes, 3);
  ASSERT_TRUE(rig.gpu->WriteBo(src, 0, input).ok());
  ASSERT_TRUE(rig.gpu->WriteBo(unc, 0, input).ok());
  CommandBuilder b;
  b.Copy(rig.Iova(dst), rig.Iova(src), kBytes)
      .Alu(AluOp::kAdd, rig.Iova(dst), kBytes, 0x01010101)
      .Alu(AluOp::kXor, rig.Iova(unc), kBytes, 0xffffffff)
      .Fill(rig.Iova(wc), kBytes, 0xa5a5a5a5)
      .WriteImm(rig.Iova(wc) + 8, 0x12345678);
  const uint32_t fence = rig.Submit(cmd, b, {src, unc, dst, wc});
  ASSERT_TRUE(rig.gpu->Wait(0, fence).ok());

  std::vector<uint8_t> added = input, xored = input, filled(kBytes, 0xa5);
  for (size_t i = 0; i < kBytes; i += 4) {
    uint32_t w = 0;
    for (int k = 0; k < 4; ++k) w |= uint32_t{input[i + k]} << (8 * k);
    w += 0x01010101;  // 32-bit words: a byte of 0xff carries into the next one
    for (int k = 0; k < 4; ++k) added[i + k] = static_cast<uint8_t>(w >> (8 * k));
  }
  for (auto& v : xored) v = static_cast<uint8_t>(~v);
  filled[8] = 0x78, filled[9] = 0x56, filled[10] = 0x34, filled[11] = 0x12;
  EXPECT_TRUE(rig.Read(dst, 0, kBytes) == added);
  EXPECT_TRUE(rig.Read(unc, 0, kBytes) == xored);
  EXPECT_TRUE(rig.Read(wc, 0, kBytes) == filled);
  // The CPU goes on with other work: every dirty line leaves the cache.
  PhysAddr scratch = rig.soc->pages().AllocContiguous(64).value();
  testing::EvictEverything(*rig.soc, scratch);
  EXPECT_TRUE(rig.Read(dst, 0, kBytes) == added);
  EXPECT_TRUE(rig.Read(wc, 0, kBytes) == filled);

  EXPECT_EQ(rig.gpu->cp().errors().size(), 0u);
  EXPECT_TRUE(rig.gpu->faults().empty());
  EXPECT_EQ(rig.Corruptions(), 0u);
  EXPECT_EQ(rig.checker.total(), 0u) << rig.Violations();
}

TEST_P(ProperDesignTest, FreeingEverythingLeavesNoMappingAndNoLeak) {
  GpuRig rig(GetParam());
  ASSERT_NE(rig.gpu, nullptr);
  const uint64_t free_before = rig.soc->pages().free_pages();
  const uint32_t cmd = rig.Bo(kPageSize, GemCaching::kWriteCombine, "cmd", DmaDirection::kToDevice);
  const uint32_t dst = rig.Bo(kBytes, GemCaching::kCached, "dst");
  CommandBuilder b;
  b.Fill(rig.Iova(dst), kBytes, 5);
  const uint32_t fence = rig.Submit(cmd, b, {dst});
  ASSERT_TRUE(rig.gpu->Wait(0, fence).ok());
  ASSERT_TRUE(rig.gpu->FreeBo(cmd).ok());
  ASSERT_TRUE(rig.gpu->FreeBo(dst).ok());
  EXPECT_EQ(rig.soc->pages().free_pages(), free_before);
  rig.gpu.reset();
  rig.checker.OnEnd();
  EXPECT_EQ(rig.Corruptions(), 0u);
  EXPECT_EQ(rig.checker.total(), 0u) << rig.Violations();
}

INSTANTIATE_TEST_SUITE_P(EveryPlatform, ProperDesignTest, ::testing::ValuesIn(AllGpuRigs()),
                         testing::GpuParamName);

}  // namespace
}  // namespace dmakit
