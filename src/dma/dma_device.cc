// DmaDevice: the streaming API (validation, events, dispatch to the backend, ownership moves).
// Allocations are in dma_alloc.cc.
#include "dmakit/dma/dma_device.h"

#include <string>
#include <utility>

#include "dma_device_impl.h"
#include "ownership_move.h"

namespace dmakit {
namespace {

std::string Describe(MapApi api) { return std::string(ToString(api)); }

Error Mismatch(std::string_view what, std::string mapped, std::string called) {
  return Error(ErrorCode::kInvalidArgument, std::string(what) +
                                                " differs from the mapping's: " + "mapped with " +
                                                mapped + ", called with " + called);
}

}  // namespace

DmaDevice::DmaDevice(DmaSystem& system, Symbol name, DmaBackendKind backend)
    : system_(system), name_(name), backend_(backend) {}

DmaDevice::~DmaDevice() = default;

bool DmaDevice::coherent() const { return impl_->node.coherent; }
uint64_t DmaDevice::max_seg_size() const { return impl_->node.max_seg_size; }
uint64_t DmaDevice::seg_boundary() const { return impl_->node.seg_boundary; }
size_t DmaDevice::live_mappings() const { return impl_->live.size(); }

Status DmaDevice::SetDmaMask(uint64_t mask, SourceLoc where) {
  if (mask == 0 || (mask & (mask + 1)) != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "DMA mask " + Hex(mask) + " is not of the form 2^n - 1");
  }
  dma_mask_ = mask;
  Event e = MakeEvent(EventKind::kNote, MapApi::kNone, DmaDirection::kNone, {}, where);
  e.dma_mask = mask;
  e.text = Symbol("dma_set_mask");
  Emit(e);
  return Ok();
}

Event DmaDevice::MakeEvent(EventKind kind, MapApi api, DmaDirection dir, DmaAttrs attrs,
                           SourceLoc where) const {
  Event e;
  e.kind = kind;
  e.device = name_;
  e.api = api;
  e.dir = dir;
  e.attrs = attrs;
  e.where = where;
  return e;
}

void DmaDevice::Emit(Event& e) { system_.soc().bus().Emit(e); }

Status DmaDevice::CheckDmaApiOwned() const {
  if (!impl_->unmanaged) return Ok();
  return Error(ErrorCode::kFailedPrecondition,
               "device " + std::string(name_.view()) +
                   ": its IOMMU domain is managed by its driver, the DMA API may not be used");
}

DmaAddr DmaDevice::FailMap(Event& e, Error error) {
  e.failed = true;
  e.dma = kDmaMappingError;
  Emit(e);
  last_error_ = std::move(error);
  return kDmaMappingError;
}

bool DmaDevice::MappingError(DmaAddr dma, SourceLoc where) {
  Event e = MakeEvent(EventKind::kDmaMappingError, MapApi::kNone, DmaDirection::kNone, {}, where);
  e.dma = dma;
  Emit(e);
  return dma == kDmaMappingError;
}

// The memory is cleaned before the device can reach it: before the IOMMU maps it; for direct
// and bounce mappings the device learns the address only from our return value, and a bounce
// slot must be filled before it is cleaned, so the move follows the backend there.
Status DmaDevice::MapChunks(LiveMapping& m) {
  const DeviceLimits limits{name_, coherent(), dma_mask_};
  const bool iommu = backend_ == DmaBackendKind::kIommu;
  for (MappedChunk& c : m.chunks) {
    c.dma = DmaAddr(c.phys.value());  // provisional, for the early clean below
    c.device_phys = c.phys;
  }
  MoveContext ctx{system_.soc(), system_.bounce_pool(), coherent(), m.where};
  const DmaRange all(DmaAddr(0), ~uint64_t{0});
  if (iommu) DMAKIT_TRY(HandToDevice(ctx, m, all, m.dir, m.attrs));
  DMAKIT_TRY(impl_->backend->Map(m, m.dir, limits, MayBounce::kYes));
  m.dma = m.chunks.front().dma;
  if (!iommu) {
    Status moved = HandToDevice(ctx, m, all, m.dir, m.attrs);
    if (!moved.ok()) {
      (void)impl_->backend->Unmap(m);
      return moved;
    }
  }
  return Ok();
}

