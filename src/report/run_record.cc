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

}  // namespace dmakit
