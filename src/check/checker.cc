// Checker: dispatch by event kind, platform bookkeeping and the shared reporting helpers. The
// rule families live in dma_debug_rules.cc, access_rules.cc, cpu_memory_rules.cc and
// iommu_rules.cc.
#include "dmakit/check/checker.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace dmakit {

namespace {

CheckerOptions Effective(CheckerOptions options) {
  if (options.line_size == 0) options.line_size = kDefaultLineSize;
  return options;
}

bool IsPowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

}  // namespace

Checker::Checker(CheckerOptions options)
    : options_(Effective(options)),
      line_size_from_platform_(options.line_size == 0),
      mappings_(options_.line_size),
      maybe_cached_(options_.line_size),
      pt_dirty_(options_.line_size),
      cpu_written_(options_.line_size) {}

void Checker::OnCpuCache(const Event& e) {
  const uint64_t line = e.line_size;
  if (!line_size_from_platform_ || !IsPowerOfTwo(line) || line == options_.line_size) return;
  const bool tracks_lines = mappings_.size() != 0 || !retired_.empty() ||
                            maybe_cached_.size() != 0 || pt_dirty_.size() != 0 ||
                            cpu_written_.size() != 0 || total_ != 0;
  if (tracks_lines) return;
  options_.line_size = line;
  mappings_ = MappingTable(line);
  maybe_cached_ = LineSet(line);
  pt_dirty_ = LineSet(line);
  cpu_written_ = LineSet(line);
}

namespace {

// Events that may come between a device access's kIotlbStaleHit events and its kDeviceAccess
// events (see Checker::StaleHit).
bool ContinuesDeviceAccess(EventKind kind) {
  return kind == EventKind::kIotlbStaleHit || kind == EventKind::kPageTableWalk ||
         kind == EventKind::kDeviceAccess || kind == EventKind::kCorruption ||
         kind == EventKind::kNote;
}

}  // namespace

void Checker::OnEvent(const Event& e) {
  if (stopped_) return;
  if (!stale_hits_.empty() && !ContinuesDeviceAccess(e.kind)) return FlushThenDispatch(e);
  Dispatch(e);
}

void Checker::FlushThenDispatch(const Event& e) {
  FlushStaleHits();
  if (!stopped_) Dispatch(e);
}

// Every case is a call in tail position, so the hot path through here saves no registers;
// the events that only update state are handled in OnBookkeeping.
void Checker::Dispatch(const Event& e) {
  switch (e.kind) {
    case EventKind::kDmaMap:
      return OnMap(e);
    case EventKind::kDmaUnmap:
    case EventKind::kDmaFree:
      return OnUnmap(e);
    case EventKind::kDmaSyncForCpu:
    case EventKind::kDmaSyncForDevice:
      return OnSync(e);
    case EventKind::kDmaMappingError:
      return OnMappingError(e);
    case EventKind::kDmaAlloc:
      return OnAlloc(e);
    case EventKind::kDeviceRelease:
      return OnDeviceRelease(e);
    case EventKind::kIommuMap:
      return OnIommuMap(e);
    case EventKind::kIommuUnmap:
      return OnIommuUnmap(e);
    case EventKind::kIotlbStaleHit:
      return OnIotlbStaleHit(e);
    case EventKind::kPageTableWalk:
      return OnPageTableWalk(e);
    case EventKind::kCpuAccess:
      return OnCpuAccess(e);
    case EventKind::kCpuMap:
      return OnCpuMap(e);
    case EventKind::kCacheMaintenance:
      return OnCacheMaintenance(e);
    case EventKind::kPageFree:
      return OnPageFree(e);
    case EventKind::kDeviceAccess:
      return OnDeviceAccess(e);
    default:
      return OnBookkeeping(e);
  }
}

void Checker::OnBookkeeping(const Event& e) {
  switch (e.kind) {
    case EventKind::kPrepareCpuMapping:
      maybe_cached_.Remove(e.phys_range());
      return;
    case EventKind::kIommuAttach:
      iommu_.Attach(e.device, e.domain, e.text);
      return;
    case EventKind::kIommuDetach:
      iommu_.Detach(e.device);
      return;
    case EventKind::kIotlbInvalidate:
      iommu_.Invalidate(e.domain, e.dma.value(), e.size);
      return;
    case EventKind::kPageTableWrite:
      if (e.text == noncoherent_) pt_dirty_.Add(e.phys_range());
      return;
    case EventKind::kCpuUnmap:
      cpu_aliases_.Unmap(e.cpu);
      return;
    case EventKind::kRamBank:
      if (e.size != 0) ram_[e.phys.value()] = e.phys.value() + e.size;
      ram_hit_ = {};
      return;
    case EventKind::kDeviceAdd:
      devices_[e.device] = DeviceInfo{e.coherent, e.max_seg_size, e.seg_boundary, e.text};
      device_cached_ = false;
      return;
    case EventKind::kCpuCache:
      return OnCpuCache(e);
    case EventKind::kDmaMap:
    case EventKind::kDmaUnmap:
    case EventKind::kDmaFree:
    case EventKind::kDmaSyncForCpu:
    case EventKind::kDmaSyncForDevice:
    case EventKind::kDmaMappingError:
    case EventKind::kDmaAlloc:
    case EventKind::kDeviceRelease:
    case EventKind::kIommuMap:
    case EventKind::kIommuUnmap:
    case EventKind::kIotlbStaleHit:
    case EventKind::kPageTableWalk:
    case EventKind::kCpuAccess:
    case EventKind::kCpuMap:
    case EventKind::kCacheMaintenance:
    case EventKind::kPageFree:
    case EventKind::kDeviceAccess:
      return;  // rule events: Dispatch sends them to their handlers
    case EventKind::kPageAlloc:
    case EventKind::kIommuFault:
    case EventKind::kCorruption:
    case EventKind::kNote:
      return;
  }
}

