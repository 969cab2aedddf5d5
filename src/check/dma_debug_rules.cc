// The dma-debug parity rules (DMA001-DMA019) plus DMA107 (DMA API on a driver-managed
// domain), which is decided on the same calls. Lookups follow dma-debug: unmap and free by
// exact (device, device address); sync by containment, so a partial sync is legal.
#include <algorithm>

#include <fmt/format.h>

#include "dmakit/check/checker.h"

namespace dmakit {
namespace {

bool NeedsErrorCheck(MapApi api) {
  return api == MapApi::kSingle || api == MapApi::kPage || api == MapApi::kResource;
}

// Would a sync in direction `synced` of a mapping made `mapped` (not bidirectional) break
// DMA014 (direction differs), DMA015 (read-only for the CPU) or DMA016 (write-only for the
// device)? ReportSyncDirection says which.
bool SyncDirectionWrong(bool to_cpu, DmaDirection mapped, DmaDirection synced) {
  return synced != mapped ||
         (to_cpu && mapped != DmaDirection::kFromDevice && synced != DmaDirection::kToDevice) ||
         (!to_cpu && mapped != DmaDirection::kToDevice && synced != DmaDirection::kFromDevice);
}

}  // namespace

bool Checker::ReportUnmanaged(const Event& e) {
  if (!Enabled(RuleId::kDmaApiOnUnmanagedDomain)) return false;
  const DeviceInfo* info = Device(e.device);
  Symbol node = info != nullptr && !info->iommu_node.empty() ? info->iommu_node : e.device;
  const IommuState::Attachment* att = iommu_.AttachmentOf(node);
  if (att == nullptr || att->type.view() != "unmanaged") return false;
  Report(Make(RuleId::kDmaApiOnUnmanagedDomain, e, nullptr,
              fmt::format("device driver uses the DMA API on a device whose IOMMU domain it "
                          "manages [call={} {}] [device address={}] [size={} bytes] "
                          "[iommu node={}] [domain={}]",
                          ToString(e.kind), ToString(e.api), Hex(e.dma), e.size, node.view(),
                          att->domain)));
  return true;
}

void Checker::OnMap(const Event& e) {
  if (e.failed) return;  // a mapping error: nothing was mapped
  CheckUnmanaged(e);
  // Built in its slot; not indexed until Insert, so the checks below do not see it.
  Mapping& m = mappings_.Acquire();
  m.device = e.device;
  m.domain = SpaceOf(e).domain;
  m.api = e.api;
  m.dma = e.dma;
  if (!e.sg.empty() && e.dma.value() == 0) m.dma = e.sg.front().dma;
  m.dir = e.dir;
  m.attrs = e.attrs;
  m.nents = e.nents;
  m.mapped_nents = e.mapped_nents;
  m.seq = e.seq;
  m.where = e.where;
  m.coherent_device = IsCoherent(e.device);
  m.needs_error_check = NeedsErrorCheck(e.api);
  MappingTable::PiecesOf(e, options_.line_size, &m.pieces, &m.segments);
  m.size = e.size;
  if (m.size == 0) {
    for (const DmaRange& s : m.segments) m.size += s.size;
  }
  CheckMapPlacement(e, m);
  if (m.tracks_overlap() && Enabled(RuleId::kOverlappingMapping)) CheckOverlap(e, m);
  mappings_.Insert(m, Owner::kDevice);
  m.history.Push(e.seq, e.kind, e.device, e.dir, Owner::kDevice, DmaRange(m.dma, m.size), e.where,
                 true);
}

void Checker::CheckMapPlacement(const Event& e, const Mapping& m) {
  if (!ram_.empty() && m.has_lines() && Enabled(RuleId::kMapOutsideRam)) {
    for (const MappingPiece& p : m.pieces) {
      uint64_t pos = p.phys.value();
      const uint64_t end = pos + p.size;
      if (pos >= ram_hit_.first && end <= ram_hit_.second) continue;  // the last bank found
      while (pos < end) {
        auto it = ram_.upper_bound(pos);
        if (it == ram_.begin() || std::prev(it)->second <= pos) break;
        ram_hit_ = *std::prev(it);
        pos = ram_hit_.second;
      }
      if (pos >= end) continue;
      Violation v = Make(RuleId::kMapOutsideRam, e, nullptr,
                         fmt::format("device driver maps memory outside RAM [phys address={}] "
                                     "[size={} bytes] [device address={}]",
                                     Hex(p.phys), p.size, Hex(p.dma)));
      v.lines = {p.phys_range().AlignOut(options_.line_size)};
      Report(std::move(v));
      break;
    }
  }
  if (e.api != MapApi::kSg) return;
  const DeviceInfo* info = Device(e.device);
  if (info == nullptr) return;
  uint32_t mapped = e.mapped_nents != 0 ? e.mapped_nents : static_cast<uint32_t>(e.sg.size());
  for (uint32_t i = 0; i < mapped && i < e.sg.size(); ++i) {
    const SgSegment& s = e.sg[i];
    uint64_t len = s.dma_length != 0 ? s.dma_length : s.length;
    if (info->max_seg_size != 0 && len > info->max_seg_size && Enabled(RuleId::kSgSegmentTooLong)) {
      Report(Make(RuleId::kSgSegmentTooLong, e, nullptr,
                  fmt::format("mapping sg segment longer than device claims to support "
                              "[len={}] [max={}]",
                              len, info->max_seg_size)));
    }
    uint64_t start = s.dma.value();
    uint64_t last = start + (len == 0 ? 0 : len - 1);
    if (info->seg_boundary != 0 && ((start ^ last) & ~info->seg_boundary) != 0 &&
        Enabled(RuleId::kSgSegmentCrossesBoundary)) {
      Report(Make(RuleId::kSgSegmentCrossesBoundary, e, nullptr,
                  fmt::format("mapping sg segment across boundary [start={}] [end={}] "
                              "[boundary={}]",
                              Hex(start), Hex(last), Hex(info->seg_boundary))));
    }
  }
}

void Checker::CheckOverlap(const Event& e, const Mapping& m) {
  const uint64_t line = options_.line_size;
  for (const MappingPiece& p : m.pieces) {
    PhysRange mine = p.phys_range().AlignOut(line);
    const Mapping* other = nullptr;
    PhysRange shared;
    mappings_.ForEachOnPhys(mine, [&](Mapping& o, const MappingPiece& op) {
      if (!o.tracks_overlap()) return true;
      other = &o;
      shared = mine.Intersect(op.phys_range().AlignOut(line));
      return false;
    });
    if (other == nullptr) continue;
    Violation v =
        Make(RuleId::kOverlappingMapping, e, other,
             fmt::format("device driver maps memory that shares a cache line with a live streaming "
                         "mapping [cacheline={}] [device address={}] [size={} bytes] [mapped with "
                         "{}] [other device={}] [other device address={}] [other mapped with {}]",
                         Hex(shared.base), Hex(m.dma), m.size, ToString(m.dir),
                         other->device.view(), Hex(other->dma), ToString(other->dir)));
    v.lines = {shared};
    Report(std::move(v));
    return;
  }
}

void Checker::OnAlloc(const Event& e) {
  if (e.failed) return;  // the allocation failed: nothing to track, nothing to leak
  Mapping& m = mappings_.Acquire();
  m.device = e.device;
  m.api = e.api;
  m.dma = e.dma;
  m.size = e.size;
  m.dir = e.dir;
  m.attrs = e.attrs;
  m.cpu = e.cpu;
  m.seq = e.seq;
  m.where = e.where;
  m.coherent_device = IsCoherent(e.device);
  MappingTable::PiecesOf(e, options_.line_size, &m.pieces, &m.segments);
  Owner owner = e.api == MapApi::kCoherent ? Owner::kShared : Owner::kCpu;
  mappings_.Insert(m, owner);
  m.history.Push(e.seq, e.kind, e.device, e.dir, owner, DmaRange(m.dma, m.size), e.where, true);
}

Mapping* Checker::MatchExact(const Event& e) {
  Mapping* best = nullptr;
  int best_score = -1;
  // Newest first; the best match wins, as in dma-debug.
  mappings_.ForEachExact(SpaceOf(e), e.dma, [&](Mapping& m) {
    int score = (m.size == e.size) + (m.api == e.api) + (m.dir == e.dir) + (m.nents == e.nents);
    if (score > best_score) {
      best = &m;
      best_score = score;
    }
  });
  return best;
}

void Checker::ReportErrorUnchecked(const Event& e, Mapping& m) {
  m.error_reported = true;
  if (!Enabled(RuleId::kMappingErrorUnchecked)) return;
  Report(Make(RuleId::kMappingErrorUnchecked, e, &m,
              fmt::format("device driver failed to check map error [device address={}] "
                          "[size={} bytes] [mapped as {}]",
                          Hex(m.dma), m.size, ToString(m.api))));
}

void Checker::OnUnmap(const Event& e) {
  if (e.kind == EventKind::kDmaUnmap) CheckUnmanaged(e);
  Mapping* found = MatchExact(e);
  if (found == nullptr) {
    if (Enabled(RuleId::kFreeUnknown)) {
      Report(Make(RuleId::kFreeUnknown, e, nullptr,
                  fmt::format("device driver tries to free DMA memory it has not allocated "
                              "[device address={}] [size={} bytes]",
                              Hex(e.dma), e.size)));
    }
    return;
  }
  Mapping& m = *found;
  const bool sg = m.api == MapApi::kSg && e.api == MapApi::kSg;
  if (e.size != m.size && !(sg && e.size == 0) && Enabled(RuleId::kUnmapSizeMismatch)) {
    Report(Make(RuleId::kUnmapSizeMismatch, e, &m,
                fmt::format("device driver frees DMA memory with different size [device "
                            "address={}] [map size={} bytes] [unmap size={} bytes]",
                            Hex(m.dma), m.size, e.size)));
  }
  if (e.api != m.api && Enabled(RuleId::kUnmapWrongFunction)) {
    Report(Make(RuleId::kUnmapWrongFunction, e, &m,
                fmt::format("device driver frees DMA memory with wrong function [device "
                            "address={}] [size={} bytes] [mapped as {}] [unmapped as {}]",
                            Hex(m.dma), m.size, ToString(m.api), ToString(e.api))));
  }
  if (m.api == MapApi::kCoherent && e.api == MapApi::kCoherent && e.cpu != m.cpu &&
      Enabled(RuleId::kFreeCpuAddressMismatch)) {
    Report(Make(RuleId::kFreeCpuAddressMismatch, e, &m,
                fmt::format("device driver frees DMA memory with different CPU address "
                            "[device address={}] [size={} bytes] [cpu alloc address={}] [cpu "
                            "free address={}]",
                            Hex(m.dma), m.size, Hex(m.cpu), Hex(e.cpu))));
  }
  if (sg && e.nents != m.nents && Enabled(RuleId::kUnmapSgNentsMismatch)) {
    Report(Make(RuleId::kUnmapSgNentsMismatch, e, &m,
                fmt::format("device driver frees DMA sg list with different entry count "
                            "[map count={}] [unmap count={}]",
                            m.nents, e.nents)));
  }
  bool compare_dir = e.kind == EventKind::kDmaUnmap ||
                     (e.dir != DmaDirection::kNone && m.dir != DmaDirection::kNone);
  if (compare_dir && e.dir != m.dir && Enabled(RuleId::kUnmapDirectionMismatch)) {
    Report(Make(RuleId::kUnmapDirectionMismatch, e, &m,
                fmt::format("device driver frees DMA memory with different direction [device "
                            "address={}] [size={} bytes] [mapped with {}] [unmapped with {}]",
                            Hex(m.dma), m.size, ToString(m.dir), ToString(e.dir))));
  }
  CheckErrorChecked(e, m);
  TransitionAll(m, e, Owner::kCpu);
  Retire(m.id);
}

void Checker::OnSync(const Event& e) {
  CheckUnmanaged(e);
  if (e.sg.empty() && e.api != MapApi::kSg) {  // single/page: one range, no entry count
    SyncSegment(e, e.dma, e.size, e.phys_range());
    return;
  }
  bool nents_reported = false;
  auto one = [&](DmaAddr dma, uint64_t size, PhysRange phys) {
    Mapping* m = SyncSegment(e, dma, size, phys);
    if (m != nullptr && !nents_reported && e.api == MapApi::kSg && m->api == MapApi::kSg &&
        e.nents != 0 && e.nents != m->nents && Enabled(RuleId::kSyncSgNentsMismatch)) {
      nents_reported = true;
      Report(Make(RuleId::kSyncSgNentsMismatch, e, m,
                  fmt::format("device driver syncs DMA sg list with different entry count "
                              "[map count={}] [sync count={}]",
                              m->nents, e.nents)));
    }
  };
  bool any = false;
  for (const SgSegment& s : e.sg) {
    if (s.dma_length == 0) continue;
    any = true;
    one(s.dma, s.dma_length, PhysRange(s.phys, s.length));
  }
  if (!any && !e.sg.empty()) {  // never mapped: no DMA side at all (the seed's bug)
    for (const SgSegment& s : e.sg) one(s.dma, s.length, PhysRange(s.phys, s.length));
  } else if (e.sg.empty()) {
    one(e.dma, e.size, e.phys_range());
  }
}

Mapping* Checker::SyncSegment(const Event& e, DmaAddr dma, uint64_t size, PhysRange phys) {
  const bool to_cpu = e.kind == EventKind::kDmaSyncForCpu;
  auto found = mappings_.FindContaining(SpaceOf(e), dma);
  if (!found) {
    if (Enabled(RuleId::kSyncNotMapped)) {
      Violation v = Make(RuleId::kSyncNotMapped, e, nullptr,
                         fmt::format("device driver tries to sync DMA memory it has not "
                                     "allocated [device address={}] [size={} bytes]",
                                     Hex(dma), size));
      v.dma = dma;
      v.size = size;
      if (!phys.empty()) v.lines = {phys.AlignOut(options_.line_size)};
      Report(std::move(v));
    }
    return nullptr;
  }
  Mapping& m = *found->mapping;
  const DmaRange seg = found->segment;
  if (dma + size > seg.end() && Enabled(RuleId::kSyncOutsideRange)) {
    Report(Make(RuleId::kSyncOutsideRange, e, &m,
                fmt::format("device driver syncs DMA memory outside allocated range [device "
                            "address={}] [allocation size={} bytes] [sync offset+size={}]",
                            Hex(seg.base), seg.size, (dma - seg.base) + size)));
  }
  CheckErrorChecked(e, m);
  if (m.dir != DmaDirection::kBidirectional && SyncDirectionWrong(to_cpu, m.dir, e.dir)) {
    ReportSyncDirection(e, m, dma, size);
  }
  if (m.api != MapApi::kCoherent) {
    DmaRange part = DmaRange(dma, size).Intersect(seg);
    Transition(m, e, part, to_cpu ? Owner::kCpu : Owner::kDevice);
  }
  return &m;
}

void Checker::ReportSyncDirection(const Event& e, const Mapping& m, DmaAddr dma, uint64_t size) {
  const bool to_cpu = e.kind == EventKind::kDmaSyncForCpu;
  auto report = [&](RuleId rule, std::string_view what) {
    if (!Enabled(rule)) return;
    Report(Make(rule, e, &m,
                fmt::format("device driver syncs {} [device address={}] [size={} bytes] "
                            "[mapped with {}] [synced with {}]",
                            what, Hex(dma), size, ToString(m.dir), ToString(e.dir))));
  };
  if (e.dir != m.dir) report(RuleId::kSyncDirectionMismatch, "DMA memory with different direction");
  if (to_cpu && m.dir != DmaDirection::kFromDevice && e.dir != DmaDirection::kToDevice) {
    report(RuleId::kSyncReadOnlyForCpu, "device read-only DMA memory for cpu");
  }
  if (!to_cpu && m.dir != DmaDirection::kToDevice && e.dir != DmaDirection::kFromDevice) {
    report(RuleId::kSyncWriteOnlyForDevice, "device write-only DMA memory to device");
  }
}

void Checker::OnMappingError(const Event& e) {
  mappings_.ForEachExact(SpaceOf(e), e.dma, [](Mapping& m) { m.error_checked = true; });
}

void Checker::OnDeviceRelease(const Event& e) {
  std::vector<Mapping*> live;
  for (uint32_t id : mappings_.LiveIds()) {
    Mapping* m = mappings_.Get(id);
    if (m->device == e.device) live.push_back(m);
  }
  for (Mapping* m : live) {
    if (m->release_reported) continue;
    m->release_reported = true;
    if (!Enabled(RuleId::kLiveAtDeviceRelease)) continue;
    Report(
        Make(RuleId::kLiveAtDeviceRelease, e, m,
             fmt::format("device driver has pending DMA allocations while released from "
                         "device [count={}] [device address={}] [size={} bytes] [mapped as "
                         "{}] [direction={}]",
                         live.size(), Hex(m->dma), m->size, ToString(m->api), ToString(m->dir))));
  }
}

}  // namespace dmakit
