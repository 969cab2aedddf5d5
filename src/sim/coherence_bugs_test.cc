// The classic bugs of DMA on a non-coherent SoC, end to end on the simulator: each one done
// wrong (no cache maintenance) corrupts data and the oracle names the address, the bytes and
// the last writer; done right (the maintenance of DESIGN.md's ownership table) it is clean.
// Every test runs under the LRU, random and adversarial eviction policies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dmakit/sim/soc.h"
#include "sim/soc_test_util.h"

namespace dmakit {
namespace {

using ::testing::ElementsAreArray;
using testing::EvictEverything;
using testing::MakeSoc;
using testing::Pattern;
using testing::SmallSocConfig;

constexpr uint64_t kBufBytes = 2 * kPageSize;

class CoherenceBugsTest : public ::testing::TestWithParam<EvictionPolicy> {
 protected:
  CoherenceBugsTest() : soc_(MakeSoc(SmallSocConfig(GetParam(), /*seed=*/3))) {
    buf_ = soc_->pages().AllocContiguous(kBufBytes / kPageSize).value();
    scratch_ = soc_->pages().AllocContiguous(64).value();
    dev_ = &soc_->AddBusMaster("dev", /*coherent=*/false);
    soc_->bus().Subscribe(&log_);
  }

  CpuAddr cpu_buf() const { return soc_->LinearAddress(buf_); }
  PhysRange range() const { return PhysRange(buf_, kBufBytes); }
  std::vector<Event> Corruptions() const { return log_.OfKind(EventKind::kCorruption); }
  uint64_t LastSeq(EventKind kind) const { return log_.OfKind(kind).back().seq; }

