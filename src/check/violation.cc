#include "dmakit/check/violation.h"

#include <fmt/format.h>

namespace dmakit {

bool Violation::CoversLine(PhysAddr addr) const {
  for (const PhysRange& r : lines) {
    if (r.Contains(addr)) return true;
  }
  return false;
}

std::string Violation::ToString() const {
  std::string s = fmt::format("{} {}: {}", RuleCode(rule), RuleName(rule), message);
  if (!device.empty()) s += fmt::format("\n  device: {}", device.view());
  s += fmt::format("\n  at: {}", where.ToString());
  if (seq != 0) s += fmt::format(" (event #{})", seq);
  if (mapping_seq != 0) {
    s += fmt::format("\n  mapped at: {} (event #{})", mapping_where.ToString(), mapping_seq);
  }
  if (!caveat.empty()) s += fmt::format("\n  caveat: {}", caveat);
  if (!lines.empty()) {
    s += "\n  cache lines:";
    for (const PhysRange& r : lines) s += " " + dmakit::ToString(r);
  }
  if (!history.empty()) {
    s += "\n  ownership history of the line:";
    for (const OwnershipTransition& t : history) s += "\n    " + t.ToString();
  }
  return s;
}

}  // namespace dmakit
