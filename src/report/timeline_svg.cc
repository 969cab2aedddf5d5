// Drawing the ownership timeline as SVG: x is the ordinal of the interesting event sequence
// numbers (calls, accesses, violations, corruptions), so quiet stretches take no room; y is
// each buffer's byte range, row by row.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "format_util.h"
#include "ownership_timeline.h"

namespace dmakit::report {
namespace {

constexpr int kLabelWidth = 250;
constexpr int kAxisHeight = 30;
constexpr int kBandGap = 34;
constexpr int kRightPad = 24;

std::string OwnerName(const TimelineOwner& who) {
  if (who.owner == Owner::kDevice) return who.device.empty() ? "device" : who.device.str();
  return who.owner == Owner::kCpu ? "CPU" : "shared (coherent)";
}

std::string SeqText(uint64_t seq) { return seq == kTimelineEnd ? "end" : fmt::format("#{}", seq); }

class Axis {
 public:
  explicit Axis(const OwnershipTimeline& t) {
    for (const TimelineBuffer& b : t.buffers) {
      seqs_.insert(b.begin_seq);
      seqs_.insert(b.end_seq);
      for (const TimelineMark& m : b.marks) seqs_.insert(m.seq);
    }
    seqs_.insert(kTimelineEnd);
    ordinal_.reserve(seqs_.size());
    for (uint64_t s : seqs_) ordinal_.push_back(s);
    step_ = std::clamp(1100.0 / static_cast<double>(ordinal_.size()), 4.0, 36.0);
  }
  double X(uint64_t seq) const {
    const auto it = std::lower_bound(ordinal_.begin(), ordinal_.end(), seq);
    return kLabelWidth + step_ * (0.5 + static_cast<double>(it - ordinal_.begin()));
  }
  double step() const { return step_; }
  int width() const {
    return kLabelWidth + static_cast<int>(step_ * static_cast<double>(ordinal_.size() + 1)) +
           kRightPad;
  }
  const std::vector<uint64_t>& seqs() const { return ordinal_; }

