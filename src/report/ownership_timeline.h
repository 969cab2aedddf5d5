// OwnershipTimeline: who owned each part of each DMA buffer of a run, over time, derived from
// the run's events, and its rendering as an SVG for the HTML report.
//
// A buffer is one successful kDmaMap or one kDmaAlloc: its physical pieces (the sg entries, or
// phys+size) in order, split into rows of whole cache lines (at most max_rows rows; a row then
// covers several lines). The owner of a row starts as the device (map), shared (coherent
// allocation) or the CPU (noncoherent allocation, pages); sync_for_cpu hands the synced rows to
// the CPU, sync_for_device to the device, unmap/free ends the buffer. A sync or unmap belongs
// to the live buffer of the same device whose DMA range holds its address; an sg call covers
// the whole buffer. CPU and device accesses, violations (by their mapping, else by their lines)
// and corruptions (by address) are marks on the rows they touch.
//
// Not modelled: ownership of memory outside mapped buffers, IOMMU-only mappings (kIommuMap),
// partial syncs of multi-segment sg mappings (they cover the whole buffer).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dmakit/check/line_ownership.h"
#include "dmakit/report/run_record.h"

namespace dmakit::report {

struct TimelineOwner {
  Owner owner = Owner::kCpu;
  Symbol device;  // for kDevice
  bool operator==(const TimelineOwner&) const = default;
};

// [from_seq, to_seq): to_seq is kTimelineEnd for a buffer still live at the end.
inline constexpr uint64_t kTimelineEnd = UINT64_MAX;
struct OwnerSpan {
  uint64_t from_seq = 0;
  uint64_t to_seq = 0;
  TimelineOwner who;
};

struct TimelineRow {
  uint64_t offset = 0;  // bytes from the buffer's start
  uint64_t size = 0;
  std::vector<OwnerSpan> spans;
};

enum class MarkKind : uint8_t { kCall, kCpuAccess, kDeviceAccess, kViolation, kCorruption };

struct TimelineMark {
  MarkKind kind = MarkKind::kCall;
  uint64_t seq = 0;  // kTimelineEnd for end-of-run violations
  uint32_t first_row = 0, last_row = 0;
  std::string title;  // hover text
  size_t index = 0;   // kViolation / kCorruption: index in the RunRecord's list
};

struct TimelineBuffer {
  uint32_t id = 0;
  EventKind kind = EventKind::kDmaMap;
  Symbol device;
  MapApi api = MapApi::kNone;
  DmaDirection dir = DmaDirection::kNone;
  DmaAddr dma;
  uint64_t size = 0;
  std::vector<PhysRange> pieces;
  uint64_t begin_seq = 0;
  uint64_t end_seq = kTimelineEnd;
  SourceLoc where;
  std::vector<TimelineRow> rows;
  std::vector<TimelineMark> marks;
};

struct TimelineOptions {
  // Bytes per cache line (a power of two); 0: the run's, RunRecord::LineSize().
  uint64_t line_size = 0;
  size_t max_rows = 32;           // per buffer
  size_t max_events = 5000;       // events read from the run (the rest are left out)
  size_t max_buffers = 24;        // buffers drawn (the first ones)
  size_t max_access_marks = 400;  // per buffer
};

struct OwnershipTimeline {
  std::vector<TimelineBuffer> buffers;
  size_t events_used = 0;
  size_t events_total = 0;
  size_t buffers_total = 0;  // buffers found, including those left out by max_buffers

  static OwnershipTimeline Build(const RunRecord& run, const TimelineOptions& options = {});
};

// One <svg class="timeline"> with a <g class="buffer"> per buffer. Violation and corruption
// marks link to "#<anchor_prefix>-v<index>" / "#<anchor_prefix>-c<index>". Empty when the
// timeline has no buffer.
std::string RenderTimelineSvg(const OwnershipTimeline& timeline, std::string_view anchor_prefix);

// The fill colour the timeline uses for an owner ("#rrggbb"); devices get colours in order of
// first appearance, from a fixed palette.
class OwnerPalette {
 public:
  std::string Colour(const TimelineOwner& who);
  const std::vector<std::pair<Symbol, std::string>>& devices() const { return devices_; }

 private:
  std::vector<std::pair<Symbol, std::string>> devices_;
};

}  // namespace dmakit::report