  std::unique_ptr<Soc> soc_;
  EventLog log_;
  PhysAddr buf_;
  PhysAddr scratch_;
  BusMaster* dev_ = nullptr;
};

// Bug 1: the CPU fills a TO_DEVICE buffer and never cleans it; the device reads memory that
// does not hold the CPU's data yet.
TEST_P(CoherenceBugsTest, CpuWriteWithoutCleanDeviceReadsStaleMemory) {
  auto data = Pattern(kBufBytes, 1);
  ASSERT_TRUE(soc_->CpuWrite(cpu_buf(), data).ok());
  uint64_t store_seq = LastSeq(EventKind::kCpuAccess);
  std::vector<uint8_t> seen(kBufBytes);
  ASSERT_TRUE(dev_->Read(buf_, seen).ok());

  auto corruptions = Corruptions();
  ASSERT_EQ(corruptions.size(), 1u);
  const Event& c = corruptions[0];
  EXPECT_EQ(c.device, Symbol("dev"));
  EXPECT_EQ(c.phys, buf_);
  EXPECT_EQ(c.size, kBufBytes);
  EXPECT_THAT(c.expected, ElementsAreArray(std::span(data).first(64)));
  EXPECT_THAT(c.observed, ElementsAreArray(std::vector<uint8_t>(64, 0)));
  EXPECT_EQ(c.writer, soc_->cpu_name());
  EXPECT_EQ(c.writer_seq, store_seq);
}

TEST_P(CoherenceBugsTest, CpuWriteCleanedBeforeTheDeviceReadsIsSeen) {
  auto data = Pattern(kBufBytes, 1);
  ASSERT_TRUE(soc_->CpuWrite(cpu_buf(), data).ok());
  ASSERT_TRUE(soc_->CacheMaintain(CacheOp::kClean, range()).ok());  // map(TO_DEVICE)
  std::vector<uint8_t> seen(kBufBytes);
  ASSERT_TRUE(dev_->Read(buf_, seen).ok());
  EXPECT_THAT(seen, ElementsAreArray(data));
  EXPECT_EQ(Corruptions().size(), 0u);
}

// Bug 2: the device fills a FROM_DEVICE buffer whose lines the CPU still caches (clean);
// without an invalidate the CPU reads its stale copy.
TEST_P(CoherenceBugsTest, DeviceWriteWithoutInvalidateCpuReadsStaleLine) {
  auto old_data = Pattern(kBufBytes, 7);
  ASSERT_TRUE(soc_->CpuWrite(cpu_buf(), old_data).ok());
  ASSERT_TRUE(soc_->CacheMaintain(CacheOp::kClean, range()).ok());  // map(FROM_DEVICE)
  auto data = Pattern(kBufBytes, 100);
  ASSERT_TRUE(dev_->Write(buf_, data).ok());
  uint64_t dma_seq = LastSeq(EventKind::kDeviceAccess);
  std::vector<uint8_t> seen(kBufBytes);
  ASSERT_TRUE(soc_->CpuRead(cpu_buf(), seen).ok());  // no sync_for_cpu

  auto corruptions = Corruptions();
  ASSERT_EQ(corruptions.size(), 1u);
  const Event& c = corruptions[0];
  EXPECT_EQ(c.device, soc_->cpu_name());
  EXPECT_EQ(c.phys, buf_);
  EXPECT_EQ(c.size, kBufBytes);
  EXPECT_THAT(c.expected, ElementsAreArray(std::span(data).first(64)));
  EXPECT_THAT(c.observed, ElementsAreArray(std::span(old_data).first(64)));
  EXPECT_EQ(c.writer, Symbol("dev"));
  EXPECT_EQ(c.writer_seq, dma_seq);
}

TEST_P(CoherenceBugsTest, DeviceWriteInvalidatedBeforeTheCpuReadsIsSeen) {
  ASSERT_TRUE(soc_->CpuWrite(cpu_buf(), Pattern(kBufBytes, 7)).ok());
  ASSERT_TRUE(soc_->CacheMaintain(CacheOp::kClean, range()).ok());
  auto data = Pattern(kBufBytes, 100);
  ASSERT_TRUE(dev_->Write(buf_, data).ok());
  ASSERT_TRUE(soc_->CacheMaintain(CacheOp::kInvalidate, range()).ok());  // sync_for_cpu
  std::vector<uint8_t> seen(kBufBytes);
  ASSERT_TRUE(soc_->CpuRead(cpu_buf(), seen).ok());
  EXPECT_THAT(seen, ElementsAreArray(data));
  EXPECT_EQ(Corruptions().size(), 0u);
}

// Bug 3: the CPU dirtied the buffer and mapped it FROM_DEVICE without a clean; the device
// writes memory, then the dirty lines are evicted over the device's data. Invalidating
// before reading cannot save it: the data is gone from memory.
TEST_P(CoherenceBugsTest, DirtyLineEvictedAfterDeviceWriteClobbersIt) {
  auto old_data = Pattern(kBufBytes, 7);
  ASSERT_TRUE(soc_->CpuWrite(cpu_buf(), old_data).ok());
  auto data = Pattern(kBufBytes, 100);
  ASSERT_TRUE(dev_->Write(buf_, data).ok());
  uint64_t dma_seq = LastSeq(EventKind::kDeviceAccess);
  EvictEverything(*soc_, scratch_);
  ASSERT_TRUE(soc_->CacheMaintain(CacheOp::kInvalidate, range()).ok());  // sync_for_cpu
  std::vector<uint8_t> seen(kBufBytes);
  ASSERT_TRUE(soc_->CpuRead(cpu_buf(), seen).ok());

  EXPECT_THAT(seen, ElementsAreArray(old_data));
  auto corruptions = Corruptions();
  ASSERT_EQ(corruptions.size(), 1u);
  const Event& c = corruptions[0];
  EXPECT_EQ(c.device, soc_->cpu_name());
  EXPECT_EQ(c.phys, buf_);
  EXPECT_EQ(c.size, kBufBytes);
  EXPECT_THAT(c.expected, ElementsAreArray(std::span(data).first(64)));
  EXPECT_THAT(c.observed, ElementsAreArray(std::span(old_data).first(64)));
  EXPECT_EQ(c.writer, Symbol("dev"));
  EXPECT_EQ(c.writer_seq, dma_seq);
}

TEST_P(CoherenceBugsTest, CleanBeforeTheDeviceWritesLeavesNothingToClobber) {
  ASSERT_TRUE(soc_->CpuWrite(cpu_buf(), Pattern(kBufBytes, 7)).ok());
  ASSERT_TRUE(soc_->CacheMaintain(CacheOp::kClean, range()).ok());  // map(FROM_DEVICE)
  auto data = Pattern(kBufBytes, 100);
  ASSERT_TRUE(dev_->Write(buf_, data).ok());
  EvictEverything(*soc_, scratch_);
  ASSERT_TRUE(soc_->CacheMaintain(CacheOp::kInvalidate, range()).ok());
  std::vector<uint8_t> seen(kBufBytes);
  ASSERT_TRUE(soc_->CpuRead(cpu_buf(), seen).ok());
  EXPECT_THAT(seen, ElementsAreArray(data));
  EXPECT_EQ(Corruptions().size(), 0u);
}

// Bug 4: a page is mapped Uncached while the cache still holds a dirty line of it (no clean
// before the uncached mmap). Stores through the uncached view reach memory, then the stale
// dirty line is evicted over them.
TEST_P(CoherenceBugsTest, UncachedAliasOfADirtyLineIsClobberedByItsEviction) {
  auto old_data = Pattern(kPageSize, 7);
  ASSERT_TRUE(soc_->CpuWrite(cpu_buf(), old_data).ok());
  CpuAddr uc = soc_->MapPages({buf_}, MemAttr::kUncached).value();
  auto data = Pattern(kPageSize, 100);
  ASSERT_TRUE(soc_->CpuWrite(uc, data).ok());
  uint64_t store_seq = LastSeq(EventKind::kCpuAccess);
  EvictEverything(*soc_, scratch_);
  std::vector<uint8_t> seen(kPageSize);
  ASSERT_TRUE(soc_->CpuRead(uc, seen).ok());

  EXPECT_THAT(seen, ElementsAreArray(old_data));
  auto corruptions = Corruptions();
  ASSERT_EQ(corruptions.size(), 1u);
  const Event& c = corruptions[0];
  EXPECT_EQ(c.device, soc_->cpu_name());
  EXPECT_EQ(c.phys, buf_);
  EXPECT_EQ(c.size, kPageSize);
  EXPECT_THAT(c.expected, ElementsAreArray(std::span(data).first(64)));
  EXPECT_THAT(c.observed, ElementsAreArray(std::span(old_data).first(64)));
  EXPECT_EQ(c.writer, soc_->cpu_name());
  EXPECT_EQ(c.writer_seq, store_seq);
}

TEST_P(CoherenceBugsTest, CleanInvalidateBeforeAnUncachedMappingKeepsItsStores) {
  ASSERT_TRUE(soc_->CpuWrite(cpu_buf(), Pattern(kPageSize, 7)).ok());
  ASSERT_TRUE(soc_->CacheMaintain(CacheOp::kCleanInvalidate, PhysRange(buf_, kPageSize)).ok());
  CpuAddr uc = soc_->MapPages({buf_}, MemAttr::kUncached).value();
  auto data = Pattern(kPageSize, 100);
  ASSERT_TRUE(soc_->CpuWrite(uc, data).ok());
  EvictEverything(*soc_, scratch_);
  std::vector<uint8_t> seen(kPageSize);
  ASSERT_TRUE(soc_->CpuRead(uc, seen).ok());
  EXPECT_THAT(seen, ElementsAreArray(data));
  EXPECT_EQ(Corruptions().size(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Policies, CoherenceBugsTest,
                         ::testing::Values(EvictionPolicy::kLru, EvictionPolicy::kRandom,
                                           EvictionPolicy::kAdversarial),
                         [](const auto& p) { return std::string(ToString(p.param)); });

// Under the adversarial policy the clobbering of bug 3 needs no memory pressure: the dirty
// line is written back the moment the device has written.
TEST(AdversarialCoherenceTest, DirtyLineClobbersDeviceDataImmediately) {
  auto soc = MakeSoc(SmallSocConfig(EvictionPolicy::kAdversarial));
  EventLog log;
  soc->bus().Subscribe(&log);
  PhysAddr buf = soc->pages().AllocPage().value();
  BusMaster& dev = soc->AddBusMaster("dev", false);
  ASSERT_TRUE(soc->CpuWrite(soc->LinearAddress(buf), Pattern(64, 7)).ok());
  ASSERT_TRUE(dev.Write(buf, Pattern(64, 100)).ok());
  std::vector<uint8_t> seen(64);
  ASSERT_TRUE(dev.Read(buf, seen).ok());  // the device reads back its own buffer
  EXPECT_THAT(seen, ElementsAreArray(Pattern(64, 7)));
  auto corruptions = log.OfKind(EventKind::kCorruption);
  ASSERT_EQ(corruptions.size(), 1u);
  EXPECT_EQ(corruptions[0].device, Symbol("dev"));
  EXPECT_EQ(corruptions[0].writer, Symbol("dev"));
}

}  // namespace
}  // namespace dmakit