 private:
  std::set<uint64_t> seqs_;
  std::vector<uint64_t> ordinal_;
  double step_ = 10;
};

int RowHeight(size_t rows) { return std::clamp(static_cast<int>(64 / rows), 3, 10); }

void DrawAxis(const Axis& axis, int height, std::string& out) {
  const auto& seqs = axis.seqs();
  const size_t every = std::max<size_t>(1, static_cast<size_t>(56 / axis.step()) + 1);
  out += "<g class=\"axis\">";
  for (size_t i = 0; i < seqs.size(); ++i) {
    const double x = axis.X(seqs[i]);
    const bool labelled = i % every == 0 || seqs[i] == kTimelineEnd;
    fmt::format_to(std::back_inserter(out),
                   "<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"{}\" />", x,
                   kAxisHeight - (labelled ? 8 : 4), x, labelled ? height : kAxisHeight,
                   labelled ? "#e4e4e4" : "#bbb");
    if (labelled) {
      fmt::format_to(std::back_inserter(out),
                     "<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" "
                     "class=\"axis-label\">{}</text>",
                     x, kAxisHeight - 12, SeqText(seqs[i]));
    }
  }
  out += "</g>";
}

void DrawRows(const TimelineBuffer& b, const Axis& axis, int y0, int rh, OwnerPalette& palette,
              std::string& out) {
  // Consecutive rows with identical spans are drawn as one block.
  for (size_t r = 0; r < b.rows.size();) {
    size_t n = 1;
    auto same = [&](const TimelineRow& a, const TimelineRow& c) {
      if (a.spans.size() != c.spans.size()) return false;
      for (size_t i = 0; i < a.spans.size(); ++i) {
        if (a.spans[i].from_seq != c.spans[i].from_seq || a.spans[i].to_seq != c.spans[i].to_seq ||
            !(a.spans[i].who == c.spans[i].who)) {
          return false;
        }
      }
      return true;
    };
    while (r + n < b.rows.size() && same(b.rows[r], b.rows[r + n])) ++n;
    const TimelineRow& row = b.rows[r];
    const uint64_t last_byte = b.rows[r + n - 1].offset + b.rows[r + n - 1].size - 1;
    for (const OwnerSpan& s : row.spans) {
      const double x1 = axis.X(s.from_seq), x2 = axis.X(s.to_seq);
      fmt::format_to(std::back_inserter(out),
                     "<rect class=\"own\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" "
                     "fill=\"{}\"><title>{} owns +{:#x}..+{:#x} from {} to {}</title></rect>",
                     x1, y0 + static_cast<int>(r) * rh, std::max(1.0, x2 - x1),
                     static_cast<int>(n) * rh - (rh > 5 ? 1 : 0), palette.Colour(s.who),
                     HtmlEscape(OwnerName(s.who)), row.offset, last_byte, SeqText(s.from_seq),
                     SeqText(s.to_seq));
    }
    r += n;
  }
}

void DrawMark(const TimelineMark& m, const Axis& axis, int y0, int rh, std::string_view prefix,
              std::string& out) {
  const double x = axis.X(m.seq);
  const int top = y0 + static_cast<int>(m.first_row) * rh;
  const int bottom = y0 + static_cast<int>(m.last_row + 1) * rh;
  const std::string title = HtmlEscape(m.title);
  switch (m.kind) {
    case MarkKind::kCall:
      fmt::format_to(std::back_inserter(out),
                     "<g class=\"mark call\"><line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" "
                     "y2=\"{2}\" stroke=\"#222\" stroke-width=\"1.5\" />"
                     "<path d=\"M{0:.1f} {1} l-4 -6 h8 z\" fill=\"#222\" />"
                     "<title>{3}</title></g>",
                     x, top - 1, bottom + 1, title);
      return;
    case MarkKind::kCpuAccess:
    case MarkKind::kDeviceAccess:
      fmt::format_to(std::back_inserter(out),
                     "<rect class=\"mark access\" x=\"{:.1f}\" y=\"{}\" width=\"3\" height=\"{}\" "
                     "fill=\"{}\" stroke=\"#fff\" stroke-width=\"0.5\"><title>{}</title></rect>",
                     x - 1.5, top, std::max(2, bottom - top),
                     m.kind == MarkKind::kCpuAccess ? "#1d3557" : "#7a3e00", title);
      return;
    case MarkKind::kViolation:
      fmt::format_to(std::back_inserter(out),
                     "<a class=\"mark violation\" href=\"#{0}-v{1}\"><line x1=\"{2:.1f}\" "
                     "y1=\"{3}\" x2=\"{2:.1f}\" y2=\"{4}\" stroke=\"#d62728\" stroke-width=\"3\" />"
                     "<path d=\"M{2:.1f} {5} l7 7 l-7 7 l-7 -7 z\" fill=\"#d62728\" "
                     "stroke=\"#fff\" /><title>{6}</title></a>",
                     prefix, m.index, x, top, bottom, bottom + 1, title);
      return;
    case MarkKind::kCorruption:
      fmt::format_to(std::back_inserter(out),
                     "<a class=\"mark corruption\" href=\"#{0}-c{1}\"><rect x=\"{2:.1f}\" "
                     "y=\"{3}\" width=\"6\" height=\"{4}\" fill=\"none\" stroke=\"#000\" "
                     "stroke-width=\"2\" stroke-dasharray=\"3 2\" />"
                     "<path d=\"M{5:.1f} {6} l10 10 m0 -10 l-10 10\" stroke=\"#000\" "
                     "stroke-width=\"3\" /><title>{7}</title></a>",
                     prefix, m.index, x - 3, top, std::max(2, bottom - top), x - 5, top - 12,
                     title);
      return;
  }
}

void DrawBuffer(const TimelineBuffer& b, const Axis& axis, int y0, std::string_view prefix,
                OwnerPalette& palette, std::string& out) {
  const int rh = RowHeight(b.rows.size());
  const int height = rh * static_cast<int>(b.rows.size());
  const PhysRange& first = b.pieces.front();
  fmt::format_to(std::back_inserter(out),
                 "<g class=\"buffer\" id=\"{}-b{}\" data-buffer=\"{}\" data-rows=\"{}\">", prefix,
                 b.id, b.id, b.rows.size());
  const std::string api = b.kind == EventKind::kDmaAlloc ? fmt::format("alloc {}", ToString(b.api))
                                                         : fmt::format("map {}", ToString(b.api));
  fmt::format_to(std::back_inserter(out),
                 "<text x=\"8\" y=\"{}\" class=\"blabel\">{} {}</text>"
                 "<text x=\"8\" y=\"{}\" class=\"bsub\">{} {}{}, {} bytes</text>"
                 "<text x=\"8\" y=\"{}\" class=\"bsub\">dma {} {} to {}</text>",
                 y0 + 10, HtmlEscape(b.device.view()), HtmlEscape(api), y0 + 24,
                 b.dir == DmaDirection::kNone ? "" : ToString(b.dir), Hex(first.base),
                 b.pieces.size() > 1 ? fmt::format(" +{} pieces", b.pieces.size() - 1) : "", b.size,
                 y0 + 37, Hex(b.dma), SeqText(b.begin_seq), SeqText(b.end_seq));
  fmt::format_to(std::back_inserter(out),
                 "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f4f4f4\" />",
                 kLabelWidth, y0, axis.width() - kLabelWidth - kRightPad, height);
  DrawRows(b, axis, y0, rh, palette, out);
  // Calls first, then accesses, then violations and corruptions on top.
  for (MarkKind k : {MarkKind::kCall, MarkKind::kCpuAccess, MarkKind::kDeviceAccess,
                     MarkKind::kViolation, MarkKind::kCorruption}) {
    for (const TimelineMark& m : b.marks) {
      if (m.kind == k) DrawMark(m, axis, y0, rh, prefix, out);
    }
  }
  out += "</g>";
}

void DrawLegend(const OwnerPalette& palette, int y, std::string& out) {
  std::vector<std::pair<std::string, std::string>> items = {{"CPU", "#4e79a7"},
                                                            {"shared (coherent)", "#9c9c9c"}};
  for (const auto& [device, colour] : palette.devices()) items.emplace_back(device.str(), colour);
  int x = 8;
  out += "<g class=\"legend\">";
  for (const auto& [name, colour] : items) {
    fmt::format_to(std::back_inserter(out),
                   "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"12\" fill=\"{}\" />"
                   "<text x=\"{}\" y=\"{}\" class=\"legend-label\">{}</text>",
                   x, y, colour, x + 19, y + 10, HtmlEscape(name));
    x += 34 + static_cast<int>(name.size()) * 7;
  }
  fmt::format_to(std::back_inserter(out),
                 "<path d=\"M{0} {1} l-4 -6 h8 z\" fill=\"#222\" /><text x=\"{2}\" y=\"{3}\" "
                 "class=\"legend-label\">call</text>"
                 "<path d=\"M{4} {5} l6 6 l-6 6 l-6 -6 z\" fill=\"#d62728\" /><text x=\"{6}\" "
                 "y=\"{3}\" class=\"legend-label\">violation</text>"
                 "<path d=\"M{7} {5} l10 10 m0 -10 l-10 10\" stroke=\"#000\" stroke-width=\"3\" />"
                 "<text x=\"{8}\" y=\"{3}\" class=\"legend-label\">corruption</text>"
                 "<rect x=\"{9}\" y=\"{11}\" width=\"3\" height=\"12\" fill=\"#1d3557\" />"
                 "<text x=\"{10}\" y=\"{3}\" class=\"legend-label\">access</text>",
                 x + 6, y + 12, x + 14, y + 10, x + 60, y, x + 70, x + 140, x + 156, x + 240,
                 x + 248, y);
  out += "</g>";
}

}  // namespace

std::string RenderTimelineSvg(const OwnershipTimeline& timeline, std::string_view anchor_prefix) {
  if (timeline.buffers.empty()) return {};
  const Axis axis(timeline);
  OwnerPalette palette;
  std::string body;
  int y = kAxisHeight + 14;
  for (const TimelineBuffer& b : timeline.buffers) {
    DrawBuffer(b, axis, y, anchor_prefix, palette, body);
    y += std::max(RowHeight(b.rows.size()) * static_cast<int>(b.rows.size()), 40) + kBandGap;
  }
  std::string out;
  const int height = y + 24;
  fmt::format_to(std::back_inserter(out),
                 "<svg class=\"timeline\" width=\"{}\" "
                 "height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" "
                 "aria-label=\"ownership timeline per buffer\">",
                 axis.width(), height, axis.width(), height);
  DrawAxis(axis, y - kBandGap + 6, out);
  out += body;
  DrawLegend(palette, y - 6, out);
  out += "</svg>";
  return out;
}

}  // namespace dmakit::report
