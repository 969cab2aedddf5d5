// DomainMapper: the DMA API's ownership moves on a domain the driver manages itself.
//
// Layout of a mapping: MapSg's `iova` (page-aligned) is where the first entry's page span
// starts; the buffer itself starts at iova + the first entry's offset in its page. That
// address is the mapping's DMA address (the DMA side's one entry, every event's `dma`), as
// Linux's IOMMU-backed dma_map_sg returns it. Because every entry but the first starts on a
// page boundary and every entry but the last ends on one, the entries follow each other
// byte for byte from there, so a DMA sub-range maps linearly onto the CPU side.
//
// Unmap takes either the IOVA given to MapSg or the mapping's DMA address (they differ only
// when the first entry starts mid-page, and then no other mapping can start at either).
#include "dmakit/dma/domain_mapper.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "dma/cache_sync.h"
#include "dmakit/dma/dma_device.h"

namespace dmakit {
namespace {

uint64_t FirstOffset(const std::vector<PhysRange>& phys) {
  return phys.front().base.OffsetIn(kPageSize);
}

uint64_t SpanOf(const std::vector<PhysRange>& phys) {
  uint64_t span = 0;
  for (const PhysRange& r : phys) span += r.AlignOut(kPageSize).size;
  return span;
}

// The CPU-side pieces behind [offset, offset + size) of a buffer laid out as `phys`.
std::vector<PhysRange> PiecesOf(const std::vector<PhysRange>& phys, uint64_t offset,
                                uint64_t size) {
  std::vector<PhysRange> out;
  uint64_t pos = 0;
  for (const PhysRange& r : phys) {
    const uint64_t begin = std::max(offset, pos);
    const uint64_t end = std::min(offset + size, pos + r.size);
    if (begin < end) out.push_back(PhysRange(r.base + (begin - pos), end - begin));
    pos += r.size;
  }
  return out;
}

Status Maintain(Soc& soc, std::optional<CacheOp> op, const std::vector<PhysRange>& pieces,
                SourceLoc where) {
  if (!op) return Ok();
  for (const PhysRange& r : pieces) DMAKIT_TRY(soc.CacheMaintain(*op, r, where));
  return Ok();
}

Error Invalid(Symbol device, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, fmt::format("{}: {}", device.view(), what));
}

// Checks MapSg's layout rule; the message names the first entry that breaks it.
Status CheckLayout(Symbol device, const SgTable& sg) {
  const auto cpu = sg.cpu();
  for (size_t i = 0; i < cpu.size(); ++i) {
    const SgCpuEntry& e = cpu[i];
    if (e.length == 0) return Invalid(device, fmt::format("sg entry {} has length 0", i));
    if (!e.page.IsAligned(kPageSize)) {
      return Invalid(device,
                     fmt::format("sg entry {}: page {} is not page-aligned", i, Hex(e.page)));
    }
    if (i > 0 && !e.phys().IsAligned(kPageSize)) {
      return Invalid(device, fmt::format("sg entry {} starts mid-page at {}: only the first "
                                         "entry may",
                                         i, Hex(e.phys())));
    }
    if (i + 1 < cpu.size() && !e.range().end().IsAligned(kPageSize)) {
      return Invalid(device, fmt::format("sg entry {} ends mid-page at {}: only the last "
                                         "entry may",
                                         i, Hex(e.range().end())));
    }
  }
  return Ok();
}

// What a live mapping looks like from a call that names a DMA range.
struct LiveView {
  uint64_t key = 0;  // the IOVA MapSg was given
  DmaRange dma;      // the buffer's DMA range
  DmaDirection dir = DmaDirection::kNone;
  const std::vector<PhysRange>* phys = nullptr;
};

template <typename Map>
LiveView ViewOf(typename Map::const_iterator it) {
  const uint64_t dma = it->first + FirstOffset(it->second.phys);
  return LiveView{it->first, DmaRange(DmaAddr(dma), it->second.size), it->second.dir,
                  &it->second.phys};
}

// The live mapping whose DMA range contains [dma, dma + size).
template <typename Map>
std::optional<LiveView> FindContaining(const Map& mappings, DmaAddr dma, uint64_t size) {
  auto it = mappings.upper_bound(dma.value());
  if (it == mappings.begin()) return std::nullopt;
  LiveView v = ViewOf<Map>(std::prev(it));
  if (!v.dma.Contains(DmaRange(dma, size))) return std::nullopt;
  return v;
}

// The live mapping MapSg made at `iova`, or whose DMA address is `iova`.
template <typename Map>
std::optional<LiveView> FindStartingAt(const Map& mappings, DmaAddr iova) {
  auto it = mappings.upper_bound(iova.value());
  if (it == mappings.begin()) return std::nullopt;
  LiveView v = ViewOf<Map>(std::prev(it));
  if (v.key != iova.value() && v.dma.base != iova) return std::nullopt;
  return v;
}

// Does [iova, iova + span) meet the page span of a live mapping?
template <typename Map>
bool OverlapsLive(const Map& mappings, DmaAddr iova, uint64_t span) {
  const DmaRange want(iova, span);
  auto it = mappings.lower_bound(iova.value());
  if (it != mappings.end() && want.Contains(DmaAddr(it->first))) return true;
  if (it == mappings.begin()) return false;
  --it;
  return DmaRange(DmaAddr(it->first), SpanOf(it->second.phys)).Overlaps(want);
}

Event CallEvent(EventKind kind, Symbol device, uint64_t domain, DmaAddr dma, uint64_t size,
                DmaDirection dir, SourceLoc where) {
  Event e;
  e.kind = kind;
  e.device = device;
  e.api = MapApi::kDomain;
  e.domain = domain;
  e.dma = dma;
  e.size = size;
  e.dir = dir;
  e.where = where;
  return e;
}

// MapSg's argument checks, in the header's order of errors.
Status CheckMapArgs(Symbol device, Soc& soc, const SgTable& sg, DmaAddr iova, DmaDirection dir,
                    IoProt prot) {
  if (dir == DmaDirection::kNone) return Invalid(device, "map with direction NONE");
  if (sg.orig_nents() == 0) return Invalid(device, "map of an empty sg table");
  if (!iova.IsAligned(kPageSize)) {
    return Invalid(device, fmt::format("iova {} is not page-aligned", Hex(iova)));
  }
  if (!prot.Has(IoProt::kRead) && !prot.Has(IoProt::kWrite)) {
    return Invalid(device, fmt::format("prot {:#x} allows neither read nor write", prot.bits()));
  }
  DMAKIT_TRY(CheckLayout(device, sg));
  for (const SgCpuEntry& c : sg.cpu()) {
    if (!soc.memory().IsRam(c.range())) {
      return Error(ErrorCode::kOutOfRange,
                   fmt::format("{}: sg entry {} is not RAM", device.view(), ToString(c.range())));
    }
  }
  return Ok();
}

// Maps each entry's page span in turn from `iova`; on an error unmaps what it mapped.
Status MapSpans(IommuDomain& domain, Symbol device, DmaAddr iova,
                const std::vector<PhysRange>& phys, IoProt prot, SourceLoc where) {
  DmaAddr cursor = iova;
  for (const PhysRange& r : phys) {
    const PhysRange span = r.AlignOut(kPageSize);
    Status st = domain.Map(cursor, span.base, span.size, prot, device, where);
    if (!st.ok()) {
      if (cursor != iova) {
        Status undo = domain.Unmap(iova, cursor - iova, {}, where);
        DMAKIT_CHECK(undo.ok(), "rollback of a partial domain map failed");
      }
      return std::move(st).error().WithContext(
          fmt::format("{}: mapping {} at iova {}", device.view(), ToString(span), Hex(cursor)));
    }
    cursor += span.size;
  }
  return Ok();
}

// The end of a sync call: refuse a call that names no live mapping or another direction
// (after emitting it, so the checker names the mistake), else emit it and move ownership.
Status FinishSync(Soc& soc, Event& e, const std::optional<LiveView>& live, OwnershipMove move,
                  bool coherent) {
  soc.bus().Emit(e);
  if (!live) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("{}: {} of {} which is not inside a live mapping", e.device.view(),
                             ToString(e.kind), ToString(e.dma_range())));
  }
  if (live->dir != e.dir) {
    return Invalid(e.device,
                   fmt::format("{} of {} with {}, mapped with {}", ToString(e.kind),
                               ToString(e.dma_range()), ToString(e.dir), ToString(live->dir)));
  }
  const auto op = MaintenanceFor(move, live->dir, coherent, {});
  return Maintain(soc, op, PiecesOf(*live->phys, e.dma - live->dma.base, e.size), e.where);
}

}  // namespace