DmaAddr DmaDevice::MapContiguous(MapApi api, PhysAddr phys, uint64_t size, DmaDirection dir,
                                 DmaAttrs attrs, Status precheck, SourceLoc where) {
  Event e = MakeEvent(EventKind::kDmaMap, api, dir, attrs, where);
  e.phys = phys;
  e.size = size;
  if (!precheck.ok()) return FailMap(e, precheck.error());
  if (Status owned = CheckDmaApiOwned(); !owned.ok()) return FailMap(e, owned.error());
  if (size == 0) return FailMap(e, Error(ErrorCode::kInvalidArgument, "zero-size mapping"));
  if (dir == DmaDirection::kNone) {
    return FailMap(e, Error(ErrorCode::kInvalidArgument, "direction NONE cannot be mapped"));
  }
  if (Status ram = system_.soc().memory().CheckRam(PhysRange(phys, size)); !ram.ok()) {
    return FailMap(e, ram.error().WithContext("mapping memory outside RAM"));
  }
  LiveMapping m;
  m.api = api;
  m.size = size;
  m.dir = dir;
  m.attrs = attrs;
  m.where = where;
  m.chunks.push_back(MappedChunk{phys, size, {}, phys, false});
  if (Status mapped = MapChunks(m); !mapped.ok()) return FailMap(e, mapped.error());
  e.dma = m.dma;
  impl_->live.Insert(std::move(m));
  Emit(e);
  return e.dma;
}

DmaAddr DmaDevice::MapSingle(CpuAddr cpu, uint64_t size, DmaDirection dir, DmaAttrs attrs,
                             SourceLoc where) {
  const bool linear = cpu.value() >= Soc::kLinearMapBase && cpu.value() < Soc::kVmallocBase;
  const PhysAddr phys(linear ? cpu.value() - Soc::kLinearMapBase : 0);
  Status precheck = linear ? Ok()
                           : Status(Error(ErrorCode::kInvalidArgument,
                                          "dma_map_single of " + Hex(cpu) +
                                              ": not a linear-map address (vmalloc memory?)"));
  return MapContiguous(MapApi::kSingle, phys, size, dir, attrs, std::move(precheck), where);
}

DmaAddr DmaDevice::MapPage(PhysAddr page, uint64_t offset, uint64_t size, DmaDirection dir,
                           DmaAttrs attrs, SourceLoc where) {
  return MapContiguous(MapApi::kPage, page + offset, size, dir, attrs, Ok(), where);
}

Status DmaDevice::UnmapSingle(DmaAddr dma, uint64_t size, DmaDirection dir, DmaAttrs attrs,
                              SourceLoc where) {
  return UnmapImpl(MapApi::kSingle, dma, size, dir, attrs, 0, nullptr, where);
}

Status DmaDevice::UnmapPage(DmaAddr dma, uint64_t size, DmaDirection dir, DmaAttrs attrs,
                            SourceLoc where) {
  return UnmapImpl(MapApi::kPage, dma, size, dir, attrs, 0, nullptr, where);
}

Status DmaDevice::UnmapImpl(MapApi api, DmaAddr dma, uint64_t size, DmaDirection dir,
                            DmaAttrs attrs, uint32_t nents, SgTable* sg, SourceLoc where) {
  Event e = MakeEvent(EventKind::kDmaUnmap, api, dir, attrs, where);
  e.dma = dma;
  e.size = size;
  e.nents = nents;
  LiveMapping* m = impl_->live.Find(dma);
  if (m != nullptr) e.phys = m->chunks.front().phys;
  Emit(e);
  // A driver-owned device may undo what its (buggy) MapSg did, nothing else.
  if (!(impl_->unmanaged && api == MapApi::kSg)) DMAKIT_TRY(CheckDmaApiOwned());
  if (m == nullptr) {
    return Error(ErrorCode::kNotFound, "unmap of " + Hex(dma) + ": no live mapping of device " +
                                           std::string(name_.view()) + " there");
  }
  if (m->api != api) return Mismatch("API", Describe(m->api), Describe(api));
  if (api == MapApi::kSg && m->orig_nents != nents) {
    return Mismatch("entry count", std::to_string(m->orig_nents), std::to_string(nents));
  }
  if (api != MapApi::kSg && m->size != size) {
    return Mismatch("size", std::to_string(m->size), std::to_string(size));
  }
  if (m->dir != dir) {
    return Mismatch("direction", std::string(ToString(m->dir)), std::string(ToString(dir)));
  }
  LiveMapping gone = impl_->live.Take(m);
  gone.where = where;
  MoveContext ctx{system_.soc(), system_.bounce_pool(), coherent(), where};
  const DmaRange all(DmaAddr(0), ~uint64_t{0});
  Status status = Ok();
  if (gone.domain != nullptr) {
    // IOMMU: unmap first, then invalidate. Once the translation is gone (and, strict, the
    // IOTLB entry) the device can no longer write the lines, so the invalidate is the last
    // word: a line the CPU fetched speculatively while the device was still writing is dropped.
    status = impl_->backend->Unmap(gone);
    Status moved = TakeBack(ctx, gone, all, dir, attrs);
    if (status.ok()) status = moved;
  } else {
    // Direct / bounce: the slot must be copied back before it is given away.
    status = TakeBack(ctx, gone, all, dir, attrs);
    Status released = impl_->backend->Unmap(gone);
    if (status.ok()) status = released;
  }
  if (sg != nullptr) sg->mutable_dma().clear();
  return status;
}

