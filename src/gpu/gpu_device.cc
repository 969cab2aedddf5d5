#include "dmakit/gpu/gpu_device.h"

#include <algorithm>

#include <fmt/format.h>

namespace dmakit {
namespace {

Error NotFound(std::string what) { return Error(ErrorCode::kNotFound, std::move(what)); }

}  // namespace

Gpu::Gpu(DmaSystem& system, Iommu& iommu, GpuOptions options)
    : system_(system), iommu_(iommu), options_(std::move(options)) {}

Result<std::unique_ptr<Gpu>> Gpu::Create(DmaSystem& system, Iommu& iommu, std::string_view device,
                                         GpuOptions options) {
  if (options.ring_bytes == 0 || options.ring_bytes % kPageSize != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("ring_bytes {} is not a non-zero multiple of the page size",
                             options.ring_bytes));
  }
  const DeviceNode* node = DMAKIT_TRY(system.topology().DmaNodeFor(std::string(device)));
  if (!node->iommu || node->iommu->iommu != iommu.name().view()) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("{} (DMA node {}) is not behind IOMMU '{}'", device, node->name,
                             iommu.name().view()));
  }
  std::unique_ptr<Gpu> gpu(new Gpu(system, iommu, std::move(options)));
  gpu->device_name_ = std::string(device);
  gpu->dma_device_ = DMAKIT_TRY(system.ProbeUnmanaged(device));
  gpu->device_ = gpu->dma_device_->name();
  gpu->hack_device_ = gpu->options_.hack_device.empty()
                          ? gpu->dma_device_
                          : DMAKIT_TRY(system.Probe(gpu->options_.hack_device));
  gpu->cp_ = std::make_unique<CommandProcessor>(iommu, gpu->device_);
  gpu->cp_->SetIrqHandler([g = gpu.get()](uint32_t) { g->OnIrq(); });
  DMAKIT_TRY(gpu->CreateContext());
  return gpu;
}

Gpu::~Gpu() {
  bos_.clear();
  deferred_.clear();
  for (auto& ctx : contexts_) {
    ctx->ring.reset();
    ctx->fence.reset();
  }
  contexts_.clear();
}

Result<uint32_t> Gpu::CreateContext() {
  const auto id = static_cast<uint32_t>(contexts_.size());
  auto ctx = std::make_unique<Context>();
  ctx->as = DMAKIT_TRY(AddressSpace::Create(system_, iommu_, device_name_, fmt::format("ctx{}", id),
                                            options_.layout));
  ctx->as->domain().SetFaultHandler([this, id](const FaultRecord& r) { OnFault(id, r); });
  // Kernel objects: handle 0, always cleaned the sanctioned way.
  GemCreateInfo ring{options_.ring_bytes, GemCaching::kWriteCombine, DmaDirection::kToDevice,
                     /*gpu_read_only=*/true, fmt::format("ctx{}-ring", id)};
  GemCreateInfo fence{kPageSize, GemCaching::kUncached, DmaDirection::kBidirectional, false,
                      fmt::format("ctx{}-fence", id)};
  Soc& soc = system_.soc();
  ctx->ring = DMAKIT_TRY(GemObject::Create(soc, 0, ring));
  ctx->fence = DMAKIT_TRY(GemObject::Create(soc, 0, fence));
  const CleanContext proper{CleanMethod::kPrepareCpuMapping, &ctx->as->mapper(), nullptr};
  for (GemObject* bo : {ctx->ring.get(), ctx->fence.get()}) {
    DMAKIT_TRY(bo->Mmap(proper));
    DMAKIT_TRY(bo->Pin(*ctx->as, VaRegion::kKernel));
  }
  attached_ = ctx.get();  // creating the address space attached its domain
  contexts_.push_back(std::move(ctx));
  return id;
}

Result<Gpu::Context*> Gpu::ContextAt(uint32_t context) {
  if (context >= contexts_.size()) return NotFound(fmt::format("no GPU context {}", context));
  return contexts_[context].get();
}

Result<GemObject*> Gpu::Lookup(uint32_t handle) {
  auto it = bos_.find(handle);
  if (it == bos_.end()) return NotFound(fmt::format("unknown buffer object handle {}", handle));
  return it->second.get();
}

GemObject* Gpu::Find(uint32_t handle) {
  auto it = bos_.find(handle);
  return it == bos_.end() ? nullptr : it->second.get();
}

Result<uint32_t> Gpu::CreateBo(GemCreateInfo info) {
  const uint32_t handle = next_handle_;
  bos_[handle] = DMAKIT_TRY(GemObject::Create(system_.soc(), handle, std::move(info)));
  ++next_handle_;
  return handle;
}