void Checker::OnEnd() {
  FlushStaleHits();
  for (uint32_t id : mappings_.LiveIds()) {
    if (stopped_) return;
    Mapping& m = *mappings_.Get(id);
    Event end;
    end.device = m.device;
    end.dma = m.dma;
    end.size = m.size;
    end.dir = m.dir;
    if (m.needs_error_check && !m.error_checked && !m.error_reported &&
        Enabled(RuleId::kMappingErrorUnchecked)) {
      m.error_reported = true;
      Report(Make(RuleId::kMappingErrorUnchecked, end, &m,
                  fmt::format("device driver failed to check map error [device address={}] "
                              "[size={} bytes] [mapped as {}]",
                              Hex(m.dma), m.size, ToString(m.api))));
    }
    if (!m.release_reported && Enabled(RuleId::kLeakAtEnd)) {
      Report(Make(RuleId::kLeakAtEnd, end, &m,
                  fmt::format("DMA-API leak at end of run [device address={}] [size={} bytes] "
                              "[mapped as {}] [direction={}]",
                              Hex(m.dma), m.size, ToString(m.api), ToString(m.dir))));
    }
  }
}

Violation Checker::Make(RuleId rule, const Event& e, const Mapping* m, std::string message) const {
  Violation v;
  v.rule = rule;
  v.seq = e.seq;
  v.device = e.device;
  v.message = std::move(message);
  v.dma = e.dma;
  v.phys = e.phys;
  v.size = e.size;
  v.dir = e.dir;
  v.where = e.where;
  if (m != nullptr) {
    v.mapping_dir = m->dir;
    v.mapping_where = m->where;
    v.mapping_seq = m->seq;
    if (v.device.empty()) v.device = m->device;
    if (options_.mode != CheckMode::kCountOnly) v.lines = LinesOf(*m);
  }
  return v;
}

void Checker::Report(Violation v) {
  size_t r = static_cast<size_t>(v.rule);
  if (suppressed_[r] || stopped_) return;
  ++counts_[r];
  ++total_;
  if (options_.mode == CheckMode::kCountOnly) return;
  if (!v.lines.empty()) v.history = HistoryOf(v.lines.front().base);
  violations_.push_back(std::move(v));
  if (options_.mode == CheckMode::kStopAtFirst) stopped_ = true;
}

const Checker::DeviceInfo* Checker::LookUpDevice(Symbol device) const {
  auto it = devices_.find(device);
  cached_device_ = device;
  cached_info_ = it == devices_.end() ? nullptr : &it->second;
  device_cached_ = true;
  return cached_info_;
}

bool Checker::IsCoherent(Symbol device) const {
  const DeviceInfo* d = Device(device);
  return d != nullptr && d->coherent;
}

void Checker::TransitionAll(Mapping& m, const Event& e, Owner owner) {
  MoveLines(m, e, DmaRange(DmaAddr(0), ~uint64_t{0}), owner);
  m.history.Push(e.seq, e.kind, e.device, e.dir, owner, DmaRange(m.dma, m.size), e.where, true);
}

void Checker::Transition(Mapping& m, const Event& e, DmaRange dma, Owner owner) {
  MoveLines(m, e, dma, owner);
  m.history.Push(e.seq, e.kind, e.device, e.dir, owner, dma, e.where, false);
}

void Checker::MoveLines(Mapping& m, const Event& e, DmaRange dma, Owner owner) {
  if (cpu_written_.size() != 0 && m.has_lines()) return MoveWrittenLines(m, e, dma, owner);
  if (m.pieces.size() == 1 && dma.Contains(m.pieces[0].dma_range())) {
    // A single-piece mapping moved whole (map, full sync, unmap): every line, no line math.
    m.lines.Set(0, m.lines.line_count(), owner);
    return;
  }
  for (const MappingPiece& p : m.pieces) SetLines(m, p, dma, owner);
}

