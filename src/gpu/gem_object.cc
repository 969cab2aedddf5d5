#include "dmakit/gpu/gem_object.h"

#include <fmt/format.h>

namespace dmakit {
namespace {

Error Precondition(const std::string& bo, std::string_view what) {
  return Error(ErrorCode::kFailedPrecondition, fmt::format("buffer object {}: {}", bo, what));
}

}  // namespace

std::string_view ToString(GemCaching caching) {
  switch (caching) {
    case GemCaching::kCached:
      return "cached";
    case GemCaching::kWriteCombine:
      return "write-combine";
    case GemCaching::kUncached:
      return "uncached";
  }
  return "?";
}

MemAttr ToMemAttr(GemCaching caching) {
  switch (caching) {
    case GemCaching::kCached:
      return MemAttr::kCached;
    case GemCaching::kWriteCombine:
      return MemAttr::kWriteCombine;
    case GemCaching::kUncached:
      return MemAttr::kUncached;
  }
  return MemAttr::kCached;
}

std::string_view ToString(CleanMethod method) {
  switch (method) {
    case CleanMethod::kPrepareCpuMapping:
      return "prepare-cpu-mapping";
    case CleanMethod::kSkip:
      return "skip";
    case CleanMethod::kDmaSyncSgForDevice:
      return "dma-sync-sg-for-device";
    case CleanMethod::kDmaMapSg:
      return "dma-map-sg";
  }
  return "?";
}

GemObject::GemObject(Soc& soc, uint32_t handle, GemCreateInfo info)
    : soc_(soc),
      handle_(handle),
      name_(info.name.empty() ? fmt::format("bo{}", handle) : std::move(info.name)),
      caching_(info.caching),
      dir_(info.dir),
      gpu_read_only_(info.gpu_read_only) {}

Result<std::unique_ptr<GemObject>> GemObject::Create(Soc& soc, uint32_t handle, GemCreateInfo info,
                                                     SourceLoc where) {
  if (info.size == 0) return Error(ErrorCode::kInvalidArgument, "buffer object of size 0");
  if (info.dir == DmaDirection::kNone) {
    return Error(ErrorCode::kInvalidArgument, "buffer object with direction NONE");
  }
  const uint64_t npages = (info.size + kPageSize - 1) / kPageSize;
  std::unique_ptr<GemObject> bo(new GemObject(soc, handle, std::move(info)));
  auto pages = soc.pages().AllocScattered(npages);
  if (!pages.ok()) {
    bo->released_ = true;
    return pages.error().WithContext(fmt::format("buffer object {}", bo->name_));
  }
  bo->pages_ = std::move(pages).value();
  bo->sg_ = SgTable::FromPages(bo->pages_);
  // Cleared like shmem pages, through the cached linear map: dirty lines may stay behind.
  const std::vector<uint8_t> zeros(kPageSize, 0);
  for (PhysAddr p : bo->pages_) DMAKIT_TRY(soc.CpuWrite(soc.LinearAddress(p), zeros, where));
  return bo;
}

GemObject::~GemObject() {
  if (!released_) (void)Release();
}

DmaAddr GemObject::gpu_address() const {
  return sg_.nents() == 0 ? DmaAddr(0) : sg_.dma().front().address;
}

Status GemObject::Pin(AddressSpace& as, VaRegion region, SourceLoc where) {
  if (as_ != nullptr) {
    return Precondition(name_, fmt::format("already pinned in address space {}", as_->name()));
  }
  if (prep_) return Precondition(name_, "held by the CPU (cpu_prep without cpu_fini)");
  DmaRange iova = DMAKIT_TRY(as.AllocIova(region, size()));
  const IoProt prot = gpu_read_only_ ? IoProt(IoProt::kRead) : IoProt::kRead | IoProt::kWrite;
  Status st = as.mapper().MapSg(sg_, iova.base, dir_, prot, where);
  if (!st.ok()) {
    (void)as.FreeIova(iova);
    return std::move(st).error().WithContext(fmt::format("pinning buffer object {}", name_));
  }
  as.Track(iova, this);
  as_ = &as;
  iova_ = iova;
  return Ok();
}

Status GemObject::Unpin(SourceLoc where) {
  if (as_ == nullptr) return Precondition(name_, "unpin of a buffer that is not pinned");
  // The IOMMU stops translating before the IOVA (and later the pages) can be reused.
  DMAKIT_TRY(as_->mapper().Unmap(iova_.base, size(), dir_, where));
  as_->Untrack(iova_);
  Status freed = as_->FreeIova(iova_);
  as_ = nullptr;
  prep_.reset();
  sg_.mutable_dma().clear();
  return freed;
}

Status GemObject::Clean(const CleanContext& clean, SourceLoc where) {
  switch (clean.method) {
    case CleanMethod::kPrepareCpuMapping:
      if (clean.mapper == nullptr) return Precondition(name_, "clean without a DomainMapper");
      return clean.mapper->PrepareCpuMapping(pages_, ToMemAttr(caching_), where);
    case CleanMethod::kSkip:
      return Ok();
    case CleanMethod::kDmaSyncSgForDevice:
      if (clean.device == nullptr) return Precondition(name_, "clean hack without a DmaDevice");
      if (Status st = clean.device->SyncSgForDevice(sg_, sg_.orig_nents(),
                                                    DmaDirection::kBidirectional, where);
          !st.ok()) {
        clean_error_ = st.error();
      }
      return Ok();
    case CleanMethod::kDmaMapSg: {
      if (clean.device == nullptr) return Precondition(name_, "clean hack without a DmaDevice");
      if (clean.device->MapSg(sg_, DmaDirection::kBidirectional, {}, where) == 0) {
        clean_error_ = clean.device->last_error();
        return Ok();
      }
      dma_api_device_ = clean.device;
      dma_api_sg_ = sg_;
      return Ok();
    }
  }
  return Ok();
}

Result<CpuAddr> GemObject::Mmap(const CleanContext& clean, SourceLoc where) {
  if (cpu_) return *cpu_;
  if (caching_ != GemCaching::kCached) DMAKIT_TRY(Clean(clean, where));
  cpu_ = DMAKIT_TRY(soc_.MapPages(pages_, ToMemAttr(caching_), where));
  return *cpu_;
}

Status GemObject::Munmap(SourceLoc where) {
  if (!cpu_) return Precondition(name_, "munmap of a buffer with no CPU mapping");
  Status st = soc_.UnmapPages(*cpu_, where);
  cpu_.reset();
  return st;
}

Status GemObject::CheckRange(uint64_t offset, uint64_t size) const {
  if (offset > this->size() || size > this->size() - offset) {
    return Error(ErrorCode::kOutOfRange,
                 fmt::format("buffer object {}: [{:#x}, +{:#x}) lies outside its {:#x} bytes",
                             name_, offset, size, this->size()));
  }
  return Ok();
}

Status GemObject::CpuPrep(CpuPrepFlags /*flags*/, uint64_t offset, uint64_t size, SourceLoc where) {
  if (prep_) return Precondition(name_, "cpu_prep twice without cpu_fini");
  if (size == 0) size = offset < this->size() ? this->size() - offset : 0;
  DMAKIT_TRY(CheckRange(offset, size));
  if (size == 0) return Error(ErrorCode::kOutOfRange, "cpu_prep of an empty range");
  if (as_ != nullptr) DMAKIT_TRY(as_->mapper().SyncForCpu(iova_.base + offset, size, dir_, where));
  prep_ = Prepared{offset, size};
  return Ok();
}

Status GemObject::CpuFini(SourceLoc where) {
  if (!prep_) return Precondition(name_, "cpu_fini without cpu_prep");
  const Prepared p = *prep_;
  prep_.reset();
  if (as_ == nullptr) return Ok();
  return as_->mapper().SyncForDevice(iova_.base + p.offset, p.size, dir_, where);
}

Status GemObject::Read(uint64_t offset, std::span<uint8_t> out, SourceLoc where) {
  if (!cpu_) return Precondition(name_, "read without a CPU mapping (mmap first)");
  DMAKIT_TRY(CheckRange(offset, out.size()));
  return soc_.CpuRead(*cpu_ + offset, out, where);
}

Status GemObject::Write(uint64_t offset, std::span<const uint8_t> data, SourceLoc where) {
  if (!cpu_) return Precondition(name_, "write without a CPU mapping (mmap first)");
  DMAKIT_TRY(CheckRange(offset, data.size()));
  return soc_.CpuWrite(*cpu_ + offset, data, where);
}

Status GemObject::Release(SourceLoc where) {
  if (released_) return Ok();
  released_ = true;
  Status first = Ok();
  auto note = [&](Status st) {
    if (first.ok() && !st.ok()) first = std::move(st);
  };
  if (cpu_) note(Munmap(where));
  if (as_ != nullptr) note(Unpin(where));
  if (dma_api_device_ != nullptr && dma_api_sg_) {
    note(dma_api_device_->UnmapSg(*dma_api_sg_, dma_api_sg_->orig_nents(),
                                  DmaDirection::kBidirectional, {}, where));
  }
  if (!pages_.empty()) note(soc_.pages().FreeAll(pages_));
  return first;
}

}  // namespace dmakit