Result<DmaAddr> Gpu::GetIova(uint32_t handle, uint32_t context) {
  GemObject* bo = DMAKIT_TRY(Lookup(handle));
  Context* ctx = DMAKIT_TRY(ContextAt(context));
  if (!bo->pinned()) DMAKIT_TRY(bo->Pin(*ctx->as, VaRegion::kUser));
  return bo->gpu_address();
}

Status Gpu::Unpin(uint32_t handle) {
  GemObject* bo = DMAKIT_TRY(Lookup(handle));
  if (bo->last_fence && contexts_[bo->last_fence->context]->completed < bo->last_fence->seqno) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("buffer object {}: the GPU may still use it (fence {} pending)",
                             bo->name(), bo->last_fence->seqno));
  }
  return bo->Unpin();
}

CleanContext Gpu::CleanFor(GemObject& bo) {
  DomainMapper* mapper =
      bo.pinned() ? &bo.address_space()->mapper() : &contexts_.front()->as->mapper();
  return CleanContext{options_.clean, mapper, hack_device_};
}

Result<CpuAddr> Gpu::Mmap(uint32_t handle) {
  GemObject* bo = DMAKIT_TRY(Lookup(handle));
  return bo->Mmap(CleanFor(*bo));
}

Status Gpu::CpuPrep(uint32_t handle, CpuPrepFlags flags, uint64_t offset, uint64_t size) {
  GemObject* bo = DMAKIT_TRY(Lookup(handle));
  if (bo->last_fence) DMAKIT_TRY(Wait(bo->last_fence->context, bo->last_fence->seqno));
  return bo->CpuPrep(flags, offset, size);
}

Status Gpu::CpuFini(uint32_t handle) {
  GemObject* bo = DMAKIT_TRY(Lookup(handle));
  return bo->CpuFini();
}

Status Gpu::WriteBo(uint32_t handle, uint64_t offset, std::span<const uint8_t> data) {
  DMAKIT_TRY(Mmap(handle));
  DMAKIT_TRY(CpuPrep(handle, CpuPrepFlags::kWrite, offset, data.size()));
  GemObject* bo = DMAKIT_TRY(Lookup(handle));
  Status st = bo->Write(offset, data);
  system_.soc().WriteBarrier();  // WC stores reach memory before the GPU may read them
  Status fini = bo->CpuFini();
  DMAKIT_TRY(st);
  return fini;
}

Status Gpu::ReadBo(uint32_t handle, uint64_t offset, std::span<uint8_t> out) {
  DMAKIT_TRY(Mmap(handle));
  DMAKIT_TRY(CpuPrep(handle, CpuPrepFlags::kRead, offset, out.size()));
  GemObject* bo = DMAKIT_TRY(Lookup(handle));
  Status st = bo->Read(offset, out);
  Status fini = bo->CpuFini();
  DMAKIT_TRY(st);
  return fini;
}

Status Gpu::ReadWithoutCpuPrep(uint32_t handle, uint64_t offset, std::span<uint8_t> out) {
  DMAKIT_TRY(Mmap(handle));
  GemObject* bo = DMAKIT_TRY(Lookup(handle));
  if (bo->last_fence) DMAKIT_TRY(Wait(bo->last_fence->context, bo->last_fence->seqno));
  return bo->Read(offset, out);
}

Status Gpu::FreeBo(uint32_t handle) {
  auto it = bos_.find(handle);
  if (it == bos_.end()) return NotFound(fmt::format("unknown buffer object handle {}", handle));
  std::unique_ptr<GemObject> bo = std::move(it->second);
  bos_.erase(it);
  const auto& f = bo->last_fence;
  if (f && contexts_[f->context]->completed < f->seqno) {
    deferred_.push_back(std::move(bo));  // the GPU may still use it: kept until its fence
    return Ok();
  }
  return bo->Release();
}

Status Gpu::HackSyncSgForDevice(uint32_t handle, DmaDevice* device) {
  GemObject* bo = DMAKIT_TRY(Lookup(handle));
  DmaDevice& dev = device != nullptr ? *device : *hack_device_;
  return dev.SyncSgForDevice(bo->sg(), bo->sg().orig_nents(), DmaDirection::kBidirectional);
}

Result<uint32_t> Gpu::HackMapSg(uint32_t handle, DmaDevice* device) {
  GemObject* bo = DMAKIT_TRY(Lookup(handle));
  DmaDevice& dev = device != nullptr ? *device : *hack_device_;
  const uint32_t nents = dev.MapSg(bo->sg(), DmaDirection::kBidirectional);
  if (nents == 0) return dev.last_error();
  return nents;
}

}  // namespace dmakit
