#include "dmakit/dma/mapping.h"

#include <utility>

namespace dmakit {
namespace {

Error NotLive() { return Error(ErrorCode::kFailedPrecondition, "the mapping was unmapped"); }

}  // namespace

// --- DmaMapping ---

DmaMapping::DmaMapping(DmaDevice& dev, Kind kind, DmaAddr dma, uint64_t size, DmaDirection dir,
                       DmaAttrs attrs)
    : dev_(&dev), kind_(kind), dma_(dma), size_(size), dir_(dir), attrs_(attrs) {}

Result<DmaMapping> DmaMapping::Single(DmaDevice& dev, CpuAddr cpu, uint64_t size, DmaDirection dir,
                                      DmaAttrs attrs, SourceLoc where) {
  const DmaAddr dma = dev.MapSingle(cpu, size, dir, attrs, where);
  if (dev.MappingError(dma, where)) return dev.last_error();
  return DmaMapping(dev, Kind::kSingle, dma, size, dir, attrs);
}

Result<DmaMapping> DmaMapping::Page(DmaDevice& dev, PhysAddr page, uint64_t offset, uint64_t size,
                                    DmaDirection dir, DmaAttrs attrs, SourceLoc where) {
  const DmaAddr dma = dev.MapPage(page, offset, size, dir, attrs, where);
  if (dev.MappingError(dma, where)) return dev.last_error();
  return DmaMapping(dev, Kind::kPage, dma, size, dir, attrs);
}

DmaMapping::DmaMapping(DmaMapping&& other) noexcept
    : dev_(std::exchange(other.dev_, nullptr)),
      kind_(other.kind_),
      dma_(other.dma_),
      size_(other.size_),
      dir_(other.dir_),
      attrs_(other.attrs_) {}

DmaMapping& DmaMapping::operator=(DmaMapping&& other) noexcept {
  if (this != &other) {
    if (live()) (void)Unmap();
    dev_ = std::exchange(other.dev_, nullptr);
    kind_ = other.kind_;
    dma_ = other.dma_;
    size_ = other.size_;
    dir_ = other.dir_;
    attrs_ = other.attrs_;
  }
  return *this;
}

DmaMapping::~DmaMapping() {
  if (live()) (void)Unmap();
}

Status DmaMapping::SyncForCpu(SourceLoc where) { return SyncForCpu(0, size_, where); }
Status DmaMapping::SyncForDevice(SourceLoc where) { return SyncForDevice(0, size_, where); }

Status DmaMapping::SyncForCpu(uint64_t offset, uint64_t size, SourceLoc where) {
  if (!live()) return NotLive();
  return dev_->SyncSingleForCpu(dma_ + offset, size, dir_, where);
}

Status DmaMapping::SyncForDevice(uint64_t offset, uint64_t size, SourceLoc where) {
  if (!live()) return NotLive();
  return dev_->SyncSingleForDevice(dma_ + offset, size, dir_, where);
}

Result<CpuAccessGuard> DmaMapping::CpuAccess(SourceLoc where) {
  DMAKIT_TRY(SyncForCpu(where));
  DmaDevice* dev = dev_;
  const DmaAddr dma = dma_;
  const uint64_t size = size_;
  const DmaDirection dir = dir_;
  return CpuAccessGuard(
      [dev, dma, size, dir](SourceLoc at) { return dev->SyncSingleForDevice(dma, size, dir, at); });
}

Status DmaMapping::Unmap(SourceLoc where) {
  if (!live()) return NotLive();
  DmaDevice* dev = std::exchange(dev_, nullptr);
  if (kind_ == Kind::kPage) return dev->UnmapPage(dma_, size_, dir_, attrs_, where);
  return dev->UnmapSingle(dma_, size_, dir_, attrs_, where);
}

// --- SgMapping ---

SgMapping::SgMapping(DmaDevice& dev, SgTable& sg, DmaDirection dir, DmaAttrs attrs)
    : dev_(&dev), sg_(&sg), dir_(dir), attrs_(attrs) {}

Result<SgMapping> SgMapping::Map(DmaDevice& dev, SgTable& sg, DmaDirection dir, DmaAttrs attrs,
                                 SourceLoc where) {
  if (dev.MapSg(sg, dir, attrs, where) == 0) return dev.last_error();
  return SgMapping(dev, sg, dir, attrs);
}

SgMapping::SgMapping(SgMapping&& other) noexcept
    : dev_(std::exchange(other.dev_, nullptr)),
      sg_(other.sg_),
      dir_(other.dir_),
      attrs_(other.attrs_) {}

SgMapping& SgMapping::operator=(SgMapping&& other) noexcept {
  if (this != &other) {
    if (live()) (void)Unmap();
    dev_ = std::exchange(other.dev_, nullptr);
    sg_ = other.sg_;
    dir_ = other.dir_;
    attrs_ = other.attrs_;
  }
  return *this;
}

SgMapping::~SgMapping() {
  if (live()) (void)Unmap();
}

Status SgMapping::SyncForCpu(SourceLoc where) {
  if (!live()) return NotLive();
  return dev_->SyncSgForCpu(*sg_, sg_->orig_nents(), dir_, where);
}

Status SgMapping::SyncForDevice(SourceLoc where) {
  if (!live()) return NotLive();
  return dev_->SyncSgForDevice(*sg_, sg_->orig_nents(), dir_, where);
}

Result<CpuAccessGuard> SgMapping::CpuAccess(SourceLoc where) {
  DMAKIT_TRY(SyncForCpu(where));
  DmaDevice* dev = dev_;
  SgTable* sg = sg_;
  const DmaDirection dir = dir_;
  return CpuAccessGuard([dev, sg, dir](SourceLoc at) {
    return dev->SyncSgForDevice(*sg, sg->orig_nents(), dir, at);
  });
}

Status SgMapping::Unmap(SourceLoc where) {
  if (!live()) return NotLive();
  DmaDevice* dev = std::exchange(dev_, nullptr);
  return dev->UnmapSg(*sg_, sg_->orig_nents(), dir_, attrs_, where);
}

// --- CpuAccessGuard ---

CpuAccessGuard::CpuAccessGuard(std::function<Status(SourceLoc)> give_back)
    : give_back_(std::move(give_back)) {}

CpuAccessGuard::CpuAccessGuard(CpuAccessGuard&& other) noexcept
    : give_back_(std::exchange(other.give_back_, nullptr)) {}

CpuAccessGuard::~CpuAccessGuard() {
  if (give_back_) (void)Release();
}

Status CpuAccessGuard::Release(SourceLoc where) {
  if (!give_back_) return NotLive();
  auto give_back = std::exchange(give_back_, nullptr);
  return give_back(where);
}

}  // namespace dmakit