DomainMapper::DomainMapper(DmaSystem& system, Symbol device, bool coherent, IommuDomain& domain)
    : system_(system), device_(device), coherent_(coherent), domain_(domain) {}

DomainMapper::~DomainMapper() = default;

Result<std::unique_ptr<DomainMapper>> DomainMapper::Create(DmaSystem& system,
                                                           std::string_view device,
                                                           IommuDomain& domain) {
  const DeviceNode* node = DMAKIT_TRY(system.topology().DmaNodeFor(std::string(device)));
  if (!node->iommu) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("{} (DMA node {}) is not behind an IOMMU: there is no domain to "
                             "manage",
                             device, node->name));
  }
  if (domain.type() != DomainType::kUnmanaged) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("{}: domain {} is a {} domain; a driver manages only unmanaged ones",
                             device, domain.id(), ToString(domain.type())));
  }
  Iommu* iommu = system.FindIommu(node->iommu->iommu);
  if (iommu == nullptr) {
    return Error(ErrorCode::kNotFound, fmt::format("{} is behind IOMMU '{}', which is not known",
                                                   node->name, node->iommu->iommu));
  }
  if (&domain.iommu() != iommu) {
    return Error(
        ErrorCode::kFailedPrecondition,
        fmt::format("{}: domain {} belongs to IOMMU '{}', the device is behind '{}'", device,
                    domain.id(), domain.iommu().name().view(), node->iommu->iommu));
  }
  DmaDevice* dev = DMAKIT_TRY(system.ProbeUnmanaged(device));
  IommuGroup* group = iommu->GroupOf(dev->name());
  if (group == nullptr) {
    return Error(ErrorCode::kInternal,
                 fmt::format("{} was probed but is not registered with IOMMU '{}'",
                             dev->name().view(), node->iommu->iommu));
  }
  DMAKIT_TRY(iommu->AttachGroup(*group, domain));
  return std::unique_ptr<DomainMapper>(
      new DomainMapper(system, dev->name(), dev->coherent(), domain));
}

