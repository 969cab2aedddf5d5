// Every documented misuse of DmaDevice: the call is refused with its error, its event is
// emitted (so the checker sees the driver's mistake), and the live mapping it named still
// works afterwards.
#include <gtest/gtest.h>

#include "dma_test_util.h"

namespace dmakit {
namespace {

using testing::DmaRig;
using testing::DmaRigOptions;
using testing::Pattern;

constexpr DmaDirection kFrom = DmaDirection::kFromDevice;
constexpr DmaDirection kTo = DmaDirection::kToDevice;

class DmaDeviceErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    rig_ = DmaRig::Make(DmaRigOptions{});
    buf_ = rig_->AllocPages(1);
    rig_->CpuWrite(buf_, Pattern(kSize, 1));
    dma_ = rig_->dev->MapSingle(rig_->Cpu(buf_), kSize, kFrom);
    ASSERT_FALSE(rig_->dev->MappingError(dma_));
    rig_->log.Clear();
  }
  // The refused call emitted `kind`, and the mapping still moves the device's data.
  void ExpectEmittedAndIntact(EventKind kind) {
    EXPECT_EQ(rig_->log.Count(kind), 1u);
    ExpectIntact();
  }
  void ExpectIntact() {
    const auto c = Pattern(kSize, 9);
    rig_->DevWrite(dma_, c);
    ASSERT_TRUE(rig_->dev->UnmapSingle(dma_, kSize, kFrom).ok());
    EXPECT_EQ(rig_->CpuRead(buf_, kSize), c);
    EXPECT_EQ(rig_->Corruptions(), 0u);
  }
  static constexpr uint64_t kSize = 4096;
  std::unique_ptr<DmaRig> rig_;
  PhysAddr buf_;
  DmaAddr dma_;
};

TEST_F(DmaDeviceErrors, UnmapOfAnUnknownHandleIsNotFound) {
  Status s = rig_->dev->UnmapSingle(dma_ + kSize, kSize, kFrom);
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
  ExpectEmittedAndIntact(EventKind::kDmaUnmap);
}

TEST_F(DmaDeviceErrors, UnmapWithAnotherSizeIsRefused) {
  EXPECT_EQ(rig_->dev->UnmapSingle(dma_, 64, kFrom).error().code(), ErrorCode::kInvalidArgument);
  ExpectEmittedAndIntact(EventKind::kDmaUnmap);
}

TEST_F(DmaDeviceErrors, UnmapWithAnotherDirectionIsRefused) {
  EXPECT_EQ(rig_->dev->UnmapSingle(dma_, kSize, kTo).error().code(), ErrorCode::kInvalidArgument);
  ExpectEmittedAndIntact(EventKind::kDmaUnmap);
}

TEST_F(DmaDeviceErrors, UnmapWithTheWrongFunctionIsRefused) {
  Status s = rig_->dev->UnmapPage(dma_, kSize, kFrom);
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.error().message().find("API"), std::string::npos);
  ExpectEmittedAndIntact(EventKind::kDmaUnmap);
}

TEST_F(DmaDeviceErrors, SyncWithoutAMappingIsNotFound) {
  PhysAddr other = rig_->AllocPages(1);
  Status s = rig_->dev->SyncSingleForDevice(DmaAddr(other.value()), kSize, kFrom);
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
  ExpectEmittedAndIntact(EventKind::kDmaSyncForDevice);
}

TEST_F(DmaDeviceErrors, SyncRunningPastTheMappingIsNotFound) {
  Status s = rig_->dev->SyncSingleForCpu(dma_ + 64, kSize, kFrom);
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
  ExpectEmittedAndIntact(EventKind::kDmaSyncForCpu);
}

TEST_F(DmaDeviceErrors, SyncWithAnotherDirectionIsRefused) {
  EXPECT_EQ(rig_->dev->SyncSingleForCpu(dma_, kSize, kTo).error().code(),
            ErrorCode::kInvalidArgument);
  ExpectEmittedAndIntact(EventKind::kDmaSyncForCpu);
}