PhysRange Checker::SetLines(Mapping& m, const MappingPiece& p, DmaRange dma, Owner owner) {
  const DmaRange part = p.dma_range().Intersect(dma);
  if (part.empty()) return PhysRange();
  const PhysRange lines =
      PhysRange(p.phys + (part.base - p.dma), part.size).AlignOut(options_.line_size);
  m.lines.Set(mappings_.LineIndex(p, lines.base),
              mappings_.LineNumber(lines.end().value()) - mappings_.LineNumber(lines.base.value()),
              owner);
  return lines;
}

void Checker::MoveWrittenLines(Mapping& m, const Event& e, DmaRange dma, Owner owner) {
  // To the CPU with invalidation (or a bounce copy back): CPU writes still in flight are lost.
  const DmaDirection call_dir = e.dir != DmaDirection::kNone ? e.dir : m.dir;
  const bool discards = owner == Owner::kCpu && DeviceWrites(call_dir) &&
                        !(e.kind == EventKind::kDmaUnmap && e.attrs.skip_cpu_sync());
  std::vector<PhysRange> discarded;
  for (const MappingPiece& p : m.pieces) {
    const PhysRange lines = SetLines(m, p, dma, owner);
    if (lines.empty()) continue;
    if (discards) {
      for (const PhysRange& r : cpu_written_.Find(lines)) discarded.push_back(r);
    }
    cpu_written_.Remove(lines);
  }
  if (!discarded.empty() && Enabled(RuleId::kCpuWriteDiscarded)) {
    Violation v = Make(RuleId::kCpuWriteDiscarded, e, &m,
                       fmt::format("device driver gives DMA memory to the CPU over a CPU write "
                                   "made while the CPU owned it [call={}] [device address={}] "
                                   "[cacheline={}] [mapped with {}] [synced with {}]",
                                   ToString(e.kind), Hex(m.dma), Hex(discarded.front().base),
                                   ToString(m.dir), ToString(e.dir)));
    v.lines = std::move(discarded);
    Report(std::move(v));
  }
}

std::vector<PhysRange> Checker::LinesOf(const Mapping& m) const {
  std::vector<PhysRange> out;
  if (!m.has_lines()) return out;
  for (const MappingPiece& p : m.pieces) out.push_back(p.phys_range().AlignOut(options_.line_size));
  return out;
}

std::vector<OwnershipTransition> Checker::HistoryOf(PhysAddr line) {
  std::vector<OwnershipTransition> all;
  auto collect = [&](const Mapping& m) {
    for (size_t i = 0; i < m.history.size(); ++i) {
      const OwnershipTransition& t = m.history.at(i);
      for (const MappingPiece& p : m.pieces) {
        if (!p.phys_range().AlignOut(options_.line_size).Contains(line)) continue;
        if (!t.whole && !p.dma_range().Overlaps(t.dma)) continue;
        all.push_back(t);
        break;
      }
    }
  };
  mappings_.ForEachOnPhys(PhysRange(line, options_.line_size), [&](Mapping& m, const auto&) {
    collect(m);
    return true;
  });
  for (uint32_t id : retired_) collect(mappings_.Retired(id));
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
  all.erase(std::unique(all.begin(), all.end(),
                        [](const auto& a, const auto& b) { return a.seq == b.seq; }),
            all.end());
  constexpr size_t kKeep = 6;
  if (all.size() > kKeep) all.erase(all.begin(), all.end() - kKeep);
  return all;
}

void Checker::Retire(uint32_t id) {
  if (options_.retired_kept == 0) {
    mappings_.Remove(id);
    return;
  }
  // The mapping stays in its slot (nothing is moved) until it leaves the ring.
  mappings_.Retire(id);
  if (retired_.size() < options_.retired_kept) {
    retired_.push_back(id);
    return;
  }
  mappings_.Release(retired_[retired_next_]);
  retired_[retired_next_] = id;
  retired_next_ = (retired_next_ + 1) % retired_.size();
}

std::vector<PhysRange> Checker::ViolatedLinesBefore(uint64_t seq) const {
  std::vector<PhysRange> all;
  for (const Violation& v : violations_) {
    if (v.seq == 0 || v.seq >= seq) continue;
    all.insert(all.end(), v.lines.begin(), v.lines.end());
  }
  std::sort(all.begin(), all.end(),
            [](const PhysRange& a, const PhysRange& b) { return a.base < b.base; });
  std::vector<PhysRange> merged;
  for (const PhysRange& r : all) {
    if (!merged.empty() && r.base <= merged.back().end()) {
      if (r.end() > merged.back().end())
        merged.back() = PhysRange::FromBounds(merged.back().base, r.end());
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

bool Checker::HadViolationOnLine(PhysAddr addr, uint64_t seq) const {
  for (const Violation& v : violations_) {
    if (v.seq != 0 && v.seq < seq && v.CoversLine(addr)) return true;
  }
  return false;
}

}  // namespace dmakit