Status DomainMapper::MapSg(SgTable& sg, DmaAddr iova, DmaDirection dir, IoProt prot,
                           SourceLoc where) {
  Soc& soc = system_.soc();
  Event e =
      CallEvent(EventKind::kDmaMap, device_, domain_.id(), iova, sg.total_length(), dir, where);
  e.nents = sg.orig_nents();
  e.prot = prot.bits();
  for (const SgCpuEntry& c : sg.cpu()) e.sg.push_back(SgSegment{c.phys(), c.length, {}, 0});
  if (!e.sg.empty()) e.phys = e.sg.front().phys;
  auto refuse = [&](Error error) -> Status {
    e.failed = true;
    soc.bus().Emit(e);
    return error;
  };

  if (Status st = CheckMapArgs(device_, soc, sg, iova, dir, prot); !st.ok()) {
    return refuse(std::move(st).error());
  }
  std::vector<PhysRange> phys;
  for (const SgCpuEntry& c : sg.cpu()) phys.push_back(c.range());
  const uint64_t span = SpanOf(phys);
  if (iova.value() + span < iova.value()) {
    return refuse(Error(ErrorCode::kOutOfRange,
                        fmt::format("{}: {} bytes at iova {} wrap around the address space",
                                    device_.view(), span, Hex(iova))));
  }
  if (OverlapsLive(mappings_, iova, span)) {
    return refuse(Error(ErrorCode::kAlreadyExists,
                        fmt::format("{}: {} overlaps a live mapping", device_.view(),
                                    ToString(DmaRange(iova, span)))));
  }
  // Clean before the device can reach the pages: no dirty line may be written back later
  // over what the device reads or writes.
  const auto op = MaintenanceFor(OwnershipMove::kToDevice, dir, coherent_, {});
  if (Status st = Maintain(soc, op, phys, where); !st.ok()) return refuse(std::move(st).error());
  if (Status st = MapSpans(domain_, device_, iova, phys, prot, where); !st.ok()) {
    return refuse(std::move(st).error());
  }

  const DmaAddr dma = iova + FirstOffset(phys);
  sg.mutable_dma().assign({SgDmaEntry{dma, e.size}});
  mappings_.emplace(iova.value(), Mapping{e.size, dir, std::move(phys)});
  e.dma = dma;
  e.mapped_nents = 1;
  e.sg.front().dma = dma;
  e.sg.front().dma_length = e.size;
  soc.bus().Emit(e);
  return Ok();
}

Status DomainMapper::SyncForCpu(DmaAddr iova, uint64_t size, DmaDirection dir, SourceLoc where) {
  Event e = CallEvent(EventKind::kDmaSyncForCpu, device_, domain_.id(), iova, size, dir, where);
  return FinishSync(system_.soc(), e, FindContaining(mappings_, iova, size), OwnershipMove::kToCpu,
                    coherent_);
}

Status DomainMapper::SyncForDevice(DmaAddr iova, uint64_t size, DmaDirection dir, SourceLoc where) {
  Event e = CallEvent(EventKind::kDmaSyncForDevice, device_, domain_.id(), iova, size, dir, where);
  return FinishSync(system_.soc(), e, FindContaining(mappings_, iova, size),
                    OwnershipMove::kToDevice, coherent_);
}

