#include "dmakit/check/line_set.h"

namespace dmakit {

void LineSet::Add(PhysRange range) {
  if (range.empty()) return;
  uint64_t first = range.base.value() / line_size_;
  uint64_t last = range.last().value() / line_size_;
  for (uint64_t l = first; l <= last; ++l) lines_.insert(l);
}

void LineSet::RemoveLines(PhysRange range) {
  if (range.empty()) return;
  uint64_t first = range.base.value() / line_size_;
  uint64_t last = range.last().value() / line_size_;
  lines_.erase(lines_.lower_bound(first), lines_.upper_bound(last));
}

std::vector<PhysRange> LineSet::Find(PhysRange range) const {
  std::vector<PhysRange> out;
  if (range.empty() || lines_.empty()) return out;
  uint64_t first = range.base.value() / line_size_;
  uint64_t last = range.last().value() / line_size_;
  for (auto it = lines_.lower_bound(first); it != lines_.end() && *it <= last; ++it) {
    PhysAddr line(*it * line_size_);
    if (!out.empty() && out.back().end() == line) {
      out.back().size += line_size_;
    } else {
      out.push_back(PhysRange(line, line_size_));
    }
  }
  return out;
}

bool LineSet::Any(PhysRange range) const {
  if (range.empty()) return false;
  auto it = lines_.lower_bound(range.base.value() / line_size_);
  return it != lines_.end() && *it <= range.last().value() / line_size_;
}

}  // namespace dmakit
