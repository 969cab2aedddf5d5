// Building the ownership timeline from a run's events (the model; timeline_svg.cc draws it).
#include "ownership_timeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <span>

namespace dmakit::report {
namespace {

uint64_t CeilDiv(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// A buffer under construction: the current owner of each row and since when.
struct OpenBuffer {
  size_t index;  // in Builder::buffers
  std::vector<TimelineOwner> owner;
  std::vector<uint64_t> since;
  size_t access_marks = 0;
};

class Builder {
 public:
  explicit Builder(const TimelineOptions& o) : o_(o) {}

  void OnEvent(const Event& e) {
    switch (e.kind) {
      case EventKind::kDmaMap:
        if (!e.failed) Open(e, Owner::kDevice);
        break;
      case EventKind::kDmaAlloc:
        Open(e, e.api == MapApi::kCoherent ? Owner::kShared : Owner::kCpu);
        break;
      case EventKind::kDmaSyncForCpu:
        Move(e, Owner::kCpu, false);
        break;
      case EventKind::kDmaSyncForDevice:
        Move(e, Owner::kDevice, false);
        break;
      case EventKind::kDmaUnmap:
      case EventKind::kDmaFree:
        Move(e, Owner::kCpu, true);
        break;
      case EventKind::kCpuAccess:
      case EventKind::kDeviceAccess:
        Access(e);
        break;
      default:
        break;
    }
  }

  void Finish() {
    for (OpenBuffer& ob : open_) CloseRows(ob, kTimelineEnd);
    open_.clear();
  }

  // Marks `seq` on the rows of `lines` in the buffers it concerns: the buffer mapped at
  // `mapping_seq` if any, else those overlapping `lines` live at `seq`, else the latest one
  // that ended before it.
  void MarkAt(MarkKind kind, uint64_t seq, uint64_t mapping_seq, std::span<const PhysRange> lines,
              std::string title, size_t index) {
    std::vector<size_t> targets;
    for (size_t i = 0; i < buffers.size() && mapping_seq; ++i) {
      if (buffers[i].begin_seq == mapping_seq) targets.push_back(i);
    }
    if (targets.empty()) {
      size_t latest = SIZE_MAX;
      for (size_t i = 0; i < buffers.size(); ++i) {
        const TimelineBuffer& b = buffers[i];
        if (!Overlaps(b, lines) || b.begin_seq > seq) continue;
        if (b.end_seq >= seq) {
          targets.push_back(i);
        } else if (latest == SIZE_MAX || b.end_seq > buffers[latest].end_seq) {
          latest = i;
        }
      }
      if (targets.empty() && latest != SIZE_MAX) targets.push_back(latest);
    }
    for (size_t i : targets) {
      TimelineBuffer& b = buffers[i];
      auto [first, last] = RowsOf(b, lines);
      b.marks.push_back({kind, seq, first, last, title, index});
    }
  }

  std::vector<TimelineBuffer> buffers;
  size_t buffers_total = 0;

 private:
  void Open(const Event& e, Owner owner) {
    ++buffers_total;
    if (buffers.size() >= o_.max_buffers || e.size == 0) return;
    TimelineBuffer b;
    b.id = static_cast<uint32_t>(buffers.size());
    b.kind = e.kind;
    b.device = e.device;
    b.api = e.api;
    b.dir = e.dir;
    b.dma = e.dma;
    b.begin_seq = e.seq;
    b.where = e.where;
    for (const SgSegment& s : e.sg) b.pieces.push_back(PhysRange(s.phys, s.length));
    if (b.pieces.empty()) b.pieces.push_back(PhysRange(e.phys, e.size));
    for (const PhysRange& p : b.pieces) b.size += p.size;
    const uint64_t lines = std::max<uint64_t>(1, CeilDiv(b.size, o_.line_size));
    const uint64_t per_row = CeilDiv(lines, o_.max_rows) * o_.line_size;
    for (uint64_t off = 0; off < b.size; off += per_row) {
      b.rows.push_back({off, std::min(per_row, b.size - off), {}});
    }
    OpenBuffer ob{buffers.size(), {}, {}, 0};
    const TimelineOwner who{owner, owner == Owner::kDevice ? e.device : Symbol()};
    ob.owner.assign(b.rows.size(), who);
    ob.since.assign(b.rows.size(), e.seq);
    b.marks.push_back(
        {MarkKind::kCall, e.seq, 0, static_cast<uint32_t>(b.rows.size() - 1), CallTitle(e), 0});
    buffers.push_back(std::move(b));
    open_.push_back(std::move(ob));
  }

  // The open buffer a sync/unmap/free concerns: same device, its DMA range holds e.dma.
  OpenBuffer* Find(const Event& e) {
    for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
      const TimelineBuffer& b = buffers[it->index];
      if (b.device == e.device && e.dma >= b.dma && e.dma.value() - b.dma.value() < b.size) {
        return &*it;
      }
    }
    return nullptr;
  }

  void Move(const Event& e, Owner owner, bool close) {
    OpenBuffer* ob = Find(e);
    if (ob == nullptr) return;
    TimelineBuffer& b = buffers[ob->index];
    uint32_t first = 0, last = static_cast<uint32_t>(b.rows.size() - 1);
    const bool whole = close || e.api == MapApi::kSg || b.pieces.size() > 1 || e.size == 0;
    if (!whole) {
      const uint64_t off = e.dma.value() - b.dma.value();
      first = RowAt(b, off);
      last = RowAt(b, std::min(b.size, off + e.size) - 1);
    }
    const TimelineOwner who{owner, owner == Owner::kDevice ? b.device : Symbol()};
    if (!(close && b.kind == EventKind::kDmaAlloc)) {
      for (uint32_t r = first; r <= last; ++r) {
        if (ob->owner[r] == who) continue;
        Span(*ob, r, e.seq);
        ob->owner[r] = who;
      }
    }
    b.marks.push_back({MarkKind::kCall, e.seq, first, last, CallTitle(e), 0});
    if (close) {
      b.end_seq = e.seq;
      CloseRows(*ob, e.seq);
      open_.erase(open_.begin() + (ob - open_.data()));
    }
  }

  void Access(const Event& e) {
    const PhysRange range(e.phys, e.size);
    const MarkKind kind =
        e.kind == EventKind::kCpuAccess ? MarkKind::kCpuAccess : MarkKind::kDeviceAccess;
    for (OpenBuffer& ob : open_) {
      TimelineBuffer& b = buffers[ob.index];
      if (!Overlaps(b, {&range, 1}) || ob.access_marks >= o_.max_access_marks) continue;
      ++ob.access_marks;
      auto [first, last] = RowsOf(b, {&range, 1});
      b.marks.push_back({kind, e.seq, first, last,
                         fmt::format("#{} {} {} {} bytes at {}", e.seq,
                                     e.device.empty() ? "cpu" : e.device.view(), ToString(e.access),
                                     e.size, Hex(e.phys)),
                         0});
    }
  }

  void Span(OpenBuffer& ob, uint32_t row, uint64_t to) {
    TimelineRow& r = buffers[ob.index].rows[row];
    if (to > ob.since[row]) r.spans.push_back({ob.since[row], to, ob.owner[row]});
    ob.since[row] = to;
  }
  void CloseRows(OpenBuffer& ob, uint64_t to) {
    for (uint32_t r = 0; r < ob.owner.size(); ++r) Span(ob, r, to);
  }

  uint32_t RowAt(const TimelineBuffer& b, uint64_t offset) const {
    const uint64_t per_row = b.rows.front().size;
    return static_cast<uint32_t>(std::min<uint64_t>(offset / per_row, b.rows.size() - 1));
  }

  static bool Overlaps(const TimelineBuffer& b, std::span<const PhysRange> lines) {
    for (const PhysRange& p : b.pieces) {
      for (const PhysRange& l : lines) {
        if (p.Overlaps(l)) return true;
      }
    }
    return false;
  }

  // The rows `lines` touch; every row when none does.
  std::pair<uint32_t, uint32_t> RowsOf(const TimelineBuffer& b,
                                       std::span<const PhysRange> lines) const {
    uint64_t lo = UINT64_MAX, hi = 0, base = 0;
    for (const PhysRange& p : b.pieces) {
      for (const PhysRange& l : lines) {
        if (!p.Overlaps(l)) continue;
        const PhysAddr s = std::max(p.begin(), l.begin());
        const PhysAddr t = std::min(p.end(), l.end());
        lo = std::min(lo, base + (s - p.begin()));
        hi = std::max(hi, base + (t - p.begin()) - 1);
      }
      base += p.size;
    }
    if (lo == UINT64_MAX) return {0, static_cast<uint32_t>(b.rows.size() - 1)};
    return {RowAt(b, lo), RowAt(b, hi)};
  }

  static std::string CallTitle(const Event& e) {
    std::string t = fmt::format("#{} {} {}", e.seq, ToString(e.kind), e.device.view());
    if (e.api != MapApi::kNone) t += fmt::format(" {}", ToString(e.api));
    if (e.dir != DmaDirection::kNone) t += fmt::format(" {}", ToString(e.dir));
    t += fmt::format(" dma={} size={}", Hex(e.dma), e.size);
    if (e.where.known()) t += " at " + e.where.ToString();
    return t;
  }

  const TimelineOptions& o_;
  std::vector<OpenBuffer> open_;
};

}  // namespace

OwnershipTimeline OwnershipTimeline::Build(const RunRecord& run, const TimelineOptions& options) {
  OwnershipTimeline t;
  t.events_total = run.events.size();
  t.events_used = std::min(run.events.size(), options.max_events);
  TimelineOptions resolved = options;
  if (resolved.line_size == 0) resolved.line_size = run.LineSize();
  Builder b(resolved);
  for (size_t i = 0; i < t.events_used; ++i) b.OnEvent(run.events[i]);
  b.Finish();
  const uint64_t last_seq = t.events_used ? run.events[t.events_used - 1].seq : 0;
  for (size_t i = 0; i < run.violations.size(); ++i) {
    const Violation& v = run.violations[i];
    if (v.seq > last_seq) continue;
    const PhysRange fallback(v.phys, v.size);
    std::span<const PhysRange> lines = v.lines;
    if (lines.empty()) lines = {&fallback, 1};
    b.MarkAt(MarkKind::kViolation, v.seq ? v.seq : kTimelineEnd, v.mapping_seq, lines,
             fmt::format("#{} {} {}: {}", v.seq, RuleCode(v.rule), RuleName(v.rule), v.message), i);
  }
  for (size_t i = 0; i < run.corruptions.size(); ++i) {
    const Event& c = run.corruptions[i];
    if (c.seq > last_seq) continue;
    const PhysRange range(c.phys, c.size);
    b.MarkAt(MarkKind::kCorruption, c.seq, 0, {&range, 1},
             fmt::format("#{} corruption: {} read {} bytes at {}; last writer {} (#{})", c.seq,
                         c.device.view(), c.size, Hex(c.phys), c.writer.view(), c.writer_seq),
             i);
  }
  t.buffers = std::move(b.buffers);
  t.buffers_total = b.buffers_total;
  return t;
}

std::string OwnerPalette::Colour(const TimelineOwner& who) {
  if (who.owner == Owner::kCpu) return "#4e79a7";
  if (who.owner == Owner::kShared) return "#9c9c9c";
  static constexpr std::string_view kDevices[] = {"#f28e2b", "#59a14f", "#b07aa1", "#edc948",
                                                  "#76b7b2", "#ff9da7", "#9c755f", "#e15759"};
  for (const auto& [device, colour] : devices_) {
    if (device == who.device) return colour;
  }
  std::string colour(kDevices[devices_.size() % std::size(kDevices)]);
  devices_.emplace_back(who.device, colour);
  return colour;
}

}  // namespace dmakit::report