TEST_F(DmaDeviceErrors, SyncWithDirectionNoneOrZeroSizeIsRefused) {
  EXPECT_EQ(rig_->dev->SyncSingleForCpu(dma_, kSize, DmaDirection::kNone).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(rig_->dev->SyncSingleForDevice(dma_, 0, kFrom).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(rig_->log.Count(EventKind::kDmaSyncForDevice), 1u);
  ExpectEmittedAndIntact(EventKind::kDmaSyncForCpu);
}

TEST_F(DmaDeviceErrors, MapWithDirectionNoneFailsWithACheckableError) {
  PhysAddr other = rig_->AllocPages(1);
  DmaAddr bad = rig_->dev->MapSingle(rig_->Cpu(other), kSize, DmaDirection::kNone);
  EXPECT_TRUE(rig_->dev->MappingError(bad));
  EXPECT_EQ(rig_->dev->last_error().code(), ErrorCode::kInvalidArgument);
  auto maps = rig_->log.OfKind(EventKind::kDmaMap);
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_TRUE(maps[0].failed);
  EXPECT_EQ(maps[0].dma, kDmaMappingError);
  ExpectIntact();
}

TEST_F(DmaDeviceErrors, MapOfZeroBytesFails) {
  DmaAddr bad = rig_->dev->MapSingle(rig_->Cpu(buf_), 0, kTo);
  EXPECT_TRUE(rig_->dev->MappingError(bad));
  EXPECT_EQ(rig_->dev->last_error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(rig_->dev->live_mappings(), 1u);
  ExpectIntact();
}

TEST_F(DmaDeviceErrors, MapOfMemoryOutsideRamFails) {
  DmaAddr bad = rig_->dev->MapPage(PhysAddr(0x1000), 0, kSize, kTo);
  EXPECT_TRUE(rig_->dev->MappingError(bad));
  EXPECT_EQ(rig_->dev->last_error().code(), ErrorCode::kOutOfRange);
  ExpectIntact();
}

TEST_F(DmaDeviceErrors, MapOfAVmallocAddressFails) {
  DmaAddr bad = rig_->dev->MapSingle(CpuAddr(Soc::kVmallocBase), kSize, kTo);
  EXPECT_TRUE(rig_->dev->MappingError(bad));
  EXPECT_NE(rig_->dev->last_error().message().find("linear"), std::string::npos);
  ExpectIntact();
}

TEST_F(DmaDeviceErrors, SetDmaMaskRejectsMasksNotOfTheForm2PowNMinus1) {
  EXPECT_EQ(rig_->dev->SetDmaMask(0).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(rig_->dev->SetDmaMask(0x1234).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(rig_->dev->SetDmaMask(0xffff'ffffull).ok());
  EXPECT_EQ(rig_->dev->dma_mask(), 0xffff'ffffull);
}

TEST_F(DmaDeviceErrors, SetDmaMaskRefusedEmitsNothingAndKeepsTheMask) {
  const uint64_t before = rig_->dev->dma_mask();
  const size_t notes = rig_->log.Count(EventKind::kNote);
  EXPECT_FALSE(rig_->dev->SetDmaMask(0x1234).ok());
  EXPECT_EQ(rig_->dev->dma_mask(), before);
  EXPECT_EQ(rig_->log.Count(EventKind::kNote), notes);
}

TEST_F(DmaDeviceErrors, SetDmaMaskEmitsANoteWithTheNewMask) {
  const size_t notes = rig_->log.Count(EventKind::kNote);
  ASSERT_TRUE(rig_->dev->SetDmaMask(0xff'ffff'ffffull).ok());
  ASSERT_EQ(rig_->log.Count(EventKind::kNote), notes + 1);
  const Event e = rig_->log.OfKind(EventKind::kNote).back();
  EXPECT_EQ(e.device, rig_->dev->name());
  EXPECT_EQ(e.dma_mask, 0xff'ffff'ffffull);
  EXPECT_EQ(e.text.view(), "dma_set_mask");
  EXPECT_NE(e.where.line, 0u);
}

TEST_F(DmaDeviceErrors, SgUnmapAndSyncTakeTheOriginalEntryCount) {
  auto pages = rig_->soc->pages().AllocScattered(4).value();
  SgTable sg = SgTable::FromPages(pages);
  ASSERT_EQ(rig_->dev->MapSg(sg, kTo), 4u);
  EXPECT_EQ(rig_->dev->SyncSgForDevice(sg, 3, kTo).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(rig_->dev->UnmapSg(sg, 3, kTo).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(rig_->dev->SyncSgForDevice(sg, 4, kFrom).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(rig_->log.Count(EventKind::kDmaSyncForDevice), 2u);
  EXPECT_EQ(sg.nents(), 4u);  // the refused unmap left the DMA side alone
  EXPECT_TRUE(rig_->dev->SyncSgForDevice(sg, 4, kTo).ok());
  EXPECT_TRUE(rig_->dev->UnmapSg(sg, 4, kTo).ok());
  EXPECT_EQ(sg.nents(), 0u);
  ExpectIntact();
}

TEST_F(DmaDeviceErrors, SyncOfAnSgTableNeverMappedIsNotFound) {
  auto pages = rig_->soc->pages().AllocScattered(2).value();
  SgTable sg = SgTable::FromPages(pages);
  EXPECT_EQ(rig_->dev->SyncSgForDevice(sg, 2, kTo).error().code(), ErrorCode::kNotFound);
  ExpectEmittedAndIntact(EventKind::kDmaSyncForDevice);
}

TEST_F(DmaDeviceErrors, FreesMustMatchTheAllocation) {
  auto coherent = rig_->dev->AllocCoherent(kSize).value();
  auto nc = rig_->dev->AllocNoncoherent(kSize, kTo).value();
  EXPECT_EQ(rig_->dev->FreeCoherent(kSize, coherent.cpu + 64, coherent.dma).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(rig_->dev->FreeCoherent(64, coherent.cpu, coherent.dma).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(rig_->dev->FreeCoherent(kSize, nc.cpu, nc.dma).error().code(),
            ErrorCode::kInvalidArgument);  // the wrong function
  EXPECT_EQ(rig_->dev->FreeNoncoherent(kSize, nc.cpu, nc.dma, kFrom).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(rig_->dev->FreePages(kSize, nc.phys, nc.dma + kPageSize * 64, kTo).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(rig_->log.Count(EventKind::kDmaFree), 5u);
  EXPECT_TRUE(rig_->dev->FreeCoherent(kSize, coherent.cpu, coherent.dma).ok());
  EXPECT_TRUE(rig_->dev->FreeNoncoherent(kSize, nc.cpu, nc.dma, kTo).ok());
  EXPECT_EQ(rig_->dev->FreeCoherent(kSize, coherent.cpu, coherent.dma).error().code(),
            ErrorCode::kNotFound);  // double free
  EXPECT_EQ(rig_->dev->AllocCoherent(0).error().code(), ErrorCode::kInvalidArgument);
  ExpectIntact();
}

TEST_F(DmaDeviceErrors, ReleaseReportsTheMappingsStillLive) {
  EXPECT_EQ(rig_->dev->Release(), 1u);
  EXPECT_EQ(rig_->log.Count(EventKind::kDeviceRelease), 1u);
  ExpectIntact();
}

}  // namespace
}  // namespace dmakit
