#include "dmakit/sim/soc.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dmakit/core/rng.h"
#include "sim/soc_test_util.h"

namespace dmakit {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using testing::MakeSoc;
using testing::Pattern;
using testing::SmallSocConfig;
using ::testing::StartsWith;

constexpr PhysAddr kRam(0x8000'0000);
constexpr uint64_t kRamSize = 16ull << 20;

// --- Configuration ---

void ExpectConfigError(const SocConfig& config, std::string_view parameter) {
  auto soc = Soc::Create(config);
  ASSERT_FALSE(soc.ok());
  EXPECT_EQ(soc.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(soc.error().message(), StartsWith(std::string(parameter)));
}

TEST(SocConfigTest, DefaultConfigCreatesASoc) {
  auto soc = Soc::Create(SocConfig{});
  ASSERT_TRUE(soc.ok()) << soc.error().ToString();
  EXPECT_EQ((*soc)->line_size(), kDefaultLineSize);
}

TEST(SocConfigTest, NoBanksIsRejectedNamingBanks) {
  SocConfig config = SmallSocConfig();
  config.banks.clear();
  ExpectConfigError(config, "banks");
}

TEST(SocConfigTest, OverlappingBanksAreRejectedNamingBanks) {
  SocConfig config = SmallSocConfig();
  config.banks.push_back({"dram1", kRam + kPageSize, kPageSize});
  ExpectConfigError(config, "banks");
}

TEST(SocConfigTest, InconsistentCacheGeometryIsRejectedNamingCache) {
  SocConfig config = SmallSocConfig();
  config.cache.line_size = 48;
  ExpectConfigError(config, "cache");
  config = SmallSocConfig();
  config.cache.ways = 3;
  ExpectConfigError(config, "cache");
}

TEST(SocConfigTest, BadWcBufferSizeIsRejectedNamingIt) {
  for (uint32_t bytes : {0u, 4u, 12u, 8192u}) {
    SocConfig config = SmallSocConfig();
    config.wc_buffer_bytes = bytes;
    ExpectConfigError(config, "wc_buffer_bytes");
  }
}

TEST(SocConfigTest, AnnouncePlatformEmitsOneRamBankEventPerBank) {
  SocConfig config = SmallSocConfig();
  config.banks.push_back({"dram1", PhysAddr(0x1'0000'0000), 1 << 20});
  auto soc = MakeSoc(config);
  EventLog log;
  soc->bus().Subscribe(&log);
  soc->AnnouncePlatform();
  auto banks = log.OfKind(EventKind::kRamBank);
  ASSERT_EQ(banks.size(), 2u);
  EXPECT_EQ(banks[0].phys, kRam);
  EXPECT_EQ(banks[0].size, kRamSize);
  EXPECT_EQ(banks[0].text, Symbol("dram0"));
  EXPECT_EQ(banks[1].phys, PhysAddr(0x1'0000'0000));
  EXPECT_EQ(banks[1].text, Symbol("dram1"));
}

TEST(SocConfigTest, AnnouncePlatformEmitsTheCacheGeometryFirst) {
  SocConfig config = SmallSocConfig();
  config.cache.line_size = 128;
  config.cache.ways = 8;
  config.cache.size = 128 * 1024;
  config.cache.policy = EvictionPolicy::kRandom;
  auto soc = MakeSoc(config);
  EventLog log;
  soc->bus().Subscribe(&log);
  soc->AnnouncePlatform();
  ASSERT_FALSE(log.events().empty());
  const Event& cache = log.events().front();
  EXPECT_EQ(cache.kind, EventKind::kCpuCache);
  EXPECT_EQ(cache.line_size, 128u);
  EXPECT_EQ(cache.ways, 8u);
  EXPECT_EQ(cache.size, 128u * 1024);
  EXPECT_EQ(cache.text, Symbol(ToString(EvictionPolicy::kRandom)));
  EXPECT_EQ(log.OfKind(EventKind::kCpuCache).size(), 1u);
}

// --- Mappings ---

class SocTest : public ::testing::Test {
 protected:
  explicit SocTest(SocConfig config = SmallSocConfig()) : soc_(MakeSoc(config)) {
    buf_ = soc_->pages().AllocContiguous(4).value();
    scratch_ = soc_->pages().AllocContiguous(64).value();
    soc_->bus().Subscribe(&log_);
  }

  std::vector<uint8_t> MemoryAt(PhysAddr addr, size_t n) {
    std::vector<uint8_t> out(n);
    EXPECT_TRUE(soc_->memory().Read(addr, out).ok());
    return out;
  }
  std::vector<uint8_t> IdealAt(PhysAddr addr, size_t n) {
    std::vector<uint8_t> out(n);
    EXPECT_TRUE(soc_->oracle().ReadIdeal(addr, out).ok());
    return out;
  }
  CpuAddr Map(std::vector<PhysAddr> pages, MemAttr attr) {
    auto cpu = soc_->MapPages(pages, attr);
    EXPECT_TRUE(cpu.ok()) << cpu.error().ToString();
    return *cpu;
  }

  std::unique_ptr<Soc> soc_;
  EventLog log_;
  PhysAddr buf_;
  PhysAddr scratch_;
};

TEST_F(SocTest, LinearMapCoversRamCached) {
  CpuAddr va = soc_->LinearAddress(buf_ + 5);
  EXPECT_EQ(*soc_->Translate(va), buf_ + 5);
  EXPECT_EQ(*soc_->AttrOf(va), MemAttr::kCached);
  EXPECT_EQ(*soc_->Translate(soc_->LinearAddress(kRam + kRamSize - 1)), kRam + kRamSize - 1);
}

TEST_F(SocTest, LinearAddressOutsideRamIsNotFound) {
  auto phys = soc_->Translate(soc_->LinearAddress(kRam + kRamSize));
  ASSERT_FALSE(phys.ok());
  EXPECT_EQ(phys.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(soc_->AttrOf(soc_->LinearAddress(kRam - 1)).error().code(), ErrorCode::kNotFound);
}

TEST_F(SocTest, MapPagesCreatesAViewWithTheAttributeAndEmitsCpuMap) {
  // Pages 2, 3 (contiguous) then 0: two sg segments.
  std::vector<PhysAddr> pages = {buf_ + 2 * kPageSize, buf_ + 3 * kPageSize, buf_};
  CpuAddr va = Map(pages, MemAttr::kWriteCombine);
  EXPECT_GE(va.value(), Soc::kVmallocBase);
  EXPECT_EQ(*soc_->Translate(va + 10), buf_ + 2 * kPageSize + 10);
  EXPECT_EQ(*soc_->Translate(va + 2 * kPageSize + 7), buf_ + 7);
  EXPECT_EQ(*soc_->AttrOf(va + kPageSize), MemAttr::kWriteCombine);
  auto maps = log_.OfKind(EventKind::kCpuMap);
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_EQ(maps[0].cpu, va);
  EXPECT_EQ(maps[0].size, 3 * kPageSize);
  EXPECT_EQ(maps[0].mem_attr, MemAttr::kWriteCombine);
  ASSERT_EQ(maps[0].sg.size(), 2u);
  EXPECT_EQ(maps[0].sg[0].phys, buf_ + 2 * kPageSize);
  EXPECT_EQ(maps[0].sg[0].length, 2 * kPageSize);
  EXPECT_EQ(maps[0].sg[1].phys, buf_);
  EXPECT_EQ(maps[0].sg[1].length, kPageSize);
}

TEST_F(SocTest, MappingsAreSeparatedByAnUnmappedGuardPage) {
  CpuAddr a = Map({buf_}, MemAttr::kCached);
  CpuAddr b = Map({buf_ + kPageSize}, MemAttr::kUncached);
  EXPECT_GT(b, a + kPageSize);
  EXPECT_EQ(soc_->Translate(a + kPageSize).error().code(), ErrorCode::kNotFound);
}

TEST_F(SocTest, MapPagesWithoutPagesIsInvalid) {
  auto va = soc_->MapPages({}, MemAttr::kCached);
  ASSERT_FALSE(va.ok());
  EXPECT_EQ(va.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(soc_->mapping_count(), 0u);
}

TEST_F(SocTest, MapPagesOfAnUnalignedPageIsInvalidAndMapsNothing) {
  auto va = soc_->MapPages({buf_, buf_ + 8}, MemAttr::kCached);
  ASSERT_FALSE(va.ok());
  EXPECT_EQ(va.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(soc_->mapping_count(), 0u);
  EXPECT_EQ(log_.Count(EventKind::kCpuMap), 0u);
}

TEST_F(SocTest, MapPagesOutsideRamIsOutOfRange) {
  auto va = soc_->MapPages({buf_, kRam + kRamSize}, MemAttr::kUncached);
  ASSERT_FALSE(va.ok());
  EXPECT_EQ(va.error().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(soc_->mapping_count(), 0u);
}

TEST_F(SocTest, UnmapPagesRemovesTheViewAndEmitsCpuUnmap) {
  CpuAddr va = Map({buf_}, MemAttr::kUncached);
  ASSERT_TRUE(soc_->UnmapPages(va).ok());
  EXPECT_EQ(soc_->Translate(va).error().code(), ErrorCode::kNotFound);
  auto unmaps = log_.OfKind(EventKind::kCpuUnmap);
  ASSERT_EQ(unmaps.size(), 1u);
  EXPECT_EQ(unmaps[0].cpu, va);
  EXPECT_EQ(unmaps[0].size, kPageSize);
}

TEST_F(SocTest, UnmapOfAnythingButAMappingStartIsNotFound) {
  CpuAddr va = Map({buf_, buf_ + kPageSize}, MemAttr::kCached);
  EXPECT_EQ(soc_->UnmapPages(va + kPageSize).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(soc_->UnmapPages(soc_->LinearAddress(buf_)).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(soc_->mapping_count(), 1u);
}

// --- Errors of CPU accesses: nothing happens ---

TEST_F(SocTest, AccessToAnUnmappedAddressIsNotFoundAndDoesNothing) {
  std::vector<uint8_t> bytes(16, 0x5a);
  CpuAddr nowhere(Soc::kVmallocBase + 0x1234);
  EXPECT_EQ(soc_->CpuRead(nowhere, bytes).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(soc_->CpuWrite(nowhere, bytes).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(soc_->CpuWrite(CpuAddr(0x1000), bytes).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(log_.events().size(), 0u);
}

TEST_F(SocTest, AccessRunningOffAMappingIsOutOfRangeAndDoesNothing) {
  CpuAddr va = Map({buf_}, MemAttr::kUncached);
  log_.Clear();
  auto data = Pattern(64, 1);
  auto status = soc_->CpuWrite(va + kPageSize - 32, data);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kOutOfRange);
  EXPECT_THAT(MemoryAt(buf_ + kPageSize - 32, 32), ElementsAreArray(std::vector<uint8_t>(32)));
  EXPECT_THAT(IdealAt(buf_ + kPageSize - 32, 32), ElementsAreArray(std::vector<uint8_t>(32)));
  std::vector<uint8_t> out(64, 0xee);
  EXPECT_EQ(soc_->CpuRead(va + kPageSize - 32, out).error().code(), ErrorCode::kOutOfRange);
  EXPECT_THAT(out, ElementsAreArray(std::vector<uint8_t>(64, 0xee)));
  EXPECT_EQ(log_.events().size(), 0u);
}

TEST_F(SocTest, AccessRunningOffTheEndOfRamIsOutOfRange) {
  std::vector<uint8_t> out(64);
  auto status = soc_->CpuRead(soc_->LinearAddress(kRam + kRamSize - 32), out);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(log_.events().size(), 0u);
}

TEST_F(SocTest, ZeroLengthAccessOfAMappedAddressDoesNothing) {
  std::vector<uint8_t> none;
  EXPECT_TRUE(soc_->CpuWrite(soc_->LinearAddress(buf_), none).ok());
  EXPECT_TRUE(soc_->CpuRead(soc_->LinearAddress(buf_), none).ok());
  EXPECT_EQ(log_.events().size(), 0u);
}

// --- The three paths ---

TEST_F(SocTest, CachedStoreStaysInTheCacheUntilCleaned) {
  auto data = Pattern(100, 1);
  ASSERT_TRUE(soc_->CpuWrite(soc_->LinearAddress(buf_), data).ok());
  EXPECT_TRUE(soc_->cache().Probe(buf_).dirty);
  EXPECT_THAT(MemoryAt(buf_, 100), ElementsAreArray(std::vector<uint8_t>(100)));
  EXPECT_THAT(IdealAt(buf_, 100), ElementsAreArray(data));  // recorded at store time
  std::vector<uint8_t> out(100);
  ASSERT_TRUE(soc_->CpuRead(soc_->LinearAddress(buf_), out).ok());
  EXPECT_THAT(out, ElementsAreArray(data));
  ASSERT_TRUE(soc_->CacheMaintain(CacheOp::kClean, PhysRange(buf_, 100)).ok());
  EXPECT_THAT(MemoryAt(buf_, 100), ElementsAreArray(data));
  EXPECT_EQ(log_.Count(EventKind::kCorruption), 0u);
}

TEST_F(SocTest, CpuAccessEmitsOneEventPerPhysicallyContiguousPiece) {
  std::vector<PhysAddr> pages = {buf_, buf_ + kPageSize, buf_ + 3 * kPageSize};
  CpuAddr va = Map(pages, MemAttr::kCached);
  log_.Clear();
  auto data = Pattern(3 * kPageSize - 200, 1);
  ASSERT_TRUE(soc_->CpuWrite(va + 100, data).ok());
  auto accesses = log_.OfKind(EventKind::kCpuAccess);
  ASSERT_EQ(accesses.size(), 2u);
  EXPECT_EQ(accesses[0].phys, buf_ + 100);
  EXPECT_EQ(accesses[0].size, 2 * kPageSize - 100);
  EXPECT_EQ(accesses[0].cpu, va + 100);
  EXPECT_EQ(accesses[0].access, Access::kWrite);
  EXPECT_EQ(accesses[0].mem_attr, MemAttr::kCached);
  EXPECT_EQ(accesses[1].phys, buf_ + 3 * kPageSize);
  EXPECT_EQ(accesses[1].size, kPageSize - 100);
  EXPECT_EQ(accesses[1].cpu, va + 2 * kPageSize);
  std::vector<uint8_t> out(data.size());
  ASSERT_TRUE(soc_->CpuRead(va + 100, out).ok());
  EXPECT_THAT(out, ElementsAreArray(data));
}

TEST_F(SocTest, UncachedStoreGoesStraightToMemory) {
  CpuAddr va = Map({buf_}, MemAttr::kUncached);
  auto data = Pattern(64, 9);
  ASSERT_TRUE(soc_->CpuWrite(va + 64, data).ok());
  EXPECT_THAT(MemoryAt(buf_ + 64, 64), ElementsAreArray(data));
  EXPECT_FALSE(soc_->cache().Probe(buf_ + 64).valid);
  EXPECT_EQ(log_.OfKind(EventKind::kCpuAccess)[0].mem_attr, MemAttr::kUncached);
}

TEST_F(SocTest, UncachedLoadBypassesADirtyCachedAlias) {
  ASSERT_TRUE(soc_->CpuWrite(soc_->LinearAddress(buf_), Pattern(64, 1)).ok());
  CpuAddr va = Map({buf_}, MemAttr::kUncached);
  std::vector<uint8_t> out(64);
  ASSERT_TRUE(soc_->CpuRead(va, out).ok());
  EXPECT_THAT(out, ElementsAreArray(std::vector<uint8_t>(64)));  // memory, not the cache
  auto corruptions = log_.OfKind(EventKind::kCorruption);
  ASSERT_EQ(corruptions.size(), 1u);
  EXPECT_EQ(corruptions[0].phys, buf_);
  EXPECT_EQ(corruptions[0].size, 64u);
  EXPECT_THAT(corruptions[0].expected, ElementsAreArray(Pattern(64, 1)));
}

// --- Write combining ---

TEST_F(SocTest, WriteCombinedStoresAreGatheredUntilABarrier) {
  CpuAddr va = Map({buf_}, MemAttr::kWriteCombine);
  auto data = Pattern(16, 1);
  ASSERT_TRUE(soc_->CpuWrite(va, std::span(data).first(8)).ok());
  ASSERT_TRUE(soc_->CpuWrite(va + 8, std::span(data).subspan(8)).ok());
  EXPECT_EQ(soc_->wc_pending_bytes(), 16u);
  EXPECT_THAT(MemoryAt(buf_, 16), ElementsAreArray(std::vector<uint8_t>(16)));
  EXPECT_THAT(IdealAt(buf_, 16), ElementsAreArray(data));
  soc_->WriteBarrier();
  EXPECT_EQ(soc_->wc_pending_bytes(), 0u);
  EXPECT_THAT(MemoryAt(buf_, 16), ElementsAreArray(data));
  EXPECT_FALSE(soc_->cache().Probe(buf_).valid);
}

TEST_F(SocTest, AFullWcBufferDrains) {
  CpuAddr va = Map({buf_}, MemAttr::kWriteCombine);
  uint32_t capacity = soc_->config().wc_buffer_bytes;
  auto data = Pattern(capacity + 8, 1);
  ASSERT_TRUE(soc_->CpuWrite(va, data).ok());
  EXPECT_EQ(soc_->wc_pending_bytes(), 8u);
  EXPECT_THAT(MemoryAt(buf_, capacity), ElementsAreArray(std::span(data).first(capacity)));
  EXPECT_THAT(MemoryAt(buf_ + capacity, 8), ElementsAreArray(std::vector<uint8_t>(8)));
}

TEST_F(SocTest, AStoreThatDoesNotContinueTheRunDrainsTheBuffer) {
  CpuAddr va = Map({buf_}, MemAttr::kWriteCombine);
  auto first = Pattern(8, 1);
  auto second = Pattern(8, 50);
  ASSERT_TRUE(soc_->CpuWrite(va, first).ok());
  ASSERT_TRUE(soc_->CpuWrite(va + 256, second).ok());
  EXPECT_THAT(MemoryAt(buf_, 8), ElementsAreArray(first));
  EXPECT_THAT(MemoryAt(buf_ + 256, 8), ElementsAreArray(std::vector<uint8_t>(8)));
  EXPECT_EQ(soc_->wc_pending_bytes(), 8u);
}

TEST_F(SocTest, AWriteCombinedLoadDrainsTheBufferFirst) {
  CpuAddr va = Map({buf_}, MemAttr::kWriteCombine);
  auto data = Pattern(24, 3);
  ASSERT_TRUE(soc_->CpuWrite(va, data).ok());
  std::vector<uint8_t> out(24);
  ASSERT_TRUE(soc_->CpuRead(va, out).ok());
  EXPECT_THAT(out, ElementsAreArray(data));
  EXPECT_EQ(soc_->wc_pending_bytes(), 0u);
  EXPECT_EQ(log_.Count(EventKind::kCorruption), 0u);
}

TEST_F(SocTest, UnmapDrainsTheWcBuffer) {
  CpuAddr va = Map({buf_}, MemAttr::kWriteCombine);
  auto data = Pattern(8, 3);
  ASSERT_TRUE(soc_->CpuWrite(va, data).ok());
  ASSERT_TRUE(soc_->UnmapPages(va).ok());
  EXPECT_THAT(MemoryAt(buf_, 8), ElementsAreArray(data));
}

TEST_F(SocTest, DeviceReadBeforeTheBarrierSeesOldMemory) {
  CpuAddr va = Map({buf_}, MemAttr::kWriteCombine);
  BusMaster& dev = soc_->AddBusMaster("dev", false);
  auto data = Pattern(32, 1);
  ASSERT_TRUE(soc_->CpuWrite(va, data).ok());
  std::vector<uint8_t> seen(32);
  ASSERT_TRUE(dev.Read(buf_, seen).ok());  // no wmb: still in the WC buffer
  auto corruptions = log_.OfKind(EventKind::kCorruption);
  ASSERT_EQ(corruptions.size(), 1u);
  EXPECT_EQ(corruptions[0].device, Symbol("dev"));
  EXPECT_EQ(corruptions[0].writer, soc_->cpu_name());
  soc_->WriteBarrier();
  ASSERT_TRUE(dev.Read(buf_, seen).ok());
  EXPECT_THAT(seen, ElementsAreArray(data));
  EXPECT_EQ(log_.Count(EventKind::kCorruption), 1u);
}

// --- Kernel accesses and maintenance ---

TEST_F(SocTest, KernelStoresAndLoadsEmitNoEventButAreRecordedAndChecked) {
  Symbol who("pgtable");
  auto data = Pattern(16, 4);
  ASSERT_TRUE(soc_->KernelStore(buf_, data, who).ok());
  std::vector<uint8_t> out(16);
  ASSERT_TRUE(soc_->KernelLoad(buf_, out, who).ok());
  EXPECT_THAT(out, ElementsAreArray(data));
  EXPECT_EQ(log_.events().size(), 0u);
  EXPECT_EQ(soc_->oracle().LastWriter(buf_).writer, who);
  EXPECT_TRUE(soc_->cache().Probe(buf_).dirty);
}

TEST_F(SocTest, KernelAccessOutsideRamIsOutOfRange) {
  std::vector<uint8_t> bytes(16);
  EXPECT_EQ(soc_->KernelStore(kRam - 8, bytes, Symbol("k")).error().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(soc_->KernelLoad(kRam + kRamSize - 8, bytes, Symbol("k")).error().code(),
            ErrorCode::kOutOfRange);
}

TEST_F(SocTest, CacheMaintenanceEmitsItsEventThenActs) {
  ASSERT_TRUE(soc_->CpuWrite(soc_->LinearAddress(buf_), Pattern(64, 1)).ok());
  log_.Clear();
  ASSERT_TRUE(soc_->CacheMaintain(CacheOp::kCleanInvalidate, PhysRange(buf_, 64)).ok());
  auto ops = log_.OfKind(EventKind::kCacheMaintenance);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].cache_op, CacheOp::kCleanInvalidate);
  EXPECT_EQ(ops[0].phys, buf_);
  EXPECT_EQ(ops[0].size, 64u);
  EXPECT_FALSE(soc_->cache().Probe(buf_).valid);
  EXPECT_THAT(MemoryAt(buf_, 64), ElementsAreArray(Pattern(64, 1)));
}

TEST_F(SocTest, CacheMaintenanceOutsideRamIsOutOfRangeWithoutEvent) {
  auto status = soc_->CacheMaintain(CacheOp::kClean, PhysRange(kRam + kRamSize - 64, 128));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(log_.events().size(), 0u);
}

TEST(SocOracleTest, WithTheOracleOffNothingIsReported) {
  SocConfig config = SmallSocConfig();
  config.oracle = false;
  auto soc = MakeSoc(config);
  EventLog log;
  soc->bus().Subscribe(&log);
  PhysAddr buf = soc->pages().AllocPage().value();
  ASSERT_TRUE(soc->CpuWrite(soc->LinearAddress(buf), Pattern(64, 1)).ok());
  std::vector<uint8_t> seen(64);
  ASSERT_TRUE(soc->AddBusMaster("dev", false).Read(buf, seen).ok());  // stale, unreported
  EXPECT_EQ(log.Count(EventKind::kCorruption), 0u);
  EXPECT_EQ(soc->oracle().corruption_events(), 0u);
}

// --- Determinism ---

struct RunRecord {
  std::vector<Event> events;
  CacheStats stats;
};

// A seeded random program of CPU stores and loads through cached, uncached and WC views,
// device reads and writes, and maintenance, with no care for the rules.
RunRecord RunRandomProgram(uint64_t seed) {
  auto soc = MakeSoc(SmallSocConfig(EvictionPolicy::kRandom, seed));
  EventLog log;
  soc->bus().Subscribe(&log);
  soc->AnnouncePlatform();
  auto pages = soc->pages().AllocScattered(16).value();
  CpuAddr wc = soc->MapPages({pages[0], pages[1]}, MemAttr::kWriteCombine).value();
  CpuAddr uc = soc->MapPages({pages[2]}, MemAttr::kUncached).value();
  BusMaster& dev = soc->AddBusMaster("dev", false);
  Rng rng(seed);
  std::vector<uint8_t> bytes(512);
  for (int step = 0; step < 2000; ++step) {
    PhysAddr page = pages[rng.Below(pages.size())];
    uint64_t offset = rng.Below(kPageSize - bytes.size());
    std::span<uint8_t> part(bytes.data(), 1 + rng.Below(bytes.size()));
    for (auto& b : part) b = static_cast<uint8_t>(rng.Next());
    switch (rng.Below(7)) {
      case 0:
        (void)soc->CpuWrite(soc->LinearAddress(page + offset), part);
        break;
      case 1:
        (void)soc->CpuRead(soc->LinearAddress(page + offset), part);
        break;
      case 2:
        (void)soc->CpuWrite(wc + rng.Below(2 * kPageSize - 512), part);
        break;
      case 3:
        (void)soc->CpuWrite(uc + offset, part);
        break;
      case 4:
        (void)dev.Write(page + offset, part);
        break;
      case 5:
        (void)dev.Read(page + offset, part);
        break;
      case 6:
        (void)soc->CacheMaintain(static_cast<CacheOp>(rng.Below(3)),
                                 PhysRange(page + offset, part.size()));
        break;
    }
  }
  return RunRecord{log.events(), soc->cache().stats()};
}

bool SameStats(const CacheStats& a, const CacheStats& b) {
  return a.hits == b.hits && a.misses == b.misses && a.write_backs == b.write_backs &&
         a.evictions == b.evictions && a.lines_cleaned == b.lines_cleaned &&
         a.lines_invalidated == b.lines_invalidated &&
         a.adversarial_write_backs == b.adversarial_write_backs;
}

TEST(SocDeterminismTest, SameConfigAndSeedGiveIdenticalEventsAndCounters) {
  RunRecord a = RunRandomProgram(7);
  RunRecord b = RunRandomProgram(7);
  ASSERT_EQ(a.events.size(), b.events.size());
  for (size_t i = 0; i < a.events.size(); ++i) {
    ASSERT_EQ(a.events[i], b.events[i]) << i << ": " << ToString(a.events[i]);
  }
  EXPECT_TRUE(SameStats(a.stats, b.stats));
  EXPECT_GT(a.stats.evictions, 0u);  // the random policy really chose victims
}

TEST(SocDeterminismTest, DifferentSeedsGiveDifferentRuns) {
  RunRecord a = RunRandomProgram(7);
  RunRecord b = RunRandomProgram(8);
  EXPECT_FALSE(a.events.size() == b.events.size() && SameStats(a.stats, b.stats) &&
               std::equal(a.events.begin(), a.events.end(), b.events.begin()));
}

}  // namespace
}  // namespace dmakit
