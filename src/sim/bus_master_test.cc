#include "dmakit/sim/bus_master.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dmakit/sim/soc.h"
#include "sim/soc_test_util.h"

namespace dmakit {
namespace {

using ::testing::ElementsAreArray;
using testing::MakeSoc;
using testing::Pattern;
using testing::SmallSocConfig;

class BusMasterTest : public ::testing::Test {
 protected:
  explicit BusMasterTest(EvictionPolicy policy = EvictionPolicy::kLru)
      : soc_(MakeSoc(SmallSocConfig(policy))) {
    soc_->bus().Subscribe(&log_);
    buf_ = soc_->pages().AllocContiguous(2).value();
    log_.Clear();
  }

  std::vector<uint8_t> MemoryAt(PhysAddr addr, size_t n) {
    std::vector<uint8_t> out(n);
    EXPECT_TRUE(soc_->memory().Read(addr, out).ok());
    return out;
  }

  std::unique_ptr<Soc> soc_;
  EventLog log_;
  PhysAddr buf_;
  Symbol cpu_{"cpu"};
};

TEST_F(BusMasterTest, NonCoherentReadSeesMemoryNotTheDirtyCache) {
  BusMaster& dev = soc_->AddBusMaster("dev", /*coherent=*/false);
  auto data = Pattern(128, 1);
  ASSERT_TRUE(soc_->KernelStore(buf_, data, cpu_).ok());
  std::vector<uint8_t> got(128, 0xff);
  ASSERT_TRUE(dev.Read(buf_, got).ok());
  EXPECT_THAT(got, ElementsAreArray(std::vector<uint8_t>(128, 0)));
  auto corruptions = log_.OfKind(EventKind::kCorruption);
  ASSERT_EQ(corruptions.size(), 1u);
  EXPECT_EQ(corruptions[0].device, Symbol("dev"));
  EXPECT_EQ(corruptions[0].writer, cpu_);
  EXPECT_EQ(corruptions[0].phys, buf_);
  EXPECT_EQ(corruptions[0].size, 128u);
}

TEST_F(BusMasterTest, NonCoherentReadAfterCleanSeesTheData) {
  BusMaster& dev = soc_->AddBusMaster("dev", false);
  auto data = Pattern(128, 1);
  ASSERT_TRUE(soc_->KernelStore(buf_, data, cpu_).ok());
  ASSERT_TRUE(soc_->CacheMaintain(CacheOp::kClean, PhysRange(buf_, 128)).ok());
  std::vector<uint8_t> got(128);
  ASSERT_TRUE(dev.Read(buf_, got).ok());
  EXPECT_THAT(got, ElementsAreArray(data));
  EXPECT_EQ(log_.Count(EventKind::kCorruption), 0u);
  EXPECT_EQ(dev.bytes_read(), 128u);
}

TEST_F(BusMasterTest, NonCoherentWriteReachesMemoryAndIsRecordedWithItsEventSeq) {
  BusMaster& dev = soc_->AddBusMaster("dev", false);
  auto data = Pattern(kPageSize + 100, 9);  // crosses a page
  ASSERT_TRUE(dev.Write(buf_ + 50, data).ok());
  EXPECT_THAT(MemoryAt(buf_ + 50, data.size()), ElementsAreArray(data));
  std::vector<uint8_t> ideal(data.size());
  ASSERT_TRUE(soc_->oracle().ReadIdeal(buf_ + 50, ideal).ok());
  EXPECT_THAT(ideal, ElementsAreArray(data));
  auto accesses = log_.OfKind(EventKind::kDeviceAccess);
  ASSERT_EQ(accesses.size(), 1u);
  EXPECT_EQ(soc_->oracle().LastWriter(buf_ + 50).writer, Symbol("dev"));
  EXPECT_EQ(soc_->oracle().LastWriter(buf_ + 50).seq, accesses[0].seq);
  EXPECT_EQ(dev.bytes_written(), data.size());
}

TEST_F(BusMasterTest, EveryDeviceAccessEmitsAnEventWithBusAndPhysicalAddress) {
  BusMaster& dev = soc_->AddBusMaster("dev", false);
  std::vector<uint8_t> bytes(32);
  ASSERT_TRUE(dev.Write(buf_, bytes, DmaAddr(0x1000)).ok());
  ASSERT_TRUE(dev.Read(buf_ + 8, bytes, DmaAddr(0x1008)).ok());
  auto accesses = log_.OfKind(EventKind::kDeviceAccess);
  ASSERT_EQ(accesses.size(), 2u);
  EXPECT_EQ(accesses[0].access, Access::kWrite);
  EXPECT_EQ(accesses[0].dma, DmaAddr(0x1000));
  EXPECT_EQ(accesses[0].phys, buf_);
  EXPECT_EQ(accesses[0].size, 32u);
  EXPECT_EQ(accesses[0].device, Symbol("dev"));
  EXPECT_EQ(accesses[1].access, Access::kRead);
  EXPECT_EQ(accesses[1].dma, DmaAddr(0x1008));
  EXPECT_EQ(accesses[1].phys, buf_ + 8);
}

TEST_F(BusMasterTest, WithoutIommuTheBusAddressIsThePhysicalAddress) {
  BusMaster& dev = soc_->AddBusMaster("dev", false);
  std::vector<uint8_t> bytes(8);
  ASSERT_TRUE(dev.Read(buf_, bytes).ok());
  EXPECT_EQ(log_.OfKind(EventKind::kDeviceAccess)[0].dma, DmaAddr(buf_.value()));
  EXPECT_EQ(log_.OfKind(EventKind::kDeviceAccess)[0].domain, 0u);  // nothing translated it
}

TEST_F(BusMasterTest, TheTranslatingDomainIsAnnouncedWithTheAccess) {
  BusMaster& dev = soc_->AddBusMaster("dev", false);
  std::vector<uint8_t> bytes(8);
  ASSERT_TRUE(dev.Write(buf_, bytes, DmaAddr(0x1000), 7).ok());
  const std::vector<Event> accesses = log_.OfKind(EventKind::kDeviceAccess);
  ASSERT_EQ(accesses.size(), 1u);
  const Event& e = accesses[0];
  EXPECT_EQ(e.dma, DmaAddr(0x1000));
  EXPECT_EQ(e.domain, 7u);
  EXPECT_EQ(e.phys, buf_);
}

TEST_F(BusMasterTest, CoherentReadSnoopsDirtyLines) {
  BusMaster& dev = soc_->AddBusMaster("dev", /*coherent=*/true);
  auto data = Pattern(256, 3);
  ASSERT_TRUE(soc_->KernelStore(buf_, data, cpu_).ok());
  std::vector<uint8_t> got(256);
  ASSERT_TRUE(dev.Read(buf_, got).ok());
  EXPECT_THAT(got, ElementsAreArray(data));
  EXPECT_EQ(log_.Count(EventKind::kCorruption), 0u);
}

TEST_F(BusMasterTest, CoherentWriteInvalidatesCachedCopies) {
  BusMaster& dev = soc_->AddBusMaster("dev", true);
  std::vector<uint8_t> got(256);
  ASSERT_TRUE(soc_->KernelLoad(buf_, got, cpu_).ok());  // lines now cached
  auto data = Pattern(256, 77);
  ASSERT_TRUE(dev.Write(buf_, data).ok());
  ASSERT_TRUE(soc_->KernelLoad(buf_, got, cpu_).ok());
  EXPECT_THAT(got, ElementsAreArray(data));
  EXPECT_EQ(log_.Count(EventKind::kCorruption), 0u);
}

TEST_F(BusMasterTest, AccessOutsideRamIsAFaultAndTransfersNothing) {
  BusMaster& dev = soc_->AddBusMaster("dev", false);
  PhysAddr end_of_ram = PhysAddr(0x8000'0000) + (16ull << 20);
  std::vector<uint8_t> out(64, 0xab);
  auto read = dev.Read(end_of_ram - 32, out);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code(), ErrorCode::kFault);
  EXPECT_THAT(read.error().message(), ::testing::HasSubstr("dev"));
  EXPECT_THAT(out, ElementsAreArray(std::vector<uint8_t>(64, 0xab)));

  auto write = dev.Write(end_of_ram - 32, Pattern(64, 1));
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().code(), ErrorCode::kFault);
  EXPECT_THAT(MemoryAt(end_of_ram - 32, 32), ElementsAreArray(std::vector<uint8_t>(32, 0)));
  EXPECT_EQ(log_.events().size(), 0u);
  EXPECT_EQ(dev.bytes_read() + dev.bytes_written(), 0u);
}

TEST_F(BusMasterTest, WalkerEmitsNoAccessEventButIsChecked) {
  BusMaster& walker = soc_->AddBusMaster("smmu0", false, MasterKind::kWalker);
  ASSERT_TRUE(soc_->KernelStore(buf_, Pattern(8, 1), Symbol("pgtable")).ok());  // not cleaned
  std::vector<uint8_t> pte(8);
  ASSERT_TRUE(walker.Read(buf_, pte).ok());
  EXPECT_EQ(log_.Count(EventKind::kDeviceAccess), 0u);
  auto corruptions = log_.OfKind(EventKind::kCorruption);
  ASSERT_EQ(corruptions.size(), 1u);
  EXPECT_EQ(corruptions[0].device, Symbol("smmu0"));
  EXPECT_EQ(corruptions[0].writer, Symbol("pgtable"));
}

TEST_F(BusMasterTest, AddingAKnownNameReturnsTheSameMasterWithNewCoherency) {
  BusMaster& first = soc_->AddBusMaster("gpu", false);
  BusMaster& again = soc_->AddBusMaster("gpu", true);
  EXPECT_EQ(&first, &again);
  EXPECT_TRUE(first.coherent());
  EXPECT_EQ(soc_->FindBusMaster("gpu"), &first);
  EXPECT_EQ(soc_->FindBusMaster("nic"), nullptr);
}

class AdversarialBusMasterTest : public BusMasterTest {
 protected:
  AdversarialBusMasterTest() : BusMasterTest(EvictionPolicy::kAdversarial) {}
};

TEST_F(AdversarialBusMasterTest, NonCoherentWriteUnderADirtyLineIsClobberedAtOnce) {
  BusMaster& dev = soc_->AddBusMaster("dev", false);
  auto cpu_data = Pattern(64, 1);
  ASSERT_TRUE(soc_->KernelStore(buf_, cpu_data, cpu_).ok());
  ASSERT_TRUE(dev.Write(buf_, Pattern(64, 100)).ok());
  EXPECT_THAT(MemoryAt(buf_, 64), ElementsAreArray(cpu_data));
  EXPECT_GT(soc_->cache().stats().adversarial_write_backs, 0u);
}

}  // namespace
}  // namespace dmakit
