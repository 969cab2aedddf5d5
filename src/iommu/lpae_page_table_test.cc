#include "dmakit/iommu/lpae_page_table.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cstring>
#include <map>

#include "dmakit/core/event_sink.h"
#include "dmakit/sim/soc.h"

namespace dmakit {
namespace {

constexpr uint64_t k4K = 4096;
constexpr uint64_t k2M = 2ull << 20;
constexpr uint64_t k1G = 1ull << 30;
constexpr uint64_t kRam = 0x8000'0000;

// An independent reading of the VMSAv8-64 stage-1 descriptor format (4 KiB granule), used to
// check what the implementation left in memory. It reads the coherent view (memory with dirty
// CPU lines laid over it): what a snooping walker would see.
struct Decoded {
  bool mapped = false;
  int level = -1;
  uint64_t phys = 0;
  uint64_t block = 0;
  bool read_only = false;
  bool af = false;
  bool xn = false;
  unsigned attr_index = 0;
  unsigned sh = 0;
};

uint64_t ReadDescriptor(Soc& soc, uint64_t addr) {
  uint8_t b[8];
  EXPECT_TRUE(soc.cache().SnoopRead(PhysAddr(addr), std::span<uint8_t>(b, 8)).ok());
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];  // little-endian
  return v;
}

Decoded Decode(Soc& soc, PhysAddr root, uint64_t iova) {
  Decoded out;
  uint64_t table = root.value();
  for (int level = 0; level <= 3; ++level) {
    const int shift = 39 - 9 * level;
    const uint64_t d = ReadDescriptor(soc, table + ((iova >> shift) & 0x1ff) * 8);
    const unsigned type = d & 3;
    if (type == 0 || type == 2) return out;
    if (type == 3 && level < 3) {
      table = d & 0x0000'ffff'ffff'f000ull;
      continue;
    }
    if (type == 1 && (level == 0 || level == 3)) return out;
    out.mapped = true;
    out.level = level;
    out.block = 1ull << shift;
    out.phys = (d & 0x0000'ffff'ffff'f000ull & ~(out.block - 1)) | (iova & (out.block - 1));
    out.attr_index = (d >> 2) & 7;
    out.read_only = (d >> 7) & 1;
    out.sh = (d >> 8) & 3;
    out.af = (d >> 10) & 1;
    out.xn = (d >> 54) & 1;
    return out;
  }
  return out;
}

std::unique_ptr<Soc> MakeSoc(uint64_t ram_bytes = 64ull << 20) {
  SocConfig config;
  config.banks = {{"dram0", PhysAddr(kRam), ram_bytes}};
  return std::move(Soc::Create(config)).value();
}

std::unique_ptr<IoPageTable> MakeTable(Soc& soc, LpaeConfig config = {}) {
  return std::move(CreateLpaePageTable(soc, config)).value();
}

const IoProt kRw = IoProt::kRead | IoProt::kWrite;

TEST(LpaePageTable, SinglePageDescriptorMatchesIovaToPhys) {
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc);
  ASSERT_TRUE(pt->Map(DmaAddr(0x1234'5000), PhysAddr(kRam + 0x7000), k4K, kRw).ok());
  Decoded d = Decode(*soc, pt->root(), 0x1234'5abc);
  ASSERT_TRUE(d.mapped);
  EXPECT_EQ(d.level, 3);
  EXPECT_EQ(d.phys, kRam + 0x7abc);
  EXPECT_TRUE(d.af);
  EXPECT_FALSE(d.read_only);
  EXPECT_EQ(pt->IovaToPhys(DmaAddr(0x1234'5abc)).value(), PhysAddr(d.phys));
  EXPECT_FALSE(Decode(*soc, pt->root(), 0x1234'6000).mapped);
}

TEST(LpaePageTable, DescriptorBitsFollowProt) {
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc);
  ASSERT_TRUE(pt->Map(DmaAddr(0x10000), PhysAddr(kRam), k4K,
                      IoProt::kRead | IoProt::kCache | IoProt::kNoExec)
                  .ok());
  ASSERT_TRUE(pt->Map(DmaAddr(0x20000), PhysAddr(kRam), k4K, IoProt::kWrite).ok());
  ASSERT_TRUE(pt->Map(DmaAddr(0x30000), PhysAddr(kRam), k4K, IoProt::kRead | IoProt::kMmio).ok());
  Decoded ro = Decode(*soc, pt->root(), 0x10000);
  EXPECT_TRUE(ro.read_only);
  EXPECT_TRUE(ro.xn);
  EXPECT_EQ(ro.attr_index, kLpaeAttrIdxCached);
  EXPECT_EQ(ro.sh, 3u);  // inner shareable
  Decoded wo = Decode(*soc, pt->root(), 0x20000);
  EXPECT_FALSE(wo.read_only);  // write-only is mapped read-write
  EXPECT_EQ(wo.attr_index, kLpaeAttrIdxNonCacheable);
  EXPECT_EQ(wo.sh, 2u);
  EXPECT_EQ(Decode(*soc, pt->root(), 0x30000).attr_index, kLpaeAttrIdxDevice);
}

TEST(LpaePageTable, AlignedRangesUseBlocks) {
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc);
  // 2 MiB-aligned iova and phys, 2 MiB + 4 KiB: one level-2 block and one page.
  ASSERT_TRUE(pt->Map(DmaAddr(0x4020'0000), PhysAddr(kRam + k2M), k2M + k4K, kRw).ok());
  EXPECT_EQ(Decode(*soc, pt->root(), 0x4020'0000).level, 2);
  EXPECT_EQ(Decode(*soc, pt->root(), 0x403f'f000).phys, kRam + k2M + k2M - k4K);
  EXPECT_EQ(Decode(*soc, pt->root(), 0x4040'0000).level, 3);
  // 1 GiB-aligned on both sides (an MMIO window need not be RAM): a level-1 block.
  ASSERT_TRUE(pt->Map(DmaAddr(2 * k1G), PhysAddr(k1G), k1G, IoProt::kRead | IoProt::kMmio).ok());
  Decoded d = Decode(*soc, pt->root(), 2 * k1G + 0x123456);
  EXPECT_EQ(d.level, 1);
  EXPECT_EQ(d.phys, k1G + 0x123456);
  // Misaligned phys forces pages even when the iova is aligned.
  ASSERT_TRUE(pt->Map(DmaAddr(4 * k1G), PhysAddr(kRam + k4K), k2M, kRw).ok());
  EXPECT_EQ(Decode(*soc, pt->root(), 4 * k1G).level, 3);
}

TEST(LpaePageTable, UnmappingPartOfABlockSplitsIt) {
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc);
  ASSERT_TRUE(pt->Map(DmaAddr(k1G), PhysAddr(k1G), k1G, kRw).ok());
  ASSERT_TRUE(pt->Unmap(DmaAddr(k1G + 5 * k2M + 3 * k4K), 2 * k4K).ok());
  EXPECT_FALSE(Decode(*soc, pt->root(), k1G + 5 * k2M + 3 * k4K).mapped);
  EXPECT_FALSE(Decode(*soc, pt->root(), k1G + 5 * k2M + 4 * k4K).mapped);
  Decoded before = Decode(*soc, pt->root(), k1G + 5 * k2M + 2 * k4K);
  EXPECT_EQ(before.level, 3);
  EXPECT_EQ(before.phys, k1G + 5 * k2M + 2 * k4K);
  EXPECT_EQ(Decode(*soc, pt->root(), k1G + 5 * k2M + 5 * k4K).phys, k1G + 5 * k2M + 5 * k4K);
  Decoded other = Decode(*soc, pt->root(), k1G + 7 * k2M + 77);
  EXPECT_EQ(other.level, 2);
  EXPECT_EQ(other.phys, k1G + 7 * k2M + 77);
  EXPECT_EQ(pt->IovaToPhys(DmaAddr(2 * k1G - 1)).value(), PhysAddr(2 * k1G - 1));
}

TEST(LpaePageTable, EmptyTablesAreFreed) {
  auto soc = MakeSoc();
  const uint64_t baseline = soc->pages().allocated_pages();
  auto pt = MakeTable(*soc);
  EXPECT_EQ(soc->pages().allocated_pages(), baseline + 1);
  ASSERT_TRUE(pt->Map(DmaAddr(0x7f'0000'0000), PhysAddr(kRam), 64 * k4K, kRw).ok());
  ASSERT_TRUE(pt->Map(DmaAddr(0x100'0000'0000), PhysAddr(kRam), k2M, kRw).ok());
  EXPECT_EQ(pt->table_pages(), 1u + 3 + 2);                          // root, L1-L3 and L1-L2
  ASSERT_TRUE(pt->Unmap(DmaAddr(0x100'0000'0000 + k4K), k4K).ok());  // splits
  EXPECT_EQ(pt->table_pages(), 1u + 3 + 3);
  ASSERT_TRUE(pt->Unmap(DmaAddr(0x7f'0000'0000), 64 * k4K).ok());
  ASSERT_TRUE(pt->Unmap(DmaAddr(0x100'0000'0000), k4K).ok());
  ASSERT_TRUE(pt->Unmap(DmaAddr(0x100'0000'0000 + 2 * k4K), k2M - 2 * k4K).ok());
  EXPECT_EQ(pt->table_pages(), 1u);
  EXPECT_EQ(soc->pages().allocated_pages(), baseline + 1);
  pt->Free();
  EXPECT_EQ(soc->pages().allocated_pages(), baseline);
}

// Unmapping some pages of a level-3 table that keeps others (the fast path): the memory the
// walker reads has the cleared descriptors zero and the kept ones intact; a hole in the range
// is still refused without a change.
TEST(LpaePageTable, UnmapInsideATableThatKeepsPagesClearsOnlyThoseDescriptors) {
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc, LpaeConfig{.coherent_walk = false});
  const uint64_t base = 0x40'0000;
  ASSERT_TRUE(pt->Map(DmaAddr(base), PhysAddr(kRam + k4K), 8 * k4K, kRw).ok());
  const uint64_t tables = pt->table_pages();
  ASSERT_TRUE(pt->Unmap(DmaAddr(base + 2 * k4K), 3 * k4K).ok());
  EXPECT_EQ(pt->table_pages(), tables);
  for (uint64_t i = 0; i < 8; ++i) {
    const bool kept = i < 2 || i >= 5;
    const Decoded d = Decode(*soc, pt->root(), base + i * k4K);
    EXPECT_EQ(d.mapped && d.level == 3 && d.phys == kRam + (i + 1) * k4K, kept) << "page " << i;
    EXPECT_EQ(pt->IovaToPhys(DmaAddr(base + i * k4K)).ok(), kept) << "page " << i;
  }
  EXPECT_EQ(pt->Unmap(DmaAddr(base + k4K), 2 * k4K).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(pt->IovaToPhys(DmaAddr(base + k4K)).ok());
}

TEST(LpaePageTable, OneWriteEventPerRunOfDescriptors) {
  EventLog log;  // outlives the soc, which emits until it is gone
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc);
  ASSERT_TRUE(pt->Map(DmaAddr(0x20'0000 + 511 * k4K), PhysAddr(kRam), k4K, kRw).ok());
  soc->bus().Subscribe(&log);
  ASSERT_TRUE(pt->Map(DmaAddr(0x20'0000), PhysAddr(kRam), 256 * k4K, kRw).ok());
  auto writes = log.OfKind(EventKind::kPageTableWrite);
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].size, 256u * 8);
  EXPECT_EQ(writes[0].text.view(), "coherent");
  EXPECT_EQ(log.Count(EventKind::kCacheMaintenance), 0u);  // coherent walker: no clean
}

TEST(LpaePageTable, NonCoherentWalkerCleansEveryRun) {
  EventLog log;  // outlives the soc, which emits until it is gone
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc, LpaeConfig{.coherent_walk = false});
  soc->bus().Subscribe(&log);
  ASSERT_TRUE(pt->Map(DmaAddr(0x20'0000), PhysAddr(kRam), 8 * k4K, kRw).ok());
  auto writes = log.OfKind(EventKind::kPageTableWrite);
  auto cleans = log.OfKind(EventKind::kCacheMaintenance);
  ASSERT_EQ(writes.size(), cleans.size());
  for (size_t i = 0; i < writes.size(); ++i) {
    EXPECT_EQ(writes[i].text.view(), "noncoherent");
    EXPECT_EQ(cleans[i].phys, writes[i].phys);
    EXPECT_EQ(cleans[i].size, writes[i].size);
    EXPECT_LT(writes[i].seq, cleans[i].seq);  // written, then cleaned: the order they happen
  }
  BusMaster& walker = soc->AddBusMaster("smmu-walker", false, MasterKind::kWalker);
  WalkResult r = pt->HwWalk(walker, DmaAddr(0x20'0000 + 3 * k4K + 5));
  EXPECT_EQ(r.fault, WalkFault::kNone);
  EXPECT_EQ(r.phys, PhysAddr(kRam + 3 * k4K + 5));
  EXPECT_EQ(soc->oracle().corruption_events(), 0u);
}

TEST(LpaePageTable, SkippedCleanLeavesTheWalkerReadingStaleDescriptors) {
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc, LpaeConfig{.coherent_walk = false, .skip_clean = true});
  ASSERT_TRUE(pt->Map(DmaAddr(0x20'0000), PhysAddr(kRam), k4K, kRw).ok());
  BusMaster& walker = soc->AddBusMaster("smmu-walker", false, MasterKind::kWalker);
  WalkResult r = pt->HwWalk(walker, DmaAddr(0x20'0000));
  EXPECT_EQ(r.fault, WalkFault::kTranslation);
  EXPECT_GT(soc->oracle().corruption_events(), 0u);
  // The CPU's view is right all along.
  EXPECT_EQ(pt->IovaToPhys(DmaAddr(0x20'0000)).value(), PhysAddr(kRam));
}

TEST(LpaePageTable, CoherentWalkerSeesUncleanedDescriptors) {
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc);
  ASSERT_TRUE(pt->Map(DmaAddr(0x20'0000), PhysAddr(kRam), k4K, IoProt::kRead).ok());
  BusMaster& walker = soc->AddBusMaster("smmu-walker", true, MasterKind::kWalker);
  WalkResult r = pt->HwWalk(walker, DmaAddr(0x20'0010));
  EXPECT_EQ(r.fault, WalkFault::kNone);
  EXPECT_EQ(r.phys, PhysAddr(kRam + 0x10));
  EXPECT_TRUE(r.read_only);
  EXPECT_EQ(r.level, 3);
  EXPECT_EQ(soc->oracle().corruption_events(), 0u);
}

// --- Errors ---

TEST(LpaePageTable, ZeroSizeIsInvalid) {
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc);
  EXPECT_EQ(pt->Map(DmaAddr(0), PhysAddr(kRam), 0, kRw).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(pt->Unmap(DmaAddr(0), 0).error().code(), ErrorCode::kInvalidArgument);
}

TEST(LpaePageTable, MisalignedArgumentsAreInvalid) {
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc);
  EXPECT_EQ(pt->Map(DmaAddr(0x100), PhysAddr(kRam), k4K, kRw).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(pt->Map(DmaAddr(0), PhysAddr(kRam + 8), k4K, kRw).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(pt->Map(DmaAddr(0), PhysAddr(kRam), 100, kRw).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(pt->Unmap(DmaAddr(0x10), k4K).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(pt->Unmap(DmaAddr(0), 10).error().code(), ErrorCode::kInvalidArgument);
}

TEST(LpaePageTable, BadProtIsInvalid) {
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc);
  EXPECT_EQ(pt->Map(DmaAddr(0), PhysAddr(kRam), k4K, IoProt::kCache).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(pt->Map(DmaAddr(0), PhysAddr(kRam), k4K, IoProt::FromBits(0x401)).error().code(),
            ErrorCode::kInvalidArgument);
}

TEST(LpaePageTable, AddressesBeyond48BitsAreOutOfRange) {
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc);
  EXPECT_EQ(pt->Map(DmaAddr(1ull << 48), PhysAddr(kRam), k4K, kRw).error().code(),
            ErrorCode::kOutOfRange);
  EXPECT_EQ(pt->Map(DmaAddr((1ull << 48) - k4K), PhysAddr(kRam), 2 * k4K, kRw).error().code(),
            ErrorCode::kOutOfRange);
  EXPECT_EQ(pt->Map(DmaAddr(0), PhysAddr(1ull << 48), k4K, kRw).error().code(),
            ErrorCode::kOutOfRange);
  EXPECT_EQ(pt->Unmap(DmaAddr(1ull << 48), k4K).error().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(pt->IovaToPhys(DmaAddr(1ull << 48)).error().code(), ErrorCode::kOutOfRange);
  // The last page below the limit is fine.
  EXPECT_TRUE(pt->Map(DmaAddr((1ull << 48) - k4K), PhysAddr(kRam), k4K, kRw).ok());
  EXPECT_TRUE(pt->Unmap(DmaAddr((1ull << 48) - k4K), k4K).ok());
}

TEST(LpaePageTable, MapOverALiveMappingFailsAndRollsBack) {
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc);
  ASSERT_TRUE(pt->Map(DmaAddr(0x40'0000 + 700 * k4K), PhysAddr(kRam), k4K, kRw).ok());
  const uint64_t tables = pt->table_pages();
  // Crosses a table boundary (512 pages) before it meets the live page.
  auto s = pt->Map(DmaAddr(0x40'0000 - 10 * k4K), PhysAddr(kRam), 800 * k4K, kRw);
  EXPECT_EQ(s.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(pt->IovaToPhys(DmaAddr(0x40'0000 - 10 * k4K)).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(pt->IovaToPhys(DmaAddr(0x40'0000)).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(pt->IovaToPhys(DmaAddr(0x40'0000 + 699 * k4K)).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(pt->IovaToPhys(DmaAddr(0x40'0000 + 700 * k4K)).value(), PhysAddr(kRam));
  EXPECT_EQ(pt->table_pages(), tables);
  EXPECT_FALSE(Decode(*soc, pt->root(), 0x40'0000 - k4K).mapped);
}

TEST(LpaePageTable, MapInsideABlockFails) {
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc);
  ASSERT_TRUE(pt->Map(DmaAddr(k2M), PhysAddr(kRam), k2M, kRw).ok());
  EXPECT_EQ(pt->Map(DmaAddr(k2M + k4K), PhysAddr(kRam), k4K, kRw).error().code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(pt->Map(DmaAddr(0), PhysAddr(0), 4 * k2M, kRw).error().code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(pt->IovaToPhys(DmaAddr(0)).error().code(), ErrorCode::kNotFound);
}

TEST(LpaePageTable, UnmapOfNothingIsNotFoundAndChangesNothing) {
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc);
  EXPECT_EQ(pt->Unmap(DmaAddr(0x1000), k4K).error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(pt->Map(DmaAddr(k2M), PhysAddr(kRam), k2M, kRw).ok());
  // Partly mapped: the range runs past the block.
  EXPECT_EQ(pt->Unmap(DmaAddr(k2M + k2M - k4K), 2 * k4K).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(Decode(*soc, pt->root(), k2M).level, 2);  // not split either
  EXPECT_EQ(pt->IovaToPhys(DmaAddr(2 * k2M - 1)).value(), PhysAddr(kRam + k2M - 1));
}

TEST(LpaePageTable, ExhaustedTableMemoryRollsBack) {
  auto soc = MakeSoc(16 * k4K);  // 16 pages of RAM
  auto pt = MakeTable(*soc);
  std::vector<PhysAddr> hog;
  while (soc->pages().free_pages() > 3) hog.push_back(soc->pages().AllocPage().value());
  // Needs levels 1, 2 and 3 for the first 512 pages, then another level-3 table.
  // phys is not 2 MiB-aligned, so no block can be used.
  auto s = pt->Map(DmaAddr(0x40'0000), PhysAddr(kRam + k4K), 600 * k4K, kRw);
  EXPECT_EQ(s.error().code(), ErrorCode::kExhausted) << s.error().ToString();
  EXPECT_EQ(pt->table_pages(), 1u);
  EXPECT_EQ(soc->pages().free_pages(), 3u);
  EXPECT_EQ(pt->IovaToPhys(DmaAddr(0x40'0000)).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(pt->Map(DmaAddr(0x40'0000), PhysAddr(kRam), 512 * k4K, kRw).ok());
}

TEST(LpaePageTable, ExhaustedMemoryWhileSplittingKeepsTheBlock) {
  auto soc = MakeSoc(16 * k4K);
  auto pt = MakeTable(*soc);
  ASSERT_TRUE(pt->Map(DmaAddr(k2M), PhysAddr(0), k2M, kRw).ok());
  std::vector<PhysAddr> hog;
  while (soc->pages().free_pages() > 0) hog.push_back(soc->pages().AllocPage().value());
  EXPECT_EQ(pt->Unmap(DmaAddr(k2M + k4K), k4K).error().code(), ErrorCode::kExhausted);
  EXPECT_EQ(pt->IovaToPhys(DmaAddr(k2M + k4K)).value(), PhysAddr(k4K));
  EXPECT_EQ(Decode(*soc, pt->root(), k2M + k4K).level, 2);
}

TEST(LpaePageTable, FreedTableRefusesEverything) {
  auto soc = MakeSoc();
  auto pt = MakeTable(*soc);
  pt->Free();
  pt->Free();  // idempotent
  EXPECT_EQ(pt->table_pages(), 0u);
  EXPECT_EQ(pt->Map(DmaAddr(0), PhysAddr(kRam), k4K, kRw).error().code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(pt->Unmap(DmaAddr(0), k4K).error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(pt->IovaToPhys(DmaAddr(0)).error().code(), ErrorCode::kFailedPrecondition);
}

TEST(LpaePageTable, RootAllocationFailureIsExhausted) {
  auto soc = MakeSoc(4 * k4K);
  std::vector<PhysAddr> hog;
  while (soc->pages().free_pages() > 0) hog.push_back(soc->pages().AllocPage().value());
  EXPECT_EQ(CreateLpaePageTable(*soc, {}).error().code(), ErrorCode::kExhausted);
}

// --- Property: random map/unmap/lookup against a reference map of pages ---

RC_GTEST_PROP(LpaePageTableProperty, AgreesWithAReferenceMap, ()) {
  auto soc = MakeSoc();
  const uint64_t baseline = soc->pages().allocated_pages();
  auto pt = MakeTable(*soc);
  std::map<uint64_t, uint64_t> ref;  // iova page -> phys page
  // A 8 MiB window straddling a 1 GiB boundary so that every level is exercised; 2 MiB
  // blocks appear when an aligned op of >= 512 pages happens.
  const uint64_t window = k1G - 4 * k2M;
  const int ops = *rc::gen::inRange(1, 60);
  for (int i = 0; i < ops; ++i) {
    const bool map = *rc::gen::arbitrary<bool>();
    const bool aligned = *rc::gen::inRange(0, 4) == 0;
    uint64_t first =
        aligned ? *rc::gen::inRange<uint64_t>(0, 4) * 512 : *rc::gen::inRange<uint64_t>(0, 2048);
    uint64_t pages =
        aligned ? 512 * *rc::gen::inRange<uint64_t>(1, 3) : *rc::gen::inRange<uint64_t>(1, 40);
    pages = std::min(pages, 2048 - first);
    const uint64_t iova = window + first * k4K;
    const uint64_t phys = 0x1'0000'0000ull + (aligned ? first : first * 3) * k4K;
    bool any = false, all = true;
    for (uint64_t p = 0; p < pages; ++p) {
      bool live = ref.count(iova + p * k4K) != 0;
      any |= live;
      all &= live;
    }
    if (map) {
      Status s = pt->Map(DmaAddr(iova), PhysAddr(phys), pages * k4K, kRw);
      RC_ASSERT(s.ok() == !any);
      if (s.ok()) {
        for (uint64_t p = 0; p < pages; ++p) ref[iova + p * k4K] = phys + p * k4K;
      } else {
        RC_ASSERT(s.error().code() == ErrorCode::kAlreadyExists);
      }
    } else {
      Status s = pt->Unmap(DmaAddr(iova), pages * k4K);
      RC_ASSERT(s.ok() == all);
      if (s.ok()) {
        for (uint64_t p = 0; p < pages; ++p) ref.erase(iova + p * k4K);
      } else {
        RC_ASSERT(s.error().code() == ErrorCode::kNotFound);
      }
    }
    // Lookups: a few random pages, through both the CPU view and the raw descriptors.
    for (int k = 0; k < 8; ++k) {
      const uint64_t a = window + *rc::gen::inRange<uint64_t>(0, 2048) * k4K + 8 * k;
      auto it = ref.find(a & ~(k4K - 1));
      auto r = pt->IovaToPhys(DmaAddr(a));
      Decoded d = Decode(*soc, pt->root(), a);
      if (it == ref.end()) {
        RC_ASSERT(!r.ok());
        RC_ASSERT(!d.mapped);
      } else {
        RC_ASSERT(r.ok());
        RC_ASSERT(r->value() == it->second + (a & (k4K - 1)));
        RC_ASSERT(d.mapped);
        RC_ASSERT(d.phys == r->value());
      }
    }
  }
  // Unmap everything in runs: the table shrinks back to its root.
  while (!ref.empty()) {
    uint64_t start = ref.begin()->first;
    uint64_t n = 0;
    for (auto it = ref.begin(); it != ref.end() && it->first == start + n * k4K; ++it) ++n;
    RC_ASSERT(pt->Unmap(DmaAddr(start), n * k4K).ok());
    for (uint64_t p = 0; p < n; ++p) ref.erase(start + p * k4K);
  }
  RC_ASSERT(pt->table_pages() == 1u);
  pt->Free();
  RC_ASSERT(soc->pages().allocated_pages() == baseline);
}

}  // namespace
}  // namespace dmakit
