#include "set_associative_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace dmakit {
namespace {

using ::testing::HasSubstr;

constexpr PhysAddr kRam(0x8000'0000);
constexpr uint64_t kRamSize = 64 * 1024;

// 1 KiB, 2 ways, 64-byte lines: 8 sets, so addresses 512 bytes apart share a set.
CacheGeometry SmallGeometry(EvictionPolicy policy = EvictionPolicy::kLru, uint64_t seed = 0) {
  return CacheGeometry{.size = 1024, .ways = 2, .line_size = 64, .policy = policy, .seed = seed};
}
constexpr uint64_t kSetStride = 512;

class CacheTest : public ::testing::Test {
 protected:
  void Use(const CacheGeometry& geometry) {
    auto created = CreateSetAssociativeCache(geometry, memory_);
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    cache_ = std::move(created).value();
  }
  void SetUp() override { Use(SmallGeometry()); }

  static std::vector<uint8_t> Bytes(size_t n, uint8_t value) {
    return std::vector<uint8_t>(n, value);
  }
  void CpuWrite(uint64_t offset, std::vector<uint8_t> data) {
    ASSERT_TRUE(cache_->Write(kRam + offset, data).ok());
  }
  std::vector<uint8_t> CpuRead(uint64_t offset, size_t n) {
    std::vector<uint8_t> out(n);
    EXPECT_TRUE(cache_->Read(kRam + offset, out).ok());
    return out;
  }
  std::vector<uint8_t> MemRead(uint64_t offset, size_t n) {
    std::vector<uint8_t> out(n);
    EXPECT_TRUE(memory_.Read(kRam + offset, out).ok());
    return out;
  }
  void DeviceWrite(uint64_t offset, std::vector<uint8_t> data) {
    ASSERT_TRUE(memory_.Write(kRam + offset, data).ok());
    cache_->OnDeviceWrite(PhysRange(kRam + offset, data.size()));
  }
  Status Maintain(CacheOp op, uint64_t offset, uint64_t size) {
    return cache_->Maintain(op, PhysRange(kRam + offset, size));
  }
  LineState Probe(uint64_t offset) { return cache_->Probe(kRam + offset); }

  PhysicalMemory memory_ = std::move(PhysicalMemory::Create({{"dram0", kRam, kRamSize}})).value();
  std::unique_ptr<CpuCache> cache_;
};

// --- geometry and names ---

void ExpectBadGeometry(CacheGeometry g, std::string_view param) {
  auto memory = std::move(PhysicalMemory::Create({{"dram0", kRam, kRamSize}})).value();
  auto cache = CreateSetAssociativeCache(g, memory);
  ASSERT_FALSE(cache.ok());
  EXPECT_EQ(cache.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(cache.error().message(), HasSubstr(std::string(param)));
}

TEST(CacheGeometryTest, LineSizeMustBeAPowerOfTwo) {
  ExpectBadGeometry({.size = 1024, .ways = 2, .line_size = 48}, "line_size 48");
}
TEST(CacheGeometryTest, LineSizeMustBeAtLeast16) {
  ExpectBadGeometry({.size = 1024, .ways = 2, .line_size = 8}, "line_size 8");
}
TEST(CacheGeometryTest, LineSizeMustBeAtMost256) {
  ExpectBadGeometry({.size = 4096, .ways = 2, .line_size = 512}, "line_size 512");
}
TEST(CacheGeometryTest, WaysMustBeAPowerOfTwo) {
  ExpectBadGeometry({.size = 1024, .ways = 3, .line_size = 64}, "ways 3");
  ExpectBadGeometry({.size = 1024, .ways = 0, .line_size = 64}, "ways 0");
}
TEST(CacheGeometryTest, SizeMustBeAPowerOfTwo) {
  ExpectBadGeometry({.size = 3000, .ways = 2, .line_size = 64}, "size 3000");
}
TEST(CacheGeometryTest, SizeMustHoldOneSet) {
  ExpectBadGeometry({.size = 256, .ways = 8, .line_size = 64}, "ways * line_size");
}
TEST(CacheGeometryTest, SizeHasAnUpperLimit) {
  ExpectBadGeometry({.size = uint64_t{1} << 31, .ways = 4, .line_size = 64}, "size 2147483648");
}
TEST(CacheGeometryTest, SetsFollowFromGeometry) {
  auto memory = std::move(PhysicalMemory::Create({{"dram0", kRam, kRamSize}})).value();
  auto cache = SetAssociativeCache::Create({.size = 32 * 1024, .ways = 4, .line_size = 64}, memory);
  ASSERT_TRUE(cache.ok());
  EXPECT_EQ((*cache)->sets(), 128u);
}

TEST(EvictionPolicyTest, NamesRoundTrip) {
  for (EvictionPolicy p :
       {EvictionPolicy::kLru, EvictionPolicy::kRandom, EvictionPolicy::kAdversarial}) {
    EXPECT_EQ(ParseEvictionPolicy(ToString(p)), p);
  }
  EXPECT_EQ(ParseEvictionPolicy("LRU"), EvictionPolicy::kLru);
  EXPECT_EQ(ParseEvictionPolicy("Adversarial"), EvictionPolicy::kAdversarial);
  EXPECT_EQ(ParseEvictionPolicy("fifo"), std::nullopt);
  EXPECT_EQ(ParseEvictionPolicy(""), std::nullopt);
}

// --- hits, misses, write-back ---

TEST_F(CacheTest, FirstReadMissesThenHits) {
  CpuRead(0, 8);
  CpuRead(8, 8);
  EXPECT_EQ(cache_->stats().misses, 1u);
  EXPECT_EQ(cache_->stats().hits, 1u);
  cache_->ResetStats();
  EXPECT_EQ(cache_->stats().hits, 0u);
}

TEST_F(CacheTest, AccessSpanningLinesCountsEachLine) {
  CpuRead(60, 72);  // lines 0, 1 and 2
  EXPECT_EQ(cache_->stats().misses, 3u);
  CpuRead(0, 192);
  EXPECT_EQ(cache_->stats().hits, 3u);
}

TEST_F(CacheTest, ReadFillsFromMemory) {
  ASSERT_TRUE(memory_.Write(kRam + 100, Bytes(10, 0x11)).ok());
  EXPECT_EQ(CpuRead(100, 10), Bytes(10, 0x11));
}

TEST_F(CacheTest, DirtyDataIsInvisibleInMemoryUntilClean) {
  CpuWrite(64, Bytes(16, 0xab));
  EXPECT_EQ(MemRead(64, 16), Bytes(16, 0));
  EXPECT_TRUE(Probe(64).dirty);
  ASSERT_TRUE(Maintain(CacheOp::kClean, 64, 16).ok());
  EXPECT_EQ(MemRead(64, 16), Bytes(16, 0xab));
  EXPECT_TRUE(Probe(64).valid);
  EXPECT_FALSE(Probe(64).dirty);
  EXPECT_EQ(cache_->stats().write_backs, 1u);
  EXPECT_EQ(cache_->stats().lines_cleaned, 1u);
}

TEST_F(CacheTest, DirtyVictimIsWrittenBackOnEviction) {
  CpuWrite(0, Bytes(4, 0x5a));
  CpuRead(kSetStride, 4);
  CpuRead(2 * kSetStride, 4);  // the set holds two lines: the written one is evicted
  EXPECT_FALSE(Probe(0).valid);
  EXPECT_EQ(MemRead(0, 4), Bytes(4, 0x5a));
  EXPECT_EQ(cache_->stats().evictions, 1u);
  EXPECT_EQ(cache_->stats().write_backs, 1u);
}

TEST_F(CacheTest, StaleLineHidesDeviceWrite) {
  CpuRead(0, 4);
  DeviceWrite(0, Bytes(4, 0x77));
  EXPECT_EQ(CpuRead(0, 4), Bytes(4, 0));  // stale read
  ASSERT_TRUE(Maintain(CacheOp::kInvalidate, 0, 64).ok());
  EXPECT_EQ(CpuRead(0, 4), Bytes(4, 0x77));
}

// --- maintenance ---

TEST_F(CacheTest, InvalidateDropsDirtyDataTheLostWrite) {
  CpuWrite(128, Bytes(64, 0xcd));
  ASSERT_TRUE(Maintain(CacheOp::kInvalidate, 128, 64).ok());
  EXPECT_FALSE(Probe(128).valid);
  EXPECT_EQ(MemRead(128, 64), Bytes(64, 0));
  EXPECT_EQ(CpuRead(128, 64), Bytes(64, 0));
  EXPECT_EQ(cache_->stats().write_backs, 0u);
  EXPECT_EQ(cache_->stats().lines_invalidated, 1u);
}

TEST_F(CacheTest, InvalidateCleansPartialFirstLine) {
  CpuWrite(0, Bytes(8, 0xee));                               // other data in line 0
  ASSERT_TRUE(Maintain(CacheOp::kInvalidate, 32, 96).ok());  // lines 0 (partly) and 1
  EXPECT_EQ(MemRead(0, 8), Bytes(8, 0xee));
  EXPECT_FALSE(Probe(0).valid);
}

TEST_F(CacheTest, InvalidateCleansPartialLastLine) {
  CpuWrite(64, Bytes(64, 0x01));  // fully covered: dropped
  CpuWrite(160, Bytes(8, 0x02));  // line 2, beyond the range's end at 144: cleaned
  ASSERT_TRUE(Maintain(CacheOp::kInvalidate, 64, 80).ok());
  EXPECT_EQ(MemRead(64, 64), Bytes(64, 0));
  EXPECT_EQ(MemRead(160, 8), Bytes(8, 0x02));
  EXPECT_FALSE(Probe(64).valid);
  EXPECT_FALSE(Probe(128).valid);
}

TEST_F(CacheTest, CleanInvalidateWritesBackAndDrops) {
  CpuWrite(256, Bytes(64, 0x42));
  ASSERT_TRUE(Maintain(CacheOp::kCleanInvalidate, 256, 64).ok());
  EXPECT_EQ(MemRead(256, 64), Bytes(64, 0x42));
  EXPECT_FALSE(Probe(256).valid);
  EXPECT_EQ(cache_->stats().lines_cleaned, 1u);
  EXPECT_EQ(cache_->stats().lines_invalidated, 1u);
}

TEST_F(CacheTest, MaintainOfARangeLargerThanTheCacheWalksEveryCachedLine) {
  for (uint64_t off = 0; off < 1024; off += 64) CpuWrite(off, Bytes(64, 0x33));
  ASSERT_TRUE(Maintain(CacheOp::kClean, 0, 32 * 1024).ok());
  for (uint64_t off = 0; off < 1024; off += 64) {
    EXPECT_EQ(MemRead(off, 64), Bytes(64, 0x33)) << off;
  }
  EXPECT_EQ(cache_->stats().lines_cleaned, 16u);
  CpuWrite(kRamSize - 64, Bytes(64, 0x44));  // outside the range: untouched
  ASSERT_TRUE(Maintain(CacheOp::kInvalidate, 0, kRamSize - 64).ok());
  EXPECT_TRUE(Probe(kRamSize - 64).dirty);
  EXPECT_FALSE(Probe(0).valid);
}

TEST_F(CacheTest, EmptyMaintainIsANoOp) {
  CpuWrite(0, Bytes(4, 1));
  ASSERT_TRUE(Maintain(CacheOp::kInvalidate, 0, 0).ok());
  EXPECT_TRUE(Probe(0).dirty);
}

TEST_F(CacheTest, FlushAllWritesBackEverything) {
  CpuWrite(0, Bytes(4, 9));
  CpuWrite(4096, Bytes(4, 8));
  cache_->FlushAll();
  EXPECT_EQ(MemRead(0, 4), Bytes(4, 9));
  EXPECT_EQ(MemRead(4096, 4), Bytes(4, 8));
  EXPECT_FALSE(Probe(0).valid);
  EXPECT_FALSE(Probe(4096).valid);
}

// --- snooping ---

TEST_F(CacheTest, SnoopReadLaysDirtyLinesOverMemory) {
  ASSERT_TRUE(memory_.Write(kRam, Bytes(128, 0x10)).ok());
  CpuWrite(70, Bytes(4, 0x20));
  std::vector<uint8_t> out(128);
  ASSERT_TRUE(cache_->SnoopRead(kRam, out).ok());
  std::vector<uint8_t> expected = Bytes(128, 0x10);
  std::fill(expected.begin() + 70, expected.begin() + 74, 0x20);
  EXPECT_EQ(out, expected);
  EXPECT_EQ(MemRead(70, 4), Bytes(4, 0x10));  // snooping does not write back
  EXPECT_EQ(cache_->stats().hits, 0u);
}

TEST_F(CacheTest, SnoopWriteWritesBackDirtyLinesAndInvalidates) {
  CpuWrite(0, Bytes(64, 0x61));
  CpuRead(64, 4);
  ASSERT_TRUE(cache_->SnoopWrite(PhysRange(kRam + 16, 64)).ok());
  EXPECT_EQ(MemRead(0, 64), Bytes(64, 0x61));  // bytes outside the master's write survive
  EXPECT_FALSE(Probe(0).valid);
  EXPECT_FALSE(Probe(64).valid);
}

// --- eviction policies ---

TEST_F(CacheTest, LruEvictsTheLeastRecentlyUsedLine) {
  CpuRead(0, 4);
  CpuRead(kSetStride, 4);
  CpuRead(0, 4);  // line 0 is now the most recent
  CpuRead(2 * kSetStride, 4);
  EXPECT_TRUE(Probe(0).valid);
  EXPECT_FALSE(Probe(kSetStride).valid);
  EXPECT_TRUE(Probe(2 * kSetStride).valid);
}

TEST_F(CacheTest, InvalidWaysAreFilledBeforeEvicting) {
  Use(SmallGeometry(EvictionPolicy::kRandom, 5));
  CpuRead(0, 4);
  CpuRead(kSetStride, 4);
  EXPECT_TRUE(Probe(0).valid);
  EXPECT_TRUE(Probe(kSetStride).valid);
  EXPECT_EQ(cache_->stats().evictions, 0u);
}

// Which of 64 lines competing for one 2-way set survive a fixed access sequence.
std::vector<bool> Survivors(uint64_t seed) {
  auto memory = std::move(PhysicalMemory::Create({{"dram0", kRam, kRamSize}})).value();
  auto cache =
      std::move(CreateSetAssociativeCache(SmallGeometry(EvictionPolicy::kRandom, seed), memory))
          .value();
  std::vector<uint8_t> out(4);
  for (uint64_t i = 0; i < 64; ++i) EXPECT_TRUE(cache->Read(kRam + i * kSetStride, out).ok());
  std::vector<bool> survivors;
  for (uint64_t i = 0; i < 64; ++i) survivors.push_back(cache->Probe(kRam + i * kSetStride).valid);
  return survivors;
}

TEST(RandomPolicyTest, VictimsAreDeterministicPerSeed) {
  EXPECT_EQ(Survivors(11), Survivors(11));
  // With LRU the last two lines would survive; random keeps some older line for most seeds.
  int seeds_keeping_an_old_line = 0;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    std::vector<bool> s = Survivors(seed);
    EXPECT_EQ(std::count(s.begin(), s.end(), true), 2);
    seeds_keeping_an_old_line += std::find(s.begin(), s.end() - 2, true) != s.end() - 2;
  }
  EXPECT_GT(seeds_keeping_an_old_line, 0);
  EXPECT_NE(Survivors(1), Survivors(2));
}

TEST_F(CacheTest, AdversarialPrefersADirtyVictim) {
  Use(SmallGeometry(EvictionPolicy::kAdversarial, 3));
  CpuWrite(0, Bytes(4, 0x99));  // dirty
  CpuRead(kSetStride, 4);       // clean
  CpuRead(0, 4);                // LRU would now evict the clean line
  CpuRead(2 * kSetStride, 4);
  EXPECT_FALSE(Probe(0).valid);
  EXPECT_TRUE(Probe(kSetStride).valid);
  EXPECT_EQ(MemRead(0, 4), Bytes(4, 0x99));
}

TEST_F(CacheTest, AdversarialWritesBackOverADeviceWrite) {
  Use(SmallGeometry(EvictionPolicy::kAdversarial, 3));
  CpuWrite(0, Bytes(8, 0xaa));                  // the driver forgot to clean before the DMA
  DeviceWrite(0, Bytes(128, 0xdd));             // the device fills lines 0 and 1
  EXPECT_EQ(MemRead(0, 8), Bytes(8, 0xaa));     // clobbered by the write-back
  EXPECT_EQ(MemRead(8, 56), Bytes(56, 0));      // the whole line goes back, stale bytes too
  EXPECT_EQ(MemRead(64, 64), Bytes(64, 0xdd));  // a clean line leaves the device's data
  EXPECT_TRUE(Probe(0).valid);
  EXPECT_FALSE(Probe(0).dirty);
  EXPECT_EQ(cache_->stats().adversarial_write_backs, 1u);
}

TEST_F(CacheTest, LruIgnoresDeviceWrites) {
  CpuWrite(0, Bytes(8, 0xaa));
  DeviceWrite(0, Bytes(64, 0xdd));
  EXPECT_EQ(MemRead(0, 64), Bytes(64, 0xdd));
  EXPECT_TRUE(Probe(0).dirty);
  EXPECT_EQ(cache_->stats().adversarial_write_backs, 0u);
}

TEST_F(CacheTest, AdversarialIgnoresDeviceWritesOutsideRam) {
  Use(SmallGeometry(EvictionPolicy::kAdversarial, 3));
  CpuWrite(kRamSize - 64, Bytes(8, 0xaa));
  cache_->OnDeviceWrite(PhysRange(kRam + kRamSize, 4096));
  EXPECT_TRUE(Probe(kRamSize - 64).dirty);
}

// --- line sizes ---

TEST(CacheLineSizeTest, EveryLegalLineSizeRoundTripsData) {
  for (uint32_t line : {16u, 32u, 64u, 128u, 256u}) {
    auto memory = std::move(PhysicalMemory::Create({{"dram0", kRam, kRamSize}})).value();
    auto cache =
        std::move(CreateSetAssociativeCache({.size = 4096, .ways = 4, .line_size = line}, memory))
            .value();
    std::vector<uint8_t> data(1000);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 13);
    ASSERT_TRUE(cache->Write(kRam + 3, data).ok());
    std::vector<uint8_t> out(data.size());
    ASSERT_TRUE(cache->Read(kRam + 3, out).ok());
    EXPECT_EQ(out, data) << line;
    cache->FlushAll();
    ASSERT_TRUE(memory.Read(kRam + 3, out).ok());
    EXPECT_EQ(out, data) << line;
    EXPECT_EQ(cache->stats().misses, (3 + 1000 + line - 1) / line) << line;
  }
}

// --- errors ---

TEST_F(CacheTest, AccessOutsideRamIsOutOfRangeAndChangesNothing) {
  std::vector<uint8_t> out(16);
  Status read = cache_->Read(kRam + kRamSize - 8, out);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code(), ErrorCode::kOutOfRange);
  EXPECT_THAT(read.error().message(), HasSubstr("dram0"));
  Status write = cache_->Write(kRam + kRamSize - 8, Bytes(16, 1));
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().code(), ErrorCode::kOutOfRange);
  EXPECT_FALSE(Probe(kRamSize - 8).valid);
  EXPECT_EQ(cache_->stats().misses, 0u);
}

TEST_F(CacheTest, MaintenanceAndSnoopOutsideRamAreOutOfRange) {
  CpuWrite(kRamSize - 64, Bytes(64, 3));
  const PhysRange straddling(kRam + kRamSize - 64, 128);
  for (CacheOp op : {CacheOp::kClean, CacheOp::kInvalidate, CacheOp::kCleanInvalidate}) {
    Status s = cache_->Maintain(op, straddling);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code(), ErrorCode::kOutOfRange);
  }
  EXPECT_TRUE(Probe(kRamSize - 64).dirty);
  std::vector<uint8_t> out(128);
  EXPECT_EQ(cache_->SnoopRead(straddling.base, out).error().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(cache_->SnoopWrite(straddling).error().code(), ErrorCode::kOutOfRange);
  EXPECT_TRUE(Probe(kRamSize - 64).dirty);
}

}  // namespace
}  // namespace dmakit