Status DomainMapper::Unmap(DmaAddr iova, uint64_t size, DmaDirection dir, SourceLoc where) {
  Soc& soc = system_.soc();
  Event e = CallEvent(EventKind::kDmaUnmap, device_, domain_.id(), iova, size, dir, where);
  const std::optional<LiveView> live = FindStartingAt(mappings_, iova);
  if (!live) {
    soc.bus().Emit(e);
    return Error(ErrorCode::kNotFound, fmt::format("{}: unmap of iova {}, where no mapping starts",
                                                   device_.view(), Hex(iova)));
  }
  e.dma = live->dma.base;
  e.nents = static_cast<uint32_t>(live->phys->size());
  if (live->dma.size != size || live->dir != dir) {
    soc.bus().Emit(e);
    return Invalid(
        device_, fmt::format("unmap of {} ({} bytes, {}), mapped as {} bytes, {}", Hex(iova), size,
                             ToString(dir), live->dma.size, ToString(live->dir)));
  }
  // The IOMMU mapping goes first: if the page table refuses (someone unmapped part of it
  // behind this API's back), everything stays as it was.
  DMAKIT_TRY(domain_.Unmap(DmaAddr(live->key), SpanOf(*live->phys), {}, where));
  soc.bus().Emit(e);
  const auto op = MaintenanceFor(OwnershipMove::kToCpu, dir, coherent_, {});
  Status st = Maintain(soc, op, *live->phys, where);
  mappings_.erase(live->key);
  return st;
}

Status DomainMapper::Unmap(SgTable& sg, DmaDirection dir, SourceLoc where) {
  Soc& soc = system_.soc();
  if (sg.dma().empty()) {
    Event e = CallEvent(EventKind::kDmaUnmap, device_, domain_.id(), DmaAddr(0), sg.total_length(),
                        dir, where);
    e.nents = sg.orig_nents();
    soc.bus().Emit(e);
    return Error(ErrorCode::kNotFound,
                 fmt::format("{}: unmap of an sg table with no DMA side (never mapped, or already "
                             "unmapped)",
                             device_.view()));
  }
  const SgDmaEntry d = sg.dma().front();
  const std::optional<LiveView> live = FindStartingAt(mappings_, d.address);
  if (live) {
    std::vector<PhysRange> cpu;
    for (const SgCpuEntry& c : sg.cpu()) cpu.push_back(c.range());
    if (cpu != *live->phys) {
      Event e = CallEvent(EventKind::kDmaUnmap, device_, domain_.id(), live->dma.base,
                          sg.total_length(), dir, where);
      e.nents = sg.orig_nents();
      soc.bus().Emit(e);
      return Invalid(device_, fmt::format("unmap of {} with an sg table whose CPU side is not the "
                                          "one mapped there",
                                          Hex(d.address)));
    }
  }
  DMAKIT_TRY(Unmap(d.address, d.length, dir, where));
  sg.mutable_dma().clear();
  return Ok();
}

Status DomainMapper::PrepareCpuMapping(std::span<const PhysAddr> pages, MemAttr attr,
                                       SourceLoc where) {
  Soc& soc = system_.soc();
  if (attr == MemAttr::kCached) {
    return Invalid(device_, "PrepareCpuMapping for a cached mapping: there is nothing to prepare");
  }
  for (PhysAddr p : pages) {
    if (!p.IsAligned(kPageSize)) {
      return Invalid(device_, fmt::format("page {} is not page-aligned", Hex(p)));
    }
    if (!soc.memory().IsRam(PhysRange(p, kPageSize))) {
      return Error(ErrorCode::kOutOfRange,
                   fmt::format("{}: page {} is not RAM", device_.view(), Hex(p)));
    }
  }
  // Each page once, however often it is listed; one event per physically contiguous run.
  std::vector<PhysAddr> sorted(pages.begin(), pages.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i + 1;
    while (j < sorted.size() && sorted[j] == sorted[j - 1] + kPageSize) ++j;
    const PhysRange run(sorted[i], (j - i) * kPageSize);
    DMAKIT_TRY(soc.CacheMaintain(CacheOp::kCleanInvalidate, run, where));
    Event e;
    e.kind = EventKind::kPrepareCpuMapping;
    e.device = device_;
    e.phys = run.base;
    e.size = run.size;
    e.mem_attr = attr;
    e.where = where;
    soc.bus().Emit(e);
    i = j;
  }
  return Ok();
}

}  // namespace dmakit
