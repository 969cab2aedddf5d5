#include "dmakit/report/run_record.h"

#include <algorithm>

namespace dmakit {

bool RunRecord::passed() const {
  if (error.has_value()) return false;
  if (kind == RunKind::kTrace) {
    uint64_t total = 0;
    for (const auto& [rule, count] : rule_counts) total += count;
    return violations.empty() && total == 0;
  }
  return std::all_of(expectations.begin(), expectations.end(),
                     [](const ExpectationResult& e) { return e.met; });
}

std::map<RuleId, uint64_t> RunRecord::RuleTotals() const {
  if (!rule_counts.empty()) return rule_counts;
  std::map<RuleId, uint64_t> totals;
  for (const Violation& v : violations) ++totals[v.rule];
  return totals;
}

uint64_t RunRecord::violation_count() const {
  uint64_t total = 0;
  for (const auto& [rule, count] : RuleTotals()) total += count;
  return std::max<uint64_t>(total, violations.size());
}

uint64_t RunRecord::LineSize() const {
  if (line_size != 0) return line_size;
  for (const Event& e : events) {
    if (e.kind != EventKind::kCpuCache) continue;
    if (e.line_size != 0 && (e.line_size & (e.line_size - 1)) == 0) return e.line_size;
    break;
  }
  return kDefaultLineSize;
}

}  // namespace dmakit
