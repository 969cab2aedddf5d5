#include "dmakit/gpu/command_processor.h"

#include <gtest/gtest.h>

#include "gpu/gpu_test_util.h"

namespace dmakit {
namespace {

TEST(CommandProcessor, RunRingRejectsPointersOutsideOrUnaligned) {
  testing::GpuRig rig;
  CommandProcessor& cp = rig.gpu->cp();
  const DmaAddr ring(0x0100'0000);
  EXPECT_EQ(cp.RunRing(ring, 4096, 2, 0).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(cp.RunRing(ring, 4096, 0, 4096).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(cp.RunRing(ring, 4094, 0, 0).error().code(), ErrorCode::kInvalidArgument);
}

TEST(CommandProcessor, AFaultFetchingFromTheRingStopsIt) {
  testing::GpuRig rig;
  auto r = rig.gpu->cp().RunRing(DmaAddr(0x7000'0000), 4096, 0, 16);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kFault);
  ASSERT_EQ(rig.gpu->faults().size(), 1u);
  EXPECT_EQ(rig.gpu->faults()[0].access, Access::kRead);
}

TEST(CommandProcessor, IndirectBuffersMayNotNest) {
  testing::GpuRig rig;
  const uint32_t cmd = rig.Bo(kPageSize, GemCaching::kWriteCombine, "cmd", DmaDirection::kToDevice);
  CommandBuilder b;
  b.Indirect(rig.Iova(cmd), 16);
  ASSERT_TRUE(rig.gpu->Wait(0, rig.Submit(cmd, b, {})).ok());
  ASSERT_EQ(rig.gpu->cp().errors().size(), 1u);
  EXPECT_EQ(rig.gpu->cp().errors()[0].kind, CpError::Kind::kIllegalCommand);
  EXPECT_EQ(rig.gpu->cp().errors()[0].op, GpuOpcode::kIndirect);
}

TEST(CommandProcessor, FillAndAluOverPartialWordsAreIllegal) {
  testing::GpuRig rig;
  const uint32_t cmd = rig.Bo(kPageSize, GemCaching::kWriteCombine, "cmd", DmaDirection::kToDevice);
  const uint32_t dst = rig.Bo(kPageSize, GemCaching::kCached, "dst");
  CommandBuilder b;
  b.Fill(rig.Iova(dst), 6, 1).Alu(AluOp::kAdd, rig.Iova(dst), 3, 1);
  const uint32_t bad_op[] = {0x0504, 0, 0, 4, 9, 1};  // ALU with op 9
  b.Raw(bad_op);
  ASSERT_TRUE(rig.gpu->Wait(0, rig.Submit(cmd, b, {dst})).ok());
  ASSERT_EQ(rig.gpu->cp().errors().size(), 3u);
  for (const CpError& e : rig.gpu->cp().errors()) {
    EXPECT_EQ(e.kind, CpError::Kind::kIllegalCommand) << e.message;
  }
}

TEST(CommandProcessor, CopiesLargerThanABurstArriveWhole) {
  testing::GpuRig rig;
  const uint32_t n = 3 * CommandProcessor::kBurstBytes / 2;
  const uint32_t cmd = rig.Bo(kPageSize, GemCaching::kWriteCombine, "cmd", DmaDirection::kToDevice);
  const uint32_t src = rig.Bo(n, GemCaching::kCached, "src");
  const uint32_t dst = rig.Bo(n, GemCaching::kUncached, "dst");
  const std::vector<uint8_t> input = testing::Pattern(n, 5);
  ASSERT_TRUE(rig.gpu->WriteBo(src, 0, input).ok());
  CommandBuilder b;
  b.Copy(rig.Iova(dst), rig.Iova(src), n);
  ASSERT_TRUE(rig.gpu->Wait(0, rig.Submit(cmd, b, {src, dst})).ok());
  EXPECT_TRUE(rig.Read(dst, 0, n) == input);
  EXPECT_EQ(rig.gpu->cp().counters().bytes_written, n + 4u);  // + the fence
  EXPECT_EQ(rig.Corruptions(), 0u);
  EXPECT_EQ(rig.checker.total(), 0u) << rig.Violations();
}

}  // namespace
}  // namespace dmakit
