// Counterexamples the soundness property (soundness_test.cc) shrank to, kept as named tests,
// and the checker's behaviour on real DMA-layer runs that the property relies on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "check/testing/program_runner.h"
#include "check/testing/random_program.h"

namespace dmakit {
namespace {

using testing::BufferSpec;
using testing::Chunk;
using testing::MapKind;
using testing::Op;
using testing::OpKind;
using testing::Program;
using testing::RunProgram;

constexpr DmaDirection kFrom = DmaDirection::kFromDevice;
constexpr DmaDirection kBidi = DmaDirection::kBidirectional;

Op Do(OpKind kind, uint8_t buf = 0, uint8_t chunk = 0, uint32_t first = 0, uint32_t lines = 1) {
  Op o;
  o.kind = kind;
  o.buf = buf;
  o.chunk = chunk;
  o.first_line = first;
  o.lines = lines;
  o.pattern = 0x3c;
  return o;
}
Op Whole(OpKind kind, uint8_t buf = 0, uint32_t lines = 1) {
  Op o = Do(kind, buf, 0, 0, lines);
  o.whole = true;
  return o;
}

std::string Dump(const testing::ProgramRun& run) {
  std::string s;
  for (const Violation& v : run.checker.violations()) s += v.ToString() + "\n";
  return s;
}

std::vector<RuleId> Rules(const testing::ProgramRun& run) {
  std::vector<RuleId> out;
  for (const Violation& v : run.checker.violations()) out.push_back(v.rule);
  return out;
}

Program Make(testing::Platform platform, std::vector<BufferSpec> buffers, std::vector<Op> ops) {
  Program p;
  p.platform = platform;
  p.buffers = std::move(buffers);
  p.ops = std::move(ops);
  return p;
}

testing::Platform NonCoherent(DmaBackendKind backend, EvictionPolicy policy, uint32_t kib,
                              uint32_t ways) {
  testing::Platform pl;
  pl.backend = backend;
  pl.policy = policy;
  pl.cache_kib = kib;
  pl.ways = ways;
  return pl;
}

// Shrunk: the device wrote its bounce slot, and the checker looked the slot's physical
// address up among the mappings (it is none of them) and called the write unmapped.
TEST(SoundnessRegression, DeviceAccessToABounceSlotIsJudgedByTheBufferItStandsFor) {
  testing::Platform pl = NonCoherent(DmaBackendKind::kBounce, EvictionPolicy::kRandom, 4, 1);
  pl.coherent = true;
  auto run = RunProgram(Make(pl, {BufferSpec{MapKind::kSg, kFrom, {Chunk{0, 64}}}},
                             {Do(OpKind::kMap), Do(OpKind::kDevWrite), Do(OpKind::kUnmap)}));
  EXPECT_EQ(run->api_errors, 0);
  EXPECT_EQ(run->checker.total(), 0u) << Dump(*run);
}

// Shrunk: a second sync_for_cpu invalidated a line the CPU had written while it owned it;
// the CPU then read the old bytes (corruption) and no rule had fired.
TEST(SoundnessRegression, SecondSyncForCpuDiscardingACpuWriteIsReported) {
  auto run =
      RunProgram(Make(NonCoherent(DmaBackendKind::kDirect, EvictionPolicy::kRandom, 1, 1),
                      {BufferSpec{MapKind::kSingle, kFrom, {Chunk{0, 64}}}},
                      {Do(OpKind::kMap), Whole(OpKind::kSyncForDevice), Whole(OpKind::kSyncForCpu),
                       Do(OpKind::kCpuWrite), Whole(OpKind::kSyncForCpu), Do(OpKind::kCpuRead),
                       Do(OpKind::kUnmap)}));
  ASSERT_FALSE(run->log.corruptions.empty());
  EXPECT_THAT(Rules(*run), ::testing::ElementsAre(RuleId::kCpuWriteDiscarded)) << Dump(*run);
  EXPECT_TRUE(run->Unexplained(false).empty());
}

// Shrunk: unmapping an sg mapping moved only the device addresses from the first segment's
// handle over the total size, so a second, non-adjacent segment kept its owner and the
// discarded CPU write on it went unreported.
TEST(SoundnessRegression, SgUnmapGivesEverySegmentBackToTheCpu) {
  auto run =
      RunProgram(Make(NonCoherent(DmaBackendKind::kDirect, EvictionPolicy::kLru, 1, 4),
                      {BufferSpec{MapKind::kSg, kFrom, {Chunk{0, 64}, Chunk{0, 64}}}},
                      {Do(OpKind::kMap), Whole(OpKind::kSyncForCpu), Do(OpKind::kCpuWrite, 0, 1),
                       Do(OpKind::kUnmap), Do(OpKind::kCpuRead, 0, 1)}));
  ASSERT_FALSE(run->log.corruptions.empty());
  EXPECT_THAT(Rules(*run), ::testing::ElementsAre(RuleId::kCpuWriteDiscarded)) << Dump(*run);
  EXPECT_TRUE(run->Unexplained(false).empty());
}

// Shrunk from the correct-program property: the model let a correct driver unmap a
// FROM_DEVICE buffer right after a CPU write, which the unmap's invalidation discards.
TEST(SoundnessRegression, CpuWriteHandedBackBeforeUnmapIsClean) {
  auto run =
      RunProgram(Make(NonCoherent(DmaBackendKind::kDirect, EvictionPolicy::kRandom, 1, 1),
                      {BufferSpec{MapKind::kSingle, kFrom, {Chunk{0, 64}}}},
                      {Do(OpKind::kMap), Whole(OpKind::kSyncForCpu), Do(OpKind::kCpuWrite),
                       Whole(OpKind::kSyncForDevice), Do(OpKind::kUnmap), Do(OpKind::kCpuRead)}));
  EXPECT_TRUE(run->log.corruptions.empty());
  EXPECT_EQ(run->checker.total(), 0u) << Dump(*run);
}

// MappingTable::PiecesOf placed the pieces of a coalesced IOVA segment that starts at a
// non-zero page offset one page too far: a real MapSg behind the IOMMU, entries with offsets
// (the first ends on a page boundary so the next coalesces), then syncs and device accesses
// of every entry must be clean.
TEST(SoundnessRegression, CoalescedSgSegmentStartingAtAPageOffsetIsPlacedRight) {
  for (bool coherent : {false, true}) {
    testing::Platform pl = NonCoherent(DmaBackendKind::kIommu, EvictionPolicy::kLru, 2, 2);
    pl.coherent = coherent;
    // Entry 0: [+0x100, end of page); entry 1: a whole page; entry 2: at an offset again.
    std::vector<BufferSpec> bufs = {BufferSpec{
        MapKind::kSg, kBidi, {Chunk{0x100, 0xf00}, Chunk{0, 0x1000}, Chunk{0x40, 0x80}}}};
    std::vector<Op> ops = {Do(OpKind::kCpuWrite, 0, 1, 0, 64), Do(OpKind::kMap)};
    for (uint8_t c = 0; c < 3; ++c) {
      ops.push_back(Do(OpKind::kDevRead, 0, c, 0, 2));
      ops.push_back(Do(OpKind::kDevWrite, 0, c, 1, 1));
    }
    ops.push_back(Whole(OpKind::kSyncForCpu, 0, 60));
    ops.push_back(Do(OpKind::kCpuRead, 0, 1, 0, 64));
    ops.push_back(Do(OpKind::kCpuWrite, 0, 2, 0, 2));
    ops.push_back(Whole(OpKind::kSyncForDevice, 0, 60));
    ops.push_back(Do(OpKind::kDevRead, 0, 2, 0, 2));
    ops.push_back(Do(OpKind::kUnmap));
    auto run = RunProgram(Make(pl, bufs, ops));
    EXPECT_EQ(run->api_errors, 0) << ::testing::PrintToString(run->api_error_messages);
    EXPECT_TRUE(run->log.corruptions.empty());
    EXPECT_EQ(run->checker.total(), 0u) << "coherent=" << coherent << "\n" << Dump(*run);
    ASSERT_FALSE(run->log.maps.empty());
    EXPECT_LT(run->log.maps.front().mapped_nents, 3u);  // the first two entries coalesced
  }
}

// The IOMMU emits kIotlbStaleHit per stale page and then kDeviceAccess per contiguous run:
// one access through a stale entry is one DMA108, naming the lines it reached.
TEST(SoundnessRegression, StaleIotlbAccessIsReportedOncePerAccess) {
  testing::Platform pl = NonCoherent(DmaBackendKind::kIommu, EvictionPolicy::kLru, 2, 2);
  pl.lazy_flush = true;
  Op late_read = Do(OpKind::kDevRead, 0, 0, 0, 96);  // two pages, both stale
  auto run = RunProgram(
      Make(pl, {BufferSpec{MapKind::kSingle, kBidi, {Chunk{0, 0x2000}}}},
           {Do(OpKind::kMap), Do(OpKind::kDevRead, 0, 0, 0, 128), Do(OpKind::kUnmap), late_read}));
  size_t stale = 0;
  for (const Violation& v : run->checker.violations()) {
    if (v.rule != RuleId::kStaleIotlbAccess) continue;
    ++stale;
    EXPECT_FALSE(v.lines.empty());
  }
  EXPECT_EQ(stale, 1u) << Dump(*run);
}

}  // namespace
}  // namespace dmakit
