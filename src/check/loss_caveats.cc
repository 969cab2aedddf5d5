#include "dmakit/check/loss_caveats.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace dmakit {
namespace {

// "the kernel lost 3 events after event #1 (trace line 3)"
std::string Describe(const EventLoss& gap) {
  const std::string count =
      gap.count == 0 ? "an unknown number of events" : fmt::format("{} events", gap.count);
  const std::string line = gap.line != 0 ? fmt::format(" (trace line {})", gap.line) : "";
  if (gap.after_seq == 0) {
    return fmt::format("the kernel lost {} before the first one{}", count, line);
  }
  if (gap.since_seq == gap.after_seq) {
    return fmt::format("the kernel lost {} after event #{}{}", count, gap.after_seq, line);
  }
  return fmt::format("the kernel lost {} somewhere after event #{} and before event #{}{}", count,
                     gap.since_seq, gap.after_seq + 1, line);
}

}  // namespace

bool RuleNeedsHistory(RuleId rule) {
  switch (rule) {
    case RuleId::kMapOutsideRam:
    case RuleId::kSgSegmentTooLong:
    case RuleId::kSgSegmentCrossesBoundary:
      return false;
    default:
      return true;
  }
}

size_t AddLossCaveats(std::span<const EventLoss> losses, std::vector<Violation>& violations) {
  if (losses.empty()) return 0;
  // Gaps with after_seq >= m form a suffix of `losses`; the one in it that starts earliest
  // decides whether any of them starts before the call.
  std::vector<size_t> earliest(losses.size());
  for (size_t i = losses.size(); i-- > 0;) {
    const bool last = i + 1 == losses.size();
    earliest[i] =
        last || losses[i].since_seq <= losses[earliest[i + 1]].since_seq ? i : earliest[i + 1];
  }
  size_t marked = 0;
  for (Violation& v : violations) {
    if (!RuleNeedsHistory(v.rule)) continue;
    const auto first =
        std::lower_bound(losses.begin(), losses.end(), v.mapping_seq,
                         [](const EventLoss& gap, uint64_t seq) { return gap.after_seq < seq; });
    if (first == losses.end()) continue;
    const EventLoss& gap = losses[earliest[static_cast<size_t>(first - losses.begin())]];
    const uint64_t call = v.seq == 0 ? std::numeric_limits<uint64_t>::max() : v.seq;
    if (gap.since_seq >= call) continue;
    v.caveat = fmt::format(
        "in doubt: {}; {}", Describe(gap),
        v.mapping_seq == 0
            ? "a call this verdict needs may be among them"
            : fmt::format("the mapping (event #{}) may have been unmapped or remapped among them",
                          v.mapping_seq));
    ++marked;
  }
  return marked;
}

}  // namespace dmakit
