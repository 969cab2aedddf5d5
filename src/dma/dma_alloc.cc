// DmaDevice: allocations (coherent, noncoherent, pages) and their frees.
#include <string>
#include <utility>
#include <vector>

#include "dma_device_impl.h"
#include "dmakit/dma/dma_device.h"

namespace dmakit {

Result<NoncoherentBuffer> DmaDevice::AllocImpl(MapApi api, uint64_t size, DmaDirection dir,
                                               DmaAttrs attrs, SourceLoc where) {
  Event e = MakeEvent(EventKind::kDmaAlloc, api, dir, attrs, where);
  e.size = size;
  auto fail = [&](Error error) -> Result<NoncoherentBuffer> {
    e.failed = true;
    e.dma = kDmaMappingError;
    Emit(e);
    return error;
  };
  if (Status owned = CheckDmaApiOwned(); !owned.ok()) return fail(owned.error());
  if (size == 0) return fail(Error(ErrorCode::kInvalidArgument, "zero-size allocation"));
  if (api != MapApi::kCoherent && dir == DmaDirection::kNone) {
    return fail(Error(ErrorCode::kInvalidArgument, "allocation with direction NONE"));
  }
  Soc& soc = system_.soc();
  const uint64_t pages = (size + kPageSize - 1) / kPageSize;
  Result<PhysAddr> phys = soc.pages().AllocContiguous(pages);
  if (!phys.ok()) return fail(phys.error());
  LiveMapping m;
  m.api = api;
  m.size = size;
  m.dir = api == MapApi::kCoherent ? DmaDirection::kBidirectional : dir;
  m.attrs = attrs;
  m.pages = *phys;
  m.page_count = pages;
  m.where = where;
  m.chunks.push_back(MappedChunk{*phys, pages * kPageSize, DmaAddr(phys->value()), *phys, false});
  const DeviceLimits limits{name_, coherent(), dma_mask_};
  if (Status mapped = impl_->backend->Map(m, m.dir, limits, MayBounce::kNo); !mapped.ok()) {
    (void)soc.pages().Free(*phys, pages);
    return fail(mapped.error());
  }
  m.dma = m.chunks.front().dma;
  m.cpu = soc.LinearAddress(*phys);
  if (api == MapApi::kCoherent && !coherent()) {
    // dma_alloc_coherent hands out zeroed memory behind an uncached view. The zeroes go
    // through the linear map, so clean+invalidate them out of the cache: no dirty or stale
    // cached line of these pages may survive next to the uncached view.
    std::vector<uint8_t> zeroes(pages * kPageSize, 0);
    Status zeroed = soc.KernelStore(*phys, zeroes, Symbol("dma-alloc"));
    if (zeroed.ok()) {
      zeroed =
          soc.CacheMaintain(CacheOp::kCleanInvalidate, PhysRange(*phys, pages * kPageSize), where);
    }
    std::vector<PhysAddr> page_list;
    for (uint64_t i = 0; i < pages; ++i) page_list.push_back(*phys + i * kPageSize);
    const MemAttr attr =
        attrs.Has(DmaAttrs::kWriteCombine) ? MemAttr::kWriteCombine : MemAttr::kUncached;
    Result<CpuAddr> view =
        zeroed.ok() ? soc.MapPages(page_list, attr, where) : Result<CpuAddr>(zeroed.error());
    if (!view.ok()) {
      (void)impl_->backend->Unmap(m);
      (void)soc.pages().Free(*phys, pages);
      return fail(view.error());
    }
    m.cpu = *view;
    m.cpu_view_mapped = true;
  }
  NoncoherentBuffer out{m.cpu, *phys, m.dma, size};
  e.dma = m.dma;
  e.phys = *phys;
  e.cpu = m.cpu;
  impl_->live.Insert(std::move(m));
  Emit(e);
  return out;
}

Status DmaDevice::FreeImpl(MapApi api, uint64_t size, CpuAddr cpu, PhysAddr phys, DmaAddr dma,
                           DmaDirection dir, SourceLoc where) {
  Event e = MakeEvent(EventKind::kDmaFree, api, dir, {}, where);
  e.dma = dma;
  e.cpu = cpu;
  e.phys = phys;
  e.size = size;
  Emit(e);
  DMAKIT_TRY(CheckDmaApiOwned());
  LiveMapping* m = impl_->live.Find(dma);
  if (m == nullptr || m->page_count == 0) {
    return Error(ErrorCode::kNotFound, "free of " + Hex(dma) + ": device " +
                                           std::string(name_.view()) + " allocated nothing there");
  }
  auto mismatch = [](std::string what, std::string had, std::string got) {
    return Error(ErrorCode::kInvalidArgument,
                 what + " differs from the allocation's: allocated " + had + ", freed " + got);
  };
  if (m->api != api) {
    return mismatch("API", std::string(ToString(m->api)), std::string(ToString(api)));
  }
  if (m->size != size) return mismatch("size", std::to_string(m->size), std::to_string(size));
  if (api == MapApi::kPages) {
    if (m->pages != phys) return mismatch("page", Hex(m->pages), Hex(phys));
  } else if (m->cpu != cpu) {
    return mismatch("CPU address", Hex(m->cpu), Hex(cpu));
  }
  if (api != MapApi::kCoherent && m->dir != dir) {
    return mismatch("direction", std::string(ToString(m->dir)), std::string(ToString(dir)));
  }
  LiveMapping gone = impl_->live.Take(m);
  gone.where = where;
  Soc& soc = system_.soc();
  Status status = impl_->backend->Unmap(gone);
  if (gone.cpu_view_mapped) {
    Status unmapped = soc.UnmapPages(gone.cpu, where);
    if (status.ok()) status = unmapped;
  }
  Status freed = soc.pages().Free(gone.pages, gone.page_count);
  if (status.ok()) status = freed;
  return status;
}

Result<CoherentBuffer> DmaDevice::AllocCoherent(uint64_t size, DmaAttrs attrs, SourceLoc where) {
  NoncoherentBuffer b =
      DMAKIT_TRY(AllocImpl(MapApi::kCoherent, size, DmaDirection::kBidirectional, attrs, where));
  return CoherentBuffer{b.cpu, b.dma, b.size};
}

Status DmaDevice::FreeCoherent(uint64_t size, CpuAddr cpu, DmaAddr dma, DmaAttrs /*attrs*/,
                               SourceLoc where) {
  return FreeImpl(MapApi::kCoherent, size, cpu, PhysAddr(), dma, DmaDirection::kBidirectional,
                  where);
}

Result<NoncoherentBuffer> DmaDevice::AllocNoncoherent(uint64_t size, DmaDirection dir,
                                                      SourceLoc where) {
  return AllocImpl(MapApi::kNoncoherent, size, dir, {}, where);
}

Status DmaDevice::FreeNoncoherent(uint64_t size, CpuAddr cpu, DmaAddr dma, DmaDirection dir,
                                  SourceLoc where) {
  return FreeImpl(MapApi::kNoncoherent, size, cpu, PhysAddr(), dma, dir, where);
}

Result<NoncoherentBuffer> DmaDevice::AllocPages(uint64_t size, DmaDirection dir, SourceLoc where) {
  return AllocImpl(MapApi::kPages, size, dir, {}, where);
}

Status DmaDevice::FreePages(uint64_t size, PhysAddr page, DmaAddr dma, DmaDirection dir,
                            SourceLoc where) {
  return FreeImpl(MapApi::kPages, size, CpuAddr(), page, dma, dir, where);
}

}  // namespace dmakit
