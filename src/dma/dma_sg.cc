// DmaDevice: scatter-gather mappings (map, unmap, sync) and how their DMA side is built.
#include <string>
#include <utility>

#include "dma_device_impl.h"
#include "dmakit/dma/dma_device.h"

namespace dmakit {
namespace {

// The DMA side of a mapped table. Behind an IOMMU the entries' page-aligned spans lie back to
// back in one IOVA range, so an entry that starts on a page boundary right after one that
// ended on a page boundary continues the same DMA segment, unless that would make it longer
// than max_seg_size or cross a seg_boundary. Elsewhere every entry is its own segment.
std::vector<SgDmaEntry> BuildDmaSide(const LiveMapping& m, bool coalesce, uint64_t max_seg,
                                     uint64_t boundary) {
  std::vector<SgDmaEntry> out;
  for (const MappedChunk& c : m.chunks) {
    if (coalesce && !out.empty()) {
      SgDmaEntry& last = out.back();
      const DmaAddr end = last.address + last.length;
      const bool meets = end == c.dma && end.IsAligned(kPageSize);
      const uint64_t merged = last.length + c.size;
      const bool same_window =
          (last.address.value() & ~boundary) == ((last.address.value() + merged - 1) & ~boundary);
      if (meets && merged <= max_seg && same_window) {
        last.length = merged;
        continue;
      }
    }
    out.push_back(SgDmaEntry{c.dma, c.size});
  }
  return out;
}

void FillSegments(Event& e, const SgTable& sg) {
  e.sg.clear();
  e.size = 0;
  for (uint32_t i = 0; i < sg.orig_nents(); ++i) {
    SgSegment s{sg.cpu()[i].phys(), sg.cpu()[i].length, DmaAddr(), 0};
    if (i < sg.nents()) {
      s.dma = sg.dma()[i].address;
      s.dma_length = sg.dma()[i].length;
      e.size += s.dma_length;
    }
    e.sg.push_back(s);
  }
  e.mapped_nents = sg.nents();
  if (!sg.cpu().empty()) e.phys = sg.cpu().front().phys();
  if (sg.nents() != 0) e.dma = sg.dma().front().address;
}

}  // namespace

uint32_t DmaDevice::MapSg(SgTable& sg, DmaDirection dir, DmaAttrs attrs, SourceLoc where) {
  Event e = MakeEvent(EventKind::kDmaMap, MapApi::kSg, dir, attrs, where);
  e.nents = sg.orig_nents();
  for (const SgCpuEntry& c : sg.cpu()) {
    e.sg.push_back(SgSegment{c.phys(), c.length, DmaAddr(), 0});
    e.size += c.length;
  }
  if (!sg.cpu().empty()) e.phys = sg.cpu().front().phys();
  auto fail = [&](Error error) {
    (void)FailMap(e, std::move(error));
    return 0u;
  };
  // A driver-owned device maps anyway, in the DMA API's own default domain (see the header).
  if (sg.orig_nents() == 0) return fail(Error(ErrorCode::kInvalidArgument, "empty sg table"));
  if (dir == DmaDirection::kNone) {
    return fail(Error(ErrorCode::kInvalidArgument, "direction NONE cannot be mapped"));
  }
  LiveMapping m;
  m.api = MapApi::kSg;
  m.dir = dir;
  m.attrs = attrs;
  m.orig_nents = sg.orig_nents();
  m.where = where;
  for (uint32_t i = 0; i < sg.orig_nents(); ++i) {
    const SgCpuEntry& c = sg.cpu()[i];
    if (c.length == 0) {
      return fail(
          Error(ErrorCode::kInvalidArgument, "sg entry " + std::to_string(i) + " has length 0"));
    }
    if (Status ram = system_.soc().memory().CheckRam(c.range()); !ram.ok()) {
      return fail(ram.error().WithContext("sg entry " + std::to_string(i) + " outside RAM"));
    }
    m.chunks.push_back(MappedChunk{c.phys(), c.length, {}, c.phys(), false});
    m.size += c.length;
  }
  if (Status mapped = MapChunks(m); !mapped.ok()) return fail(mapped.error());
  sg.mutable_dma() =
      BuildDmaSide(m, backend_ == DmaBackendKind::kIommu, max_seg_size(), seg_boundary());
  FillSegments(e, sg);
  impl_->live.Insert(std::move(m));
  Emit(e);
  return sg.nents();
}

Status DmaDevice::UnmapSg(SgTable& sg, uint32_t orig_nents, DmaDirection dir, DmaAttrs attrs,
                          SourceLoc where) {
  uint64_t size = 0;
  for (const SgDmaEntry& d : sg.dma()) size += d.length;
  const DmaAddr dma = sg.nents() != 0 ? sg.dma().front().address : DmaAddr();
  return UnmapImpl(MapApi::kSg, dma, size, dir, attrs, orig_nents, &sg, where);
}

Status DmaDevice::SyncSgImpl(EventKind kind, SgTable& sg, uint32_t orig_nents, DmaDirection dir,
                             SourceLoc where) {
  Event e = MakeEvent(kind, MapApi::kSg, dir, {}, where);
  FillSegments(e, sg);
  e.nents = orig_nents;
  Emit(e);
  DMAKIT_TRY(CheckDmaApiOwned());
  if (dir == DmaDirection::kNone) {
    return Error(ErrorCode::kInvalidArgument, "sync with direction NONE");
  }
  LiveMapping* m = sg.nents() != 0 ? impl_->live.Find(sg.dma().front().address) : nullptr;
  if (m == nullptr || m->api != MapApi::kSg) {
    return Error(ErrorCode::kNotFound, "sync of an sg table that device " +
                                           std::string(name_.view()) + " has not mapped");
  }
  if (m->orig_nents != orig_nents) {
    return Error(ErrorCode::kInvalidArgument,
                 "entry count differs from the mapping's: mapped with " +
                     std::to_string(m->orig_nents) + ", called with " + std::to_string(orig_nents));
  }
  if (m->dir != dir) {
    return Error(ErrorCode::kInvalidArgument, "direction differs from the mapping's: mapped with " +
                                                  std::string(ToString(m->dir)) + ", called with " +
                                                  std::string(ToString(dir)));
  }
  return Move(kind, *m, DmaRange(DmaAddr(0), ~uint64_t{0}), dir, {}, where);
}

Status DmaDevice::SyncSgForCpu(SgTable& sg, uint32_t orig_nents, DmaDirection dir,
                               SourceLoc where) {
  return SyncSgImpl(EventKind::kDmaSyncForCpu, sg, orig_nents, dir, where);
}

Status DmaDevice::SyncSgForDevice(SgTable& sg, uint32_t orig_nents, DmaDirection dir,
                                  SourceLoc where) {
  return SyncSgImpl(EventKind::kDmaSyncForDevice, sg, orig_nents, dir, where);
}

}  // namespace dmakit