Status DmaDevice::Move(EventKind kind, const LiveMapping& m, DmaRange range, DmaDirection dir,
                       DmaAttrs attrs, SourceLoc where) {
  MoveContext ctx{system_.soc(), system_.bounce_pool(), coherent(), where};
  if (kind == EventKind::kDmaSyncForDevice) return HandToDevice(ctx, m, range, dir, attrs);
  return TakeBack(ctx, m, range, dir, attrs);
}

Status DmaDevice::SyncImpl(EventKind kind, DmaAddr dma, uint64_t size, DmaDirection dir,
                           SourceLoc where) {
  LiveMapping* m = impl_->live.FindContaining(dma, size);
  Event e = MakeEvent(kind, m != nullptr ? m->api : MapApi::kSingle, dir, {}, where);
  e.dma = dma;
  e.size = size;
  if (m != nullptr) {
    for (const MappedChunk& c : m->chunks) {
      if (DmaRange(c.dma, c.size).Contains(dma)) e.phys = c.phys + (dma - c.dma);
    }
  }
  Emit(e);
  DMAKIT_TRY(CheckDmaApiOwned());
  if (size == 0) return Error(ErrorCode::kInvalidArgument, "zero-size sync");
  if (dir == DmaDirection::kNone) {
    return Error(ErrorCode::kInvalidArgument, "sync with direction NONE");
  }
  if (m == nullptr) {
    return Error(ErrorCode::kNotFound, "sync of " + ToString(DmaRange(dma, size)) +
                                           ": not inside a live mapping of device " +
                                           std::string(name_.view()));
  }
  if (m->dir != dir) {
    return Mismatch("direction", std::string(ToString(m->dir)), std::string(ToString(dir)));
  }
  return Move(kind, *m, DmaRange(dma, size), dir, {}, where);
}

Status DmaDevice::SyncSingleForCpu(DmaAddr dma, uint64_t size, DmaDirection dir, SourceLoc where) {
  return SyncImpl(EventKind::kDmaSyncForCpu, dma, size, dir, where);
}

Status DmaDevice::SyncSingleForDevice(DmaAddr dma, uint64_t size, DmaDirection dir,
                                      SourceLoc where) {
  return SyncImpl(EventKind::kDmaSyncForDevice, dma, size, dir, where);
}

size_t DmaDevice::Release(SourceLoc where) {
  Event e = MakeEvent(EventKind::kDeviceRelease, MapApi::kNone, DmaDirection::kNone, {}, where);
  Emit(e);
  return impl_->live.size();
}

Status DmaDevice::DeviceRead(DmaAddr dma, std::span<uint8_t> out) {
  if (impl_->iommu != nullptr) return impl_->iommu->DeviceRead(name_, dma, out);
  if (out.empty()) return Ok();
  if (dma.value() + (out.size() - 1) > dma_mask_) {
    return Error(ErrorCode::kFault, "device " + std::string(name_.view()) + " read at " + Hex(dma) +
                                        ": above its DMA mask " + Hex(dma_mask_));
  }
  return impl_->master->Read(PhysAddr(dma.value()), out, dma);
}

Status DmaDevice::DeviceWrite(DmaAddr dma, std::span<const uint8_t> data) {
  if (impl_->iommu != nullptr) return impl_->iommu->DeviceWrite(name_, dma, data);
  if (data.empty()) return Ok();
  if (dma.value() + (data.size() - 1) > dma_mask_) {
    return Error(ErrorCode::kFault, "device " + std::string(name_.view()) + " write at " +
                                        Hex(dma) + ": above its DMA mask " + Hex(dma_mask_));
  }
  return impl_->master->Write(PhysAddr(dma.value()), data, dma);
}

}  // namespace dmakit
