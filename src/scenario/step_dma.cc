// Steps that call the DMA-mapping API, and the device's own DMA.
#include <fmt/format.h>

#include "steps.h"

namespace dmakit::scenario::steps {
namespace {

DmaAttrs Attrs(const Step& step, DmaAttrs fallback = {}) {
  return step.Has("attrs") ? DmaAttrs::FromBits(static_cast<uint32_t>(step.Number("attrs")))
                           : fallback;
}

Error ApiError(StepContext& ctx, const Step& step, const Error& error) {
  return ctx.StepError(step, error.code(), error.message());
}

Status Check(StepContext& ctx, const Step& step, Status st) {
  if (st.ok()) return st;
  return ApiError(ctx, step, st.error());
}

// An sg table covering [offset, offset + size) of the buffer, one entry per page piece.
std::unique_ptr<SgTable> TableOf(const BufferState& b, uint64_t offset, uint64_t size) {
  auto sg = std::make_unique<SgTable>();
  uint64_t done = 0;
  while (done < size) {
    PhysAddr phys = b.PhysAt(offset + done);
    uint64_t len = std::min<uint64_t>(size - done, kPageSize - phys.OffsetIn(kPageSize));
    sg->Append(phys.AlignDown(kPageSize), static_cast<uint32_t>(phys.OffsetIn(kPageSize)),
               static_cast<uint32_t>(len));
    done += len;
  }
  return sg;
}

Status Map(StepContext& ctx, const Step& step, MapApi api) {
  DmaDevice* dev = DMAKIT_TRY(ctx.Device(step));
  BufferState* b = DMAKIT_TRY(ctx.Buffer(step));
  auto [offset, size] = DMAKIT_TRY(ctx.Extent(step, b->size, fmt::format("buffer '{}'", b->name)));
  MappingState m;
  m.api = api;
  m.device = dev;
  m.buffer = b->name;
  m.size = size;
  m.dir = Direction(step);
  m.attrs = Attrs(step);
  DmaAddr dma = kDmaMappingError;
  if (api == MapApi::kSingle) {
    CpuAddr cpu = b->cpu ? *b->cpu + offset : ctx.soc().LinearAddress(b->PhysAt(offset));
    dma = dev->MapSingle(cpu, size, m.dir, m.attrs, step.where);
  } else if (api == MapApi::kPage) {
    PhysAddr phys = b->PhysAt(offset);
    dma = dev->MapPage(phys.AlignDown(kPageSize), phys.OffsetIn(kPageSize), size, m.dir, m.attrs,
                       step.where);
  } else {
    m.sg = TableOf(*b, offset, size);
    m.orig_nents = m.sg->orig_nents();
    if (dev->MapSg(*m.sg, m.dir, m.attrs, step.where) != 0) dma = m.sg->dma()[0].address;
  }
  bool check = step.Number("check") != 0;
  if (dma == kDmaMappingError) {
    if (check) (void)dev->MappingError(dma, step.where);
    return ApiError(ctx, step, dev->last_error());
  }
  if (check && api != MapApi::kSg) (void)dev->MappingError(dma, step.where);
  m.dma = dma;
  ctx.mappings[step.Text("as")] = std::move(m);
  return Ok();
}

Result<MappingState*> SgMapping(StepContext& ctx, const Step& step) {
  MappingState* m = DMAKIT_TRY(ctx.Mapping(step));
  if (!m->sg) {
    return ctx.StepError(step, ErrorCode::kInvalidArgument,
                         fmt::format("mapping '{}' is not an sg mapping", step.Text("mapping")));
  }
  return m;
}

Status Unmap(StepContext& ctx, const Step& step, MapApi api) {
  MappingState* m = DMAKIT_TRY(ctx.Mapping(step));
  if (m->device == nullptr) {
    return ctx.StepError(
        step, ErrorCode::kInvalidArgument,
        fmt::format("mapping '{}' is not a DMA-API mapping", step.Text("mapping")));
  }
  uint64_t size = step.Has("size") ? step.Number("size") : m->size;
  DmaDirection dir = step.Has("dir") ? Direction(step) : m->dir;
  DmaAttrs attrs = Attrs(step, m->attrs);
  Status st;
  if (api == MapApi::kSg) {
    m = DMAKIT_TRY(SgMapping(ctx, step));
    uint32_t nents =
        step.Has("nents") ? static_cast<uint32_t>(step.Number("nents")) : m->orig_nents;
    st = m->device->UnmapSg(*m->sg, nents, dir, attrs, step.where);
  } else if (api == MapApi::kPage) {
    st = m->device->UnmapPage(m->dma, size, dir, attrs, step.where);
  } else {
    st = m->device->UnmapSingle(m->dma, size, dir, attrs, step.where);
  }
  DMAKIT_TRY(Check(ctx, step, std::move(st)));
  m->live = false;
  return Ok();
}

Status SyncSingle(StepContext& ctx, const Step& step, bool for_cpu) {
  MappingState* m = DMAKIT_TRY(ctx.Mapping(step));
  if (m->device == nullptr) {
    return ctx.StepError(
        step, ErrorCode::kInvalidArgument,
        fmt::format("mapping '{}' is not a DMA-API mapping", step.Text("mapping")));
  }
  // Passed as written (a sync outside the mapping is a bug the checker names, not a load error).
  uint64_t offset = step.Number("offset");
  uint64_t size =
      step.Has("size") ? step.Number("size") : (offset < m->size ? m->size - offset : 0);
  DmaDirection dir = step.Has("dir") ? Direction(step) : m->dir;
  return Check(ctx, step,
               for_cpu ? m->device->SyncSingleForCpu(m->dma + offset, size, dir, step.where)
                       : m->device->SyncSingleForDevice(m->dma + offset, size, dir, step.where));
}

Status SyncSg(StepContext& ctx, const Step& step, bool for_cpu) {
  MappingState* m = DMAKIT_TRY(SgMapping(ctx, step));
  uint32_t nents = step.Has("nents") ? static_cast<uint32_t>(step.Number("nents")) : m->orig_nents;
  DmaDirection dir = step.Has("dir") ? Direction(step) : m->dir;
  return Check(ctx, step,
               for_cpu ? m->device->SyncSgForCpu(*m->sg, nents, dir, step.where)
                       : m->device->SyncSgForDevice(*m->sg, nents, dir, step.where));
}

Status Alloc(StepContext& ctx, const Step& step, MapApi api) {
  DmaDevice* dev = DMAKIT_TRY(ctx.Device(step));
  uint64_t size = step.Number("size");
  MappingState m;
  m.api = api;
  m.device = dev;
  m.size = size;
  m.dir = Direction(step);
  m.attrs = Attrs(step);
  BufferState b;
  b.name = step.Text("as");
  b.size = size;
  uint64_t npages = (size + kPageSize - 1) / kPageSize;
  if (api == MapApi::kCoherent) {
    auto cb = dev->AllocCoherent(size, m.attrs, step.where);
    if (!cb.ok()) return ApiError(ctx, step, cb.error());
    m.cpu = cb->cpu;
    m.dma = cb->dma;
    for (uint64_t i = 0; i < npages; ++i) {
      auto phys = ctx.soc().Translate(cb->cpu + i * kPageSize);
      if (!phys.ok()) return ApiError(ctx, step, phys.error());
      b.pages.push_back(phys->AlignDown(kPageSize));
    }
  } else {
    auto nb = api == MapApi::kPages ? dev->AllocPages(size, m.dir, step.where)
                                    : dev->AllocNoncoherent(size, m.dir, step.where);
    if (!nb.ok()) return ApiError(ctx, step, nb.error());
    m.cpu = nb->cpu;
    m.dma = nb->dma;
    m.phys = nb->phys;
    for (uint64_t i = 0; i < npages; ++i) b.pages.push_back(nb->phys + i * kPageSize);
  }
  b.cpu = m.cpu;
  m.buffer = b.name;
  ctx.AddBuffer(std::move(b));
  ctx.mappings[step.Text("as")] = std::move(m);
  return Ok();
}

Status Free(StepContext& ctx, const Step& step, MapApi api) {
  MappingState* m = DMAKIT_TRY(ctx.Mapping(step));
  if (m->device == nullptr) {
    return ctx.StepError(
        step, ErrorCode::kInvalidArgument,
        fmt::format("mapping '{}' is not a DMA-API allocation", step.Text("mapping")));
  }
  uint64_t size = step.Has("size") ? step.Number("size") : m->size;
  Status st = api == MapApi::kCoherent
                  ? m->device->FreeCoherent(size, m->cpu, m->dma, m->attrs, step.where)
              : api == MapApi::kPages
                  ? m->device->FreePages(size, m->phys, m->dma, m->dir, step.where)
                  : m->device->FreeNoncoherent(size, m->cpu, m->dma, m->dir, step.where);
  DMAKIT_TRY(Check(ctx, step, std::move(st)));
  m->live = false;
  return Ok();
}

// Device DMA at a mapping's address: across the DMA segments of an sg mapping.
Status DeviceAccess(StepContext& ctx, const Step& step, bool write) {
  MappingState* m = DMAKIT_TRY(ctx.Mapping(step));
  auto [offset, size] = DMAKIT_TRY(
      write ? DataExtent(ctx, step, m->size, fmt::format("mapping '{}'", step.Text("mapping")))
            : ctx.Extent(step, m->size, fmt::format("mapping '{}'", step.Text("mapping"))));
  std::vector<uint8_t> data = write ? Data(step, size) : std::vector<uint8_t>(size);
  std::vector<std::pair<DmaAddr, uint64_t>> pieces;
  if (m->sg && m->api == MapApi::kSg) {
    uint64_t skip = offset, left = size;
    for (const SgDmaEntry& e : m->sg->dma()) {
      if (left == 0) break;
      if (skip >= e.length) {
        skip -= e.length;
        continue;
      }
      uint64_t len = std::min(left, e.length - skip);
      pieces.emplace_back(e.address + skip, len);
      skip = 0;
      left -= len;
    }
  } else {
    pieces.emplace_back(m->dma + offset, size);
  }
  uint64_t done = 0;
  for (auto [dma, len] : pieces) {
    std::span<uint8_t> part(data.data() + done, len);
    DMAKIT_TRY(Check(ctx, step,
                     write ? m->device->DeviceWrite(dma, part) : m->device->DeviceRead(dma, part)));
    done += len;
  }
  return Ok();
}

}  // namespace

Status MapSingle(StepContext& ctx, const Step& step) { return Map(ctx, step, MapApi::kSingle); }
Status MapPage(StepContext& ctx, const Step& step) { return Map(ctx, step, MapApi::kPage); }
Status MapSg(StepContext& ctx, const Step& step) { return Map(ctx, step, MapApi::kSg); }
Status UnmapSingle(StepContext& ctx, const Step& step) { return Unmap(ctx, step, MapApi::kSingle); }
Status UnmapPage(StepContext& ctx, const Step& step) { return Unmap(ctx, step, MapApi::kPage); }
Status UnmapSg(StepContext& ctx, const Step& step) { return Unmap(ctx, step, MapApi::kSg); }
Status SyncSingleForCpu(StepContext& ctx, const Step& step) { return SyncSingle(ctx, step, true); }
Status SyncSingleForDevice(StepContext& ctx, const Step& step) {
  return SyncSingle(ctx, step, false);
}
Status SyncSgForCpu(StepContext& ctx, const Step& step) { return SyncSg(ctx, step, true); }
Status SyncSgForDevice(StepContext& ctx, const Step& step) { return SyncSg(ctx, step, false); }

Status MappingError(StepContext& ctx, const Step& step) {
  MappingState* m = DMAKIT_TRY(ctx.Mapping(step));
  if (m->device == nullptr) {
    return ctx.StepError(
        step, ErrorCode::kInvalidArgument,
        fmt::format("mapping '{}' is not a DMA-API mapping", step.Text("mapping")));
  }
  (void)m->device->MappingError(m->dma, step.where);
  return Ok();
}

Status AllocCoherent(StepContext& ctx, const Step& step) {
  return Alloc(ctx, step, MapApi::kCoherent);
}
Status AllocNoncoherent(StepContext& ctx, const Step& step) {
  return Alloc(ctx, step, MapApi::kNoncoherent);
}
Status AllocPages(StepContext& ctx, const Step& step) { return Alloc(ctx, step, MapApi::kPages); }
Status FreeCoherent(StepContext& ctx, const Step& step) {
  return Free(ctx, step, MapApi::kCoherent);
}
Status FreeNoncoherent(StepContext& ctx, const Step& step) {
  return Free(ctx, step, MapApi::kNoncoherent);
}
Status FreePages(StepContext& ctx, const Step& step) { return Free(ctx, step, MapApi::kPages); }

Status SetDmaMask(StepContext& ctx, const Step& step) {
  DmaDevice* dev = DMAKIT_TRY(ctx.Device(step));
  return Check(ctx, step, dev->SetDmaMask(step.Number("mask")));
}

Status Release(StepContext& ctx, const Step& step) {
  DmaDevice* dev = DMAKIT_TRY(ctx.Device(step));
  (void)dev->Release(step.where);
  return Ok();
}

Status DeviceRead(StepContext& ctx, const Step& step) { return DeviceAccess(ctx, step, false); }
Status DeviceWrite(StepContext& ctx, const Step& step) { return DeviceAccess(ctx, step, true); }

}  // namespace dmakit::scenario::steps
